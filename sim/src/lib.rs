//! `make simulate`: a flash sale through the whole stack. Buyers sign up, fill their carts,
//! check out and pay on the hosted page (or decline, or abandon), a few at a time, for one
//! product with few units; the abandoned holds expire and come back on sale; then the
//! invariants are checked from the API and, when the stack's table is at hand, from it:
//! nothing oversold, the stock balances, promo uses within their maximum, the sale limit
//! held, gapless invoice numbers, one payment record and one invoice email per paid order.
pub mod buyer;
pub mod charts;
pub mod client;
pub mod mix;
pub mod report;
mod setup;
mod verify;

use indicatif::ProgressBar;
use shared::store::Store;

pub use mix::{Mix, Persona};
pub use report::{Check, Report, Timings};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("http: {0}")]
    Http(String),
    /// The stack refused a step of the sale's setup, or the sim cannot run against it.
    #[error("setup: {0}")]
    Setup(String),
    #[error("reading the table: {0}")]
    Table(#[from] shared::store::StoreError),
    #[error("starting the stack: {0}")]
    Stack(#[from] local::StackError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// What to simulate.
#[derive(Clone, Debug)]
pub struct Options {
    pub buyers: usize,
    /// The units of the one product on sale.
    pub units: i64,
    /// Buyers shopping at once.
    pub concurrency: usize,
    pub mix: Mix,
    /// The promo code's `max_uses`.
    pub promo_uses: u32,
    /// The settings' `sale_unit_limit` during the sale.
    pub sale_limit: i64,
    pub sale_percent: i64,
    /// Counts the buyers as they finish (hidden by default).
    pub progress: ProgressBar,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            buyers: 1000,
            units: 100,
            concurrency: 64,
            mix: Mix::default(),
            promo_uses: 5,
            sale_limit: 2,
            sale_percent: 20,
            progress: ProgressBar::hidden(),
        }
    }
}

/// The stack to drive.
#[derive(Clone)]
pub struct Target {
    pub base_url: String,
    /// Its table, for the checks read from it; without it the API's word is taken alone.
    pub store: Option<Store>,
    /// In Stripe mode, the Stripe (localstripe) its pages' cards are paid at, as Stripe.js
    /// pays them.
    pub stripe: Option<String>,
}

impl Target {
    /// A stack already running at `base_url`, its table read through `emulator` (the
    /// stack's resources named with `prefix`) when given.
    pub async fn running(base_url: &str, emulator: Option<&str>, prefix: &str) -> Self {
        let store = match emulator {
            Some(endpoint) => {
                let names = local::resources::Names { prefix: prefix.to_string() };
                Some(Store::from_sdk(&local::emulator_sdk(endpoint).await, names.table()))
            }
            None => None,
        };
        Self { base_url: base_url.to_string(), store, stripe: None }
    }
}

/// An emulator and a stack of the simulator's own, stopped when dropped.
pub struct OwnStack {
    // Declared first: the stack stops before its emulators.
    pub stack: local::Stack,
    _emulator: local::emulator::Launched,
    /// Stripe mode: the localstripe that takes its card payments.
    stripe: Option<local::stripe::Localstripe>,
}

impl OwnStack {
    /// Launches the emulator (from the repository, after `make venv`), in fidelity mode
    /// when asked, and a stack on it; with `stripe`, in Stripe mode against a localstripe of
    /// its own whose signed events reach the stack's webhook.
    pub async fn start(fidelity: bool, stripe: bool) -> Result<Self, SimError> {
        let emulator = local::emulator::Launched::start(false).await?;
        if fidelity {
            let url = format!("{}/_capsule/fidelity", emulator.endpoint);
            let answer = reqwest::Client::new().post(url).json(&serde_json::json!({"enabled": true})).send().await;
            answer.and_then(|a| a.error_for_status()).map_err(|e| SimError::Setup(format!("fidelity mode: {e}")))?;
        }
        let prefix = format!("sim-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let stripe = match stripe {
            true => Some(local::stripe::Localstripe::start().await?),
            false => None,
        };
        let options = local::Options {
            stripe: stripe.as_ref().map(|s| s.stack_settings()),
            ..local::Options::on_demand(emulator.endpoint.clone(), &prefix)
        };
        let stack = local::start(options).await?;
        if let Some(stripe) = &stripe {
            let webhook = format!("{}/webhooks/stripe", stack.base_url);
            stripe.send_events_to(&webhook, local::stripe::WEBHOOK_SECRET).await?;
        }
        Ok(Self { stack, _emulator: emulator, stripe })
    }

    /// The emulator's mode, and in fidelity mode the writes it refused because they met
    /// others (what the stack's retries absorbed).
    pub async fn emulator_mode(&self) -> Result<String, SimError> {
        let url = format!("{}/_capsule/fidelity", self._emulator.endpoint);
        let described: serde_json::Value = match reqwest::get(url).await {
            Ok(answer) => answer.json().await.map_err(|e| SimError::Http(e.to_string()))?,
            Err(e) => return Err(SimError::Http(e.to_string())),
        };
        Ok(match described["enabled"].as_bool() {
            Some(true) => format!(
                "fidelity mode ({} ms transactions, {} WCU/s a partition): {} writes cancelled by a conflict, {} throttled",
                described["transaction_latency_ms"], described["partition_wcu"], described["refused"]["conflict"],
                described["refused"]["throttle"]
            ),
            _ => "alone (no conflicts, no throttling)".to_string(),
        })
    }

    pub fn target(&self) -> Target {
        Target {
            base_url: self.stack.base_url.clone(),
            store: Some(self.stack.app.store.clone()),
            stripe: self.stripe.as_ref().map(|s| s.url.clone()),
        }
    }
}

/// Runs the sale against `target` and checks its invariants. `Err` only when the sale could
/// not be run at all; a broken invariant is a failed `Check` in the report.
pub async fn run(target: &Target, options: &Options) -> Result<Report, SimError> {
    let api = client::Api::new(&target.base_url, options.concurrency)?.paying_at(target.stripe.clone());
    let sale = setup::prepare(&api, target, options).await?;
    let personas = options.mix.assign(options.buyers);

    options.progress.set_length(personas.len() as u64);
    options.progress.set_message("buyers shopping");
    let first_wave = buyer::first_wave(&api, &sale, &personas, options).await;
    let first_wave_seconds = api.elapsed() - sale.ready_at;

    options.progress.set_message("abandoned payments expire");
    let release = setup::expire_abandoned(&api, &sale, &first_wave).await?;

    options.progress.set_message("second chance for the turned away");
    let journeys = buyer::second_chance(&api, &sale, first_wave, options).await;
    let timings = Timings { first_wave_seconds, selling_seconds: api.elapsed() - sale.ready_at };

    options.progress.set_message("checking the invariants");
    setup::settle(&api).await?;
    let facts = verify::gather(&api, target, &sale, &journeys, &release).await?;
    let checks = verify::judge(&facts);
    setup::restore(&api, &sale).await?;
    options.progress.finish_and_clear();
    Ok(Report::new(options, &sale, &journeys, &facts, checks, api.samples(), timings))
}
