use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// An amount of money in euro cents, never negative: prices, fees, discounts, totals and
/// commissions are all amounts, and a discount is taken off with `less`, so no amount the
/// domain computes goes below zero. (Pages that show a discount as "-12,00 €" sign it
/// themselves, see `format_amount`.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Cents(i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// An amount the code fixes (a default fee), for `const` items: a negative one does
    /// not compile.
    pub const fn fixed(cents: i64) -> Self {
        assert!(cents >= 0, "an amount is never negative");
        Self(cents)
    }

    pub fn new(cents: i64) -> Result<Self, DomainError> {
        Self::parse(cents, "an amount in cents")
    }

    /// An amount given as the body's field `field`, which the refusal names.
    pub fn parse(raw: i64, field: &str) -> Result<Self, DomainError> {
        if raw < 0 {
            return Err(DomainError::invalid(pointer(field), format!("{field} must not be negative")));
        }
        Ok(Self(raw))
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// `percent` of this amount, rounded half up to the cent.
    pub fn percent_of(self, percent: Percent) -> Cents {
        self.hundredths(i64::from(percent.0))
    }

    /// This amount less `percent` of it, the result rounded half up to the cent (how a unit
    /// price takes its discount).
    pub fn discounted_by(self, percent: Percent) -> Cents {
        self.hundredths(100 - i64::from(percent.0))
    }

    /// `hundredths` (0-100) hundredths of this amount, rounded half up; computed in `i128`,
    /// so no amount overflows (the result is at most the amount).
    fn hundredths(self, hundredths: i64) -> Cents {
        let share = (i128::from(self.0) * i128::from(hundredths) + 50) / 100;
        Cents(i64::try_from(share).unwrap_or(self.0))
    }

    /// This amount less `other`, never below zero.
    pub fn less(self, other: Cents) -> Cents {
        Cents(self.0.saturating_sub(other.0).max(0))
    }

    /// `quantity` times this amount.
    pub fn times(self, quantity: u32) -> Cents {
        Cents(self.0.saturating_mul(i64::from(quantity)))
    }
}

impl std::ops::Add for Cents {
    type Output = Cents;

    fn add(self, other: Cents) -> Cents {
        Cents(self.0.saturating_add(other.0))
    }
}

impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(amounts: I) -> Cents {
        amounts.fold(Cents::ZERO, |total, amount| total + amount)
    }
}

/// The pointer of a body's field `name`; a value not named by a field ("an amount in
/// cents") is the value itself, wherever serde found it.
fn pointer(name: &str) -> String {
    match name.contains(' ') {
        true => String::new(),
        false => format!("/{name}"),
    }
}

/// "24,90 €": how amounts read on pages and emails.
pub fn format_amount(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let symbol = if currency == "EUR" { "€" } else { currency };
    let magnitude = cents.unsigned_abs(); // `abs` of i64::MIN overflows
    format!("{sign}{},{:02} {symbol}", magnitude / 100, magnitude % 100)
}

/// An amount that includes VAT at `rate_basis_points` (2000: 20 %) split into the amount
/// without VAT and the VAT, rounded to the cent: (excluding, vat), which add up to it.
pub fn split_vat(including_cents: i64, rate_basis_points: i64) -> (i64, i64) {
    let divisor = i128::from(10_000 + rate_basis_points.max(0));
    let scaled = i128::from(including_cents) * 10_000;
    // Rounded half away from zero, whatever the sign (a discount line is negative).
    let excluding = (scaled.abs() * 2 + divisor) / (divisor * 2) * scaled.signum();
    let excluding = i64::try_from(excluding).unwrap_or(including_cents);
    (excluding, including_cents - excluding)
}

/// An integer percentage 0-100.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Percent(u8);

impl Percent {
    pub const ZERO: Percent = Percent(0);

    /// A percentage the code fixes (a discount tier), for `const` items: one over 100 does
    /// not compile.
    pub const fn fixed(value: u8) -> Self {
        assert!(value <= 100, "a percentage is at most 100");
        Self(value)
    }

    pub fn new(value: u8) -> Result<Self, DomainError> {
        Self::parse(i64::from(value), "a percentage")
    }

