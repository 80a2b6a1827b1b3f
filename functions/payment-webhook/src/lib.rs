//! `POST /webhooks/payments`: the provider's signed outcome of a payment, applied exactly
//! once whatever the order of arrival or the number of copies.
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Datelike, Duration};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::clock::rfc3339;
use shared::domain::order::OrderPayment;
use shared::domain::order::OrderStatus;
use shared::http::{self, route_key, HttpResult, MAX_BODY_BYTES};
use shared::notify::templates;
use shared::orders::{release_pending, Released};
use shared::payments::{self, signature, PaymentEvent, PaymentEventKind, RefundRequest};
use shared::store::{
    CartRecord, Claims, CommissionChange, OrderRecord, PaymentRecord, StockChange, Transition, TransitionError,
};
use shared::{ApiError, App};

/// Payments landing together contend for the year's invoice counter: each retry waits a
/// little, at random, so they spread out instead of colliding again.
const MAX_ATTEMPTS: usize = 40;
/// An event whose effects were not marked done this long after it was applied is taken
/// to have lost its applier, and a redelivery sends the effects.
const EFFECTS_STALE_SECONDS: i64 = 30;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::respond(match route_key(&req).as_str() {
        "POST /webhooks/payments" => receive(app, &req).await,
        other => Err(ApiError::RouteNotFound(other.to_string())),
    })
}

async fn receive(app: &App, req: &Request) -> HttpResult {
    let raw: &[u8] = req.body().as_ref();
    if raw.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    // Nothing is parsed, and nothing written, before the signature holds.
    let header = req.headers().get(signature::HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !signature::verify(&app.config.webhook_secret, header, raw, app.clock.now().timestamp()) {
        tracing::warn!("webhook refused: bad signature");
        return Err(ApiError::InvalidSignature);
    }
    let event: PaymentEvent =
        serde_json::from_slice(raw).map_err(|e| ApiError::invalid(format!("not a payment event: {e}")))?;
    let Some(order_id) = event.order_id.clone() else {
        return Err(ApiError::invalid("the event names no order"));
    };
    let outcome = match event.kind {
        PaymentEventKind::Succeeded => succeeded(app, &event, &order_id).await?,
        PaymentEventKind::Failed => failed(app, &event, &order_id).await?,
    };
    tracing::info!(event_id = %event.event_id, order_id = %order_id, outcome, "payment event processed");
    http::ok(&json!({"received": true, "outcome": outcome}))
}

fn payment_record(event: &PaymentEvent, status: &str, at: &str) -> PaymentRecord {
    let mut record = PaymentRecord::new(&event.payment_id, &event.method.method_type, event.amount_cents, status, at);
    record.order_id = event.order_id.clone();
    record
}

async fn succeeded(app: &App, event: &PaymentEvent, order_id: &str) -> Result<&'static str, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let order = app.store.order(order_id).await?.ok_or_else(|| ApiError::not_found("order"))?;
        let now_at = app.clock.now();
        let now = rfc3339(now_at);
        let (stock, claims, cart) = match order.status {
            OrderStatus::PendingPayment => (StockChange::None, Claims::None, paid_cart(app, &order, &now).await?),
            // The hold was released: the payment is honoured if the units can be held again.
            OrderStatus::Expired => (StockChange::Hold, Claims::Retake, late_paid_cart(app, &order, &now).await?),
            _ => return refund_unwanted(app, event, &order, &now).await,
        };
        let year = now_at.year();
        let transition = Transition {
            order: &order,
            to: OrderStatus::Paid,
            at: &now,
            set: vec![
                ("paid_at", AttributeValue::S(now.clone())),
                ("payment_id", AttributeValue::S(event.payment_id.clone())),
                ("payment", AttributeValue::M(shared::store::to_item(&OrderPayment::from(&event.method))?)),
            ],
            stock,
            cart,
            event_id: Some(&event.event_id),
            invoice: Some((year, app.store.invoice_counter(year).await?)),
            payments: vec![payment_record(event, "succeeded", &now)],
            claims,
            commission: CommissionChange::Earn,
        };
        match app.store.apply(transition).await {
            Ok(()) => {
                let paid = app.store.order(order_id).await?.ok_or_else(|| ApiError::not_found("order"))?;
                if stock == StockChange::Hold {
                    shared::stock::check_alerts(app, &paid.product_ids()).await;
                }
                announce(app, event, &paid).await?;
                return Ok("paid");
            }
            Err(TransitionError::AlreadyApplied) => return replayed(app, event).await,
            Err(TransitionError::OutOfStock(_)) => return refund_unwanted(app, event, &order, &now).await,
            Err(TransitionError::Store(e)) => return Err(e.into()),
            Err(_) => {
                let pause = rand::random::<u64>() % 40 + 10;
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
        }
    }
    Err(ApiError::Internal(format!("order {order_id} kept changing while being paid")))
}

/// The cart after a payment: emptied (a fresh cart) if this order locked it.
async fn paid_cart(app: &App, order: &OrderRecord, now: &str) -> Result<Option<CartRecord>, ApiError> {
    let cart = app.store.cart(&order.user_id).await?;
    Ok(cart.filter(|c| c.checkout_order_id.as_deref() == Some(order.order_id.as_str())).map(|old| {
        let mut fresh = CartRecord::empty(&order.user_id, now);
        fresh.version = old.version;
        fresh.touch(now);
        fresh
    }))
}

