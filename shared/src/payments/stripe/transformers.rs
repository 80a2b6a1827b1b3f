//! Stripe's wire types, only the fields Capsule sends or reads, and their conversions into
//! Capsule's: a PaymentIntent into an outcome or a `PaymentEvent`, a PaymentMethod's card
//! into `MethodDetails`, an error body into `StripeError`. Requests are form-encoded as
//! Stripe reads them: nested keys in brackets (`metadata[order_id]=...`, `expand[0]=...`).
use std::collections::HashMap;

use serde::Deserialize;

use super::{IdempotencyKey, StripeError};
use crate::payments::methods::MethodDetails;
use crate::payments::{PaymentError, PaymentEvent, PaymentEventKind};

/// The metadata Capsule puts on what it creates at Stripe, read back from events.
pub mod metadata {
    pub const USER_ID: &str = "user_id";
    pub const ORDER_ID: &str = "order_id";
    pub const SUBSCRIPTION_ID: &str = "subscription_id";
    /// What the payment pays (`order:<id>`, `sub:<id>:<period>:<attempt>`): the event of an
    /// off-session charge names the attempt it settles.
    pub const IDEMPOTENCY_KEY: &str = "idempotency_key";
}

/// A request body in Stripe's form encoding, built field by field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.0.push((key.to_owned(), value.to_string()));
        self
    }

    pub fn optional(self, key: &str, value: Option<impl std::fmt::Display>) -> Self {
        match value {
            Some(value) => self.field(key, value),
            None => self,
        }
    }

    /// `key[name]=value` for each entry (metadata).
    pub fn map<'a>(self, key: &str, entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        entries.into_iter().fold(self, |form, (name, value)| form.field(&format!("{key}[{name}]"), value))
    }

    /// `key[0]=a&key[1]=b` (Stripe's arrays).
    pub fn list<'a>(self, key: &str, items: impl IntoIterator<Item = &'a str>) -> Self {
        items.into_iter().enumerate().fold(self, |form, (i, item)| form.field(&format!("{key}[{i}]"), item))
    }

    /// `application/x-www-form-urlencoded`, keys and values percent-encoded.
    pub fn encode(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.0).finish()
    }
}

// ---- requests ----------------------------------------------------------------------------

/// A Customer for one Capsule user.
#[derive(Clone, Debug)]
pub struct NewCustomer<'a> {
    pub user_id: &'a str,
    pub email: Option<&'a str>,
}

impl NewCustomer<'_> {
    pub fn form(&self) -> Form {
        Form::new().optional("email", self.email).map("metadata", [(metadata::USER_ID, self.user_id)])
    }
}

/// What a PaymentIntent pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose<'a> {
    Order(&'a str),
    Subscription(&'a str),
}

/// How a PaymentIntent is confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation<'a> {
    /// By the buyer on the hosted page, through Stripe.js: no method yet, the page gets the
    /// client secret.
    OnPage,
    /// Now, with a saved method, the buyer present (one-click): may answer `requires_action`.
    OnSession { payment_method: &'a str },
    /// Now, with a saved method, the buyer absent (renewals): a card that wants 3-D Secure
    /// answers 402 `authentication_required` instead.
    OffSession { payment_method: &'a str },
}

/// One PaymentIntent for one order or one subscription charge.
#[derive(Clone, Debug)]
pub struct NewPaymentIntent<'a> {
    pub amount_cents: i64,
    /// ISO 4217 as Capsule keeps it (`EUR`); Stripe's is lower case.
    pub currency: &'a str,
    /// Needed for a saved method and for saving one.
    pub customer: Option<&'a str>,
    pub user_id: &'a str,
    pub purpose: Purpose<'a>,
    pub confirmation: Confirmation<'a>,
    /// "Save this card": Stripe attaches the method to the customer once the payment
    /// succeeds, for off-session charges later.
    pub save_method: bool,
}

impl NewPaymentIntent<'_> {
    /// The body, or why Stripe would refuse it (said before anything is sent).
    pub fn form(&self, key: &IdempotencyKey) -> Result<Form, StripeError> {
        if self.amount_cents <= 0 {
            return Err(StripeError::Invalid(format!("amount must be positive, not {}", self.amount_cents)));
        }
        let currency = stripe_currency(self.currency)?;
        let saved = match self.confirmation {
            Confirmation::OnPage => None,
            Confirmation::OnSession { payment_method } => Some((payment_method, false)),
            Confirmation::OffSession { payment_method } => Some((payment_method, true)),
        };
        if saved.is_some() && self.customer.is_none() || self.save_method && self.customer.is_none() {
            return Err(StripeError::Invalid("a saved or saving method needs the customer".into()));
        }
        if self.save_method && saved.is_some_and(|(_, off_session)| off_session) {
            return Err(StripeError::Invalid("an off-session charge uses a method already saved".into()));
        }
        let purpose = match self.purpose {
            Purpose::Order(id) => (metadata::ORDER_ID, id),
            Purpose::Subscription(id) => (metadata::SUBSCRIPTION_ID, id),
        };
        let mut form = Form::new()
            .field("amount", self.amount_cents)
            .field("currency", currency)
            .optional("customer", self.customer)
            // Cards only: the methods Capsule shows, and no redirect-based method that would
            // need a return_url on confirmation.
            .list("payment_method_types", ["card"])
            .map("metadata", [(metadata::USER_ID, self.user_id), purpose, (metadata::IDEMPOTENCY_KEY, key.as_str())])
            .optional("setup_future_usage", self.save_method.then_some("off_session"));
        if let Some((payment_method, off_session)) = saved {
            form = form.field("payment_method", checked_id(payment_method)?).field("confirm", true);
            form = if off_session { form.field("off_session", true) } else { form };
        }
        Ok(form.list("expand", ["payment_method"]))
    }
}

