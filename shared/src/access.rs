//! What IAM must allow for an AWS call: its action, the resource it acts on and, for
//! DynamoDB, the kind of partition key it touches. The call counter (`calls`) records it for
//! every call, so a test holds each function's policy in `template.yaml` to what it does.
use aws_smithy_runtime_api::client::interceptors::context::Input;

use crate::store::access::dynamodb;

/// One permission a call needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Access {
    /// The IAM action, `dynamodb:GetItem`, `sqs:SendMessage`, ...
    pub action: String,
    /// What it acts on, as the call names it: a table (`<table>` or `<table>/index/<index>`),
    /// a queue URL, an event bus name, a sender address.
    pub resource: String,
    /// DynamoDB: the partition key up to its first `#` (`USER#`, `SETTINGS`), which is
    /// what `dynamodb:LeadingKeys` conditions match.
    pub key_kind: Option<String>,
}

impl Access {
    pub(crate) fn new(action: &str, resource: impl Into<String>, key_kind: Option<String>) -> Self {
        Self { action: action.to_string(), resource: resource.into(), key_kind }
    }
}

/// The permissions the call `operation` of `service` with `input` needs; nothing for a
/// call this does not know (the test then finds it unexplained).
pub fn of_call(service: &str, operation: &str, input: &Input) -> Vec<Access> {
    match service {
        "dynamodb" => dynamodb(input),
        // A batch needs `sqs:SendMessage` too: IAM has no action of its own for it.
        "sqs" if operation.starts_with("SendMessage") => {
            sqs_queue(input).map(|queue| vec![Access::new("sqs:SendMessage", queue, None)]).unwrap_or_default()
        }
        "eventbridge" => input
            .downcast_ref::<aws_sdk_eventbridge::operation::put_events::PutEventsInput>()
            .map(|put| {
                put.entries()
                    .iter()
                    .map(|e| Access::new("events:PutEvents", e.event_bus_name().unwrap_or("default"), None))
                    .collect()
            })
            .unwrap_or_default(),
        "sesv2" => input
            .downcast_ref::<aws_sdk_sesv2::operation::send_email::SendEmailInput>()
            .map(|send| vec![Access::new("ses:SendEmail", send.from_email_address().unwrap_or_default(), None)])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn sqs_queue(input: &Input) -> Option<String> {
    use aws_sdk_sqs::operation::{send_message::SendMessageInput, send_message_batch::SendMessageBatchInput};
    input
        .downcast_ref::<SendMessageInput>()
        .and_then(|i| i.queue_url.clone())
        .or_else(|| input.downcast_ref::<SendMessageBatchInput>().and_then(|i| i.queue_url.clone()))
}
