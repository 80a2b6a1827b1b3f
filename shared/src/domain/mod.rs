//! Pure business rules: values that cannot be invalid once parsed, prices, state machines.
//! Nothing here does I/O or knows DynamoDB.
pub mod account;
pub mod email;
pub mod error;
pub mod fulfilment;
pub mod image;
pub mod lifecycle;
pub mod locale;
pub mod money;
pub mod order;
pub mod pricing;
pub mod saved_method;
pub mod search;
pub mod settings;
pub mod stock;
pub mod subscription;

pub use account::{hash_password, verify_password, Name, Password};
pub use email::Email;
pub use error::DomainError;
pub use image::ImageUrl;
pub use locale::Locale;
pub use money::{format_amount, split_vat, Cents, Percent, Quantity};

#[cfg(test)]
mod purity {
    /// The rules stay testable without any server: nothing in `domain/` reaches for HTTP,
    /// storage, notifications or payments.
    #[test]
    fn the_domain_imports_nothing_but_itself() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).expect("src/domain") {
            let path = entry.expect("entry").path();
            let source = std::fs::read_to_string(&path).expect("source");
            read += 1;
            for line in source.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for outside in ["http", "store", "notify", "payments", "App"] {
                    // Spelled in two parts so that this test does not find itself.
                    assert!(!line.contains(&format!("crate::{outside}")), "{}: {line}", path.display());
                }
                assert!(!line.contains(concat!("aws", "_sdk")), "{}: {line}", path.display());
            }
        }
        assert!(read >= 8, "read {read} files of the domain");
    }
}
