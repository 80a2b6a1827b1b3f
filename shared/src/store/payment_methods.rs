//! Saved payment methods: one item per method under its owner (`USER#id`, `PM#id`), the
//! provider's token and what the buyer sees, never a card number. A saved card sits in
//! the expiry index (GSI2) until both of its expiry emails are sent, so the daily scan
//! reads only the cards that are due.
use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{keys, n, to_item, tx, Item, Store, StoreError};
use crate::domain::saved_method::{ExpiryNotices, MethodDetails};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaymentMethodRecord {
    pub pk: String,
    pub sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub payment_method_id: String,
    pub user_id: String,
    /// Where its emails go (the owner's address when it was saved).
    pub email: String,
    #[serde(flatten)]
    pub details: MethodDetails,
    /// What the provider charges off-session.
    pub token: String,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::clock::secs")]
    pub updated_at: DateTime<Utc>,
    /// The expiry emails sent for its current expiry.
    #[serde(default)]
    pub expiry_notices: ExpiryNotices,
    /// Live subscriptions that charge it: it cannot be deleted while any does.
    #[serde(default)]
    pub live_subscriptions: u32,
    pub version: u64,
}

/// One owner's method: the same card (or phone) saved twice is the same id, so it is
/// one entry; the id says nothing of the card.
pub fn payment_method_id(user_id: &str, fingerprint: &str) -> String {
    let digest = Sha256::digest(format!("{user_id}:{fingerprint}").as_bytes());
    format!("pm_{}", &hex::encode(digest)[..24])
}

impl PaymentMethodRecord {
    /// The method as saved now: a new entry, or `previous` updated (a later expiry starts
    /// its expiry emails over; the same expiry keeps what was sent).
    pub fn saved(
        user_id: &str,
        email: &str,
        details: MethodDetails,
        token: &str,
        now: DateTime<Utc>,
        previous: Option<&Self>,
    ) -> Self {
        let id = payment_method_id(user_id, &details.fingerprint);
        let key = keys::payment_method(user_id, &id);
        let same_expiry = previous.is_some_and(|p| p.details.expiry() == details.expiry());
        let mut record = Self {
            pk: key.pk,
            sk: key.sk,
            gsi2pk: None,
            gsi2sk: None,
            payment_method_id: id,
            user_id: user_id.to_string(),
            email: email.to_string(),
            details,
            token: token.to_string(),
            created_at: previous.map_or(now, |p| p.created_at),
            updated_at: now,
            expiry_notices: previous.filter(|_| same_expiry).map(|p| p.expiry_notices).unwrap_or_default(),
            live_subscriptions: previous.map_or(0, |p| p.live_subscriptions),
            version: previous.map_or(1, |p| p.version + 1),
        };
        record.index_for_notices();
        record
    }

    /// Places it in the expiry index by the emails still due: none for a method that does
    /// not expire or whose last email is sent.
    pub fn index_for_notices(&mut self) {
        let partition = match self.expiry_notices {
            ExpiryNotices::None => Some(keys::CARDS_EXPIRING),
            ExpiryNotices::ExpiringSent => Some(keys::CARDS_EXPIRED),
            ExpiryNotices::ExpiredSent => None,
        };
        match (partition, self.details.expiry()) {
            (Some(partition), Some(expiry)) => {
                self.gsi2pk = Some(partition.to_string());
                self.gsi2sk = Some(keys::time_sort(expiry.ends_at(), &self.payment_method_id));
            }
            _ => {
                self.gsi2pk = None;
                self.gsi2sk = None;
            }
        }
    }
}

/// What deleting a saved method did.
#[derive(Debug, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    NotFound,
    /// A live subscription charges it.
    InUse,
}

/// The write that saves `record`, refused if someone saved it meanwhile (`previous_version`:
/// the version read, `None` when there was none).
pub fn save_payment_method(
    table: &str,
    record: &PaymentMethodRecord,
    previous_version: Option<u64>,
) -> Result<TransactWriteItem, StoreError> {
    match previous_version {
        None => tx::put(table, to_item(record)?, Some("attribute_not_exists(pk)")),
        Some(v) => tx::put_if(table, to_item(record)?, Some("version = :v"), Item::from([(":v".into(), n(v))])),
    }
}

impl Store {
    pub async fn payment_method(
        &self,
        user_id: &str,
        payment_method_id: &str,
    ) -> Result<Option<PaymentMethodRecord>, StoreError> {
        self.get(keys::payment_method(user_id, payment_method_id)).await
    }

    /// A user's saved methods, in id order.
    pub async fn payment_methods(&self, user_id: &str) -> Result<Vec<PaymentMethodRecord>, StoreError> {
        self.user_items(user_id, keys::PAYMENT_METHOD_PREFIX).await
    }

    /// Deletes a user's method unless a live subscription charges it.
    pub async fn delete_payment_method(&self, user_id: &str, payment_method_id: &str) -> Result<Deletion, StoreError> {
        let outcome = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(keys::payment_method(user_id, payment_method_id).item()))
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(live_subscriptions) OR live_subscriptions = :zero)",
            )
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map_err(StoreError::from_sdk);
        match outcome {
            Ok(_) => Ok(Deletion::Deleted),
            Err(StoreError::ConditionFailed) => match self.payment_method(user_id, payment_method_id).await? {
                Some(_) => Ok(Deletion::InUse),
                None => Ok(Deletion::NotFound),
            },
            Err(e) => Err(e),
        }
    }

    /// Cards of an expiry partition (`keys::CARDS_EXPIRING`, `keys::CARDS_EXPIRED`) whose
    /// validity ends at `until` or before, soonest first, at most `limit` from `after`
    /// (the last index key of the previous page).
    pub async fn cards_ending(
        &self,
        partition: &str,
        until: DateTime<Utc>,
        after: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<PaymentMethodRecord>, Option<Item>), StoreError> {
        self.due_page(partition, until, after, limit).await
    }

    /// Records that an expiry email is sent for `card` as read (its version), with the
    /// email's outbox item, in one transaction; `false` if the card changed meanwhile (a
    /// concurrent scan sent it, or it was saved again or deleted): nothing is written.
    pub async fn record_card_notice(
        &self,
        card: &PaymentMethodRecord,
        after: ExpiryNotices,
        outbox: TransactWriteItem,
    ) -> Result<bool, StoreError> {
        let mut next = card.clone();
        next.expiry_notices = after;
        next.version = card.version + 1;
        next.index_for_notices();
        let put = save_payment_method(self.table(), &next, Some(card.version))?;
        match self.transact(vec![put, outbox]).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
