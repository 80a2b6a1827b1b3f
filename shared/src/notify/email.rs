use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use serde::{Deserialize, Serialize};

use super::NotifyError;

/// One email, as queued for the notifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The MIME message (text and HTML alternatives), dated `now` by the app clock.
pub fn mime(sender: &str, email: &EmailMessage, now: DateTime<Utc>) -> Result<Vec<u8>, NotifyError> {
    MessageBuilder::new()
        .from(sender)
        .to(email.to.clone())
        .subject(email.subject.as_str())
        .date(now.timestamp())
        .text_body(email.text.as_str())
        .html_body(email.html.as_str())
        .write_to_vec()
        .map_err(|e| NotifyError::Send(e.to_string()))
}

/// Sends one email through SES from `sender`.
pub async fn send(
    ses: &aws_sdk_sesv2::Client,
    sender: &str,
    email: &EmailMessage,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    let raw = RawMessage::builder()
        .data(Blob::new(mime(sender, email, now)?))
        .build()
        .map_err(|e| NotifyError::Send(e.to_string()))?;
    ses.send_email()
        .from_email_address(sender)
        .destination(Destination::builder().set_to_addresses(Some(email.to.clone())).build())
        .content(EmailContent::builder().raw(raw).build())
        .send()
        .await
        .map_err(|e| NotifyError::Send(aws_sdk_sesv2::error::DisplayErrorContext(&e).to_string()))?;
    Ok(())
}
