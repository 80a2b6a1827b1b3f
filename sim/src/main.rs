//! `make simulate`: starts an emulator and a stack of its own (or drives `--url`), runs
//! the flash sale, prints the summary, writes the HTML report, and exits 1 when an
//! invariant broke.
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use sim::{Mix, Options, OwnStack, Target};

#[derive(Parser)]
#[command(name = "capsule-sim", about = "A flash sale through the whole Capsule stack, then its invariants checked.")]
struct Flags {
    /// Buyers who come for the product.
    #[arg(long, default_value_t = 1000)]
    buyers: usize,
    /// Units of the product on sale.
    #[arg(long, default_value_t = 100)]
    units: i64,
    /// Buyers shopping at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Weights of the buyers' behaviours.
    #[arg(long, default_value = sim::mix::DEFAULT_MIX)]
    mix: Mix,
    /// The promo code's max_uses.
    #[arg(long, default_value_t = 5)]
    promo_uses: u32,
    /// The settings' sale_unit_limit during the sale.
    #[arg(long, default_value_t = 2)]
    sale_limit: i64,
    /// The sale's percent off.
    #[arg(long, default_value_t = 20)]
    sale_percent: i64,
    /// Drive a stack already running (e.g. http://127.0.0.1:3000 from `make dev`) instead
    /// of starting one. It moves that stack's clock and changes its settings for the sale.
    #[arg(long)]
    url: Option<String>,
    /// With --url: that stack's AWS emulator, to check the table too (`make dev`: http://127.0.0.1:4566).
    #[arg(long, requires = "url")]
    emulator: Option<String>,
    /// With --emulator: that stack's resource prefix.
    #[arg(long, default_value = "capsule")]
    prefix: String,
    /// Run the simulator's own emulator in fidelity mode: DynamoDB's transaction conflicts
    /// (20 ms transactions) and per-partition throttling (1,000 WCU/s), local/fidelity.py.
    #[arg(long, conflicts_with = "url")]
    fidelity: bool,
    /// Stripe mode: the stack's cards are paid at a localstripe of the simulator's own (as
    /// Stripe.js pays them on the page), its orders settled by localstripe's signed events.
    #[arg(long, conflicts_with = "url")]
    stripe: bool,
    /// Where report.html goes.
    #[arg(long, default_value = "target/sim")]
    out: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    // The stack's own logs, on stderr, only when asked: `RUST_LOG=warn make simulate`.
    if std::env::var_os("RUST_LOG").is_some() {
        let filter = tracing_subscriber::EnvFilter::from_default_env();
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    }
    match simulate(flags).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("capsule-sim: {e}");
            ExitCode::from(2)
        }
    }
}

/// Whether every invariant held.
async fn simulate(flags: Flags) -> Result<bool, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let progress = ProgressBar::new(flags.buyers as u64);
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg:32} [{bar:40}] {pos}/{len} ({per_sec}, {elapsed})")?
            .progress_chars("=> "),
    );
    progress.enable_steady_tick(Duration::from_millis(200));
    progress.set_message("starting the stack");
    let options = Options {
        buyers: flags.buyers,
        units: flags.units,
        concurrency: flags.concurrency.max(1),
        mix: flags.mix,
        promo_uses: flags.promo_uses,
        sale_limit: flags.sale_limit,
        sale_percent: flags.sale_percent,
        progress: progress.clone(),
    };
    // Kept until the end: dropping it stops the stack and its emulator.
    let (own, target) = match &flags.url {
        Some(url) => (None, Target::running(url, flags.emulator.as_deref(), &flags.prefix).await),
        None => {
            let own = OwnStack::start(flags.fidelity, flags.stripe).await?;
            let target = own.target();
            (Some(own), target)
        }
    };
    let report = sim::run(&target, &options).await;
    progress.finish_and_clear();
    let emulator = match &own {
        Some(own) => own.emulator_mode().await?,
        None => "the running stack's".to_string(),
    };
    drop(own);
    let report = report?;
    println!("{:>16}  {emulator}", "emulator");
    println!("{report}");
    let path = sim::charts::write_html(&report, &flags.out)?;
    println!("report: {}   (whole run {:.1} s)", path.display(), started.elapsed().as_secs_f64());
    let broken: Vec<&str> = report.violations().map(|c| c.name).collect();
    if !broken.is_empty() {
        eprintln!("capsule-sim: invariants broken: {}", broken.join(", "));
    }
    Ok(broken.is_empty())
}