/// A SetupIntent: the page saves a card for later without paying now.
#[derive(Clone, Debug)]
pub struct NewSetupIntent<'a> {
    pub customer: &'a str,
    pub user_id: &'a str,
    /// The subscription whose card it collects (its first card, on the hosted page).
    pub subscription_id: Option<&'a str>,
}

impl NewSetupIntent<'_> {
    pub fn form(&self) -> Result<Form, StripeError> {
        let subscription = self.subscription_id.map(|id| (metadata::SUBSCRIPTION_ID, id));
        Ok(Form::new()
            .field("customer", checked_id(self.customer)?)
            .field("usage", "off_session")
            .list("payment_method_types", ["card"])
            .map("metadata", std::iter::once((metadata::USER_ID, self.user_id)).chain(subscription)))
    }
}

/// A refund of a PaymentIntent's charge: in full, or `amount_cents` of it.
#[derive(Clone, Debug)]
pub struct NewRefund<'a> {
    pub payment_intent: &'a str,
    pub amount_cents: Option<i64>,
}

impl NewRefund<'_> {
    pub fn form(&self) -> Result<Form, StripeError> {
        if let Some(amount) = self.amount_cents.filter(|a| *a <= 0) {
            return Err(StripeError::Invalid(format!("a refund must be positive, not {amount}")));
        }
        Ok(Form::new().field("payment_intent", checked_id(self.payment_intent)?).optional("amount", self.amount_cents))
    }
}

/// Stripe's currency code (`eur`) for Capsule's (`EUR`).
fn stripe_currency(currency: &str) -> Result<String, StripeError> {
    match currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        true => Ok(currency.to_ascii_lowercase()),
        false => Err(StripeError::Invalid(format!("{currency:?} is not an ISO 4217 currency code"))),
    }
}

/// An id that goes into a URL path or a form: Stripe's are letters, digits and `_`
/// (`pi_3Mtw...`, `pm_card_visa`); anything else (a `/`, a `?`) would address something
/// else, so it is refused before a request is sent.
pub fn checked_id(id: &str) -> Result<&str, StripeError> {
    let well_formed =
        (1..=255).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match well_formed {
        true => Ok(id),
        false => Err(StripeError::Invalid(format!("{id:?} is not a Stripe id"))),
    }
}

// ---- objects ------------------------------------------------------------------------------

/// A field Stripe gives as an id, or as the object when asked to `expand` it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Expandable<T> {
    Id(String),
    Object(Box<T>),
}

impl<T: HasId> Expandable<T> {
    pub fn id(&self) -> &str {
        match self {
            Self::Id(id) => id,
            Self::Object(object) => object.id(),
        }
    }

    pub fn object(&self) -> Option<&T> {
        match self {
            Self::Id(_) => None,
            Self::Object(object) => Some(object),
        }
    }
}

