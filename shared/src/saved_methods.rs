//! Saved payment methods: saved with the payment that approved them (in the order's own
//! transaction), shown to their owner, charged off-session at checkout, and watched for
//! expiry by `card-expiry-scan`.
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::saved_method::{self, MethodDetails};
use crate::domain::Locale;
use crate::http::error::ApiError;
use crate::notify::{templates, Voice};
use crate::outbox::{Effect, Outbox};
use crate::payments::PaymentEvent;
use crate::store::{Deletion, MethodSave, PaymentMethodRecord, StoreError, Write};
use crate::App;

/// What saving a method adds to the change that saves it: the method as it will be
/// stored, and its email.
pub struct Saving {
    pub method: MethodSave,
    pub effects: Vec<Outbox>,
}

impl Saving {
    /// The write that saves it (its count of live subscriptions untouched), refused if
    /// someone saved it meanwhile.
    pub fn write(&self, table: &str) -> Result<Write, ApiError> {
        Ok(self.method.write(table, 0)?)
    }
}

/// The method `payment` asked to save, as part of the change that applies the payment:
/// `None` when it asked nothing. Saving the same card again updates its entry (and emails
/// only when something the owner sees changed: a new entry or a new expiry).
pub async fn saving(
    app: &App,
    user_id: &str,
    email: &str,
    locale: Locale,
    payment: &PaymentEvent,
    now: DateTime<Utc>,
) -> Result<Option<Saving>, StoreError> {
    let Some(token) = payment.method_token.as_deref().filter(|_| payment.save_method) else { return Ok(None) };
    let id = crate::store::payment_method_id(user_id, &payment.method.fingerprint);
    let previous = app.store.payment_method(user_id, &id).await?;
    let record = PaymentMethodRecord::saved(user_id, email, payment.method.clone(), token, now, previous.as_ref());
    let news = previous.as_ref().is_none_or(|p| p.details.expiry() != record.details.expiry());
    let effects = match news {
        true => {
            let settings = app.store.settings().await?;
            let email = templates::payment_method_saved(&Voice { shop: &settings, locale }, &record);
            vec![Outbox::new(format!("payment_method:{}", record.payment_method_id), Effect::Email { email }, now)]
        }
        false => Vec::new(),
    };
    let method = MethodSave { record, previous_version: previous.map(|p| p.version) };
    Ok(Some(Saving { method, effects }))
}

/// Deletes one of the user's methods unless a live subscription charges it. The provider
/// forgets it (Stripe detaches the card from the Customer) through the outbox, recorded
/// with the deletion.
pub async fn delete(app: &App, user_id: &str, payment_method_id: &str) -> Result<Deletion, ApiError> {
    let mut tries = crate::retry::Retries::new(crate::retry::CONTENDED);
    while tries.next().await {
        let Some(method) = app.store.payment_method(user_id, payment_method_id).await? else {
            return Ok(Deletion::NotFound);
        };
        if method.live_subscriptions > 0 {
            return Ok(Deletion::InUse);
        }
        let forget =
            Effect::ForgetMethod { method_type: method.details.method_type.clone(), token: method.token.clone() };
        let effects = vec![Outbox::new(format!("payment_method:{payment_method_id}"), forget, app.clock.now())];
        // Saved again, or taken by a subscription, since it was read: read it again.
        if app.store.delete_payment_method(&method, crate::outbox::puts(app, &effects)?).await? {
            crate::outbox::deliver_now(app, &effects).await;
            return Ok(Deletion::Deleted);
        }
    }
    Err(ApiError::Busy(format!("payment method {payment_method_id} kept changing")))
}

/// A saved method as its owner sees it (API.md, "Saved payment methods").
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct SavedMethod {
    pub payment_method_id: String,
    #[serde(rename = "type")]
    pub method_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_month: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiring_soon: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_last4: Option<String>,
}

impl SavedMethod {
    /// As its owner's listing shows it, with a card's expiry flags at `now`.
    pub fn new(record: &PaymentMethodRecord, now: DateTime<Utc>, notice_days: i64) -> Self {
        let expiry = record.details.expiry();
        Self {
            expiring_soon: expiry.map(|e| e.expires_within(now, notice_days)),
            expired: expiry.map(|e| e.is_expired(now)),
            ..Self::of(&record.payment_method_id, &record.details)
        }
    }

    /// Its id and display facts only (as a subscription shows the method it charges).
    pub fn of(payment_method_id: &str, d: &MethodDetails) -> Self {
        Self {
            payment_method_id: payment_method_id.to_string(),
            method_type: d.method_type.clone(),
            brand: d.brand.clone(),
            last4: d.last4.clone(),
            exp_month: d.exp_month,
            exp_year: d.exp_year,
            expiring_soon: None,
            expired: None,
            phone_last4: d.phone_last4.clone(),
        }
    }
}

/// The caller's saved method `id` if it can be charged now: 400 when the id is
/// malformed (naming the body's `field`), 404 when it names nothing of theirs, 422 when
/// the card has expired.
pub async fn chargeable(app: &App, user_id: &str, id: &str, field: &str) -> Result<PaymentMethodRecord, ApiError> {
    let id = saved_method::parse_id(id, field)?;
    let record = app
        .store
        .payment_method(user_id, id)
        .await?
        .ok_or(ApiError::NotFound { code: "payment_method_not_found", what: "payment method" })?;
    if record.details.expiry().is_some_and(|e| e.is_expired(app.clock.now())) {
        return Err(ApiError::PaymentMethodExpired);
    }
    Ok(record)
}
