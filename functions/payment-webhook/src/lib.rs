//! `POST /webhooks/payments`: the provider's signed outcome of a payment, applied exactly
//! once whatever the order of arrival or the number of copies (the order lifecycle decides
//! what it does; its effects are recorded with it). `POST /webhooks/stripe` (`stripe`):
//! Stripe's events, turned into the same outcome and applied by the same code.
mod stripe;

use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use shared::http::{self, route_key, HttpResult, Route, MAX_BODY_BYTES};
use shared::orders::{self, Cause, Outcome};
use shared::payments::{signature, PaymentEvent, PaymentEventKind};
use shared::subscriptions;
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let req = &req;
    http::serve(req, |route| async move {
        match route {
            Route::PaymentWebhook => receive(app, req).await,
            Route::StripeWebhook => stripe::receive(app, req).await,
            _ => Err(ApiError::RouteNotFound(route_key(req))),
        }
    })
    .await
}

/// The raw body, refused when larger than any event.
fn raw_body(req: &Request) -> Result<&[u8], ApiError> {
    let raw: &[u8] = req.body().as_ref();
    match raw.len() > MAX_BODY_BYTES {
        true => Err(ApiError::PayloadTooLarge),
        false => Ok(raw),
    }
}

async fn receive(app: &App, req: &Request) -> HttpResult {
    let raw = raw_body(req)?;
    // Nothing is parsed, and nothing written, before the signature holds.
    let header = req.headers().get(signature::HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !signature::verify(app.config.secrets.payment_webhook()?, header, raw, app.clock.now().timestamp()) {
        tracing::warn!("webhook refused: bad signature");
        return Err(ApiError::InvalidSignature);
    }
    let event = PaymentEvent::from_json(raw)?;
    let outcome = apply(app, &event, &http::base_url(&app.config, req)).await?;
    http::ok(&json!({"received": true, "outcome": outcome}))
}

/// A provider's outcome applied to what it paid: a subscription's charge, or an order
/// through its lifecycle (`base_url`: where the API's pages are reached). What the outcome
/// did, as the webhook answers it.
async fn apply(app: &App, event: &PaymentEvent, base_url: &str) -> Result<Value, ApiError> {
    if event.subscription_id.is_some() {
        let outcome = subscriptions::apply_payment(app, event, base_url).await?;
        tracing::info!(event_id = %event.event_id, subscription_id = ?event.subscription_id, ?outcome, "payment event processed");
        return Ok(json!(outcome));
    }
    let Some(order_id) = event.order_id.clone() else {
        return Err(ApiError::invalid("/order_id", "the event names no order and no subscription"));
    };
    let outcome = match orders::apply(app, &order_id, Cause::Payment(event)).await? {
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
    Ok(json!(outcome))
}
