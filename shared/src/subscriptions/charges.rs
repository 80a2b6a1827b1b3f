//! Money for a subscription: the off-session charges of its saved method, the hosted
//! page's payment, each applied once by whichever path comes first (the call that asked
//! for it, or the webhook's copy), and what goes back when the subscription cannot take it.
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{commit, method_of, read, start, status_of, until_done, Applied};
use crate::domain::order::PaymentStatus;
use crate::domain::subscription::{ChargeFailure, Event, Notice, Refusal};
use crate::http::error::ApiError;
use crate::outbox::{self, Effect, Outbox};
use crate::payments::{self, ChargeRequest, PaymentEvent, PaymentEventKind, RefundRequest, Session, SessionRequest};
use crate::retry::Attempt;
use crate::saved_methods;
use crate::store::{AppliedTo, ChangeError, PaymentRecord, SubscriptionCharge, SubscriptionRecord};
use crate::App;

/// The subscription after the charge `event` of the attempt due, with its notices.
fn charged(
    before: &SubscriptionRecord,
    event: &PaymentEvent,
    now: DateTime<Utc>,
) -> Result<(SubscriptionRecord, Vec<Notice>), Refusal> {
    let change = match (event.kind, event.authentication_required) {
        (PaymentEventKind::Succeeded, _) => Event::ChargeSucceeded,
        (PaymentEventKind::Failed, false) => Event::ChargeFailed(ChargeFailure::Declined),
        (PaymentEventKind::Failed, true) => Event::ChargeFailed(ChargeFailure::AuthenticationRequired),
    };
    let (billing, notices) = before.billing.apply(change, now)?;
    let mut after = before.clone();
    after.billing = billing;
    // A page to confirm an earlier charge on is the caller's to open; none once one paid.
    after.authentication_url = None;
    after.charges.push(SubscriptionCharge {
        at: now,
        amount_cents: event.amount_cents,
        status: status_of(event),
        payment_id: event.payment_id.clone(),
    });
    Ok((after, notices))
}

/// What became of an off-session charge's outcome.
pub(super) enum Charged {
    /// Applied now: the subscription after it.
    Applied(Box<SubscriptionRecord>),
    /// Applied before (by the webhook's copy, or the call that asked for the charge).
    AlreadyApplied,
    /// Its subscription could not take it (`why`: cancelled meanwhile, or its plan held by
    /// another): recorded and, if it took money, refunded (`outcome`).
    Refused { why: ApiError, outcome: PaymentOutcome },
}

/// Asks the provider for the attempt due with the subscription's saved method, then
/// applies the outcome; `base_url` is where the API's pages are reached (the page that
/// confirms a charge the customer must authenticate).
pub(super) async fn charge(app: &App, record: &SubscriptionRecord, base_url: &str) -> Result<Charged, ApiError> {
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
    let event = payments::provider_for(app, &method.details.method_type).charge(app, request).await.map_err(|error| {
        tracing::error!(subscription_id = %record.subscription_id, %error, "subscription charge failed to complete");
        ApiError::PaymentUnavailable
    })?;
    apply_charge(app, &record.user_id, &record.subscription_id, &event, base_url).await
}

/// `charge`, for a subscriber waiting on it: the subscription now, or why it could not
/// take the charge.
pub(super) async fn charge_due(
    app: &App,
    record: &SubscriptionRecord,
    base_url: &str,
) -> Result<SubscriptionRecord, ApiError> {
    match charge(app, record, base_url).await? {
        Charged::Applied(after) => Ok(*after),
        Charged::AlreadyApplied => read(app, &record.user_id, &record.subscription_id).await,
        Charged::Refused { why, .. } => Err(why),
    }
}

/// Applies the outcome of an off-session charge if the subscription still awaits that
/// attempt (else it was applied, by the consumer or the webhook); money it can no longer
/// take goes back.
async fn apply_charge(
    app: &App,
    user_id: &str,
    id: &str,
    event: &PaymentEvent,
    base_url: &str,
) -> Result<Charged, ApiError> {
    until_done(id, || charge_applied(app, user_id, id, event, base_url)).await
}

async fn charge_applied(
    app: &App,
    user_id: &str,
    id: &str,
    event: &PaymentEvent,
    base_url: &str,
) -> Result<Attempt<Charged>, ApiError> {
    let current = read(app, user_id, id).await?;
    if event.idempotency_key.as_deref() != Some(current.billing.charge_key(id).as_str()) {
        // Boxed: a rare path whose future need not weigh on every charge's.
        return Box::pin(late_charge(app, &current, event)).await;
    }
    let committed = match charged(&current, event, app.clock.now()) {
        Ok((mut after, notices)) => {
            let page = Box::pin(confirmation_page(app, &current, event, base_url)).await?;
            after.authentication_url = page.as_ref().map(|p| p.redirect_url.clone());
            let writes = page.and_then(|p| p.record).into_iter().collect();
            let applied = Applied { payment: Some(event), writes, ..Applied::default() };
            commit(app, Some(&current), after, &notices, applied).await
        }
        Err(refusal) => Err(ChangeError::Refused(refusal)),
    };
    Box::pin(settle_charge(app, &current, event, committed)).await
}