pub trait HasId {
    fn id(&self) -> &str;
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Customer {
    pub id: String,
    pub email: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct List<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Canceled,
    Succeeded,
    /// A status this API version does not know (never one Capsule acts on).
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PaymentIntent {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: IntentStatus,
    /// What Stripe.js confirms or authenticates it with; `None` in events.
    pub client_secret: Option<String>,
    pub customer: Option<String>,
    pub payment_method: Option<Expandable<PaymentMethod>>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    pub next_action: Option<NextAction>,
    pub last_payment_error: Option<ApiErrorObject>,
    pub setup_future_usage: Option<String>,
    pub created: i64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct NextAction {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PaymentMethod {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub card: Option<Card>,
    pub customer: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Card {
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
    /// The same card number gives the same fingerprint in one Stripe account.
    pub fingerprint: Option<String>,
}

/// A SetupIntent: the card the page saves without a payment, its customer and its method.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SetupIntent {
    pub id: String,
    pub customer: Option<String>,
    pub payment_method: Option<Expandable<PaymentMethod>>,
    pub status: IntentStatus,
    /// What Stripe.js confirms it with on the page.
    pub client_secret: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub payment_intent: Option<String>,
    /// `pending`, `succeeded`, `failed`, `requires_action` or `canceled`.
    pub status: String,
    /// Capsule's own refunds carry their `idempotency_key`; one made elsewhere (Stripe's
    /// dashboard) has none.
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

/// A charge, as `charge.refunded` carries it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Charge {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_refunded: i64,
    pub currency: String,
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub refunded: bool,
}

macro_rules! has_id {
    ($($t:ty),*) => { $(impl HasId for $t { fn id(&self) -> &str { &self.id } })* };
}
has_id!(Customer, PaymentIntent, PaymentMethod, SetupIntent, Refund, Charge);

/// Stripe's error object: the body of every non-2xx answer, and a PaymentIntent's
/// `last_payment_error`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ApiErrorObject {
    /// `card_error`, `invalid_request_error`, `idempotency_error`, `api_error`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub code: Option<String>,
    /// The issuer's reason for a decline (`insufficient_funds`, `generic_decline`).
    pub decline_code: Option<String>,
    pub message: Option<String>,
    pub param: Option<String>,
    /// The PaymentIntent a failed confirmation left behind.
    pub payment_intent: Option<Box<PaymentIntent>>,
    /// The method that failed (in `last_payment_error`).
    pub payment_method: Option<PaymentMethod>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ApiErrorObject,
}

// ---- into Capsule's types ------------------------------------------------------------------

/// A card's decline, as the buyer is told and as dunning keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decline {
    /// Stripe's error code (`card_declined`, `expired_card`, `authentication_required`).
    pub code: Option<String>,
    /// The issuer's reason, when it gave one.
    pub decline_code: Option<String>,
    pub message: String,
}

impl From<&ApiErrorObject> for Decline {
    fn from(e: &ApiErrorObject) -> Self {
        Self {
            code: e.code.clone(),
            decline_code: e.decline_code.clone(),
            message: e.message.clone().unwrap_or_else(|| "Your card was declined.".into()),
        }
    }
}

impl Decline {
    /// What the buyer is told, as the id of one of our messages (`payment-page.ftl`), written
    /// in their language where it is shown; never Stripe's English words. Stripe advises not
    /// to tell why a card was lost, stolen or suspected of fraud: those read as a decline.
    pub fn reason(&self) -> &'static str {
        reason_of(self.decline_code.as_deref().or(self.code.as_deref()))
    }
}

/// The message id for Stripe's decline or error code.
pub fn reason_of(code: Option<&str>) -> &'static str {
    match code {
        Some("expired_card") => "card-expired",
        Some("insufficient_funds" | "card_velocity_exceeded" | "withdrawal_count_limit_exceeded") => {
            "decline-insufficient-funds"
        }
        Some("incorrect_cvc" | "invalid_cvc") => "decline-incorrect-cvc",
        Some("incorrect_number" | "invalid_number") => "decline-incorrect-number",
        Some("processing_error" | "try_again_later" | "issuer_not_available") => "decline-try-again",
        Some("authentication_required") => "decline-authentication-required",
        _ => "card-declined",
    }
}

/// Where a PaymentIntent stands, for Capsule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Declined(Decline),
    /// 3-D Secure on the page: Stripe.js completes it with this secret.
    RequiresAction {
        client_secret: Option<String>,
    },
    /// An off-session attempt the customer must authenticate: the same PaymentIntent is
    /// confirmed on-session (a page from an email link) with this secret.
    AuthenticationRequired {
        client_secret: Option<String>,
    },
    Canceled,
    /// No attempt settled yet (awaiting a method or a confirmation, or processing).
    Pending(IntentStatus),
}

