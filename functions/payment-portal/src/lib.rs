//! The hosted payment page of the built-in sandbox provider: shows the amount, takes any
//! registered payment method (`methods::REGISTRY`), and sends the outcome to the webhook
//! (through the provider's delivery queue) before sending the buyer to the return page.
//! In Stripe mode the card is Stripe Elements (confirmed in the browser, settled by Stripe's
//! webhook); the kinds Capsule serves itself (CRINA-PAY) stay its own forms.
mod challenge_page;
mod layout;
mod payment_page;
mod return_page;

use std::collections::HashMap;

use lambda_http::{Body, Request, Response};
use shared::config::PaymentProviderKind;
use shared::domain::order::OrderStatus;
use shared::domain::subscription::SubscriptionStatus;
use shared::domain::Locale;
use shared::http::{self, accept_language, form_body, origin_of, path_param, route_key, with_param};
use shared::http::{HttpResult, PageScript, Route};
use shared::i18n::{known, label};
use shared::payments::sandbox::{self, SessionRecord, SessionStatus};
use shared::payments::stripe::transformers::{IntentStatus, Outcome as IntentOutcome};
use shared::payments::stripe::FRAMED_ORIGINS;
use shared::payments::{methods, PaymentError, PaymentEvent, PaymentEventKind};
use shared::{ApiError, App};

use challenge_page::ChallengePage;
use layout::message_page;
use payment_page::{Cards, PaymentPage, StripeCard, STRIPE_SCRIPT};
use return_page::{Outcome, ReturnPage};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let result = match Route::from_key(&route_key(&req)) {
        // Boxed: each page's future is large, and only one of them runs.
        Some(Route::ShowPaymentPage) => Box::pin(show(app, &req)).await,
        Some(Route::SubmitPayment) => Box::pin(submit(app, &req)).await,
        Some(Route::PaymentReturn) => Box::pin(returned(app, &req)).await,
        _ => Err(ApiError::RouteNotFound(route_key(&req))),
    };
    match result {
        Ok(response) => response,
        Err(error) => error_response(app, &req, error).await,
    }
}

/// The buyer is a person: errors are pages, not JSON, in the browser's language (no
/// session tells the buyer's).
async fn error_response(app: &App, req: &Request, error: ApiError) -> Response<Body> {
    let default = app.store.settings().await.map(|s| s.default_locale).unwrap_or_default();
    let locale = Locale::of_buyer(None, accept_language(req), default);
    match error {
        ApiError::Internal(e) => {
            tracing::error!(error = %e, "portal failed");
            let page =
                message_page(locale, &label(locale, "went-wrong-title"), &label(locale, "went-wrong-body"), None);
            error_page(500, page)
        }
        e => {
            let message = match e {
                ApiError::NotFound { .. } => label(locale, "session-not-found"),
                _ => label(locale, "went-wrong-body"),
            };
            error_page(e.status_code().0, message_page(locale, &label(locale, "unavailable-title"), &message, None))
        }
    }
}

fn error_page(status: u16, html: String) -> Response<Body> {
    http::respond(page(status, html, None))
}

enum SessionState {
    Payable,
    Completed,
    Expired,
    /// The order was cancelled, expired or paid otherwise, or the subscription cancelled or
    /// paid otherwise (its session closed): nothing to take money for.
    Closed,
}

async fn load(app: &App, req: &Request) -> Result<(SessionRecord, SessionState), ApiError> {
    let id = path_param(req, "session_id")?;
    let session = app.store.payment_session(&id).await?.ok_or_else(|| ApiError::not_found("payment session"))?;
    match session.status {
        SessionStatus::Completed => return Ok((session, SessionState::Completed)),
        SessionStatus::Closed => return Ok((session, SessionState::Closed)),
        SessionStatus::Open => {}
    }
    if app.clock.now() >= session.expires_at {
        return Ok((session, SessionState::Expired));
    }
    if let Some(order_id) = &session.order_id {
        let order = app.store.order(order_id).await?.ok_or_else(|| ApiError::not_found("payment session"))?;
        if order.status != OrderStatus::PendingPayment {
            return Ok((session, SessionState::Closed));
        }
    }
    // A page that confirms a subscription's earlier charge: only while its period is owed.
    if let (Some(id), true) = (&session.subscription_id, confirms_a_charge(&session)) {
        let owed = app.store.subscription(&session.user_id, id).await?.is_some_and(|s| s.billing.owes_charge_now());
        if !owed {
            return Ok((session, SessionState::Closed));
        }
    }
    Ok((session, SessionState::Payable))
}

/// The session confirms a payment already asked for (its PaymentIntent, or the sandbox's
/// charge), not one of its own.
fn confirms_a_charge(session: &SessionRecord) -> bool {
    let sandbox_charge = session.challenge.as_ref().is_some_and(|c| c.charge.is_some());
    sandbox_charge || (session.subscription_id.is_some() && session.payment_intent.is_some())
}

