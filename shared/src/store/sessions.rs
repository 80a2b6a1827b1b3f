//! Hosted payment sessions: opened at checkout, completed once by the buyer's valid form.
use serde::Serialize;

use super::{keys, s, to_item, Store, StoreError};

impl Store {
    /// Closes an open session with the outcome sent to the webhook; `false` if it was
    /// closed before (the stored outcome is the one to send again).
    pub async fn complete_payment_session<E: Serialize>(
        &self,
        session_id: &str,
        event: &E,
    ) -> Result<bool, StoreError> {
        let completed = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::payment_session(session_id).item()))
            .update_expression("SET #status = :completed, event = :event")
            .condition_expression("#status = :open")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":completed", s("completed"))
            .expression_attribute_values(":open", s("open"))
            .expression_attribute_values(":event", aws_sdk_dynamodb::types::AttributeValue::M(to_item(event)?))
            .send()
            .await
            .map_err(StoreError::from_sdk);
        match completed {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
