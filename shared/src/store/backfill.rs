//! Listing what was written before its listing existed: orders before GSI3 `ALL_ORDERS`
//! (the back office's order list), products before GSI3 `ALL_PRODUCTS`. A one-off scan an
//! operator runs (`capsule-admin backfill`); run again, it finds nothing left to do.
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{from_item, keys, s, Item, Store, StoreError};

/// How many items one run listed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backfilled {
    pub orders: usize,
    pub products: usize,
}

/// What the listing's sort key is made of, in either kind of item.
#[derive(Deserialize)]
struct Listed {
    sk: String,
    #[serde(default)]
    order_id: Option<String>,
    #[serde(default)]
    product_id: Option<String>,
    #[serde(with = "crate::clock::secs")]
    created_at: DateTime<Utc>,
}

impl Store {
    /// Gives every order and product without a GSI3 key its listing key (by creation), each
    /// on `attribute_not_exists(gsi3pk)`, so a run racing new writes or another run changes
    /// nothing twice.
    pub async fn backfill_listings(&self) -> Result<Backfilled, StoreError> {
        let mut done = Backfilled::default();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client()
                .scan()
                .table_name(self.table())
                .filter_expression("(sk = :order OR sk = :product) AND attribute_not_exists(gsi3pk)")
                .expression_attribute_values(":order", s("ORDER"))
                .expression_attribute_values(":product", s("PRODUCT"))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for item in out.items.unwrap_or_default() {
                let listed: Listed = from_item(item)?;
                let (key, partition, id) = match (listed.sk.as_str(), &listed.order_id, &listed.product_id) {
                    ("ORDER", Some(id), _) => (keys::order(id), keys::ALL_ORDERS, id),
                    ("PRODUCT", _, Some(id)) => (keys::product(id), keys::ALL_PRODUCTS, id),
                    _ => continue,
                };
                if self.list_once(key, partition, keys::time_sort(listed.created_at, id)).await? {
                    match partition == keys::ALL_ORDERS {
                        true => done.orders += 1,
                        false => done.products += 1,
                    }
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(done),
            }
        }
    }

    /// Sets one item's GSI3 key unless it has one; whether it was set here.
    async fn list_once(&self, key: keys::Key, partition: &str, sort: String) -> Result<bool, StoreError> {
        let update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key.item()))
            .update_expression("SET gsi3pk = :partition, gsi3sk = :sort")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(gsi3pk)")
            .expression_attribute_values(":partition", AttributeValue::S(partition.to_string()))
            .expression_attribute_values(":sort", AttributeValue::S(sort));
        match self.send_write(update).await {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
