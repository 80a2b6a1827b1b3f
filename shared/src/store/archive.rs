//! Archiving a product, and how the store knows without a scan whether a cart holds it.
//!
//! Each product has `keys::CART_COUNTERS` counters of the carts holding it. A cart write
//! that puts the product in a cart or takes it out moves its user's counter in the same
//! transaction (putting it in is conditional on the counter not being archived); a payment
//! that empties the cart moves them back. Archiving sets `archived` on every counter, each
//! conditional on a count of 0, and on the product, in one transaction: a cart racing it
//! either lands first (and the archive is refused) or is refused itself.
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde::Deserialize;

use super::{from_item, keys, n, s, tx, CartLineRecord, Item, ProductRecord, Store, StoreError};

/// Why a product could not be archived.
#[derive(Debug)]
pub enum ArchiveError {
    NotFound,
    /// This many carts hold it.
    InOpenCarts(i64),
    Store(StoreError),
}

impl From<StoreError> for ArchiveError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

#[derive(Deserialize)]
struct Counter {
    #[serde(default)]
    open_carts: i64,
}

/// The products a cart gains and loses between two sets of lines.
fn gained_and_lost<'a>(before: &'a [CartLineRecord], after: &'a [CartLineRecord]) -> (Vec<&'a str>, Vec<&'a str>) {
    let holds = |lines: &[CartLineRecord], id: &str| lines.iter().any(|l| l.product_id == id && l.quantity > 0);
    let gained =
        after.iter().filter(|l| l.quantity > 0 && !holds(before, &l.product_id)).map(|l| l.product_id.as_str());
    let lost = before.iter().filter(|l| l.quantity > 0 && !holds(after, &l.product_id)).map(|l| l.product_id.as_str());
    (gained.collect(), lost.collect())
}

impl Store {
    /// The counter writes for `user_id`'s cart going from `before` to `after`: +1 for each
    /// product it gains (refused if the product is archived), -1 for each it loses.
    pub(super) fn cart_holding_moves(
        &self,
        user_id: &str,
        before: &[CartLineRecord],
        after: &[CartLineRecord],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let (gained, lost) = gained_and_lost(before, after);
        let mut writes = Vec::new();
        for id in gained {
            writes.push(tx::update(
                self.table(),
                keys::carts_holding(id, user_id).item(),
                "ADD open_carts :one",
                Some("attribute_not_exists(archived) OR archived = :no"),
                Item::from([(":one".into(), n(1)), (":no".into(), AttributeValue::Bool(false))]),
                &[],
            )?);
        }
        for id in lost {
            writes.push(self.cart_let_go(id, user_id)?);
        }
        Ok(writes)
    }

    /// The counter write for `user_id`'s cart no longer holding `product_id`.
    pub(super) fn cart_let_go(&self, product_id: &str, user_id: &str) -> Result<TransactWriteItem, StoreError> {
        tx::update(
            self.table(),
            keys::carts_holding(product_id, user_id).item(),
            "ADD open_carts :minus",
            None,
            Item::from([(":minus".into(), n(-1))]),
            &[],
        )
    }

    /// How many carts hold the product now.
    pub async fn carts_holding(&self, product_id: &str) -> Result<i64, StoreError> {
        let counters = (0..keys::CART_COUNTERS).map(|k| keys::carts_holding_counter(product_id, k)).collect();
        let mut total = 0;
        for item in self.batch_get(counters).await? {
            total += from_item::<Counter>(item)?.open_carts;
        }
        Ok(total)
    }

    /// Archives (or puts back) a product, all or nothing: archiving is refused while a cart
    /// holds it. Again is a no-op.
    pub async fn set_archived(&self, product: &ProductRecord, archived: bool) -> Result<(), ArchiveError> {
        let id = &product.product_id;
        let partition = if archived { keys::ARCHIVED_PRODUCTS } else { keys::CATALOGUE };
        let mut actions = vec![tx::update(
            self.table(),
            keys::product(id).item(),
            "SET archived = :archived, gsi1pk = :partition, gsi3pk = :all, gsi3sk = if_not_exists(gsi3sk, :created)",
            Some("attribute_exists(pk)"),
            Item::from([
                (":archived".into(), AttributeValue::Bool(archived)),
                (":partition".into(), s(partition)),
                (":all".into(), s(keys::ALL_PRODUCTS)),
                (":created".into(), s(keys::time_sort(product.created_at, id))),
            ]),
            &[],
        )?];
        let empty = "attribute_not_exists(open_carts) OR open_carts <= :zero";
        for k in 0..keys::CART_COUNTERS {
            let mut values = Item::from([(":archived".into(), AttributeValue::Bool(archived))]);
            if archived {
                values.insert(":zero".into(), n(0));
            }
            actions.push(tx::update(
                self.table(),
                keys::carts_holding_counter(id, k).item(),
                "SET archived = :archived",
                archived.then_some(empty),
                values,
                &[],
            )?);
        }
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => Err(ArchiveError::NotFound),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.any_refused() => {
                Err(ArchiveError::InOpenCarts(self.carts_holding(id).await?.max(1)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Every product newest first, archived ones included (`archived`: only those, or only
    /// the others), after `after` (a GSI3 sort key); at most `limit`, and where to go on.
    pub async fn admin_products(
        &self,
        archived: Option<bool>,
        limit: usize,
        after: Option<&str>,
    ) -> Result<(Vec<ProductRecord>, Option<String>), StoreError> {
        let mut found: Vec<ProductRecord> = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client()
                .query()
                .table_name(self.table())
                .index_name(keys::GSI3)
                .scan_index_forward(false)
                .expression_attribute_values(":pk", s(keys::ALL_PRODUCTS))
                .set_exclusive_start_key(start.take())
                .limit(100);
            query = match after {
                Some(after) => query
                    .key_condition_expression("gsi3pk = :pk AND gsi3sk < :after")
                    .expression_attribute_values(":after", s(after)),
                None => query.key_condition_expression("gsi3pk = :pk"),
            };
            query = match archived {
                Some(true) => query.filter_expression("archived = :yes"),
                Some(false) => query.filter_expression("attribute_not_exists(archived) OR archived = :no"),
                None => query,
            };
            if let Some(wanted) = archived {
                query = query
                    .expression_attribute_values(if wanted { ":yes" } else { ":no" }, AttributeValue::Bool(wanted));
            }
            let out = query.send().await.map_err(StoreError::from_sdk)?;
            for item in out.items.unwrap_or_default() {
                found.push(from_item(item)?);
                if found.len() > limit {
                    found.truncate(limit);
                    self.read_shards(found.iter_mut()).await?;
                    let next = found.last().and_then(|p| p.gsi3sk.clone());
                    return Ok((found, next));
                }
            }
            if out.last_evaluated_key.as_ref().is_none_or(|key| key.is_empty()) {
                self.read_shards(found.iter_mut()).await?;
                return Ok((found, None));
            }
            start = out.last_evaluated_key;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(spec: &[(&str, u32)]) -> Vec<CartLineRecord> {
        spec.iter().map(|(id, q)| CartLineRecord { product_id: id.to_string(), quantity: *q }).collect()
    }

    #[test]
    fn a_cart_moves_a_counter_only_when_a_product_enters_or_leaves_it() {
        let before = lines(&[("a", 1), ("b", 2)]);
        let after = lines(&[("b", 5), ("c", 1)]);
        assert_eq!(gained_and_lost(&before, &after), (vec!["c"], vec!["a"]));
        assert_eq!(gained_and_lost(&before, &before), (vec![], vec![]));
    }
}
