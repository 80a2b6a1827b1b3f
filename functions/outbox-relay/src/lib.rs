//! Scheduled: delivers every effect still due in the outbox (an email, a bus event, a
//! refund) that the function which recorded it could not deliver right after its commit:
//! it crashed, or the call failed and is retried with backoff. Delivery is idempotent.
use shared::outbox::{self, Report};
use shared::store::StoreError;
use shared::App;

pub async fn run(app: &App) -> Result<Report, StoreError> {
    let report = outbox::deliver_due(app).await?;
    if report != Report::default() {
        tracing::info!(
            delivered = report.delivered,
            failed = report.failed,
            skipped = report.skipped,
            "outbox relayed"
        );
    }
    Ok(report)
}
