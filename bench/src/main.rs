//! `make bench`: what the local stack costs as its data grows, patched emulator against
//! stock moto in the same run (ratios, not absolute timings, are what carries over).
//!
//! 1. For each table size: transactions/s (a checkout's shape: a conditional decrement, a
//!    put, a condition check), base-table queries/s (one partition) and index queries/s
//!    (one gsi1 partition), each over a fixed time with a few requests in flight.
//! 2. The outbox, with those tables still loaded: `GET /dev/outbox?to=` with N emails sent,
//!    and stock moto's `/moto-api/data.json` (what the outbox read before), same emails.
//! 3. Checkouts through the whole stack (gateway, handlers, emulator) on a table that
//!    already holds some items: orders/s, p50 and p99; on the patched emulator, first the
//!    same checkouts' DynamoDB calls alone (recorded from the handler, replayed through the
//!    SDK: `replay.rs`) at the same concurrency, and the ratio of the two rates.
//! 4. A hot product (`hot.rs`): buyers of one unit each of ONE product checking out at once,
//!    then every order paid at once, on the emulator alone and in fidelity mode (DynamoDB's
//!    conflicts and throttles) side by side: checkouts/s, conflicts per order, payments
//!    settled/s against checkouts/s.
//! 5. Cold start of each function's release binary (`make release`), run first: size,
//!    exec → first poll of a stub Runtime API, peak RSS (see `cold_start.rs`).
//!
//! Flags: --sections cold-start,emulator (both; name one to run only it; `checkouts` runs
//!        only section 3, the ratio: `--sections checkouts --stock-checkouts 0`)  --cold-starts 11
//!        --sizes 1000,10000,100000  --stock-sizes (same)  --seconds 3  --emails 10000
//!        --checkouts 200 --stock-checkouts 40 (0: none) --concurrency 16 --checkout-fill 10000
//!        --rounds 4 (turns of replay then stack the patched checkouts are split in)
//!        --stock-shards 0 (the checkouts' product's stock shards; 0: the automatic count)
//!        --hot-buyers 120 --hot-concurrency 48 (section 4; `--sections hot` runs it alone)
//! The pricing benchmark is criterion's: `cargo bench -p shared --bench pricing`.
mod cold_start;
mod hot;
mod replay;

use std::collections::HashMap;
use std::error::Error;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update, WriteRequest};
use futures::stream::{self, StreamExt};
use rand::Rng;
use serde_json::{json, Value};
use shared::notify::email::{self, EmailMessage};

type Outcome = Result<(), String>;

struct Options {
    /// Which parts to run: `cold-start`, `emulator` (sections 1-3), `checkouts` (3 alone), `hot` (4).
    sections: Vec<String>,
    /// Starts per function in the cold-start section.
    cold_starts: usize,
    sizes: Vec<usize>,
    stock_sizes: Vec<usize>,
    seconds: f64,
    emails: usize,
    checkouts: usize,
    /// Stock moto takes ~30 s a checkout on a filled table: fewer of them give its rate.
    stock_checkouts: usize,
    concurrency: usize,
    checkout_fill: usize,
    /// Turns of replay then stack that the patched emulator's checkouts are split in.
    rounds: usize,
    /// Stock shards of the one product every checkout buys (0: the automatic count).
    stock_shards: usize,
    /// The hot-product section: buyers of one product, and how many check out at once.
    hot_buyers: usize,
    hot_concurrency: usize,
}

