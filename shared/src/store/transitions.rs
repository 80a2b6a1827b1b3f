//! A status change of one order and everything that goes with it (stock, claims,
//! commission, cart, payment records, outbox items, the listing of a paid order for its
//! invoice number), as one transaction conditional on the status it starts from.
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::payments::{event_applied, AppliedTo};
use super::{
    keys, n, s, time, to_item, tx, CartLineRecord, CartRecord, Item, OrderRecord, PaymentRecord, Store, StoreError,
};
use crate::domain::lifecycle::{ClaimMove, CommissionMove, StockMove, MAX_TRANSACTION_WRITES};
use crate::domain::order::{CommissionStatus, HistoryEntry, OrderStatus};
use crate::domain::stock::{self, ShardHold};

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

/// A status change of one order and everything that must happen with it, applied as one
/// transaction conditional on the order's current status.
pub struct Transition<'a> {
    pub order: &'a OrderRecord,
    /// The order's move, as `OrderRecord::apply` decided it.
    pub change: &'a OrderChange,
    pub stock: StockMove,
    /// What happens to the buyer's cart.
    pub cart: CartWrite,
    /// The webhook event this applies: recorded so that a replay changes nothing.
    pub event_id: Option<&'a str>,
    /// Payment records to write with it (payments, refunds).
    pub payments: Vec<PaymentRecord>,
    pub claims: Claims,
    pub commission: CommissionMove,
    /// The units a partial refund gives back (`StockMove::Return`), by shard.
    pub returned: Vec<ShardHold>,
    /// A partial refund's record, put once under its idempotency key
    /// (`keys::order_refund`): a second refund with the key is `AlreadyApplied`.
    pub refund_record: Option<Item>,
    /// What is written with the change: the effects that follow it (`store::outbox_put`),
    /// a payment method it saves.
    pub with: Vec<TransactWriteItem>,
}

/// An order's move: decided by `OrderRecord::apply` (the one place that computes an
/// order's next state), written by `Store::apply`, and read back by `applied_to`.
#[derive(Clone, Debug)]
pub struct OrderChange {
    pub to: OrderStatus,
    pub at: DateTime<Utc>,
    /// What else the order records with the move.
    pub set: OrderFields,
    pub listing: Listing,
}

/// Where a moved order is listed in GSI2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    /// Where it was.
    Keep,
    /// Out of every listing (a pending order that moved on).
    Unlisted,
    /// Awaiting its invoice number (`keys::INVOICES_DUE`), in payment order: no counter is
    /// on the payment's path.
    InvoicesDue,
}

impl OrderChange {
    /// The GSI2 key the order gets: `Some(None)` out of every listing, `None` unchanged.
    fn gsi2(&self, order_id: &str) -> Option<Option<(String, String)>> {
        match self.listing {
            Listing::Keep => None,
            Listing::Unlisted => Some(None),
            Listing::InvoicesDue => {
                Some(Some((keys::INVOICES_DUE.to_string(), keys::invoice_due_sort(self.at, order_id))))
            }
        }
    }

    /// The history entry the move adds.
    pub fn entry(&self) -> HistoryEntry {
        self.set.entry(self.to, self.at)
    }

    /// `order` as this change leaves it: what `Store::apply` writes.
    pub fn applied_to(&self, order: &OrderRecord) -> OrderRecord {
        let mut after = order.clone();
        after.order.status = self.to;
        after.order.history.push(self.entry());
        after.moves += 1;
        let set = self.set.clone();
        after.order.paid_at = set.paid_at.or(after.order.paid_at);
        after.payment_id = set.payment_id.or(after.payment_id);
        after.order.payment = set.payment.or(after.order.payment);
        after.order.cancelled_at = set.cancelled_at.or(after.order.cancelled_at);
        after.order.refund_status = set.refund_status.or(after.order.refund_status);
        after.order.fulfilment = set.fulfilment.or(after.order.fulfilment);
        after.order.refunded_cents = set.refunded_cents.unwrap_or(after.order.refunded_cents);
        after.stock_holds = set.stock_holds.unwrap_or(after.stock_holds);
        if let Some(listed) = self.gsi2(&order.order_id) {
            (after.gsi2pk, after.gsi2sk) = listed.unzip();
        }
        after
    }
}

