//! The transactional outbox: each effect of a change (an email, a bus event, a refund) is
//! an item written in the change's own transaction, so it exists if and only if the change
//! does. It stays in a sparse GSI2 partition, sorted by when it is due, until delivered.
//! A deliverer leases an item with a conditional write, so concurrent deliverers never
//! both send it, and a delivered item is out of the partition, so a redelivery sends nothing.
use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{from_item, keys, n, s, time, to_item, tx, Item, Store, StoreError};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxRecord<E> {
    pub pk: String,
    pub sk: String,
    /// The effects of one cause, in time order (`keys::effects_of`): what an order sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    /// Present while the effect is to be delivered (the sparse due index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub effect_id: String,
    /// What caused it, for the logs (`order:<id>`, `product:<id>`).
    pub cause: String,
    pub effect: E,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::clock::secs")]
    pub due_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::clock::secs::option")]
    pub leased_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::clock::secs::option")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl<E> OutboxRecord<E> {
    /// A new effect, due at once.
    pub fn new(cause: impl Into<String>, effect: E, now: DateTime<Utc>) -> Self {
        let effect_id = uuid::Uuid::new_v4().simple().to_string();
        let key = keys::outbox(&effect_id);
        let cause = cause.into();
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: Some(keys::effects_of(&cause)),
            gsi1sk: Some(keys::time_sort(now, &effect_id)),
            gsi2pk: Some(keys::OUTBOX_DUE.to_string()),
            gsi2sk: Some(keys::time_sort(now, &effect_id)),
            effect_id,
            cause,
            effect,
            created_at: now,
            due_at: now,
            attempts: 0,
            leased_until: None,
            delivered_at: None,
            last_error: None,
        }
    }
}

/// The transaction action that records an effect with its cause.
pub fn outbox_put<E: Serialize>(table: &str, record: &OutboxRecord<E>) -> Result<TransactWriteItem, StoreError> {
    tx::put(table, to_item(record)?, Some("attribute_not_exists(pk)"))
}

impl Store {
    /// The effects `cause` recorded, oldest first (delivered or not).
    pub async fn effects_of<E: DeserializeOwned>(&self, cause: &str) -> Result<Vec<OutboxRecord<E>>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::effects_of(cause)));
        self.query_all(query).await?.into_iter().map(from_item).collect()
    }

    pub async fn outbox_item<E: DeserializeOwned>(
        &self,
        effect_id: &str,
    ) -> Result<Option<OutboxRecord<E>>, StoreError> {
        self.get(keys::outbox(effect_id)).await
    }

    /// Effects due at `now` or before, oldest first, at most `limit`.
    pub async fn due_outbox<E: DeserializeOwned>(
        &self,
        now: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<OutboxRecord<E>>, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI2)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk <= :now")
            .expression_attribute_values(":pk", s(keys::OUTBOX_DUE))
            .expression_attribute_values(":now", s(keys::time_sort_until(now)))
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        out.items.unwrap_or_default().into_iter().map(from_item).collect()
    }

    /// Leases an undelivered effect until `until`; `false` if it is delivered or another
    /// deliverer holds an unexpired lease.
    pub async fn lease_outbox(
        &self,
        effect_id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.update_if(
            keys::outbox(effect_id),
            "SET leased_until = :until",
            "attribute_exists(gsi2pk) AND (attribute_not_exists(leased_until) OR leased_until < :now)",
            Item::from([(":now".into(), time(now)), (":until".into(), time(until))]),
            &[],
        )
        .await
    }

    /// Marks a leased effect delivered: out of the due index for good.
    pub async fn outbox_delivered(&self, effect_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.update_if(
            keys::outbox(effect_id),
            "SET delivered_at = :now, attempts = attempts + :one REMOVE gsi2pk, gsi2sk, leased_until",
            "attribute_exists(pk)",
            Item::from([(":now".into(), time(now)), (":one".into(), n(1))]),
            &[],
        )
        .await?;
        Ok(())
    }

    /// Marks effects delivered, in one transaction of at most 100 (a committing function's
    /// effects are far fewer).
    pub async fn outbox_delivered_all(&self, effect_ids: &[&str], now: DateTime<Utc>) -> Result<(), StoreError> {
        for chunk in effect_ids.chunks(100) {
            let marks = chunk
                .iter()
                .map(|id| {
                    tx::update(
                        self.table(),
                        keys::outbox(id).item(),
                        "SET delivered_at = :now, attempts = attempts + :one REMOVE gsi2pk, gsi2sk, leased_until",
                        Some("attribute_exists(pk)"),
                        Item::from([(":now".into(), time(now)), (":one".into(), n(1))]),
                        &[],
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            match marks.len() {
                0 => {}
                1 => self.outbox_delivered(chunk[0], now).await?,
                _ => self.transact(marks).await?,
            }
        }
        Ok(())
    }

    /// Gives a leased effect back after a failed attempt, due again at `due_at`.
    pub async fn outbox_retry_at(&self, effect_id: &str, due_at: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
        self.update_if(
            keys::outbox(effect_id),
            "SET due_at = :due, gsi2sk = :sort, last_error = :error, attempts = attempts + :one REMOVE leased_until",
            "attribute_exists(gsi2pk)",
            Item::from([
                (":due".into(), time(due_at)),
                (":sort".into(), s(keys::time_sort(due_at, effect_id))),
                (":error".into(), s(error)),
                (":one".into(), n(1)),
            ]),
            &[],
        )
        .await?;
        Ok(())
    }
}
