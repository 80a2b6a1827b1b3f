//! Emails (queued, then sent by the `notifier` function through SES) and domain events
//! (EventBridge).
pub mod email;
pub mod templates;

pub use email::EmailMessage;
pub use templates::Voice;

use serde::Serialize;

use crate::domain::Locale;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("could not queue: {0}")]
    Queue(String),
    #[error("could not publish event: {0}")]
    Event(String),
    #[error("could not send email: {0}")]
    Send(String),
}

/// The language to write to an account in, outside an order: its choice, else the shop's.
pub async fn account_locale(app: &crate::App, user_id: &str) -> Result<Locale, StoreError> {
    match app.store.user(user_id).await?.and_then(|u| u.locale) {
        Some(locale) => Ok(locale),
        None => Ok(app.store.settings().await?.default_locale),
    }
}

/// Where functions put the emails to send and the events they announce.
#[derive(Clone)]
pub struct Notifier {
    sqs: aws_sdk_sqs::Client,
    events: aws_sdk_eventbridge::Client,
    queue_url: String,
    bus: String,
}

/// The `source` of every event Capsule publishes.
pub const EVENT_SOURCE: &str = "capsule";

impl Notifier {
    pub fn new(sqs: aws_sdk_sqs::Client, events: aws_sdk_eventbridge::Client, queue_url: String, bus: String) -> Self {
        Self { sqs, events, queue_url, bus }
    }

    /// Queues an email; the notifier function sends it, retried by SQS until it goes out.
    pub async fn queue_email(&self, email: &EmailMessage) -> Result<(), NotifyError> {
        let body = serde_json::to_string(email).map_err(|e| NotifyError::Queue(e.to_string()))?;
        self.sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| NotifyError::Queue(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }

    /// Publishes a domain event (`OrderPaid`, ...) on the Capsule bus.
    pub async fn publish<T: Serialize>(&self, detail_type: &str, detail: &T) -> Result<(), NotifyError> {
        let detail = serde_json::to_string(detail).map_err(|e| NotifyError::Event(e.to_string()))?;
        let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(detail_type)
            .detail(detail)
            .build();
        let out = self
            .events
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| NotifyError::Event(aws_sdk_eventbridge::error::DisplayErrorContext(&e).to_string()))?;
        if out.failed_entry_count > 0 {
            return Err(NotifyError::Event(format!("{} entries failed", out.failed_entry_count)));
        }
        Ok(())
    }
}
