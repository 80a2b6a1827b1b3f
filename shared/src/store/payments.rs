//! Payment records (payments, failures, refunds, as the admin listing shows them) and the
//! record of a webhook event that changes no order.
use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{keys, s, time, to_item, tx, Item, Store, StoreError};
use crate::domain::order::PaymentStatus;

/// A payment, failed payment or refund, as the admin listing shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub gsi2pk: String,
    pub gsi2sk: String,
    pub payment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub method_type: String,
    pub amount_cents: i64,
    pub status: PaymentStatus,
    #[serde(with = "crate::clock::secs")]
    pub at: DateTime<Utc>,
    /// A decline's code at the provider (`PaymentEvent::decline_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
}

impl PaymentRecord {
    pub fn new(
        payment_id: &str,
        method_type: &str,
        amount_cents: i64,
        status: PaymentStatus,
        at: DateTime<Utc>,
    ) -> Self {
        let key = keys::payment(payment_id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: keys::payments_by_type(method_type),
            gsi1sk: keys::time_sort(at, payment_id),
            gsi2pk: keys::PAYMENTS.to_string(),
            gsi2sk: keys::time_sort(at, payment_id),
            payment_id: payment_id.to_string(),
            order_id: None,
            subscription_id: None,
            method_type: method_type.to_string(),
            amount_cents,
            status,
            at,
            decline_code: None,
        }
    }
}

/// What a payment event was applied to (or recorded against, when it changed nothing).
#[derive(Clone, Copy, Debug)]
pub enum AppliedTo<'a> {
    Order(&'a str),
    Subscription(&'a str),
    /// A provider's payment that names nothing of Capsule's (recorded, acknowledged).
    Unmatched(&'a str),
}

impl AppliedTo<'_> {
    /// The attribute of the event's record that names it, and its id.
    fn field(&self) -> (&'static str, &str) {
        match *self {
            Self::Order(id) => ("order_id", id),
            Self::Subscription(id) => ("subscription_id", id),
            Self::Unmatched(id) => ("payment_id", id),
        }
    }
}

/// The write that makes a payment event unrepeatable: put once, naming what it was applied to.
pub(super) fn event_applied(
    table: &str,
    event_id: &str,
    applied_to: AppliedTo<'_>,
    at: DateTime<Utc>,
) -> Result<TransactWriteItem, StoreError> {
    let (field, id) = applied_to.field();
    let key = keys::webhook_event(event_id);
    let item = Item::from([
        ("pk".into(), s(key.pk)),
        ("sk".into(), s(key.sk)),
        ("event_id".into(), s(event_id)),
        (field.into(), s(id)),
        ("applied_at".into(), time(at)),
    ]);
    tx::put(table, item, Some("attribute_not_exists(pk)"))
}

impl Store {
    /// Records an event that changes no order or subscription (a payment it could not
    /// take), naming what it was for, with
    /// its payment records; `false` if the event was already recorded.
    pub async fn record_event(
        &self,
        event_id: &str,
        applied_to: AppliedTo<'_>,
        at: DateTime<Utc>,
        payments: &[PaymentRecord],
        outbox: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let mut actions = vec![event_applied(self.table(), event_id, applied_to, at)?];
        for payment in payments {
            actions.push(tx::put(self.table(), to_item(payment)?, Some("attribute_not_exists(pk)"))?);
        }
        actions.extend(outbox);
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
