//! Faults between the functions and their dependencies, played by a proxy in front of an
//! emulator of the test's own (`capsule_tests::faults`), with the SDK limits deployed
//! functions use (`shared::sdk::Limits::LAMBDA`): a stalled database is given up on in
//! bounded time with a 503, a checkout whose answer comes too late is a 503 yet whole and
//! found again (never a second order), and losing the emulator in the middle of a checkout burst
//! leaves every order whole (stock held for each line, the order, the cart locked on it,
//! its payment session) or absent.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use capsule_tests::faults::{Fault, FaultProxy};
use capsule_tests::{pickup, spawn_app_with, unique_email, Setup, TestApp};
use futures::stream::{self, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use shared::sdk::Limits;
use shared::store::{from_item, CartRecord, Item, OrderRecord, ProductRecord};

/// An emulator of the test's own, a proxy in front of it, and a stack talking through the
/// proxy with the deployed SDK limits. Declared in drop order: the stack stops first.
struct Faulty {
    app: TestApp,
    proxy: FaultProxy,
    emulator: local::emulator::Launched,
}

async fn faulty_stack() -> Faulty {
    let emulator = local::emulator::Launched::start(false).await.expect("an emulator of the test's own");
    let proxy = FaultProxy::start(&emulator.endpoint).await.expect("the proxy listens");
    let setup = Setup { endpoint: Some(proxy.endpoint.clone()), sdk_limits: Limits::LAMBDA, ..Setup::default() };
    let app = spawn_app_with(setup).await;
    Faulty { app, proxy, emulator }
}

/// A customer with `lines` in the cart; their user id and token.
async fn buyer(app: &TestApp, lines: Vec<(String, i64)>) -> (String, String) {
    let signup = json!({"email": unique_email("fault"), "password": "password-123", "name": "fault"});
    let answer = app.post("/auth/signup", None, signup).await;
    assert_eq!(answer.status, StatusCode::CREATED, "signup: {}", answer.body);
    let user_id = answer.body["user_id"].as_str().expect("user_id").to_string();
    let token = answer.body["token"].as_str().expect("token").to_string();
    for (product_id, quantity) in lines {
        let added = app.add(&token, &product_id, quantity).await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    (user_id, token)
}

/// Bounds every request of these tests: the HTTP functions' Lambda timeout in template.yaml.
/// A request still unanswered then would have been killed by Lambda mid-flight.
const LAMBDA_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stalled_database_is_given_up_on_with_a_503_before_the_lambda_timeout_and_nothing_is_written() {
    let faulty = faulty_stack().await;
    let (app, proxy) = (&faulty.app, &faulty.proxy);
    let product = app.product_with_stock(1500, 10).await;
    let (user_id, token) = buyer(app, vec![(product.clone(), 2)]).await;

    proxy.set(Fault::Stall);
    let started = Instant::now();
    let answer = tokio::time::timeout(LAMBDA_TIMEOUT, app.checkout(&token))
        .await
        .expect("the checkout answers before its Lambda would be killed");
    let took = started.elapsed();
    proxy.set(Fault::None);

    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    assert_eq!(answer.code(), "service_unavailable", "{}", answer.body);
    assert_eq!(answer.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    // The call was given up on within its limits: never more attempts than configured. Not
    // "exactly": standard mode's retry quota is shared by the process, and the burst test
    // beside this one may have spent it (then the first timeout ends the call, as it would
    // in a sandbox during an outage).
    let attempts = proxy.stalled("DynamoDB");
    eprintln!("stalled checkout answered 503 after {took:?} ({attempts} stalled attempts)");
    assert!((1..=Limits::LAMBDA.max_attempts as usize).contains(&attempts), "{attempts} stalled DynamoDB attempts");

    // Nothing was held or written: the stock is whole, no order, the cart is free.
    assert_eq!(app.stock(&product).await, 10);
    let orders = app.get("/orders", Some(&token)).await;
    assert_eq!(orders.body["items"], json!([]), "{}", orders.body);
    let cart = app.stack.app.store.cart(&user_id).await.expect("cart read").expect("the cart");
    assert_eq!(cart.checkout_order_id, None);
    // Once the database answers again, the same checkout goes through.
    let placed = app.checkout(&token).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    assert_eq!(app.stock(&product).await, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checkout_written_but_answered_too_late_is_a_503_yet_whole_and_trying_again_finds_it() {
    let faulty = faulty_stack().await;
    let (app, proxy) = (&faulty.app, &faulty.proxy);
    let product = app.product_with_stock(1500, 10).await;
    let initial = HashMap::from([(product.clone(), 10)]);
    let (_, token) = buyer(app, vec![(product.clone(), 2)]).await;

    // The database applies the checkout's transaction but answers after the attempt limit.
    let before = proxy.forwarded("TransactWriteItems");
    proxy.set(Fault::SlowAnswers {
        operation: "TransactWriteItems",
        by: Limits::LAMBDA.attempt + Duration::from_secs(1),
    });
    let answer = tokio::time::timeout(LAMBDA_TIMEOUT, app.checkout(&token))
        .await
        .expect("the checkout answers before its Lambda would be killed");
    proxy.set(Fault::None);
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    assert_eq!(answer.code(), "service_unavailable", "{}", answer.body);
    let attempts = proxy.forwarded("TransactWriteItems") - before;
    assert!((1..=Limits::LAMBDA.max_attempts as usize).contains(&attempts), "{attempts} transaction attempts");

    // The first attempt landed whole (the SDK's retries, with its token, changed nothing:
    // DynamoDB and the fidelity mode answer the token's first outcome, moto refuses them on
    // the cart's version).
    assert_eq!(whole_or_absent(&read_table(app).await, &initial), Ok(1));
    assert_eq!(app.stock(&product).await, 8);
    // The buyer tries again and is told their checkout went in, not given a second order.
    let again = app.checkout(&token).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.code(), "checkout_in_progress", "{}", again.body);
    let orders = app.get("/orders", Some(&token)).await;
    assert_eq!(orders.body["items"].as_array().map(Vec::len), Some(1), "{}", orders.body);
    assert_eq!(orders.body["items"][0]["status"], "pending_payment", "{}", orders.body);
    assert_eq!(whole_or_absent(&read_table(app).await, &initial), Ok(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checkout_whose_answer_is_lost_is_sent_again_with_its_token_and_applied_once() {
    let faulty = faulty_stack().await;
    let (app, proxy) = (&faulty.app, &faulty.proxy);
    // DynamoDB's behaviour: a transaction's token is remembered, so the same transaction
    // sent again answers the first one's outcome without writing again.
    capsule_tests::fidelity(&faulty.emulator.endpoint, json!({})).await;
    let product = app.product_with_stock(1500, 10).await;
    let initial = HashMap::from([(product.clone(), 10)]);
    let (_, token) = buyer(app, vec![(product.clone(), 2)]).await;

    // The checkout's transaction is applied, and its answer lost on the way back.
    let before = proxy.forwarded("TransactWriteItems");
    proxy.lose_answers("TransactWriteItems", 1);
    let answer = tokio::time::timeout(LAMBDA_TIMEOUT, app.checkout(&token))
        .await
        .expect("the checkout answers before its Lambda would be killed");
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let sent = proxy.forwarded("TransactWriteItems") - before;
    assert!(sent >= 2, "the transaction was sent again after its answer was lost ({sent} sent)");

    // Applied once: one order, its units held once, and the buyer's order is the one placed.
    assert_eq!(whole_or_absent(&read_table(app).await, &initial), Ok(1));
    assert_eq!(app.stock(&product).await, 8);
    let orders = app.get("/orders", Some(&token)).await;
    assert_eq!(orders.body["items"][0]["order_id"], answer.body["order_id"], "{}", orders.body);
}

/// What a checkout left in the table, read item by item.
#[derive(Default)]
struct Table {
    orders: Vec<OrderRecord>,
    carts: HashMap<String, CartRecord>,
    stock: HashMap<String, i64>,
    /// The order of each payment session.
    sessions: Vec<String>,
}

async fn read_table(app: &TestApp) -> Table {
    let db = app.stack.app.store.client();
    let mut table = Table::default();
    let mut start: Option<Item> = None;
    loop {
        let page = db
            .scan()
            .table_name(app.stack.app.store.table())
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("the table scans");
        for item in page.items.unwrap_or_default() {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            let (pk, sk) = (text("pk"), text("sk"));
            if pk.starts_with("ORDER#") && sk == "ORDER" {
                table.orders.push(from_item(item).expect("an order"));
            } else if pk.starts_with("USER#") && sk == "CART" {
                let cart: CartRecord = from_item(item).expect("a cart");
                table.carts.insert(cart.user_id.clone(), cart);
            } else if pk.starts_with("PRODUCT#") && sk == "PRODUCT" {
                let product: ProductRecord = from_item(item).expect("a product");
                *table.stock.entry(product.product_id.clone()).or_default() += product.first_shard;
            } else if pk.starts_with("PRODUCT#") && sk == "STOCK" {
                let units = item.get("stock").and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok());
                *table.stock.entry(text("product_id")).or_default() += units.expect("a shard's units");
            } else if pk.starts_with("PAYSESSION#") {
                table.sessions.push(text("order_id"));
            }
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    table
}

/// Every order is whole or absent: each order holds its lines' stock (initial = stock +
/// what the orders hold), has its payment session and locks its buyer's cart, whose lines
/// it is; no cart is locked by an absent order, no session belongs to one. A checkout that
/// wrote in two steps, interrupted between them, breaks one of these. The orders, or what
/// is broken.
fn whole_or_absent(table: &Table, initial: &HashMap<String, i64>) -> Result<usize, Vec<String>> {
    let mut broken = Vec::new();
    let mut held: HashMap<&str, i64> = HashMap::new();
    let mut per_user: HashMap<&str, usize> = HashMap::new();
    for order in &table.orders {
        let id = &order.order_id;
        *per_user.entry(&order.user_id).or_default() += 1;
        for line in &order.items {
            *held.entry(&line.product_id).or_default() += i64::from(line.quantity);
        }
        match table.carts.get(&order.user_id) {
            Some(cart) if cart.checkout_order_id.as_ref() == Some(id) => {
                let lines: Vec<_> = cart.lines.iter().map(|l| (l.product_id.as_str(), l.quantity)).collect();
                let items: Vec<_> = order.items.iter().map(|l| (l.product_id.as_str(), l.quantity)).collect();
                if lines != items {
                    broken.push(format!("order {id} holds {items:?} but its cart has {lines:?}"));
                }
            }
            _ => broken.push(format!("order {id} does not lock its buyer's cart")),
        }
        if table.sessions.iter().filter(|s| *s == id).count() != 1 {
            broken.push(format!("order {id} has no payment session"));
        }
    }
    for (user, count) in per_user.iter().filter(|(_, n)| **n > 1) {
        broken.push(format!("{user} has {count} orders from one cart"));
    }
    let exists = |id: &str| table.orders.iter().any(|o| o.order_id == id);
    for cart in table.carts.values() {
        if let Some(id) = cart.checkout_order_id.as_deref().filter(|id| !exists(id)) {
            broken.push(format!("the cart of {} is locked by order {id}, which does not exist", cart.user_id));
        }
    }
    for id in table.sessions.iter().filter(|id| !exists(id)) {
        broken.push(format!("payment session of order {id}, which does not exist"));
    }
    for (product, start) in initial {
        let (stock, held) = (table.stock.get(product).copied().unwrap_or(0), held.get(product.as_str()).copied());
        if stock + held.unwrap_or(0) != *start {
            broken.push(format!("{product}: stock {stock} + held {held:?} != initial {start}"));
        }
    }
    if broken.is_empty() {
        Ok(table.orders.len())
    } else {
        Err(broken)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_the_emulator_mid_burst_leaves_every_order_whole_or_absent() {
    let faulty = faulty_stack().await;
    let (app, proxy) = (&faulty.app, &faulty.proxy);
    let (caps, hats) = (app.product_with_stock(2000, 500).await, app.product_with_stock(1200, 500).await);
    let initial = HashMap::from([(caps.clone(), 500), (hats.clone(), 500)]);
    // A few at a time: 30 password hashes at once would starve the SDK's own timers.
    let carts = (0..30).map(|i| buyer(app, vec![(caps.clone(), 1 + i % 3), (hats.clone(), 1 + i % 2)]));
    let buyers: Vec<(String, String)> = stream::iter(carts).buffer_unordered(4).collect().await;

    // The burst; the emulator "dies" once a third of the checkouts have sent their
    // transaction (the emulator applies them one at a time, so some are applied with their
    // answers still to come, the others not yet sent) and "restarts" two seconds later.
    let before = proxy.forwarded("TransactWriteItems");
    let burst: Vec<_> = buyers
        .iter()
        .map(|(_, token)| {
            let (client, url, token) = (app.client.clone(), app.url("/checkout"), token.clone());
            tokio::spawn(async move {
                let body = json!({"payment_method": "card", "delivery": pickup()});
                let sent = client.post(url).bearer_auth(token).json(&body).send();
                let response = tokio::time::timeout(LAMBDA_TIMEOUT, sent).await.expect("answered in time");
                let response = response.expect("the gateway answers");
                let status = response.status();
                (status, response.json::<serde_json::Value>().await.unwrap_or_default())
            })
        })
        .collect();
    for _ in 0..4000 {
        if proxy.forwarded("TransactWriteItems") >= before + buyers.len() / 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    proxy.set(Fault::Down);
    let sent = proxy.forwarded("TransactWriteItems") - before;
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.set(Fault::None);

    let mut answers: HashMap<u16, usize> = HashMap::new();
    for task in burst {
        let (status, body) = task.await.expect("the checkout task ends");
        let code = body["error"]["code"].as_str().unwrap_or("");
        // Placed, given up on (503), or placed by an attempt whose answer was lost (409).
        let expected =
            matches!((status.as_u16(), code), (201, _) | (503, "service_unavailable") | (409, "checkout_in_progress"));
        assert!(expected, "a checkout answered {status}: {body}");
        *answers.entry(status.as_u16()).or_default() += 1;
    }
    eprintln!("burst answers by status: {answers:?}");
    assert!(answers.get(&503).is_some_and(|n| *n >= 1), "the outage hit checkouts in flight: {answers:?}");

    let after_outage = whole_or_absent(&read_table(app).await, &initial).unwrap_or_else(|broken| panic!("{broken:#?}"));
    let answered = answers.get(&201).copied().unwrap_or(0);
    eprintln!("{sent} transactions sent when the emulator went down; then {after_outage} whole orders, {answered} answered 201");
    // Every 201 is an order; a 503 may be one too (applied, its answer lost in the outage).
    assert!((answered..=buyers.len()).contains(&after_outage), "{after_outage} orders after the outage");

    // Each buyer tries again once it is back: placed now if theirs was absent, told it went
    // in after all (409) if it was whole.
    let mut retries: HashMap<u16, usize> = HashMap::new();
    for (_, token) in &buyers {
        let again = app.checkout(token).await;
        let placed = again.status == StatusCode::CREATED
            || (again.status == StatusCode::CONFLICT && again.code() == "checkout_in_progress");
        assert!(placed, "{}: {}", again.status, again.body);
        *retries.entry(again.status.as_u16()).or_default() += 1;
    }
    let found = retries.get(&409).copied().unwrap_or(0);
    assert_eq!(found, after_outage, "every order already in is found again, no other: {retries:?}");
    let table = read_table(app).await;
    let orders = whole_or_absent(&table, &initial).unwrap_or_else(|broken| panic!("{broken:#?}"));
    assert_eq!(orders, buyers.len(), "one whole order per buyer");

    // The check itself catches a checkout written in two steps: stock held without its order.
    let db = app.stack.app.store.client();
    db.update_item()
        .table_name(app.stack.app.store.table())
        .key("pk", AttributeValue::S(format!("PRODUCT#{caps}")))
        .key("sk", AttributeValue::S("PRODUCT".into()))
        .update_expression("SET stock = stock - :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await
        .expect("a stray hold");
    let broken = whole_or_absent(&read_table(app).await, &initial).expect_err("a stray hold is caught");
    assert!(broken.iter().any(|b| b.contains(&caps)), "{broken:?}");
}