/// What a charge's commit came to: applied, tried again after a lost race, or refused (its
/// money, if any, going back).
async fn settle_charge(
    app: &App,
    current: &SubscriptionRecord,
    event: &PaymentEvent,
    committed: Result<SubscriptionRecord, ChangeError>,
) -> Result<Attempt<Charged>, ApiError> {
    match committed {
        Ok(after) => Ok(Attempt::Done(Charged::Applied(Box::new(after)))),
        Err(ChangeError::Conflict) => Ok(Attempt::Again),
        Err(ChangeError::AlreadyApplied) => Ok(Attempt::Done(Charged::AlreadyApplied)),
        Err(refused @ (ChangeError::AlreadySubscribed | ChangeError::Refused(_))) => {
            let outcome = refuse_payment(app, current, event).await?;
            Ok(Attempt::Done(Charged::Refused { why: refused.into(), outcome }))
        }
        Err(e) => Err(e.into()),
    }
}

/// The outcome of another attempt than the one due: applied already (by the call that asked
/// for it or the webhook), a failure a later attempt superseded, or a payment the customer
/// confirmed afterwards (3-D Secure, from the email's link). That one pays the period it was
/// for while the subscription still owes it; otherwise its money goes back.
async fn late_charge(
    app: &App,
    current: &SubscriptionRecord,
    event: &PaymentEvent,
) -> Result<Attempt<Charged>, ApiError> {
    let applied = current.charges.iter().any(|c| c.payment_id == event.payment_id && c.status == status_of(event));
    if applied || event.kind != PaymentEventKind::Succeeded {
        return Ok(Attempt::Done(Charged::AlreadyApplied));
    }
    let owed = event.idempotency_key.as_deref().is_some_and(|key| current.billing.owes(&current.subscription_id, key));
    if !owed {
        let outcome = refuse_payment(app, current, event).await?;
        let why = ApiError::invalid("", "the period this payment was for is paid already");
        return Ok(Attempt::Done(Charged::Refused { why, outcome }));
    }
    let committed = match charged(current, event, app.clock.now()) {
        Ok((after, notices)) => {
            let applied = Applied { payment: Some(event), ..Applied::default() };
            commit(app, Some(current), after, &notices, applied).await
        }
        Err(refusal) => Err(ChangeError::Refused(refusal)),
    };
    Box::pin(settle_charge(app, current, event, committed)).await
}

/// How long the customer has to confirm a charge their bank asked them to authenticate.
const CONFIRMATION_DAYS: i64 = 7;

