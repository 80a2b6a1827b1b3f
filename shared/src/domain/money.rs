use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// An amount of money in euro cents; never negative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub fn parse(raw: i64, field: &str) -> Result<Self, DomainError> {
        if raw < 0 {
            return Err(DomainError::invalid(format!("{field} must not be negative")));
        }
        Ok(Self(raw))
    }

    /// `percent` of this amount, rounded half up to the cent.
    pub fn percent_of(self, percent: Percent) -> Cents {
        Cents((self.0 * i64::from(percent.0) + 50) / 100)
    }
}

/// "24,90 €": how amounts read on pages and emails.
pub fn format_amount(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let symbol = if currency == "EUR" { "€" } else { currency };
    format!("{sign}{},{:02} {symbol}", cents.abs() / 100, cents.abs() % 100)
}

/// An integer percentage 0-100.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Percent(pub u8);

impl Percent {
    pub fn parse(raw: i64, field: &str) -> Result<Self, DomainError> {
        u8::try_from(raw)
            .ok()
            .filter(|p| *p <= 100)
            .map(Self)
            .ok_or_else(|| DomainError::invalid(format!("{field} must be an integer from 0 to 100")))
    }
}

/// A number of units in a cart line or an order: at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quantity(pub u32);

impl Quantity {
    pub const MAX: u32 = 10_000;

    pub fn parse(raw: i64) -> Result<Self, DomainError> {
        u32::try_from(raw)
            .ok()
            .filter(|q| (1..=Self::MAX).contains(q))
            .map(Self)
            .ok_or_else(|| DomainError::invalid(format!("quantity must be an integer from 1 to {}", Self::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_up_to_the_cent() {
        assert_eq!(Cents(1000).percent_of(Percent(5)), Cents(50));
        assert_eq!(Cents(1990).percent_of(Percent(5)), Cents(100)); // 99.5 -> 100
        assert_eq!(Cents(1989).percent_of(Percent(5)), Cents(99)); // 99.45 -> 99
        assert_eq!(Cents(0).percent_of(Percent(100)), Cents(0));
    }

    #[test]
    fn amounts_read_in_euros() {
        assert_eq!(format_amount(2490, "EUR"), "24,90 €");
        assert_eq!(format_amount(5, "EUR"), "0,05 €");
        assert_eq!(format_amount(0, "EUR"), "0,00 €");
        assert_eq!(format_amount(123_400, "EUR"), "1234,00 €");
        assert_eq!(format_amount(-1200, "EUR"), "-12,00 €");
        assert_eq!(format_amount(-150, "EUR"), "-1,50 €");
        assert_eq!(format_amount(999, "USD"), "9,99 USD");
    }

    #[test]
    fn quantities_and_percents_are_bounded() {
        assert!(Quantity::parse(0).is_err());
        assert!(Quantity::parse(1).is_ok());
        assert!(Quantity::parse(-3).is_err());
        assert!(Percent::parse(101, "p").is_err());
        assert!(Percent::parse(100, "p").is_ok());
        assert!(Cents::parse(-1, "c").is_err());
    }
}
