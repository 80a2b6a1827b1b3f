//! DynamoDB under contention, played by the emulator's fidelity mode on an emulator of each
//! test's own (`Setup::fidelity`): a write that meets a transaction holding its item is
//! sent again rather than misread, one that keeps meeting others is a 503 rather than a 500,
//! and a hot product sells every unit exactly once.
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};
use capsule_tests::{held_items, spawn_app_with, unique_email, Setup, TestApp, WEBHOOK_SECRET};
use futures::stream::{self, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::domain::Email;
use shared::store::keys::{self, Key};

async fn faithful_app(settings: Value) -> TestApp {
    spawn_app_with(Setup { fidelity: Some(settings), ..Setup::default() }).await
}

/// Sends a transaction that only checks `key`, and returns once the emulator holds that item
/// (for its transaction latency); the task ends with the transaction's answer.
async fn hold(app: &TestApp, key: Key) -> tokio::task::JoinHandle<Result<(), String>> {
    let endpoint = app.own_emulator.as_ref().expect("an emulator of the test's own").endpoint.clone();
    let before = held_items(&endpoint).await;
    let (db, table) = (app.stack.app.store.client().clone(), app.stack.app.store.table().to_string());
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key.item()))
        .condition_expression("attribute_exists(pk) OR attribute_not_exists(pk)")
        .build()
        .expect("a condition check");
    let holding = tokio::spawn(async move {
        let sent =
            db.transact_write_items().transact_items(TransactWriteItem::builder().condition_check(check).build());
        sent.send().await.map(|_| ()).map_err(|e| format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)))
    });
    while held_items(&endpoint).await <= before {
        assert!(!holding.is_finished(), "the holding transaction answered before it was seen held");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    holding
}

/// Long enough that a request started once the item is held meets the hold.
const HELD_MS: u64 = 1500;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signup_that_meets_a_transaction_on_its_email_is_created_not_told_the_email_is_taken() {
    let app = faithful_app(json!({"transaction_latency_ms": HELD_MS})).await;
    let email = unique_email("racing");
    let holding = hold(&app, keys::email(&Email::parse(&email).expect("an email"))).await;

    // Its transaction is cancelled with `TransactionConflict` on the email item: it met
    // another writer, it did not find an account.
    let signup = app.post("/auth/signup", None, json!({"email": email, "password": "password-123", "name": "r"})).await;
    assert_eq!(signup.status, StatusCode::CREATED, "{}", signup.body);
    assert_eq!(holding.await.expect("the holder ends"), Ok(()));
    app.login(&email).await;
    // And an email that is taken is still told so.
    let again = app.post("/auth/signup", None, json!({"email": email, "password": "password-123", "name": "r"})).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "email_taken"), "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_that_meets_a_transaction_on_its_product_is_applied_not_a_500() {
    let app = faithful_app(json!({"transaction_latency_ms": HELD_MS})).await;
    let product = app.product_with_stock(1500, 10).await;
    let admin = app.admin_token().await;
    let holding = hold(&app, keys::product(&product)).await;

    // A single write on an item a transaction holds answers `TransactionConflictException`.
    let path = format!("/admin/products/{product}");
    let edit = app.call(Method::PATCH, &path, Some(&admin), Some(json!({"name": "Casquette Renommée"}))).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert_eq!(holding.await.expect("the holder ends"), Ok(()));
    let read = app.get(&format!("/products/{product}"), None).await;
    assert_eq!((read.body["name"].as_str(), read.body["stock"].as_i64()), (Some("Casquette Renommée"), Some(10)));
}

