use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{from_item, keys, s, time, tx, Item, Store, StoreError};
use crate::domain::stock::{spread, StockShards};
use crate::domain::{search, Cents, ImageUrl, Percent};

/// A product as stored. What can still be bought is `stock()`, the sum of its stock shards
/// (`domain::stock`): checkout holds decrement them.
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
    /// The units of shard 0, kept on this item (all of them when there is one shard).
    #[serde(rename = "stock")]
    pub first_shard: i64,
    /// How many shards new stock is spread over.
    #[serde(default)]
    pub stock_shards: StockShards,
    /// How many shard items exist: at least `stock_shards`, as a lowered count keeps its
    /// items (orders release there, holds take from any shard with units).
    #[serde(default = "one")]
    pub shard_items: u8,
    /// Every shard's units, shard 0 included, as read with the product (the store fills it).
    #[serde(skip)]
    pub shard_units: Vec<i64>,
    pub product_discount: bool,
    /// Out of the catalogue (GSI1 `ARCHIVED_PRODUCTS`, not `CATALOGUE`); orders keep it.
    #[serde(default)]
    pub archived: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<ImageUrl>,
    /// The back office's listing by creation (GSI3 `ALL_PRODUCTS`); products written before
    /// it get it at their next change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
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

fn one() -> u8 {
    1
}

/// A stock shard other than the product item.
#[derive(Deserialize)]
struct ShardRecord {
    product_id: String,
    /// Its index (`shard` is a reserved word of DynamoDB's expressions).
    stock_shard: u8,
    stock: i64,
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

