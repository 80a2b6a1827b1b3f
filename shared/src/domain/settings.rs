use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::{Cents, Email};

/// Fees for gift wrapping, by type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GiftFees {
    pub simple: Cents,
    pub birthday: Cents,
    pub wedding: Cents,
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
}

fn default_card_expiry_notice_days() -> i64 {
    30
}

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
        }
    }
}

impl Settings {
    /// Refuses what would make the shop misbehave: negative windows, a payment session too
    /// short to pay in, invalid manager emails. (Fees are `Cents`: never negative once read.)
    pub fn validate(self) -> Result<Self, DomainError> {
        let non_negative = [
            ("cancellation_window_minutes", self.cancellation_window_minutes),
            ("low_stock_threshold", self.low_stock_threshold),
            ("trial_days", self.trial_days),
        ];
        if let Some((field, _)) = non_negative.iter().find(|(_, value)| *value < 0) {
            return Err(DomainError::invalid(format!("{field} must not be negative")));
        }
        if !(1..=24 * 60).contains(&self.payment_session_minutes) {
            return Err(DomainError::invalid("payment_session_minutes must be from 1 to 1440"));
        }
        if !(1..=365).contains(&self.card_expiry_notice_days) {
            return Err(DomainError::invalid("card_expiry_notice_days must be from 1 to 365"));
        }
        if self.sale_unit_limit < 1 {
            return Err(DomainError::invalid("sale_unit_limit must be at least 1"));
        }
        let emails = self
            .stock_manager_emails
            .iter()
            .map(|e| Email::parse(e).map(|e| e.as_str().to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { stock_manager_emails: emails, ..self })
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
        for days in [0, 366] {
            assert!(Settings { card_expiry_notice_days: days, ..Settings::default() }.validate().is_err());
        }
        let without = serde_json::from_value::<Settings>(serde_json::json!({
            "cancellation_window_minutes": 1, "payment_session_minutes": 30, "home_delivery_fee_cents": 0,
            "gift_fees_cents": {"simple": 0, "birthday": 0, "wedding": 0}, "low_stock_threshold": 1,
            "stock_manager_emails": [], "trial_days": 14, "sale_unit_limit": 20
        }));
        let days = without.ok().map(|s| s.card_expiry_notice_days);
        assert_eq!(days, Some(30), "settings stored before the field read the default");
    }
}
