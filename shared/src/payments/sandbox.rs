//! The built-in sandbox provider: sessions live in the table, the hosted page
//! (`payment-portal`) completes them, and the outcome travels to the webhook through the
//! payment-events queue (retried until delivered), signed like a real provider's.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::methods::{Authorization, MethodDetails};
use super::{
    BoxFuture, ChargeRequest, ConfirmationPage, PaymentError, PaymentEvent, PaymentEventKind, PaymentProvider,
    RefundRequest, Session, SessionRequest, SessionResult, Unconfirmed,
};
use crate::store::{keys, StoreError};
use crate::App;

pub struct Sandbox;

/// A hosted page's session: open until the buyer submits a valid form, then completed;
/// or closed by the merchant before (what it was for no longer takes its payment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Open,
    Completed,
    Closed,
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
    /// In Stripe mode, the PaymentIntent the page's card payment confirms (Stripe.js).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<String>,
    /// In Stripe mode, the SetupIntent a subscription's page confirms with its first card
    /// (Stripe.js); `setup_intent.succeeded` brings the card back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_intent: Option<String>,
    /// The sandbox's 3-D Secure challenge the page shows (instead of its forms) until the
    /// buyer passes or fails it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Challenge>,
    pub ttl: i64,
}

/// A card payment whose bank asks the buyer to authenticate it (the sandbox's test card
/// 4000 0027 6000 3184): what the page completes once the buyer answers the challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub details: MethodDetails,
    /// The method is kept once authenticated (the buyer asked, or a subscription's card).
    pub save: bool,
    /// The earlier charge it confirms (an off-session charge that asked for authentication):
    /// the outcome names its payment and key; none for the page's own payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<ChallengedCharge>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengedCharge {
    pub payment_id: String,
    pub idempotency_key: String,
}

impl Challenge {
    /// The challenge that confirms `charge` on-session (a page from the customer's email,
    /// or the one-click checkout's).
    pub fn confirming(charge: Unconfirmed) -> Self {
        let challenged = ChallengedCharge { payment_id: charge.payment_id, idempotency_key: charge.idempotency_key };
        Self { details: charge.method, save: false, charge: Some(challenged) }
    }
}

/// A method the sandbox keeps for later charges, as a real provider keeps a saved card:
/// what to show and how its test card behaves, never its number.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenRecord {
    pub pk: String,
    pub sk: String,
    pub token: String,
    pub details: MethodDetails,
    /// Test card 4000000000000341: saved fine, every later charge fails.
    pub later_charges_fail: bool,
    /// Test card 4000002760003184: every later charge answers "authentication required".
    #[serde(default)]
    pub requires_authentication: bool,
}

/// An off-session charge as the sandbox took it, under its idempotency key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChargeRecord {
    pub pk: String,
    pub sk: String,
    pub request: ChargeRequest,
    pub event: PaymentEvent,
}

pub(crate) fn unavailable(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::Unavailable(e.to_string())
}

impl PaymentProvider for Sandbox {
    fn open_session<'a>(
        &'a self,
        app: &'a App,
        base_url: &'a str,
        request: SessionRequest,
    ) -> BoxFuture<'a, Result<Session, PaymentError>> {
        Box::pin(session(app, base_url, request, None, None))
    }

    fn charge<'a>(&'a self, app: &'a App, request: ChargeRequest) -> BoxFuture<'a, Result<PaymentEvent, PaymentError>> {
        Box::pin(async move {
            let key = keys::provider_charge(&request.idempotency_key);
            let event = match app.store.get::<ChargeRecord>(key.clone()).await.map_err(unavailable)? {
                Some(taken) => same_charge(taken, &request)?,
                None => {
                    let token = saved(app, &request).await?;
                    // At checkout the buyer is there: their bank's challenge on a page, as
                    // Stripe's one-click asks (nothing decided or kept until it is answered).
                    if request.order_id.is_some() && token.requires_authentication {
                        let payment_id = format!("pay_{}", uuid::Uuid::new_v4().simple());
                        return Err(PaymentError::AuthenticationRequired { payment_id });
                    }
                    let event = decide_charge(app, &request, &token);
                    let record = ChargeRecord { pk: key.pk, sk: key.sk, request: request.clone(), event };
                    match app.store.put_new(&record).await {
                        Ok(()) => record.event,
                        // A concurrent charge with this key took it first: its outcome is the one.
                        Err(StoreError::ConditionFailed) => {
                            let taken = app.store.get::<ChargeRecord>(keys::provider_charge(&request.idempotency_key));
                            let taken =
                                taken.await.map_err(unavailable)?.ok_or_else(|| unavailable("charge vanished"))?;
                            same_charge(taken, &request)?
                        }
                        Err(e) => return Err(unavailable(e)),
                    }
                }
            };
            // Like any payment's outcome, it also reaches the webhook: if the caller stops
            // before applying it, the webhook does (each event applies once).
            if let Err(error) = queue_event(app, &event).await {
                tracing::warn!(event_id = %event.event_id, %error, "charge outcome not queued for the webhook");
            }
            Ok(event)
        })
    }

    fn close_session<'a>(&'a self, app: &'a App, session_id: &'a str) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move { app.store.close_payment_session(session_id).await.map_err(unavailable) })
    }

    /// The page shows the bank's challenge for that payment; passed, it is paid.
    fn confirmation_session<'a>(&'a self, app: &'a App, page: ConfirmationPage<'a>) -> BoxFuture<'a, SessionResult> {
        Box::pin(async move {
            session(app, page.base_url, page.request, None, Some(Challenge::confirming(page.charge))).await
        })
    }

    fn refund<'a>(
        &'a self,
        app: &'a App,
        request: RefundRequest,
        at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(super::record_refund(app, request, at))
    }
}