fn return_url(session: &SessionRecord) -> String {
    format!("/portal/sessions/{}/return", session.session_id)
}

/// `url` naming what the session pays: `order_id=` or `subscription_id=` appended.
fn naming_subject(session: &SessionRecord, url: &str) -> String {
    match (&session.order_id, &session.subscription_id) {
        (Some(order_id), _) => with_param(url, "order_id", order_id),
        (None, Some(subscription_id)) => with_param(url, "subscription_id", subscription_id),
        (None, None) => url.to_string(),
    }
}

/// The storefront's way back for a buyer who leaves without paying, if it gave one.
fn back_url(session: &SessionRecord) -> Option<String> {
    session.return_urls.cancel_url.as_deref().map(|url| naming_subject(session, url))
}

/// Where a completed session sends the buyer: the storefront's `success_url` after an
/// approval, its `cancel_url` after a decline, else the page's own return page.
fn after_completion(session: &SessionRecord, event: Option<&PaymentEvent>) -> String {
    let urls = &session.return_urls;
    let url = match event.map(|e| e.kind) {
        Some(PaymentEventKind::Succeeded) => urls.success_url.as_deref(),
        Some(PaymentEventKind::Failed) => urls.cancel_url.as_deref(),
        None => None,
    };
    url.map_or_else(|| return_url(session), |url| naming_subject(session, url))
}

fn render(
    merchant: &str,
    session: &SessionRecord,
    selected: &str,
    errors: &[methods::FieldError],
    form_error: Option<&str>,
    values: &HashMap<String, String>,
    cards: Cards,
) -> String {
    PaymentPage {
        session_id: &session.session_id,
        merchant,
        description: &session.description,
        amount_cents: session.amount_cents,
        currency: &session.currency,
        expires_at: session.expires_at,
        allow_save: session.allow_save,
        selected_method: selected,
        errors,
        form_error,
        values,
        back_url: back_url(session).as_deref(),
        locale: session.locale,
        cards,
    }
    .render()
}

/// In Stripe mode, what the page's Element confirms: the session's PaymentIntent, its
/// client secret read from Stripe as the page is shown (never stored by Capsule).
struct StripeSession {
    client_secret: String,
    return_url: String,
    /// It awaits the buyer's 3-D Secure only (its card is chosen).
    authenticate: bool,
    /// The card to confirm it with again: the one an off-session charge tried, which its
    /// bank asked the customer to authenticate.
    payment_method: Option<String>,
    /// A SetupIntent: the card is saved, nothing paid now (a subscription's first card).
    setup: bool,
}

async fn stripe_session(app: &App, session: &SessionRecord) -> Result<Option<StripeSession>, ApiError> {
    if let Some(setup) = &session.setup_intent {
        let setup = app.stripe()?.retrieve_setup_intent(setup).await.map_err(PaymentError::from)?;
        let client_secret =
            setup.client_secret.ok_or_else(|| ApiError::Unavailable("Stripe gave no client secret".into()))?;
        let return_url = return_url(session);
        return Ok(Some(StripeSession {
            client_secret,
            return_url,
            authenticate: false,
            payment_method: None,
            setup: true,
        }));
    }
    let Some(intent) = &session.payment_intent else { return Ok(None) };
    let intent = app.stripe()?.retrieve_payment_intent(intent).await.map_err(PaymentError::from)?;
    let client_secret =
        intent.client_secret.clone().ok_or_else(|| ApiError::Unavailable("Stripe gave no client secret".into()))?;
    let retry = matches!(intent.outcome(), IntentOutcome::AuthenticationRequired { .. });
    let payment_method = intent.method().filter(|_| retry).map(|m| m.id.clone());
    let authenticate = intent.status == IntentStatus::RequiresAction || payment_method.is_some();
    Ok(Some(StripeSession {
        client_secret,
        return_url: return_url(session),
        authenticate,
        payment_method,
        setup: false,
    }))
}

/// How the page takes a card for this session (see `Cards`).
fn cards<'a>(app: &'a App, session: Option<&'a StripeSession>) -> Cards<'a> {
    if app.config.payment_provider == PaymentProviderKind::Sandbox {
        return Cards::Sandbox;
    }
    let config = app.stripe.as_deref().map(|s| s.config());
    let card = config.zip(session).and_then(|(config, session)| {
        Some(StripeCard {
            js_url: &config.js_url,
            publishable_key: config.publishable_key.as_deref()?,
            client_secret: &session.client_secret,
            return_url: &session.return_url,
            authenticate: session.authenticate,
            payment_method: session.payment_method.as_deref(),
            setup: session.setup,
        })
    });
    card.map_or(Cards::NotOffered, Cards::Stripe)
}

