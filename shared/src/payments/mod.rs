//! Payments: the `PaymentProvider` trait checkout and cancellation talk to, the built-in
//! sandbox provider (hosted page, signed webhook), Stripe, and the method kinds the page
//! accepts.
pub mod methods;
pub mod sandbox;
pub mod signature;
pub mod stripe;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::PaymentProviderKind;
use crate::App;
use methods::MethodDetails;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The token names nothing the provider keeps.
    #[error("the provider does not know this payment method")]
    UnknownMethod,
    /// An idempotency key reused for a different charge.
    #[error("idempotency key {0} was used for a different charge")]
    IdempotencyConflict(String),
    /// The card was declined (a provider that answers declines as errors).
    #[error("declined: {reason}")]
    Declined { reason: String, decline_code: Option<String> },
    /// An off-session charge the customer must authenticate on-session (3-D Secure).
    #[error("payment {payment_id} requires the customer's authentication")]
    AuthenticationRequired { payment_id: String },
}

/// What to collect on the hosted page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionRequest {
    pub order_id: Option<String>,
    pub subscription_id: Option<String>,
    pub user_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub description: String,
    /// The method kind the buyer picked (`card`, `crina_pay`); the page opens on it.
    pub method_type: String,
    /// Offer "save this payment method".
    pub allow_save: bool,
    #[serde(with = "crate::clock::secs")]
    pub expires_at: DateTime<Utc>,
    /// Where the page sends the buyer afterwards; none keeps the page's own return page.
    #[serde(default, flatten)]
    pub return_urls: ReturnUrls,
    /// The buyer's language: the page speaks it.
    #[serde(default)]
    pub locale: crate::domain::Locale,
}

/// A storefront's `success_url` and `cancel_url`, as checkout and subscribe accept them:
/// after an approved payment the page sends the buyer to `success_url`, after a decline or
/// when the buyer leaves the page to `cancel_url`, each with `order_id=` (or
/// `subscription_id=`) appended. Only URLs on an allowed origin are kept: no open redirect.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnUrls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
}

impl ReturnUrls {
    /// Checks both against the deployment's allowed origins (400 `invalid_return_url`).
    pub fn checked(
        origins: &crate::http::AllowedOrigins,
        success_url: Option<&str>,
        cancel_url: Option<&str>,
    ) -> Result<Self, crate::ApiError> {
        Ok(Self {
            success_url: success_url.map(|u| origins.return_url("success_url", u)).transpose()?,
            cancel_url: cancel_url.map(|u| origins.return_url("cancel_url", u)).transpose()?,
        })
    }
}

/// The page that confirms on-session a charge the bank asked the customer to authenticate
/// (a renewal's, from an email link; a one-click payment's, at checkout): what it shows
/// (`request`), where the API is reached (`base_url`), and that charge.
pub struct ConfirmationPage<'a> {
    pub base_url: &'a str,
    pub request: SessionRequest,
    pub charge: Unconfirmed,
}

/// A charge that awaits the customer's authentication: its payment (a PaymentIntent at
/// Stripe), its idempotency key, and the method it was tried with.
#[derive(Clone, Debug)]
pub struct Unconfirmed {
    pub payment_id: String,
    pub idempotency_key: String,
    pub method: MethodDetails,
}

impl Unconfirmed {
    /// The charge behind `failed`, an off-session attempt that asked for authentication.
    pub fn of(failed: &PaymentEvent) -> Option<Self> {
        let key = failed.idempotency_key.clone().filter(|_| failed.authentication_required)?;
        Some(Self { payment_id: failed.payment_id.clone(), idempotency_key: key, method: failed.method.clone() })
    }
}

pub type SessionResult = Result<Session, PaymentError>;

