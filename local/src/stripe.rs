//! localstripe behind Capsule's adapter (`local/stripe_emulator.py`) on a free loopback
//! port, stopped when dropped: what `make dev PAYMENTS=stripe` and the tests run Stripe mode
//! against. Its keys are fixed test values; its events are signed with `WEBHOOK_SECRET`.
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::{LocalStripe, StackError};

pub const SECRET_KEY: &str = "sk_test_capsule";
pub const PUBLISHABLE_KEY: &str = "pk_test_capsule";
/// The signing secret of the stack's webhook endpoint at localstripe.
pub const WEBHOOK_SECRET: &str = "whsec_capsule_test";

pub struct Localstripe {
    pub url: String,
    client: reqwest::Client,
    _process: Child,
}

impl Localstripe {
    pub async fn start() -> Result<Self, StackError> {
        let repository = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
        let process = Command::new(repository.join(".venv/bin/python"))
            .current_dir(repository)
            .args(["local/stripe_emulator.py", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let emulator =
            Self { url: format!("http://127.0.0.1:{port}"), client: reqwest::Client::new(), _process: process };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            let health = emulator.client.get(format!("{}/_capsule/health", emulator.url)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(emulator);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StackError::Setup("localstripe did not start (run `make venv`)".into()))
    }

    /// A stack's Stripe settings for this emulator (its Stripe.js mock included).
    pub fn stack_settings(&self) -> LocalStripe {
        LocalStripe {
            api_base: self.url.clone(),
            secret_key: SECRET_KEY.into(),
            publishable_key: PUBLISHABLE_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            js_url: Some(format!("{}/js.stripe.com/v3/", self.url)),
        }
    }

    /// Has localstripe post its signed events to `url` with this signing secret.
    pub async fn send_events_to(&self, url: &str, secret: &str) -> Result<(), StackError> {
        let form = [("url", url), ("secret", secret)];
        let response = self.client.post(format!("{}/_config/webhooks/capsule", self.url)).form(&form).send().await;
        match response {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(StackError::Setup(format!("localstripe refused the webhook: {}", r.status()))),
            Err(e) => Err(StackError::Setup(format!("localstripe: {e}"))),
        }
    }
}