const AUTHENTICATION_REQUIRED: &str = "authentication_required";

impl PaymentIntent {
    pub fn outcome(&self) -> Outcome {
        match self.status {
            IntentStatus::Succeeded => Outcome::Succeeded,
            IntentStatus::RequiresAction => Outcome::RequiresAction { client_secret: self.client_secret.clone() },
            IntentStatus::Canceled => Outcome::Canceled,
            IntentStatus::RequiresPaymentMethod => match &self.last_payment_error {
                Some(e) if e.code.as_deref() == Some(AUTHENTICATION_REQUIRED) => {
                    Outcome::AuthenticationRequired { client_secret: self.client_secret.clone() }
                }
                Some(e) => Outcome::Declined(e.into()),
                None => Outcome::Pending(self.status),
            },
            status => Outcome::Pending(status),
        }
    }

    /// The method it was paid (or declined) with, when Stripe gave the object.
    pub fn method(&self) -> Option<&PaymentMethod> {
        let tried = self.last_payment_error.as_ref().and_then(|e| e.payment_method.as_ref());
        self.payment_method.as_ref().and_then(Expandable::object).or(tried)
    }

    pub fn metadata(&self, key: &str) -> Option<String> {
        self.metadata.get(key).cloned()
    }
}

/// A confirmation's result: the PaymentIntent as Stripe left it (a decline's error carries
/// it) and its outcome. Declines and authentication requests are outcomes, not failures:
/// only what says nothing about the payment (Stripe unreachable, a refused request) is an
/// error.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub intent: Option<PaymentIntent>,
    pub outcome: Outcome,
}

impl Attempt {
    pub fn from_result(result: Result<PaymentIntent, StripeError>) -> Result<Self, PaymentError> {
        let (error, intent) = match result {
            Ok(intent) => return Ok(Self { outcome: intent.outcome(), intent: Some(intent) }),
            Err(StripeError::Declined(error) | StripeError::AuthenticationRequired(error)) => {
                let intent = error.payment_intent.clone().map(|i| *i);
                (error, intent)
            }
            Err(other) => return Err(other.into()),
        };
        let secret = intent.as_ref().and_then(|i| i.client_secret.clone());
        let outcome = match error.code.as_deref() == Some(AUTHENTICATION_REQUIRED) {
            true => Outcome::AuthenticationRequired { client_secret: secret },
            false => Outcome::Declined(Decline::from(error.as_ref())),
        };
        Ok(Self { intent, outcome })
    }
}

/// Why a Stripe object does not make one of Capsule's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransformError {
    #[error("the payment has no outcome yet: {0:?}")]
    NotSettled(Outcome),
    #[error("payment method {0} is not a card")]
    NotACard(String),
}

impl TryFrom<&PaymentMethod> for MethodDetails {
    type Error = TransformError;

    fn try_from(method: &PaymentMethod) -> Result<Self, TransformError> {
        let card = method.card.as_ref().filter(|_| method.kind == "card");
        let card = card.ok_or_else(|| TransformError::NotACard(method.id.clone()))?;
        Ok(Self {
            method_type: "card".into(),
            brand: Some(card.brand.clone()),
            last4: Some(card.last4.clone()),
            exp_month: Some(card.exp_month),
            exp_year: Some(card.exp_year),
            phone_last4: None,
            // Without Stripe's fingerprint, the method itself is what identifies the card.
            fingerprint: card.fingerprint.clone().unwrap_or_else(|| method.id.clone()),
        })
    }
}

/// The `PaymentEvent` Capsule applies for a settled PaymentIntent (read back from Stripe,
/// never taken from an event's body): succeeded, or declined with the reason.
pub fn payment_event(event_id: &str, intent: &PaymentIntent) -> Result<PaymentEvent, TransformError> {
    match intent.outcome() {
        Outcome::Succeeded => event_of(event_id, intent, PaymentEventKind::Succeeded, None),
        Outcome::Declined(decline) => {
            let event = event_of(event_id, intent, PaymentEventKind::Failed, Some(decline.reason().to_string()))?;
            Ok(PaymentEvent { decline_code: decline.decline_code.or(decline.code), ..event })
        }
        other => Err(TransformError::NotSettled(other)),
    }
}

