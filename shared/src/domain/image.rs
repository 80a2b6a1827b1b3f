//! A product's picture, by URL.
use serde::{Deserialize, Serialize};

use super::DomainError;

/// An https URL of at most 2048 characters, with a host and no spaces: a page may put it
/// in `<img src>` as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImageUrl(String);

impl ImageUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let refuse = |why: &str| Err(DomainError::invalid("/image_url", format!("image_url must be {why}")));
        if value.chars().count() > Self::MAX_CHARS {
            return refuse("at most 2048 characters");
        }
        let Some(rest) = value.strip_prefix("https://") else { return refuse("an https:// URL") };
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty()
            || value.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
        {
            return refuse("an https:// URL with a host and no spaces");
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_with_a_host_up_to_2048_characters() {
        assert!(ImageUrl::parse("https://img.example/cap.png").is_ok());
        let long = format!("https://img.example/{}", "a".repeat(2048 - 20));
        assert_eq!(long.len(), 2048);
        assert!(ImageUrl::parse(&long).is_ok());
        for bad in [
            "http://img.example/cap.png",
            "javascript:alert(1)",
            "https://",
            "https:///cap.png",
            "https://a b",
            &format!("{long}x"),
        ] {
            let refused = ImageUrl::parse(bad);
            assert!(
                matches!(&refused, Err(DomainError::Invalid { field, .. }) if field == "/image_url"),
                "{bad}: {refused:?}"
            );
        }
    }
}
