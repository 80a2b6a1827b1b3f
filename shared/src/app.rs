use std::sync::Arc;

use aws_config::SdkConfig;

use crate::calls::{CallCounts, Counter};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigError, PaymentProviderKind, Secrets};
use crate::notify::Notifier;
use crate::payments::stripe::{Stripe, StripeConfig};
use crate::payments::PaymentError;
use crate::store::Store;

/// What every handler needs, built once per cold start (or once for the whole local stack).
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub store: Store,
    pub notifier: Notifier,
    pub sqs: aws_sdk_sqs::Client,
    pub ses: aws_sdk_sesv2::Client,
    /// The AWS calls made through these clients, by use case.
    pub calls: CallCounts,
    /// Stripe's API, when it takes the payments and this function was given its key.
    pub stripe: Option<Arc<Stripe>>,
}

impl App {
    pub fn new(config: Config, sdk: &SdkConfig, clock: Arc<dyn Clock>) -> Self {
        let calls = CallCounts::default();
        let counter = || Counter(calls.clone());
        let sqs =
            aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(sdk).interceptor(counter()).build());
        let ses =
            aws_sdk_sesv2::Client::from_conf(aws_sdk_sesv2::config::Builder::from(sdk).interceptor(counter()).build());
        let events = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(sdk).interceptor(counter()).build(),
        );
        let store = Store::counted(sdk, config.table_name.clone(), counter());
        let notifier =
            Notifier::new(sqs.clone(), events, config.notifications_queue_url.clone(), config.event_bus_name.clone());
        Self { config: Arc::new(config), clock, store, notifier, sqs, ses, calls, stripe: None }
    }

    /// The Lambda way: configuration and credentials from the environment, the real clock,
    /// the deployed SDK limits (`sdk::Limits::LAMBDA`).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let sdk = crate::sdk::Limits::LAMBDA.loader().load().await;
        let config = Config::from_env(Secrets::from_env(&sdk).await?)?;
        let stripe = match config.payment_provider {
            PaymentProviderKind::Stripe => StripeConfig::from_env(&config.secrets)?.map(Stripe::new).transpose()?,
            PaymentProviderKind::Sandbox => None,
        };
        Ok(Self { stripe: stripe.map(Arc::new), ..Self::new(config, &sdk, Arc::new(SystemClock)) })
    }

    /// The Stripe client; a function that calls Stripe without having been given its key is
    /// a deployment error, reported (never a panic).
    pub fn stripe(&self) -> Result<&Stripe, PaymentError> {
        self.stripe
            .as_deref()
            .ok_or_else(|| PaymentError::Unavailable("this function was not given the Stripe key".into()))
    }
}
