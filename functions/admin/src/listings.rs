use chrono::{DateTime, Utc};
use lambda_http::Request;
use serde::Serialize;
use shared::domain::pricing::PricedLine;
use shared::domain::subscription::SubscriptionStatus;
use shared::http::{self, query_param, Cursor, HttpResult, Page, PageRequest};
use shared::payments::methods;
use shared::store::{from_item, keys, CartRecord, PaymentRecord, StockAlert};
use shared::subscriptions::SubscriptionView;
use shared::{cart, ApiError, App};

#[derive(Serialize)]
struct UnpaidCart {
    cart_id: String,
    user_id: String,
    email: String,
    items: Vec<PricedLine>,
    total_cents: i64,
    #[serde(with = "shared::clock::secs")]
    updated_at: DateTime<Utc>,
}

/// Every non-empty unpaid cart, most recently changed first.
pub async fn unpaid_carts(app: &App, req: &Request) -> HttpResult {
    if query_param(req, "status").is_some_and(|s| s != "unpaid") {
        return Err(ApiError::invalid("/status", "status must be \"unpaid\""));
    }
    let page = PageRequest::from_request(req)?;
    let after = page.cursor.as_ref().map(|c| c.0.as_str());
    let (items, next) = app.store.index_page(keys::GSI1, "gsi1", keys::UNPAID_CARTS, page.limit, after, false).await?;
    let mut carts = Vec::new();
    for item in items {
        let record: CartRecord = from_item(item)?;
        let email = app.store.user(&record.user_id).await?.map(|u| u.email).unwrap_or_default();
        let view = cart::view(app, &record).await?;
        carts.push(UnpaidCart {
            cart_id: record.cart_id,
            user_id: record.user_id,
            email,
            items: view.items,
            total_cents: view.total_cents,
            updated_at: record.updated_at,
        });
    }
    http::ok(&Page::new(carts, next.map(Cursor)))
}

#[derive(Serialize)]
struct Payment {
    payment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscription_id: Option<String>,
    method_type: String,
    amount_cents: i64,
    status: shared::domain::order::PaymentStatus,
    #[serde(with = "shared::clock::secs")]
    at: DateTime<Utc>,
    /// A decline's code at the provider (Stripe's), for the operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    decline_code: Option<String>,
}

