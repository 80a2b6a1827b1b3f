//! What the business rules refuse, in their own words: no HTTP status, no storage. The
//! HTTP layer maps these to the contract's codes in one place (`http::error`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value that breaks a rule: `field` is the JSON pointer of the value refused,
    /// relative to the value validated (`""`: that value itself), the message says why.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The password hasher could not run (its parameters, not the password).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }

    /// This refusal of a value found at `pointer` in a larger one: an address's `/city`
    /// is `/delivery/address/city` of the checkout body.
    pub fn within(self, pointer: &str) -> Self {
        match self {
            Self::Invalid { field, message } => Self::Invalid { field: format!("{pointer}{field}"), message },
            other => other,
        }
    }
}