fn not_payable(session: &SessionRecord, state: &SessionState) -> Option<String> {
    match state {
        SessionState::Expired => Some(message_page(
            session.locale,
            &label(session.locale, "expired-title"),
            &label(session.locale, "expired-session-body"),
            back_url(session).as_deref(),
        )),
        SessionState::Closed => Some(closed_page(session)),
        _ => None,
    }
}

fn closed_page(session: &SessionRecord) -> String {
    let locale = session.locale;
    let what = if session.subscription_id.is_some() { "closed-subscription" } else { "closed-order" };
    message_page(locale, &label(locale, "nothing-to-pay"), &label(locale, what), back_url(session).as_deref())
}

async fn show(app: &App, req: &Request) -> HttpResult {
    let (session, state) = load(app, req).await?;
    if let SessionState::Completed = state {
        return http::redirect(&after_completion(&session, session.event.as_ref()));
    }
    if let Some(html) = not_payable(&session, &state) {
        return page(410, html, Some(&session));
    }
    let merchant = app.store.settings().await?.shop.name;
    if session.challenge.is_some() {
        return page(200, challenge(&merchant, &session), Some(&session));
    }
    let stripe = stripe_session(app, &session).await?;
    let card = cards(app, stripe.as_ref());
    let html = render(&merchant, &session, &session.method_type, &[], None, &HashMap::new(), card);
    scripted_page(app, 200, html, &session, matches!(card, Cards::Stripe(_)))
}

fn challenge(merchant: &str, session: &SessionRecord) -> String {
    ChallengePage { merchant, session, back_url: back_url(session).as_deref() }.render()
}

/// The buyer's answer to the sandbox's 3-D Secure challenge: the payment completes, approved
/// or declined, as a form's would. A session that awaits no challenge takes no answer.
async fn answer(app: &App, session: &SessionRecord, merchant: &str, answer: &str) -> HttpResult {
    if session.challenge.is_none() || !matches!(answer, "passed" | "failed") {
        let choose = label(session.locale, "choose-method");
        let html = render(merchant, session, &session.method_type, &[], Some(&choose), &HashMap::new(), Cards::Sandbox);
        return page(400, html, Some(session));
    }
    let Some(event) = sandbox::answer_challenge(app, session, answer == "passed").await? else {
        return page(410, closed_page(session), Some(session));
    };
    tracing::info!(session_id = %session.session_id, event_id = %event.event_id, passed = answer == "passed", "challenge answered");
    http::redirect(&after_completion(session, Some(&event)))
}

async fn submit(app: &App, req: &Request) -> HttpResult {
    let (session, state) = load(app, req).await?;
    if let SessionState::Completed = state {
        // A second submission (back button, double click): the first outcome is on its way.
        return http::redirect(&after_completion(&session, session.event.as_ref()));
    }
    if let Some(html) = not_payable(&session, &state) {
        return page(410, html, Some(&session));
    }
    let form: HashMap<String, String> = form_body(req)?;
    let merchant = app.store.settings().await?.shop.name;
    if let Some(given) = form.get(challenge_page::ANSWER) {
        return answer(app, &session, &merchant, given).await;
    }
    // A page that confirms an earlier charge takes nothing but the challenge's answer.
    if session.challenge.as_ref().is_some_and(|c| c.charge.is_some()) {
        return page(400, challenge(&merchant, &session), Some(&session));
    }
    let method_id = form.get("method").map(String::as_str).unwrap_or_default();
    let kind = methods::kind(method_id);
    // In Stripe mode a card is taken by Stripe.js in the browser: whatever is posted here
    // for it is refused and never used (validated, saved, logged): card data is Stripe's.
    let stripe_mode = app.config.payment_provider == PaymentProviderKind::Stripe;
    let Some(kind) = kind.filter(|k| !stripe_mode || k.served_by_capsule()) else {
        let stripe = stripe_session(app, &session).await?;
        let card = cards(app, stripe.as_ref());
        let choose = label(session.locale, "choose-method");
        let html = render(&merchant, &session, &session.method_type, &[], Some(&choose), &HashMap::new(), card);
        return scripted_page(app, 400, html, &session, matches!(card, Cards::Stripe(_)));
    };
    let today = app.clock.now().date_naive();
    match kind.authorize(&form, today, app.config.secrets.fingerprint()?.as_bytes()) {
        Err(errors) => {
            let stripe = stripe_session(app, &session).await?;
            let card = cards(app, stripe.as_ref());
            scripted_page(
                app,
                422,
                render(&merchant, &session, kind.id(), &errors, None, &form, card),
                &session,
                matches!(card, Cards::Stripe(_)),
            )
        }
        Ok(authorization) if authorization.approved && authorization.requires_authentication => {
            let save = form.get("save").is_some_and(|v| v == "on");
            // The bank asks the buyer first: nothing is decided before the answer.
            if !sandbox::challenge(app, &session, &authorization, save).await? {
                return page(410, closed_page(&session), Some(&session));
            }
            page(200, challenge(&merchant, &session), Some(&session))
        }
        Ok(authorization) => {
            let save = form.get("save").is_some_and(|v| v == "on");
            // Closed since it was read: nothing taken.
            let Some(event) = sandbox::complete(app, &session, &authorization, save).await? else {
                return page(410, closed_page(&session), Some(&session));
            };
            tracing::info!(session_id = %session.session_id, event_id = %event.event_id, approved = authorization.approved, "payment submitted");
            http::redirect(&after_completion(&session, Some(&event)))
        }
    }
}

