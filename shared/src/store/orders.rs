//! Orders as stored: placing one (its holds, the order and the locked cart in one
//! transaction), reading them, and marking a refund done. Their moves are `transitions`.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::transitions::{cart_put, claim_actions, claims_failure, stock_or_contention, stock_update};
use super::{from_item, keys, s, to_item, tx, CartRecord, Claims, Item, Store, StoreError, TransitionError, Write};
use crate::domain::lifecycle::StockMove;
use crate::domain::order::Order;
use crate::domain::stock::ShardHold;
use crate::domain::Locale;

/// An order as stored: its keys, what only the back end needs, and the contract's `Order`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderRecord {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub user_id: String,
    pub email: String,
    /// The buyer's language, chosen at checkout: the emails and the payment page speak it.
    #[serde(default)]
    pub locale: Locale,
    /// The payment that paid it (refunds name it).
    pub payment_id: Option<String>,
    pub commission_cents: i64,
    /// The lines bought under a sale, counted against the buyer's per-sale limit.
    #[serde(default)]
    pub sale_lines: Vec<SaleLine>,
    /// Which stock shard holds how many units of each line (an order placed before shards
    /// has none: its units are in shard 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stock_holds: Vec<ShardHold>,
    #[serde(flatten)]
    pub order: Order,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    pub product_id: String,
    pub sale_id: String,
    pub quantity: u32,
}

impl std::ops::Deref for OrderRecord {
    type Target = Order;

    fn deref(&self) -> &Order {
        &self.order
    }
}

impl OrderRecord {
    /// The units each product holds, for stock changes.
    pub fn holds(&self) -> Vec<(String, u32)> {
        self.items.iter().map(|l| (l.product_id.clone(), l.quantity)).collect()
    }

    /// Where the order's units are held: what its holds took and its releases give back.
    pub fn shard_holds(&self) -> Vec<ShardHold> {
        match self.stock_holds.is_empty() {
            false => self.stock_holds.clone(),
            true => self
                .items
                .iter()
                .map(|l| ShardHold { product_id: l.product_id.clone(), shard: 0, quantity: l.quantity })
                .collect(),
        }
    }

    pub fn product_ids(&self) -> Vec<String> {
        self.items.iter().map(|l| l.product_id.clone()).collect()
    }
}

impl Store {
    pub async fn order(&self, order_id: &str) -> Result<Option<OrderRecord>, StoreError> {
        self.get(keys::order(order_id)).await
    }

    /// Places an order: holds every line's units in the shards `stock_holds` names, writes
    /// the order and locks the cart, all or nothing, with `with` (the payment session). `cart` is the locked cart, whose
    /// `version` was already bumped.
    pub async fn place_order(
        &self,
        order: &OrderRecord,
        cart: &CartRecord,
        sale_limit: u32,
        now: DateTime<Utc>,
        with: Option<Write>,
    ) -> Result<(), TransitionError> {
        let holds = order.shard_holds();
        let mut actions = Vec::new();
        for hold in &holds {
            actions.push(stock_update(self.table(), hold, StockMove::Hold)?);
        }
        actions.push(tx::put(self.table(), to_item(order)?, Some("attribute_not_exists(pk)"))?);
        actions.push(cart_put(self.table(), cart, cart.version - 1)?);
        let claims_start = actions.len();
        actions.extend(claim_actions(self.table(), order, Claims::Take { sale_limit: Some(sale_limit) }, now)?);
        actions.extend(with);
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.any_refused() => {
                let failed = cancelled.refusals();
                let stock = stock_or_contention(&holds, &failed);
                if matches!(stock, TransitionError::OutOfStock(_)) {
                    return Err(stock);
                }
                Err(claims_failure(order, &failed[claims_start..]).unwrap_or(stock))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One user's orders, newest first, after the `after` sort key.
    pub async fn user_orders(
        &self,
        user_id: &str,
        limit: usize,
        after: Option<&str>,
    ) -> Result<(Vec<OrderRecord>, Option<String>), StoreError> {
        let (items, next) =
            self.index_page(keys::GSI1, "gsi1", &keys::user_orders(user_id), limit, after, false).await?;
        Ok((items.into_iter().map(from_item).collect::<Result<_, _>>()?, next))
    }

    /// Orders still awaiting payment whose `expires_at` is at or before `now`.
    pub async fn expired_pending_orders(&self, now: DateTime<Utc>) -> Result<Vec<OrderRecord>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI2)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk <= :now")
            .expression_attribute_values(":pk", s(keys::PENDING_ORDERS))
            .expression_attribute_values(":now", s(keys::time_sort_until(now)));
        self.query_all(query).await?.into_iter().map(from_item).collect()
    }

    /// Marks a cancelled order's refund done (the outbox delivered it).
    pub async fn mark_refunded(&self, order_id: &str) -> Result<(), StoreError> {
        // Already refunded (a redelivered refund): nothing to do.
        self.update_if(
            keys::order(order_id),
            "SET refund_status = :refunded",
            "refund_status = :pending",
            Item::from([(":refunded".into(), s("refunded")), (":pending".into(), s("pending"))]),
            &[],
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An order as the table holds it (times as text, to the second, with a `Z`).
    fn stored_order() -> serde_json::Value {
        json!({
            "pk": "ORDER#o-1", "sk": "ORDER",
            "gsi1pk": "USER#u-1#ORDERS", "gsi1sk": "2026-03-15T10:00:00Z#o-1",
            "user_id": "u-1", "email": "ada@example.com", "locale": "en", "payment_id": "pay_1", "commission_cents": 0,
            "sale_lines": [],
            "order_id": "o-1", "invoice_number": "2026-000001", "status": "paid",
            "items": [{"product_id": "cap-ete", "name": "Casquette Été", "quantity": 2, "unit_price_cents": 2490,
                       "unit_effective_price_cents": 2490, "line_total_cents": 4980}],
            "subtotal_cents": 4980, "discounts": [],
            "delivery": {"mode": "pickup", "pickup_point_id": "pp-bastille", "name": "Relais", "address": "1 rue"},
            "delivery_fee_cents": 0, "gift": null, "gift_fee_cents": 0, "total_cents": 4980, "currency": "EUR",
            "payment": {"method_type": "card", "brand": "visa", "last4": "4242"}, "promo_code": null,
            "created_at": "2026-03-15T10:00:00Z", "expires_at": "2026-03-15T10:30:00Z",
            "paid_at": "2026-03-15T10:05:09Z", "cancelled_at": null, "refund_status": null,
            "history": [{"status": "pending_payment", "at": "2026-03-15T10:00:00Z"},
                        {"status": "paid", "at": "2026-03-15T10:05:09Z"}],
        })
    }

    #[test]
    fn a_stored_order_reads_its_times_and_writes_them_back_as_they_were() {
        let item: Item = serde_dynamo::to_item(stored_order()).expect("an item");
        let order: OrderRecord = from_item(item.clone()).expect("the order decodes");
        assert_eq!(order.paid_at.map(|t| t - order.created_at), Some(chrono::Duration::seconds(309)));
        assert!(order.created_at < order.expires_at && order.cancelled_at.is_none());
        assert_eq!(to_item(&order).expect("encodes"), item);
    }

    #[test]
    fn an_order_stored_before_locales_reads_as_french() {
        let mut older = stored_order();
        older.as_object_mut().expect("an object").remove("locale");
        let order: OrderRecord = from_item(serde_dynamo::to_item(older).expect("an item")).expect("decodes");
        assert_eq!((order.locale, order.reference()), (Locale::Fr, "O1".to_string()));
    }
}
