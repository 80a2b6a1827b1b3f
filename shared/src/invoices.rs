//! Numbering paid orders' invoices, off the payment's path: the one consumer of the
//! `INVOICES_DUE` index (the `invoice-numbering` job) takes the orders in payment order, in
//! batches, and gives each batch its numbers, its invoice emails and `OrderPaid` events in
//! one transaction conditional on the counter (`Store::number_invoices`). A second run at
//! the same time loses that condition and reads again: numbers stay gapless and unique.
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use serde_json::json;

use crate::domain::settings::Settings;
use crate::notify::{templates, Voice};
use crate::outbox::{self, Effect, Outbox};
use crate::store::{invoice_number, Numbering, OrderRecord, StoreError};
use crate::App;

/// Orders numbered in one transaction: each adds its order, its email and its event to the
/// counter's write, within DynamoDB's 100 writes.
const BATCH: i32 = 30;
/// A run stops after this many batches; the next run goes on.
const MAX_BATCHES: usize = 40;
/// Batches lost to another numbering before this run leaves the work to it.
const MAX_LOST: usize = 5;

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub numbered: usize,
    /// Batches another numbering committed first (read again and retried).
    pub contended: usize,
}

/// Numbers every paid order awaiting its number, oldest payment first.
pub async fn number_due(app: &App) -> Result<Report, StoreError> {
    let mut report = Report::default();
    for _ in 0..MAX_BATCHES {
        let due = app.store.invoices_due(BATCH).await?;
        let Some(year) = due.first().and_then(|o| o.paid_at).map(|at| at.year()) else { break };
        // One series per transaction: a batch stops where the payments' year changes.
        let series: Vec<OrderRecord> =
            due.iter().take_while(|o| o.paid_at.is_some_and(|at| at.year() == year)).cloned().collect();
        let whole = series.len() == due.len();
        match number_batch(app, year, series).await? {
            Some(numbered) => {
                report.numbered += numbered;
                if whole && due.len() < BATCH as usize {
                    break;
                }
            }
            None => {
                report.contended += 1;
                if report.contended >= MAX_LOST {
                    break;
                }
            }
        }
    }
    if report != Report::default() {
        tracing::info!(numbered = report.numbered, contended = report.contended, "invoices numbered");
    }
    Ok(report)
}

/// Numbers one batch of a year's series and delivers its effects; `None` if another
/// numbering moved the counter first.
async fn number_batch(app: &App, year: i32, mut orders: Vec<OrderRecord>) -> Result<Option<usize>, StoreError> {
    let current = app.store.invoice_counter(year).await?;
    let now = app.clock.now();
    for (sequence, order) in (current + 1..).zip(orders.iter_mut()) {
        order.order.invoice_number = Some(invoice_number(year, sequence));
    }
    let settings = app.store.settings().await?;
    let effects: Vec<Outbox> = orders.iter().flat_map(|order| issued(&settings, order, now)).collect();
    let with = outbox::puts(app, &effects)?;
    if !app.store.number_invoices(Numbering { year, current, orders: &orders, with }).await? {
        return Ok(None);
    }
    for order in &orders {
        tracing::info!(
            order_id = %order.order_id,
            user_id = %order.user_id,
            invoice_number = order.invoice_number.as_deref().unwrap_or_default(),
            "invoice issued"
        );
    }
    outbox::deliver_now(app, &effects).await;
    low_stock_after(app, &orders).await;
    Ok(Some(orders.len()))
}

/// The low-stock check of the products a batch of sales sold, read once for the batch as
/// they are now (later sales and re-holds included): off the payment's path, as the
/// numbers, so that a paid order's write reads no product. Never fails the numbering.
async fn low_stock_after(app: &App, orders: &[OrderRecord]) {
    let mut ids: Vec<String> = orders.iter().flat_map(|o| o.product_ids()).collect();
    ids.sort_unstable();
    ids.dedup();
    match app.store.products_by_id(&ids).await {
        Ok(sold) => crate::stock::after_sale(app, &sold).await,
        Err(error) => tracing::warn!(%error, "low-stock check failed: the products could not be read"),
    }
}

/// What an invoice's issue causes: its email to the buyer and `OrderPaid` on the bus, both
/// carrying its number.
fn issued(settings: &Settings, order: &OrderRecord, now: DateTime<Utc>) -> [Outbox; 2] {
    let cause = format!("order:{}", order.order_id);
    let paid = json!({
        "order_id": order.order_id,
        "user_id": order.user_id,
        "invoice_number": order.invoice_number,
        "total_cents": order.total_cents,
        "currency": order.currency,
        "promo_code": order.promo_code,
        "commission_cents": order.commission_cents,
        "items": order.items.iter().map(|l| json!({"product_id": l.product_id, "quantity": l.quantity})).collect::<Vec<_>>(),
    });
    [
        Outbox::new(
            &cause,
            Effect::Email { email: templates::invoice(&Voice { shop: settings, locale: order.locale }, order, now) },
            now,
        ),
        Outbox::new(&cause, Effect::Event { detail_type: "OrderPaid".into(), detail: paid }, now),
    ]
}
