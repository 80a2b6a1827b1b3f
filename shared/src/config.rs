use std::collections::BTreeMap;
use std::env;

use crate::http::AllowedOrigins;

/// Names of the environment variables each function reads; `template.yaml` sets the same.
pub mod vars {
    pub const TABLE_NAME: &str = "TABLE_NAME";
    pub const NOTIFICATIONS_QUEUE_URL: &str = "NOTIFICATIONS_QUEUE_URL";
    pub const PAYMENT_EVENTS_QUEUE_URL: &str = "PAYMENT_EVENTS_QUEUE_URL";
    pub const RENEWALS_QUEUE_URL: &str = "RENEWALS_QUEUE_URL";
    pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
    pub const SENDER_EMAIL: &str = "SENDER_EMAIL";
    /// ARNs of the Secrets Manager secrets: a function's environment names only those it needs.
    pub const JWT_SECRET_ARN: &str = "JWT_SECRET_ARN";
    pub const PAYMENT_WEBHOOK_SECRET_ARN: &str = "PAYMENT_WEBHOOK_SECRET_ARN";
    pub const FINGERPRINT_KEY_ARN: &str = "FINGERPRINT_KEY_ARN";
    pub const PUBLIC_BASE_URL: &str = "PUBLIC_BASE_URL";
    pub const OUTBOX_DELIVER_AFTER_COMMIT: &str = "OUTBOX_DELIVER_AFTER_COMMIT";
    pub const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";
    /// `sandbox` (default) or `stripe`.
    pub const PAYMENT_PROVIDER: &str = "PAYMENT_PROVIDER";
    pub const STRIPE_API_BASE: &str = "STRIPE_API_BASE";
    pub const STRIPE_SECRET_KEY: &str = "STRIPE_SECRET_KEY";
    pub const STRIPE_PUBLISHABLE_KEY: &str = "STRIPE_PUBLISHABLE_KEY";
    pub const STRIPE_WEBHOOK_SECRET: &str = "STRIPE_WEBHOOK_SECRET";
    pub const STRIPE_JS_URL: &str = "STRIPE_JS_URL";
    /// Deployed, the two Stripe secrets come from Secrets Manager, as the others do.
    pub const STRIPE_SECRET_KEY_ARN: &str = "STRIPE_SECRET_KEY_ARN";
    pub const STRIPE_WEBHOOK_SECRET_ARN: &str = "STRIPE_WEBHOOK_SECRET_ARN";
}

/// Which provider takes the payments (`PAYMENT_PROVIDER`): Capsule's own sandbox page,
/// which needs no account, unless the deployment says `stripe`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaymentProviderKind {
    #[default]
    Sandbox,
    Stripe,
}

impl std::str::FromStr for PaymentProviderKind {
    type Err = ConfigError;

    fn from_str(value: &str) -> Result<Self, ConfigError> {
        match value.trim() {
            "" | "sandbox" => Ok(Self::Sandbox),
            "stripe" => Ok(Self::Stripe),
            other => Err(ConfigError(format!("{} must be sandbox or stripe, not {other:?}", vars::PAYMENT_PROVIDER))),
        }
    }
}

impl PaymentProviderKind {
    /// From the environment; unset is the sandbox, anything unknown a configuration error.
    pub fn from_env() -> Result<Self, ConfigError> {
        env::var(vars::PAYMENT_PROVIDER).unwrap_or_default().parse()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("missing or invalid configuration: {0}")]
pub struct ConfigError(pub String);

/// Deployment configuration, read once at cold start.
#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub notifications_queue_url: String,
    pub payment_events_queue_url: String,
    /// Where `charge-renewal` queues each subscription with work due.
    pub renewals_queue_url: String,
    pub event_bus_name: String,
    pub sender_email: String,
    /// The secrets this function was given, read from Secrets Manager at cold start.
    pub secrets: Secrets,
    /// Where the API is reached from outside (the webhook the payment provider calls).
    /// HTTP functions take it from the request instead: naming the API's URL in their own
    /// configuration would make the template circular.
    pub public_base_url: Option<String>,
    /// Whether a function delivers the effects it recorded right after its commit (the
    /// outbox relay delivers whatever that missed). `false` leaves them all to the relay.
    pub deliver_after_commit: bool,
    /// The storefronts' origins (`ALLOWED_ORIGINS`, comma separated): the only places the
    /// payment page sends a buyer back to; the HTTP API's CORS list is the same one.
    pub allowed_origins: AllowedOrigins,
    /// Who takes card payments (`PAYMENT_PROVIDER`), the same in every function.
    pub payment_provider: PaymentProviderKind,
}

