//! Hosted payment sessions: opened at checkout, completed once by the buyer's valid form.
use serde::Serialize;

use super::{keys, s, to_item, tx, Item, Store, StoreError, Write};

impl Store {
    /// Closes an open session with the outcome sent to the webhook, in one transaction with
    /// `with` (the outcome's outbox item, the saved method's token); `false` if it was closed
    /// before (nothing written).
    pub async fn complete_payment_session<E: Serialize>(
        &self,
        session_id: &str,
        event: &E,
        with: Vec<Write>,
    ) -> Result<bool, StoreError> {
        let close = tx::update(
            self.table(),
            keys::payment_session(session_id).item(),
            "SET #status = :completed, event = :event",
            Some("#status = :open"),
            Item::from([
                (":completed".into(), s("completed")),
                (":open".into(), s("open")),
                (":event".into(), aws_sdk_dynamodb::types::AttributeValue::M(to_item(event)?)),
            ]),
            &[("#status", "status")],
        )?;
        let mut actions = vec![close];
        actions.extend(with);
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Puts the 3-D Secure challenge the buyer must answer on a session still open; false if
    /// it was completed or closed meanwhile.
    pub async fn challenge_payment_session<C: Serialize>(
        &self,
        session_id: &str,
        challenge: &C,
    ) -> Result<bool, StoreError> {
        let values = Item::from([
            (":open".into(), s("open")),
            (":challenge".into(), aws_sdk_dynamodb::types::AttributeValue::M(to_item(challenge)?)),
        ]);
        let key = keys::payment_session(session_id);
        self.update_if(key, "SET challenge = :challenge", "#status = :open", values, &[("#status", "status")]).await
    }

    /// Closes a session still open, so that it takes no payment; nothing if it was
    /// completed or closed before, or is gone.
    pub async fn close_payment_session(&self, session_id: &str) -> Result<(), StoreError> {
        let values = Item::from([(":closed".into(), s("closed")), (":open".into(), s("open"))]);
        let key = keys::payment_session(session_id);
        self.update_if(key, "SET #status = :closed", "#status = :open", values, &[("#status", "status")]).await?;
        Ok(())
    }
}
