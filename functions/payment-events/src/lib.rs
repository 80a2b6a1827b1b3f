//! The sandbox provider's webhook delivery: each queued payment outcome is signed and
//! posted to `/webhooks/payments`, like a real provider does. A delivery that fails is
//! reported back to SQS, which redelivers it (at least once), then dead-letters it.
use std::sync::OnceLock;
use std::time::Duration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::payments::signature;
use shared::App;

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| reqwest::Client::builder().timeout(Duration::from_secs(8)).build().unwrap_or_default())
}

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    let Some(base) = app.config.public_base_url.as_deref() else {
        tracing::error!("PUBLIC_BASE_URL is not configured: cannot deliver payment events");
        response.batch_item_failures = event
            .records
            .iter()
            .map(|r| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = r.message_id.clone().unwrap_or_default();
                failure
            })
            .collect();
        return response;
    };
    let url = format!("{base}/webhooks/payments");
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let body = record.body.unwrap_or_default();
        let header = signature::sign(&app.config.webhook_secret, app.clock.now().timestamp(), body.as_bytes());
        let delivered = client()
            .post(&url)
            .header("content-type", "application/json")
            .header(signature::HEADER, header)
            .body(body)
            .send()
            .await;
        match delivered {
            Ok(answer) if answer.status().is_success() => tracing::info!(message_id = %id, "payment event delivered"),
            Ok(answer) => {
                tracing::warn!(message_id = %id, status = answer.status().as_u16(), "webhook refused the event; will retry");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
            Err(e) => {
                tracing::warn!(message_id = %id, error = %e, "webhook unreachable; will retry");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}
