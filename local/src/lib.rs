//! The whole of Capsule on one machine: the gateway serving every HTTP function on the
//! routes of `template.yaml`, the SQS pollers and schedules that invoke the other
//! functions, the `/dev` routes, against an AWS emulator (moto, single-threaded).
pub mod dev;
pub mod emulator;
pub mod gateway;
pub mod operator;
pub mod resources;
pub mod routes;
pub mod seed;
pub mod storefront;
pub mod workers;

use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use shared::clock::DevClock;
use shared::config::{Config, SecretName, Secrets};
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
    /// `http://localhost:<port>`, always allowed). `make dev` reads `CORS_ALLOWED_ORIGINS`.
    pub allowed_origins: Vec<String>,
    /// The SDK clients' time limits and retries (the fault tests use the deployed ones).
    pub sdk_limits: Limits,
    /// Seed the stack (`seed`: the bootstrap and demo products); off, it starts as a
    /// deployed stack does, with no admin, plan or pickup point.
    pub seed: bool,
}

impl Options {
    pub fn local(endpoint: String, port: u16) -> Self {
        Self {
            endpoint,
            prefix: "capsule".to_string(),
            port,
            run_schedules: true,
            jwt_secret: std::env::var("JWT_SECRET").unwrap_or_else(|_| "local-only-jwt-secret-0123456789abcdef".into()),
            webhook_secret: std::env::var("PAYMENT_WEBHOOK_SECRET")
                .unwrap_or_else(|_| "local-only-webhook-secret-0123456789".into()),
            fingerprint_key: "local-only-fingerprint-key-0123456789abcdef".into(),
            deliver_after_commit: true,
            allowed_origins: std::env::var("CORS_ALLOWED_ORIGINS")
                .map(|list| list.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            sdk_limits: Limits::EMULATOR,
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
    let secrets = [
        (SecretName::Jwt, options.jwt_secret.clone()),
        (SecretName::PaymentWebhook, options.webhook_secret.clone()),
        (SecretName::Fingerprint, options.fingerprint_key.clone()),
    ];
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
    };
    let clock = Arc::new(DevClock::default());
    let app = App::new(config, &sdk, clock.clone());
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