impl Config {
    /// The plain settings from the environment, with the secrets read at cold start.
    pub fn from_env(secrets: Secrets) -> Result<Self, ConfigError> {
        fn required(name: &str) -> Result<String, ConfigError> {
            env::var(name).ok().filter(|v| !v.trim().is_empty()).ok_or_else(|| ConfigError(name.to_string()))
        }
        Ok(Self {
            table_name: required(vars::TABLE_NAME)?,
            notifications_queue_url: required(vars::NOTIFICATIONS_QUEUE_URL)?,
            payment_events_queue_url: required(vars::PAYMENT_EVENTS_QUEUE_URL)?,
            renewals_queue_url: required(vars::RENEWALS_QUEUE_URL)?,
            event_bus_name: required(vars::EVENT_BUS_NAME)?,
            sender_email: required(vars::SENDER_EMAIL)?,
            secrets,
            public_base_url: required(vars::PUBLIC_BASE_URL).ok().map(|u| u.trim_end_matches('/').to_string()),
            allowed_origins: AllowedOrigins::parse(&env::var(vars::ALLOWED_ORIGINS).unwrap_or_default())
                .map_err(|e| ConfigError(format!("{}: {e}", vars::ALLOWED_ORIGINS)))?,
            deliver_after_commit: env::var(vars::OUTBOX_DELIVER_AFTER_COMMIT).map_or(true, |v| v.trim() != "false"),
            payment_provider: PaymentProviderKind::from_env()?,
        })
    }
}

/// The secrets Capsule keeps in Secrets Manager, one each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretName {
    /// Signs and checks session tokens.
    Jwt,
    /// Shared with the payment provider: signs and checks its webhooks.
    PaymentWebhook,
    /// Keys the fingerprints of saved cards and phones (the same card saved twice is one).
    Fingerprint,
    /// Stripe's secret API key (`sk_...`): only the functions that call Stripe.
    StripeSecretKey,
    /// The signing secret of Stripe's webhook endpoint (`whsec_...`): the webhook only.
    StripeWebhook,
}

impl SecretName {
    pub const ALL: [Self; 5] =
        [Self::Jwt, Self::PaymentWebhook, Self::Fingerprint, Self::StripeSecretKey, Self::StripeWebhook];

    /// The environment variable that gives a function this secret's ARN.
    pub fn arn_variable(self) -> &'static str {
        match self {
            Self::Jwt => vars::JWT_SECRET_ARN,
            Self::PaymentWebhook => vars::PAYMENT_WEBHOOK_SECRET_ARN,
            Self::Fingerprint => vars::FINGERPRINT_KEY_ARN,
            Self::StripeSecretKey => vars::STRIPE_SECRET_KEY_ARN,
            Self::StripeWebhook => vars::STRIPE_WEBHOOK_SECRET_ARN,
        }
    }

    /// Its resource in `template.yaml`.
    pub fn logical_id(self) -> &'static str {
        match self {
            Self::Jwt => "JwtSecret",
            Self::PaymentWebhook => "PaymentWebhookSecret",
            Self::Fingerprint => "FingerprintKey",
            Self::StripeSecretKey => "StripeSecretKey",
            Self::StripeWebhook => "StripeWebhookSecret",
        }
    }

    /// The shortest value accepted: a short key is a guessable key.
    pub fn min_bytes(self) -> usize {
        match self {
            Self::Jwt | Self::Fingerprint => 32,
            Self::PaymentWebhook => 16,
            // `sk_test_` and `whsec_` and more; Stripe chooses their length.
            Self::StripeSecretKey | Self::StripeWebhook => 8,
        }
    }
}

