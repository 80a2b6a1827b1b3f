use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigError};
use crate::notify::Notifier;
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
}

impl App {
    pub fn new(config: Config, sdk: &SdkConfig, clock: Arc<dyn Clock>) -> Self {
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let ses = aws_sdk_sesv2::Client::new(sdk);
        let store = Store::from_sdk(sdk, config.table_name.clone());
        let notifier = Notifier::new(
            sqs.clone(),
            aws_sdk_eventbridge::Client::new(sdk),
            config.notifications_queue_url.clone(),
            config.event_bus_name.clone(),
        );
        Self { config: Arc::new(config), clock, store, notifier, sqs, ses }
    }

    /// The Lambda way: configuration and credentials from the environment, the real clock.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env()?;
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Ok(Self::new(config, &sdk, Arc::new(SystemClock)))
    }
}
