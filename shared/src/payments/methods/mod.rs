//! The payment method kinds the sandbox provider's hosted page accepts. A new kind is one
//! module here and one line in `KINDS`; checkout and the webhook do not change.
mod card;
mod crina_pay;

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the page tells the buyer about a field it refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The form field (`card_number`, `exp_month`, `phone`, ...).
    pub field: &'static str,
    pub message: String,
}

/// A payment method as stored and shown: never a full card number, never a CVC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodDetails {
    /// `"card"` or `"crina_pay"`.
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

/// The sandbox's decision on a valid form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub approved: bool,
    /// Shown to the buyer when declined.
    pub decline_reason: Option<String>,
    pub details: MethodDetails,
    /// Test card 4000000000000341: accepted (and savable) now, every later charge fails.
    pub later_charges_fail: bool,
}

pub trait MethodKind: Sync {
    /// The `method` form value and `method_type` (`"card"`, `"crina_pay"`).
    fn id(&self) -> &'static str;
    /// What the page calls it.
    fn label(&self) -> &'static str;
    /// Validates the submitted form and decides the test outcome. `today` comes from the
    /// app clock; `fingerprint_key` keys the fingerprint hash.
    fn authorize(
        &self,
        form: &HashMap<String, String>,
        today: NaiveDate,
        fingerprint_key: &[u8],
    ) -> Result<Authorization, Vec<FieldError>>;
}

pub const KINDS: &[&dyn MethodKind] = &[&card::Card, &crina_pay::CrinaPay];

pub fn kind(id: &str) -> Option<&'static dyn MethodKind> {
    KINDS.iter().copied().find(|k| k.id() == id)
}

impl From<&MethodDetails> for crate::domain::order::OrderPayment {
    fn from(d: &MethodDetails) -> Self {
        Self {
            method_type: d.method_type.clone(),
            brand: d.brand.clone(),
            last4: d.last4.clone().or_else(|| d.phone_last4.clone()),
        }
    }
}