/// For a charge the customer must authenticate, the page where they confirm that same
/// payment on-session (the provider's way: Stripe.js on its PaymentIntent, or the sandbox's
/// challenge), opened with the change that records the failure; its URL goes in the email.
async fn confirmation_page(
    app: &App,
    record: &SubscriptionRecord,
    event: &PaymentEvent,
    base_url: &str,
) -> Result<Option<Session>, ApiError> {
    if event.kind != PaymentEventKind::Failed || !event.authentication_required {
        return Ok(None);
    }
    let locale = crate::notify::account_locale(app, &record.user_id).await?;
    let request = SessionRequest {
        order_id: None,
        subscription_id: Some(record.subscription_id.clone()),
        user_id: record.user_id.clone(),
        amount_cents: event.amount_cents,
        currency: event.currency.clone(),
        description: crate::i18n::text(
            locale,
            "confirm-subscription-description",
            &[("plan", record.plan_name.as_str().into())],
        ),
        method_type: event.method.method_type.clone(),
        allow_save: false,
        expires_at: app.clock.now() + chrono::Duration::days(CONFIRMATION_DAYS),
        return_urls: payments::ReturnUrls::default(),
        locale,
    };
    let provider = payments::provider_for(app, &event.method.method_type);
    let Some(charge) = payments::Unconfirmed::of(event) else { return Ok(None) };
    let page = payments::ConfirmationPage { base_url, request, charge };
    Ok(Some(provider.confirmation_session(app, page).await?))
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
pub async fn apply_payment(app: &App, event: &PaymentEvent, base_url: &str) -> Result<PaymentOutcome, ApiError> {
    let (Some(user_id), Some(id)) = (event.user_id.as_deref(), event.subscription_id.as_deref()) else {
        return Ok(PaymentOutcome::Ignored);
    };
    if event.idempotency_key.is_none() {
        return apply_page_payment(app, user_id, id, event, base_url).await;
    }
    Ok(match apply_charge(app, user_id, id, event, base_url).await? {
        Charged::Applied(_) => PaymentOutcome::Applied,
        Charged::AlreadyApplied => PaymentOutcome::AlreadyProcessed,
        Charged::Refused { outcome, .. } => outcome,
    })
}

/// The hosted page's outcome: it starts its incomplete subscription, or its money goes back.
async fn apply_page_payment(
    app: &App,
    user_id: &str,
    id: &str,
    event: &PaymentEvent,
    base_url: &str,
) -> Result<PaymentOutcome, ApiError> {
    let (outcome, started) = until_done(id, || page_payment_applied(app, user_id, id, event)).await?;
    // A trial's card that came when the trial could no longer be given: charged now, or by
    // the renewal job if the provider does not answer.
    if let Some(record) = started.filter(|r| r.billing.charging) {
        if let Err(error) = charge_due(app, &record, base_url).await {
            tracing::warn!(subscription_id = %id, %error, "first charge not settled; the renewal job asks again");
        }
    }
    Ok(outcome)
}

async fn page_payment_applied(
    app: &App,
    user_id: &str,
    id: &str,
    event: &PaymentEvent,
) -> Result<Attempt<(PaymentOutcome, Option<SubscriptionRecord>)>, ApiError> {
    let Some(current) = app.store.subscription(user_id, id).await? else {
        return Ok(Attempt::Done((PaymentOutcome::Ignored, None)));
    };
    let refused = |outcome| Ok(Attempt::Done((outcome, None)));
    match started_by_page(app, &current, event).await {
        Ok(Some(record)) => Ok(Attempt::Done((PaymentOutcome::Applied, Some(record)))),
        Err(ChangeError::AlreadyApplied) => refused(PaymentOutcome::AlreadyProcessed),
        // It started otherwise or was cancelled, or another subscription holds its plan
        // meanwhile: the money goes back.
        Ok(None) | Err(ChangeError::AlreadySubscribed) => refused(refuse_payment(app, &current, event).await?),
        Err(ChangeError::Conflict | ChangeError::TrialUsed) => Ok(Attempt::Again),
        Err(e) => Err(e.into()),
    }
}

/// Applies the hosted page's outcome to a subscription that awaits it; `None` if it does
/// not any more.
async fn started_by_page(
    app: &App,
    current: &SubscriptionRecord,
    event: &PaymentEvent,
) -> Result<Option<SubscriptionRecord>, ChangeError> {
    if !current.billing.awaits_page() {
        return Ok(None);
    }
    let now = app.clock.now();
    let mut after = current.clone();
    // Its session is completed: nothing left to close.
    after.payment_session_id = None;
    let applied = Applied { payment: Some(event), ..Applied::default() };
    if event.kind == PaymentEventKind::Failed {
        let (after, notices) = charged(&after, event, now)?;
        return commit(app, Some(current), after, &notices, applied).await.map(Some);
    }
    let locale = crate::notify::account_locale(app, &current.user_id).await?;
    let Some(saving) = saved_methods::saving(app, &current.user_id, &current.email, locale, event, now).await? else {
        return Ok(None);
    };
    after.payment_method = Some(method_of(&saving.method.record));
    let uses_trial = current.trial_days.is_some() && !app.store.trial_used(&current.user_id).await?;
    let notices = if uses_trial {
        start(&mut after, now)?
    } else if event.amount_cents >= current.price_cents {
        // The page took the first period's payment.
        let (paid, notices) = charged(&after, event, now)?;
        after = paid;
        notices
    } else {
        // Only the card was collected: it is saved, and charged right after.
        after.billing = after.billing.about_to_charge(now);
        Vec::new()
    };
    let applied = Applied { uses_trial, saving: Some(&saving.method), effects: saving.effects, ..applied };
    commit(app, Some(current), after, &notices, applied).await.map(Some)
}

/// A payment its subscription cannot take (it started otherwise or was cancelled, or
/// another one holds its plan): when it took money, recorded once with its refund, which
/// names the subscription; a failure, or a card collected for nothing, changes nothing.
async fn refuse_payment(
    app: &App,
    record: &SubscriptionRecord,
    event: &PaymentEvent,
) -> Result<PaymentOutcome, ApiError> {
    if event.kind != PaymentEventKind::Succeeded || event.amount_cents == 0 {
        return Ok(PaymentOutcome::Ignored);
    }
    let now = app.clock.now();
    let request = RefundRequest {
        payment_id: event.payment_id.clone(),
        refund_id: None,
        order_id: None,
        subscription_id: Some(record.subscription_id.clone()),
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
    let applied_to = AppliedTo::Subscription(&record.subscription_id);
    if !app.store.record_event(&event.event_id, applied_to, now, &[payment], writes).await? {
        return Ok(PaymentOutcome::AlreadyProcessed);
    }
    tracing::warn!(subscription_id = %record.subscription_id, payment_id = %event.payment_id, "subscription payment refunded");
    outbox::deliver_now(app, &effects).await;
    Ok(PaymentOutcome::Refunded)
}
