//! Applying the order lifecycle (`domain::lifecycle`): the webhook, cancellation and the
//! expiry job name what happened; this reads the order, asks the lifecycle for the plan,
//! and applies the plan as one transaction conditional on the order's status, with every
//! effect (email, bus event, refund) recorded in the outbox in that same transaction and
//! delivered right after it (the relay delivers whatever that misses).
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::domain::fulfilment::{FulfilmentStep, RefundAsk};
use crate::domain::lifecycle::{self, BusEvent, CartMove, Decision, Notice, OrderEvent, Plan, Refusal, StockMove};
use crate::domain::order::{OrderStatus, PaymentStatus, RefundStatus};
use crate::domain::settings::Settings;
use crate::http::error::ApiError;
use crate::notify::{templates, Voice};
use crate::outbox::{self, Effect, Outbox};
use crate::payments::{PaymentEvent, PaymentEventKind, RefundRequest};
use crate::retry::{self, Attempt};
use crate::saved_methods;
use crate::store::{
    AppliedTo, CartRecord, CartWrite, OrderRecord, PaymentRecord, RefundRecord, Transition, TransitionError, Write,
};
use crate::App;

mod next;

/// What happened to the order, with what the change needs to know of it.
#[derive(Clone, Copy)]
pub enum Cause<'a> {
    /// The provider's signed outcome of a payment.
    Payment(&'a PaymentEvent),
    HoldExpired,
    /// The buyer `by` (a user id) asked to cancel; another user's order is not found.
    Cancel {
        by: &'a str,
    },
    /// An operator cancels: the buyer's window does not apply, shipping still does.
    OperatorCancel,
    /// An operator's fulfilment step.
    Fulfil(&'a FulfilmentStep),
    /// An operator's partial refund.
    Refund(&'a RefundAsk),
    /// A refund the provider already made (Stripe's dashboard): recorded and told as an
    /// operator's partial refund, never refunded again.
    RefundedAtProvider(&'a RefundAsk),
}

#[derive(Debug)]
pub enum Outcome {
    /// The order after the change.
    Changed(Box<OrderRecord>),
    /// Money the order could not take was recorded and is being refunded.
    Refunded,
    /// Nothing to change; the order as it is.
    Unchanged(Box<OrderRecord>),
    /// This payment event was applied before.
    AlreadyApplied,
    /// A payment event that changes nothing (it took no money) was recorded.
    Recorded,
    /// A payment for an order Capsule does not have: recorded, refunded if it took money.
    UnknownOrder,
    /// A payment whose amount or currency is not the order's: recorded and refunded.
    Mismatch,
    Refused(Refusal),
}

impl Outcome {
    /// The record of an event for an unknown order, as such (a replay stays "applied before").
    fn unknown(self) -> Self {
        match self {
            Self::AlreadyApplied => self,
            _ => Self::UnknownOrder,
        }
    }

    fn mismatch(self) -> Self {
        match self {
            Self::AlreadyApplied => self,
            _ => Self::Mismatch,
        }
    }
}

/// Applies what happened to an order, exactly once.
pub async fn apply(app: &App, order_id: &str, cause: Cause<'_>) -> Result<Outcome, ApiError> {
    let started = std::time::Instant::now();
    let attempts = std::sync::atomic::AtomicU32::new(0);
    let applied = retry::contended(retry::CONTENDED, || {
        attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        attempt(app, order_id, cause)
    })
    .await?;
    // Lost races (the cart, a concurrent change of the order) cost whole rounds of reads and a write:
    // how many, and how long the change took, tell a slow outcome's cause.
    let attempts = attempts.into_inner();
    if attempts > 1 {
        tracing::info!(order_id, attempts, ms = started.elapsed().as_millis() as u64, "order change contended");
    }
    applied.ok_or_else(|| ApiError::Busy(format!("order {order_id} kept changing")))
}

async fn attempt(app: &App, order_id: &str, cause: Cause<'_>) -> Result<Attempt<Outcome>, ApiError> {
    let now = app.clock.now();
    let order = app.store.order(order_id).await?.filter(|o| !matches!(cause, Cause::Cancel { by } if by != o.user_id));
    let order = match (order, cause) {
        (Some(order), _) => order,
        // The provider's news of an order Capsule does not have: recorded (and its money
        // refunded) once, and acknowledged, so that it is not redelivered forever.
        (None, Cause::Payment(payment)) => {
            return refund_payment(app, payment, order_id, None, now).await.map(|o| Attempt::Done(o.unknown()));
        }
        (None, _) => return Err(ApiError::not_found("order")),
    };
    if let Cause::Payment(payment) = cause {
        if payment.amount_cents != order.total_cents || payment.currency != order.currency {
            tracing::warn!(
                order_id = %order.order_id,
                event_id = %payment.event_id,
                amount_cents = payment.amount_cents,
                currency = %payment.currency,
                "payment refused: its amount or currency is not the order's"
            );
            return refund_payment(app, payment, order_id, None, now).await.map(|o| Attempt::Done(o.mismatch()));
        }
    }
    let event = match cause {
        Cause::Payment(payment) => match payment.kind {
            PaymentEventKind::Succeeded => OrderEvent::PaymentSucceeded {
                same_payment: order.payment_id.as_deref() == Some(payment.payment_id.as_str()),
            },
            PaymentEventKind::Failed => OrderEvent::PaymentFailed,
        },
        Cause::HoldExpired => OrderEvent::HoldExpired,
        Cause::Cancel { .. } => OrderEvent::CancelRequested {
            within_window: within_cancellation_window(app, &order, now).await?,
            shipped: has_left(&order),
            refund_pending: order.refund_status == Some(RefundStatus::Pending),
        },
        Cause::OperatorCancel => OrderEvent::CancelRequested {
            within_window: true,
            shipped: has_left(&order),
            refund_pending: order.refund_status == Some(RefundStatus::Pending),
        },
        Cause::Fulfil(step) => OrderEvent::Fulfil {
            from: order.fulfilment.as_ref().map(|f| f.status),
            to: step.status(),
            pickup: matches!(order.delivery, crate::domain::order::Delivery::Pickup { .. }),
        },
        Cause::Refund(_) | Cause::RefundedAtProvider(_) => OrderEvent::RefundRequested,
    };
    match lifecycle::plan(order.status, event) {
        Decision::Ignore => Ok(Attempt::Done(Outcome::Unchanged(Box::new(order)))),
        Decision::Refuse(refusal) => Ok(Attempt::Done(Outcome::Refused(refusal))),
        Decision::RefundPayment => match cause {
            Cause::Payment(payment) => late(app, payment, &order, now).await.map(Attempt::Done),
            _ => Err(ApiError::Internal("a refund of a payment without a payment".into())),
        },
        Decision::Apply(plan) => apply_plan(app, order, plan, cause, now).await,
    }
}

fn has_left(order: &OrderRecord) -> bool {
    order.fulfilment.as_ref().is_some_and(|f| f.status.has_left())
}

async fn within_cancellation_window(app: &App, order: &OrderRecord, now: DateTime<Utc>) -> Result<bool, ApiError> {
    if order.status != OrderStatus::Paid {
        return Ok(true);
    }
    let paid_at = order.paid_at.ok_or_else(|| ApiError::Internal("paid order without paid_at".into()))?;
    let window = app.store.settings().await?.cancellation_window_minutes;
    Ok(now <= paid_at + Duration::minutes(window))
}

async fn apply_plan(
    app: &App,
    order: OrderRecord,
    plan: Plan,
    cause: Cause<'_>,
    now: DateTime<Utc>,
) -> Result<Attempt<Outcome>, ApiError> {
    let payment = match cause {
        Cause::Payment(payment) => Some(payment),
        _ => None,
    };
    let next = order.apply(&plan, cause, now)?;
    let after = next.change.applied_to(&order);
    let cart = cart_after(app, &order, plan.cart, now).await?;
    let (effects, with) = follow_ups(app, &order, &after, &plan, payment, next.refund.as_ref(), now).await?;
    let transition = Transition {
        order: &order,
        change: &next.change,
        stock: plan.stock,
        cart,
        event_id: payment.map(|p| p.event_id.as_str()),
        payments: payment.map(|p| payment_record(p, plan.to, now)).into_iter().collect(),
        claims: plan.claims.into(),
        commission: plan.commission,
        returned: next.returned.map(|r| r.released).unwrap_or_default(),
        refund_record: next.refund.as_ref().map(crate::store::to_item).transpose()?,
        with,
    };
    match app.store.apply(transition).await {
        Ok(()) => {}
        Err(TransitionError::AlreadyApplied) => return Ok(Attempt::Done(Outcome::AlreadyApplied)),
        // The units of a late payment are gone: the money goes back.
        Err(TransitionError::OutOfStock(_)) if plan.stock == StockMove::Hold => {
            return match payment {
                Some(payment) => late(app, payment, &order, now).await.map(Attempt::Done),
                None => Err(ApiError::Internal("a hold without a payment".into())),
            };
        }
        Err(TransitionError::Store(e)) => return Err(e.into()),
        Err(_) => return Ok(Attempt::Again),
    }
    log_move(&order, &after);
    outbox::deliver_now(app, &effects).await;
    // The order as written; read again only when its refund, delivered just now, marked it.
    let changed = match plan.refund {
        true => app.store.order(&order.order_id).await?.ok_or_else(|| ApiError::not_found("order"))?,
        false => after,
    };
    Ok(Attempt::Done(Outcome::Changed(Box::new(changed))))
}

/// What is written with a move besides the order: its effects in the outbox (returned to
/// be delivered once it is written) and the method a payment saves.
async fn follow_ups(
    app: &App,
    order: &OrderRecord,
    after: &OrderRecord,
    plan: &Plan,
    payment: Option<&PaymentEvent>,
    refund: Option<&RefundRecord>,
    now: DateTime<Utc>,
) -> Result<(Vec<Outbox>, Vec<Write>), ApiError> {
    let saving = match (plan.to, payment) {
        (OrderStatus::Paid, Some(payment)) => {
            saved_methods::saving(app, &order.user_id, &order.email, order.locale, payment, now).await?
        }
        _ => None,
    };
    // The shop's settings only for an email (a function that sends none need not read them).
    let settings = match plan.notices.is_empty() {
        true => Settings::default(),
        false => app.store.settings().await?,
    };
    let voice = Voice { shop: &settings, locale: after.locale };
    let mut effects = effects(&voice, after, plan, payment, refund, now)?;
    let mut writes = Vec::new();
    if let Some(saving) = saving {
        writes.push(saving.write(app.store.table())?);
        effects.extend(saving.effects);
    }
    writes.extend(outbox::puts(app, &effects)?);
    Ok((effects, writes))
}

fn log_move(order: &OrderRecord, after: &OrderRecord) {
    tracing::info!(
        order_id = %order.order_id,
        user_id = %order.user_id,
        from = order.status.as_str(),
        to = after.status.as_str(),
        "order changed"
    );
    if after.status == OrderStatus::Paid {
        tracing::info!(
            order_id = %after.order_id,
            user_id = %after.user_id,
            total_cents = after.total_cents,
            "order received"
        );
    }
}

/// The emails, bus events and refund a plan causes, rendered from the order after it.
fn effects(
    voice: &Voice,
    after: &OrderRecord,
    plan: &Plan,
    payment: Option<&PaymentEvent>,
    refund: Option<&RefundRecord>,
    now: DateTime<Utc>,
) -> Result<Vec<Outbox>, ApiError> {
    let cause = format!("order:{}", after.order_id);
    let mut effects = Vec::new();
    for notice in &plan.notices {
        let email = match notice {
            Notice::PaymentFailed => {
                templates::payment_failed(voice, after, payment.and_then(|p| p.failure_reason.as_deref()))
            }
            Notice::Cancelled { refunded } => templates::order_cancelled(voice, after, *refunded),
            Notice::Fulfilment(_) => templates::fulfilment(voice, after),
            Notice::Refunded => templates::partly_refunded(voice, after, refund.map_or(0, |r| r.refunded_cents)),
        };
        effects.push(Outbox::new(&cause, Effect::Email { email }, now));
    }
    for event in &plan.events {
        let (detail_type, detail) = match event {
            BusEvent::OrderCancelled { refunded } => (
                "OrderCancelled",
                json!({
                    "order_id": after.order_id,
                    "user_id": after.user_id,
                    "refunded": refunded,
                    "promo_code": after.promo_code,
                }),
            ),
        };
        effects.push(Outbox::new(&cause, Effect::Event { detail_type: detail_type.into(), detail }, now));
    }
    // A cancellation refunds what operators did not refund before; a partial refund its amount.
    let refund = match (plan.refund, refund) {
        (true, _) => Some((None, after.total_cents - (after.refunded_cents))),
        (false, Some(record)) if !record.at_provider => Some((Some(record.refund_id.clone()), record.refunded_cents)),
        (false, _) => None,
    };
    if let Some((refund_id, amount_cents)) = refund.filter(|(_, amount)| *amount > 0) {
        let (Some(payment_id), Some(method)) = (&after.payment_id, &after.payment) else {
            return Err(ApiError::Internal("paid order without its payment".into()));
        };
        let request = RefundRequest {
            payment_id: payment_id.clone(),
            refund_id,
            order_id: Some(after.order_id.clone()),
            subscription_id: None,
            method_type: method.method_type.clone(),
            amount_cents,
        };
        effects.push(Outbox::new(&cause, Effect::Refund { request, settles_order: plan.refund }, now));
    }
    Ok(effects)
}

/// The cart as the plan leaves it. A pending order's cart is the one it locked: written
/// on that lock without a read; otherwise read and written only if its version did not move.
async fn cart_after(
    app: &App,
    order: &OrderRecord,
    change: CartMove,
    now: DateTime<Utc>,
) -> Result<CartWrite, ApiError> {
    match (change, order.status) {
        (CartMove::Keep, _) => return Ok(CartWrite::None),
        (CartMove::Empty, OrderStatus::PendingPayment) => return Ok(CartWrite::EmptyLocked),
        (CartMove::Unlock, OrderStatus::PendingPayment) => return Ok(CartWrite::UnlockLocked),
        _ => {}
    }
    let Some(mut cart) = app.store.cart(&order.user_id).await? else { return Ok(CartWrite::None) };
    let locked_by_this = cart.checkout_order_id.as_deref() == Some(order.order_id.as_str());
    let before = cart.lines.clone();
    match change {
        CartMove::Keep => return Ok(CartWrite::None),
        CartMove::Empty if locked_by_this => {
            let version = cart.version;
            cart = CartRecord::empty(&order.user_id, now);
            cart.version = version;
        }
        CartMove::Unlock if locked_by_this => cart.checkout_order_id = None,
        CartMove::RemovePaidLines if cart.checkout_order_id.is_none() => {
            for (product_id, paid) in order.holds() {
                let left = cart.quantity_of(&product_id).saturating_sub(paid);
                cart.set_quantity(&product_id, left);
            }
        }
        _ => return Ok(CartWrite::None),
    }
    cart.touch(now);
    Ok(CartWrite::Put(Box::new(cart), before))
}

fn payment_record(event: &PaymentEvent, to: OrderStatus, at: DateTime<Utc>) -> PaymentRecord {
    let status = if to == OrderStatus::PaymentFailed { PaymentStatus::Failed } else { PaymentStatus::Succeeded };
    let mut record = PaymentRecord::new(&event.payment_id, &event.method.method_type, event.amount_cents, status, at);
    record.order_id = event.order_id.clone();
    record.decline_code = event.decline_code.clone();
    record
}

/// Money arrived for an order that cannot take it (cancelled, failed, paid by another
/// payment, or its units are gone): refunded, and the buyer told.
async fn late(app: &App, payment: &PaymentEvent, order: &OrderRecord, now: DateTime<Utc>) -> Result<Outcome, ApiError> {
    let settings = app.store.settings().await?;
    let email =
        templates::late_payment_refunded(&Voice { shop: &settings, locale: order.locale }, order, payment.amount_cents);
    refund_payment(app, payment, &order.order_id, Some(email), now).await
}

/// Records a payment event that changes no order, once: the payment with, when it took
/// money, its refund (and `email` to the buyer).
async fn refund_payment(
    app: &App,
    payment: &PaymentEvent,
    order_id: &str,
    email: Option<crate::notify::EmailMessage>,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let cause = format!("order:{order_id}");
    let took_money = payment.kind == PaymentEventKind::Succeeded;
    let mut effects = Vec::new();
    if took_money {
        let request = RefundRequest {
            payment_id: payment.payment_id.clone(),
            refund_id: None,
            order_id: Some(order_id.to_string()),
            subscription_id: None,
            method_type: payment.method.method_type.clone(),
            amount_cents: payment.amount_cents,
        };
        effects.push(Outbox::new(&cause, Effect::Refund { request, settles_order: false }, now));
        if let Some(email) = email {
            effects.push(Outbox::new(&cause, Effect::Email { email }, now));
        }
    }
    let outbox = outbox::puts(app, &effects)?;
    let status = if took_money { OrderStatus::Paid } else { OrderStatus::PaymentFailed };
    let record = payment_record(payment, status, now);
    if !app.store.record_event(&payment.event_id, AppliedTo::Order(order_id), now, &[record], outbox).await? {
        return Ok(Outcome::AlreadyApplied);
    }
    if took_money {
        tracing::warn!(order_id = %order_id, payment_id = %payment.payment_id, "payment refunded: the order could not take it");
    }
    outbox::deliver_now(app, &effects).await;
    Ok(if took_money { Outcome::Refunded } else { Outcome::Recorded })
}
