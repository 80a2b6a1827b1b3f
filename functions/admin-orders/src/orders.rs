//! Orders for operators: the listing and one order's whole story, and the moves an operator
//! makes (cancel, partial refund, fulfilment), each through the order lifecycle.
use chrono::{DateTime, Utc};
use lambda_http::Request;
use serde::{Deserialize, Serialize};
use shared::domain::fulfilment::{FulfilmentStatus, FulfilmentStep, RefundAsk, ReturnedLine};
use shared::domain::order::{Order, OrderStatus, PaymentStatus};
use shared::domain::Email;
use shared::http::{self, json_body, path_param, query_param, Cursor, HttpResult, Page, PageRequest};
use shared::orders::{self, Cause, Outcome};
use shared::outbox::{Effect, Outbox};
use shared::store::{keys, OrderFilter, OrderRecord, PaymentRecord, RefundRecord};
use shared::{ApiError, App};

/// An order as the back office lists it: the buyer's order and who bought it.
#[derive(Serialize)]
struct Listed<'a> {
    user_id: &'a str,
    email: &'a str,
    #[serde(flatten)]
    order: &'a Order,
}

/// `GET /admin/orders`: newest first, filtered by `status`, `fulfilment`, `email` (the
/// buyer's) and creation time (`from`, `to`, RFC 3339).
pub async fn list(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let filter = filter(app, req).await?;
    let orders = match filter {
        Some(filter) => {
            let after = page.cursor.as_ref().map(|c| c.0.as_str());
            app.store.orders_page(&filter, page.limit, after).await?
        }
        // No account has this email: it bought nothing.
        None => (Vec::new(), None),
    };
    let items: Vec<Listed> =
        orders.0.iter().map(|o| Listed { user_id: &o.user_id, email: &o.email, order: &o.order }).collect();
    http::ok(&Page::new(items, orders.1.map(Cursor)))
}

async fn filter(app: &App, req: &Request) -> Result<Option<OrderFilter>, ApiError> {
    let status = query_param(req, "status")
        .map(|raw| {
            serde_json::from_value::<OrderStatus>(serde_json::Value::String(raw)).map_err(|_| ApiError::Invalid {
                field: "/status".into(),
                message: "status must be pending_payment, paid, payment_failed, expired or cancelled".into(),
            })
        })
        .transpose()?;
    let fulfilment = query_param(req, "fulfilment")
        .map(|raw| {
            FulfilmentStatus::parse(&raw).ok_or_else(|| ApiError::Invalid {
                field: "/fulfilment".into(),
                message: "fulfilment must be preparing, shipped, ready_for_pickup, delivered or picked_up".into(),
            })
        })
        .transpose()?;
    let time = |name: &'static str| {
        query_param(req, name)
            .map(|raw| {
                DateTime::parse_from_rfc3339(&raw).map(|t| t.with_timezone(&Utc)).map_err(|_| ApiError::Invalid {
                    field: format!("/{name}"),
                    message: format!("{name} must be an RFC 3339 time"),
                })
            })
            .transpose()
    };
    let mut filter = OrderFilter { user_id: None, status, fulfilment, from: time("from")?, until: time("to")? };
    if let Some(raw) = query_param(req, "email") {
        let email = Email::parse(&raw).map_err(|_| ApiError::Invalid {
            field: "/email".into(),
            message: "email must be an email address".into(),
        })?;
        match app.store.credentials(&email).await? {
            Some(credentials) => filter.user_id = Some(credentials.user_id),
            None => return Ok(None),
        }
    }
    Ok(Some(filter))
}

/// One order's whole story for an operator.
#[derive(Serialize)]
struct Detail {
    user_id: String,
    email: String,
    #[serde(flatten)]
    order: Order,
    /// Its payment and the refunds the provider made of it.
    payments: Vec<PaymentView>,
    /// Operators' partial refunds.
    refunds: Vec<RefundView>,
    emails: Vec<EmailSent>,
}

#[derive(Serialize)]
struct PaymentView {
    payment_id: String,
    method_type: String,
    amount_cents: i64,
    status: PaymentStatus,
    #[serde(with = "shared::clock::secs")]
    at: DateTime<Utc>,
}

#[derive(Serialize)]
struct RefundView {
    refund_id: String,
    idempotency_key: String,
    amount_cents: i64,
    lines: Vec<ReturnedLine>,
    #[serde(with = "shared::clock::secs")]
    at: DateTime<Utc>,
}

#[derive(Serialize)]
struct EmailSent {
    to: Vec<String>,
    subject: String,
    #[serde(with = "shared::clock::secs")]
    created_at: DateTime<Utc>,
    /// When it went out; absent while it waits in the outbox.
    #[serde(with = "shared::clock::secs::option", skip_serializing_if = "Option::is_none")]
    sent_at: Option<DateTime<Utc>>,
}

