//! Stripe as a payment provider, in the hyperswitch connector shape: this file is the client
//! and its flows (`transport` the one HTTP exchange they share), `transformers` every wire
//! type and its conversion into Capsule's, `webhook` the `Stripe-Signature` check and the
//! events; `provider` the `PaymentProvider` it makes (`PAYMENT_PROVIDER=stripe`).
//!
//! The client sends through the AWS SDK's own connector (hyper, rustls on aws-lc, the
//! system's roots), which every function already links: it adds only its own code to a
//! binary (BENCHMARKS.md, "Stripe client"). Every POST carries the caller's `Idempotency-Key`,
//! derived from what it pays, so a retried request never creates a second PaymentIntent,
//! charge or refund. Errors are typed (`StripeError`) and none of them is a panic or a 500:
//! a decline is an outcome, the rest become `PaymentError` (503 upstream).
pub mod provider;
pub mod transformers;
mod transport;
pub mod webhook;

use std::env;
use std::time::Duration;

use crate::config::{vars, ConfigError, SecretName, Secrets};
use crate::payments::PaymentError;
use transformers::{
    checked_id, ApiErrorObject, Customer, Form, List, NewCustomer, NewPaymentIntent, NewRefund, NewSetupIntent,
    PaymentIntent, PaymentMethod, Refund, SetupIntent,
};

/// The API version every request pins (`Stripe-Version`), whatever the account's default:
/// the fields `transformers` reads are those of this version. Changing it is a reviewed
/// change (Stripe's changelog, then the transformers' tests).
pub const STRIPE_VERSION: &str = "2025-03-31.basil";
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
pub const DEFAULT_JS_URL: &str = "https://js.stripe.com/v3/";
/// What Stripe.js frames besides its own origin: the 3-D Secure pages (Stripe's CSP guide).
pub const FRAMED_ORIGINS: &[&str] = &["https://hooks.stripe.com"];
/// A Lambda behind API Gateway has 29 s in all: Stripe's answer must come well within.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Where Stripe is and the keys to it (`STRIPE_*` variables).
#[derive(Clone)]
pub struct StripeConfig {
    /// `https://api.stripe.com`, or an emulator on loopback; no trailing slash.
    pub api_base: String,
    secret_key: String,
    /// For Stripe.js on the hosted page.
    pub publishable_key: Option<String>,
    webhook_secret: Option<String>,
    /// Where the page loads Stripe.js from.
    pub js_url: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base)
            .field("publishable_key", &self.publishable_key)
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "(set)"))
            .field("js_url", &self.js_url)
            .finish_non_exhaustive()
    }
}

impl StripeConfig {
    /// `api_base` must be https, or http on loopback only (an emulator): the secret key
    /// never crosses a network in clear.
    pub fn new(api_base: &str, secret_key: &str) -> Result<Self, ConfigError> {
        let secret_key = secret_key.trim();
        let printable = secret_key.bytes().all(|b| b.is_ascii_graphic());
        if secret_key.is_empty() || !printable {
            return Err(ConfigError(format!("{} must be a Stripe secret key", vars::STRIPE_SECRET_KEY)));
        }
        Ok(Self {
            api_base: base_url(vars::STRIPE_API_BASE, api_base)?,
            secret_key: secret_key.to_owned(),
            publishable_key: None,
            webhook_secret: None,
            js_url: DEFAULT_JS_URL.to_owned(),
            timeout: REQUEST_TIMEOUT,
        })
    }

    /// From `STRIPE_API_BASE` (default Stripe's), the secret key (from Secrets Manager when
    /// the function was given it, else `STRIPE_SECRET_KEY`: the local stack), the webhook
    /// secret likewise, `STRIPE_PUBLISHABLE_KEY` and `STRIPE_JS_URL` (default Stripe.js v3).
    /// `None` for a function given no secret key: it does not call Stripe.
    pub fn from_env(secrets: &Secrets) -> Result<Option<Self>, ConfigError> {
        let var = |name: &str| env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let secret =
            |name: SecretName, variable: &str| secrets.get(name).ok().map(str::to_owned).or_else(|| var(variable));
        let Some(secret_key) = secret(SecretName::StripeSecretKey, vars::STRIPE_SECRET_KEY) else { return Ok(None) };
        let api_base = var(vars::STRIPE_API_BASE).unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        let mut config = Self::new(&api_base, &secret_key)?;
        if let Some(key) = var(vars::STRIPE_PUBLISHABLE_KEY) {
            config = config.with_publishable_key(&key)?;
        }
        config.webhook_secret = secret(SecretName::StripeWebhook, vars::STRIPE_WEBHOOK_SECRET);
        if let Some(url) = var(vars::STRIPE_JS_URL) {
            config = config.with_js_url(&url)?;
        }
        Ok(Some(config))
    }

