use std::fmt;

use super::error::DomainError;

/// A password a new account may use: 8 to 128 characters.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let count = raw.chars().count();
        if count < 8 {
            return Err(DomainError::invalid("/password", "password must be at least 8 characters"));
        }
        if count > 128 {
            return Err(DomainError::invalid("/password", "password must be at most 128 characters"));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A display name: trimmed, not empty, at most 100 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(DomainError::invalid("/name", "name must not be empty"));
        }
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(DomainError::invalid("/name", "name must be at most 100 printable characters"));
        }
        Ok(Self(name.to_string()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_eight_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse("ééééééé").is_err());
    }

    #[test]
    fn names_must_not_be_blank() {
        assert!(Name::parse("   ").is_err());
        assert_eq!(Name::parse(" Ada ").map(Name::into_inner).ok(), Some("Ada".into()));
    }
}

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Argon2id with OWASP's minimum: m = 19456 KiB, t = 2, p = 1.
fn argon2() -> Result<Argon2<'static>, DomainError> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| DomainError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of a new password. CPU-heavy: call it off the async threads.
pub fn hash_password(password: &Password) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Hashing(e.to_string()))
}

/// Whether `candidate` matches the PHC string; a malformed hash never matches.
pub fn verify_password(candidate: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    argon2().is_ok_and(|a| a.verify_password(candidate.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod hashing_tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_strings_that_verify() {
        let password = Password::parse("correct horse").expect("valid");
        let phc = hash_password(&password).expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse!", &phc));
        assert!(!verify_password("correct horse", "not a hash"));
    }
}