/// A transition's write of the buyer's cart.
#[derive(Clone, Debug)]
pub enum CartWrite {
    None,
    /// The cart as it must be after (and its lines as read), written only if its version did
    /// not move.
    Put(Box<CartRecord>, Vec<CartLineRecord>),
    /// The cart this pending order locked becomes a new empty cart (the order is paid),
    /// written without reading it: the lock names the order.
    EmptyLocked,
    /// The cart this pending order locked is unlocked, its lines kept.
    UnlockLocked,
}

/// Fields of an order a move sets besides its status (`None`: left as they are).
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrderFields {
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::clock::secs::option")]
    pub paid_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<crate::domain::order::OrderPayment>,
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::clock::secs::option")]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<crate::domain::order::RefundStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<crate::domain::fulfilment::Fulfilment>,
    /// Refunded by operators in all, after a partial refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_cents: Option<i64>,
    /// The units still held after a partial refund returned some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_holds: Option<Vec<ShardHold>>,
    /// This move's partial refund, as the history shows it.
    #[serde(skip)]
    pub refunded_now: Option<i64>,
}

impl OrderFields {
    /// The order's history entry for a move to `to` that sets these fields.
    pub fn entry(&self, to: OrderStatus, at: DateTime<Utc>) -> HistoryEntry {
        HistoryEntry {
            fulfilment: self.fulfilment.as_ref().map(|f| f.status),
            refunded_cents: self.refunded_now,
            ..HistoryEntry::status(to, at)
        }
    }
}

/// Why a transition did not apply.
#[derive(Debug)]
pub enum TransitionError {
    /// The webhook event was applied before, or the partial refund's key was used.
    AlreadyApplied,
    /// The order is no longer in the status this transition starts from.
    StatusChanged,
    /// These products (ids) lack the units to hold.
    OutOfStock(Vec<String>),
    /// These sale products would pass the buyer's per-sale limit.
    SaleLimit(Vec<String>),
    /// The promo code is used up or expired.
    PromoUnavailable,
    /// A condition on the cart did not hold (it moved meanwhile): read again and retry.
    /// Writes that merely met others were sent again by the store.
    Contended,
    Store(StoreError),
}

impl From<StoreError> for TransitionError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// The hold or release of one shard's units: a hold never takes a shard below zero. Shard 0
/// is the product item, whose version moves with it (an admin's change is conditional on it).
pub(super) fn stock_update(table: &str, hold: &ShardHold, change: StockMove) -> Result<TransactWriteItem, StoreError> {
    let (sign, condition) = match change {
        StockMove::Hold => ("-", "stock >= :q"),
        _ => ("+", "attribute_exists(pk)"),
    };
    let mut values = Item::from([(":q".into(), n(hold.quantity))]);
    let expression = match hold.shard {
        0 => {
            values.insert(":one".into(), n(1));
            format!("SET stock = stock {sign} :q, version = version + :one")
        }
        _ => format!("SET stock = stock {sign} :q"),
    };
    tx::update(table, keys::stock_shard(&hold.product_id, hold.shard).item(), &expression, Some(condition), values, &[])
}

/// The write of `change` on `order`, conditional on the status it moves from; `holds`: the
/// shards a late payment takes its units from again.
fn order_update(
    table: &str,
    order: &OrderRecord,
    change: &OrderChange,
    holds: Option<&Vec<ShardHold>>,
) -> Result<TransactWriteItem, StoreError> {
    let mut expression = String::from("SET #status = :to, history = list_append(history, :entry), moves = :next_moves");
    let mut values = Item::from([
        (":to".into(), s(change.to.as_str())),
        (":from".into(), s(order.status.as_str())),
        (":entry".into(), to_entry(&change.entry())?),
        (":moves".into(), n(order.moves)),
        (":next_moves".into(), n(order.moves + 1)),
    ]);
    for (name, value) in to_item(&change.set)? {
        expression.push_str(&format!(", {name} = :{name}"));
        values.insert(format!(":{name}"), value);
    }
    if let Some(holds) = holds {
        expression.push_str(", stock_holds = :holds");
        values.insert(":holds".into(), to_value(holds)?);
    }
    match change.gsi2(&order.order_id) {
        None => {}
        Some(Some((pk, sk))) => {
            expression.push_str(", gsi2pk = :listed, gsi2sk = :listed_sort");
            values.insert(":listed".into(), s(pk));
            values.insert(":listed_sort".into(), s(sk));
        }
        Some(None) => expression.push_str(" REMOVE gsi2pk, gsi2sk"),
    }
    tx::update(
        table,
        keys::order(&order.order_id).item(),
        &expression,
        Some("#status = :from AND (attribute_not_exists(moves) OR moves = :moves)"),
        values,
        &[("#status", "status")],
    )
}