    /// Where the page loads Stripe.js from: an http(s) URL.
    pub fn with_js_url(mut self, url: &str) -> Result<Self, ConfigError> {
        self.js_url = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| ConfigError(format!("{} must be an http(s) URL", vars::STRIPE_JS_URL)))?
            .to_string();
        Ok(self)
    }

    /// The origin Stripe.js is served from (the page's CSP allows its scripts and frames).
    pub fn js_origin(&self) -> Option<String> {
        url::Url::parse(&self.js_url).ok().map(|u| u.origin().ascii_serialization())
    }

    pub fn with_publishable_key(mut self, key: &str) -> Result<Self, ConfigError> {
        match key.starts_with("pk_") && key.bytes().all(|b| b.is_ascii_graphic()) {
            true => self.publishable_key = Some(key.to_owned()),
            false => return Err(ConfigError(format!("{} must start with pk_", vars::STRIPE_PUBLISHABLE_KEY))),
        }
        Ok(self)
    }

    pub fn with_webhook_secret(mut self, secret: &str) -> Self {
        self.webhook_secret = Some(secret.to_owned()).filter(|s| !s.is_empty());
        self
    }

    /// Whether the key moves real money (`sk_live_`, or a restricted `rk_live_`): only
    /// events of the same mode (their `livemode`) are this deployment's.
    pub fn live(&self) -> bool {
        ["sk_live_", "rk_live_"].iter().any(|prefix| self.secret_key.starts_with(prefix))
    }

    /// The endpoint's signing secret (`whsec_...`), for the webhook only.
    pub fn webhook_secret(&self) -> Result<&str, ConfigError> {
        self.webhook_secret.as_deref().ok_or_else(|| ConfigError(format!("{} is not set", vars::STRIPE_WEBHOOK_SECRET)))
    }
}

/// `scheme://host[:port]` of an https URL, or of an http one on loopback.
fn base_url(name: &str, value: &str) -> Result<String, ConfigError> {
    let invalid = || ConfigError(format!("{name} must be an https URL (http only on loopback): {value:?}"));
    let url = url::Url::parse(value).map_err(|_| invalid())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(invalid()),
    };
    let bare = url.username().is_empty() && url.password().is_none() && url.query().is_none() && url.path() == "/";
    match (url.scheme(), loopback) {
        ("https", _) | ("http", true) if bare => Ok(url.as_str().trim_end_matches('/').to_owned()),
        _ => Err(invalid()),
    }
}