/// Opens a session of the hosted page, for the sandbox or, with the PaymentIntent its card
/// payment confirms, for Stripe: the caller writes `record` with its own change.
pub(crate) async fn session(
    app: &App,
    base_url: &str,
    request: SessionRequest,
    payment_intent: Option<String>,
    challenge: Option<Challenge>,
) -> Result<Session, PaymentError> {
    let record = SessionRecord { payment_intent, challenge, ..session_record(app, request) };
    write_session(app, base_url, record)
}

/// A new open session for `request`, taking nothing but the page's own forms yet.
pub(crate) fn session_record(app: &App, request: SessionRequest) -> SessionRecord {
    let session_id = uuid::Uuid::new_v4().simple().to_string();
    let key = keys::payment_session(&session_id);
    SessionRecord {
        pk: key.pk,
        sk: key.sk,
        session_id,
        request,
        status: SessionStatus::Open,
        event: None,
        payment_intent: None,
        setup_intent: None,
        challenge: None,
        ttl: app.clock.now().timestamp() + 30 * 24 * 3600,
    }
}

/// The session `record`, to be written by the caller with its own change.
pub(crate) fn write_session(app: &App, base_url: &str, record: SessionRecord) -> Result<Session, PaymentError> {
    let session_id = record.session_id.clone();
    let write = app.store.new_item(&record).map_err(unavailable)?;
    Ok(Session { redirect_url: format!("{base_url}/portal/sessions/{session_id}"), session_id, record: Some(write) })
}

/// The first outcome of a charge, if `request` is the same charge.
fn same_charge(taken: ChargeRecord, request: &ChargeRequest) -> Result<PaymentEvent, PaymentError> {
    match taken.request == *request {
        true => Ok(taken.event),
        false => Err(PaymentError::IdempotencyConflict(request.idempotency_key.clone())),
    }
}

/// The saved method a charge names.
async fn saved(app: &App, request: &ChargeRequest) -> Result<TokenRecord, PaymentError> {
    app.store.get(keys::provider_token(&request.token)).await.map_err(unavailable)?.ok_or(PaymentError::UnknownMethod)
}

/// The sandbox's answer to a charge of a saved method: declined for the test card whose
/// later charges fail and for a card past its expiry, approved otherwise.
fn decide_charge(app: &App, request: &ChargeRequest, token: &TokenRecord) -> PaymentEvent {
    let now = app.clock.now();
    let failure = if token.later_charges_fail {
        Some("card-declined")
    } else if token.details.expiry().is_some_and(|e| e.is_expired(now)) {
        Some("card-expired")
    } else if token.requires_authentication {
        // No buyer on the page to answer the bank: the payment waits for one (a link).
        Some(AUTHENTICATION_REQUIRED)
    } else {
        None
    };
    PaymentEvent {
        event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
        kind: if failure.is_none() { PaymentEventKind::Succeeded } else { PaymentEventKind::Failed },
        session_id: None,
        payment_id: format!("pay_{}", uuid::Uuid::new_v4().simple()),
        user_id: Some(request.user_id.clone()),
        idempotency_key: Some(request.idempotency_key.clone()),
        order_id: request.order_id.clone(),
        subscription_id: request.subscription_id.clone(),
        amount_cents: request.amount_cents,
        currency: request.currency.clone(),
        method: token.details.clone(),
        save_method: false,
        method_token: None,
        failure_reason: failure.map(str::to_owned),
        decline_code: None,
        authentication_required: failure == Some(AUTHENTICATION_REQUIRED),
        created: now.timestamp(),
    }
}

/// The reason (a message id, `payment-page.ftl`) of a charge the customer must authenticate.
const AUTHENTICATION_REQUIRED: &str = "card-authentication-required";
/// The reason of a payment whose challenge the buyer failed.
const AUTHENTICATION_FAILED: &str = "card-authentication-failed";

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

