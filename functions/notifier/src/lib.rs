//! Sends the queued emails through SES. A message that fails is reported back to SQS, which
//! retries it and, after five receives, moves it to the dead-letter queue.
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::notify::{email, EmailMessage};
use shared::App;

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let outcome = match serde_json::from_str::<EmailMessage>(record.body.as_deref().unwrap_or_default()) {
            Ok(message) => email::send(&app.ses, &app.config.sender_email, &message, app.clock.now())
                .await
                .map(|()| message.subject)
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("not an email message: {e}")),
        };
        match outcome {
            Ok(subject) => tracing::info!(message_id = %id, subject = %subject, "email sent"),
            Err(error) => {
                tracing::warn!(message_id = %id, error = %error, "email not sent; SQS will retry");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failures.push(failure);
            }
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
