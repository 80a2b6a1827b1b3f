//! Hosted payment sessions: opened at checkout, completed once by the buyer's valid form.
use serde::Serialize;

use super::{keys, s, to_item, Item, Store, StoreError};

impl Store {
    /// Closes an open session with the outcome sent to the webhook; `false` if it was
    /// closed before (the stored outcome is the one to send again).
    pub async fn complete_payment_session<E: Serialize>(
        &self,
        session_id: &str,
        event: &E,
    ) -> Result<bool, StoreError> {
        self.update_if(
            keys::payment_session(session_id),
            "SET #status = :completed, event = :event",
            "#status = :open",
            Item::from([
                (":completed".into(), s("completed")),
                (":open".into(), s("open")),
                (":event".into(), aws_sdk_dynamodb::types::AttributeValue::M(to_item(event)?)),
            ]),
            &[("#status", "status")],
        )
        .await
    }
}
