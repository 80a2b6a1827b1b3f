//! `POST /webhooks/stripe`: `Stripe-Signature` checked on the raw body first (any `v1`,
//! 300 s either way), then the event. Its body is never trusted for the payment: the
//! PaymentIntent is read back from Stripe and only what Stripe holds now moves an order, so
//! a late, repeated or out-of-order event applies the current state once (events are
//! deduplicated by id where they change something). A payment that names nothing of
//! Capsule's is recorded and acknowledged; one whose amount or currency is not the order's
//! is refunded and recorded by the order lifecycle, as for the sandbox.
use lambda_http::Request;
use serde_json::{json, Value};
use shared::config::PaymentProviderKind;
use shared::domain::fulfilment::RefundAsk;
use shared::http::{self, HttpResult};
use shared::orders::{self, Cause, Outcome};
use shared::payments::stripe::transformers::Refund;
use shared::payments::stripe::transformers::{metadata, payment_event, setup_event, TransformError};
use shared::payments::stripe::webhook::{self, EventKind, WebhookError};
use shared::payments::stripe::{IdempotencyKey, StripeError};
use shared::payments::{PaymentError, RefundRequest};
use shared::store::AppliedTo;
use shared::{ApiError, App};

pub(crate) async fn receive(app: &App, req: &Request) -> HttpResult {
    let raw = super::raw_body(req)?;
    // Not this deployment's provider: no Stripe secret signs anything here.
    if app.config.payment_provider != PaymentProviderKind::Stripe {
        tracing::warn!("Stripe webhook refused: Stripe is not the payment provider (PAYMENT_PROVIDER)");
        return Err(ApiError::InvalidSignature);
    }
    let header = req.headers().get(webhook::SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let secret = app.config.secrets.stripe_webhook()?;
    let event = match webhook::construct_event(secret, header, raw, app.clock.now().timestamp()) {
        Ok(event) => event,
        Err(WebhookError::Signature(error)) => {
            tracing::warn!(%error, "Stripe webhook refused: bad signature");
            return Err(ApiError::InvalidSignature);
        }
        Err(WebhookError::Event(error)) => return Err(ApiError::invalid("", error.to_string())),
    };
    // A live event at a test key's endpoint, or a test event at a live one: never this
    // deployment's money. Recorded once, acknowledged (Stripe would only send it again).
    if event.livemode != app.stripe()?.config().live() {
        let first =
            app.store.record_event(&event.id, AppliedTo::Unmatched(&event.id), app.clock.now(), &[], Vec::new());
        let outcome = if first.await? { "livemode_mismatch" } else { "already_processed" };
        tracing::warn!(event_id = %event.id, livemode = event.livemode, outcome, "Stripe event of the other mode refused");
        return http::ok(&json!({"received": true, "outcome": outcome}));
    }
    let outcome = match &event.kind {
        EventKind::PaymentIntentSucceeded(intent) | EventKind::PaymentIntentPaymentFailed(intent) => {
            settle(app, &event.id, &intent.id, &http::base_url(&app.config, req)).await?
        }
        // Stripe.js completes 3-D Secure on the page; the outcome follows as its own event.
        EventKind::PaymentIntentRequiresAction(_) => json!("awaiting_authentication"),
        EventKind::ChargeRefunded(charge) => match &charge.payment_intent {
            Some(intent) => refunded_at_stripe(app, &event.id, intent).await?,
            None => json!("ignored"),
        },
        EventKind::SetupIntentSucceeded(setup) => {
            card_saved(app, &event.id, &setup.id, &http::base_url(&app.config, req)).await?
        }
        EventKind::Other(_) => json!("ignored"),
    };
    tracing::info!(event_id = %event.id, %outcome, "Stripe event processed");
    http::ok(&json!({"received": true, "outcome": outcome}))
}

/// The PaymentIntent as Stripe has it now, applied as the sandbox's outcome would be.
async fn settle(app: &App, event_id: &str, intent_id: &str, base_url: &str) -> Result<Value, ApiError> {
    let intent = match app.stripe()?.retrieve_payment_intent(intent_id).await {
        Ok(intent) => intent,
        // Stripe's `resource_missing` (localstripe says only 404).
        Err(StripeError::InvalidRequest { status, code, .. })
            if status == 404 || code.as_deref() == Some("resource_missing") =>
        {
            return unmatched(app, event_id, intent_id).await;
        }
        // Not decided: 503, and Stripe delivers the event again later.
        Err(error) => return Err(PaymentError::from(error).into()),
    };
    let names_ours = [metadata::ORDER_ID, metadata::SUBSCRIPTION_ID].iter().any(|k| intent.metadata.contains_key(*k));
    if !names_ours {
        return unmatched(app, event_id, intent_id).await;
    }
    match payment_event(event_id, &intent) {
        Ok(event) => super::apply(app, &event, base_url).await,
        // Paid and then refunded, awaiting a new method, processing: no outcome to apply now.
        Err(TransformError::NotSettled(outcome)) => {
            tracing::info!(event_id, intent_id, ?outcome, "Stripe event for a payment not settled now");
            Ok(json!("not_settled"))
        }
        Err(error) => Err(ApiError::Internal(error.to_string())),
    }
}

/// Refunds of an order's PaymentIntent as Stripe has them now. Capsule's own (named by their
/// key) are settled by the outbox that asked for them; each other one (made in Stripe's
/// dashboard) is applied to the order once, under `stripe-<refund id>`, as an operator's
/// partial refund that Stripe already paid back: shown on the order and emailed, never
/// refunded again.
async fn refunded_at_stripe(app: &App, event_id: &str, intent_id: &str) -> Result<Value, ApiError> {
    let stripe = app.stripe()?;
    let intent = match stripe.retrieve_payment_intent(intent_id).await {
        Ok(intent) => intent,
        Err(StripeError::InvalidRequest { status: 404, .. }) => return unmatched(app, event_id, intent_id).await,
        Err(error) => return Err(PaymentError::from(error).into()),
    };
    let Some(order_id) = intent.metadata(metadata::ORDER_ID) else {
        return unmatched(app, event_id, intent_id).await;
    };
    let refunds = stripe.list_refunds(intent_id).await.map_err(PaymentError::from)?;
    let elsewhere =
        refunds.iter().filter(|r| r.status == "succeeded" && !r.metadata.contains_key(metadata::IDEMPOTENCY_KEY));
    let mut recorded = 0;
    for refund in elsewhere {
        let ask = RefundAsk {
            idempotency_key: format!("stripe-{}", refund.id),
            amount_cents: Some(refund.amount),
            lines: Vec::new(),
        };
        let applied = orders::apply(app, &order_id, Cause::RefundedAtProvider(&ask)).await;
        if let Ok(Outcome::Changed(_)) = applied {
            recorded += 1;
        }
        match applied {
            // In the payments ledger too, once (a redelivered event completes what a failure
            // between the two writes left).
            Ok(_) => ledger(app, &order_id, intent_id, refund, ask.idempotency_key).await?,
            // More than the order has left to refund (Capsule refunded it meanwhile): nothing to record.
            Err(ApiError::RefundExceedsPaid(detail)) => {
                tracing::warn!(event_id, order_id, refund_id = %refund.id, %detail, "Stripe refund above what the order has left");
            }
            Err(error) => return Err(error),
        }
    }
    tracing::info!(event_id, order_id, recorded, "charge refunded at Stripe");
    Ok(json!(if recorded > 0 { "refund_recorded" } else { "acknowledged" }))
}

/// A refund made in Stripe's dashboard, in Capsule's payments ledger as Capsule's own are.
async fn ledger(app: &App, order_id: &str, intent_id: &str, refund: &Refund, key: String) -> Result<(), ApiError> {
    let request = RefundRequest {
        payment_id: intent_id.to_string(),
        refund_id: Some(key),
        order_id: Some(order_id.to_string()),
        subscription_id: None,
        // Stripe serves the card kind only (the method registry).
        method_type: "card".to_string(),
        amount_cents: refund.amount,
    };
    Ok(shared::payments::record_refund(app, request, app.clock.now()).await?)
}

/// A subscription's first card, saved by its page's SetupIntent as Stripe has it now: the
/// card attached to the buyer's Customer, then applied as the sandbox page's outcome (its
/// trial starts, or its first charge follows).
async fn card_saved(app: &App, event_id: &str, setup_id: &str, base_url: &str) -> Result<Value, ApiError> {
    let stripe = app.stripe()?;
    let setup = stripe.retrieve_setup_intent(setup_id).await.map_err(PaymentError::from)?;
    if !setup.metadata.contains_key(metadata::SUBSCRIPTION_ID) {
        return unmatched(app, event_id, setup_id).await;
    }
    let event = match setup_event(event_id, &setup) {
        Ok(event) => event,
        Err(TransformError::NotSettled(outcome)) => {
            tracing::info!(event_id, setup_id, ?outcome, "Stripe event for a card not saved now");
            return Ok(json!("not_settled"));
        }
        Err(error) => return Err(ApiError::Internal(error.to_string())),
    };
    let method = setup.payment_method.as_ref().and_then(|m| m.object());
    if let (Some(method), Some(customer)) = (method, &setup.customer) {
        if method.customer.as_ref() != Some(customer) {
            let key = IdempotencyKey::new(format!("attach:{}", method.id)).map_err(PaymentError::from)?;
            stripe.attach_payment_method(&method.id, customer, &key).await.map_err(PaymentError::from)?;
        }
    }
    super::apply(app, &event, base_url).await
}

/// A PaymentIntent Capsule did not create: recorded once under the event, acknowledged.
async fn unmatched(app: &App, event_id: &str, intent_id: &str) -> Result<Value, ApiError> {
    let now = app.clock.now();
    let first = app.store.record_event(event_id, AppliedTo::Unmatched(intent_id), now, &[], Vec::new()).await?;
    tracing::warn!(event_id, intent_id, first, "Stripe event for an unknown PaymentIntent");
    Ok(json!(if first { "unknown_payment" } else { "already_processed" }))
}