async fn returned(app: &App, req: &Request) -> HttpResult {
    let id = path_param(req, "session_id")?;
    let session = app.store.payment_session(&id).await?.ok_or_else(|| ApiError::not_found("payment session"))?;
    let order = match &session.order_id {
        Some(order_id) => app.store.order(order_id).await?,
        None => None,
    };
    if let Some(outcome) = subscription_outcome(app, &session).await? {
        return return_page(app, &session, outcome).await;
    }
    let outcome = match (order.as_ref().map(|o| o.status), session.status) {
        (Some(OrderStatus::Paid), _) => Outcome::Paid,
        (Some(OrderStatus::PaymentFailed), _) => {
            Outcome::Failed { reason: failure_reason(&session, session.event.as_ref()) }
        }
        (Some(OrderStatus::PendingPayment), SessionStatus::Completed) => Outcome::Processing,
        // Stripe took the card on the page; its webhook settles the order.
        (Some(OrderStatus::PendingPayment), _) if session.payment_intent.is_some() => Outcome::Processing,
        (Some(OrderStatus::Expired), _) => Outcome::Expired,
        _ => Outcome::Unknown,
    };
    return_page(app, &session, outcome).await
}

/// What became of a subscription's payment: paid once it is active (or trialing), failed
/// when the page's answer was a decline, else on its way.
async fn subscription_outcome(app: &App, session: &SessionRecord) -> Result<Option<Outcome>, ApiError> {
    let Some(id) = &session.subscription_id else { return Ok(None) };
    let Some(subscription) = app.store.subscription(&session.user_id, id).await? else { return Ok(None) };
    let failed = session.event.as_ref().filter(|e| e.kind == PaymentEventKind::Failed);
    Ok(Some(match (subscription.billing.status, failed) {
        (SubscriptionStatus::Active | SubscriptionStatus::Trialing, _) => Outcome::Paid,
        (_, Some(event)) => Outcome::Failed { reason: failure_reason(session, Some(event)) },
        _ => Outcome::Processing,
    }))
}

fn failure_reason(session: &SessionRecord, event: Option<&PaymentEvent>) -> String {
    event
        .and_then(|e| e.failure_reason.as_deref())
        .map(|reason| known(session.locale, reason).unwrap_or_else(|| reason.to_string()))
        .unwrap_or_else(|| label(session.locale, "payment-failed-reason"))
}

async fn return_page(app: &App, session: &SessionRecord, outcome: Outcome) -> HttpResult {
    let merchant = app.store.settings().await?.shop.name;
    let html = ReturnPage {
        merchant: &merchant,
        amount_cents: session.amount_cents,
        currency: &session.currency,
        order_id: session.order_id.as_deref(),
        outcome,
        locale: session.locale,
    }
    .render();
    page(200, html, Some(session))
}

/// `page`, running Stripe.js (its script, frames and API) when the page shows its Element.
fn scripted_page(app: &App, status: u16, html: String, session: &SessionRecord, stripe: bool) -> HttpResult {
    let config = app.stripe.as_deref().map(|s| s.config()).filter(|_| stripe);
    let Some((origin, config)) = config.and_then(|c| Some((c.js_origin()?, c))) else {
        return page(status, html, Some(session));
    };
    let script =
        PageScript { inline: STRIPE_SCRIPT, origin: &origin, api_origin: &config.api_base, frames: FRAMED_ORIGINS };
    http::html_with_script(status, html, layout::STYLE, &redirect_origins(Some(session)), Some(&script))
}

/// A page of the portal, with its security headers (its one inline style sheet allowed;
/// its forms' answers may send the buyer to the session's return URLs).
fn page(status: u16, html: String, session: Option<&SessionRecord>) -> HttpResult {
    http::html(status, html, layout::STYLE, &redirect_origins(session))
}

fn redirect_origins(session: Option<&SessionRecord>) -> Vec<String> {
    let urls = session.map(|s| &s.return_urls);
    let targets = urls.iter().flat_map(|u| [&u.success_url, &u.cancel_url]).flatten();
    let mut origins: Vec<String> = targets.filter_map(|u| origin_of(u)).collect();
    origins.dedup();
    origins
}