impl Options {
    fn from_args() -> Result<Self, String> {
        let mut flags: HashMap<String, String> = HashMap::new();
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            flags.insert(flag.trim_start_matches("--").to_string(), value);
        }
        let list = |name: &str, default: &str| -> Result<Vec<usize>, String> {
            let text = flags.get(name).map(String::as_str).unwrap_or(default);
            text.split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim().parse().map_err(|_| format!("--{name}: {s} is not a count")))
                .collect()
        };
        let number = |name: &str, default: usize| -> Result<usize, String> {
            flags.get(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("--{name}: {v} is not a count")))
        };
        let sections: Vec<String> = flags
            .get("sections")
            .map_or("cold-start,emulator,hot", String::as_str)
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        if let Some(unknown) =
            sections.iter().find(|s| !["cold-start", "emulator", "checkouts", "hot"].contains(&s.as_str()))
        {
            return Err(format!("--sections: {unknown} is not cold-start, emulator, checkouts or hot"));
        }
        let options = Self {
            sections,
            cold_starts: number("cold-starts", 11)?.max(1),
            sizes: list("sizes", "1000,10000,100000")?,
            stock_sizes: list("stock-sizes", "1000,10000,100000")?,
            seconds: number("seconds", 3)? as f64,
            emails: number("emails", 10_000)?,
            checkouts: number("checkouts", 200)?,
            stock_checkouts: number("stock-checkouts", 40)?,
            concurrency: number("concurrency", 16)?,
            checkout_fill: number("checkout-fill", 10_000)?,
            rounds: number("rounds", 4)?,
            stock_shards: number("stock-shards", 0)?,
            hot_buyers: number("hot-buyers", 120)?.max(1),
            hot_concurrency: number("hot-concurrency", 48)?.max(1),
        };
        let known = [
            "sections",
            "cold-starts",
            "sizes",
            "stock-sizes",
            "seconds",
            "emails",
            "checkouts",
            "stock-checkouts",
            "concurrency",
            "checkout-fill",
            "rounds",
            "stock-shards",
            "hot-buyers",
            "hot-concurrency",
        ];
        match flags.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => Err(format!("unknown flag --{unknown}")),
            None => Ok(options),
        }
    }

    fn runs(&self, section: &str) -> bool {
        self.sections.iter().any(|s| s == section)
    }
}

/// The bench's own calls wait as long as the emulator takes, once: stock moto at 100,000
/// items takes ~10 s a transaction, and four in flight queue behind one another (each
/// waited past the 30 s attempt / 60 s call of `Limits::EMULATOR` on a busy machine).
const PATIENT: shared::sdk::Limits = shared::sdk::Limits {
    attempt: Duration::from_secs(600),
    operation: Duration::from_secs(600),
    max_attempts: 1,
    ..shared::sdk::Limits::EMULATOR
};

/// One emulator process of the run, stopped on drop.
struct Emulator {
    name: &'static str,
    endpoint: String,
    sdk: aws_config::SdkConfig,
    process: local::emulator::Launched,
}

impl Emulator {
    async fn start(stock: bool) -> Result<Self, Box<dyn Error>> {
        let launched = local::emulator::Launched::start(stock).await?;
        let endpoint = launched.endpoint.clone();
        let sdk = local::emulator_sdk_with(&endpoint, PATIENT).await;
        Ok(Self { name: if stock { "stock moto" } else { "patched" }, endpoint, sdk, process: launched })
    }

