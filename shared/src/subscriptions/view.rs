//! A subscription as its subscriber (and the back office) sees it.
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::order::PaymentStatus;
use crate::domain::subscription::{ChargeFailure, SubscriptionStatus};
use crate::saved_methods;
use crate::store::SubscriptionRecord;

/// A subscription as its subscriber (and the back office) sees it (API.md, "Subscriptions").
#[derive(Debug, Serialize)]
pub struct SubscriptionView {
    pub subscription_id: String,
    pub plan_id: String,
    pub plan_name: String,
    pub price_cents: i64,
    pub currency: String,
    pub status: SubscriptionStatus,
    #[serde(with = "crate::clock::secs::option")]
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// The end of the running period (the trial's, or the one paid); none before it starts.
    #[serde(with = "crate::clock::secs::option")]
    pub current_period_end: Option<DateTime<Utc>>,
    #[serde(with = "crate::clock::secs::option")]
    pub next_charge_at: Option<DateTime<Utc>>,
    pub failed_attempts: u32,
    /// Why the last attempt failed (`declined`, `authentication_required`), until one succeeds.
    pub failure_reason: Option<ChargeFailure>,
    /// With `authentication_required`: the page where the subscriber confirms that payment
    /// (the link of the email).
    pub authentication_url: Option<String>,
    pub cancel_at_period_end: bool,
    pub payment_method: Option<saved_methods::SavedMethod>,
    pub charges: Vec<ChargeView>,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct ChargeView {
    #[serde(with = "crate::clock::secs")]
    pub at: DateTime<Utc>,
    pub amount_cents: i64,
    pub status: PaymentStatus,
}

impl From<&SubscriptionRecord> for SubscriptionView {
    fn from(r: &SubscriptionRecord) -> Self {
        use SubscriptionStatus as S;
        let b = &r.billing;
        let running = !matches!(b.status, S::Incomplete);
        Self {
            subscription_id: r.subscription_id.clone(),
            plan_id: r.plan_id.clone(),
            plan_name: r.plan_name.clone(),
            price_cents: r.price_cents,
            currency: r.currency.clone(),
            status: b.status,
            trial_ends_at: b.trial_ends_at,
            current_period_end: running.then(|| b.current_period_end()),
            // An incomplete one's is when its first charge is asked for again (not a period's).
            next_charge_at: b.next_charge_at.filter(|_| running && !b.cancel_at_period_end),
            failed_attempts: b.failed_attempts,
            failure_reason: b.failure,
            authentication_url: r.authentication_url.clone(),
            cancel_at_period_end: b.cancel_at_period_end,
            payment_method: r
                .payment_method
                .as_ref()
                .map(|m| saved_methods::SavedMethod::of(&m.payment_method_id, &m.details)),
            charges: r
                .charges
                .iter()
                .map(|c| ChargeView { at: c.at, amount_cents: c.amount_cents, status: c.status })
                .collect(),
            created_at: r.created_at,
        }
    }
}
