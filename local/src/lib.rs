//! The whole of Capsule on one machine: the gateway serving every HTTP function on the
//! routes of `template.yaml`, the SQS pollers and schedules that invoke the other
//! functions, the `/dev` routes, against an AWS emulator (moto, single-threaded).
pub mod console;
pub mod dev;
pub mod emulator;
pub mod gateway;
pub mod operator;
pub mod resources;
pub mod routes;
pub mod seed;
pub mod site;
pub mod storefront;
pub mod stripe;
pub mod workers;

use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use shared::clock::DevClock;
use shared::config::{Config, PaymentProviderKind, SecretName, Secrets};
use shared::http::AllowedOrigins;
use shared::sdk::Limits;
use shared::App;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use resources::Names;
use workers::Workers;

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("AWS emulator: {0}")]
    Aws(String),
    #[error("setup: {0}")]
    Setup(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl StackError {
    pub fn aws<E: std::error::Error>(context: &str, e: E) -> Self {
        Self::Aws(format!("{context}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)))
    }

    pub fn build<E: std::fmt::Display>(e: E) -> Self {
        Self::Setup(e.to_string())
    }
}

/// How to start a stack.
#[derive(Clone, Debug)]
pub struct Options {
    /// The AWS emulator's URL.
    pub endpoint: String,
    /// Resource names start with this, so several stacks share one emulator.
    pub prefix: String,
    /// 0 picks a free port.
    pub port: u16,
    /// Run the scheduled functions on their schedules (tests run them through `/dev/run`).
    pub run_schedules: bool,
    /// The secrets the stack creates in the emulator's Secrets Manager; the functions read
    /// them from there.
    pub jwt_secret: String,
    pub webhook_secret: String,
    pub fingerprint_key: String,
    /// Functions deliver their effects right after their commit (else only the relay does).
    pub deliver_after_commit: bool,
    /// Origins of storefronts allowed to call the API from a browser and to be sent back to
    /// from the payment page, besides the stack's own (`http://127.0.0.1:<port>` and
    /// `http://localhost:<port>`, always allowed). `make dev` allows the usual dev servers'
    /// (`DEV_SERVER_PORTS`) and adds `CORS_ALLOWED_ORIGINS`.
    pub allowed_origins: Vec<String>,
    /// The SDK clients' time limits and retries (the fault tests use the deployed ones).
    pub sdk_limits: Limits,
    /// Seed the stack (`seed`: the bootstrap and demo products); off, it starts as a
    /// deployed stack does, with no admin, plan or pickup point.
    pub seed: bool,
    /// Stripe takes the card payments (`PAYMENT_PROVIDER=stripe`), at this API (an
    /// emulator); else the sandbox does.
    pub stripe: Option<LocalStripe>,
}

/// Stripe for a local stack: its two secrets go into the emulator's Secrets Manager and are
/// given, as deployed, only to the functions that need them.
#[derive(Clone, Debug)]
pub struct LocalStripe {
    pub api_base: String,
    pub secret_key: String,
    pub publishable_key: String,
    pub webhook_secret: String,
    /// Where the page loads Stripe.js (default: Stripe's).
    pub js_url: Option<String>,
}

impl LocalStripe {
    /// From `STRIPE_*` when `PAYMENT_PROVIDER=stripe` (`make dev PAYMENTS=stripe`).
    pub fn from_env() -> Result<Option<Self>, StackError> {
        use shared::config::{vars, PaymentProviderKind};
        if PaymentProviderKind::from_env().map_err(StackError::build)? != PaymentProviderKind::Stripe {
            return Ok(None);
        }
        let var = |name: &str| std::env::var(name).map_err(|_| StackError::Setup(format!("{name} is not set")));
        Ok(Some(Self {
            api_base: var(vars::STRIPE_API_BASE)?,
            secret_key: var(vars::STRIPE_SECRET_KEY)?,
            publishable_key: var(vars::STRIPE_PUBLISHABLE_KEY)?,
            webhook_secret: var(vars::STRIPE_WEBHOOK_SECRET)?,
            js_url: std::env::var(vars::STRIPE_JS_URL).ok(),
        }))
    }

    fn client(&self) -> Result<shared::payments::stripe::Stripe, StackError> {
        use shared::payments::stripe::{Stripe, StripeConfig};
        let mut config = StripeConfig::new(&self.api_base, &self.secret_key)
            .and_then(|c| c.with_publishable_key(&self.publishable_key));
        if let Some(url) = &self.js_url {
            config = config.and_then(|c| c.with_js_url(url));
        }
        config.and_then(Stripe::new).map_err(StackError::build)
    }
}

/// The port `make dev` serves the API on unless `PORT` names another.
pub const DEV_PORT: u16 = 3000;

/// The ports front-end dev servers listen on by default (Create React App and Next.js,
/// Angular, Vite and its preview, Vue CLI and webpack): a React app on one of them calls a
/// `make dev` stack without any setting.
pub const DEV_SERVER_PORTS: [u16; 5] = [3000, 4200, 5173, 4173, 8080];

/// The origins of `DEV_SERVER_PORTS` but the API's own `port`, as `localhost` and `127.0.0.1`.
pub fn dev_server_origins(port: u16) -> Vec<String> {
    DEV_SERVER_PORTS
        .iter()
        .filter(|p| **p != port)
        .flat_map(|p| [format!("http://localhost:{p}"), format!("http://127.0.0.1:{p}")])
        .collect()
}

/// The demo storefront's port when `STOREFRONT_PORT` names none: the one after the API's,
/// so `PORT` alone moves both and a second `make dev` starts beside the first.
pub fn storefront_port(api_port: u16) -> u16 {
    api_port.saturating_add(1)
}

/// The operators' console's port when `CONSOLE_PORT` names none: the one after the
/// storefront's, so `PORT` alone moves all three.
pub fn console_port(api_port: u16) -> u16 {
    api_port.saturating_add(2)
}

impl Options {
    /// `make dev`'s stack on `port`: resources of its own on a shared emulator when the
    /// port is not `DEV_PORT` (`capsule-3010`), the dev servers' origins allowed.
    pub fn local(endpoint: String, port: u16) -> Self {
        let extra = std::env::var("CORS_ALLOWED_ORIGINS").unwrap_or_default();
        let extra = extra.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty());
        Self {
            endpoint,
            prefix: match port {
                DEV_PORT | 0 => "capsule".to_string(),
                other => format!("capsule-{other}"),
            },
            port,
            run_schedules: true,
            jwt_secret: std::env::var("JWT_SECRET").unwrap_or_else(|_| "local-only-jwt-secret-0123456789abcdef".into()),
            webhook_secret: std::env::var("PAYMENT_WEBHOOK_SECRET")
                .unwrap_or_else(|_| "local-only-webhook-secret-0123456789".into()),
            fingerprint_key: "local-only-fingerprint-key-0123456789abcdef".into(),
            deliver_after_commit: true,
            allowed_origins: dev_server_origins(port).into_iter().chain(extra).collect(),
            sdk_limits: Limits::EMULATOR,
            stripe: None,
            seed: true,
        }
    }

    /// A stack of its own (`prefix`) beside others on one emulator, on a free port, whose
    /// scheduled jobs run only when asked through `/dev/run`: what the bench and the
    /// simulator start.
    pub fn on_demand(endpoint: String, prefix: &str) -> Self {
        Self { prefix: prefix.to_string(), run_schedules: false, ..Self::local(endpoint, 0) }
    }
}

pub const SENDER: &str = "no-reply@capsule.local";

/// What the gateway's handlers share.
pub struct Inner {
    pub app: App,
    pub clock: Arc<DevClock>,
    pub workers: Arc<Workers>,
    pub endpoint: String,
    pub http: reqwest::Client,
}

/// A running stack; dropping it stops the gateway and the workers.
pub struct Stack {
    pub base_url: String,
    pub app: App,
    pub clock: Arc<DevClock>,
    pub names: Names,
    pub queues: std::collections::HashMap<&'static str, resources::Queue>,
    workers: Arc<Workers>,
    shutdown: Option<oneshot::Sender<()>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Stack {
    /// Waits until the queues are empty and every consumer is done, as `/dev/run` does after
    /// its job: what a request queued (emails, payment events) has then happened.
    pub async fn drain(&self) {
        self.workers.drain().await;
    }

    /// How many receives its queue pollers have sent the emulator so far.
    pub fn queue_receives(&self) -> u64 {
        self.workers.receives()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// SDK configuration for the emulator: fixed region and dummy credentials, the limits
/// suited to a shared single-threaded emulator.
pub async fn emulator_sdk(endpoint: &str) -> SdkConfig {
    emulator_sdk_with(endpoint, Limits::EMULATOR).await
}

pub async fn emulator_sdk_with(endpoint: &str, limits: Limits) -> SdkConfig {
    limits
        .loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "emulator"))
        .load()
        .await
}

pub async fn start(options: Options) -> Result<Stack, StackError> {
    let sdk = emulator_sdk_with(&options.endpoint, options.sdk_limits).await;
    let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
    let address = listener.local_addr()?;
    let base_url = format!("http://{address}");
    let allowed_origins = AllowedOrigins::parse(&options.allowed_origins.join(","))
        .map_err(|e| StackError::Setup(format!("allowed origins: {e}")))?
        .with(&base_url)
        .with(&format!("http://localhost:{}", address.port()));
    let names = Names { prefix: options.prefix.clone() };
    let mut secrets = vec![
        (SecretName::Jwt, options.jwt_secret.clone()),
        (SecretName::PaymentWebhook, options.webhook_secret.clone()),
        (SecretName::Fingerprint, options.fingerprint_key.clone()),
    ];
    if let Some(stripe) = &options.stripe {
        secrets.push((SecretName::StripeSecretKey, stripe.secret_key.clone()));
        secrets.push((SecretName::StripeWebhook, stripe.webhook_secret.clone()));
    }
    let created = resources::create_all(&sdk, &names, SENDER, &secrets).await?;
    // Read back as a function does at cold start; each function is then given only its own
    // (`routes`, `resources::FUNCTION_SECRETS`).
    let secrets = Secrets::load(&aws_sdk_secretsmanager::Client::new(&sdk), &created.secrets)
        .await
        .map_err(|e| StackError::Setup(e.to_string()))?;
    let queue_url = |logical_id: &str| {
        created
            .queues
            .get(logical_id)
            .map(|q| q.url.clone())
            .ok_or_else(|| StackError::Setup(format!("no queue {logical_id}")))
    };
    let config = Config {
        table_name: names.table(),
        notifications_queue_url: queue_url("NotificationsQueue")?,
        payment_events_queue_url: queue_url("PaymentEventsQueue")?,
        renewals_queue_url: queue_url("RenewalsQueue")?,
        event_bus_name: names.bus(),
        sender_email: SENDER.to_string(),
        secrets,
        public_base_url: Some(base_url.clone()),
        deliver_after_commit: options.deliver_after_commit,
        allowed_origins,
        payment_provider: match options.stripe {
            Some(_) => PaymentProviderKind::Stripe,
            None => PaymentProviderKind::Sandbox,
        },
    };
    let clock = Arc::new(DevClock::default());
    let stripe = options.stripe.as_ref().map(LocalStripe::client).transpose()?;
    let app = App { stripe: stripe.map(Arc::new), ..App::new(config, &sdk, clock.clone()) };
    if options.seed {
        seed::seed(&app).await.map_err(|e| StackError::Setup(format!("seeding: {e}")))?;
    }
    let workers = Arc::new(Workers::new(app.clone(), aws_sdk_sqs::Client::new(&sdk), &created.queues));
    let inner = Arc::new(Inner {
        app: app.clone(),
        clock: clock.clone(),
        workers: workers.clone(),
        endpoint: options.endpoint.clone(),
        http: reqwest::Client::new(),
    });
    let router = axum::Router::new().fallback(gateway::serve).with_state(inner);
    let (shutdown, stopped) = oneshot::channel::<()>();
    let mut tasks = vec![tokio::spawn(async move {
        let served = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::error!(error = %e, "gateway stopped");
        }
    })];
    tasks.extend(workers.spawn_pollers());
    if options.run_schedules {
        tasks.extend(workers.spawn_schedules());
    }
    Ok(Stack { base_url, app, clock, names, queues: created.queues, workers, shutdown: Some(shutdown), tasks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_dev_allows_the_usual_dev_servers_and_a_second_port_gets_its_own_stack() {
        let first = Options::local("http://127.0.0.1:4566".into(), DEV_PORT);
        for origin in
            ["http://localhost:5173", "http://127.0.0.1:5173", "http://localhost:4200", "http://localhost:8080"]
        {
            assert!(first.allowed_origins.iter().any(|o| o == origin), "{origin}");
        }
        assert!(!first.allowed_origins.iter().any(|o| o.ends_with(":3000")), "the API's own port is its own origin");
        let second = Options::local("http://127.0.0.1:4566".into(), 3010);
        assert!(second.allowed_origins.iter().any(|o| o == "http://localhost:3000"), "a React app on :3000");
        assert_ne!(first.prefix, second.prefix, "two stacks on one emulator do not share a table");
        assert_eq!((storefront_port(DEV_PORT), storefront_port(3010)), (3001, 3011));
        assert_eq!((console_port(DEV_PORT), console_port(3010)), (3002, 3012));
    }
}