/// `GET /admin/orders/{order_id}`.
pub async fn detail(app: &App, req: &Request) -> HttpResult {
    let order = order(app, req).await?;
    let refunds = app.store.order_refunds(&order.order_id).await?;
    let payments = payments(app, &order, &refunds).await?;
    let effects: Vec<Outbox> = app.store.effects_of(&format!("order:{}", order.order_id)).await?;
    let emails = effects
        .into_iter()
        .filter_map(|record| match record.effect {
            Effect::Email { email } => Some(EmailSent {
                to: email.to,
                subject: email.subject,
                created_at: record.created_at,
                sent_at: record.delivered_at,
            }),
            _ => None,
        })
        .collect();
    let refunds = refunds
        .into_iter()
        .map(|r| RefundView {
            refund_id: r.refund_id,
            idempotency_key: r.ask.idempotency_key,
            amount_cents: r.refunded_cents,
            lines: r.ask.lines,
            at: r.at,
        })
        .collect();
    http::ok(&Detail { user_id: order.user_id, email: order.email, order: order.order, payments, refunds, emails })
}

/// The payment of `order` and its refunds at the provider (the sandbox records each as
/// `refund-<id>`: the payment's own for a cancellation, a partial refund's otherwise).
async fn payments(app: &App, order: &OrderRecord, refunds: &[RefundRecord]) -> Result<Vec<PaymentView>, ApiError> {
    let Some(payment_id) = &order.payment_id else { return Ok(Vec::new()) };
    let mut ids = vec![payment_id.clone(), format!("refund-{payment_id}")];
    ids.extend(refunds.iter().map(|r| format!("refund-{}", r.refund_id)));
    let mut found = Vec::new();
    for id in ids {
        if let Some(p) = app.store.get::<PaymentRecord>(keys::payment(&id)).await? {
            found.push(PaymentView {
                payment_id: p.payment_id,
                method_type: p.method_type,
                amount_cents: p.amount_cents,
                status: p.status,
                at: p.at,
            });
        }
    }
    Ok(found)
}

async fn order(app: &App, req: &Request) -> Result<OrderRecord, ApiError> {
    let order_id = path_param(req, "order_id")?;
    app.store.order(&order_id).await?.ok_or_else(|| ApiError::not_found("order"))
}

/// `POST /admin/orders/{order_id}/cancel`: the buyer's window does not bind an operator; a
/// shipped order is refunded instead.
pub async fn cancel(app: &App, req: &Request) -> HttpResult {
    let order_id = path_param(req, "order_id")?;
    moved(orders::apply(app, &order_id, Cause::OperatorCancel).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FulfilmentBody {
    status: String,
    carrier: Option<String>,
    tracking_number: Option<String>,
}

/// `POST /admin/orders/{order_id}/fulfilment`.
pub async fn fulfil(app: &App, req: &Request) -> HttpResult {
    let order_id = path_param(req, "order_id")?;
    let body: FulfilmentBody = json_body(req)?;
    let step = FulfilmentStep::parse(&body.status, body.carrier, body.tracking_number)?;
    moved(orders::apply(app, &order_id, Cause::Fulfil(&step)).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundBody {
    idempotency_key: String,
    amount_cents: Option<i64>,
    #[serde(default)]
    lines: Vec<ReturnedLine>,
}

/// `POST /admin/orders/{order_id}/refunds`: once per `idempotency_key`; the same key with
/// the same refund answers the order as it is, with another refund 409.
pub async fn refund(app: &App, req: &Request) -> HttpResult {
    let order_id = path_param(req, "order_id")?;
    let body: RefundBody = json_body(req)?;
    let key = body.idempotency_key;
    if key.is_empty() || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ApiError::Invalid {
            field: "/idempotency_key".into(),
            message: "idempotency_key must be 1 to 64 letters, digits, - or _".into(),
        });
    }
    let ask = RefundAsk { idempotency_key: key, amount_cents: body.amount_cents, lines: body.lines };
    if let Some(done) = replayed(app, &order_id, &ask).await? {
        return done;
    }
    match orders::apply(app, &order_id, Cause::Refund(&ask)).await? {
        Outcome::AlreadyApplied => replayed(app, &order_id, &ask)
            .await?
            .unwrap_or_else(|| Err(ApiError::Internal("a refund's key taken, its record gone".into()))),
        Outcome::Changed(order) => http::created(&order.order),
        other => moved(other),
    }
}

/// The answer to a refund whose key was used before: the order as it is, if it was this refund.
async fn replayed(app: &App, order_id: &str, ask: &RefundAsk) -> Result<Option<HttpResult>, ApiError> {
    let Some(record) = app.store.order_refund(order_id, &ask.idempotency_key).await? else { return Ok(None) };
    if record.ask != *ask {
        return Ok(Some(Err(ApiError::IdempotencyKeyReused)));
    }
    let order = app.store.order(order_id).await?.ok_or_else(|| ApiError::not_found("order"))?;
    Ok(Some(http::ok(&order.order)))
}

/// The order after an operator's move, or why it did not move.
fn moved(outcome: Outcome) -> HttpResult {
    match outcome {
        Outcome::Changed(order) | Outcome::Unchanged(order) => http::ok(&order.order),
        Outcome::Refused(refusal) => Err(refusal.into()),
        Outcome::Refunded | Outcome::AlreadyApplied | Outcome::Recorded | Outcome::UnknownOrder | Outcome::Mismatch => {
            Err(ApiError::Internal("an operator's move is not a payment".into()))
        }
    }
}