/// A session opened at the provider: where to send the buyer.
#[derive(Clone, Debug)]
pub struct Session {
    pub session_id: String,
    pub redirect_url: String,
    /// What the caller writes in the same transaction as its own change for the session to
    /// exist (the sandbox keeps its sessions in Capsule's table, so a checkout's hold, order
    /// and session are one write); a provider that hosts its sessions needs none.
    pub record: Option<crate::store::Write>,
}

/// A payment to give back, in full or `amount_cents` of it, naming what it paid for: its
/// order or its subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub payment_id: String,
    /// One of several refunds of the payment (an operator's partial refund): its own id,
    /// which keeps it apart from the others at the provider. None: the payment's one refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub method_type: String,
    pub amount_cents: i64,
}

/// An off-session charge of a saved method: no page, no buyer; the outcome comes back at
/// once (and also reaches the webhook, as any payment's does).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// Derived from what the charge pays (`order:<id>`, a subscription's period and
    /// attempt): the same key never charges twice, however often or concurrently it is sent.
    pub idempotency_key: String,
    /// The saved method's provider token.
    pub token: String,
    /// The customer, named back in the outcome.
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
}

/// A payment provider. Checkout, cancellation and the webhook only know this trait: a
/// real provider (Stripe) is one more implementation and one line in `provider()`.
pub trait PaymentProvider: Send + Sync {
    /// Opens a hosted payment session; `base_url` is where this API is reached.
    fn open_session<'a>(
        &'a self,
        app: &'a App,
        base_url: &'a str,
        request: SessionRequest,
    ) -> BoxFuture<'a, Result<Session, PaymentError>>;

    /// Charges a saved method now; the same `idempotency_key` always answers the first
    /// outcome and charges once.
    fn charge<'a>(&'a self, app: &'a App, request: ChargeRequest) -> BoxFuture<'a, Result<PaymentEvent, PaymentError>>;

    /// Closes a hosted session that must no longer take a payment (what it was for is
    /// cancelled, or paid otherwise); nothing if it was completed or expired meanwhile.
    fn close_session<'a>(&'a self, app: &'a App, session_id: &'a str) -> BoxFuture<'a, Result<(), PaymentError>>;

    /// Forgets a saved method its owner deleted (idempotent); the sandbox keeps its test
    /// tokens, which nothing charges any more.
    fn forget_method<'a>(&'a self, _app: &'a App, _token: &'a str) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async { Ok(()) })
    }

    /// Opens the page where the customer confirms on-session `failed`, an off-session
    /// charge that asked for authentication (3-D Secure): that same payment, not a new one.
    /// The caller writes the session's record with its own change.
    fn confirmation_session<'a>(&'a self, app: &'a App, page: ConfirmationPage<'a>) -> BoxFuture<'a, SessionResult>;

    /// Refunds `amount_cents` of a payment; idempotent for one payment and `refund_id`
    /// (`RefundRequest::idempotency_id`).
    fn refund<'a>(
        &'a self,
        app: &'a App,
        request: RefundRequest,
        at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), PaymentError>>;
}

/// The provider the deployment chose (`PAYMENT_PROVIDER`): it opens the hosted page's
/// sessions (whatever kind the buyer picked: the page offers them all) and closes them.
pub fn provider(app: &App) -> &'static dyn PaymentProvider {
    match app.config.payment_provider {
        PaymentProviderKind::Sandbox => &sandbox::Sandbox,
        PaymentProviderKind::Stripe => &stripe::provider::StripeProvider,
    }
}

/// The provider that takes (charges, refunds) payments of this method kind: the method
/// registry says which kinds Capsule serves itself whatever the deployment chose.
pub fn provider_for(app: &App, method_type: &str) -> &'static dyn PaymentProvider {
    match methods::kind(method_type) {
        Some(kind) if kind.served_by_capsule() => &sandbox::Sandbox,
        _ => provider(app),
    }
}

