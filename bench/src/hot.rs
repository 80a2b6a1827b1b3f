//! A hot product, on the emulator alone and in fidelity mode (DynamoDB's transaction
//! conflicts and partition throttling, `local/fidelity.py`), side by side in one run:
//! buyers checking out one unit each of ONE product, then every order paid at once.
use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde_json::{json, Value};

use crate::{call, stack_options, timed, Emulator, Options, Timing};

/// One mode's figures.
struct Run {
    checkouts: Timing,
    /// TransactWriteItems the checkouts sent, resends included.
    transactions: u64,
    /// Writes the emulator refused because they met others (fidelity mode only).
    conflicts: u64,
    throttles: u64,
    /// Writes refused while the payments landed: none when no item is on every paid order's path.
    payment_conflicts: u64,
    /// Every order paid at once: how many, and how long until the last was `paid`.
    paid: usize,
    paying: Duration,
    /// The emulator's CPU time for each phase (Python: what DynamoDB does not spend).
    checkout_cpu: Duration,
    paying_cpu: Duration,
    /// DynamoDB calls a checkout and a payment made, each, by operation.
    checkout_calls: String,
    payment_calls: String,
}

impl Run {
    fn settled_rate(&self) -> f64 {
        self.paid as f64 / self.paying.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    fn per_order(&self, n: u64) -> f64 {
        n as f64 / self.checkouts.orders.max(1) as f64
    }
}

pub(crate) async fn section(emulator: &Emulator, options: &Options) -> Result<(), Box<dyn Error>> {
    println!(
        "\n## A hot product: {} buyers, {} at a time, one unit each of one product; then every order paid at once\n",
        options.hot_buyers, options.hot_concurrency
    );
    println!(
        "| emulator | checkouts/s | p50 | p99 | TransactWriteItems / order | conflicts / order | throttles / order \
         | payments settled/s | settled / checkouts |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut runs = Vec::new();
    for fidelity in [false, true] {
        switch(emulator, fidelity).await?;
        let run = hot_sale(emulator, options).await;
        switch(emulator, false).await?;
        let run = run?;
        println!(
            "| {} | {:.1} | {} ms | {} ms | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} |",
            if fidelity { "fidelity mode" } else { "emulator alone" },
            run.checkouts.rate(),
            run.checkouts.at(0.5),
            run.checkouts.at(0.99),
            run.per_order(run.transactions),
            run.per_order(run.conflicts),
            run.per_order(run.throttles),
            run.settled_rate(),
            run.settled_rate() / run.checkouts.rate(),
        );
        runs.push(run);
    }
    if let [alone, faithful] = runs.as_slice() {
        println!(
            "| fidelity / alone | **{:.2}** (goal ≥ 0.8) | | | | goal ≤ 0.5 | | | goal ≥ 0.8 |",
            faithful.checkouts.rate() / alone.checkouts.rate()
        );
    }
    println!();
    for (run, mode) in runs.iter().zip(["emulator alone", "fidelity mode"]) {
        println!(
            "- {mode}: a checkout's DynamoDB calls {} ({:.1} ms of the emulator's CPU); a payment's {} ({:.1} ms; \
             {} writes refused for meeting others while {} payments landed at once)",
            run.checkout_calls,
            crate::millis(run.checkout_cpu) / run.checkouts.orders.max(1) as f64,
            run.payment_calls,
            crate::millis(run.paying_cpu) / run.paid.max(1) as f64,
            run.payment_conflicts,
            run.paid,
        );
    }
    Ok(())
}

/// Fidelity mode on or off, with DynamoDB's defaults (20 ms transactions, 1,000 WCU/s).
async fn switch(emulator: &Emulator, enabled: bool) -> Result<(), Box<dyn Error>> {
    let settings = json!({"enabled": enabled, "transaction_latency_ms": 20, "partition_wcu": 1000});
    let answer =
        reqwest::Client::new().post(format!("{}/_capsule/fidelity", emulator.endpoint)).json(&settings).send().await?;
    match answer.status().is_success() {
        true => Ok(()),
        false => Err(format!("fidelity settings refused: {}", answer.text().await?).into()),
    }
}

/// Writes the emulator refused so far: (conflicts, throttles).
async fn refused(emulator: &Emulator) -> Result<(u64, u64), Box<dyn Error>> {
    let described: Value = reqwest::get(format!("{}/_capsule/fidelity", emulator.endpoint)).await?.json().await?;
    let count = |cause: &str| described["refused"][cause].as_u64().ok_or("the emulator counts no refusals");
    Ok((count("conflict")?, count("throttle")?))
}

async fn hot_sale(emulator: &Emulator, options: &Options) -> Result<Run, Box<dyn Error>> {
    let prefix = format!("hot-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let stack_options = stack_options(emulator, &prefix);
    let secret = stack_options.webhook_secret.clone();
    let stack = local::start(stack_options).await?;
    let http = Arc::new(reqwest::Client::new());
    let base = stack.base_url.clone();
    let stock = i64::try_from(options.hot_buyers * 10)?;
    let product = format!("cap-hot-{}", &prefix[4..]);
    let record = shared::store::ProductRecord::new(
        shared::store::NewProduct {
            product_id: product.clone(),
            name: "Casquette Flash".into(),
            description: "bench".into(),
            price_cents: shared::domain::Cents::new(2500)?,
            stock,
            // The automatic default, as an admin who names none gets.
            stock_shards: shared::domain::stock::StockShards::for_stock(stock),
            product_discount: false,
        },
        chrono::Utc::now(),
    );
    stack.app.store.create_product(&record).await?;
    let buyers = crate::buyers_with_a_cart(&http, &base, &product, options.hot_buyers, options.hot_concurrency).await?;
    let body = json!({"payment_method": "card", "delivery": {"mode": "pickup", "pickup_point_id": "pp-bastille"}});
    let before: HashMap<_, _> = stack.app.calls.all().into_iter().collect();
    let refused_before = refused(emulator).await?;
    let orders = std::sync::Mutex::new(Vec::new());
    let cpu = emulator.cpu();
    let checkouts = timed(buyers, options.hot_concurrency, |(_, token)| {
        let (http, base, body, orders) = (http.clone(), base.clone(), body.clone(), &orders);
        async move {
            let (status, answer) = call(&http, &format!("{base}/checkout"), Some(&token), &body).await?;
            let order = (answer["order_id"].as_str(), answer["order"]["total_cents"].as_i64());
            match (status, order) {
                (201, (Some(id), Some(total))) => {
                    orders.lock().map_err(|e| e.to_string())?.push((id.to_string(), total));
                    Ok(())
                }
                _ => Err(format!("a checkout answered {status}: {answer}")),
            }
        }
    })
    .await?;
    let checkout_cpu = emulator.cpu().saturating_sub(cpu);
    let refused_after = refused(emulator).await?;
    let made = |use_case: &str, before: &HashMap<shared::calls::CallKey, u64>| -> Vec<(String, u64)> {
        stack
            .app
            .calls
            .all()
            .into_iter()
            .filter(|((case, service, _), _)| case == use_case && service == "dynamodb")
            .map(|(key, n)| (key.2.clone(), n - before.get(&key).copied().unwrap_or(0)))
            .collect()
    };
    let checkout_calls = made("checkout", &before);
    let transactions = checkout_calls.iter().filter(|(op, _)| op == "TransactWriteItems").map(|(_, n)| n).sum();
    let orders = orders.into_inner().map_err(|e| e.to_string())?;
    let before: HashMap<_, _> = stack.app.calls.all().into_iter().collect();
    let cpu = emulator.cpu();
    let paying = pay_all_at_once(&http, &base, &secret, &orders).await?;
    let paying_cpu = emulator.cpu().saturating_sub(cpu);
    let refused_paying = refused(emulator).await?;
    let payment_calls = made("payment-webhook", &before);
    Ok(Run {
        checkouts,
        transactions,
        conflicts: refused_after.0 - refused_before.0,
        throttles: refused_after.1 - refused_before.1,
        payment_conflicts: (refused_paying.0 + refused_paying.1) - (refused_after.0 + refused_after.1),
        paid: orders.len(),
        paying,
        checkout_cpu,
        paying_cpu,
        checkout_calls: crate::per_checkout(checkout_calls.into_iter(), options.hot_buyers),
        payment_calls: crate::per_checkout(payment_calls.into_iter(), orders.len()),
    })
}

/// The provider's signed `payment.succeeded` for every order, all sent at once: the time
/// until the last answered `paid`.
async fn pay_all_at_once(
    http: &reqwest::Client,
    base: &str,
    secret: &str,
    orders: &[(String, i64)],
) -> Result<Duration, Box<dyn Error>> {
    let now = chrono::Utc::now().timestamp();
    let started = Instant::now();
    let answers: Vec<Result<(), String>> = stream::iter(orders)
        .map(|(order_id, total)| async move {
            let event = json!({
                "event_id": format!("evt_{order_id}"), "type": "payment.succeeded", "session_id": "s",
                "payment_id": format!("pay_{order_id}"), "order_id": order_id, "amount_cents": total,
                "currency": "EUR", "created": now,
                "method": {"method_type": "card", "brand": "visa", "last4": "4242", "exp_month": 12,
                           "exp_year": 2031, "fingerprint": "bench"},
            });
            let body = event.to_string();
            let signature = shared::payments::signature::sign(secret, now, body.as_bytes());
            let answer = http
                .post(format!("{base}/webhooks/payments"))
                .header("content-type", "application/json")
                .header("payment-signature", signature)
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = answer.status().as_u16();
            let answer: Value = answer.json().await.unwrap_or(Value::Null);
            match (status, answer["outcome"].as_str()) {
                (200, Some("paid")) => Ok(()),
                _ => Err(format!("a payment answered {status}: {answer}")),
            }
        })
        .buffer_unordered(orders.len().max(1))
        .collect()
        .await;
    let took = started.elapsed();
    answers.into_iter().collect::<Result<Vec<()>, String>>()?;
    Ok(took)
}
