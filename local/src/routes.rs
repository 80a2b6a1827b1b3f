//! The call into each function's handler, as Lambda makes it: HTTP routes come from the one
//! table, `shared::http::routes` (a test holds `template.yaml` to it).

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{Body, Request, Response};
use shared::config::Config;
use shared::App;

/// The app as `function` runs deployed: the same clients, and only the secrets its
/// template entry gives it.
pub fn as_deployed(function: &str, app: &App) -> App {
    let given = crate::resources::secrets_of(function);
    let secrets = app.config.secrets.only(given);
    // Without Stripe's key, a function has no Stripe client (deployed, it could not build one).
    let stripe = app.stripe.clone().filter(|_| given.contains(&shared::config::SecretName::StripeSecretKey));
    App { config: Arc::new(Config { secrets, ..(*app.config).clone() }), stripe, ..app.clone() }
}

/// Invokes an HTTP function's handler, as Lambda would.
pub async fn invoke_http(function: &str, app: &App, req: Request) -> Option<Response<Body>> {
    invoke_http_listing(function, app, req).await.0
}

/// `invoke_http`, and the AWS services the function called (`shared::calls`).
pub async fn invoke_http_listing(function: &str, app: &App, req: Request) -> (Option<Response<Body>>, Vec<String>) {
    shared::calls::within_listing(function, http(function, &as_deployed(function, app), req)).await
}

async fn http(function: &str, app: &App, req: Request) -> Option<Response<Body>> {
    Some(match function {
        "auth" => auth::handle(app, req).await,
        "catalog" => catalog::handle(app, req).await,
        "add-to-cart" => add_to_cart::handle(app, req).await,
        "checkout" => checkout::handle(app, req).await,
        "orders" => orders::handle(app, req).await,
        "cancel-order" => cancel_order::handle(app, req).await,
        "payment-portal" => payment_portal::handle(app, req).await,
        "payment-webhook" => payment_webhook::handle(app, req).await,
        "payment-methods" => payment_methods::handle(app, req).await,
        "subscribe" => subscribe::handle(app, req).await,
        "admin" => admin::handle(app, req).await,
        "admin-orders" => admin_orders::handle(app, req).await,
        "admin-catalogue" => admin_catalogue::handle(app, req).await,
        "admin-bootstrap" => admin_bootstrap::handle(app, req).await,
        _ => return None,
    })
}

/// Invokes an SQS consumer with a batch, as Lambda's event source mapping would.
pub async fn invoke_sqs(function: &str, app: &App, event: SqsEvent) -> Option<SqsBatchResponse> {
    shared::calls::within(function, sqs(function, &as_deployed(function, app), event)).await
}

async fn sqs(function: &str, app: &App, event: SqsEvent) -> Option<SqsBatchResponse> {
    // Boxed: one consumer's future runs, and the largest (a renewal's) would otherwise size
    // every message's poll on the caller's stack.
    Some(match function {
        "notifier" => Box::pin(notifier::handle(app, event)).await,
        "payment-events" => Box::pin(payment_events::handle(app, event)).await,
        "charge-renewal" => Box::pin(charge_renewal::handle(app, event)).await,
        _ => return None,
    })
}

/// Runs a scheduled function once; its report as JSON.
pub async fn invoke_scheduled(function: &str, app: &App) -> Option<Result<serde_json::Value, String>> {
    shared::calls::within(function, scheduled(function, &as_deployed(function, app))).await
}

async fn scheduled(function: &str, app: &App) -> Option<Result<serde_json::Value, String>> {
    fn report<T: serde::Serialize, E: std::fmt::Display>(outcome: Result<T, E>) -> Result<serde_json::Value, String> {
        outcome.map_err(|e| e.to_string()).and_then(|r| serde_json::to_value(r).map_err(|e| e.to_string()))
    }
    Some(match function {
        "release-expired-reservations" => report(release_expired_reservations::run(app).await),
        "outbox-relay" => report(outbox_relay::run(app).await),
        "invoice-numbering" => report(invoice_numbering::run(app).await),
        "card-expiry-scan" => report(card_expiry_scan::run(app).await),
        "charge-renewal" => report(charge_renewal::run(app).await),
        _ => return None,
    })
}
