//! The sandbox provider's webhook delivery: each queued payment outcome is signed and
//! posted to `/webhooks/payments`, like a real provider does. The batch is posted at once
//! (not one after another), each post bounded by what is left of the invocation; what
//! cannot be sent before the deadline, and what failed, is reported back to SQS, which
//! redelivers it (at least once), then dead-letters it (and its alarm fires).
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use futures::future::join_all;
use shared::payments::signature;
use shared::App;

/// The longest one post may take.
const POST_TIMEOUT: Duration = Duration::from_secs(8);
/// Kept back from the deadline to report what was not sent.
const MARGIN: Duration = Duration::from_secs(2);

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| reqwest::Client::builder().timeout(POST_TIMEOUT).build().unwrap_or_default())
}

/// Delivers a batch with no deadline (the local stack).
pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    deliver(app, event, None).await
}

/// Delivers a batch before `deadline` (the invocation's, on Lambda).
pub async fn deliver(app: &App, event: SqsEvent, deadline: Option<SystemTime>) -> SqsBatchResponse {
    let failed = |id: String| {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        failure
    };
    let mut response = SqsBatchResponse::default();
    let configured = match (app.config.public_base_url.as_deref(), app.config.secrets.payment_webhook()) {
        (Some(base), Ok(secret)) => Ok((base, secret)),
        (None, _) => Err("PUBLIC_BASE_URL is not configured".to_string()),
        (_, Err(e)) => Err(e.to_string()),
    };
    let (base, secret) = match configured {
        Ok(configured) => configured,
        Err(e) => {
            tracing::error!(error = %e, "cannot deliver payment events");
            response.batch_item_failures =
                event.records.into_iter().map(|r| failed(r.message_id.unwrap_or_default())).collect();
            return response;
        }
    };
    let url = format!("{base}/webhooks/payments");
    // What is left before the deadline, less the margin to answer; none: nothing is posted.
    let budget = match deadline {
        None => Some(POST_TIMEOUT),
        Some(deadline) => deadline
            .duration_since(SystemTime::now())
            .ok()
            .and_then(|left| left.checked_sub(MARGIN))
            .map(|left| left.min(POST_TIMEOUT))
            .filter(|left| !left.is_zero()),
    };
    let posts = event.records.into_iter().map(|record| {
        let url = url.clone();
        async move {
            let id = record.message_id.clone().unwrap_or_default();
            let Some(budget) = budget else {
                tracing::warn!(message_id = %id, "no time left before the deadline; will retry");
                return Err(id);
            };
            let body = record.body.unwrap_or_default();
            let header = signature::sign(secret, app.clock.now().timestamp(), body.as_bytes());
            let delivered = client()
                .post(&url)
                .timeout(budget)
                .header("content-type", "application/json")
                .header(signature::HEADER, header)
                .body(body)
                .send()
                .await;
            match delivered {
                Ok(answer) if answer.status().is_success() => {
                    tracing::info!(message_id = %id, "payment event delivered");
                    Ok(())
                }
                Ok(answer) => {
                    tracing::warn!(message_id = %id, status = answer.status().as_u16(), "webhook refused the event; will retry");
                    Err(id)
                }
                Err(e) => {
                    tracing::warn!(message_id = %id, error = %e, "webhook unreachable or too slow; will retry");
                    Err(id)
                }
            }
        }
    });
    response.batch_item_failures = join_all(posts).await.into_iter().filter_map(Result::err).map(failed).collect();
    response
}
