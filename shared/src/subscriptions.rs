//! Applying the subscription lifecycle (`domain::subscription`): subscribe, the hosted
//! page's outcome, charges of the saved method (renewals, retries, a new method), the trial
//! reminder, cancellation. Each change is one transaction on the version read, with its
//! emails in the outbox; every charge carries the idempotency key of its subscription,
//! period and attempt, so a replayed or concurrent charge is the same charge.
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::order::PaymentStatus;
use crate::domain::subscription::{Billing, Due, Event, Notice};
use crate::http::error::ApiError;
use crate::notify::templates;
use crate::outbox::{self, Effect, Outbox};
use crate::payments::methods::PaymentMethodKind;
use crate::payments::{self, ChargeRequest, PaymentEvent, PaymentEventKind, RefundRequest, ReturnUrls, SessionRequest};
use crate::saved_methods::{self, Saving};
use crate::store::{
    keys, ChangeError, PaymentMethodRecord, PaymentRecord, Plan, SubscriptionChange, SubscriptionCharge,
    SubscriptionMethod, SubscriptionRecord, UserProfile,
};
use crate::views::CURRENCY;
use crate::App;

/// How many times a change is tried again when the subscription moved meanwhile.
const CONFLICT_RETRIES: usize = 8;

/// How a new subscription is paid.
pub enum Paying {
    /// On the hosted page, which collects and saves the method, then sends the subscriber
    /// back to the storefront's URLs, if it gave any.
    Page(&'static dyn PaymentMethodKind, ReturnUrls),
    /// With a saved method, at once.
    Saved(Box<PaymentMethodRecord>),
}

/// A new subscription, and where to send the buyer when the page collects the method.
pub struct Created {
    pub record: SubscriptionRecord,
    pub redirect_url: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::not_found("subscription")
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::AlreadySubscribed => ApiError::AlreadySubscribed,
            ChangeError::MethodGone => ApiError::NotFound { code: "payment_method_not_found", what: "payment method" },
            ChangeError::Store(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

fn method_of(record: &PaymentMethodRecord) -> SubscriptionMethod {
    SubscriptionMethod {
        payment_method_id: record.payment_method_id.clone(),
        token: record.token.clone(),
        details: record.details.clone(),
    }
}

/// Subscribes `user` to `plan`: the first subscription of a user gets the free trial.
pub async fn create(
    app: &App,
    user: &UserProfile,
    plan: &Plan,
    paying: Paying,
    base_url: &str,
) -> Result<Created, ApiError> {
    let now = app.clock.now();
    let settings = app.store.settings().await?;
    let trial = (settings.trial_days > 0 && !app.store.trial_used(&user.user_id).await?).then_some(settings.trial_days);
    let subscription_id = format!("sub_{}", uuid::Uuid::new_v4().simple());
    let key = keys::subscription(&user.user_id, &subscription_id);
    let mut record = SubscriptionRecord {
        pk: key.pk,
        sk: key.sk,
        gsi1pk: String::new(),
        gsi1sk: String::new(),
        gsi2pk: None,
        gsi2sk: None,
        subscription_id: subscription_id.clone(),
        user_id: user.user_id.clone(),
        email: user.email.clone(),
        plan_id: plan.plan_id.clone(),
        plan_name: plan.name.clone(),
        price_cents: plan.price_cents,
        currency: CURRENCY.to_string(),
        payment_method: None,
        trial_days: trial,
        billing: Billing::new(now),
        charges: Vec::new(),
        created_at: now,
        version: 0,
    };
    match paying {
        Paying::Page(kind, return_urls) => {
            let record = commit(app, None, record, &[], Applied::default()).await?;
            let request = SessionRequest {
                order_id: None,
                subscription_id: Some(subscription_id.clone()),
                user_id: user.user_id.clone(),
                // A trial only collects the card: nothing is charged before its end.
                amount_cents: if trial.is_some() { 0 } else { plan.price_cents },
                currency: CURRENCY.to_string(),
                description: format!("Subscription {} ({}/month)", plan.name, plan.price_cents),
                method_type: kind.id().to_string(),
                allow_save: true,
                expires_at: now + Duration::minutes(settings.payment_session_minutes),
                return_urls,
            };
            let session = payments::provider()
                .open_session(app, base_url, request)
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            if let Some(record) = session.record {
                app.store.write(record).await?;
            }
            Ok(Created { record, redirect_url: Some(session.redirect_url) })
        }
        Paying::Saved(method) => {
            record.payment_method = Some(method_of(&method));
            if trial.is_some() {
                let (billing, notices) = started(&record, now)?;
                let mut after = record.clone();
                after.billing = billing;
                let applied = Applied { uses_trial: true, ..Applied::default() };
                match commit(app, None, after, &notices, applied).await {
                    Ok(record) => return Ok(Created { record, redirect_url: None }),
                    // Another subscription started the user's trial meanwhile: charged at start.
                    Err(ChangeError::TrialUsed) => record.trial_days = None,
                    Err(e) => return Err(e.into()),
                }
            }
            let record = commit(app, None, record, &[], Applied::default()).await?;
            let record = charge_due(app, &record).await?;
            Ok(Created { record, redirect_url: None })
        }
    }
}

/// The subscription's start: its trial, or its first period (paid by the charge that
/// goes with it).
fn started(record: &SubscriptionRecord, now: DateTime<Utc>) -> Result<(Billing, Vec<Notice>), ApiError> {
    record
        .billing
        .apply(Event::Started { trial_days: record.trial_days }, now)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// What else a change applies besides the subscription itself.
#[derive(Default)]
struct Applied<'a> {
    /// The payment it applies (recorded, and its event id made unrepeatable).
    payment: Option<&'a PaymentEvent>,
    uses_trial: bool,
    /// A method saved with it.
    saving: Option<Saving>,
    /// Effects besides the notices' emails (a refund).
    effects: Vec<Outbox>,
}

/// Commits `after` over `before` (as read) with the emails of `notices`, then delivers
/// them; the subscription as stored.
async fn commit(
    app: &App,
    before: Option<&SubscriptionRecord>,
    mut after: SubscriptionRecord,
    notices: &[Notice],
    applied: Applied<'_>,
) -> Result<SubscriptionRecord, ChangeError> {
    let now = app.clock.now();
    after.version = before.map_or(1, |b| b.version + 1);
    after.index();
    let cause = format!("subscription:{}", after.subscription_id);
    let mut effects: Vec<Outbox> = notices
        .iter()
        .map(|notice| Outbox::new(&cause, Effect::Email { email: templates::subscription(&after, notice) }, now))
        .collect();
    effects.extend(applied.effects);
    let mut with = Vec::new();
    let mut method_written = false;
    if let Some(mut saving) = applied.saving {
        let newly_charged = after.charged_method() == Some(saving.record.payment_method_id.as_str())
            && before.and_then(SubscriptionRecord::charged_method) != after.charged_method();
        if newly_charged {
            saving.record.live_subscriptions += 1;
            method_written = true;
        }
        with.push(
            saving
                .write(app.store.table())
                .map_err(|e| ChangeError::Store(crate::store::StoreError::Aws(e.to_string())))?,
        );
        effects.extend(saving.effects);
    }
    with.extend(outbox::puts(app, &effects)?);
    let payment = applied.payment.map(|event| {
        let status = match event.kind {
            PaymentEventKind::Succeeded => PaymentStatus::Succeeded,
            PaymentEventKind::Failed => PaymentStatus::Failed,
        };
        let mut record =
            PaymentRecord::new(&event.payment_id, &event.method.method_type, event.amount_cents, status, now);
        record.subscription_id = Some(after.subscription_id.clone());
        record
    });
    app.store
        .commit_subscription(SubscriptionChange {
            before,
            after: &after,
            event_id: applied.payment.map(|p| p.event_id.as_str()),
            payment,
            uses_trial: applied.uses_trial,
            method_written,
            with,
        })
        .await?;
    tracing::info!(
        subscription_id = %after.subscription_id,
        user_id = %after.user_id,
        from = before.map_or("new", |b| b.billing.status.as_str()),
        to = after.billing.status.as_str(),
        "subscription changed"
    );
    outbox::deliver_now(app, &effects).await;
    Ok(after)
}

/// The subscription after the charge `event` of the attempt due, with its notices.
fn charged(
    before: &SubscriptionRecord,
    event: &PaymentEvent,
    now: DateTime<Utc>,
) -> Result<(SubscriptionRecord, Vec<Notice>), ApiError> {
    let (change, status) = match event.kind {
        PaymentEventKind::Succeeded => (Event::ChargeSucceeded, PaymentStatus::Succeeded),
        PaymentEventKind::Failed => (Event::ChargeFailed, PaymentStatus::Failed),
    };
    let (billing, notices) = before.billing.apply(change, now).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut after = before.clone();
    after.billing = billing;
    after.charges.push(SubscriptionCharge {
        at: now,
        amount_cents: event.amount_cents,
        status,
        payment_id: event.payment_id.clone(),
    });
    Ok((after, notices))
}

/// Charges the attempt due with the subscription's saved method and applies the outcome.
async fn charge_due(app: &App, record: &SubscriptionRecord) -> Result<SubscriptionRecord, ApiError> {
    let method =
        record.payment_method.as_ref().ok_or_else(|| ApiError::Internal("no payment method to charge".into()))?;
    let request = ChargeRequest {
        idempotency_key: record.billing.charge_key(&record.subscription_id),
        token: method.token.clone(),
        user_id: record.user_id.clone(),
        order_id: None,
        subscription_id: Some(record.subscription_id.clone()),
        amount_cents: record.price_cents,
        currency: record.currency.clone(),
    };
    let event = payments::provider().charge(app, request).await.map_err(|error| {
        tracing::error!(subscription_id = %record.subscription_id, %error, "subscription charge failed to complete");
        ApiError::PaymentUnavailable
    })?;
    apply_charge(app, &record.user_id, &record.subscription_id, &event).await
}

/// Applies the outcome of an off-session charge if the subscription still awaits that
/// attempt (else it was applied, by the consumer or the webhook): the subscription now.
async fn apply_charge(
    app: &App,
    user_id: &str,
    id: &str,
    event: &PaymentEvent,
) -> Result<SubscriptionRecord, ApiError> {
    for _ in 0..CONFLICT_RETRIES {
        let current = app.store.subscription(user_id, id).await?.ok_or_else(not_found)?;
        let awaited = current.billing.charge_key(id);
        if event.idempotency_key.as_deref() != Some(awaited.as_str()) {
            return Ok(current);
        }
        let (after, notices) = charged(&current, event, app.clock.now())?;
        let applied = Applied { payment: Some(event), ..Applied::default() };
        match commit(app, Some(&current), after, &notices, applied).await {
            Ok(after) => return Ok(after),
            Err(ChangeError::AlreadyApplied | ChangeError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Internal(format!("subscription {id} kept changing")))
}

/// What the webhook did with a subscription's payment event.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentOutcome {
    Applied,
    AlreadyProcessed,
    /// Money the subscription could not take: recorded and refunded.
    Refunded,
    Ignored,
}

/// The provider's outcome of a subscription's payment: the hosted page's (which starts it)
/// or an off-session charge's copy (applied once, by whichever path comes first).
pub async fn apply_payment(app: &App, event: &PaymentEvent) -> Result<PaymentOutcome, ApiError> {
    let (Some(user_id), Some(id)) = (event.user_id.as_deref(), event.subscription_id.as_deref()) else {
        return Ok(PaymentOutcome::Ignored);
    };
    if event.idempotency_key.is_some() {
        let before = app.store.subscription(user_id, id).await?.ok_or_else(not_found)?;
        let after = apply_charge(app, user_id, id, event).await?;
        return Ok(match after.version == before.version {
            true => PaymentOutcome::AlreadyProcessed,
            false => PaymentOutcome::Applied,
        });
    }
    for _ in 0..CONFLICT_RETRIES {
        let Some(current) = app.store.subscription(user_id, id).await? else { return Ok(PaymentOutcome::Ignored) };
        match started_by_page(app, &current, event).await {
            Err(ChangeError::Conflict | ChangeError::TrialUsed) => continue,
            Err(ChangeError::AlreadyApplied) => return Ok(PaymentOutcome::AlreadyProcessed),
            // The plan is held by another subscription meanwhile: the money goes back.
            Err(ChangeError::AlreadySubscribed) => return refund(app, &current, event).await,
            Err(e) => return Err(e.into()),
            Ok(Some(record)) => {
                // A trial's card arrived when the trial could no longer be given: charged now.
                if record.billing.owes_charge_now() && record.payment_method.is_some() && event.amount_cents == 0 {
                    charge_due(app, &record).await?;
                }
                return Ok(PaymentOutcome::Applied);
            }
            Ok(None) if event.kind == PaymentEventKind::Succeeded => return refund(app, &current, event).await,
            Ok(None) => return Ok(PaymentOutcome::Ignored),
        }
    }
    Err(ApiError::Internal(format!("subscription {id} kept changing")))
}

/// Applies the hosted page's outcome to an incomplete subscription; `None` if it is not
/// incomplete any more.
async fn started_by_page(
    app: &App,
    current: &SubscriptionRecord,
    event: &PaymentEvent,
) -> Result<Option<SubscriptionRecord>, ChangeError> {
    if current.billing.status != crate::domain::subscription::SubscriptionStatus::Incomplete {
        return Ok(None);
    }
    let now = app.clock.now();
    let internal = |e: ApiError| ChangeError::Store(crate::store::StoreError::Aws(e.to_string()));
    if event.kind == PaymentEventKind::Failed {
        let (after, notices) = charged(current, event, now).map_err(internal)?;
        let applied = Applied { payment: Some(event), ..Applied::default() };
        return commit(app, Some(current), after, &notices, applied).await.map(Some);
    }
    let saving = saved_methods::saving(app, &current.user_id, &current.email, event, now).await.map_err(internal)?;
    let Some(saving) = saving else { return Ok(None) };
    let mut after = current.clone();
    after.payment_method = Some(method_of(&saving.record));
    let trial = current.trial_days.is_some() && !app.store.trial_used(&current.user_id).await?;
    let (after, notices, uses_trial) = if trial {
        let (billing, notices) = started(&after, now).map_err(internal)?;
        after.billing = billing;
        (after, notices, true)
    } else if event.amount_cents >= current.price_cents {
        // The page took the first period's payment.
        let (after, notices) = charged(&after, event, now).map_err(internal)?;
        (after, notices, false)
    } else {
        // Only the card was collected: it is saved, and charged right after.
        (after, Vec::new(), false)
    };
    let applied = Applied { payment: Some(event), uses_trial, saving: Some(saving), ..Applied::default() };
    commit(app, Some(current), after, &notices, applied).await.map(Some)
}

/// Money a subscription could not take (it started otherwise, or its plan is held by
/// another one): recorded with its refund, once.
async fn refund(app: &App, record: &SubscriptionRecord, event: &PaymentEvent) -> Result<PaymentOutcome, ApiError> {
    let now = app.clock.now();
    let request = RefundRequest {
        payment_id: event.payment_id.clone(),
        order_id: None,
        method_type: event.method.method_type.clone(),
        amount_cents: event.amount_cents,
    };
    let cause = format!("subscription:{}", record.subscription_id);
    let effects = vec![Outbox::new(&cause, Effect::Refund { request, settles_order: false }, now)];
    let writes = outbox::puts(app, &effects)?;
    let mut payment = PaymentRecord::new(
        &event.payment_id,
        &event.method.method_type,
        event.amount_cents,
        PaymentStatus::Succeeded,
        now,
    );
    payment.subscription_id = Some(record.subscription_id.clone());
    if !app.store.record_event(&event.event_id, &record.subscription_id, now, &[payment], writes).await? {
        return Ok(PaymentOutcome::AlreadyProcessed);
    }
    tracing::warn!(subscription_id = %record.subscription_id, payment_id = %event.payment_id, "subscription payment refunded");
    outbox::deliver_now(app, &effects).await;
    Ok(PaymentOutcome::Refunded)
}

/// What the renewal consumer did for one subscription.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueOutcome {
    Reminded,
    Charged,
    ChargeFailed,
    Ended,
    /// Nothing due any more (done by another run, or changed meanwhile).
    Nothing,
}

/// Does what is due now for a subscription: the trial reminder, the charge of the period
/// (or its retry), or the end of a cancelled period. Safe to run twice, or at once.
pub async fn run_due(app: &App, user_id: &str, id: &str) -> Result<DueOutcome, ApiError> {
    let Some(current) = app.store.subscription(user_id, id).await? else { return Ok(DueOutcome::Nothing) };
    let now = app.clock.now();
    let (after, notices) = match current.billing.due(now) {
        None => return Ok(DueOutcome::Nothing),
        Some(Due::Charge { .. }) => {
            let after = charge_due(app, &current).await?;
            let last = after.charges.last().filter(|_| after.version != current.version);
            return Ok(match last.map(|c| c.status) {
                Some(PaymentStatus::Succeeded) => DueOutcome::Charged,
                Some(_) => DueOutcome::ChargeFailed,
                None => DueOutcome::Nothing,
            });
        }
        Some(Due::RemindTrialEnd) => {
            let at = current.billing.trial_ends_at.unwrap_or(now);
            let mut after = current.clone();
            after.billing = current.billing.reminded();
            (after, vec![Notice::TrialEndsSoon { at }])
        }
        Some(Due::End) => {
            let (billing, notices) = current.billing.ended();
            let mut after = current.clone();
            after.billing = billing;
            (after, notices)
        }
    };
    let outcome = if after.billing.status == current.billing.status { DueOutcome::Reminded } else { DueOutcome::Ended };
    match commit(app, Some(&current), after, &notices, Applied::default()).await {
        Ok(_) => Ok(outcome),
        Err(ChangeError::Conflict) => Ok(DueOutcome::Nothing),
        Err(e) => Err(e.into()),
    }
}

/// The subscriber changes the saved method it charges; a past-due, suspended or
/// incomplete subscription is charged with it at once.
pub async fn change_method(
    app: &App,
    user_id: &str,
    id: &str,
    method: &PaymentMethodRecord,
) -> Result<SubscriptionRecord, ApiError> {
    for _ in 0..CONFLICT_RETRIES {
        let current = app.store.subscription(user_id, id).await?.ok_or_else(not_found)?;
        if current.billing.status == crate::domain::subscription::SubscriptionStatus::Cancelled {
            return Err(ApiError::invalid("this subscription is cancelled"));
        }
        let mut after = current.clone();
        after.payment_method = Some(method_of(method));
        // An incomplete subscription that owes a trial starts it with the new method.
        let trial = current.billing.status == crate::domain::subscription::SubscriptionStatus::Incomplete
            && current.trial_days.is_some()
            && !app.store.trial_used(user_id).await?;
        let (notices, uses_trial) = match trial {
            true => {
                let (billing, notices) = started(&after, app.clock.now())?;
                after.billing = billing;
                (notices, true)
            }
            false => (Vec::new(), false),
        };
        let applied = Applied { uses_trial, ..Applied::default() };
        match commit(app, Some(&current), after, &notices, applied).await {
            Ok(after) if after.billing.owes_charge_now() => return charge_due(app, &after).await,
            Ok(after) => return Ok(after),
            Err(ChangeError::Conflict | ChangeError::TrialUsed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Internal(format!("subscription {id} kept changing")))
}

/// The subscriber cancels: at the end of the running period, or at once when none runs.
pub async fn cancel(app: &App, user_id: &str, id: &str) -> Result<SubscriptionRecord, ApiError> {
    for _ in 0..CONFLICT_RETRIES {
        let current = app.store.subscription(user_id, id).await?.ok_or_else(not_found)?;
        if current.billing.cancel_at_period_end
            || current.billing.status == crate::domain::subscription::SubscriptionStatus::Cancelled
        {
            return Ok(current);
        }
        let (billing, notices) = current
            .billing
            .apply(Event::CancelRequested, app.clock.now())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut after = current.clone();
        after.billing = billing;
        match commit(app, Some(&current), after, &notices, Applied::default()).await {
            Ok(after) => return Ok(after),
            Err(ChangeError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Internal(format!("subscription {id} kept changing")))
}

/// A subscription as its subscriber (and the back office) sees it (API.md, "Subscriptions").
#[derive(Debug, Serialize)]
pub struct SubscriptionView {
    pub subscription_id: String,
    pub plan_id: String,
    pub plan_name: String,
    pub price_cents: i64,
    pub currency: String,
    pub status: crate::domain::subscription::SubscriptionStatus,
    #[serde(with = "crate::clock::secs::option")]
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// The end of the running period (the trial's, or the one paid); none before it starts.
    #[serde(with = "crate::clock::secs::option")]
    pub current_period_end: Option<DateTime<Utc>>,
    #[serde(with = "crate::clock::secs::option")]
    pub next_charge_at: Option<DateTime<Utc>>,
    pub failed_attempts: u32,
    pub cancel_at_period_end: bool,
    pub payment_method: Option<saved_methods::SavedMethod>,
    pub charges: Vec<ChargeView>,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct ChargeView {
    #[serde(with = "crate::clock::secs")]
    pub at: DateTime<Utc>,
    pub amount_cents: i64,
    pub status: PaymentStatus,
}

impl From<&SubscriptionRecord> for SubscriptionView {
    fn from(r: &SubscriptionRecord) -> Self {
        use crate::domain::subscription::SubscriptionStatus as S;
        let b = &r.billing;
        let running = !matches!(b.status, S::Incomplete);
        Self {
            subscription_id: r.subscription_id.clone(),
            plan_id: r.plan_id.clone(),
            plan_name: r.plan_name.clone(),
            price_cents: r.price_cents,
            currency: r.currency.clone(),
            status: b.status,
            trial_ends_at: b.trial_ends_at,
            current_period_end: running.then(|| b.current_period_end()),
            next_charge_at: b.next_charge_at.filter(|_| !b.cancel_at_period_end),
            failed_attempts: b.failed_attempts,
            cancel_at_period_end: b.cancel_at_period_end,
            payment_method: r
                .payment_method
                .as_ref()
                .map(|m| saved_methods::SavedMethod::of(&m.payment_method_id, &m.details)),
            charges: r
                .charges
                .iter()
                .map(|c| ChargeView { at: c.at, amount_cents: c.amount_cents, status: c.status })
                .collect(),
            created_at: r.created_at,
        }
    }
}
