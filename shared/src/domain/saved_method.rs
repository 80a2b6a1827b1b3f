//! Saved payment methods: their ids, when a saved card stops being usable, and which expiry
//! notice a card is due (the notices' state machine, pure, as the order's lifecycle is).
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// The longest method a client may name: anything longer is malformed, not unknown.
const MAX_ID_LEN: usize = 64;

/// A payment method as a client names it (checkout's `payment_method`, the DELETE path):
/// 1 to 64 letters, digits, `_` or `-`. Anything else is malformed (400), while a
/// well-formed name that is neither a method kind nor one of the caller's saved ids is
/// not found (404). `field` names where the request gave it (`payment_method`).
pub fn parse_id<'a>(id: &'a str, field: &str) -> Result<&'a str, DomainError> {
    let well_formed =
        (1..=MAX_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match well_formed {
        true => Ok(id),
        false => Err(DomainError::invalid(
            format!("/{field}"),
            format!("{field} must be a method kind or a saved payment_method_id (at most {MAX_ID_LEN} letters, digits, _ or -)"),
        )),
    }
}

/// A payment method as stored and shown: never a full card number, never a CVC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodDetails {
    /// The id of its kind: `"card"`, `"crina_pay"`.
    pub method_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp_month: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_last4: Option<String>,
    /// Keyed hash of the card number or phone: the same card saved twice is one entry.
    pub fingerprint: String,
}

impl MethodDetails {
    /// A method of which nothing is known but its kind and fingerprint.
    pub fn undescribed(method_type: &str, fingerprint: &str) -> Self {
        Self {
            method_type: method_type.into(),
            brand: None,
            last4: None,
            exp_month: None,
            exp_year: None,
            phone_last4: None,
            fingerprint: fingerprint.into(),
        }
    }

    /// A card's expiry; `None` for methods that do not expire.
    pub fn expiry(&self) -> Option<CardExpiry> {
        Some(CardExpiry { month: self.exp_month?, year: self.exp_year? })
    }
}

/// A card's printed expiry: usable through the last day of that month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardExpiry {
    pub month: u32,
    pub year: i32,
}

impl CardExpiry {
    /// The first instant the card no longer works: midnight UTC starting the next month.
    pub fn ends_at(self) -> DateTime<Utc> {
        let (year, month) = if self.month >= 12 { (self.year + 1, 1) } else { (self.year, self.month + 1) };
        let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX);
        Utc.from_utc_datetime(&first.and_time(chrono::NaiveTime::MIN))
    }

    pub fn is_expired(self, now: DateTime<Utc>) -> bool {
        now >= self.ends_at()
    }

    /// Not expired yet, but it will be within `notice_days`.
    pub fn expires_within(self, now: DateTime<Utc>, notice_days: i64) -> bool {
        !self.is_expired(now) && self.ends_at() - now <= Duration::days(notice_days)
    }

    /// The expiry of a card printed `MM/YY` this month: what a test card valid for a while is given.
    pub fn months_after(now: DateTime<Utc>, months: u32) -> Self {
        let index = now.year() * 12 + now.month0() as i32 + months as i32;
        Self { month: (index % 12) as u32 + 1, year: index / 12 }
    }
}

/// Which expiry emails a saved card's owner has had, for its current expiry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryNotices {
    #[default]
    None,
    /// "Your card expires soon" was sent.
    ExpiringSent,
    /// "Your card has expired" was sent: nothing more is due for this expiry.
    ExpiredSent,
}

/// An email about a card's expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryNotice {
    Expiring,
    Expired,
}

impl ExpiryNotices {
    /// The notice due now, if any: once when the card enters the notice window, once
    /// more when it has expired (a card first seen already expired gets only that one).
    pub fn due(self, expiry: CardExpiry, now: DateTime<Utc>, notice_days: i64) -> Option<ExpiryNotice> {
        match self {
            Self::ExpiredSent => None,
            _ if expiry.is_expired(now) => Some(ExpiryNotice::Expired),
            Self::None if expiry.expires_within(now, notice_days) => Some(ExpiryNotice::Expiring),
            _ => None,
        }
    }

    /// The state once `notice` is sent.
    pub fn after(notice: ExpiryNotice) -> Self {
        match notice {
            ExpiryNotice::Expiring => Self::ExpiringSent,
            ExpiryNotice::Expired => Self::ExpiredSent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    #[test]
    fn ids_are_malformed_or_well_formed() {
        for good in ["pm_abc", "pm_0123456789abcdef01234567", "pm_nope", "pm_a-b_c", "bitcoin"] {
            assert!(parse_id(good, "payment_method").is_ok(), "{good}");
        }
        let long = format!("pm_{}", "a".repeat(62));
        for bad in ["", "card ", "pm_é", "pm_a/b", "pm_a.b", "../x", long.as_str()] {
            assert!(parse_id(bad, "payment_method").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_card_works_through_the_last_day_of_its_month() {
        let dec = CardExpiry { month: 12, year: 2026 };
        assert_eq!(dec.ends_at(), at("2027-01-01T00:00:00Z"));
        assert!(!dec.is_expired(at("2026-12-31T23:59:59Z")));
        assert!(dec.is_expired(at("2027-01-01T00:00:00Z")));
        let feb = CardExpiry { month: 2, year: 2028 };
        assert_eq!(feb.ends_at(), at("2028-03-01T00:00:00Z"));
    }

    #[test]
    fn the_notice_window_counts_days_to_the_end_of_the_month() {
        let nov = CardExpiry { month: 11, year: 2026 };
        assert!(nov.expires_within(at("2026-11-01T00:00:00Z"), 30));
        assert!(!nov.expires_within(at("2026-10-31T23:59:59Z"), 30));
        assert!(nov.expires_within(at("2026-10-31T23:59:59Z"), 31));
        assert!(!nov.expires_within(at("2026-12-01T00:00:00Z"), 30), "expired is not expiring");
    }

    #[test]
    fn each_notice_is_due_once_in_order() {
        let nov = CardExpiry { month: 11, year: 2026 };
        let far = at("2026-09-01T00:00:00Z");
        let soon = at("2026-11-20T00:00:00Z");
        let after = at("2026-12-02T00:00:00Z");
        let none = ExpiryNotices::None;
        assert_eq!(none.due(nov, far, 30), None);
        assert_eq!(none.due(nov, soon, 30), Some(ExpiryNotice::Expiring));
        let sent = ExpiryNotices::after(ExpiryNotice::Expiring);
        assert_eq!(sent.due(nov, soon, 30), None, "not twice");
        assert_eq!(sent.due(nov, after, 30), Some(ExpiryNotice::Expired));
        assert_eq!(none.due(nov, after, 30), Some(ExpiryNotice::Expired), "only the last one when late");
        let done = ExpiryNotices::after(ExpiryNotice::Expired);
        assert_eq!(done.due(nov, after, 30), None);
        assert_eq!(done.due(nov, at("2030-01-01T00:00:00Z"), 30), None);
    }

    #[test]
    fn months_after_wraps_the_year() {
        let now = at("2026-11-24T10:00:00Z");
        assert_eq!(CardExpiry::months_after(now, 0), CardExpiry { month: 11, year: 2026 });
        assert_eq!(CardExpiry::months_after(now, 2), CardExpiry { month: 1, year: 2027 });
        assert_eq!(CardExpiry::months_after(now, 14), CardExpiry { month: 1, year: 2028 });
    }
}