    fn db(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    /// The CPU time its process has used so far (user + system).
    fn cpu(&self) -> Duration {
        self.process.pid().map_or(Duration::ZERO, |pid| cpu_time(&format!("/proc/{pid}/stat")))
    }
}

/// User + system CPU time of a process, from its `/proc/<pid>/stat` (zero where there is none).
fn cpu_time(stat: &str) -> Duration {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // The fields after the command name (which may hold spaces), from field 3 on.
    let fields: Vec<&str> = text.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let options = Options::from_args()?;
    println!(
        "# make bench ({} build of the stack and clients; the emulator is the same Python either way)",
        if cfg!(debug_assertions) { "debug" } else { "bench-local (release)" }
    );
    // First, before any emulator runs, so that the cold starts have the machine alone.
    if options.runs("cold-start") {
        cold_start::run(options.cold_starts)?;
    }
    if options.runs("emulator") || options.runs("checkouts") {
        emulator_sections(&options).await?;
    }
    if options.runs("hot") {
        hot::section(&Emulator::start(false).await?, &options).await?;
    }
    Ok(())
}

async fn emulator_sections(options: &Options) -> Result<(), Box<dyn Error>> {
    let patched = Emulator::start(false).await?;
    let all = options.runs("emulator");
    let stock = match all || options.stock_checkouts > 0 {
        true => Some(Emulator::start(true).await?),
        false => None,
    };
    if all {
        table_and_outbox_sections(&patched, stock.as_ref(), options).await?;
    }

    println!(
        "\n## {} checkouts, {} at a time, through the stack (table pre-filled with {} items)\n",
        options.checkouts, options.concurrency, options.checkout_fill
    );
    println!("| emulator | what | checkouts | DynamoDB calls each | orders/s | p50 | p99 | emulator CPU / order | bench CPU / order |");
    println!("|---|---|---:|---|---:|---:|---:|---:|---:|");
    let ours = checkouts(&patched, options.checkouts, true, options).await?;
    if let Some(alone) = &ours.alone {
        println!(
            "| patched | stack / emulator alone | | | **{:.2}** (goal ≥ 0.8) | | | | |",
            ours.stack.rate() / alone.rate()
        );
    }
    if let Some(stock) = stock.as_ref().filter(|_| options.stock_checkouts > 0) {
        let theirs = checkouts(stock, options.stock_checkouts, false, options).await?;
        println!(
            "| patched / stock | through the stack | | | ×{:.0} | | | | |",
            ours.stack.rate() / theirs.stack.rate()
        );
    }
    Ok(())
}

/// Sections 1 and 2: the emulators' rates as the table grows, the outbox.
async fn table_and_outbox_sections(
    patched: &Emulator,
    stock: Option<&Emulator>,
    options: &Options,
) -> Result<(), Box<dyn Error>> {
    println!("\n## The emulator as the table grows ({} s per figure)\n", options.seconds);
    println!("| items | emulator | transactions/s | base queries/s | index queries/s |");
    println!("|---:|---|---:|---:|---:|");
    for &size in &options.sizes {
        let mut rows = vec![table_rates(patched, size, options.seconds).await?];
        if let Some(stock) = stock.filter(|_| options.stock_sizes.contains(&size)) {
            rows.push(table_rates(stock, size, options.seconds).await?);
        }
        for (emulator, rates) in &rows {
            println!("| {size} | {emulator} | {:.1} | {:.1} | {:.1} |", rates[0], rates[1], rates[2]);
        }
        if let [(_, mine), (_, theirs)] = rows.as_slice() {
            println!(
                "| {size} | patched / stock | ×{:.0} | ×{:.0} | ×{:.0} |",
                mine[0] / theirs[0],
                mine[1] / theirs[1],
                mine[2] / theirs[2]
            );
        }
    }

    if let Some(stock) = stock {
        println!("\n## Outbox with {} emails sent, the tables above still loaded\n", options.emails);
        outbox(patched, stock, options.emails).await?;
    }
    Ok(())
}

// ------------------------------------------------------------------ outbox

async fn outbox(patched: &Emulator, stock: &Emulator, emails: usize) -> Result<(), Box<dyn Error>> {
    let stack = local::start(stack_options(patched, "bench-outbox")).await?;
    let recipients = (emails / 10).max(1);
    send_emails(&aws_sdk_sesv2::Client::new(&patched.sdk), emails, recipients).await?;
    let http = reqwest::Client::new();
    let url = format!("{}/dev/outbox?to=buyer-7@bench.local", stack.base_url);
    let mut timings = Vec::new();
    let mut found = 0;
    let started = Instant::now();
    http.get(&url).send().await?.error_for_status()?;
    let first = started.elapsed();
    for _ in 0..20 {
        let started = Instant::now();
        let answer: Value = http.get(&url).send().await?.json().await?;
        timings.push(started.elapsed());
        found = answer["items"].as_array().map_or(0, Vec::len);
    }
    timings.sort();
    println!("| emulator | what | time | emails in the answer |");
    println!("|---|---|---:|---:|");
    println!("| patched | `GET /dev/outbox?to=`, first call | {:.1} ms | {found} |", millis(first));
    println!("| patched | `GET /dev/outbox?to=`, median of the next 20 | {:.1} ms | {found} |", millis(timings[10]));

    let ses = aws_sdk_sesv2::Client::new(&stock.sdk);
    ses.create_email_identity().email_identity(local::SENDER).send().await?;
    send_emails(&ses, emails, recipients).await?;
    let started = Instant::now();
    let dump = http.get(format!("{}/moto-api/data.json", stock.endpoint)).timeout(Duration::from_secs(120)).send();
    match dump.await.and_then(|r| r.error_for_status()) {
        Ok(response) => {
            let data = response.bytes().await?;
            println!(
                "| stock moto | `GET /moto-api/data.json`, what the outbox read before ({:.1} MB) | {:.1} ms | all |",
                data.len() as f64 / 1e6,
                millis(started.elapsed())
            );
        }
        Err(e) if e.is_timeout() => {
            println!(
                "| stock moto | `GET /moto-api/data.json`, what the outbox read before | > 120 s (gave up) | all |"
            )
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// `emails` invoice-sized emails, spread over `recipients` addresses, 16 in flight.
async fn send_emails(ses: &aws_sdk_sesv2::Client, emails: usize, recipients: usize) -> Result<(), Box<dyn Error>> {
    let html =
        format!("<html><body><h1>Votre facture</h1>{}</body></html>", "<p>Casquette Été × 2 — 37,82 €</p>".repeat(40));
    let results: Vec<_> = stream::iter(0..emails)
        .map(|i| {
            let message = EmailMessage {
                to: vec![format!("buyer-{}@bench.local", i % recipients)],
                subject: format!("Votre facture INV-2026-{i:06}"),
                text: "Merci pour votre commande.\n".repeat(20),
                html: html.clone(),
            };
            async move { email::send(ses, local::SENDER, &message, chrono::Utc::now()).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    match results.into_iter().find_map(Result::err) {
        Some(e) => Err(e.to_string().into()),
        None => Ok(()),
    }
}

// ------------------------------------------------------------------ table sizes

/// Loads a table of `size` items and measures [transactions/s, base queries/s, index queries/s].
async fn table_rates(
    emulator: &Emulator,
    size: usize,
    seconds: f64,
) -> Result<(&'static str, [f64; 3]), Box<dyn Error>> {
    let db = emulator.db();
    let table = format!("bench-{size}-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    local::resources::create_table(&db, &table).await?;
    fill(&db, &table, size).await?;
    let partitions = size.div_ceil(10);
    let groups = size.div_ceil(20);
    let in_flight = 4;
    let tx = rate(seconds, in_flight, |_| transaction(&db, &table, size)).await?;
    let base = rate(seconds, in_flight, |_| {
        let partition = rand::thread_rng().gen_range(0..partitions);
        query(&db, &table, None, format!("BENCH#{partition:06}"))
    })
    .await?;
    let index = rate(seconds, in_flight, |_| {
        let group = rand::thread_rng().gen_range(0..groups);
        query(&db, &table, Some("gsi1"), format!("GROUP#{group:06}"))
    })
    .await?;
    Ok((emulator.name, [tx, base, index]))
}

/// Item `i` of a benchmark table: 10 to a partition, 20 to a gsi1 partition, ~300 bytes.
fn bench_item(i: usize) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_string(), AttributeValue::S(format!("BENCH#{:06}", i / 10))),
        ("sk".to_string(), AttributeValue::S(format!("ITEM#{:02}", i % 10))),
        ("gsi1pk".to_string(), AttributeValue::S(format!("GROUP#{:06}", i / 20))),
        ("gsi1sk".to_string(), AttributeValue::S(format!("{i:08}"))),
        ("stock".to_string(), AttributeValue::N("1000000".into())),
        ("name".to_string(), AttributeValue::S(format!("Casquette n°{i}"))),
        ("description".to_string(), AttributeValue::S("Une casquette brodée à Paris, coton bio. ".repeat(6))),
    ])
}

async fn fill(db: &aws_sdk_dynamodb::Client, table: &str, size: usize) -> Result<(), Box<dyn Error>> {
    let batches: Vec<Vec<usize>> = (0..size).collect::<Vec<_>>().chunks(25).map(<[usize]>::to_vec).collect();
    let results: Vec<Result<(), String>> = stream::iter(batches)
        .map(|batch| async move {
            let requests = batch
                .into_iter()
                .map(|i| {
                    let put = aws_sdk_dynamodb::types::PutRequest::builder()
                        .set_item(Some(bench_item(i)))
                        .build()
                        .map_err(|e| e.to_string())?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<Vec<_>, String>>()?;
            let answer = db.batch_write_item().request_items(table, requests).send().await.map_err(sdk_error)?;
            match answer.unprocessed_items.is_some_and(|u| !u.is_empty()) {
                true => Err("unprocessed items".to_string()),
                false => Ok(()),
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    match results.into_iter().find_map(Result::err) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// A checkout's shape: take one unit of an item, put an order, check another item exists.
async fn transaction(db: &aws_sdk_dynamodb::Client, table: &str, size: usize) -> Outcome {
    let (taken, checked) = {
        let mut random = rand::thread_rng();
        let taken = random.gen_range(0..size);
        // DynamoDB refuses two operations on one item in a transaction.
        (taken, (taken + random.gen_range(1..size.max(2))) % size)
    };
    let key = |i: usize| {
        let item = bench_item(i);
        HashMap::from([("pk".to_string(), item["pk"].clone()), ("sk".to_string(), item["sk"].clone())])
    };
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key(taken)))
        .update_expression("SET stock = stock - :one")
        .condition_expression("stock >= :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .build()
        .map_err(|e| e.to_string())?;
    let order = uuid::Uuid::new_v4().simple().to_string();
    let put = Put::builder()
        .table_name(table)
        .item("pk", AttributeValue::S(format!("ORDER#{order}")))
        .item("sk", AttributeValue::S("ORDER".into()))
        .item("gsi1pk", AttributeValue::S(format!("USER#{order}")))
        .item("gsi1sk", AttributeValue::S(chrono::Utc::now().to_rfc3339()))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(|e| e.to_string())?;
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key(checked)))
        .condition_expression("attribute_exists(pk)")
        .build()
        .map_err(|e| e.to_string())?;
    db.transact_write_items()
        .transact_items(TransactWriteItem::builder().update(update).build())
        .transact_items(TransactWriteItem::builder().put(put).build())
        .transact_items(TransactWriteItem::builder().condition_check(check).build())
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(())
}

async fn query(db: &aws_sdk_dynamodb::Client, table: &str, index: Option<&str>, partition: String) -> Outcome {
    let attribute = if index.is_some() { "gsi1pk" } else { "pk" };
    let answer = db
        .query()
        .table_name(table)
        .set_index_name(index.map(str::to_string))
        .key_condition_expression("#p = :p")
        .expression_attribute_names("#p", attribute)
        .expression_attribute_values(":p", AttributeValue::S(partition))
        .limit(20)
        .send()
        .await
        .map_err(sdk_error)?;
    match answer.count {
        0 => Err("a query found nothing".into()),
        _ => Ok(()),
    }
}

/// Runs `op` with `in_flight` requests at a time until `seconds` have passed; ops/s.
async fn rate<F, Fut>(seconds: f64, in_flight: usize, op: F) -> Result<f64, Box<dyn Error>>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let started = Instant::now();
    let done = AtomicU64::new(0);
    let worker = || async {
        while started.elapsed().as_secs_f64() < seconds {
            op(done.load(Ordering::Relaxed)).await?;
            done.fetch_add(1, Ordering::Relaxed);
        }
        Ok::<(), String>(())
    };
    let results = futures::future::join_all((0..in_flight).map(|_| worker())).await;
    if let Some(e) = results.into_iter().find_map(Result::err) {
        return Err(e.into());
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

// ------------------------------------------------------------------ checkouts

/// Orders placed one way, over one or more turns: their time, latencies and CPU.
#[derive(Default)]
struct Timing {
    orders: usize,
    wall: Duration,
    latencies: Vec<Duration>,
    /// CPU time the emulator and this process (the stack, or the replaying client) used.
    emulator_cpu: Duration,
    own_cpu: Duration,
}

impl Timing {
    /// Adds a turn, whose CPU counters read `cpu` (emulator, this process) before it.
    fn add(&mut self, turn: Timing, emulator: &Emulator, cpu: (Duration, Duration)) {
        self.orders += turn.orders;
        self.wall += turn.wall;
        self.latencies.extend(turn.latencies);
        self.emulator_cpu += emulator.cpu().saturating_sub(cpu.0);
        self.own_cpu += cpu_time("/proc/self/stat").saturating_sub(cpu.1);
    }

    fn rate(&self) -> f64 {
        self.orders as f64 / self.wall.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    fn at(&self, q: f64) -> u128 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).map_or(0, Duration::as_millis)
    }

    /// CPU milliseconds per order.
    fn per_order(&self, cpu: Duration) -> f64 {
        millis(cpu) / self.orders.max(1) as f64
    }

    fn print(&self, emulator: &str, what: &str, calls: &str) {
        println!(
            "| {emulator} | {what} | {} | {calls} | {:.1} | {} ms | {} ms | {:.1} ms | {:.1} ms |",
            self.orders,
            self.rate(),
            self.at(0.5),
            self.at(0.99),
            self.per_order(self.emulator_cpu),
            self.per_order(self.own_cpu)
        );
    }
}

struct CheckoutRun {
    stack: Timing,
    /// The same DynamoDB calls replayed straight through the SDK, when measured.
    alone: Option<Timing>,
}

/// Checkouts through the stack, and, with `replay`, before them the same number of
/// checkouts' DynamoDB work alone on the same emulator, table and concurrency (`replay.rs`).
async fn checkouts(
    emulator: &Emulator,
    count: usize,
    replay: bool,
    options: &Options,
) -> Result<CheckoutRun, Box<dyn Error>> {
    let prefix = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let stack = local::start(stack_options(emulator, &prefix)).await?;
    fill(&emulator.db(), &stack.names.table(), options.checkout_fill).await?;
    let product = format!("cap-bench-{}", &prefix[6..]);
    let record = shared::store::ProductRecord::new(
        shared::store::NewProduct {
            product_id: product.clone(),
            name: "Casquette Bench".into(),
            description: "bench".into(),
            price_cents: shared::domain::Cents::new(2500)?,
            stock: 1_000_000,
            stock_shards: match options.stock_shards {
                0 => shared::domain::stock::StockShards::for_stock(1_000_000),
                count => shared::domain::stock::StockShards::parse(count as i64)?,
            },
            product_discount: false,
        },
        chrono::Utc::now(),
    );
    stack.app.store.create_product(&record).await?;
    let http = Arc::new(reqwest::Client::new());
    let base = stack.base_url.clone();
    // The timed buyers, one to warm the stack's cached settings and pickup points (a warm
    // container is what is measured), and with the replay: two for the recording and as
    // many again for the replay, all with a cart made the same way.
    let extra = if replay { 3 + count } else { 1 };
    let mut buyers = buyers_with_a_cart(&http, &base, &product, count + extra, options.concurrency).await?;
    let body = json!({"payment_method": "card", "delivery": {"mode": "pickup", "pickup_point_id": "pp-bastille"}});

    let template = match replay {
        true => Some(replay::record(&stack, &buyers.split_off(buyers.len() - 2), &body).await?),
        false => None,
    };
    let mut replayed: Vec<Vec<replay::Call>> = match &template {
        Some(template) => {
            buyers.split_off(buyers.len() - count).iter().map(|(user_id, _)| template.for_buyer(user_id)).collect()
        }
        None => Vec::new(),
    };
    let (_, warm) = buyers.pop().ok_or("no buyer left to warm the stack")?;
    let (status, answer) = call(&http, &format!("{base}/checkout"), Some(&warm), &body).await?;
    if status != 201 {
        return Err(format!("the warm-up checkout answered {status}: {answer}").into());
    }
    let mut tokens: Vec<String> = buyers.into_iter().map(|(_, token)| token).collect();

    // In turns, so that what else the machine does weighs on both alike.
    let rounds = if replay { options.rounds.clamp(1, count.max(1)) } else { 1 };
    let db = emulator.db();
    if template.is_some() {
        warm_client(&db, &stack.names.table(), options.concurrency).await?;
    }
    let created = AtomicU64::new(0);
    let before = stack.app.calls.all();
    let receives_before = stack.queue_receives();
    let (mut alone, mut through) = (Timing::default(), Timing::default());
    for round in 0..rounds {
        let share = |left: usize| left.div_ceil(rounds - round);
        let batch: Vec<_> = replayed.drain(..share(replayed.len())).collect();
        if !batch.is_empty() {
            let cpu = (emulator.cpu(), cpu_time("/proc/self/stat"));
            alone.add(timed(batch, options.concurrency, |calls| replay::send(&db, calls)).await?, emulator, cpu);
        }
        let batch: Vec<_> = tokens.drain(..share(tokens.len())).collect();
        let cpu = (emulator.cpu(), cpu_time("/proc/self/stat"));
        let run = timed(batch, options.concurrency, |token| {
            let (http, base, body, created) = (http.clone(), base.clone(), body.clone(), &created);
            async move {
                let (status, answer) = call(&http, &format!("{base}/checkout"), Some(&token), &body).await?;
                match status {
                    201 => {
                        created.fetch_add(1, Ordering::Relaxed);
                        Ok(())
                    }
                    // Stock moto can be slower than the gateway lets a request be.
                    _ if !replay => Ok(()),
                    _ => Err(format!("a checkout answered {status}: {answer}")),
                }
            }
        })
        .await?;
        through.add(run, emulator, cpu);
    }
    if let Some(template) = &template {
        let operations = template.calls.iter().map(|call| (call.operation().to_string(), 1));
        alone.print(
            emulator.name,
            "the checkout's DynamoDB calls alone, through the SDK",
            &per_checkout(operations, 1),
        );
    }
    let before: HashMap<_, _> = before.into_iter().collect();
    let (made, other): (Vec<_>, Vec<_>) = stack
        .app
        .calls
        .all()
        .into_iter()
        .map(|(key, n)| (key.clone(), n - before.get(&key).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .partition(|((use_case, service, _), _)| use_case == "checkout" && service == "dynamodb");
    let what = format!("through the stack ({} of {count} placed)", created.load(Ordering::Relaxed));
    through.print(emulator.name, &what, &per_checkout(made.into_iter().map(|((_, _, op), n)| (op, n)), count));
    let receives = stack.queue_receives() - receives_before;
    if !other.is_empty() || receives > 0 {
        let polls = (receives > 0).then(|| ("queue pollers' ReceiveMessage".to_string(), receives));
        let other = other
            .into_iter()
            .map(|((use_case, service, op), n)| (format!("{use_case} {service} {op}"), n))
            .chain(polls);
        println!(
            "| {} | the stack's other calls meanwhile, per checkout | | {} | | | | | |",
            emulator.name,
            per_checkout(other, count)
        );
    }
    Ok(CheckoutRun { stack: through, alone: template.map(|_| alone) })
}

/// `count` buyers signed up, each with one unit of `product` in their cart: (user id, token).
async fn buyers_with_a_cart(
    http: &reqwest::Client,
    base: &str,
    product: &str,
    count: usize,
    concurrency: usize,
) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let buyers: Vec<Result<(String, String), String>> = stream::iter(0..count)
        .map(|i| async move {
            let email = format!("bench-{i}-{}@bench.local", uuid::Uuid::new_v4().simple());
            let signup = json!({"email": email, "password": "password-123", "name": "Bench"});
            let answer = call(http, &format!("{base}/auth/signup"), None, &signup).await?;
            let token = answer.1["token"].as_str().ok_or("signup gave no token")?.to_string();
            let user_id = answer.1["user_id"].as_str().ok_or("signup gave no user_id")?.to_string();
            let line = json!({"product_id": product, "quantity": 1});
            let added = call(http, &format!("{base}/cart/items"), Some(&token), &line).await?;
            match added.0 {
                200 => Ok((user_id, token)),
                status => Err(format!("add to cart answered {status}: {}", added.1)),
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    Ok(buyers.into_iter().collect::<Result<_, _>>()?)
}

/// Opens the replaying client's connections, as the stack's already are (its buyers signed
/// up through it): `concurrency` reads at once of an item that is not there.
async fn warm_client(db: &aws_sdk_dynamodb::Client, table: &str, concurrency: usize) -> Result<(), Box<dyn Error>> {
    let read = |_| {
        db.get_item()
            .table_name(table)
            .key("pk", AttributeValue::S("BENCH#WARM".into()))
            .key("sk", AttributeValue::S("WARM".into()))
            .send()
    };
    let answers = futures::future::join_all((0..concurrency).map(read)).await;
    match answers.into_iter().find_map(Result::err) {
        Some(e) => Err(sdk_error(e).into()),
        None => Ok(()),
    }
}

/// "2 BatchGetItem + 1 TransactWriteItems": calls per checkout, by operation.
fn per_checkout(calls: impl Iterator<Item = (String, u64)>, checkouts: usize) -> String {
    let mut by_operation: Vec<(String, u64)> = calls
        .fold(HashMap::new(), |mut all: HashMap<String, u64>, (op, n)| {
            *all.entry(op).or_default() += n;
            all
        })
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    by_operation.sort();
    let each = |n: u64| {
        let each = n as f64 / checkouts.max(1) as f64;
        if each.fract() == 0.0 {
            format!("{each:.0}")
        } else {
            format!("{each:.2}")
        }
    };
    by_operation.iter().map(|(op, n)| format!("{} {op}", each(*n))).collect::<Vec<_>>().join(" + ")
}

/// Runs `op` on every item, `concurrency` at a time: the time it took and each latency.
async fn timed<T, F, Fut>(items: Vec<T>, concurrency: usize, op: F) -> Result<Timing, Box<dyn Error>>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let orders = items.len();
    let started = Instant::now();
    let answers: Vec<Result<Duration, String>> = stream::iter(items)
        .map(|item| {
            let sent = Instant::now();
            let done = op(item);
            async move { done.await.map(|()| sent.elapsed()) }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    let latencies: Vec<Duration> = answers.into_iter().collect::<Result<_, _>>()?;
    Ok(Timing { orders, wall, latencies, ..Timing::default() })
}

async fn call(http: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> Result<(u16, Value), String> {
    let mut request = http.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

fn stack_options(emulator: &Emulator, prefix: &str) -> local::Options {
    local::Options::on_demand(emulator.endpoint.clone(), prefix)
}

pub(crate) fn sdk_error<E: Error>(e: E) -> String {
    aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