/// The update of the cart `order` locked at checkout: conditional on that lock, so it
/// needs no read (only this order's moves lift it).
fn locked_cart_update(
    table: &str,
    order: &OrderRecord,
    change: &CartWrite,
    at: DateTime<Utc>,
) -> Result<TransactWriteItem, StoreError> {
    let null = AttributeValue::Null(true);
    let mut values = Item::from([
        (":order".into(), s(&order.order_id)),
        (":null".into(), null.clone()),
        (":one".into(), n(1)),
        (":now".into(), time(at)),
    ]);
    let expression = match change {
        CartWrite::EmptyLocked => {
            values.insert(":empty".into(), AttributeValue::L(Vec::new()));
            values.insert(":cart_id".into(), s(uuid::Uuid::new_v4().to_string()));
            "SET #lines = :empty, promo_code = :null, checkout_order_id = :null, cart_id = :cart_id, \
             version = version + :one, updated_at = :now REMOVE gsi1pk, gsi1sk"
        }
        _ => {
            values.insert(":listed".into(), s(keys::UNPAID_CARTS));
            values.insert(":sort".into(), s(keys::time_sort(at, &order.user_id)));
            "SET checkout_order_id = :null, version = version + :one, updated_at = :now, \
             gsi1pk = :listed, gsi1sk = :sort"
        }
    };
    let names: &[(&str, &str)] = match change {
        CartWrite::EmptyLocked => &[("#lines", "lines")],
        _ => &[],
    };
    tx::update(table, keys::cart(&order.user_id).item(), expression, Some("checkout_order_id = :order"), values, names)
}

pub(super) fn cart_put(table: &str, cart: &CartRecord, expected_version: u64) -> Result<TransactWriteItem, StoreError> {
    tx::put_if(
        table,
        to_item(cart)?,
        Some("version = :expected"),
        Item::from([(":expected".into(), n(expected_version))]),
    )
}

