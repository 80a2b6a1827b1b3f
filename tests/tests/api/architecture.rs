//! Rules of the code's shape that a reviewer would otherwise have to re-check by hand.
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The store is the only door to DynamoDB: keys, conditions and transactions live there,
/// so no function or other module can bypass them. (`local/` creates the table.)
#[test]
fn only_the_store_talks_to_dynamodb() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&root.join("shared/src"), &mut files);
    rust_files(&root.join("functions"), &mut files);
    let store = root.join("shared/src/store");
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(&store))
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|s| s.contains(concat!("aws_sdk", "_dynamodb"))))
        .map(|f| f.display().to_string())
        .collect();
    assert!(files.len() > 50, "read {} files", files.len());
    assert_eq!(outside, Vec::<String>::new(), "DynamoDB used outside shared/src/store");
}
