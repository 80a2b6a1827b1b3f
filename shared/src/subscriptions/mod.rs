//! Applying the subscription lifecycle (`domain::subscription`): subscribe, the hosted
//! page's outcome, charges of the saved method (renewals, retries, a new method), the trial
//! reminder, cancellation. Each change is one transaction on the version read, with its
//! emails in the outbox, tried again while it loses a race; every charge carries the
//! idempotency key of its subscription, period and attempt, so a replayed or concurrent
//! charge is the same charge. Money is asked for only once the subscription holds its plan
//! (`Billing::about_to_charge`), and money it cannot take goes back.
mod charges;
mod view;

pub use charges::{apply_payment, PaymentOutcome};
use charges::{charge, charge_due, Charged};
pub use view::{ChargeView, SubscriptionView};

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::order::PaymentStatus;
use crate::domain::subscription::{Billing, Due, Event, Notice, Refusal, SubscriptionStatus};
use crate::http::error::ApiError;
use crate::notify::{self, templates, Voice};
use crate::outbox::{self, Effect, Outbox};
use crate::payments::methods::PaymentMethodKind;
use crate::payments::{self, PaymentEvent, PaymentEventKind, ReturnUrls, SessionRequest};
use crate::retry::{self, Attempt};
use crate::store::{
    keys, ChangeError, MethodSave, PaymentMethodRecord, PaymentRecord, Plan, SubscriptionChange, SubscriptionMethod,
    SubscriptionRecord, UserProfile, Write,
};
use crate::views::CURRENCY;
use crate::App;

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

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Cancelled => ApiError::invalid("", "this subscription is cancelled"),
        }
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::AlreadySubscribed => ApiError::AlreadySubscribed,
            ChangeError::MethodGone => ApiError::NotFound { code: "payment_method_not_found", what: "payment method" },
            ChangeError::Refused(refusal) => refusal.into(),
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

async fn read(app: &App, user_id: &str, id: &str) -> Result<SubscriptionRecord, ApiError> {
    app.store.subscription(user_id, id).await?.ok_or_else(not_found)
}

