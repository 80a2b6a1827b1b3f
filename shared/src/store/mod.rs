//! DynamoDB, single-table. Keys are built in `keys` only; every invariant (one account per
//! email, stock never below zero, one unpaid cart) is a condition or a transaction here.
pub(crate) mod access;
mod archive;
mod backfill;
mod bootstrap;
mod carts;
mod invoices;
pub mod keys;
mod orders;
mod outbox;
mod payment_methods;
mod payments;
mod products;
mod promos;
mod reference;
mod sales;
mod sending;
mod sessions;
mod subscriptions;
mod transitions;
mod users;

pub use archive::ArchiveError;
pub use backfill::Backfilled;
pub use bootstrap::{Bootstrap, Bootstrapped};
pub use carts::{CartLineRecord, CartRecord};
pub use invoices::{invoice_number, Numbering};
pub use orders::{OrderFilter, OrderRecord, RefundRecord, SaleLine};
pub use outbox::{outbox_put, OutboxRecord};
pub use payment_methods::{payment_method_id, Deletion, MethodSave, PaymentMethodRecord};
pub use payments::{AppliedTo, PaymentRecord};
pub use products::{NewProduct, ProductChanges, ProductRecord, SaleWindow, StockAlert};
pub use promos::{Commission, PromoCode};
pub use reference::{PickupPoint, PickupPointChanges, Plan, PlanChanges};
pub use sales::{Sale, SaleError};
pub use sending::{Cancellation, Reason};
pub use subscriptions::{ChangeError, SubscriptionChange, SubscriptionCharge, SubscriptionMethod, SubscriptionRecord};
pub use transitions::{CartWrite, Claims, Listing, OrderChange, OrderFields, Transition, TransitionError};
pub use users::{Credentials, LoginFailures, UserProfile};

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub type Item = HashMap<String, AttributeValue>;

/// One write of a transaction, built by the store (`outbox_put`, `MethodSave::write`) for
/// a change that another part of the store commits.
pub type Write = TransactWriteItem;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a condition of the write did not hold")]
    ConditionFailed,
    /// A transaction DynamoDB cancelled for a reason that sending it again would not change,
    /// nothing written: the condition of an action did not hold (`Cancellation::refused`,
    /// which the caller maps to what that guard means), or an action is invalid (a bug).
    #[error("transaction cancelled: {0}")]
    TransactionCancelled(Cancellation),
    /// The write kept meeting other writes (transactions holding its items, a partition over
    /// its throughput: `Store::send_write`), or a change kept losing its race, until its
    /// budget was spent; nothing written: try again shortly.
    #[error("busy: {0}")]
    Busy(String),
    #[error("DynamoDB: {0}")]
    Aws(String),
    /// No answer within the SDK's limits (`sdk::Limits`), retries included: unreachable or
    /// too slow, and the write may or may not have happened.
    #[error("DynamoDB did not answer: {0}")]
    Unavailable(String),
    #[error("stored item does not decode: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// What an SDK error of a call sent once means (a read; writes go through `send_write`).
    fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match sending::refusal(err, None) {
            sending::Refusal::MetOthers(e) | sending::Refusal::Final(e) => e,
        }
    }
}

/// The table and its client.
#[derive(Clone)]
pub struct Store {
    db: Client,
    table: String,
    /// Settings, pickup points and plans, read at most once per TTL per container.
    reference: std::sync::Arc<reference::ReferenceCache>,
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A time as items keep it (`clock::rfc3339`), for conditions and updates.
pub fn time(at: DateTime<Utc>) -> AttributeValue {
    s(crate::clock::rfc3339(at))
}

pub fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    pub fn new(db: Client, table: String) -> Self {
        Self { db, table, reference: Default::default() }
    }

    pub fn from_sdk(sdk: &aws_config::SdkConfig, table: String) -> Self {
        Self::new(Client::new(sdk), table)
    }

    /// A store whose client counts its calls (`crate::calls`).
    pub fn counted(sdk: &aws_config::SdkConfig, table: String, counter: crate::calls::Counter) -> Self {
        let config = aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(counter).build();
        Self::new(Client::from_conf(config), table)
    }

