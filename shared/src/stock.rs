//! Low-stock alerts: when sales take a product's stock under the threshold, every stock
//! manager is emailed once. Units that only come and go (a hold released, an order cancelled)
//! never raise nor re-arm an alert, so no customer can repeat one: it re-arms when an admin
//! sets the product's stock while it is at or above the threshold.
use std::collections::HashMap;

use crate::http::error::ApiError;
use crate::notify::templates::{self, Voice};
use crate::outbox::{Effect, Outbox};
use crate::store::ProductRecord;
use crate::App;

/// What changed the stock of the products looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// Units were paid for: may raise an alert, never re-arms one.
    Sold,
    /// An admin created the product or set its stock: raises or re-arms.
    Set,
}

/// After sales (a batch of paid orders numbered, `crate::invoices`): alerts for the
/// products they left under the threshold, `sold` as read after them. Never fails: an
/// alert that could not go out is logged, and the next batch looks again.
pub async fn after_sale(app: &App, sold: &HashMap<String, ProductRecord>) {
    if let Err(error) = check(app, sold.values(), Change::Sold).await {
        tracing::warn!(%error, "low-stock check failed");
    }
}

/// After an admin created or changed a product: an alert if it is under the threshold, or
/// re-armed if it is at or above. Never fails the change.
pub async fn after_admin_change(app: &App, product_id: &str) {
    let checked = async {
        let products = app.store.products_by_id(&[product_id.to_string()]).await?;
        check(app, products.values(), Change::Set).await
    };
    if let Err(error) = checked.await {
        tracing::warn!(%error, product_id, "low-stock check failed");
    }
}

async fn check(app: &App, products: impl Iterator<Item = &ProductRecord>, change: Change) -> Result<(), ApiError> {
    let settings = app.store.settings().await?;
    let threshold = settings.low_stock_threshold;
    let now = app.clock.now();
    for product in products {
        let stock = product.stock();
        if stock < threshold && !product.low_stock_alerted {
            // The email is recorded with the alert: one exists if and only if the other does.
            let effects: Vec<Outbox> = match settings.stock_manager_emails.is_empty() {
                true => vec![],
                false => {
                    let voice = Voice { shop: &settings, locale: settings.default_locale };
                    let email = templates::low_stock(&voice, product, threshold, settings.stock_manager_emails.clone());
                    vec![Outbox::new(format!("product:{}", product.product_id), Effect::Email { email }, now)]
                }
            };
            let outbox = crate::outbox::puts(app, &effects)?;
            if app.store.raise_stock_alert(product, now, outbox).await? {
                tracing::info!(product_id = %product.product_id, stock, "low stock: managers alerted");
                crate::outbox::deliver_now(app, &effects).await;
            }
        } else if change == Change::Set && stock >= threshold && product.low_stock_alerted {
            app.store.rearm_stock_alert(&product.product_id).await?;
        }
    }
    Ok(())
}
