//! An email address as the mail service will deliver to it, in the one spelling that names
//! its account.
use std::fmt;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// An address SES can deliver to, which speaks no SMTPUTF8: RFC 5321's Mailbox without its
/// rarities. Before the `@` a dot-atom of ASCII letters, digits and ``!#$%&'*+-/=?^_`{|}~``;
/// after it a domain name with a dot, Unicode allowed (IDNA, UTS 46). Quoted strings, display
/// names, comments, commas, address literals, spaces, control and invisible characters are
/// refused, so no address is a look-alike of another that mail would not tell apart.
///
/// Kept in one spelling, which keys the account: the local part lower-cased (accounts ignore
/// its case, as the mailbox providers do; it is how they were always stored), the domain as
/// lower-case ASCII with `xn--` labels. IDNA maps case and width and normalises to NFC, so
/// every spelling of one domain is one account; a non-ASCII local part (NFC or NFD) is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Email(String);

/// The characters RFC 5322's `atext` allows besides ASCII letters and digits.
const ATEXT_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

impl Email {
    /// RFC 5321's limits: 64 octets before the `@`, 254 in all (a path of 256 less `<>`).
    pub const MAX_LOCAL_LEN: usize = 64;
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        // Every character stays at least one in the stored spelling: a longer input cannot
        // fit, and is refused before any more work.
        if raw.chars().count() > Self::MAX_LEN {
            return Err(too_long());
        }
        if let Some(c) = raw.chars().find(|c| c.is_whitespace() || c.is_control() || is_invisible(*c)) {
            return Err(refused(format!(
                "email must not contain spaces, control or invisible characters (found {c:?})"
            )));
        }
        let (local, domain) = match raw.split_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@') => {
                (local, domain)
            }
            _ => return Err(refused("email must be one address: a name, one @, a domain (like ada@example.com)")),
        };
        let address = format!("{}@{}", local_part(local)?, domain_name(domain)?);
        if address.len() > Self::MAX_LEN {
            return Err(too_long());
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn refused(message: impl Into<String>) -> DomainError {
    DomainError::invalid("/email", message)
}

fn too_long() -> DomainError {
    refused(format!("email must be at most {} characters", Email::MAX_LEN))
}

/// The dot-atom before the `@`, lower-cased.
fn local_part(local: &str) -> Result<String, DomainError> {
    if let Some(c) = local.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || ATEXT_SYMBOLS.contains(*c))) {
        let why = match c.is_ascii() {
            true => format!("email must not contain {c:?} before the @"),
            false => format!("email must be plain ASCII before the @ (found {c:?}): mail to it cannot be delivered"),
        };
        return Err(refused(why));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(refused("email must not start or end with a dot before the @, nor have two in a row"));
    }
    if local.len() > Email::MAX_LOCAL_LEN {
        return Err(refused(format!("email must have at most {} characters before the @", Email::MAX_LOCAL_LEN)));
    }
    Ok(local.to_ascii_lowercase())
}