/// Runs one change's `attempt` until it is done: again, after a random pause, while it
/// loses a race (the subscription moved, or the trial was taken, meanwhile).
async fn until_done<T, F, Fut>(id: &str, attempt: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, ApiError>>,
{
    let done = retry::contended(retry::CONTENDED, attempt).await?;
    done.ok_or_else(|| ApiError::Busy(format!("subscription {id} kept changing")))
}

/// A commit's outcome as an attempt's: a lost race is tried again, a refusal answered.
fn settled<T>(committed: Result<T, ChangeError>) -> Result<Attempt<T>, ApiError> {
    match committed {
        Ok(done) => Ok(Attempt::Done(done)),
        Err(ChangeError::Conflict | ChangeError::TrialUsed) => Ok(Attempt::Again),
        Err(e) => Err(e.into()),
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
    let record = new_record(user, plan, trial, now);
    match paying {
        Paying::Page(kind, return_urls) => {
            let expires_at = now + Duration::minutes(settings.payment_session_minutes);
            start_on_page(app, record, kind, return_urls, expires_at, base_url).await
        }
        Paying::Saved(method) => start_with_saved(app, record, &method, base_url).await,
    }
}

fn new_record(user: &UserProfile, plan: &Plan, trial_days: Option<i64>, now: DateTime<Utc>) -> SubscriptionRecord {
    let subscription_id = format!("sub_{}", uuid::Uuid::new_v4().simple());
    let key = keys::subscription(&user.user_id, &subscription_id);
    SubscriptionRecord {
        pk: key.pk,
        sk: key.sk,
        gsi1pk: String::new(),
        gsi1sk: String::new(),
        gsi2pk: None,
        gsi2sk: None,
        subscription_id,
        user_id: user.user_id.clone(),
        email: user.email.clone(),
        plan_id: plan.plan_id.clone(),
        plan_name: plan.name.clone(),
        price_cents: plan.price_cents,
        currency: CURRENCY.to_string(),
        payment_method: None,
        trial_days,
        payment_session_id: None,
        authentication_url: None,
        billing: Billing::new(now),
        charges: Vec::new(),
        created_at: now,
        version: 0,
    }
}

/// A new subscription whose first payment (or card, for a trial) the hosted page collects:
/// written with the page's session in one transaction.
async fn start_on_page(
    app: &App,
    mut record: SubscriptionRecord,
    kind: &dyn PaymentMethodKind,
    return_urls: ReturnUrls,
    expires_at: DateTime<Utc>,
    base_url: &str,
) -> Result<Created, ApiError> {
    let locale = crate::notify::account_locale(app, &record.user_id).await?;
    let request = SessionRequest {
        order_id: None,
        subscription_id: Some(record.subscription_id.clone()),
        user_id: record.user_id.clone(),
        // A trial only collects the card: nothing is charged before its end.
        amount_cents: if record.trial_days.is_some() { 0 } else { record.price_cents },
        currency: CURRENCY.to_string(),
        description: crate::i18n::text(
            locale,
            "subscription-description",
            &[
                ("plan", record.plan_name.as_str().into()),
                ("price", crate::i18n::money(locale, record.price_cents, CURRENCY).into()),
            ],
        ),
        method_type: kind.id().to_string(),
        allow_save: true,
        expires_at,
        return_urls,
        locale,
    };
    let session = payments::provider(app).open_session(app, base_url, request).await?;
    record.payment_session_id = Some(session.session_id.clone());
    let writes: Vec<Write> = session.record.into_iter().collect();
    let id = record.subscription_id.clone();
    let record = until_done(&id, || {
        let applied = Applied { writes: writes.clone(), ..Applied::default() };
        let record = record.clone();
        async move { settled(commit(app, None, record, &[], applied).await) }
    })
    .await?;
    Ok(Created { record, redirect_url: Some(session.redirect_url) })
}

/// A new subscription paid with a saved method: its trial starts at once, or its first
/// month is charged, once the subscription holds its plan (refused before any charge).
async fn start_with_saved(
    app: &App,
    mut record: SubscriptionRecord,
    method: &PaymentMethodRecord,
    base_url: &str,
) -> Result<Created, ApiError> {
    record.payment_method = Some(method_of(method));
    let started = until_done(&record.subscription_id, || started_with_saved(app, &record)).await?;
    let record = match started.billing.charging {
        true => charge_due(app, &started, base_url).await?,
        false => started,
    };
    Ok(Created { record, redirect_url: None })
}

async fn started_with_saved(app: &App, record: &SubscriptionRecord) -> Result<Attempt<SubscriptionRecord>, ApiError> {
    let now = app.clock.now();
    let mut after = record.clone();
    // Offered the trial, unless another subscription started it meanwhile: charged at start.
    let uses_trial = record.trial_days.is_some() && !app.store.trial_used(&record.user_id).await?;
    let notices = match uses_trial {
        true => start(&mut after, now)?,
        false => {
            after.trial_days = None;
            after.billing = after.billing.about_to_charge(now);
            Vec::new()
        }
    };
    settled(commit(app, None, after, &notices, Applied { uses_trial, ..Applied::default() }).await)
}

/// Starts `record`: its trial, or its first period (paid by the charge that goes with it).
fn start(record: &mut SubscriptionRecord, now: DateTime<Utc>) -> Result<Vec<Notice>, Refusal> {
    let (billing, notices) = record.billing.apply(Event::Started { trial_days: record.trial_days }, now)?;
    record.billing = billing;
    Ok(notices)
}

/// What else a change applies besides the subscription itself.
#[derive(Default)]
struct Applied<'a> {
    /// The payment it applies (recorded, and its event id made unrepeatable).
    payment: Option<&'a PaymentEvent>,
    uses_trial: bool,
    /// A method saved with it.
    saving: Option<&'a MethodSave>,
    /// Effects besides the notices' emails (the saved method's email).
    effects: Vec<Outbox>,
    /// Writes besides (the hosted page's session).
    writes: Vec<Write>,
}

/// Commits `after` over `before` (as read) with the emails of `notices`, then delivers
/// them; the subscription as stored. A subscription its page can no longer start has the
/// page's session closed with the change.
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
    // The shop's settings and the account's language only for an email.
    let mut effects = Vec::new();
    if !notices.is_empty() {
        let settings = app.store.settings().await?;
        let voice = Voice { shop: &settings, locale: notify::account_locale(app, &after.user_id).await? };
        effects.extend(notices.iter().map(|notice| {
            Outbox::new(&cause, Effect::Email { email: templates::subscription(&voice, &after, notice) }, now)
        }));
    }
    if !after.billing.awaits_page() {
        if let Some(session_id) = after.payment_session_id.take() {
            effects.push(Outbox::new(&cause, Effect::CloseSession { session_id }, now));
        }
    }
    effects.extend(applied.effects);
    let mut with = outbox::puts(app, &effects)?;
    with.extend(applied.writes);
    let payment = applied.payment.map(|event| {
        let mut record =
            PaymentRecord::new(&event.payment_id, &event.method.method_type, event.amount_cents, status_of(event), now);
        record.subscription_id = Some(after.subscription_id.clone());
        record.decline_code = event.decline_code.clone();
        (event.event_id.as_str(), record)
    });
    app.store
        .commit_subscription(SubscriptionChange {
            before,
            after: &after,
            payment,
            uses_trial: applied.uses_trial,
            saving: applied.saving,
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

fn status_of(event: &PaymentEvent) -> PaymentStatus {
    match event.kind {
        PaymentEventKind::Succeeded => PaymentStatus::Succeeded,
        PaymentEventKind::Failed => PaymentStatus::Failed,
    }
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
/// (or its retry, or a first charge whose outcome never came), or the end of a cancelled
/// period. Safe to run twice, or at once. `base_url`: where the API's pages are reached.
pub async fn run_due(app: &App, user_id: &str, id: &str, base_url: &str) -> Result<DueOutcome, ApiError> {
    let Some(current) = app.store.subscription(user_id, id).await? else { return Ok(DueOutcome::Nothing) };
    let now = app.clock.now();
    let (after, notices) = match current.billing.due(now) {
        None => return Ok(DueOutcome::Nothing),
        Some(Due::Charge { .. }) => {
            return Ok(match charge(app, &current, base_url).await? {
                Charged::Applied(after) => match after.charges.last().map(|c| c.status) {
                    Some(PaymentStatus::Succeeded) => DueOutcome::Charged,
                    Some(_) => DueOutcome::ChargeFailed,
                    None => DueOutcome::Nothing,
                },
                Charged::AlreadyApplied | Charged::Refused { .. } => DueOutcome::Nothing,
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
/// incomplete subscription is charged with it at once (an incomplete one once it holds
/// its plan).
pub async fn change_method(
    app: &App,
    user_id: &str,
    id: &str,
    method: &PaymentMethodRecord,
    base_url: &str,
) -> Result<SubscriptionRecord, ApiError> {
    let changed = until_done(id, || method_changed(app, user_id, id, method)).await?;
    match changed.billing.owes_charge_now() {
        true => charge_due(app, &changed, base_url).await,
        false => Ok(changed),
    }
}

async fn method_changed(
    app: &App,
    user_id: &str,
    id: &str,
    method: &PaymentMethodRecord,
) -> Result<Attempt<SubscriptionRecord>, ApiError> {
    let current = read(app, user_id, id).await?;
    if current.billing.status == SubscriptionStatus::Cancelled {
        return Err(Refusal::Cancelled.into());
    }
    let now = app.clock.now();
    let mut after = current.clone();
    after.payment_method = Some(method_of(method));
    // An incomplete subscription that owes a trial starts it with the new method.
    let uses_trial = current.billing.status == SubscriptionStatus::Incomplete
        && current.trial_days.is_some()
        && !app.store.trial_used(user_id).await?;
    let notices = match uses_trial {
        true => start(&mut after, now)?,
        false if after.billing.owes_charge_now() => {
            after.billing = after.billing.about_to_charge(now);
            Vec::new()
        }
        false => Vec::new(),
    };
    settled(commit(app, Some(&current), after, &notices, Applied { uses_trial, ..Applied::default() }).await)
}

/// The subscriber cancels: at the end of the running period, or at once when none runs.
pub async fn cancel(app: &App, user_id: &str, id: &str) -> Result<SubscriptionRecord, ApiError> {
    until_done(id, || cancelled(app, user_id, id)).await
}

async fn cancelled(app: &App, user_id: &str, id: &str) -> Result<Attempt<SubscriptionRecord>, ApiError> {
    let current = read(app, user_id, id).await?;
    if current.billing.cancel_at_period_end || current.billing.status == SubscriptionStatus::Cancelled {
        return Ok(Attempt::Done(current));
    }
    let (billing, notices) = current.billing.apply(Event::CancelRequested, app.clock.now())?;
    let mut after = current.clone();
    after.billing = billing;
    settled(commit(app, Some(&current), after, &notices, Applied::default()).await)
}
