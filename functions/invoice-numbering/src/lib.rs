//! Scheduled: gives paid orders their gapless invoice numbers, in payment order and in
//! batches, then sends each invoice email and `OrderPaid` (`shared::invoices`). The one
//! consumer of the numbering, so that no paid order waits on the counter; two runs at once
//! stay correct (each batch is conditional on the counter's value).
use shared::invoices::{self, Report};
use shared::store::StoreError;
use shared::App;

pub async fn run(app: &App) -> Result<Report, StoreError> {
    invoices::number_due(app).await
}
