//! Orders as stored: placing one (its holds, the order and the locked cart in one
//! transaction), reading them, and marking a refund done. Their moves are `transitions`.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::transitions::{cart_put, claim_actions, claims_failure, stock_or_contention, stock_update};
use super::{from_item, keys, s, to_item, tx, CartRecord, Claims, Item, Store, StoreError, TransitionError, Write};
use crate::domain::fulfilment::{FulfilmentStatus, RefundAsk};
use crate::domain::lifecycle::StockMove;
use crate::domain::order::{Order, OrderStatus};
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
    /// Every order, newest first, for the back office (`keys::ALL_ORDERS`); an order placed
    /// before this index has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
    /// How many moves the order has made: each move is conditional on it, so that two moves
    /// that leave the status as it is (a fulfilment step, a partial refund) never both apply.
    #[serde(default, skip_serializing_if = "no_moves")]
    pub moves: u32,
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

fn no_moves(moves: &u32) -> bool {
    *moves == 0
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
            // A hold emptied by a partial refund stays listed (the order's units are not
            // the lines' any more) and gives nothing back.
            false => self.stock_holds.iter().filter(|h| h.quantity > 0).cloned().collect(),
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

/// A partial refund as recorded under its key, beside its order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRecord {
    pub pk: String,
    pub sk: String,
    pub refund_id: String,
    pub order_id: String,
    #[serde(flatten)]
    pub ask: RefundAsk,
    /// What was refunded (the lines' share when no amount was asked).
    pub refunded_cents: i64,
    #[serde(with = "crate::clock::secs")]
    pub at: DateTime<Utc>,
    /// Made at the provider already (Stripe's dashboard): Capsule refunds nothing for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_provider: bool,
}

impl RefundRecord {
    pub fn new(order_id: &str, ask: &RefundAsk, refunded_cents: i64, at: DateTime<Utc>) -> Self {
        let key = keys::order_refund(order_id, &ask.idempotency_key);
        Self {
            pk: key.pk,
            sk: key.sk,
            refund_id: format!("{order_id}-{}", ask.idempotency_key),
            order_id: order_id.to_string(),
            ask: ask.clone(),
            refunded_cents,
            at,
            at_provider: false,
        }
    }
}

/// What the back office's order listing keeps.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    /// One buyer's orders (found by their email).
    pub user_id: Option<String>,
    pub status: Option<OrderStatus>,
    pub fulfilment: Option<FulfilmentStatus>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub until: Option<DateTime<Utc>>,
}

impl OrderRecord {
    /// Its sort key in the index `filter` lists from.
    fn sort_key(&self, filter: &OrderFilter) -> &str {
        match filter.user_id {
            Some(_) => &self.gsi1sk,
            None => self.gsi3sk.as_deref().unwrap_or_default(),
        }
    }
}

impl Store {
    /// A partial refund recorded under its key, if any.
    pub async fn order_refund(
        &self,
        order_id: &str,
        idempotency_key: &str,
    ) -> Result<Option<RefundRecord>, StoreError> {
        self.get(keys::order_refund(order_id, idempotency_key)).await
    }

    /// An order's partial refunds, in key order.
    pub async fn order_refunds(&self, order_id: &str) -> Result<Vec<RefundRecord>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :refund)")
            .expression_attribute_values(":pk", s(keys::order(order_id).pk))
            .expression_attribute_values(":refund", s("REFUND#"));
        self.query_all(query).await?.into_iter().map(from_item).collect()
    }

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

    /// The back office's page of orders, newest first, that pass `filter`, after the
    /// `after` sort key: a user's orders (GSI1) or all of them (GSI3), between the filter's
    /// times, filtered by status and fulfilment. The next page's position when there is one.
    pub async fn orders_page(
        &self,
        filter: &OrderFilter,
        limit: usize,
        after: Option<&str>,
    ) -> Result<(Vec<OrderRecord>, Option<String>), StoreError> {
        let (index, pk, sk, partition) = match &filter.user_id {
            Some(user_id) => (keys::GSI1, "gsi1pk", "gsi1sk", keys::user_orders(user_id)),
            None => (keys::GSI3, "gsi3pk", "gsi3sk", keys::ALL_ORDERS.to_string()),
        };
        // Every time sort key starts with a year's digits: "0" is below them all.
        let low = filter.from.map_or_else(|| "0".to_string(), crate::clock::rfc3339);
        let mut high = filter.until.map_or_else(|| "~".to_string(), keys::time_sort_until);
        if let Some(after) = after.filter(|a| *a < high.as_str()) {
            high = after.to_string();
        }
        let mut query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(index)
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(100))
            .key_condition_expression(format!("{pk} = :pk AND {sk} BETWEEN :low AND :high"))
            .expression_attribute_values(":pk", s(partition))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(&high));
        let mut conditions = Vec::new();
        if let Some(status) = filter.status {
            conditions.push("#status = :status");
            query = query
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(status.as_str()));
        }
        if let Some(fulfilment) = filter.fulfilment {
            conditions.push("fulfilment.#fulfilment = :fulfilment");
            query = query
                .expression_attribute_names("#fulfilment", "status")
                .expression_attribute_values(":fulfilment", s(fulfilment.as_str()));
        }
        if !conditions.is_empty() {
            query = query.filter_expression(conditions.join(" AND "));
        }
        let mut found: Vec<OrderRecord> = Vec::new();
        let mut start = None;
        // A filter reads past what it drops: a bounded number of rounds per page.
        for _ in 0..10 {
            let out = query.clone().set_exclusive_start_key(start).send().await.map_err(StoreError::from_sdk)?;
            for item in out.items.unwrap_or_default() {
                let order: OrderRecord = from_item(item)?;
                // The cursor's own order is the page before's last.
                if after != Some(order.sort_key(filter)) && found.len() < limit {
                    found.push(order);
                }
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if found.len() == limit || start.is_none() {
                break;
            }
        }
        let next = match (found.len() == limit, &start) {
            (true, _) => found.last().map(|o| o.sort_key(filter).to_string()),
            (false, Some(key)) => key.get(sk).and_then(|v| v.as_s().ok()).cloned(),
            (false, None) => None,
        };
        Ok((found, next))
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
