//! The built-in sandbox provider: sessions live in the table, the hosted page
//! (`payment-portal`) completes them, and the outcome travels to the webhook through the
//! payment-events queue (retried until delivered), signed like a real provider's.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::methods::Authorization;
use super::{
    BoxFuture, PaymentError, PaymentEvent, PaymentEventKind, PaymentProvider, RefundRequest, Session, SessionRequest,
};
use crate::store::{keys, PaymentRecord, StoreError};
use crate::App;

pub struct Sandbox;

/// A hosted page's session: open until the buyer submits a valid form, then completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Open,
    Completed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionRecord {
    pub pk: String,
    pub sk: String,
    pub session_id: String,
    #[serde(flatten)]
    pub request: SessionRequest,
    pub status: SessionStatus,
    /// The outcome sent to the webhook, kept so a resubmission sends the same event again.
    pub event: Option<PaymentEvent>,
    pub ttl: i64,
}

fn unavailable(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::Unavailable(e.to_string())
}

impl PaymentProvider for Sandbox {
    fn open_session<'a>(
        &'a self,
        app: &'a App,
        base_url: &'a str,
        request: SessionRequest,
    ) -> BoxFuture<'a, Result<Session, PaymentError>> {
        Box::pin(async move {
            let session_id = uuid::Uuid::new_v4().simple().to_string();
            let key = keys::payment_session(&session_id);
            let record = SessionRecord {
                pk: key.pk,
                sk: key.sk,
                session_id: session_id.clone(),
                request,
                status: SessionStatus::Open,
                event: None,
                ttl: app.clock.now().timestamp() + 30 * 24 * 3600,
            };
            app.store.put_new(&record).await.map_err(unavailable)?;
            Ok(Session { redirect_url: format!("{base_url}/portal/sessions/{session_id}"), session_id })
        })
    }

    fn refund<'a>(
        &'a self,
        app: &'a App,
        request: RefundRequest,
        at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            let mut refund = PaymentRecord::new(
                &format!("refund-{}", request.payment_id),
                &request.method_type,
                request.amount_cents,
                crate::domain::order::PaymentStatus::Refunded,
                at,
            );
            refund.order_id = request.order_id;
            match app.store.put_new(&refund).await {
                Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        })
    }
}

impl std::ops::Deref for SessionRecord {
    type Target = SessionRequest;

    fn deref(&self) -> &SessionRequest {
        &self.request
    }
}

impl crate::store::Store {
    pub async fn payment_session(&self, session_id: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.get(keys::payment_session(session_id)).await
    }
}

/// Records the buyer's valid submission and sends its outcome to the webhook. A second
/// submission of a completed session sends the first outcome again (the webhook applies
/// each event once), so nothing is charged twice and nothing is lost.
pub async fn complete(
    app: &App,
    session: &SessionRecord,
    authorization: &Authorization,
    save: bool,
) -> Result<PaymentEvent, StoreError> {
    let event = PaymentEvent {
        event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
        kind: if authorization.approved { PaymentEventKind::Succeeded } else { PaymentEventKind::Failed },
        session_id: session.session_id.clone(),
        payment_id: format!("pay_{}", uuid::Uuid::new_v4().simple()),
        order_id: session.order_id.clone(),
        subscription_id: session.subscription_id.clone(),
        amount_cents: session.amount_cents,
        currency: session.currency.clone(),
        method: authorization.details.clone(),
        save_method: save && session.allow_save && authorization.approved,
        later_charges_fail: authorization.later_charges_fail,
        failure_reason: authorization.decline_reason.clone(),
        created: app.clock.now().timestamp(),
    };
    let event = match app.store.complete_payment_session(&session.session_id, &event).await? {
        true => event,
        false => {
            let stored = app.store.payment_session(&session.session_id).await?;
            stored.and_then(|s| s.event).ok_or_else(|| StoreError::Aws("session closed without an outcome".into()))?
        }
    };
    queue_event(app, &event).await?;
    Ok(event)
}

/// Puts the event on the provider's delivery queue (the `payment-events` function posts it).
pub async fn queue_event(app: &App, event: &PaymentEvent) -> Result<(), StoreError> {
    let body = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    app.sqs
        .send_message()
        .queue_url(&app.config.payment_events_queue_url)
        .message_body(body)
        .send()
        .await
        .map_err(|e| StoreError::Aws(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
    Ok(())
}