/// The provider could not be asked before anything was written (a hosted page's session
/// not opened): nothing was decided or held, and trying again shortly may work (503
/// `service_unavailable` with Retry-After). A saved method's charge, which follows a write,
/// says `payment_unavailable` itself.
impl From<PaymentError> for crate::ApiError {
    fn from(error: PaymentError) -> Self {
        match error {
            // The same request again met its own first try with other terms: trying again is safe.
            PaymentError::IdempotencyConflict(key) => Self::Busy(format!("idempotency key {key} changed terms")),
            other => Self::Unavailable(format!("payment provider: {other}")),
        }
    }
}

impl RefundRequest {
    /// What makes this refund one at the provider: the same id never refunds twice.
    pub fn idempotency_id(&self) -> &str {
        self.refund_id.as_deref().unwrap_or(&self.payment_id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentEventKind {
    #[serde(rename = "payment.succeeded")]
    Succeeded,
    #[serde(rename = "payment.failed")]
    Failed,
}

/// The body the provider posts to `/webhooks/payments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: PaymentEventKind,
    /// The hosted page's session that took it; none for an off-session charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The provider's payment id (refunds name it).
    pub payment_id: String,
    /// The customer it was taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// An off-session charge's idempotency key: what it paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
    pub method: MethodDetails,
    /// The buyer asked to save the method, and the provider keeps it as `method_token`.
    #[serde(default)]
    pub save_method: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_token: Option<String>,
    /// Why it failed, as the customer is told: the id of one of Capsule's messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The provider's own code for a decline (Stripe's `decline_code`, else its `code`),
    /// kept in the payment record for operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// A failure because the customer must authenticate the payment on-session (3-D Secure
    /// asked of an off-session charge): `payment_id` can still be confirmed on a page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authentication_required: bool,
    /// Unix seconds.
    pub created: i64,
}

impl PaymentEvent {
    /// The provider's event from the raw body of its post: JSON of this shape whose ids
    /// (which name keys: the event, the payment, its method type) are at most
    /// `MAX_ID_CHARS` each, as every id Capsule hands out.
    pub fn from_json(raw: &[u8]) -> Result<Self, crate::ApiError> {
        let event: Self = crate::http::read_json(raw)?;
        match event.over_long_id() {
            Some(field) => {
                let message = format!(
                    "{} is longer than {} characters",
                    field.trim_start_matches('/'),
                    crate::http::MAX_ID_CHARS
                );
                Err(crate::ApiError::invalid(field, message))
            }
            None => Ok(event),
        }
    }

    /// The pointer of an id longer than any Capsule hands out, if one is.
    fn over_long_id(&self) -> Option<&'static str> {
        let ids = [
            ("/event_id", Some(&self.event_id)),
            ("/payment_id", Some(&self.payment_id)),
            ("/method/method_type", Some(&self.method.method_type)),
            ("/session_id", self.session_id.as_ref()),
            ("/user_id", self.user_id.as_ref()),
            ("/idempotency_key", self.idempotency_key.as_ref()),
            ("/order_id", self.order_id.as_ref()),
            ("/subscription_id", self.subscription_id.as_ref()),
        ];
        ids.into_iter()
            .find(|(_, id)| id.is_some_and(|id| id.chars().count() > crate::http::MAX_ID_CHARS))
            .map(|(field, _)| field)
    }
}

/// A refund in Capsule's payment ledger (`GET /admin/payments`), once per refund, after the
/// provider made it: Capsule's own, or one made in the provider's dashboard.
pub async fn record_refund(app: &App, request: RefundRequest, at: DateTime<Utc>) -> Result<(), PaymentError> {
    let mut refund = crate::store::PaymentRecord::new(
        &format!("refund-{}", request.idempotency_id()),
        &request.method_type,
        request.amount_cents,
        crate::domain::order::PaymentStatus::Refunded,
        at,
    );
    refund.order_id = request.order_id;
    refund.subscription_id = request.subscription_id;
    match app.store.put_new(&refund).await {
        Ok(()) | Err(crate::store::StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(sandbox::unavailable(e)),
    }
}
