//! `POST /orders/{order_id}/cancel`: a pending order is released at once; a paid one,
//! within the admin's cancellation window, is refunded and its units go back on sale.
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::clock::rfc3339;
use shared::domain::order::OrderStatus;
use shared::http::{self, path_param, route_key, Caller, HttpResult};
use shared::notify::templates;
use shared::orders::{release_pending, Released};
use shared::payments::{self, RefundRequest};
use shared::store::{Claims, CommissionChange, OrderRecord, StockChange, Transition, TransitionError};
use shared::{ApiError, App};

const MAX_ATTEMPTS: usize = 5;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::respond(match route_key(&req).as_str() {
        "POST /orders/{order_id}/cancel" => cancel(app, &req).await,
        other => Err(ApiError::RouteNotFound(other.to_string())),
    })
}

async fn own_order(app: &App, caller: &Caller, order_id: &str) -> Result<OrderRecord, ApiError> {
    app.store.order(order_id).await?.filter(|o| o.user_id == caller.user_id).ok_or_else(|| ApiError::not_found("order"))
}

async fn cancel(app: &App, req: &Request) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let order_id = path_param(req, "order_id")?;
    for _ in 0..MAX_ATTEMPTS {
        let order = own_order(app, &caller, &order_id).await?;
        match order.status {
            OrderStatus::PendingPayment => {
                match release_pending(app, &order_id, OrderStatus::Cancelled, None, vec![]).await? {
                    Released::Done(cancelled) => {
                        announce(app, &cancelled, false).await?;
                        return http::ok(&cancelled.order);
                    }
                    // Paid or expired meanwhile: look again.
                    _ => continue,
                }
            }
            OrderStatus::Paid => {
                if let Some(cancelled) = cancel_paid(app, &order).await? {
                    return http::ok(&cancelled.order);
                }
            }
            // A cancellation whose refund did not go through finishes it.
            OrderStatus::Cancelled if order.refund_status.as_deref() == Some("pending") => {
                let refunded = refund(app, &order).await?;
                return http::ok(&refunded.order);
            }
            _ => return Err(ApiError::NotCancellable),
        }
    }
    Err(ApiError::Internal(format!("order {order_id} kept changing during cancellation")))
}

/// `None` when the order changed meanwhile (the caller looks again).
async fn cancel_paid(app: &App, order: &OrderRecord) -> Result<Option<OrderRecord>, ApiError> {
    let settings = app.store.settings().await?;
    let now_at = app.clock.now();
    let paid_at = order
        .paid_at
        .as_deref()
        .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
        .map(|p| p.with_timezone(&Utc))
        .ok_or_else(|| ApiError::Internal("paid order without paid_at".into()))?;
    if now_at > paid_at + Duration::minutes(settings.cancellation_window_minutes) {
        return Err(ApiError::CancellationWindowElapsed);
    }
    let now = rfc3339(now_at);
    let transition = Transition {
        order,
        to: OrderStatus::Cancelled,
        at: &now,
        set: vec![
            ("cancelled_at", AttributeValue::S(now.clone())),
            ("refund_status", AttributeValue::S("pending".into())),
        ],
        stock: StockChange::Release,
        cart: None,
        event_id: None,
        invoice: None,
        payments: vec![],
        claims: Claims::GiveBack,
        commission: CommissionChange::Reverse,
    };
    match app.store.apply(transition).await {
        Ok(()) => {}
        Err(TransitionError::Store(e)) => return Err(e.into()),
        Err(_) => return Ok(None),
    }
    let cancelled = app.store.order(&order.order_id).await?.ok_or_else(|| ApiError::not_found("order"))?;
    shared::stock::check_alerts(app, &cancelled.product_ids()).await;
    tracing::info!(order_id = %order.order_id, user_id = %order.user_id, "paid order cancelled; stock back on sale");
    let refunded = refund(app, &cancelled).await?;
    announce(app, &refunded, true).await?;
    Ok(Some(refunded))
}

async fn refund(app: &App, order: &OrderRecord) -> Result<OrderRecord, ApiError> {
    let (Some(payment_id), Some(payment)) = (&order.payment_id, &order.payment) else {
        return Err(ApiError::Internal("paid order without its payment".into()));
    };
    let request = RefundRequest {
        payment_id: payment_id.clone(),
        order_id: Some(order.order_id.clone()),
        method_type: payment.method_type.clone(),
        amount_cents: order.total_cents,
    };
    let now = rfc3339(app.clock.now());
    payments::provider().refund(app, request, &now).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    app.store
        .client()
        .update_item()
        .table_name(app.store.table())
        .set_key(Some(shared::store::keys::order(&order.order_id).item()))
        .update_expression("SET refund_status = :refunded")
        .expression_attribute_values(":refunded", AttributeValue::S("refunded".into()))
        .send()
        .await
        .map_err(|e| ApiError::Internal(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()))?;
    app.store.order(&order.order_id).await?.ok_or_else(|| ApiError::not_found("order"))
}

async fn announce(app: &App, order: &OrderRecord, refunded: bool) -> Result<(), ApiError> {
    let internal = |e: shared::notify::NotifyError| ApiError::Internal(e.to_string());
    let detail = json!({"order_id": order.order_id, "user_id": order.user_id, "refunded": refunded, "promo_code": order.promo_code});
    app.notifier.publish("OrderCancelled", &detail).await.map_err(internal)?;
    app.notifier.queue_email(&templates::order_cancelled(order, refunded)).await.map_err(internal)
}
