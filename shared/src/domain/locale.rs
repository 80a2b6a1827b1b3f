//! The languages Capsule speaks to people in, and how a buyer's is chosen.
use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// A language of the shop's messages (`shared/locales/<code>/`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// The seed shop's language, and what records written before locales existed read as.
    #[default]
    Fr,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    /// The BCP 47 code (`lang` attributes, the API's `locale` fields).
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// A `locale` field as the API takes it: `fr` or `en`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == raw)
            .ok_or_else(|| DomainError::invalid("/locale", "locale must be fr or en"))
    }

    /// The language an `Accept-Language` header prefers most among ours (`fr-CA` is `fr`);
    /// `None` when it names none of them.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(u16, usize, Self)> = None;
        for (position, range) in header.split(',').enumerate() {
            let mut parts = range.split(';').map(str::trim);
            let tag = parts.next().unwrap_or_default().to_ascii_lowercase();
            let quality = parts.find_map(|p| p.strip_prefix("q=")).map_or(Some(1000), quality).unwrap_or(0);
            let primary = tag.split('-').next().unwrap_or_default();
            let Some(locale) = Self::ALL.into_iter().find(|l| l.code() == primary) else { continue };
            // The highest weight wins; between equal weights, the one named first.
            if quality > 0 && best.is_none_or(|(q, p, _)| quality > q || (quality == q && position < p)) {
                best = Some((quality, position, locale));
            }
        }
        best.map(|(_, _, locale)| locale)
    }

    /// The buyer's language: the account's choice, else what the request prefers, else the shop's.
    pub fn of_buyer(account: Option<Self>, accept_language: Option<&str>, shop_default: Self) -> Self {
        account.or_else(|| accept_language.and_then(Self::from_accept_language)).unwrap_or(shop_default)
    }
}

/// A `q` weight in thousandths (`0.8` is 800); `None` when malformed.
fn quality(raw: &str) -> Option<u16> {
    let weight: f32 = raw.parse().ok().filter(|w: &f32| (0.0..=1.0).contains(w))?;
    Some((weight * 1000.0).round() as u16)
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fr_and_en_are_locales() {
        assert_eq!(Locale::parse("fr").ok(), Some(Locale::Fr));
        assert_eq!(Locale::parse("en").ok(), Some(Locale::En));
        assert!(Locale::parse("de").is_err());
        assert!(Locale::parse("FR").is_err());
    }

    #[test]
    fn accept_language_picks_the_most_wanted_of_ours() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9,fr;q=0.8"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("de-DE, fr-CA;q=0.7, en;q=0.5"), Some(Locale::Fr));
        assert_eq!(Locale::from_accept_language("en;q=0.4, FR"), Some(Locale::Fr));
        assert_eq!(Locale::from_accept_language("fr;q=0, en;q=0.1"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("de, *"), None);
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn the_account_wins_then_the_request_then_the_shop() {
        assert_eq!(Locale::of_buyer(Some(Locale::En), Some("fr"), Locale::Fr), Locale::En);
        assert_eq!(Locale::of_buyer(None, Some("en-GB"), Locale::Fr), Locale::En);
        assert_eq!(Locale::of_buyer(None, Some("de"), Locale::Fr), Locale::Fr);
        assert_eq!(Locale::of_buyer(None, None, Locale::En), Locale::En);
    }
}