/// Records the buyer's valid submission and sends its outcome to the webhook, once: a
/// second submission of a completed session changes nothing and sends nothing. An approved
/// method the buyer asked to save is kept as a token for later charges. `None`: the
/// session was closed meanwhile, and nothing is taken.
pub async fn complete(
    app: &App,
    session: &SessionRecord,
    authorization: &Authorization,
    save: bool,
) -> Result<Option<PaymentEvent>, StoreError> {
    // A subscription's page collects the card to charge it later: it is always saved.
    let save = save && session.allow_save || session.subscription_id.is_some();
    completed(app, session, authorization, save, None).await
}

/// The buyer's answer to the session's challenge (`passed`, or failed: a decline), applied
/// as `complete` applies a form: the page's own payment, or the earlier charge it confirms
/// (its payment and key named in the outcome). `None`: closed meanwhile, or no challenge.
pub async fn answer_challenge(
    app: &App,
    session: &SessionRecord,
    passed: bool,
) -> Result<Option<PaymentEvent>, StoreError> {
    let Some(challenge) = &session.challenge else { return Ok(None) };
    let authorization = Authorization {
        approved: passed,
        decline_reason: (!passed).then(|| AUTHENTICATION_FAILED.to_owned()),
        details: challenge.details.clone(),
        later_charges_fail: false,
        // The card keeps asking its bank: its later off-session charges do too.
        requires_authentication: true,
    };
    completed(app, session, &authorization, challenge.save, challenge.charge.as_ref()).await
}

async fn completed(
    app: &App,
    session: &SessionRecord,
    authorization: &Authorization,
    save: bool,
    charge: Option<&ChallengedCharge>,
) -> Result<Option<PaymentEvent>, StoreError> {
    let save_method = save && authorization.approved;
    let token = save_method.then(|| saved_token(session, authorization));
    let event = PaymentEvent {
        event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
        kind: if authorization.approved { PaymentEventKind::Succeeded } else { PaymentEventKind::Failed },
        session_id: Some(session.session_id.clone()),
        payment_id: charge.map_or_else(|| format!("pay_{}", uuid::Uuid::new_v4().simple()), |c| c.payment_id.clone()),
        user_id: Some(session.user_id.clone()),
        idempotency_key: charge.map(|c| c.idempotency_key.clone()),
        order_id: session.order_id.clone(),
        subscription_id: session.subscription_id.clone(),
        amount_cents: session.amount_cents,
        currency: session.currency.clone(),
        method: authorization.details.clone(),
        save_method,
        method_token: token.as_ref().map(|t| t.token.clone()),
        failure_reason: authorization.decline_reason.clone(),
        decline_code: None,
        authentication_required: false,
        created: app.clock.now().timestamp(),
    };
    // The outcome goes to the webhook through the outbox: written with the session's
    // completion, delivered at least once, and never queued again by a second submission.
    let cause = format!("session:{}", session.session_id);
    let effects = vec![crate::outbox::Outbox::new(
        cause,
        crate::outbox::Effect::ProviderEvent { event: Box::new(event.clone()) },
        app.clock.now(),
    )];
    let mut writes = crate::outbox::puts(app, &effects)?;
    // The token is written by the completion that wins and by no other: a concurrent
    // submission of another card can never put its details under the winner's token.
    if let Some(token) = &token {
        writes.push(app.store.new_item(token)?);
    }
    match app.store.complete_payment_session(&session.session_id, &event, writes).await? {
        true => {
            crate::outbox::deliver_now(app, &effects).await;
            Ok(Some(event))
        }
        // A concurrent submission completed it first (its outcome is the one, already on its
        // way), or it was closed.
        false => Ok(app.store.payment_session(&session.session_id).await?.and_then(|s| s.event)),
    }
}

/// The token that keeps this session's approved method for later charges (one per session).
fn saved_token(session: &SessionRecord, authorization: &Authorization) -> TokenRecord {
    let token = format!("tok_{}", session.session_id);
    let key = keys::provider_token(&token);
    TokenRecord {
        pk: key.pk,
        sk: key.sk,
        token,
        details: authorization.details.clone(),
        later_charges_fail: authorization.later_charges_fail,
        requires_authentication: authorization.requires_authentication,
    }
}

/// A card whose bank asks for 3-D Secure, submitted on the page: the session waits for the
/// buyer's answer to the challenge (nothing decided yet). False: it was closed or completed
/// meanwhile.
pub async fn challenge(
    app: &App,
    session: &SessionRecord,
    authorization: &Authorization,
    save: bool,
) -> Result<bool, StoreError> {
    let save = save && session.allow_save || session.subscription_id.is_some();
    let challenge = Challenge { details: authorization.details.clone(), save, charge: None };
    app.store.challenge_payment_session(&session.session_id, &challenge).await
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
