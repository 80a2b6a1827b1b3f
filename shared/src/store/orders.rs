use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::{from_item, keys, n, s, to_item, tx, CartRecord, Item, Store, StoreError};
use crate::domain::lifecycle::{ClaimMove, CommissionMove, StockMove};
use crate::domain::order::{CommissionStatus, HistoryEntry, Order, OrderStatus, PaymentStatus};

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
    /// The payment that paid it (refunds name it).
    pub payment_id: Option<String>,
    pub commission_cents: i64,
    /// The lines bought under a sale, counted against the buyer's per-sale limit.
    #[serde(default)]
    pub sale_lines: Vec<SaleLine>,
    #[serde(flatten)]
    pub order: Order,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    pub product_id: String,
    pub sale_id: String,
    pub quantity: u32,
}

/// What an order holds besides stock: its sale units and its promo code's use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claims {
    None,
    /// Take them, refused past the sale limit (`Some(limit)`) or a used-up, expired code.
    Take {
        sale_limit: Option<u32>,
    },
    /// Take them back without checks (a payment honoured after its hold expired).
    Retake,
    /// Give them back (the order failed, expired or was cancelled).
    GiveBack,
}

impl From<ClaimMove> for Claims {
    fn from(change: ClaimMove) -> Self {
        match change {
            ClaimMove::None => Self::None,
            ClaimMove::Retake => Self::Retake,
            ClaimMove::GiveBack => Self::GiveBack,
        }
    }
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

    pub fn product_ids(&self) -> Vec<String> {
        self.items.iter().map(|l| l.product_id.clone()).collect()
    }
}

/// A status change of one order and everything that must happen with it, applied as one
/// transaction conditional on the order's current status.
pub struct Transition<'a> {
    pub order: &'a OrderRecord,
    pub to: OrderStatus,
    pub at: &'a str,
    /// What else the order records with the move.
    pub set: OrderFields,
    pub stock: StockMove,
    /// The cart as it must be after, written only if its version did not move.
    pub cart: Option<CartRecord>,
    /// The webhook event this applies: recorded so that a replay changes nothing.
    pub event_id: Option<&'a str>,
    /// The invoice counter's year and current value: the order takes the next number.
    pub invoice: Option<(i32, u64)>,
    /// Payment records to write with it (payments, refunds).
    pub payments: Vec<PaymentRecord>,
    pub claims: Claims,
    pub commission: CommissionMove,
    /// The effects that follow the change (`store::outbox_put`), recorded with it.
    pub outbox: Vec<TransactWriteItem>,
}

/// Fields of an order a move sets besides its status (`None`: left as they are).
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrderFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<crate::domain::order::OrderPayment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<crate::domain::order::RefundStatus>,
}

/// Why a transition did not apply.
#[derive(Debug)]
pub enum TransitionError {
    /// The webhook event was applied before.
    AlreadyApplied,
    /// The order is no longer in the status this transition starts from.
    StatusChanged,
    /// These products (ids) lack the units to hold.
    OutOfStock(Vec<String>),
    /// These sale products would pass the buyer's per-sale limit.
    SaleLimit(Vec<String>),
    /// The promo code is used up or expired.
    PromoUnavailable,
    /// The cart or the invoice counter moved meanwhile: read again and retry.
    Contended,
    Store(StoreError),
}

impl From<StoreError> for TransitionError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// A payment, failed payment or refund, as the admin listing shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub gsi2pk: String,
    pub gsi2sk: String,
    pub payment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub method_type: String,
    pub amount_cents: i64,
    pub status: PaymentStatus,
    pub at: String,
}

impl PaymentRecord {
    pub fn new(payment_id: &str, method_type: &str, amount_cents: i64, status: PaymentStatus, at: &str) -> Self {
        let key = keys::payment(payment_id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: keys::payments_by_type(method_type),
            gsi1sk: keys::time_sort(at, payment_id),
            gsi2pk: keys::PAYMENTS.to_string(),
            gsi2sk: keys::time_sort(at, payment_id),
            payment_id: payment_id.to_string(),
            order_id: None,
            subscription_id: None,
            method_type: method_type.to_string(),
            amount_cents,
            status,
            at: at.to_string(),
        }
    }
}