/// After a late payment the paid units leave the cart they had returned to.
async fn late_paid_cart(app: &App, order: &OrderRecord, now: &str) -> Result<Option<CartRecord>, ApiError> {
    let Some(mut cart) = app.store.cart(&order.user_id).await?.filter(|c| c.checkout_order_id.is_none()) else {
        return Ok(None);
    };
    for (product_id, paid) in order.holds() {
        let left = cart.quantity_of(&product_id).saturating_sub(paid);
        cart.set_quantity(&product_id, left);
    }
    cart.touch(now);
    Ok(Some(cart))
}

/// Money arrived for an order that cannot take it (cancelled, already paid, or its units
/// are gone): it is recorded, refunded and the buyer told.
async fn refund_unwanted(
    app: &App,
    event: &PaymentEvent,
    order: &OrderRecord,
    now: &str,
) -> Result<&'static str, ApiError> {
    if order.payment_id.as_deref() == Some(event.payment_id.as_str()) {
        return replayed(app, event).await;
    }
    if !app
        .store
        .record_event(&event.event_id, &order.order_id, now, &[payment_record(event, "succeeded", now)])
        .await?
    {
        return replayed(app, event).await;
    }
    refund_and_tell(app, event, order, now).await?;
    app.store.mark_event_effects_done(&event.event_id).await?;
    Ok("refunded")
}

async fn refund_and_tell(app: &App, event: &PaymentEvent, order: &OrderRecord, now: &str) -> Result<(), ApiError> {
    let refund = RefundRequest {
        payment_id: event.payment_id.clone(),
        order_id: Some(order.order_id.clone()),
        method_type: event.method.method_type.clone(),
        amount_cents: event.amount_cents,
    };
    payments::provider().refund(app, refund, now).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    tracing::warn!(order_id = %order.order_id, payment_id = %event.payment_id, "payment refunded: the order could not take it");
    app.notifier
        .queue_email(&templates::late_payment_refunded(order, event.amount_cents))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn failed(app: &App, event: &PaymentEvent, order_id: &str) -> Result<&'static str, ApiError> {
    let now = rfc3339(app.clock.now());
    let record = payment_record(event, "failed", &now);
    match release_pending(app, order_id, OrderStatus::PaymentFailed, Some(&event.event_id), vec![record]).await? {
        Released::Done(order) => {
            announce(app, event, &order).await?;
            Ok("payment_failed")
        }
        Released::AlreadyApplied => replayed(app, event).await,
        // A failure arriving after the order moved on (paid, expired, cancelled) changes nothing.
        Released::NotPending => Ok("ignored"),
    }
}

/// What follows an applied change: the log line, the event, the email. Marked done on the
/// event record, so a redelivery after a crash here sends them, and only then.
async fn announce(app: &App, event: &PaymentEvent, order: &OrderRecord) -> Result<(), ApiError> {
    let internal = |e: shared::notify::NotifyError| ApiError::Internal(e.to_string());
    match order.status {
        OrderStatus::Paid => {
            tracing::info!(
                order_id = %order.order_id,
                user_id = %order.user_id,
                total_cents = order.total_cents,
                invoice_number = order.invoice_number.as_deref().unwrap_or_default(),
                "order received"
            );
            let detail = json!({
                "order_id": order.order_id,
                "user_id": order.user_id,
                "invoice_number": order.invoice_number,
                "total_cents": order.total_cents,
                "currency": order.currency,
                "promo_code": order.promo_code,
                "commission_cents": order.commission_cents,
                "items": order.items.iter().map(|l| json!({"product_id": l.product_id, "quantity": l.quantity})).collect::<Vec<_>>(),
            });
            app.notifier.publish("OrderPaid", &detail).await.map_err(internal)?;
            app.notifier.queue_email(&templates::invoice(order)).await.map_err(internal)?;
        }
        OrderStatus::PaymentFailed => {
            app.notifier
                .queue_email(&templates::payment_failed(order, event.failure_reason.as_deref()))
                .await
                .map_err(internal)?;
        }
        _ => {}
    }
    app.store.mark_event_effects_done(&event.event_id).await?;
    Ok(())
}

/// A copy of an applied event: nothing changes, unless the first applier died before its
/// effects went out, in which case this copy sends them.
async fn replayed(app: &App, event: &PaymentEvent) -> Result<&'static str, ApiError> {
    let now_at = app.clock.now();
    let stale_before = rfc3339(now_at - Duration::seconds(EFFECTS_STALE_SECONDS));
    if !app.store.claim_event_effects(&event.event_id, &rfc3339(now_at), &stale_before).await? {
        return Ok("already_processed");
    }
    let Some(order_id) = event.order_id.as_deref() else { return Ok("already_processed") };
    let order = app.store.order(order_id).await?.ok_or_else(|| ApiError::not_found("order"))?;
    let ours = order.payment_id.as_deref() == Some(event.payment_id.as_str());
    match (event.kind, order.status) {
        (PaymentEventKind::Succeeded, OrderStatus::Paid) if ours => announce(app, event, &order).await?,
        (PaymentEventKind::Failed, OrderStatus::PaymentFailed) => announce(app, event, &order).await?,
        (PaymentEventKind::Succeeded, _) if !ours => {
            refund_and_tell(app, event, &order, &rfc3339(now_at)).await?;
            app.store.mark_event_effects_done(&event.event_id).await?;
        }
        _ => app.store.mark_event_effects_done(&event.event_id).await?,
    }
    Ok("effects_resent")
}
