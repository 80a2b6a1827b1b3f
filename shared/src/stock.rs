//! Low-stock alerts: when a product's stock falls under the threshold, every stock manager
//! is emailed once; the alert re-arms when the stock is back at or above it.
use maud::html;

use crate::http::error::ApiError;
use crate::notify::EmailMessage;
use crate::outbox::{Effect, Outbox};
use crate::store::ProductRecord;
use crate::App;

/// Looks at the products whose stock just changed. Never fails the change that called it:
/// an alert that could not go out is logged, and the next change looks again.
pub async fn check_alerts(app: &App, product_ids: &[String]) {
    if let Err(error) = check(app, product_ids).await {
        tracing::warn!(%error, "low-stock check failed");
    }
}

async fn check(app: &App, product_ids: &[String]) -> Result<(), ApiError> {
    let settings = app.store.settings().await?;
    let threshold = settings.low_stock_threshold;
    let now = app.clock.now();
    for product in app.store.products_by_id(product_ids).await?.values() {
        if product.stock < threshold && !product.low_stock_alerted {
            // The email is recorded with the alert: one exists if and only if the other does.
            let effects: Vec<Outbox> = match settings.stock_manager_emails.is_empty() {
                true => vec![],
                false => {
                    let email = alert_email(product, threshold, settings.stock_manager_emails.clone());
                    vec![Outbox::new(format!("product:{}", product.product_id), Effect::Email { email }, now)]
                }
            };
            let outbox = crate::outbox::puts(app, &effects)?;
            if app.store.raise_stock_alert(product, threshold, now, outbox).await? {
                tracing::info!(product_id = %product.product_id, stock = product.stock, "low stock: managers alerted");
                crate::outbox::deliver_now(app, &effects).await;
            }
        } else if product.stock >= threshold && product.low_stock_alerted {
            app.store.rearm_stock_alert(&product.product_id, threshold).await?;
        }
    }
    Ok(())
}

fn alert_email(product: &ProductRecord, threshold: i64, to: Vec<String>) -> EmailMessage {
    let text = format!(
        "Low stock: {} ({}) has {} left, under the threshold of {threshold}.\n",
        product.name, product.product_id, product.stock
    );
    let html = html! { p { "Low stock: " strong { (product.name) } " (" (product.product_id) ") has "
    strong { (product.stock) } " left, under the threshold of " (threshold) "." } }
    .into_string();
    EmailMessage { to, subject: format!("Low stock: {}", product.name), text, html }
}
