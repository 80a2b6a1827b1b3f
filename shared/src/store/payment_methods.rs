//! Saved payment methods: one item per method under its owner (`USER#id`, `PM#id`), the
//! provider's token and what the buyer sees, never a card number. A saved card sits in
//! the expiry index (GSI2) until both of its expiry emails are sent, so the daily scan
//! reads only the cards that are due.
//!
//! Its count of live subscriptions is only ever moved by an `ADD` (the subscriptions'
//! transactions): saving the method again and the expiry scan write their own fields and
//! never the count, so no writer puts back a count it read before another moved it.
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
    /// Live subscriptions that charge it: it cannot be deleted while any does. Moved only
    /// by subscriptions, with `ADD`: no other write carries it.
    #[serde(default)]
    pub live_subscriptions: u32,
    /// The version of its own fields (what a saving or the scan read): the count of live
    /// subscriptions moves without it.
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

/// A method saved with a change: as it will be stored, over the version read (`None`:
/// there was none).
#[derive(Clone, Debug)]
pub struct MethodSave {
    pub record: PaymentMethodRecord,
    pub previous_version: Option<u64>,
}

/// Attributes a saving never writes: the key, when it was first saved, and the count of
/// live subscriptions, which only subscriptions move.
const NOT_SAVED: [&str; 4] = ["pk", "sk", "created_at", "live_subscriptions"];
/// Attributes a method may lack (its index entry, what its kind does not show): removed
/// when the method as saved now has none.
const OPTIONAL: [&str; 7] = ["gsi2pk", "gsi2sk", "brand", "last4", "exp_month", "exp_year", "phone_last4"];

impl MethodSave {
    /// The write that saves it, refused if someone saved it meanwhile; `live` is added to
    /// its count of live subscriptions (a subscription that comes to charge it, or stops,
    /// with the same change). A new method is put whole; a method saved before has its own
    /// fields set, never its count.
    pub fn write(&self, table: &str, live: i64) -> Result<TransactWriteItem, StoreError> {
        let Some(read) = self.previous_version else {
            let count = u32::try_from(live).unwrap_or(0);
            let record = PaymentMethodRecord { live_subscriptions: count, ..self.record.clone() };
            return tx::put(table, to_item(&record)?, Some("attribute_not_exists(pk)"));
        };
        let mut update = OwnFields::of(&to_item(&self.record)?);
        update.values.insert(":read".into(), n(read));
        if live != 0 {
            update.expression.push_str(" ADD live_subscriptions :live");
            update.values.insert(":live".into(), n(live));
        }
        let names: Vec<(&str, &str)> = update.names.iter().map(|(p, name)| (p.as_str(), name.as_str())).collect();
        let key = keys::payment_method(&self.record.user_id, &self.record.payment_method_id);
        tx::update(table, key.item(), &update.expression, Some("version = :read"), update.values, &names)
    }
}

/// The update that writes a stored method's own fields as `item` has them.
struct OwnFields {
    expression: String,
    names: Vec<(String, String)>,
    values: Item,
}