/// What a POST pays or changes, sent as `Idempotency-Key`: Stripe answers the same key
/// with the first request's result, so a retry never pays twice. Derived by the caller
/// from what it pays (`order:<id>`, `sub:<id>:<period>:<attempt>`, `refund:<id>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// 1 to 255 visible ASCII characters (Stripe's limit, and a valid header value).
    pub fn new(key: impl Into<String>) -> Result<Self, StripeError> {
        let key = key.into();
        match (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) {
            true => Ok(Self(key)),
            false => Err(StripeError::Invalid(format!("{key:?} is not an idempotency key"))),
        }
    }

    pub fn order(order_id: &str) -> Result<Self, StripeError> {
        Self::new(format!("order:{order_id}"))
    }

    pub fn refund(payment_id: &str) -> Result<Self, StripeError> {
        Self::new(format!("refund:{payment_id}"))
    }

    /// The one Customer of a user.
    pub fn customer(user_id: &str) -> Result<Self, StripeError> {
        Self::new(format!("customer:{user_id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What went wrong talking to Stripe. Only `Declined` and `AuthenticationRequired` say
/// something about the payment; the rest say nothing was decided.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// 402 `card_error`: the card was declined (the PaymentIntent it left is in the error).
    #[error("card declined: {}", .0.message.as_deref().unwrap_or("no reason given"))]
    Declined(Box<ApiErrorObject>),
    /// 402 `authentication_required`: an off-session charge needs the customer on-session.
    #[error("the customer must authenticate this payment")]
    AuthenticationRequired(Box<ApiErrorObject>),
    /// 400 `idempotency_error`: the key was first used with other parameters.
    #[error("idempotency key {key} was used for another request: {message}")]
    IdempotencyConflict { key: String, message: String },
    /// 409: a request with the same key is still running, or the object is locked.
    #[error("conflict at Stripe, retry: {0}")]
    Conflict(String),
    /// 429: too many requests.
    #[error("rate limited by Stripe: {0}")]
    RateLimited(String),
    /// 401/403: the secret key is wrong or lacks a permission (a deployment error).
    #[error("Stripe refused the secret key: {0}")]
    Unauthorized(String),
    /// Any other 4xx: a request Stripe refuses (`resource_missing`, a bad parameter).
    #[error("Stripe refused the request ({status} {code:?} {param:?}): {message}")]
    InvalidRequest { status: u16, code: Option<String>, param: Option<String>, message: String },
    /// 5xx, unreachable, timed out, or an answer that cannot be read.
    #[error("Stripe unavailable: {0}")]
    Unavailable(String),
    /// Refused before sending: an id, key or amount Stripe would not take.
    #[error("invalid Stripe request: {0}")]
    Invalid(String),
}

impl StripeError {
    /// Worth sending again, with the same idempotency key, after a pause.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Conflict(_) | Self::RateLimited(_) | Self::Unavailable(_))
    }
}

impl From<StripeError> for PaymentError {
    fn from(error: StripeError) -> Self {
        match error {
            StripeError::Declined(e) => PaymentError::Declined {
                reason: transformers::reason_of(e.decline_code.as_deref().or(e.code.as_deref())).to_string(),
                decline_code: e.decline_code.clone().or_else(|| e.code.clone()),
            },
            StripeError::AuthenticationRequired(e) => PaymentError::AuthenticationRequired {
                payment_id: e.payment_intent.as_ref().map(|i| i.id.clone()).unwrap_or_default(),
            },
            StripeError::IdempotencyConflict { key, .. } => PaymentError::IdempotencyConflict(key),
            StripeError::InvalidRequest { code, param, .. }
                if code.as_deref() == Some("resource_missing") && param.as_deref() == Some("payment_method") =>
            {
                PaymentError::UnknownMethod
            }
            other => PaymentError::Unavailable(other.to_string()),
        }
    }
}

/// A Stripe account's API: one per function, built at cold start, its connections reused.
pub struct Stripe {
    config: StripeConfig,
    transport: transport::Transport,
}

impl Stripe {
    pub fn new(config: StripeConfig) -> Result<Self, ConfigError> {
        Ok(Self { transport: transport::Transport::new(&config)?, config })
    }

    pub fn config(&self) -> &StripeConfig {
        &self.config
    }

    pub async fn create_customer(
        &self,
        customer: &NewCustomer<'_>,
        key: &IdempotencyKey,
    ) -> Result<Customer, StripeError> {
        self.transport.post("/v1/customers", &customer.form(), key).await
    }

    pub async fn retrieve_customer(&self, id: &str) -> Result<Customer, StripeError> {
        self.transport.get(&format!("/v1/customers/{}", checked_id(id)?), &Form::new()).await
    }

    /// The user's Customer among those with this email (Stripe lists by email only): the
    /// way back to one created when its id was not recorded.
    pub async fn find_customer(&self, email: &str, user_id: &str) -> Result<Option<Customer>, StripeError> {
        let query = Form::new().field("email", email).field("limit", 100);
        let customers: List<Customer> = self.transport.get("/v1/customers", &query).await?;
        let ours = |c: &Customer| c.metadata.get(transformers::metadata::USER_ID).is_some_and(|u| u == user_id);
        Ok(customers.data.into_iter().find(ours))
    }

    /// Creates it, and confirms it now when it names a saved method; its `payment_method`
    /// comes expanded (brand, last4, expiry). A decline is `Err(Declined)` with the
    /// PaymentIntent inside; `transformers::Attempt::from_result` makes it an outcome.
    pub async fn create_payment_intent(
        &self,
        intent: &NewPaymentIntent<'_>,
        key: &IdempotencyKey,
    ) -> Result<PaymentIntent, StripeError> {
        self.transport.post("/v1/payment_intents", &intent.form(key)?, key).await
    }

    /// As Stripe has it now: what the webhook reads back before it moves any state.
    pub async fn retrieve_payment_intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{}", checked_id(id)?);
        self.transport.get(&path, &Form::new().list("expand", ["payment_method"])).await
    }

    pub async fn cancel_payment_intent(&self, id: &str, key: &IdempotencyKey) -> Result<PaymentIntent, StripeError> {
        self.transport.post(&format!("/v1/payment_intents/{}/cancel", checked_id(id)?), &Form::new(), key).await
    }

    pub async fn attach_payment_method(
        &self,
        payment_method: &str,
        customer: &str,
        key: &IdempotencyKey,
    ) -> Result<PaymentMethod, StripeError> {
        let path = format!("/v1/payment_methods/{}/attach", checked_id(payment_method)?);
        self.transport.post(&path, &Form::new().field("customer", checked_id(customer)?), key).await
    }

    pub async fn detach_payment_method(
        &self,
        payment_method: &str,
        key: &IdempotencyKey,
    ) -> Result<PaymentMethod, StripeError> {
        let path = format!("/v1/payment_methods/{}/detach", checked_id(payment_method)?);
        self.transport.post(&path, &Form::new(), key).await
    }

    /// The customer's saved cards (the first 100: Capsule shows no more).
    pub async fn list_payment_methods(&self, customer: &str) -> Result<Vec<PaymentMethod>, StripeError> {
        let query = Form::new().field("customer", checked_id(customer)?).field("type", "card").field("limit", 100);
        let methods: List<PaymentMethod> = self.transport.get("/v1/payment_methods", &query).await?;
        Ok(methods.data)
    }

    /// As Stripe has it now, its card expanded: what the webhook reads back.
    pub async fn retrieve_setup_intent(&self, id: &str) -> Result<SetupIntent, StripeError> {
        let path = format!("/v1/setup_intents/{}", checked_id(id)?);
        self.transport.get(&path, &Form::new().list("expand", ["payment_method"])).await
    }

    pub async fn cancel_setup_intent(&self, id: &str, key: &IdempotencyKey) -> Result<SetupIntent, StripeError> {
        self.transport.post(&format!("/v1/setup_intents/{}/cancel", checked_id(id)?), &Form::new(), key).await
    }

    pub async fn create_setup_intent(
        &self,
        setup: &NewSetupIntent<'_>,
        key: &IdempotencyKey,
    ) -> Result<SetupIntent, StripeError> {
        self.transport.post("/v1/setup_intents", &setup.form()?, key).await
    }

    /// Refunds a PaymentIntent's charge; the same key never refunds twice.
    pub async fn create_refund(&self, refund: &NewRefund<'_>, key: &IdempotencyKey) -> Result<Refund, StripeError> {
        // Named by its key, so that `charge.refunded` tells Capsule's refunds from the dashboard's.
        let form = refund.form()?.map("metadata", [(transformers::metadata::IDEMPOTENCY_KEY, key.as_str())]);
        self.transport.post("/v1/refunds", &form, key).await
    }

    /// A PaymentIntent's refunds (the first 100: no payment has more).
    pub async fn list_refunds(&self, payment_intent: &str) -> Result<Vec<Refund>, StripeError> {
        let query = Form::new().field("payment_intent", checked_id(payment_intent)?).field("limit", 100);
        let refunds: List<Refund> = self.transport.get("/v1/refunds", &query).await?;
        Ok(refunds.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_key_is_live_and_every_other_key_is_a_test_key() {
        let live = |key: &str| StripeConfig::new("https://api.stripe.com", key).map(|c| c.live()).ok();
        assert_eq!(live("sk_live_1"), Some(true));
        assert_eq!(live("rk_live_1"), Some(true));
        assert_eq!(live("sk_test_1"), Some(false));
        assert_eq!(live("sk_test_live_"), Some(false), "the prefix decides");
    }

    #[test]
    fn the_api_base_is_https_or_loopback_http_and_nothing_else() {
        let base = |v: &str| StripeConfig::new(v, "sk_test_1").map(|c| c.api_base);
        assert_eq!(base("https://api.stripe.com").ok().as_deref(), Some("https://api.stripe.com"));
        assert_eq!(base("https://api.stripe.com/").ok().as_deref(), Some("https://api.stripe.com"));
        assert_eq!(base("http://127.0.0.1:8420").ok().as_deref(), Some("http://127.0.0.1:8420"));
        assert_eq!(base("http://localhost:8420/").ok().as_deref(), Some("http://localhost:8420"));
        assert_eq!(base("http://[::1]:8420").ok().as_deref(), Some("http://[::1]:8420"));
        for refused in [
            "http://api.stripe.com",
            "http://10.0.0.1:8420",
            "ftp://127.0.0.1",
            "https://api.stripe.com/v1",
            "https://user:pw@api.stripe.com",
            "https://api.stripe.com?x=1",
            "api.stripe.com",
            "",
        ] {
            assert!(base(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn keys_are_checked_and_the_secret_is_never_printed() {
        assert!(StripeConfig::new(DEFAULT_API_BASE, "").is_err());
        assert!(StripeConfig::new(DEFAULT_API_BASE, "sk_test 1").is_err());
        assert!(StripeConfig::new(DEFAULT_API_BASE, "sk_test_\n1").is_err());
        let config = StripeConfig::new(DEFAULT_API_BASE, "sk_test_secret").expect("valid");
        assert!(config.clone().with_publishable_key("sk_test_x").is_err());
        let config = config.with_publishable_key("pk_test_x").expect("valid").with_webhook_secret("whsec_secret");
        let printed = format!("{config:?}");
        assert!(!printed.contains("sk_test_secret") && !printed.contains("whsec_secret"), "{printed}");
        assert_eq!(config.webhook_secret().ok(), Some("whsec_secret"));
        assert_eq!(config.js_url, DEFAULT_JS_URL);
    }

    #[test]
    fn idempotency_keys_are_what_is_paid_and_header_safe() {
        assert_eq!(IdempotencyKey::order("o1").map(|k| k.0).ok().as_deref(), Some("order:o1"));
        assert_eq!(IdempotencyKey::refund("pi_1").map(|k| k.0).ok().as_deref(), Some("refund:pi_1"));
        assert!(IdempotencyKey::new("sub:s1:2026-01-01T00:00:00Z:2").is_ok());
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("order:a\r\nX-Injected: 1").is_err());
        assert!(IdempotencyKey::new("order:é").is_err());
        assert!(IdempotencyKey::new("k".repeat(256)).is_err());
    }

    #[test]
    fn only_declines_and_authentication_are_about_the_payment_and_nothing_is_a_500() {
        let declined = StripeError::Declined(Box::new(ApiErrorObject {
            code: Some("card_declined".into()),
            decline_code: Some("insufficient_funds".into()),
            message: Some("Your card has insufficient funds.".into()),
            ..ApiErrorObject::default()
        }));
        assert!(matches!(
            PaymentError::from(declined),
            PaymentError::Declined { decline_code: Some(c), .. } if c == "insufficient_funds"
        ));
        let missing = StripeError::InvalidRequest {
            status: 400,
            code: Some("resource_missing".into()),
            param: Some("payment_method".into()),
            message: "No such PaymentMethod".into(),
        };
        assert!(matches!(PaymentError::from(missing), PaymentError::UnknownMethod));
        let conflict = StripeError::IdempotencyConflict { key: "order:o1".into(), message: String::new() };
        assert!(matches!(PaymentError::from(conflict), PaymentError::IdempotencyConflict(k) if k == "order:o1"));
        for error in [
            StripeError::Unavailable("502".into()),
            StripeError::RateLimited("429".into()),
            StripeError::Conflict("409".into()),
            StripeError::Unauthorized("bad key".into()),
        ] {
            assert!(matches!(PaymentError::from(error), PaymentError::Unavailable(_)));
        }
        assert!(StripeError::RateLimited(String::new()).is_retryable());
        assert!(!StripeError::Invalid(String::new()).is_retryable());
    }
}
