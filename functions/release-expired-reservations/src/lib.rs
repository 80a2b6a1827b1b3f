//! Scheduled: releases the hold of every order still unpaid at its `expires_at`, exactly
//! once (the release is conditional on the order still awaiting payment), marks it
//! `expired` and puts its items back in the buyer's cart.
use serde::Serialize;
use shared::orders::{self, Cause, Outcome};
use shared::{ApiError, App};

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub examined: usize,
    pub released: usize,
    /// Orders whose release failed (logged); the next run tries them again.
    pub failed: usize,
}

pub async fn run(app: &App) -> Result<Report, ApiError> {
    let due = app.store.expired_pending_orders(app.clock.now()).await?;
    let mut report = Report { examined: due.len(), ..Report::default() };
    // One order that fails does not stop the others.
    for order in due {
        match orders::apply(app, &order.order_id, Cause::HoldExpired).await {
            Ok(Outcome::Changed(_)) => {
                tracing::info!(order_id = %order.order_id, user_id = %order.user_id, "unpaid order expired; hold released");
                report.released += 1;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(order_id = %order.order_id, %error, "expired order not released; retried next run");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}