impl Store {
    /// Applies a transition; see `Transition`.
    pub async fn apply(&self, t: Transition<'_>) -> Result<(), TransitionError> {
        let table = self.table();
        let from = t.order.status;
        // A fulfilment step or a partial refund keeps the status; the order's move count
        // guards every move, those included.
        if from != t.change.to && !from.can_become(t.change.to) {
            return Err(TransitionError::StatusChanged);
        }
        let mut actions = Vec::new();
        let mut event_index = None;
        if let Some(event_id) = t.event_id {
            event_index = Some(actions.len());
            actions.push(event_applied(table, event_id, AppliedTo::Order(&t.order.order_id), t.change.at)?);
        }
        // Units taken again (a late payment) come from whichever shards have them now.
        let holds = match t.stock {
            StockMove::None => Vec::new(),
            StockMove::Release => t.order.shard_holds(),
            StockMove::Return => t.returned.clone(),
            StockMove::Hold => self.holds_again(t.order).await?,
        };
        let order_index = actions.len();
        actions.push(order_update(table, t.order, t.change, (t.stock == StockMove::Hold).then_some(&holds))?);
        let mut refund_index = None;
        if let Some(record) = t.refund_record {
            refund_index = Some(actions.len());
            actions.push(tx::put(table, record, Some("attribute_not_exists(pk)"))?);
        }
        let stock_start = actions.len();
        for hold in &holds {
            actions.push(stock_update(table, hold, t.stock)?);
        }
        let stock_end = actions.len();
        // The counters of carts holding the products the cart lets go of (never refused).
        let mut let_go = Vec::new();
        match &t.cart {
            CartWrite::None => {}
            CartWrite::Put(cart, before) => {
                actions.push(cart_put(table, cart, cart.version - 1)?);
                let_go = self.cart_holding_moves(&cart.user_id, before, &cart.lines)?;
            }
            CartWrite::EmptyLocked => {
                actions.push(locked_cart_update(table, t.order, &t.cart, t.change.at)?);
                // The locked cart's lines are the order's: the cart holds none of them now.
                for product_id in t.order.product_ids() {
                    let_go.push(self.cart_let_go(&product_id, &t.order.user_id)?);
                }
            }
            CartWrite::UnlockLocked => actions.push(locked_cart_update(table, t.order, &t.cart, t.change.at)?),
        }
        for payment in &t.payments {
            actions.push(tx::put(table, to_item(payment)?, Some("attribute_not_exists(pk)"))?);
        }
        let claims_start = actions.len();
        actions.extend(claim_actions(table, t.order, t.claims, t.change.at)?);
        actions.extend(commission_actions(table, t.order, t.commission, t.change.at)?);
        actions.extend(t.with);
        // Last, so the refusals above keep their places. Only a late payment of a cart near
        // the line limit can leave no room (its stock and its lines both move): the counters
        // then stay high, which can refuse an archive, never let one through.
        if actions.len() + let_go.len() <= MAX_TRANSACTION_WRITES {
            actions.extend(let_go);
        } else {
            tracing::warn!(order_id = %t.order.order_id, "no room for the counters of carts holding its products");
        }
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.any_refused() => {
                let failed = cancelled.refusals();
                if event_index.is_some_and(|i| failed[i]) || refund_index.is_some_and(|i| failed[i]) {
                    return Err(TransitionError::AlreadyApplied);
                }
                if failed[order_index] {
                    return Err(TransitionError::StatusChanged);
                }
                let stock = stock_or_contention(&holds, &failed[stock_start..stock_end]);
                if matches!(stock, TransitionError::OutOfStock(_)) {
                    return Err(stock);
                }
                Err(claims_failure(t.order, &failed[claims_start..]).unwrap_or(stock))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The sale-unit counters and the promo code use an order takes or gives back, in the
/// order `claims_failure` reads them: one counter per sale line, then the code.
pub(super) fn claim_actions(
    table: &str,
    order: &OrderRecord,
    claims: Claims,
    now: DateTime<Utc>,
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
            values.insert(":now".into(), time(now));
            values.insert(":inactive".into(), AttributeValue::Bool(false));
            "attribute_exists(pk) AND (attribute_not_exists(max_uses) OR uses < max_uses) \
             AND (attribute_not_exists(expires_at) OR expires_at > :now) AND (attribute_not_exists(active) OR active <> :inactive)"
        } else {
            "attribute_exists(pk)"
        };
        actions.push(tx::update(table, keys::promo_code(code).item(), "ADD uses :one", Some(condition), values, &[])?);
    }
    Ok(actions)
}

/// Which claim refused a transaction, from the outcomes of the claim actions.
pub(super) fn claims_failure(order: &OrderRecord, failed: &[bool]) -> Option<TransitionError> {
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
    at: DateTime<Utc>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let Some(code) = &order.promo_code else { return Ok(Vec::new()) };
    // Nothing earned (a shop-wide code, or nothing paid for the items): no commission to
    // record, nor to reverse.
    if order.commission_cents == 0 {
        return Ok(Vec::new());
    }
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

/// Why a transaction whose stock actions (one per hold, in order) start `failed` was
/// cancelled: the products whose shards lacked units, or else contention on something else.
pub(super) fn stock_or_contention(holds: &[ShardHold], failed: &[bool]) -> TransitionError {
    let mut short: Vec<String> =
        holds.iter().zip(failed).filter(|(_, failed)| **failed).map(|(hold, _)| hold.product_id.clone()).collect();
    short.dedup();
    if short.is_empty() {
        TransitionError::Contended
    } else {
        TransitionError::OutOfStock(short)
    }
}

impl Store {
    /// Where an order's units can be held again now, from its products' shards as they are.
    async fn holds_again(&self, order: &OrderRecord) -> Result<Vec<ShardHold>, TransitionError> {
        let products = self.products_by_id(&order.product_ids()).await?;
        let mut holds = Vec::new();
        for line in &order.items {
            let units = products.get(&line.product_id).map(|p| p.units()).unwrap_or_default();
            match stock::take(&order.order_id, &line.product_id, line.quantity, &units) {
                Some(taken) => holds.extend(taken),
                None => return Err(TransitionError::OutOfStock(vec![line.product_id.clone()])),
            }
        }
        Ok(holds)
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn to_entry(entry: &HistoryEntry) -> Result<AttributeValue, StoreError> {
    let entry = to_item(entry)?;
    Ok(AttributeValue::L(vec![AttributeValue::M(entry)]))
}
