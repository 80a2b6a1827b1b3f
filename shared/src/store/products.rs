use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{from_item, keys, s, time, Item, Store, StoreError};
use crate::domain::{search, Cents, Percent};

/// A product as stored. `stock` is what can still be bought: checkout holds decrement it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductRecord {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub search_text: String,
    pub product_id: String,
    pub name: String,
    pub description: String,
    pub price_cents: Cents,
    pub stock: i64,
    pub product_discount: bool,
    /// Set while a low-stock alert has been sent and not re-armed.
    #[serde(default)]
    pub low_stock_alerted: bool,
    /// The sale periods this product is in; kept here so pricing needs no other read and
    /// overlaps are refused by one condition on `sales_version`.
    #[serde(default)]
    pub sales: Vec<SaleWindow>,
    #[serde(default)]
    pub sales_version: u64,
    pub version: u64,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::clock::secs")]
    pub updated_at: DateTime<Utc>,
}

/// One sale period of a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleWindow {
    pub sale_id: String,
    #[serde(with = "crate::clock::secs")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "crate::clock::secs")]
    pub ends_at: DateTime<Utc>,
    pub percent: Percent,
}

impl SaleWindow {
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    pub fn overlaps(&self, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> bool {
        self.starts_at < ends_at && starts_at < self.ends_at
    }
}

/// What an admin (or the seed) gives to create a product.
#[derive(Clone, Debug)]
pub struct NewProduct {
    pub product_id: String,
    pub name: String,
    pub description: String,
    pub price_cents: Cents,
    pub stock: i64,
    pub product_discount: bool,
}

impl ProductRecord {
    /// The sale this product is in at `now`, if any.
    pub fn active_sale(&self, now: DateTime<Utc>) -> Option<&SaleWindow> {
        self.sales.iter().find(|s| s.active_at(now))
    }

    pub fn new(p: NewProduct, now: DateTime<Utc>) -> Self {
        let key = keys::product(&p.product_id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: keys::CATALOGUE.to_string(),
            gsi1sk: keys::catalogue_sort(&search::fold(&p.name), &p.product_id),
            search_text: search::index_text(&p.name),
            product_id: p.product_id,
            name: p.name,
            description: p.description,
            price_cents: p.price_cents,
            stock: p.stock,
            product_discount: p.product_discount,
            low_stock_alerted: false,
            sales: Vec::new(),
            sales_version: 0,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// What an admin may change on a product; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price_cents: Option<Cents>,
    /// The new available stock.
    pub stock: Option<i64>,
    pub product_discount: Option<bool>,
}

/// A low-stock alert, as the admin listing shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StockAlert {
    pub product_id: String,
    pub name: String,
    /// The stock when the alert went out.
    pub stock: i64,
    #[serde(with = "crate::clock::secs")]
    pub alerted_at: DateTime<Utc>,
}

impl Store {
    /// Sets only the given fields, conditional on the version read: a concurrent checkout's
    /// hold is never overwritten, and the caller retries on `ConditionFailed`.
    pub async fn update_product(
        &self,
        current: &ProductRecord,
        changes: &ProductChanges,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut sets = vec!["version = :next".to_string(), "updated_at = :now".to_string()];
        let mut values = Item::from([
            (":next".to_string(), super::n(current.version + 1)),
            (":current".to_string(), super::n(current.version)),
            (":now".to_string(), time(now)),
        ]);
        if let Some(name) = &changes.name {
            sets.extend(["#name = :name".into(), "gsi1sk = :sort".into(), "search_text = :search".into()]);
            values.insert(":name".into(), s(name));
            values.insert(":sort".into(), s(keys::catalogue_sort(&search::fold(name), &current.product_id)));
            values.insert(":search".into(), s(search::index_text(name)));
        }
        if let Some(description) = &changes.description {
            sets.push("description = :description".into());
            values.insert(":description".into(), s(description));
        }
        if let Some(price) = changes.price_cents {
            sets.push("price_cents = :price".into());
            values.insert(":price".into(), super::n(price.cents()));
        }
        if let Some(stock) = changes.stock {
            sets.push("stock = :stock".into());
            values.insert(":stock".into(), super::n(stock));
        }
        if let Some(flag) = changes.product_discount {
            sets.push("product_discount = :flag".into());
            values.insert(":flag".into(), AttributeValue::Bool(flag));
        }
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::product(&current.product_id).item()))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression("version = :current")
            .set_expression_attribute_values(Some(values));
        if changes.name.is_some() {
            update = update.expression_attribute_names("#name", "name");
        }
        self.send_write(update).await?;
        Ok(())
    }

