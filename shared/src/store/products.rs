use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{from_item, keys, s, Item, Store, StoreError};
use crate::domain::search;

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
    pub price_cents: i64,
    pub stock: i64,
    pub product_discount: bool,
    /// Set while a low-stock alert has been sent and not re-armed.
    #[serde(default)]
    pub low_stock_alerted: bool,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// What an admin (or the seed) gives to create a product.
#[derive(Clone, Debug)]
pub struct NewProduct {
    pub product_id: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub stock: i64,
    pub product_discount: bool,
}

impl ProductRecord {
    pub fn new(p: NewProduct, now: &str) -> Self {
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
            version: 1,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        }
    }
}

impl Store {
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