    /// Whether the two periods share an instant; an empty one (a sale ended before it
    /// started) shares none.
    pub fn overlaps(&self, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> bool {
        self.starts_at < self.ends_at && starts_at < ends_at && self.starts_at < ends_at && starts_at < self.ends_at
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
    pub stock_shards: StockShards,
    pub product_discount: bool,
}

impl ProductRecord {
    /// What can still be bought: the sum of the shards.
    pub fn stock(&self) -> i64 {
        match self.shard_units.is_empty() {
            true => self.first_shard,
            false => self.shard_units.iter().sum(),
        }
    }

    /// Takes `quantity` units off the stock as read (a hold made since the read).
    pub fn held(&mut self, quantity: u32) {
        self.shard_units = self.units();
        self.shard_units[0] -= i64::from(quantity);
        self.first_shard -= i64::from(quantity);
    }

    /// Every shard's units, shard 0 included.
    pub fn units(&self) -> Vec<i64> {
        match self.shard_units.is_empty() {
            true => vec![self.first_shard],
            false => self.shard_units.clone(),
        }
    }

    /// The sale this product is in at `now`, if any.
    pub fn active_sale(&self, now: DateTime<Utc>) -> Option<&SaleWindow> {
        self.sales.iter().find(|s| s.active_at(now))
    }

    /// A new product, its stock spread over its shards.
    pub fn new(p: NewProduct, now: DateTime<Utc>) -> Self {
        let key = keys::product(&p.product_id);
        let units = spread(p.stock, p.stock_shards.count());
        let gsi3sk = keys::time_sort(now, &p.product_id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: keys::CATALOGUE.to_string(),
            gsi1sk: keys::catalogue_sort(&search::fold(&p.name), &p.product_id),
            search_text: search::index_text(&p.name, &p.description),
            product_id: p.product_id,
            name: p.name,
            description: p.description,
            price_cents: p.price_cents,
            first_shard: units[0],
            stock_shards: p.stock_shards,
            shard_items: u8::from(p.stock_shards),
            shard_units: units,
            product_discount: p.product_discount,
            archived: false,
            image_url: None,
            gsi3pk: Some(keys::ALL_PRODUCTS.to_string()),
            gsi3sk: Some(gsi3sk),
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
    /// The new available stock, spread over the shards.
    pub stock: Option<i64>,
    pub stock_shards: Option<StockShards>,
    pub product_discount: Option<bool>,
    pub image_url: Option<ImageUrl>,
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
    /// hold is never overwritten, and the caller retries on `ConditionFailed`. A new stock
    /// (or shard count) is spread over the shards in the same transaction, each shard
    /// conditional on the units read in it, so the total is exactly the one asked.
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
        let mut names: Vec<(&str, &str)> = Vec::new();
        if let Some(name) = &changes.name {
            sets.extend(["#name = :name".into(), "gsi1sk = :sort".into()]);
            values.insert(":name".into(), s(name));
            values.insert(":sort".into(), s(keys::catalogue_sort(&search::fold(name), &current.product_id)));
            names.push(("#name", "name"));
        }
        if let Some(description) = &changes.description {
            sets.push("description = :description".into());
            values.insert(":description".into(), s(description));
        }
        if changes.name.is_some() || changes.description.is_some() {
            let name = changes.name.as_ref().unwrap_or(&current.name);
            let description = changes.description.as_ref().unwrap_or(&current.description);
            sets.push("search_text = :search".into());
            values.insert(":search".into(), s(search::index_text(name, description)));
        }
        if let Some(price) = changes.price_cents {
            sets.push("price_cents = :price".into());
            values.insert(":price".into(), super::n(price.cents()));
        }
        if let Some(url) = &changes.image_url {
            sets.push("image_url = :image".into());
            values.insert(":image".into(), s(url.as_str()));
        }
        // Listed by the back office from its first change on, if written before the listing.
        sets.extend(["gsi3pk = :all".into(), "gsi3sk = if_not_exists(gsi3sk, :created)".into()]);
        values.insert(":all".into(), s(keys::ALL_PRODUCTS));
        values.insert(":created".into(), s(keys::time_sort(current.created_at, &current.product_id)));
        if let Some(flag) = changes.product_discount {
            sets.push("product_discount = :flag".into());
            values.insert(":flag".into(), AttributeValue::Bool(flag));
        }
        let mut shard_writes = Vec::new();
        if changes.stock.is_some() || changes.stock_shards.is_some() {
            let shards = changes.stock_shards.unwrap_or(current.stock_shards);
            let items = current.shard_items.max(u8::from(shards));
            let mut units = spread(changes.stock.unwrap_or(current.stock()), shards.count());
            units.resize(usize::from(items), 0);
            sets.extend(["stock = :stock".into(), "stock_shards = :shards".into(), "shard_items = :items".into()]);
            values.insert(":stock".into(), super::n(units[0]));
            values.insert(":shards".into(), super::n(u8::from(shards)));
            values.insert(":items".into(), super::n(items));
            let seen = current.units();
            for shard in 1..items {
                shard_writes.push(self.set_shard(
                    &current.product_id,
                    shard,
                    units[usize::from(shard)],
                    seen.get(usize::from(shard)).copied(),
                )?);
            }
        }
        let mut actions = vec![tx::update(
            self.table(),
            keys::product(&current.product_id).item(),
            &format!("SET {}", sets.join(", ")),
            Some("version = :current"),
            values,
            &names,
        )?];
        actions.extend(shard_writes);
        match self.transact(actions).await {
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.any_refused() => {
                Err(StoreError::ConditionFailed)
            }
            done => done,
        }
    }

    /// The write that sets one shard (not 0) to `units`, conditional on the units `seen`
    /// in it (`None`: the shard does not exist yet).
    fn set_shard(
        &self,
        product_id: &str,
        shard: u8,
        units: i64,
        seen: Option<i64>,
    ) -> Result<super::Write, StoreError> {
        let mut values = Item::from([
            (":stock".into(), super::n(units)),
            (":product".into(), s(product_id)),
            (":shard".into(), super::n(shard)),
        ]);
        let condition = match seen {
            Some(seen) => {
                values.insert(":seen".into(), super::n(seen));
                "stock = :seen"
            }
            None => "attribute_not_exists(pk)",
        };
        tx::update(
            self.table(),
            keys::stock_shard(product_id, shard).item(),
            "SET stock = :stock, product_id = :product, stock_shard = :shard",
            Some(condition),
            values,
            &[],
        )
    }

    /// Fills the units of every shard of these products, shard 0 from the product item and
    /// the others in one round trip per 100 (none when every product has one shard).
    pub(super) async fn read_shards<'a>(
        &self,
        products: impl IntoIterator<Item = &'a mut ProductRecord>,
    ) -> Result<(), StoreError> {
        let mut products: Vec<&mut ProductRecord> = products.into_iter().collect();
        let mut wanted = Vec::new();
        for product in products.iter_mut() {
            product.shard_units = vec![0; usize::from(product.shard_items.max(1))];
            product.shard_units[0] = product.first_shard;
            wanted.extend((1..product.shard_items).map(|k| keys::stock_shard(&product.product_id, k)));
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let by_id: HashMap<String, usize> =
            products.iter().enumerate().map(|(i, p)| (p.product_id.clone(), i)).collect();
        for item in self.batch_get(wanted).await? {
            let shard: ShardRecord = from_item(item)?;
            if let Some(product) = by_id.get(&shard.product_id).and_then(|i| products.get_mut(*i)) {
                if let Some(units) = product.shard_units.get_mut(usize::from(shard.stock_shard)) {
                    *units = shard.stock;
                }
            }
        }
        Ok(())
    }

    /// Marks a product alerted (once: the caller saw its summed stock under the threshold)
    /// and records the alert under a key of its own, in one transaction; `false` if it was
    /// already alerted.
    pub async fn raise_stock_alert(
        &self,
        product: &ProductRecord,
        now: DateTime<Utc>,
        outbox: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let alert = StockAlert {
            product_id: product.product_id.clone(),
            name: product.name.clone(),
            stock: product.stock(),
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
                Some("attribute_not_exists(low_stock_alerted) OR low_stock_alerted = :false"),
                Item::from([
                    (":true".into(), AttributeValue::Bool(true)),
                    (":false".into(), AttributeValue::Bool(false)),
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

    /// Re-arms the alert of a product (the caller saw its summed stock back at or above
    /// the threshold).
    pub async fn rearm_stock_alert(&self, product_id: &str) -> Result<(), StoreError> {
        let rearm = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::product(product_id).item()))
            .update_expression("SET low_stock_alerted = :false")
            .condition_expression("low_stock_alerted = :true")
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":true", AttributeValue::Bool(true));
        match self.send_write(rearm).await {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Writes a new product and its other shards, all or none (`ConditionFailed` if the id
    /// is taken).
    pub async fn create_product(&self, product: &ProductRecord) -> Result<(), StoreError> {
        let mut actions = vec![self.new_item(product)?];
        for shard in 1..product.shard_items {
            let units = product.shard_units.get(usize::from(shard)).copied().unwrap_or(0);
            actions.push(self.set_shard(&product.product_id, shard, units, None)?);
        }
        match self.transact(actions).await {
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.any_refused() => {
                Err(StoreError::ConditionFailed)
            }
            done => done,
        }
    }

    /// One product, with every shard's units.
    pub async fn product(&self, product_id: &str) -> Result<Option<ProductRecord>, StoreError> {
        let mut product: Option<ProductRecord> = self.get(keys::product(product_id)).await?;
        self.read_shards(product.iter_mut()).await?;
        Ok(product)
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
                    self.read_shards(found.iter_mut()).await?;
                    return Ok((found, true));
                }
            }
            if out.last_evaluated_key.as_ref().is_none_or(|key| key.is_empty()) {
                self.read_shards(found.iter_mut()).await?;
                return Ok((found, false));
            }
            start = out.last_evaluated_key;
        }
    }
}