/// The domain after the `@` as lower-case ASCII (`xn--` labels for Unicode ones): letters,
/// digits and hyphens (STD3), labels of 1 to 63, at most 253 in all, at least two labels, the
/// last not a number (no address literals).
fn domain_name(domain: &str) -> Result<String, DomainError> {
    let ascii = Uts46::new()
        .to_ascii(domain.as_bytes(), AsciiDenyList::STD3, Hyphens::CheckFirstLast, DnsLength::Verify)
        .map_err(|_| refused("email must have a valid domain name after the @ (like example.com)"))?;
    let top_level = ascii.rsplit_once('.').map(|(_, last)| last);
    match top_level {
        Some(last) if !last.bytes().all(|b| b.is_ascii_digit()) => Ok(ascii.into_owned()),
        _ => Err(refused("email must have a domain name with a dot after the @ (like example.com)")),
    }
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that show
/// nothing, such as the zero-width space, joiners, bidi controls and variation selectors.
fn is_invisible(c: char) -> bool {
    const RANGES: &[(char, char)] = &[
        ('\u{00AD}', '\u{00AD}'),
        ('\u{034F}', '\u{034F}'),
        ('\u{061C}', '\u{061C}'),
        ('\u{115F}', '\u{1160}'),
        ('\u{17B4}', '\u{17B5}'),
        ('\u{180B}', '\u{180F}'),
        ('\u{200B}', '\u{200F}'),
        ('\u{202A}', '\u{202E}'),
        ('\u{2060}', '\u{206F}'),
        ('\u{3164}', '\u{3164}'),
        ('\u{FE00}', '\u{FE0F}'),
        ('\u{FEFF}', '\u{FEFF}'),
        ('\u{FFA0}', '\u{FFA0}'),
        ('\u{FFF0}', '\u{FFF8}'),
        ('\u{1BCA0}', '\u{1BCA3}'),
        ('\u{1D173}', '\u{1D17A}'),
        ('\u{E0000}', '\u{E0FFF}'),
    ];
    RANGES.iter().any(|(low, high)| (*low..=*high).contains(&c))
}

/// How a stored address is read back: parsed again (the stored spelling parses to itself).
impl TryFrom<String> for Email {
    type Error = DomainError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Option<String> {
        Email::parse(raw).ok().map(|e| e.0)
    }

    #[test]
    fn addresses_are_kept_in_one_spelling() {
        assert_eq!(parsed("  Ada@Example.COM "), Some("ada@example.com".into()));
        assert_eq!(parsed("O'Brien+shop@mail.example.co.uk"), Some("o'brien+shop@mail.example.co.uk".into()));
        assert_eq!(parsed("a.b-c_d@sub-domain.example"), Some("a.b-c_d@sub-domain.example".into()));
        assert_eq!(parsed("ana@café.example"), Some("ana@xn--caf-dma.example".into()), "NFC");
        assert_eq!(parsed("ana@cafe\u{301}.example"), Some("ana@xn--caf-dma.example".into()), "NFD");
        assert_eq!(parsed("ana@CAFÉ.Example"), Some("ana@xn--caf-dma.example".into()), "upper case");
        assert_eq!(parsed("ana@ｅｘａｍｐｌｅ.com"), Some("ana@example.com".into()), "full width");
        assert_eq!(parsed("ana@xn--caf-dma.example"), Some("ana@xn--caf-dma.example".into()), "already ASCII");
        for spelling in ["ada@example.com", "o'brien+shop@mail.example.co.uk", "ana@xn--caf-dma.example"] {
            assert_eq!(parsed(spelling).as_deref(), Some(spelling), "the stored spelling parses to itself");
        }
    }

    #[test]
    fn what_mail_cannot_reach_or_could_be_mistaken_is_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@@example.com",
            "ada@b@example.com",
            "ada@-x.com",
            "ada@x-.com",
            "\"x\"<y>@example.com",
            "\"ada\"@example.com",
            "Ada <ada@example.com>",
            "a,victim@example.com",
            "ada(comment)@example.com",
            "ada@[192.0.2.1]",
            "ada@192.0.2.1",
            "ada@example.com.",
            "ada@exa_mple.com",
            "ada@example..com",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada\u{200B}@example.com",
            "ada@exa\u{200B}mple.com",
            "ada@exa\u{00AD}mple.com",
            "ada\u{202E}@example.com",
            "ada\u{0007}@example.com",
            "ada\u{00A0}@example.com",
            "josé@example.com",
            "jose\u{301}@example.com",
            "аda@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn lengths_are_rfc_5321s() {
        let label = "a".repeat(63);
        let domain = format!("{label}.{label}.{label}.{}", "a".repeat(57)); // 249 characters
        assert!(parsed(&format!("a@{domain}")).is_some_and(|e| e.len() == 251));
        assert!(Email::parse(&format!("abcde@{domain}")).is_err(), "255 characters");
        assert!(parsed(&format!("{}@example.com", "a".repeat(64))).is_some());
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
        assert!(Email::parse(&format!("a@{}.com", "b".repeat(64))).is_err(), "a label over 63");
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(2100))).is_err());
        assert!(Email::parse(&format!("a@{}.com", "é".repeat(2100))).is_err());
    }

    #[test]
    fn refusals_name_the_field_and_show_the_invisible() {
        let Err(DomainError::Invalid { field, message }) = Email::parse("ada\u{200B}@example.com") else {
            panic!("refused with its field");
        };
        assert_eq!(field, "/email");
        assert!(message.contains("\\u{200b}"), "{message}");
        let Err(comma) = Email::parse("a,victim@example.com") else { panic!("refused") };
        assert!(comma.to_string().contains("','"), "{comma}");
    }

    #[test]
    fn a_stored_address_reads_back_only_if_it_parses() {
        let read: Result<Email, _> = serde_json::from_str("\"Ada@Example.com\"");
        assert_eq!(read.ok().map(|e| e.0), Some("ada@example.com".into()));
        assert!(serde_json::from_str::<Email>("\"a,victim@example.com\"").is_err());
        assert_eq!(
            serde_json::to_string(&Email::parse("ada@example.com").ok()).ok().as_deref(),
            Some("\"ada@example.com\"")
        );
    }
}
