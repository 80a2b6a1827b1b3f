use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::{Cents, Email, Locale, Quantity};

/// Fees for gift wrapping, by type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GiftFees {
    pub simple: Cents,
    pub birthday: Cents,
    pub wedding: Cents,
}

/// Who sells: named on the payment page and in every email, and what an invoice must say
/// of its seller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopIdentity {
    pub name: String,
    pub legal_name: String,
    pub address: String,
    /// The intra-community VAT number an invoice shows.
    pub vat_number: String,
}

impl Default for ShopIdentity {
    fn default() -> Self {
        Self { name: "Capsule".into(), legal_name: "Capsule".into(), address: String::new(), vat_number: String::new() }
    }
}

impl ShopIdentity {
    fn validate(self) -> Result<Self, DomainError> {
        let fields = [("name", &self.name), ("legal_name", &self.legal_name)];
        for (field, value) in fields {
            if value.trim().is_empty() {
                return Err(DomainError::invalid(format!("/{field}"), format!("shop.{field} must not be empty")));
            }
        }
        let all = [
            ("name", &self.name),
            ("legal_name", &self.legal_name),
            ("address", &self.address),
            ("vat_number", &self.vat_number),
        ];
        for (field, value) in all {
            if value.chars().count() > 200 || value.chars().any(char::is_control) {
                let message = format!("shop.{field} is at most 200 printable characters");
                return Err(DomainError::invalid(format!("/{field}"), message));
            }
        }
        Ok(self)
    }
}

/// The shop's admin settings (API.md, `GET/PUT /admin/settings`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub cancellation_window_minutes: i64,
    pub payment_session_minutes: i64,
    pub home_delivery_fee_cents: Cents,
    pub gift_fees_cents: GiftFees,
    pub low_stock_threshold: i64,
    pub stock_manager_emails: Vec<String>,
    pub trial_days: i64,
    pub sale_unit_limit: i64,
    /// How long before a saved card expires its owner is told (and `expiring_soon` shows).
    #[serde(default = "default_card_expiry_notice_days")]
    pub card_expiry_notice_days: i64,
    /// Accounts one source address may create per hour (`POST /auth/signup`).
    #[serde(default = "default_signups_per_address_per_hour")]
    pub signups_per_address_per_hour: i64,
    /// The units of one product one buyer may hold unpaid (cart line and checkout), in or
    /// out of a sale: one account cannot hold a product's whole stock.
    #[serde(default = "default_max_unpaid_units_per_product")]
    pub max_unpaid_units_per_product: i64,
    /// Who sells (page, emails, invoices).
    #[serde(default)]
    pub shop: ShopIdentity,
    /// The language of a buyer whose account and browser name none of ours.
    #[serde(default)]
    pub default_locale: Locale,
    /// The VAT rate in the prices (they include it), in hundredths of a percent: 2000 is 20 %.
    #[serde(default = "default_vat_rate_basis_points")]
    pub vat_rate_basis_points: i64,
}

/// The largest fee a setting takes: 1,000.00.
const MAX_FEE_CENTS: i64 = 100_000;
const MAX_MANAGER_EMAILS: usize = 20;

fn default_card_expiry_notice_days() -> i64 {
    30
}

/// A household or an office behind one address signs up a handful of accounts an hour; a
/// script signing up hundreds is refused.
fn default_signups_per_address_per_hour() -> i64 {
    20
}

/// More than a buyer takes of one cap (a team's order included), a fraction of most stocks.
fn default_max_unpaid_units_per_product() -> i64 {
    25
}

/// France's standard rate.
fn default_vat_rate_basis_points() -> i64 {
    2000
}

/// The most a shop may allow per address and hour (the local stack's setting: simulators
/// and tests sign everyone up from 127.0.0.1).
pub const MAX_SIGNUPS_PER_ADDRESS_PER_HOUR: i64 = 100_000;

/// The signup window: counts per address start again every hour.
pub const SIGNUP_WINDOW_SECONDS: i64 = 3600;

const HOME_DELIVERY_FEE: Cents = Cents::fixed(590);
const GIFT_FEES: GiftFees =
    GiftFees { simple: Cents::fixed(200), birthday: Cents::fixed(350), wedding: Cents::fixed(500) };

impl Default for Settings {
    fn default() -> Self {
        Self {
            cancellation_window_minutes: 24 * 60,
            payment_session_minutes: 30,
            home_delivery_fee_cents: HOME_DELIVERY_FEE,
            gift_fees_cents: GIFT_FEES,
            low_stock_threshold: 5,
            stock_manager_emails: vec!["stock@capsule.local".to_string()],
            trial_days: 14,
            sale_unit_limit: 20,
            card_expiry_notice_days: default_card_expiry_notice_days(),
            signups_per_address_per_hour: default_signups_per_address_per_hour(),
            max_unpaid_units_per_product: default_max_unpaid_units_per_product(),
            shop: ShopIdentity::default(),
            default_locale: Locale::default(),
            vat_rate_basis_points: default_vat_rate_basis_points(),
        }
    }
}