/// The secrets one function holds: only those its environment names. Asking for another
/// one is a deployment error, reported as such (never a panic).
#[derive(Clone, Default)]
pub struct Secrets {
    values: BTreeMap<SecretName, String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

impl Secrets {
    /// Secrets given directly, each checked like one read from Secrets Manager.
    pub fn new(values: impl IntoIterator<Item = (SecretName, String)>) -> Result<Self, ConfigError> {
        let values: BTreeMap<_, _> = values.into_iter().collect();
        for (name, value) in &values {
            if value.len() < name.min_bytes() {
                return Err(ConfigError(format!("the secret {name:?} must be at least {} bytes", name.min_bytes())));
            }
        }
        Ok(Self { values })
    }

    /// Reads, once at cold start, each secret whose ARN the environment names.
    pub async fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        let arns: Vec<(SecretName, String)> = SecretName::ALL
            .into_iter()
            .filter_map(|name| {
                env::var(name.arn_variable()).ok().filter(|v| !v.trim().is_empty()).map(|arn| (name, arn))
            })
            .collect();
        if arns.is_empty() {
            return Ok(Self::default());
        }
        Self::load(&aws_sdk_secretsmanager::Client::new(sdk), &arns).await
    }

    /// Reads each named secret; the first that cannot be read (missing, no right to it,
    /// empty or too short) fails the whole, naming it.
    pub async fn load(
        client: &aws_sdk_secretsmanager::Client,
        arns: &[(SecretName, String)],
    ) -> Result<Self, ConfigError> {
        let mut values = Vec::with_capacity(arns.len());
        for (name, arn) in arns {
            let read = client.get_secret_value().secret_id(arn).send().await.map_err(|e| {
                ConfigError(format!(
                    "the secret {} = {arn} cannot be read: {}",
                    name.arn_variable(),
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                ))
            })?;
            let value = read.secret_string.filter(|v| !v.is_empty()).ok_or_else(|| {
                ConfigError(format!("the secret {} = {arn} has no string value", name.arn_variable()))
            })?;
            values.push((*name, value));
        }
        Self::new(values)
    }

    /// Only the secrets among `names` (what a function is given).
    pub fn only(&self, names: &[SecretName]) -> Self {
        Self { values: self.values.iter().filter(|(n, _)| names.contains(n)).map(|(n, v)| (*n, v.clone())).collect() }
    }

    /// The names held, for a report.
    pub fn names(&self) -> Vec<SecretName> {
        self.values.keys().copied().collect()
    }

    pub fn get(&self, name: SecretName) -> Result<&str, ConfigError> {
        self.values.get(&name).map(String::as_str).ok_or_else(|| {
            ConfigError(format!("this function was not given the secret {name:?} ({} is not set)", name.arn_variable()))
        })
    }

    pub fn jwt(&self) -> Result<&str, ConfigError> {
        self.get(SecretName::Jwt)
    }

    pub fn payment_webhook(&self) -> Result<&str, ConfigError> {
        self.get(SecretName::PaymentWebhook)
    }

    pub fn fingerprint(&self) -> Result<&str, ConfigError> {
        self.get(SecretName::Fingerprint)
    }

    pub fn stripe_webhook(&self) -> Result<&str, ConfigError> {
        self.get(SecretName::StripeWebhook)
    }
}

/// A function asked for a secret it was not given: a deployment error, logged, answered 500.
impl From<ConfigError> for crate::ApiError {
    fn from(e: ConfigError) -> Self {
        Self::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payment_provider_is_the_sandbox_unless_stripe_is_named() {
        let parse = |v: &str| v.parse::<PaymentProviderKind>().ok();
        assert_eq!(parse(""), Some(PaymentProviderKind::Sandbox));
        assert_eq!(parse("sandbox"), Some(PaymentProviderKind::Sandbox));
        assert_eq!(parse(" stripe\n"), Some(PaymentProviderKind::Stripe));
        for refused in ["Stripe", "STRIPE", "paypal", "stripe,sandbox"] {
            assert_eq!(parse(refused), None, "{refused}");
        }
    }
}