impl OwnFields {
    fn of(item: &Item) -> Self {
        let mut update = Self { expression: String::new(), names: Vec::new(), values: Item::new() };
        let own = item.iter().filter(|(name, _)| !NOT_SAVED.contains(&name.as_str()));
        let set: Vec<String> = own
            .enumerate()
            .map(|(i, (name, value))| {
                update.names.push((format!("#s{i}"), name.clone()));
                update.values.insert(format!(":s{i}"), value.clone());
                format!("#s{i} = :s{i}")
            })
            .collect();
        update.expression = format!("SET {}", set.join(", "));
        let absent: Vec<&str> = OPTIONAL.into_iter().filter(|name| !item.contains_key(*name)).collect();
        if !absent.is_empty() {
            let removed: Vec<String> = (0..absent.len()).map(|i| format!("#r{i}")).collect();
            update.names.extend(absent.iter().zip(&removed).map(|(name, p)| (p.clone(), (*name).to_string())));
            update.expression.push_str(&format!(" REMOVE {}", removed.join(", ")));
        }
        update
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

    /// Deletes `method` as read (its version) unless a live subscription charges it, with
    /// `outbox` (what follows the deletion) in the same transaction; `false` when it was
    /// saved again, deleted or charged by a subscription meanwhile: nothing is written.
    pub async fn delete_payment_method(
        &self,
        method: &PaymentMethodRecord,
        outbox: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let key = keys::payment_method(&method.user_id, &method.payment_method_id).item();
        let condition = "attribute_exists(pk) AND version = :version \
                         AND (attribute_not_exists(live_subscriptions) OR live_subscriptions = :zero)";
        let values = Item::from([(":version".into(), n(method.version)), (":zero".into(), n(0))]);
        let mut actions = vec![tx::delete(self.table(), key, condition, values)?];
        actions.extend(outbox);
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => Ok(false),
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
        let save = MethodSave { record: next, previous_version: Some(card.version) }.write(self.table(), 0)?;
        match self.transact(vec![save, outbox]).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(exp_month: Option<u32>, previous: Option<&PaymentMethodRecord>) -> PaymentMethodRecord {
        let details = MethodDetails {
            method_type: "card".into(),
            brand: Some("visa".into()),
            last4: Some("4242".into()),
            exp_month,
            exp_year: exp_month.map(|_| 2031),
            phone_last4: None,
            fingerprint: "fp".into(),
        };
        PaymentMethodRecord::saved("u1", "a@example.com", details, "tok_1", Utc::now(), previous)
    }

    fn update_of(save: &MethodSave, live: i64) -> aws_sdk_dynamodb::types::Update {
        let write = save.write("table", live).unwrap_or_else(|e| panic!("{e}"));
        write.update.unwrap_or_else(|| panic!("an update, not a put"))
    }

    /// What the update writes, by attribute name.
    fn written(update: &aws_sdk_dynamodb::types::Update) -> Vec<String> {
        let names = update.expression_attribute_names.clone().unwrap_or_default();
        let mut written: Vec<String> = names.into_values().collect();
        written.sort();
        written
    }

    #[test]
    fn saving_again_sets_its_own_fields_and_never_writes_the_count_back() {
        let mut first = card(Some(12), None);
        first.live_subscriptions = 2;
        let again = MethodSave { record: card(Some(12), Some(&first)), previous_version: Some(first.version) };
        let update = update_of(&again, 0);
        let expression = update.update_expression.clone();
        assert!(!expression.contains("live_subscriptions"), "{expression}");
        let written = written(&update);
        assert!(!written.iter().any(|n| NOT_SAVED.contains(&n.as_str())), "{written:?}");
        for own in ["token", "last4", "exp_month", "expiry_notices", "gsi2pk", "updated_at", "version"] {
            assert!(written.iter().any(|n| n == own), "{own} not in {written:?}");
        }
        assert_eq!(update.condition_expression.as_deref(), Some("version = :read"));

        // Saved with the change that starts a subscription on it: its count moves by one.
        let counted = update_of(&again, 1).update_expression;
        assert!(counted.ends_with(" ADD live_subscriptions :live"), "{counted}");
    }

    #[test]
    fn what_the_method_no_longer_has_is_removed() {
        let first = card(Some(12), None);
        // The same method without an expiry: out of the expiry index, its expiry gone.
        let again = MethodSave { record: card(None, Some(&first)), previous_version: Some(first.version) };
        let update = update_of(&again, 0);
        let removed = update.update_expression.split(" REMOVE ").nth(1).unwrap_or_default().to_string();
        let names = update.expression_attribute_names.unwrap_or_default();
        let mut removed: Vec<&str> = removed.split(", ").filter_map(|p| names.get(p).map(String::as_str)).collect();
        removed.sort_unstable();
        assert_eq!(removed, ["exp_month", "exp_year", "gsi2pk", "gsi2sk", "phone_last4"]);
    }

    #[test]
    fn every_attribute_a_method_may_lack_is_known() {
        let mut full = card(Some(12), None);
        full.details.phone_last4 = Some("5678".into());
        let empty = PaymentMethodRecord {
            gsi2pk: None,
            gsi2sk: None,
            details: MethodDetails::undescribed("card", "fp"),
            ..full.clone()
        };
        let (full, empty) = (to_item(&full).unwrap_or_default(), to_item(&empty).unwrap_or_default());
        let mut optional: Vec<&str> = full.keys().filter(|k| !empty.contains_key(*k)).map(String::as_str).collect();
        optional.sort_unstable();
        let mut known = OPTIONAL.to_vec();
        known.sort_unstable();
        assert_eq!(optional, known);
    }

    #[test]
    fn a_new_method_is_put_whole_with_its_count() {
        let save = MethodSave { record: card(Some(12), None), previous_version: None };
        let write = save.write("table", 1).unwrap_or_else(|e| panic!("{e}"));
        let put = write.put.unwrap_or_else(|| panic!("a put"));
        assert_eq!(put.condition_expression.as_deref(), Some("attribute_not_exists(pk)"));
        assert_eq!(put.item.get("live_subscriptions").and_then(|v| v.as_n().ok()).map(String::as_str), Some("1"));
    }
}