pub fn invoice_number(year: i32, sequence: u64) -> String {
    format!("INV-{year}-{sequence:06}")
}

fn stock_update(
    table: &str,
    product_id: &str,
    quantity: u32,
    change: StockMove,
) -> Result<TransactWriteItem, StoreError> {
    let (expression, condition) = match change {
        StockMove::Hold => ("SET stock = stock - :q, version = version + :one", Some("stock >= :q")),
        _ => ("SET stock = stock + :q, version = version + :one", Some("attribute_exists(pk)")),
    };
    tx::update(
        table,
        keys::product(product_id).item(),
        expression,
        condition,
        Item::from([(":q".into(), n(quantity)), (":one".into(), n(1))]),
        &[],
    )
}

fn cart_put(table: &str, cart: &CartRecord, expected_version: u64) -> Result<TransactWriteItem, StoreError> {
    tx::put_if(
        table,
        to_item(cart)?,
        Some("version = :expected"),
        Item::from([(":expected".into(), n(expected_version))]),
    )
}

impl Store {
    pub async fn order(&self, order_id: &str) -> Result<Option<OrderRecord>, StoreError> {
        self.get(keys::order(order_id)).await
    }

    /// Places an order: holds every line's units, writes the order and locks the cart, all
    /// or nothing. `cart` is the locked cart, whose `version` was already bumped.
    pub async fn place_order(
        &self,
        order: &OrderRecord,
        cart: &CartRecord,
        sale_limit: u32,
        now: &str,
    ) -> Result<(), TransitionError> {
        let mut actions = Vec::new();
        for (product_id, quantity) in order.holds() {
            actions.push(stock_update(self.table(), &product_id, quantity, StockMove::Hold)?);
        }
        actions.push(tx::put(self.table(), to_item(order)?, Some("attribute_not_exists(pk)"))?);
        actions.push(cart_put(self.table(), cart, cart.version - 1)?);
        let claims_start = actions.len();
        actions.extend(claim_actions(self.table(), order, Claims::Take { sale_limit: Some(sale_limit) }, now)?);
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(failed)) => {
                let stock = stock_or_contention(order, &failed);
                if matches!(stock, TransitionError::OutOfStock(_)) {
                    return Err(stock);
                }
                Err(claims_failure(order, &failed[claims_start..]).unwrap_or(stock))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Applies a transition; see `Transition`.
    pub async fn apply(&self, t: Transition<'_>) -> Result<(), TransitionError> {
        let table = self.table();
        let from = t.order.status;
        if !from.can_become(t.to) {
            return Err(TransitionError::StatusChanged);
        }
        let mut actions = Vec::new();
        let mut event_index = None;
        if let Some(event_id) = t.event_id {
            let key = keys::webhook_event(event_id);
            let item = Item::from([
                ("pk".into(), s(key.pk)),
                ("sk".into(), s(key.sk)),
                ("event_id".into(), s(event_id)),
                ("order_id".into(), s(&t.order.order_id)),
                ("applied_at".into(), s(t.at)),
            ]);
            event_index = Some(actions.len());
            actions.push(tx::put(table, item, Some("attribute_not_exists(pk)"))?);
        }
        let order_index = actions.len();
        let mut expression = String::from("SET #status = :to, history = list_append(history, :entry)");
        let mut values = Item::from([
            (":to".into(), s(t.to.as_str())),
            (":from".into(), s(from.as_str())),
            (":entry".into(), to_entry(t.to, t.at)?),
        ]);
        for (name, value) in to_item(&t.set)? {
            expression.push_str(&format!(", {name} = :{name}"));
            values.insert(format!(":{name}"), value);
        }
        let sequence = t.invoice.map(|(year, current)| (year, current + 1));
        if let Some((year, next)) = sequence {
            expression.push_str(", invoice_number = :invoice");
            values.insert(":invoice".into(), s(invoice_number(year, next)));
        }
        if !t.to.eq(&OrderStatus::PendingPayment) {
            expression.push_str(" REMOVE gsi2pk, gsi2sk");
        }
        actions.push(tx::update(
            table,
            keys::order(&t.order.order_id).item(),
            &expression,
            Some("#status = :from"),
            values,
            &[("#status", "status")],
        )?);
        let stock_start = actions.len();
        if t.stock != StockMove::None {
            for (product_id, quantity) in t.order.holds() {
                actions.push(stock_update(table, &product_id, quantity, t.stock)?);
            }
        }
        let stock_end = actions.len();
        if let Some(cart) = &t.cart {
            actions.push(cart_put(table, cart, cart.version - 1)?);
        }
        if let Some((year, next)) = sequence {
            let key = keys::invoice_counter(year);
            let mut values = Item::from([(":next".into(), n(next))]);
            let condition = if next == 1 {
                "attribute_not_exists(pk)"
            } else {
                values.insert(":current".into(), n(next - 1));
                "#value = :current"
            };
            actions.push(tx::update(
                table,
                key.item(),
                "SET #value = :next",
                Some(condition),
                values,
                &[("#value", "value")],
            )?);
        }
        for payment in &t.payments {
            actions.push(tx::put(table, to_item(payment)?, Some("attribute_not_exists(pk)"))?);
        }
        let claims_start = actions.len();
        actions.extend(claim_actions(table, t.order, t.claims, t.at)?);
        actions.extend(commission_actions(table, t.order, t.commission, t.at)?);
        actions.extend(t.outbox);
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(failed)) => {
                if event_index.is_some_and(|i| failed[i]) {
                    return Err(TransitionError::AlreadyApplied);
                }
                if failed[order_index] {
                    return Err(TransitionError::StatusChanged);
                }
                let stock = stock_or_contention(t.order, &failed[stock_start..stock_end]);
                if matches!(stock, TransitionError::OutOfStock(_)) {
                    return Err(stock);
                }
                Err(claims_failure(t.order, &failed[claims_start..]).unwrap_or(stock))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The current value of a year's invoice counter (0 before the first invoice).
    pub async fn invoice_counter(&self, year: i32) -> Result<u64, StoreError> {
        #[derive(Deserialize)]
        struct Counter {
            value: u64,
        }
        Ok(self.get::<Counter>(keys::invoice_counter(year)).await?.map_or(0, |c| c.value))
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
    pub async fn expired_pending_orders(&self, now: &str) -> Result<Vec<OrderRecord>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI2)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk <= :now")
            .expression_attribute_values(":pk", s(keys::PENDING_ORDERS))
            .expression_attribute_values(":now", s(format!("{now}~")));
        self.query_all(query).await?.into_iter().map(from_item).collect()
    }
}

/// The sale-unit counters and the promo code use an order takes or gives back, in the
/// order `claims_failure` reads them: one counter per sale line, then the code.
fn claim_actions(
    table: &str,
    order: &OrderRecord,
    claims: Claims,
    now: &str,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut actions = Vec::new();
    let sign: i64 = match claims {
        Claims::None => return Ok(actions),
        Claims::GiveBack => -1,
        Claims::Take { .. } | Claims::Retake => 1,
    };
    for line in &order.sale_lines {
        let quantity = i64::from(line.quantity);
        let mut values = Item::from([(":q".into(), n(sign * quantity))]);
        let condition = match claims {
            Claims::Take { sale_limit: Some(limit) } => {
                values.insert(":room".into(), n(i64::from(limit) - quantity));
                Some("attribute_not_exists(units) OR units <= :room")
            }
            _ => None,
        };
        let key = keys::sale_units(&order.user_id, &line.sale_id, &line.product_id);
        actions.push(tx::update(table, key.item(), "ADD units :q", condition, values, &[])?);
    }
    if let Some(code) = &order.promo_code {
        let mut values = Item::from([(":one".into(), n(sign))]);
        let condition = if matches!(claims, Claims::Take { .. }) {
            values.insert(":now".into(), s(now));
            "attribute_exists(pk) AND (attribute_not_exists(max_uses) OR uses < max_uses) \
             AND (attribute_not_exists(expires_at) OR expires_at > :now)"
        } else {
            "attribute_exists(pk)"
        };
        actions.push(tx::update(table, keys::promo_code(code).item(), "ADD uses :one", Some(condition), values, &[])?);
    }
    Ok(actions)
}

/// Which claim refused a transaction, from the outcomes of the claim actions.
fn claims_failure(order: &OrderRecord, failed: &[bool]) -> Option<TransitionError> {
    let lines = order.sale_lines.len();
    let over: Vec<String> =
        order.sale_lines.iter().zip(failed).filter(|(_, f)| **f).map(|(l, _)| l.product_id.clone()).collect();
    if !over.is_empty() {
        return Some(TransitionError::SaleLimit(over));
    }
    (order.promo_code.is_some() && failed.get(lines).copied().unwrap_or(false))
        .then_some(TransitionError::PromoUnavailable)
}

fn commission_actions(
    table: &str,
    order: &OrderRecord,
    change: CommissionMove,
    at: &str,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let Some(code) = &order.promo_code else { return Ok(Vec::new()) };
    Ok(match change {
        CommissionMove::None => Vec::new(),
        CommissionMove::Earn => {
            let commission = super::Commission {
                order_id: order.order_id.clone(),
                amount_cents: order.commission_cents,
                status: CommissionStatus::Earned,
            };
            vec![tx::put(
                table,
                super::promos::commission_item(code, commission, at)?,
                Some("attribute_not_exists(pk)"),
            )?]
        }
        CommissionMove::Reverse => vec![tx::update(
            table,
            keys::commission(code, &order.order_id).item(),
            "SET #status = :reversed",
            Some("#status = :earned"),
            Item::from([(":reversed".into(), s("reversed")), (":earned".into(), s("earned"))]),
            &[("#status", "status")],
        )?],
    })
}

/// Why a transaction whose stock actions (one per order line, in order) start `failed`
/// was cancelled: the lines that lacked stock, or else contention on something else.
fn stock_or_contention(order: &OrderRecord, failed: &[bool]) -> TransitionError {
    let short: Vec<String> = order
        .items
        .iter()
        .zip(failed)
        .filter(|(_, failed)| **failed)
        .map(|(line, _)| line.product_id.clone())
        .collect();
    if short.is_empty() {
        TransitionError::Contended
    } else {
        TransitionError::OutOfStock(short)
    }
}

fn to_entry(status: OrderStatus, at: &str) -> Result<AttributeValue, StoreError> {
    let entry = to_item(&HistoryEntry { status, at: at.to_string() })?;
    Ok(AttributeValue::L(vec![AttributeValue::M(entry)]))
}

impl Store {
    /// Records an event that changes no order (a payment the order could not take), with
    /// its payment records; `false` if the event was already recorded.
    pub async fn record_event(
        &self,
        event_id: &str,
        order_id: &str,
        at: &str,
        payments: &[PaymentRecord],
        outbox: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let key = keys::webhook_event(event_id);
        let item = Item::from([
            ("pk".into(), s(key.pk)),
            ("sk".into(), s(key.sk)),
            ("event_id".into(), s(event_id)),
            ("order_id".into(), s(order_id)),
            ("applied_at".into(), s(at)),
        ]);
        let mut actions = vec![tx::put(self.table(), item, Some("attribute_not_exists(pk)"))?];
        for payment in payments {
            actions.push(tx::put(self.table(), to_item(payment)?, Some("attribute_not_exists(pk)"))?);
        }
        actions.extend(outbox);
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(failed)) if failed.first() == Some(&true) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Marks a cancelled order's refund done (the outbox delivered it).
    pub async fn mark_refunded(&self, order_id: &str) -> Result<(), StoreError> {
        let marked = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::order(order_id).item()))
            .update_expression("SET refund_status = :refunded")
            .condition_expression("refund_status = :pending")
            .expression_attribute_values(":refunded", s("refunded"))
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await
            .map_err(StoreError::from_sdk);
        match marked {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