/// An off-session charge the customer must authenticate, as that attempt's outcome: a
/// decline whose reason says so (dunning goes on as for any decline, nothing is taken).
pub fn authentication_required_event(event_id: &str, intent: &PaymentIntent) -> Result<PaymentEvent, TransformError> {
    match intent.outcome() {
        Outcome::AuthenticationRequired { .. } | Outcome::RequiresAction { .. } => {
            // One of our messages, as every reason shown to the customer (the sandbox's too).
            let reason = "card-authentication-required".to_owned();
            let event = event_of(event_id, intent, PaymentEventKind::Failed, Some(reason))?;
            Ok(PaymentEvent { authentication_required: true, ..event })
        }
        other => Err(TransformError::NotSettled(other)),
    }
}

/// The `PaymentEvent` of a subscription's card saved by a SetupIntent (read back from Stripe):
/// nothing paid, the card kept (its PaymentMethod the token) for the subscription's charges.
pub fn setup_event(event_id: &str, setup: &SetupIntent) -> Result<PaymentEvent, TransformError> {
    let method = setup.payment_method.as_ref().and_then(Expandable::object);
    let method = match (setup.status, method) {
        (IntentStatus::Succeeded, Some(method)) => method,
        _ => return Err(TransformError::NotSettled(Outcome::Pending(setup.status))),
    };
    Ok(PaymentEvent {
        event_id: event_id.to_owned(),
        kind: PaymentEventKind::Succeeded,
        session_id: None,
        payment_id: setup.id.clone(),
        user_id: setup.metadata.get(metadata::USER_ID).cloned(),
        idempotency_key: None,
        order_id: None,
        subscription_id: setup.metadata.get(metadata::SUBSCRIPTION_ID).cloned(),
        amount_cents: 0,
        currency: crate::views::CURRENCY.to_owned(),
        method: MethodDetails::try_from(method)?,
        save_method: true,
        method_token: Some(method.id.clone()),
        failure_reason: None,
        decline_code: None,
        authentication_required: false,
        created: 0,
    })
}

fn event_of(
    event_id: &str,
    intent: &PaymentIntent,
    kind: PaymentEventKind,
    failure_reason: Option<String>,
) -> Result<PaymentEvent, TransformError> {
    let method = match intent.method() {
        Some(method) => MethodDetails::try_from(method)?,
        None => MethodDetails::undescribed("card", ""),
    };
    let save_method = kind == PaymentEventKind::Succeeded && intent.setup_future_usage.is_some();
    Ok(PaymentEvent {
        event_id: event_id.to_owned(),
        kind,
        session_id: None,
        payment_id: intent.id.clone(),
        user_id: intent.metadata(metadata::USER_ID),
        idempotency_key: intent.metadata(metadata::IDEMPOTENCY_KEY),
        order_id: intent.metadata(metadata::ORDER_ID),
        subscription_id: intent.metadata(metadata::SUBSCRIPTION_ID),
        amount_cents: intent.amount,
        currency: intent.currency.to_ascii_uppercase(),
        method,
        save_method,
        method_token: intent.payment_method.as_ref().filter(|_| save_method).map(|m| m.id().to_owned()),
        failure_reason,
        decline_code: None,
        authentication_required: false,
        created: intent.created,
    })
}

/// The `StripeError` for a non-2xx answer: by Stripe's error type and code, and by the HTTP
/// status when the body says little (a proxy's 502, an emulator's terse error).
pub fn error_from_response(status: u16, body: &[u8], key: Option<&IdempotencyKey>) -> StripeError {
    let error = serde_json::from_slice::<ErrorBody>(body).map(|b| b.error).unwrap_or_default();
    let message = error.message.clone().unwrap_or_else(|| format!("HTTP {status}"));
    match (status, error.kind.as_deref(), error.code.as_deref()) {
        (_, _, Some(AUTHENTICATION_REQUIRED)) if status == 402 => StripeError::AuthenticationRequired(Box::new(error)),
        (402, _, _) | (_, Some("card_error"), _) => StripeError::Declined(Box::new(error)),
        // The same key still being served (`idempotency_key_in_use`): retry, not a conflict.
        (409, _, _) => StripeError::Conflict(message),
        (_, Some("idempotency_error"), _) => {
            StripeError::IdempotencyConflict { key: key.map(|k| k.as_str().to_owned()).unwrap_or_default(), message }
        }
        (401 | 403, _, _) => StripeError::Unauthorized(message),
        (429, _, _) => StripeError::RateLimited(message),
        (500.., _, _) => StripeError::Unavailable(format!("Stripe answered {status}: {message}")),
        _ => StripeError::InvalidRequest { status, code: error.code, param: error.param, message },
    }
}

#[cfg(test)]
mod tests;
