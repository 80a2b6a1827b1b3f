//! Delivering the effects recorded in the outbox (see `store::outbox`): right after the
//! commit that recorded them, by the function that committed (best effort), and by the
//! `outbox-relay` function for whatever that missed (a crash, a failed call), retried
//! with backoff until it goes out. Delivery is at least once; the lease and the
//! delivered mark make a redelivered effect send nothing twice.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::notify::EmailMessage;
use crate::payments::{self, PaymentEvent, RefundRequest};
use crate::store::{outbox_put, OutboxRecord, StoreError, Write};
use crate::App;

/// What a change causes outside the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// Queued for the notifier, which sends it through SES.
    Email { email: EmailMessage },
    /// Published on the Capsule bus.
    Event { detail_type: String, detail: serde_json::Value },
    /// Asked of the payment provider; `settles_order` marks the order's refund done.
    Refund { request: RefundRequest, settles_order: bool },
    /// The sandbox provider's outcome of a hosted payment, sent to its webhook.
    ProviderEvent { event: Box<PaymentEvent> },
    /// A hosted page's session closed at the provider: what it was for no longer takes its
    /// payment (a subscription cancelled, or paid otherwise).
    CloseSession { session_id: String },
    /// A deleted saved method forgotten by the provider that keeps it (Stripe detaches it).
    ForgetMethod { method_type: String, token: String },
}

pub type Outbox = OutboxRecord<Effect>;

/// How long a deliverer holds an effect before another may take it over.
const LEASE_SECONDS: i64 = 60;
const BATCH: i32 = 25;
/// A sweep stops after this many batches; the next sweep goes on.
const MAX_BATCHES: usize = 20;

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub delivered: usize,
    pub failed: usize,
    /// Leased by another deliverer, or delivered already.
    pub skipped: usize,
}

impl Report {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Delivered => self.delivered += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

enum Outcome {
    Delivered,
    Failed,
    Skipped,
}

/// The writes that record `effects` in the change's transaction. When the committing
/// function delivers them itself right after (`deliver_now`), they are written leased to
/// it, so the relay leaves them alone meanwhile and no separate lease is needed.
pub fn puts(app: &App, effects: &[Outbox]) -> Result<Vec<Write>, StoreError> {
    effects
        .iter()
        .map(|record| {
            let mut record = record.clone();
            if app.config.deliver_after_commit {
                record.leased_until = Some(record.created_at + Duration::seconds(LEASE_SECONDS));
            }
            outbox_put(app.store.table(), &record)
        })
        .collect()
}

/// After a commit: delivers the effects it recorded (leased to it by `puts`), then marks
/// those delivered in one write, unless configured to leave them to the relay. Never
/// fails the request: what did not go out is due again (at once after the lease, or
/// with backoff after a failure).
pub async fn deliver_now(app: &App, effects: &[Outbox]) {
    if !app.config.deliver_after_commit || effects.is_empty() {
        return;
    }
    let now = app.clock.now();
    let mut delivered = Vec::new();
    for record in effects {
        match send(app, &record.effect, now).await {
            Ok(()) => {
                tracing::info!(effect_id = %record.effect_id, cause = %record.cause, kind = record.effect.kind(), "effect delivered");
                delivered.push(record.effect_id.as_str());
            }
            Err(error) => {
                if let Err(e) = retry_later(app, record, now, &error).await {
                    tracing::warn!(effect_id = %record.effect_id, error = %e, "effect left to the outbox relay");
                }
            }
        }
    }
    if let Err(error) = app.store.outbox_delivered_all(&delivered, now).await {
        tracing::warn!(%error, "delivered effects not marked: the relay may deliver them again");
    }
}

/// The relay's sweep: every effect due now, oldest first.
pub async fn deliver_due(app: &App) -> Result<Report, StoreError> {
    let mut report = Report::default();
    for _ in 0..MAX_BATCHES {
        let due: Vec<Outbox> = app.store.due_outbox(app.clock.now(), BATCH).await?;
        let mut progressed = false;
        for record in &due {
            let outcome = deliver_one(app, record).await?;
            progressed |= matches!(outcome, Outcome::Delivered | Outcome::Failed);
            report.add(outcome);
        }
        if due.len() < BATCH as usize || !progressed {
            break;
        }
    }
    Ok(report)
}

async fn deliver_one(app: &App, record: &Outbox) -> Result<Outcome, StoreError> {
    let now = app.clock.now();
    if !app.store.lease_outbox(&record.effect_id, now, now + Duration::seconds(LEASE_SECONDS)).await? {
        return Ok(Outcome::Skipped);
    }
    match send(app, &record.effect, now).await {
        Ok(()) => {
            app.store.outbox_delivered(&record.effect_id, now).await?;
            tracing::info!(effect_id = %record.effect_id, cause = %record.cause, kind = record.effect.kind(), "effect delivered");
            Ok(Outcome::Delivered)
        }
        Err(error) => {
            retry_later(app, record, now, &error).await?;
            Ok(Outcome::Failed)
        }
    }
}

/// Gives a failed effect back, due again after its backoff.
async fn retry_later(app: &App, record: &Outbox, now: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
    let due_at = now + backoff(record.attempts);
    tracing::warn!(effect_id = %record.effect_id, cause = %record.cause, %error, due_at = %crate::clock::rfc3339(due_at), "effect failed; retried later");
    app.store.outbox_retry_at(&record.effect_id, due_at, error).await
}

/// 30 s after the first failure, doubling, at most an hour apart.
fn backoff(attempts: u32) -> Duration {
    Duration::seconds((30_i64 << attempts.min(7)).min(3600))
}

async fn send(app: &App, effect: &Effect, now: DateTime<Utc>) -> Result<(), String> {
    match effect {
        Effect::Email { email } => app.notifier.queue_email(email).await.map_err(|e| e.to_string()),
        Effect::Event { detail_type, detail } => {
            app.notifier.publish(detail_type, detail).await.map_err(|e| e.to_string())
        }
        Effect::Refund { request, settles_order } => {
            payments::provider_for(app, &request.method_type)
                .refund(app, request.clone(), now)
                .await
                .map_err(|e| e.to_string())?;
            match (settles_order, &request.order_id) {
                (true, Some(order_id)) => app.store.mark_refunded(order_id).await.map_err(|e| e.to_string()),
                _ => Ok(()),
            }
        }
        Effect::ProviderEvent { event } => payments::sandbox::queue_event(app, event).await.map_err(|e| e.to_string()),
        Effect::CloseSession { session_id } => {
            payments::provider(app).close_session(app, session_id).await.map_err(|e| e.to_string())
        }
        Effect::ForgetMethod { method_type, token } => {
            payments::provider_for(app, method_type).forget_method(app, token).await.map_err(|e| e.to_string())
        }
    }
}

impl Effect {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Email { .. } => "email",
            Self::Event { .. } => "event",
            Self::Refund { .. } => "refund",
            Self::ProviderEvent { .. } => "provider_event",
            Self::CloseSession { .. } => "close_session",
            Self::ForgetMethod { .. } => "forget_method",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let waits: Vec<i64> = (0..10).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }
}
