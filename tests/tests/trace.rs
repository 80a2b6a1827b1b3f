//! Logs never carry secrets: with every log at trace (what `RUST_LOG=trace` sets, through
//! the same filter the functions use), a whole journey — signup, login, cart, checkout,
//! the hosted page's card form with "save", the webhook, a one-click purchase with the
//! saved card, a subscription — logs no card number, CVC, password, token or secret.
use std::sync::Mutex;

use capsule_tests::{pickup, spawn_app, JWT_SECRET, WEBHOOK_SECRET};
use reqwest::StatusCode;
use serde_json::json;

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = LOGS.lock() {
            logs.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_journey_traced_at_every_level_logs_no_secret() {
    use tracing_subscriber::prelude::*;
    tracing_subscriber::registry()
        .with(shared::telemetry::filter(Some("trace")))
        .with(tracing_subscriber::fmt::layer().with_writer(|| Capture).with_ansi(false))
        .try_init()
        .expect("this test binary's only subscriber");
    let app = spawn_app().await;
    let password = "a-very-secret-passphrase-42";
    let email = capsule_tests::unique_email("traced");
    let signup = app.post("/auth/signup", None, json!({"email": email, "password": password, "name": "Ada"})).await;
    assert_eq!(signup.status, StatusCode::CREATED);
    let login = app.post("/auth/login", None, json!({"email": email, "password": password})).await;
    let token = login.body["token"].as_str().expect("token").to_string();
    let added = app.add(&token, "cap-ete", 1).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let placed = app
        .post(
            "/checkout",
            Some(&token),
            json!({"payment_method": "card", "save_payment_method": true, "delivery": pickup()}),
        )
        .await;
    let url = placed.body["redirect_url"].as_str().unwrap_or_else(|| panic!("{}", placed.body)).to_string();
    let form = [
        ("method", "card"),
        ("card_number", "4242 4242 4242 4242"),
        ("exp_month", "12"),
        ("exp_year", "2031"),
        ("cvc", "987"),
        ("holder_name", "Ada Lovelace"),
        ("save", "on"),
    ];
    let paid = app.client.post(&url).form(&form).send().await.expect("the page answers");
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    app.order_when(&token, placed.body["order_id"].as_str().expect("id"), "paid").await;
    let saved = app.get("/payment-methods", Some(&token)).await;
    let method = saved.body["items"][0]["payment_method_id"].as_str().expect("saved").to_string();
    app.add(&token, "cap-ete", 1).await;
    let again = app.post("/checkout", Some(&token), json!({"payment_method": method, "delivery": pickup()})).await;
    assert_eq!(again.body["status"], "paid", "{}", again.body);
    let subscribed =
        app.post("/subscriptions", Some(&token), json!({"plan_id": "normal", "payment_method": method})).await;
    assert_eq!(subscribed.status, StatusCode::CREATED, "{}", subscribed.body);
    app.stack.drain().await;

    let logs = LOGS.lock().map(|l| String::from_utf8_lossy(&l).to_string()).unwrap_or_default();
    assert!(
        logs.contains("TRACE") || logs.lines().count() > 200,
        "the journey was traced: {} lines",
        logs.lines().count()
    );
    let secrets = [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4242+4242+4242+4242",
        "cvc=987",
        "\"987\"",
        password,
        token.as_str(),
        JWT_SECRET,
        WEBHOOK_SECRET,
    ];
    for secret in secrets {
        let line = logs.lines().find(|l| l.contains(secret));
        assert!(line.is_none(), "{secret:?} is logged: {line:?}");
    }
}