impl Settings {
    /// Refuses what would make the shop misbehave: a value outside its range (a negative
    /// window, a payment session too short to pay in, a fee or a limit no shop means),
    /// invalid or too many manager emails. (Fees are `Cents`: never negative once read.)
    pub fn validate(self) -> Result<Self, DomainError> {
        let ranges: [(&str, i64, i64, i64); 12] = [
            ("cancellation_window_minutes", self.cancellation_window_minutes, 0, 30 * 24 * 60),
            ("payment_session_minutes", self.payment_session_minutes, 1, 24 * 60),
            ("home_delivery_fee_cents", self.home_delivery_fee_cents.cents(), 0, MAX_FEE_CENTS),
            ("gift_fees_cents/simple", self.gift_fees_cents.simple.cents(), 0, MAX_FEE_CENTS),
            ("gift_fees_cents/birthday", self.gift_fees_cents.birthday.cents(), 0, MAX_FEE_CENTS),
            ("gift_fees_cents/wedding", self.gift_fees_cents.wedding.cents(), 0, MAX_FEE_CENTS),
            ("low_stock_threshold", self.low_stock_threshold, 0, 1_000_000),
            ("trial_days", self.trial_days, 0, 365),
            ("sale_unit_limit", self.sale_unit_limit, 1, 10_000),
            ("signups_per_address_per_hour", self.signups_per_address_per_hour, 1, MAX_SIGNUPS_PER_ADDRESS_PER_HOUR),
            ("max_unpaid_units_per_product", self.max_unpaid_units_per_product, 1, i64::from(Quantity::MAX)),
            ("vat_rate_basis_points", self.vat_rate_basis_points, 0, 10_000),
        ];
        for (field, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                let name = field.rsplit('/').next().unwrap_or(field);
                return Err(DomainError::invalid(format!("/{field}"), format!("{name} must be from {low} to {high}")));
            }
        }
        if !(1..=365).contains(&self.card_expiry_notice_days) {
            let message = "card_expiry_notice_days must be from 1 to 365";
            return Err(DomainError::invalid("/card_expiry_notice_days", message));
        }
        if self.stock_manager_emails.len() > MAX_MANAGER_EMAILS {
            let message = format!("stock_manager_emails lists at most {MAX_MANAGER_EMAILS}");
            return Err(DomainError::invalid("/stock_manager_emails", message));
        }
        let emails = self
            .stock_manager_emails
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Email::parse(e).map(|e| e.to_string()).map_err(|refused| {
                    DomainError::invalid(
                        format!("/stock_manager_emails/{i}"),
                        format!("stock_manager_emails[{i}]: {refused}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let shop = self.shop.validate().map_err(|e| e.within("/shop"))?;
        Ok(Self { stock_manager_emails: emails, shop, ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_refused() {
        assert!(Settings::default().validate().is_ok());
        let negative_window = Settings { cancellation_window_minutes: -1, ..Settings::default() };
        assert!(negative_window.validate().is_err());
        let mut negative_fee = serde_json::to_value(Settings::default()).expect("serializes");
        negative_fee["gift_fees_cents"]["wedding"] = serde_json::json!(-1);
        assert!(serde_json::from_value::<Settings>(negative_fee).is_err());
        let bad_email = Settings { stock_manager_emails: vec!["nope".into()], ..Settings::default() };
        assert!(bad_email.validate().is_err());
        let too_much = [
            Settings { cancellation_window_minutes: 30 * 24 * 60 + 1, ..Settings::default() },
            Settings { trial_days: 366, ..Settings::default() },
            Settings { sale_unit_limit: 10_001, ..Settings::default() },
            Settings { low_stock_threshold: 1_000_001, ..Settings::default() },
            Settings { signups_per_address_per_hour: 0, ..Settings::default() },
            Settings { signups_per_address_per_hour: MAX_SIGNUPS_PER_ADDRESS_PER_HOUR + 1, ..Settings::default() },
            Settings { max_unpaid_units_per_product: 0, ..Settings::default() },
            Settings { max_unpaid_units_per_product: 10_001, ..Settings::default() },
            Settings { home_delivery_fee_cents: Cents::fixed(100_001), ..Settings::default() },
            Settings { stock_manager_emails: vec!["a@b.co".into(); 21], ..Settings::default() },
        ];
        for settings in too_much {
            assert!(settings.clone().validate().is_err(), "{settings:?}");
        }
        for days in [0, 366] {
            assert!(Settings { card_expiry_notice_days: days, ..Settings::default() }.validate().is_err());
        }
        let without = serde_json::from_value::<Settings>(serde_json::json!({
            "cancellation_window_minutes": 1, "payment_session_minutes": 30, "home_delivery_fee_cents": 0,
            "gift_fees_cents": {"simple": 0, "birthday": 0, "wedding": 0}, "low_stock_threshold": 1,
            "stock_manager_emails": [], "trial_days": 14, "sale_unit_limit": 20
        }));
        let defaults = without
            .ok()
            .map(|s| (s.card_expiry_notice_days, s.signups_per_address_per_hour, s.max_unpaid_units_per_product));
        assert_eq!(defaults, Some((30, 20, 25)), "settings stored before the fields read the defaults");
    }
}
