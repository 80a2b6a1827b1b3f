//! Renewals, in two steps with a queue between them. Scheduled: finds the subscriptions
//! with work due now (the due index, not every subscription) and queues one message for
//! each. Consumer: does that work (the trial reminder, the period's charge or its daily
//! retry, the end of a cancelled period) through the subscription lifecycle: every charge
//! has the idempotency key of its subscription, period and attempt, and every change is
//! conditional on the version read, so a job run twice, or two consumers on one message,
//! charge nothing twice. A message that fails is redelivered, then dead-lettered.
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use serde::{Deserialize, Serialize};
use shared::subscriptions::{self, DueOutcome};
use shared::{ApiError, App};

/// Subscriptions read per query page (and at most one SQS batch of 10 per send).
const PAGE: i32 = 100;

/// One subscription with work due.
#[derive(Debug, Serialize, Deserialize)]
pub struct Renewal {
    pub user_id: String,
    pub subscription_id: String,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Subscriptions read from the due index: only those due.
    pub due: usize,
    pub queued: usize,
}

/// The scheduled step: queues every subscription with work due now.
pub async fn run(app: &App) -> Result<Report, ApiError> {
    let now = app.clock.now();
    let mut report = Report::default();
    let mut after = None;
    loop {
        let (due, next) = app.store.due_subscriptions(now, after, PAGE).await?;
        report.due += due.len();
        for chunk in due.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let body = serde_json::to_string(&Renewal {
                        user_id: s.user_id.clone(),
                        subscription_id: s.subscription_id.clone(),
                    })
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|e| ApiError::Internal(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let sent = app
                .sqs
                .send_message_batch()
                .queue_url(&app.config.renewals_queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| ApiError::Internal(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
            // What did not go out is due again at the next run.
            report.queued += sent.successful().len();
        }
        match next {
            Some(key) => after = Some(key),
            None => break,
        }
    }
    if report.due > 0 {
        tracing::info!(due = report.due, queued = report.queued, "renewals queued");
    }
    Ok(report)
}

/// The consumer: does what is due for each queued subscription; failures are reported
/// for redelivery.
pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    // Where the page that confirms a charge the customer must authenticate is reached.
    let pages = app.config.public_base_url.clone().unwrap_or_default();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let outcome = match serde_json::from_str::<Renewal>(record.body.as_deref().unwrap_or_default()) {
            Ok(renewal) => subscriptions::run_due(app, &renewal.user_id, &renewal.subscription_id, &pages)
                .await
                .map(|outcome| (renewal, outcome)),
            Err(e) => {
                // Not ours to retry: a message that never parses would only reach the DLQ later.
                tracing::error!(message_id = %id, error = %e, "renewal message does not parse; dropped");
                continue;
            }
        };
        match outcome {
            Ok((renewal, outcome)) => {
                if outcome != DueOutcome::Nothing {
                    tracing::info!(subscription_id = %renewal.subscription_id, ?outcome, "renewal done");
                }
            }
            Err(error) => {
                tracing::warn!(message_id = %id, %error, "renewal failed; will retry");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}
