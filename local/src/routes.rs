//! The HTTP routes of Capsule and the function serving each, as `template.yaml` declares
//! them (a test keeps the two in agreement), and the call into each function's handler.
use std::collections::HashMap;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{Body, Request, Response};
use shared::App;

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub function: &'static str,
}

const fn route(method: &'static str, path: &'static str, function: &'static str) -> Route {
    Route { method, path, function }
}

pub const ROUTES: &[Route] = &[
    route("POST", "/auth/signup", "auth"),
    route("POST", "/auth/login", "auth"),
    route("GET", "/products", "catalog"),
    route("GET", "/products/{product_id}", "catalog"),
    route("GET", "/pickup-points", "catalog"),
    route("GET", "/plans", "catalog"),
    route("GET", "/cart", "add-to-cart"),
    route("POST", "/cart/items", "add-to-cart"),
    route("PUT", "/cart/items/{product_id}", "add-to-cart"),
    route("DELETE", "/cart/items/{product_id}", "add-to-cart"),
    route("POST", "/checkout", "checkout"),
    route("GET", "/orders", "orders"),
    route("GET", "/orders/{order_id}", "orders"),
    route("POST", "/orders/{order_id}/cancel", "cancel-order"),
    route("GET", "/portal/sessions/{session_id}", "payment-portal"),
    route("POST", "/portal/sessions/{session_id}", "payment-portal"),
    route("GET", "/portal/sessions/{session_id}/return", "payment-portal"),
    route("POST", "/webhooks/payments", "payment-webhook"),
    route("POST", "/cart/promo-code", "add-to-cart"),
    route("DELETE", "/cart/promo-code", "add-to-cart"),
    route("POST", "/admin/products", "admin"),
    route("PATCH", "/admin/products/{product_id}", "admin"),
    route("GET", "/admin/settings", "admin"),
    route("PUT", "/admin/settings", "admin"),
    route("POST", "/admin/sales", "admin"),
    route("GET", "/admin/sales", "admin"),
    route("POST", "/admin/promo-codes", "admin"),
    route("GET", "/admin/promo-codes", "admin"),
    route("GET", "/admin/promo-codes/{code}/commissions", "admin"),
    route("GET", "/admin/carts", "admin"),
    route("GET", "/admin/payments", "admin"),
    route("GET", "/admin/stock-alerts", "admin"),
];

/// The route a request path matches, with its path parameters. Literal segments win over
/// parameters, as in API Gateway.
pub fn find(method: &str, path: &str) -> Option<(&'static Route, HashMap<String, String>)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(&'static Route, HashMap<String, String>, usize)> = None;
    for route in ROUTES.iter().filter(|r| r.method == method) {
        let pattern: Vec<&str> = route.path.split('/').collect();
        if pattern.len() != segments.len() {
            continue;
        }
        let mut params = HashMap::new();
        let mut literals = 0;
        let matched =
            pattern.iter().zip(&segments).all(|(p, s)| match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !s.is_empty() => {
                    params.insert(name.to_string(), (*s).to_string());
                    true
                }
                Some(_) => false,
                None => {
                    literals += 1;
                    p == s
                }
            });
        if matched && best.as_ref().is_none_or(|(_, _, l)| literals > *l) {
            best = Some((route, params, literals));
        }
    }
    best.map(|(route, params, _)| (route, params))
}

/// Invokes an HTTP function's handler, as Lambda would.
pub async fn invoke_http(function: &str, app: &App, req: Request) -> Option<Response<Body>> {
    Some(match function {
        "auth" => auth::handle(app, req).await,
        "catalog" => catalog::handle(app, req).await,
        "add-to-cart" => add_to_cart::handle(app, req).await,
        "checkout" => checkout::handle(app, req).await,
        "orders" => orders::handle(app, req).await,
        "cancel-order" => cancel_order::handle(app, req).await,
        "payment-portal" => payment_portal::handle(app, req).await,
        "payment-webhook" => payment_webhook::handle(app, req).await,
        "admin" => admin::handle(app, req).await,
        _ => return None,
    })
}

/// Invokes an SQS consumer with a batch, as Lambda's event source mapping would.
pub async fn invoke_sqs(function: &str, app: &App, event: SqsEvent) -> Option<SqsBatchResponse> {
    Some(match function {
        "notifier" => notifier::handle(app, event).await,
        "payment-events" => payment_events::handle(app, event).await,
        _ => return None,
    })
}

/// Runs a scheduled function once; its report as JSON.
pub async fn invoke_scheduled(function: &str, app: &App) -> Option<Result<serde_json::Value, String>> {
    fn report<T: serde::Serialize, E: std::fmt::Display>(outcome: Result<T, E>) -> Result<serde_json::Value, String> {
        outcome.map_err(|e| e.to_string()).and_then(|r| serde_json::to_value(r).map_err(|e| e.to_string()))
    }
    Some(match function {
        "release-expired-reservations" => report(release_expired_reservations::run(app).await),
        "outbox-relay" => report(outbox_relay::run(app).await),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_and_parameters_are_captured() {
        let (route, params) = find("GET", "/products/cap-1").expect("matches");
        assert_eq!(route.path, "/products/{product_id}");
        assert_eq!(params.get("product_id").map(String::as_str), Some("cap-1"));
        assert!(find("DELETE", "/products/cap-1").is_none());
        assert!(find("GET", "/products/cap-1/extra").is_none());
        assert!(find("GET", "/products/").is_some_and(|(r, _)| r.path == "/products"));
    }
}
