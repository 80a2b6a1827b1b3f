//! The payment method kinds the sandbox provider's hosted page accepts. A kind is one module
//! (its fields, their validation, its form, its test outcomes) and one line in `REGISTRY`;
//! checkout, the portal and the webhook find it there and do not change.
mod card;
mod crina_pay;
mod form;

use std::collections::HashMap;

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use maud::{html, Markup};
use sha2::{Digest, Sha256};

pub use crate::domain::saved_method::MethodDetails;
use crate::domain::Locale;
pub use form::{Field, FormState};

/// Every kind a buyer can pay with, in the order the page lists them.
pub static REGISTRY: &[&dyn PaymentMethodKind] = &[&card::Card, &crina_pay::CrinaPay];

/// The registered kind with this id (`"card"`), if any.
pub fn kind(id: &str) -> Option<&'static dyn PaymentMethodKind> {
    REGISTRY.iter().copied().find(|k| k.id() == id)
}

/// A way to pay on the hosted page.
pub trait PaymentMethodKind: Sync {
    /// The `method` form value, checkout's `payment_method` and the stored `method_type`.
    fn id(&self) -> &'static str;

    /// The heading of its form: the id of a message (`payment-page.ftl`), written in the
    /// buyer's language (a brand is a message too, the same in both).
    fn display_name(&self) -> &'static str;

    /// What its element ids on the page are built from (`method-card`, `pay-card`).
    fn html_id(&self) -> &'static str {
        self.id()
    }

    /// Whether Capsule itself takes this kind's payments whatever provider the deployment
    /// chose (CRINA-PAY); else the provider does (a card: the sandbox, or Stripe Elements).
    fn served_by_capsule(&self) -> bool {
        false
    }

    /// Its inputs; each name appears in one kind only, as it is also the input's id.
    fn fields(&self) -> &'static [Field];

    /// Its inputs laid out inside its form: by default one under the other.
    fn form_fields(&self, form: &FormState) -> Markup {
        html! {
            @for field in self.fields() {
                (form.field(field))
            }
        }
    }

    /// The id of a sentence for the page's sandbox notice, after "No real money moves.".
    fn sandbox_hint(&self) -> Option<&'static str> {
        None
    }

    /// The sandbox's test inputs and what each does, as `li` items of the notice's list.
    fn test_outcomes(&self, locale: Locale) -> Markup;

    /// Parses and validates the submitted form, then decides the sandbox's test outcome.
    /// `today` comes from the app clock; `fingerprint_key` keys the fingerprint hash.
    fn authorize(
        &self,
        form: &HashMap<String, String>,
        today: NaiveDate,
        fingerprint_key: &[u8],
    ) -> Result<Authorization, Vec<FieldError>>;
}

/// What the page tells the buyer about a field it refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The form field (`card_number`, `exp_month`, `phone`, ...).
    pub field: &'static str,
    /// The id of its message (`payment-page.ftl`), written in the buyer's language.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: &str) -> Self {
        Self { field, message: message.to_owned() }
    }
}

/// The sandbox's decision on a valid form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub approved: bool,
    /// Shown to the buyer when declined: the id of its message (`payment-page.ftl`), which
    /// the return page and the email write in the buyer's language.
    pub decline_reason: Option<String>,
    pub details: MethodDetails,
    /// Test card 4000000000000341: accepted (and savable) now, every later charge fails.
    pub later_charges_fail: bool,
    /// Test card 4000002760003184: the bank asks the buyer to authenticate (3-D Secure)
    /// every payment: on the page a challenge comes first, and an off-session charge of the
    /// saved card answers "authentication required".
    pub requires_authentication: bool,
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

/// Lowercase hex HMAC-SHA256 of `value`: the same card (or phone) always gives the same
/// fingerprint, without the value itself being stored.
fn fingerprint(key: &[u8], value: &str) -> String {
    // A fixed-size key (the secret's digest) makes the MAC's construction infallible.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&Sha256::digest(key));
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new(&block.into());
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_by_id_only() {
        assert_eq!(kind("card").map(|k| k.id()), Some("card"));
        assert_eq!(kind("crina_pay").map(|k| k.id()), Some("crina_pay"));
        assert!(kind("Card").is_none() && kind("").is_none() && kind("pm_123").is_none());
    }

    #[test]
    fn ids_html_ids_and_field_names_are_unique_across_kinds() {
        let mut ids: Vec<&str> = REGISTRY.iter().map(|k| k.id()).collect();
        let mut html_ids: Vec<&str> = REGISTRY.iter().map(|k| k.html_id()).collect();
        let mut names: Vec<&str> = REGISTRY.iter().flat_map(|k| k.fields()).map(|f| f.name).collect();
        for list in [&mut ids, &mut html_ids, &mut names] {
            let count = list.len();
            list.sort_unstable();
            list.dedup();
            assert_eq!(list.len(), count, "duplicates in {list:?}");
        }
    }

    #[test]
    fn each_kind_renders_each_of_its_fields_once() {
        let form = FormState { errors: &[], values: &HashMap::new(), locale: Locale::En };
        for kind in REGISTRY {
            let html = kind.form_fields(&form).into_string();
            for field in kind.fields() {
                assert_eq!(html.matches(&format!(r#"id="{}""#, field.name)).count(), 1, "{}", field.name);
            }
            assert_eq!(html.matches("<input ").count(), kind.fields().len(), "{} renders only its fields", kind.id());
        }
    }
}