/// Payments, failures and refunds, newest first, of one method type or all.
pub async fn payments(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let after = page.cursor.as_ref().map(|c| c.0.as_str());
    let (items, next) = match query_param(req, "method_type").as_deref() {
        Some(id) => {
            let kind = methods::kind(id).ok_or_else(unknown_method_type)?;
            let key = keys::payments_by_type(kind.id());
            app.store.index_page(keys::GSI1, "gsi1", &key, page.limit, after, false).await?
        }
        None => app.store.index_page(keys::GSI2, "gsi2", keys::PAYMENTS, page.limit, after, false).await?,
    };
    let payments = items
        .into_iter()
        .map(|item| {
            from_item::<PaymentRecord>(item).map(|p| Payment {
                payment_id: p.payment_id,
                order_id: p.order_id,
                subscription_id: p.subscription_id,
                method_type: p.method_type,
                amount_cents: p.amount_cents,
                status: p.status,
                at: p.at,
                decline_code: p.decline_code,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    http::ok(&Page::new(payments, next.map(Cursor)))
}

/// `method_type must be "card" or "crina_pay"`, naming every registered kind.
fn unknown_method_type() -> ApiError {
    let ids: Vec<String> = methods::REGISTRY.iter().map(|k| format!("\"{}\"", k.id())).collect();
    let choices = match ids.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => ids.concat(),
    };
    ApiError::invalid("/method_type", format!("method_type must be {choices}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_method_type_is_told_the_registered_ones() {
        let message = unknown_method_type().to_string();
        assert!(message.starts_with(r#"method_type must be "card""#), "{message}");
        for kind in methods::REGISTRY {
            assert!(message.contains(&format!(r#""{}""#, kind.id())), "{message}");
        }
        if let [.., last] = methods::REGISTRY {
            assert!(message.ends_with(&format!(r#" or "{}""#, last.id())), "{message}");
        }
    }
}

#[derive(Serialize)]
struct Alert {
    #[serde(flatten)]
    alert: StockAlert,
    current_stock: Option<i64>,
}

/// Low-stock alerts sent, newest first, with each product's stock now.
pub async fn stock_alerts(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let after = page.cursor.as_ref().map(|c| c.0.as_str());
    let (items, next) = app.store.index_page(keys::GSI1, "gsi1", keys::STOCK_ALERTS, page.limit, after, false).await?;
    let alerts: Vec<StockAlert> = items.into_iter().map(from_item).collect::<Result<_, _>>()?;
    let ids: Vec<String> = alerts.iter().map(|a| a.product_id.clone()).collect();
    let products = app.store.products_by_id(&ids).await?;
    let alerts: Vec<Alert> = alerts
        .into_iter()
        .map(|alert| Alert { current_stock: products.get(&alert.product_id).map(|p| p.stock()), alert })
        .collect();
    http::ok(&Page::new(alerts, next.map(Cursor)))
}

/// The order in which an unfiltered listing walks the statuses.
const STATUSES: [SubscriptionStatus; 6] = [
    SubscriptionStatus::Active,
    SubscriptionStatus::Trialing,
    SubscriptionStatus::PastDue,
    SubscriptionStatus::Suspended,
    SubscriptionStatus::Incomplete,
    SubscriptionStatus::Cancelled,
];

/// A subscription as the back office sees it: with its subscriber.
#[derive(Serialize)]
struct AdminSubscription {
    user_id: String,
    email: String,
    #[serde(flatten)]
    subscription: SubscriptionView,
}

#[derive(Serialize)]
struct Subscriptions {
    items: Vec<AdminSubscription>,
    next_cursor: Option<String>,
    /// Monthly recurring revenue: the sum of the plans of active subscriptions.
    mrr_cents: i64,
}

/// Subscriptions of one status (`?status=`) or all, newest first within a status, with the
/// monthly recurring revenue. The cursor names the status and the position in it.
pub async fn subscriptions(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let statuses: Vec<SubscriptionStatus> = match query_param(req, "status") {
        Some(raw) => {
            let status = STATUSES.into_iter().find(|s| s.as_str() == raw).ok_or_else(|| {
                ApiError::invalid(
                    "/status",
                    "status must be incomplete, trialing, active, past_due, suspended or cancelled",
                )
            })?;
            vec![status]
        }
        None => STATUSES.to_vec(),
    };
    let (mut at, mut after) = match &page.cursor {
        Some(cursor) => {
            let (status, sk) = cursor
                .0
                .split_once('|')
                .ok_or_else(|| ApiError::invalid("/cursor", "cursor is not one this API returned"))?;
            let index = statuses
                .iter()
                .position(|s| s.as_str() == status)
                .ok_or_else(|| ApiError::invalid("/cursor", "cursor is not one this API returned"))?;
            (index, (!sk.is_empty()).then(|| sk.to_string()))
        }
        None => (0, None),
    };
    let mut items = Vec::new();
    let mut next = None;
    while at < statuses.len() {
        let left = page.limit - items.len();
        let (records, more) = app.store.subscriptions_in(statuses[at], left, after.as_deref()).await?;
        items.extend(records.iter().map(|r| AdminSubscription {
            user_id: r.user_id.clone(),
            email: r.email.clone(),
            subscription: SubscriptionView::from(r),
        }));
        match more {
            Some(sk) => {
                next = Some(format!("{}|{sk}", statuses[at]));
                break;
            }
            None => {
                at += 1;
                after = None;
                if items.len() == page.limit {
                    next = statuses.get(at).map(|s| format!("{s}|"));
                    break;
                }
            }
        }
    }
    let mrr_cents = app.store.mrr_cents().await?;
    http::ok(&Subscriptions { items, next_cursor: next.map(|n| Cursor(n).encode()), mrr_cents })
}