/// One unit each for `buyers` customers (signed up a few at a time: hashes are slow).
async fn buyers(app: &TestApp, product: &str, buyers: usize) -> Vec<String> {
    let signups = (0..buyers).map(|i| async move {
        let (_, token) = app.customer(&format!("hot{i}")).await;
        let added = app.add(&token, product, 1).await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
        token
    });
    stream::iter(signups).buffer_unordered(4).collect().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_buyers_of_one_hot_product_get_exactly_its_units_and_every_sold_order_settles() {
    // DynamoDB's latency, and a partition that takes 100 write units a second: the product's
    // holds meet in flight (`TransactionConflict`) and outrun its partition (`ThrottlingError`).
    let app = faithful_app(json!({"transaction_latency_ms": 20, "partition_wcu": 100})).await;
    let units = 25;
    let product = app.product_with_stock(2000, units).await;
    let tokens = buyers(&app, &product, 40).await;

    let checkouts = tokens.iter().map(|token| {
        let (client, url, token) = (app.client.clone(), app.url("/checkout"), token.clone());
        tokio::spawn(async move {
            let body = json!({"payment_method": "card", "delivery": capsule_tests::pickup()});
            let response = client.post(url).bearer_auth(&token).json(&body).send().await.expect("the gateway answers");
            let status = response.status();
            (token, status, response.json::<Value>().await.unwrap_or_default())
        })
    });
    let mut placed = Vec::new();
    let mut answers: HashMap<(u16, String), usize> = HashMap::new();
    for checkout in futures::future::join_all(checkouts).await {
        let (token, status, body) = checkout.expect("the checkout task ends");
        let code = body["error"]["code"].as_str().unwrap_or("").to_string();
        *answers.entry((status.as_u16(), code)).or_default() += 1;
        if status == StatusCode::CREATED {
            placed.push((token, body["order_id"].as_str().expect("order_id").to_string()));
        }
    }
    let calls = |operation: &str| -> u64 {
        let all = app.stack.app.calls.all();
        all.iter().filter(|((u, s, o), _)| u == "checkout" && s == "dynamodb" && o == operation).map(|(_, n)| n).sum()
    };
    // The account, cart and products (reference data, cached per container, aside).
    let (sent, reads) = (calls("TransactWriteItems"), calls("BatchGetItem") + calls("GetItem"));
    eprintln!("checkouts of one hot product, by answer: {answers:?}; {sent} transactions sent, {reads} reads");
    // Every unit sold once, every other buyer told it is gone; no error, no oversell.
    let sold_out = (StatusCode::CONFLICT.as_u16(), "insufficient_stock".to_string());
    assert_eq!(placed.len(), units as usize, "{answers:?}");
    assert_eq!(answers.get(&sold_out).copied(), Some(40 - placed.len()), "{answers:?}");
    assert_eq!(app.stock(&product).await, 0);
    // A checkout that met others sent its transaction again: it did not start over (read the
    // cart and products again, open another payment session). Each reads the account and
    // cart, the products, and these again to say what is short or whether to alert.
    assert!(reads <= 3 * 40, "{reads} reads of carts and products for 40 checkouts");

    // Their payments land at once; each settles (the invoice counter is every one's item).
    let events: Vec<Value> = placed
        .iter()
        .enumerate()
        .map(|(i, (_, order_id))| {
            json!({
                "event_id": format!("evt_hot{i}"), "type": "payment.succeeded", "session_id": "s",
                "payment_id": format!("pay_hot{i}"), "order_id": order_id, "amount_cents": 2000, "currency": "EUR",
                "method": {"method_type": "card", "brand": "visa", "last4": "4242", "exp_month": 12,
                           "exp_year": 2031, "fingerprint": "f"},
                "created": 0
            })
        })
        .collect();
    let paid = futures::future::join_all(events.iter().map(|e| app.webhook(e, WEBHOOK_SECRET, None))).await;
    for answer in &paid {
        assert_eq!((answer.status, answer.body["outcome"].as_str()), (StatusCode::OK, Some("paid")), "{}", answer.body);
    }
    for (token, order_id) in &placed {
        app.order_when(token, order_id, "paid").await;
    }
    assert_eq!(app.stock(&product).await, 0, "paid orders keep their units");
}