    /// A percentage given as `field`, which the refusal names.
    pub fn parse(raw: i64, field: &str) -> Result<Self, DomainError> {
        u8::try_from(raw)
            .ok()
            .filter(|p| *p <= 100)
            .map(Self)
            .ok_or_else(|| DomainError::invalid(pointer(field), format!("{field} must be an integer from 0 to 100")))
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

/// A number of units a buyer asks for of one product: at least 1, at most `Quantity::MAX`.
/// (Setting a cart line to 0 removes it: that 0 is a request, not a quantity.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    pub const MAX: u32 = 10_000;

    pub fn new(units: u32) -> Result<Self, DomainError> {
        Self::parse(i64::from(units))
    }

    pub fn parse(raw: i64) -> Result<Self, DomainError> {
        u32::try_from(raw).ok().filter(|q| (1..=Self::MAX).contains(q)).map(Self).ok_or_else(|| {
            DomainError::invalid("/quantity", format!("quantity must be an integer from 1 to {}", Self::MAX))
        })
    }

    pub fn units(self) -> u32 {
        self.0
    }
}

/// Serde reads a newtype through its constructor (`try_from`) and writes the bare number
/// (`into`), so a stored or posted value is checked as one built in code.
macro_rules! number_newtype_serde {
    ($newtype:ident, $number:ty) => {
        impl TryFrom<$number> for $newtype {
            type Error = DomainError;

            fn try_from(number: $number) -> Result<Self, DomainError> {
                Self::new(number)
            }
        }

        impl From<$newtype> for $number {
            fn from(value: $newtype) -> $number {
                value.0
            }
        }
    };
}

number_newtype_serde!(Cents, i64);
number_newtype_serde!(Percent, u8);
number_newtype_serde!(Quantity, u32);

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
    fn the_largest_amounts_take_percentages_without_overflow() {
        let most = Cents(i64::MAX);
        assert_eq!(most.percent_of(Percent(100)), most);
        assert_eq!(most.discounted_by(Percent(0)), most);
        assert_eq!(most.percent_of(Percent(50)), Cents(i64::MAX / 2 + 1));
        assert_eq!(most.discounted_by(Percent(100)), Cents::ZERO);
        assert_eq!(most.times(Quantity::MAX) + most, most, "products and sums saturate");
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
    fn vat_is_taken_out_of_prices_that_include_it() {
        assert_eq!(split_vat(1200, 2000), (1000, 200));
        assert_eq!(split_vat(1990, 2000), (1658, 332));
        assert_eq!(split_vat(-1990, 2000), (-1658, -332));
        assert_eq!(split_vat(1055, 550), (1000, 55));
        assert_eq!(split_vat(999, 0), (999, 0));
        assert_eq!(format_amount(i64::MIN, "EUR"), "-92233720368547758,08 €");
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

    #[test]
    fn amounts_are_zero_or_more() {
        assert_eq!(Cents::new(0).map(Cents::cents), Ok(0));
        assert_eq!(Cents::new(2490).map(Cents::cents), Ok(2490));
        assert_eq!(Cents::new(-1), Err(DomainError::invalid("", "an amount in cents must not be negative")));
        assert_eq!(
            Cents::parse(-5, "home_delivery_fee_cents"),
            Err(DomainError::invalid("/home_delivery_fee_cents", "home_delivery_fee_cents must not be negative"))
        );
    }

    #[test]
    fn amounts_add_and_take_off_without_going_negative() {
        assert_eq!(Cents(1000) + Cents(590), Cents(1590));
        assert_eq!(Cents(1000).less(Cents(300)), Cents(700));
        assert_eq!(Cents(300).less(Cents(1000)), Cents::ZERO);
        assert_eq!(Cents(1990).times(3), Cents(5970));
        assert_eq!([Cents(1), Cents(2), Cents(3)].into_iter().sum::<Cents>(), Cents(6));
        // 1990 less 5% = 1890.5, rounded half up; the 5% itself is 99.5, rounded half up.
        assert_eq!(Cents(1990).discounted_by(Percent(5)), Cents(1891));
        assert_eq!(Cents(1990).less(Cents(1990).percent_of(Percent(5))), Cents(1890));
    }

    #[test]
    fn percentages_are_from_0_to_100() {
        assert_eq!(Percent::new(0).map(Percent::value), Ok(0));
        assert_eq!(Percent::new(100).map(Percent::value), Ok(100));
        assert!(Percent::new(101).is_err());
        assert!(Percent::new(u8::MAX).is_err());
        assert_eq!(Percent::fixed(5), Percent(5));
        assert_eq!(
            Percent::parse(-1, "discount_percent"),
            Err(DomainError::invalid("/discount_percent", "discount_percent must be an integer from 0 to 100"))
        );
    }

    #[test]
    fn quantities_are_from_1_to_the_maximum() {
        assert_eq!(Quantity::new(1).map(Quantity::units), Ok(1));
        assert_eq!(Quantity::new(Quantity::MAX).map(Quantity::units), Ok(Quantity::MAX));
        assert!(Quantity::new(0).is_err());
        assert!(Quantity::new(Quantity::MAX + 1).is_err());
    }

    #[test]
    fn values_read_from_json_or_an_item_are_checked_as_built() {
        assert_eq!(serde_json::from_str::<Cents>("2490").ok(), Some(Cents(2490)));
        assert_eq!(serde_json::from_str::<Percent>("100").ok(), Some(Percent(100)));
        assert_eq!(serde_json::from_str::<Quantity>("3").ok(), Some(Quantity(3)));
        assert!(serde_json::from_str::<Cents>("-1").is_err());
        assert!(serde_json::from_str::<Cents>("\"1\"").is_err());
        assert!(serde_json::from_str::<Percent>("101").is_err());
        assert!(serde_json::from_str::<Percent>("-1").is_err());
        assert!(serde_json::from_str::<Quantity>("0").is_err());
        assert!(serde_json::from_str::<Quantity>("10001").is_err());
        let refusal = serde_json::from_str::<Cents>("-1").map_err(|e| e.to_string()).err();
        assert_eq!(refusal.as_deref(), Some("an amount in cents must not be negative"));
        // Written as the plain numbers they were before they had a type.
        let written = serde_json::to_string(&(Cents(2490), Percent(5), Quantity(2))).ok();
        assert_eq!(written.as_deref(), Some("[2490,5,2]"));
    }
}