    pub fn client(&self) -> &Client {
        &self.db
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// One item by key, strongly consistent (reads that decide writes must see the last write).
    pub async fn get<T: DeserializeOwned>(&self, key: keys::Key) -> Result<Option<T>, StoreError> {
        let out = self
            .db
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        out.item.map(from_item).transpose()
    }

    /// Writes an item that must not exist yet.
    pub async fn put_new<T: Serialize>(&self, value: &T) -> Result<(), StoreError> {
        let put = self.db.put_item().table_name(&self.table).set_item(Some(to_item(value)?));
        self.send_write(put.condition_expression("attribute_not_exists(pk)")).await?;
        Ok(())
    }

    /// The transaction write of an item that must not exist yet.
    pub fn new_item<T: Serialize>(&self, value: &T) -> Result<Write, StoreError> {
        tx::put(&self.table, to_item(value)?, Some("attribute_not_exists(pk)"))
    }

    /// Applies one transaction write on its own.
    pub async fn write(&self, write: Write) -> Result<(), StoreError> {
        self.transact(vec![write]).await
    }

    /// Writes an item, replacing what was there.
    pub async fn put<T: Serialize>(&self, value: &T) -> Result<(), StoreError> {
        self.send_write(self.db.put_item().table_name(&self.table).set_item(Some(to_item(value)?))).await?;
        Ok(())
    }

    /// An update on a condition; `false` when the condition did not hold (nothing written).
    pub async fn update_if(
        &self,
        key: keys::Key,
        update: &str,
        condition: &str,
        values: Item,
        names: &[(&str, &str)],
    ) -> Result<bool, StoreError> {
        let mut request = self
            .db
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values));
        for (name, attribute) in names {
            request = request.expression_attribute_names(*name, *attribute);
        }
        match self.send_write(request).await {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every item a query matches, following its pages.
    pub async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let out = query.clone().set_exclusive_start_key(start).send().await.map_err(StoreError::from_sdk)?;
            found.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(found),
            }
        }
    }

    /// A user's items of one kind (their sort keys start with `prefix`), strongly consistent.
    pub(crate) async fn user_items<T: DeserializeOwned>(
        &self,
        user_id: &str,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(keys::user(user_id).pk))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true);
        self.query_all(query).await?.into_iter().map(from_item).collect()
    }

    /// One page of a GSI2 partition kept in `time_sort` order, up to `until`, from `after`
    /// (the last key of the previous page): what a scheduled job has due.
    pub(crate) async fn due_page<T: DeserializeOwned>(
        &self,
        partition: &str,
        until: chrono::DateTime<chrono::Utc>,
        after: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<T>, Option<Item>), StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI2)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk <= :until")
            .expression_attribute_values(":pk", s(partition))
            .expression_attribute_values(":until", s(keys::time_sort_until(until)))
            .set_exclusive_start_key(after)
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let next = out.last_evaluated_key.filter(|k| !k.is_empty());
        let items = out.items.unwrap_or_default().into_iter().map(from_item).collect::<Result<_, _>>()?;
        Ok((items, next))
    }

    /// Applies every action or none. Sent again while it only meets other writes, always
    /// with the token it was first sent with: one that landed unanswered is not applied twice.
    pub async fn transact(&self, actions: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        let token = uuid::Uuid::new_v4().to_string();
        let request = self.db.transact_write_items().set_transact_items(Some(actions)).client_request_token(token);
        self.send_write(request).await?;
        Ok(())
    }
}

/// Builders for transaction actions, so that callers only say what and on which condition.
pub mod tx {
    use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

    use super::{Item, StoreError};

    fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
        r.map_err(|e| StoreError::Aws(e.to_string()))
    }

    pub fn put(table: &str, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        put_if(table, item, condition, Item::new())
    }

    /// A put whose condition has `:placeholders` filled by `values`.
    pub fn put_if(
        table: &str,
        item: Item,
        condition: Option<&str>,
        values: Item,
    ) -> Result<TransactWriteItem, StoreError> {
        put_named(table, item, condition, values, &[])
    }

    /// `put_if` whose condition also names attributes through `#placeholders` (`names`).
    pub fn put_named(
        table: &str,
        item: Item,
        condition: Option<&str>,
        values: Item,
        names: &[(&str, &str)],
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string))
            .set_expression_attribute_values((!values.is_empty()).then_some(values));
        for (name, attribute) in names {
            put = put.expression_attribute_names(*name, *attribute);
        }
        Ok(TransactWriteItem::builder().put(built(put.build())?).build())
    }

    /// An update; `values` and `names` fill the expression's placeholders.
    pub fn update(
        table: &str,
        key: Item,
        expression: &str,
        condition: Option<&str>,
        values: Item,
        names: &[(&str, &str)],
    ) -> Result<TransactWriteItem, StoreError> {
        let mut builder = Update::builder()
            .table_name(table)
            .set_key(Some(key))
            .update_expression(expression)
            .set_condition_expression(condition.map(str::to_string));
        if !values.is_empty() {
            builder = builder.set_expression_attribute_values(Some(values));
        }
        for (placeholder, name) in names {
            builder = builder.expression_attribute_names(*placeholder, *name);
        }
        Ok(TransactWriteItem::builder().update(built(builder.build())?).build())
    }

    pub fn delete(table: &str, key: Item, condition: &str, values: Item) -> Result<TransactWriteItem, StoreError> {
        let mut builder = Delete::builder().table_name(table).set_key(Some(key)).condition_expression(condition);
        if !values.is_empty() {
            builder = builder.set_expression_attribute_values(Some(values));
        }
        Ok(TransactWriteItem::builder().delete(built(builder.build())?).build())
    }

    pub fn check(table: &str, key: Item, condition: &str, values: Item) -> Result<TransactWriteItem, StoreError> {
        let mut builder =
            ConditionCheck::builder().table_name(table).set_key(Some(key)).condition_expression(condition);
        if !values.is_empty() {
            builder = builder.set_expression_attribute_values(Some(values));
        }
        Ok(TransactWriteItem::builder().condition_check(built(builder.build())?).build())
    }
}
