//! `POST /webhooks/payments`: the provider's signed outcome of a payment, applied exactly
//! once whatever the order of arrival or the number of copies (the order lifecycle decides
//! what it does; its effects are recorded with it).
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::http::{self, HttpResult, Route, MAX_BODY_BYTES};
use shared::orders::{self, Cause, Outcome};
use shared::payments::{signature, PaymentEvent, PaymentEventKind};
use shared::subscriptions;
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve_only(&req, Route::PaymentWebhook, || receive(app, &req)).await
}

async fn receive(app: &App, req: &Request) -> HttpResult {
    let raw: &[u8] = req.body().as_ref();
    if raw.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    // Nothing is parsed, and nothing written, before the signature holds.
    let header = req.headers().get(signature::HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !signature::verify(app.config.secrets.payment_webhook()?, header, raw, app.clock.now().timestamp()) {
        tracing::warn!("webhook refused: bad signature");
        return Err(ApiError::InvalidSignature);
    }
    let event = PaymentEvent::from_json(raw)?;
    if event.subscription_id.is_some() {
        let outcome = subscriptions::apply_payment(app, &event).await?;
        tracing::info!(event_id = %event.event_id, subscription_id = ?event.subscription_id, ?outcome, "payment event processed");
        return http::ok(&json!({"received": true, "outcome": outcome}));
    }
    let Some(order_id) = event.order_id.clone() else {
        return Err(ApiError::invalid("/order_id", "the event names no order and no subscription"));
    };
    let outcome = match orders::apply(app, &order_id, Cause::Payment(&event)).await? {
        Outcome::Changed(order) => order.status.as_str(),
        Outcome::Refunded => "refunded",
        Outcome::AlreadyApplied => "already_processed",
        Outcome::Recorded => "ignored",
        Outcome::UnknownOrder => "unknown_order",
        Outcome::Mismatch => "amount_mismatch",
        // A copy of the payment that paid it; a failure after the order moved on.
        Outcome::Unchanged(_) if event.kind == PaymentEventKind::Succeeded => "already_processed",
        Outcome::Unchanged(_) | Outcome::Refused(_) => "ignored",
    };
    tracing::info!(event_id = %event.event_id, order_id = %order_id, outcome, "payment event processed");
    http::ok(&json!({"received": true, "outcome": outcome}))
}