    /// Marks a product alerted (once, while under `threshold`) and records the alert under
    /// a key of its own, in one transaction; `false` if it was already alerted or is no
    /// longer under.
    pub async fn raise_stock_alert(
        &self,
        product: &ProductRecord,
        threshold: i64,
        now: DateTime<Utc>,
        outbox: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let alert = StockAlert {
            product_id: product.product_id.clone(),
            name: product.name.clone(),
            stock: product.stock,
            alerted_at: now,
        };
        let alert_id = uuid::Uuid::new_v4().simple().to_string();
        let key = keys::stock_alert(&product.product_id, now, &alert_id);
        let mut item = super::to_item(&alert)?;
        item.insert("pk".into(), s(key.pk));
        item.insert("sk".into(), s(key.sk));
        item.insert("gsi1pk".into(), s(keys::STOCK_ALERTS));
        item.insert("gsi1sk".into(), s(keys::time_sort(now, &alert_id)));
        let mut actions = vec![
            super::tx::update(
                self.table(),
                keys::product(&product.product_id).item(),
                "SET low_stock_alerted = :true",
                Some("stock < :threshold AND (attribute_not_exists(low_stock_alerted) OR low_stock_alerted = :false)"),
                Item::from([
                    (":true".into(), AttributeValue::Bool(true)),
                    (":false".into(), AttributeValue::Bool(false)),
                    (":threshold".into(), super::n(threshold)),
                ]),
                &[],
            )?,
            super::tx::put(self.table(), item, Some("attribute_not_exists(pk)"))?,
        ];
        actions.extend(outbox);
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            // The product's condition: alerted already, or no longer under.
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Re-arms the alert of a product back at or above `threshold`.
    pub async fn rearm_stock_alert(&self, product_id: &str, threshold: i64) -> Result<(), StoreError> {
        let rearm = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::product(product_id).item()))
            .update_expression("SET low_stock_alerted = :false")
            .condition_expression("stock >= :threshold AND low_stock_alerted = :true")
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":threshold", super::n(threshold));
        match self.send_write(rearm).await {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn create_product(&self, product: &ProductRecord) -> Result<(), StoreError> {
        self.put_new(product).await
    }

    pub async fn product(&self, product_id: &str) -> Result<Option<ProductRecord>, StoreError> {
        self.get(keys::product(product_id)).await
    }

    /// The catalogue in name order after `after` (a catalogue sort key), keeping products whose
    /// indexed name contains every needle; at most `limit`, and whether more remain.
    pub async fn list_products(
        &self,
        needles: &[String],
        limit: usize,
        after: Option<&str>,
    ) -> Result<(Vec<ProductRecord>, bool), StoreError> {
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        let filter =
            (0..needles.len()).map(|i| format!("contains(search_text, :w{i})")).collect::<Vec<_>>().join(" AND ");
        loop {
            let mut query = self
                .client()
                .query()
                .table_name(self.table())
                .index_name(keys::GSI1)
                .expression_attribute_values(":pk", s(keys::CATALOGUE))
                .set_exclusive_start_key(start.take())
                .limit(100);
            query = match after {
                Some(after) => query
                    .key_condition_expression("gsi1pk = :pk AND gsi1sk > :after")
                    .expression_attribute_values(":after", s(after)),
                None => query.key_condition_expression("gsi1pk = :pk"),
            };
            if !needles.is_empty() {
                query = query.filter_expression(&filter);
                for (i, needle) in needles.iter().enumerate() {
                    query = query.expression_attribute_values(format!(":w{i}"), AttributeValue::S(needle.clone()));
                }
            }
            let out = query.send().await.map_err(StoreError::from_sdk)?;
            for item in out.items.unwrap_or_default() {
                found.push(from_item::<ProductRecord>(item)?);
                if found.len() > limit {
                    found.truncate(limit);
                    return Ok((found, true));
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok((found, false)),
            }
        }
    }
}
