//! What the business rules refuse, in their own words: no HTTP status, no storage. The
//! HTTP layer maps these to the contract's codes in one place (`http::error`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value or a request that breaks a rule (the message says which).
    #[error("{0}")]
    Invalid(String),
    /// A value of one named field that breaks a rule (the message says which).
    #[error("{message}")]
    InvalidField { field: &'static str, message: String },
    /// The password hasher could not run (its parameters, not the password).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl DomainError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn invalid_field(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidField { field, message: message.into() }
    }
}
