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
    pub const JWT_SECRET: &str = "JWT_SECRET";
    pub const PAYMENT_WEBHOOK_SECRET: &str = "PAYMENT_WEBHOOK_SECRET";
    pub const PUBLIC_BASE_URL: &str = "PUBLIC_BASE_URL";
    pub const OUTBOX_DELIVER_AFTER_COMMIT: &str = "OUTBOX_DELIVER_AFTER_COMMIT";
    pub const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";
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
    pub jwt_secret: String,
    pub webhook_secret: String,
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
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        fn required(name: &str) -> Result<String, ConfigError> {
            env::var(name).ok().filter(|v| !v.trim().is_empty()).ok_or_else(|| ConfigError(name.to_string()))
        }
        let jwt_secret = required(vars::JWT_SECRET)?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError(format!("{} must be at least 32 bytes", vars::JWT_SECRET)));
        }
        Ok(Self {
            table_name: required(vars::TABLE_NAME)?,
            notifications_queue_url: required(vars::NOTIFICATIONS_QUEUE_URL)?,
            payment_events_queue_url: required(vars::PAYMENT_EVENTS_QUEUE_URL)?,
            renewals_queue_url: required(vars::RENEWALS_QUEUE_URL)?,
            event_bus_name: required(vars::EVENT_BUS_NAME)?,
            sender_email: required(vars::SENDER_EMAIL)?,
            jwt_secret,
            webhook_secret: required(vars::PAYMENT_WEBHOOK_SECRET)?,
            public_base_url: required(vars::PUBLIC_BASE_URL).ok().map(|u| u.trim_end_matches('/').to_string()),
            allowed_origins: AllowedOrigins::parse(&env::var(vars::ALLOWED_ORIGINS).unwrap_or_default())
                .map_err(|e| ConfigError(format!("{}: {e}", vars::ALLOWED_ORIGINS)))?,
            deliver_after_commit: env::var(vars::OUTBOX_DELIVER_AFTER_COMMIT).map_or(true, |v| v.trim() != "false"),
        })
    }
}
