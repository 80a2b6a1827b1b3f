//! The hosted page and the webhook: outcomes, signatures, replays, order of arrival.
use capsule_tests::{captured_logs, card_form, spawn_app, TestApp, DECLINED, VISA, WEBHOOK_SECRET};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A pending order for one unit of a product of its own; (token, order_id, product, email).
async fn pending_order(app: &TestApp, stock: i64) -> (String, String, String, String, Value) {
    let (email, token) = app.customer("payer").await;
    let product = app.product_with_stock(2000, stock).await;
    app.add(&token, &product, 1).await;
    let placed = app.checkout(&token).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_string();
    (token, order_id, product, email, placed.body)
}

fn event(order_id: &str, kind: &str, event_id: &str, payment_id: &str) -> Value {
    json!({
        "event_id": event_id, "type": kind, "session_id": "s", "payment_id": payment_id,
        "order_id": order_id, "amount_cents": 2000, "currency": "EUR",
        "method": {"method_type": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031, "fingerprint": "f"},
        "created": 0
    })
}

#[tokio::test]
async fn a_paid_order_gets_its_invoice_number_email_event_and_an_empty_cart() {
    let app = spawn_app().await;
    let (token, order_id, product, email, placed) = pending_order(&app, 5).await;
    let page = app.client.get(placed["redirect_url"].as_str().expect("url")).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("€20.00") && html.contains("card_number") && html.contains("phone"));

    let (status, location, _) = app.pay(placed["redirect_url"].as_str().expect("url"), &card_form(VISA)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.expect("303 has a Location");
    assert!(location.ends_with("/return"));
    let order = app.order_when(&token, &order_id, "paid").await;
    assert_eq!(order["invoice_number"], Value::Null, "paid at once, numbered by the numbering: {order}");
    assert_eq!(app.emails_to(&email).await.len(), 0, "the invoice waits for its number");
    assert_eq!(app.number_invoices().await["numbered"], 1);
    let order = app.order_when(&token, &order_id, "paid").await;
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(order["invoice_number"], format!("INV-{year}-000001"));
    assert_eq!(order["payment"], json!({"method_type": "card", "brand": "visa", "last4": "4242"}));
    assert!(order["paid_at"].is_string());
    let statuses: Vec<&str> =
        order["history"].as_array().expect("history").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, vec!["pending_payment", "paid"]);
    assert_eq!(app.stock(&product).await, 4, "the hold became the sale");
    let cart = app.get("/cart", Some(&token)).await;
    assert_eq!(cart.body["items"], json!([]), "the cart was emptied");
    assert_ne!(cart.body["cart_id"], Value::Null);

    let return_page =
        app.client.get(app.url(&location)).send().await.expect("return page").text().await.unwrap_or_default();
    assert!(return_page.contains(r#"data-outcome="paid""#));

    let mails = app.emails_to(&email).await;
    assert_eq!(mails.len(), 1);
    let text = mails[0]["text"].as_str().unwrap_or_default();
    let html = mails[0]["html"].as_str().unwrap_or_default();
    for needle in [
        format!("INV-{year}-000001"),
        "€20.00".to_string(),
        "visa ending in 4242".to_string(),
        "Relais Bastille".to_string(),
    ] {
        assert!(text.contains(&needle), "text lacks {needle}: {text}");
        assert!(html.contains(&needle), "html lacks {needle}");
    }
    assert!(captured_logs().contains("order received"), "the order is logged as received");

    // The next paid order takes the next number: no gap.
    let (token2, order2, _, _, placed2) = pending_order(&app, 5).await;
    app.pay(placed2["redirect_url"].as_str().expect("url"), &card_form(VISA)).await;
    app.order_when(&token2, &order2, "paid").await;
    app.number_invoices().await;
    let second = app.order_when(&token2, &order2, "paid").await;
    assert_eq!(second["invoice_number"], format!("INV-{year}-000002"));
}

#[tokio::test]
async fn a_declined_card_fails_the_order_releases_the_hold_and_refills_the_cart() {
    let app = spawn_app().await;
    let (token, order_id, product, email, placed) = pending_order(&app, 5).await;
    assert_eq!(app.stock(&product).await, 4);
    let (status, location, _) = app.pay(placed["redirect_url"].as_str().expect("url"), &card_form(DECLINED)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.order_when(&token, &order_id, "payment_failed").await;
    assert_eq!(app.stock(&product).await, 5, "the hold is released");
    let cart = app.get("/cart", Some(&token)).await;
    assert_eq!(cart.body["total_quantity"], 1, "the items are back in the cart");
    assert_eq!(app.add(&token, "cap-ete", 1).await.status, StatusCode::OK, "and the cart is unlocked");
    let page = app
        .client
        .get(app.url(&location.expect("location")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .unwrap_or_default();
    assert!(page.contains(r#"data-outcome="failed""#));
    let mails = app.emails_to(&email).await;
    assert_eq!(mails.len(), 1, "one email");
    assert!(mails[0]["subject"].as_str().is_some_and(|s| s.contains("Payment failed")));
}

#[tokio::test]
async fn the_page_refuses_invalid_cards_and_shows_why() {
    let app = spawn_app().await;
    let (token, order_id, _, _, placed) = pending_order(&app, 5).await;
    let url = placed["redirect_url"].as_str().expect("url");
    let mut bad_luhn = card_form("4242 4242 4242 4241");
    bad_luhn[2].1 = "13".into();
    let (status, _, page) = app.pay(url, &bad_luhn).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Card number is not valid") && page.contains("aria-invalid"));
    let mut expired = card_form(VISA);
    expired[3].1 = "2020".into();
    let (status, _, page) = app.pay(url, &expired).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("expired"));
    let (status, _, _) = app.pay(url, &[("method", "crina_pay".into()), ("phone", "12".into())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // None of this reached the order.
    let order = app.get(&format!("/orders/{order_id}"), Some(&token)).await;
    assert_eq!(order.body["status"], "pending_payment");
    // CRINA-PAY pays too.
    let (status, _, _) = app.pay(url, &[("method", "crina_pay".into()), ("phone", "+225 07 08 09 10 11".into())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let paid = app.order_when(&token, &order_id, "paid").await;
    assert_eq!(paid["payment"]["method_type"], "crina_pay");
    assert_eq!(paid["payment"]["last4"], "1011");
}

#[tokio::test]
async fn a_bad_or_stale_signature_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let (token, order_id, product, _, _) = pending_order(&app, 5).await;
    let paid = event(&order_id, "payment.succeeded", "evt_forged", "pay_forged");
    let now = shared::clock::Clock::now(app.stack.clock.as_ref()).timestamp();
    let attempts = [
        app.webhook(&paid, "not-the-secret-at-all", None).await,
        app.webhook(&paid, WEBHOOK_SECRET, Some(now - 301)).await,
    ];
    for answer in attempts {
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(answer.code(), "invalid_signature");
    }
    let tampered = app
        .client
        .post(app.url("/webhooks/payments"))
        .header("payment-signature", shared::payments::signature::sign(WEBHOOK_SECRET, now, b"{}"))
        .body(paid.to_string())
        .send()
        .await
        .expect("answers");
    assert_eq!(tampered.status(), StatusCode::BAD_REQUEST);
    let unsigned = app.client.post(app.url("/webhooks/payments")).body(paid.to_string()).send().await.expect("answers");
    assert_eq!(unsigned.status(), StatusCode::BAD_REQUEST);
    let order = app.get(&format!("/orders/{order_id}"), Some(&token)).await;
    assert_eq!(order.body["status"], "pending_payment", "nothing changed");
    assert_eq!(app.stock(&product).await, 4);
    assert!(!app.stored(shared::store::keys::webhook_event("evt_forged")).await, "no event recorded");
    // Signed correctly within 300 s, it applies.
    assert_eq!(app.webhook(&paid, WEBHOOK_SECRET, Some(now - 299)).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_copies_of_one_event_at_once_make_one_transition() {
    let app = spawn_app().await;
    let (token, order_id, product, email, _) = pending_order(&app, 5).await;
    let paid = event(&order_id, "payment.succeeded", "evt_replayed", "pay_replayed");
    let answers = futures::future::join_all((0..5).map(|_| app.webhook(&paid, WEBHOOK_SECRET, None))).await;
    assert!(answers.iter().all(|a| a.status == StatusCode::OK), "every copy is acknowledged");
    assert_eq!(answers.iter().filter(|a| a.body["outcome"] == "paid").count(), 1, "one copy applied it");
    let order = app.order_when(&token, &order_id, "paid").await;
    assert_eq!(order["history"].as_array().map(Vec::len), Some(2), "one transition");
    assert_eq!(app.stock(&product).await, 4, "one stock change");
    // A late copy changes nothing either.
    assert_eq!(app.webhook(&paid, WEBHOOK_SECRET, None).await.body["outcome"], "already_processed");
    assert_eq!(app.number_invoices().await["numbered"], 1, "one order to number");
    let order = app.order_when(&token, &order_id, "paid").await;
    assert_eq!(app.emails_to(&email).await.len(), 1, "one email");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(order["invoice_number"], format!("INV-{year}-000001"));
}

#[tokio::test]
async fn events_arriving_out_of_order_do_no_harm() {
    let app = spawn_app().await;
    let (token, order_id, product, _, _) = pending_order(&app, 5).await;
    let ok = app.webhook(&event(&order_id, "payment.succeeded", "evt_1", "pay_1"), WEBHOOK_SECRET, None).await;
    assert_eq!(ok.body["outcome"], "paid");
    // A failure for the same order arriving after its success changes nothing.
    let late_failure = app.webhook(&event(&order_id, "payment.failed", "evt_0", "pay_0"), WEBHOOK_SECRET, None).await;
    assert_eq!(late_failure.status, StatusCode::OK);
    assert_eq!(late_failure.body["outcome"], "ignored");
    let order = app.order_when(&token, &order_id, "paid").await;
    assert_eq!(order["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(app.stock(&product).await, 4);
    // A second, different payment for a paid order is refunded.
    let double = app.webhook(&event(&order_id, "payment.succeeded", "evt_2", "pay_2"), WEBHOOK_SECRET, None).await;
    assert_eq!(double.body["outcome"], "refunded");
    assert!(app.stored(shared::store::keys::payment("refund-pay_2")).await, "the refund is recorded");
}

#[tokio::test]
async fn a_payment_after_its_hold_expired_is_honoured_if_stock_remains_else_refunded() {
    let app = spawn_app().await;
    // Stock remains: the late payment takes the units again.
    let (token, order_id, product, _, _) = pending_order(&app, 5).await;
    app.stack.clock.advance(31 * 60);
    let report = app.run_job("release-expired-reservations").await;
    assert!(report["released"].as_u64().is_some_and(|n| n >= 1));
    app.order_when(&token, &order_id, "expired").await;
    assert_eq!(app.stock(&product).await, 5);
    let late = app.webhook(&event(&order_id, "payment.succeeded", "evt_late", "pay_late"), WEBHOOK_SECRET, None).await;
    assert_eq!(late.body["outcome"], "paid", "{}", late.body);
    app.order_when(&token, &order_id, "paid").await;
    assert_eq!(app.stock(&product).await, 4);
    assert_eq!(app.get("/cart", Some(&token)).await.body["total_quantity"], 0, "the paid units left the cart");

    // The units are gone: the late payment is refunded and the buyer told.
    let (token, order_id, product, email, _) = pending_order(&app, 1).await;
    app.stack.clock.advance(31 * 60);
    app.run_job("release-expired-reservations").await;
    let (_, rival) = app.customer("rival").await;
    app.add(&rival, &product, 1).await;
    assert_eq!(app.checkout(&rival).await.status, StatusCode::CREATED);
    let late =
        app.webhook(&event(&order_id, "payment.succeeded", "evt_late2", "pay_late2"), WEBHOOK_SECRET, None).await;
    assert_eq!(late.body["outcome"], "refunded");
    app.order_when(&token, &order_id, "expired").await;
    assert_eq!(app.stock(&product).await, 0, "never oversold");
    let mails = app.emails_to(&email).await;
    assert_eq!(mails.len(), 1, "only the refund is told");
    assert!(mails[0]["subject"].as_str().is_some_and(|s| s.contains("refunded")));
}

#[tokio::test]
async fn no_card_number_or_cvc_is_stored_or_logged() {
    let app = spawn_app().await;
    let (_, _, _, _, placed) = pending_order(&app, 5).await;
    let mut form = card_form("4000 0000 0000 0341");
    form[4].1 = "987".into();
    let (status, _, _) = app.pay(placed["redirect_url"].as_str().expect("url"), &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (token, order_id, _, _, placed) = pending_order(&app, 5).await;
    app.pay(placed["redirect_url"].as_str().expect("url"), &card_form(VISA)).await;
    app.order_when(&token, &order_id, "paid").await;

    let mut dump = String::new();
    let mut start = None;
    loop {
        let page = app
            .stack
            .app
            .store
            .client()
            .scan()
            .table_name(app.stack.names.table())
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        dump.push_str(&format!("{:?}", page.items));
        match page.last_evaluated_key {
            Some(key) => start = Some(key),
            None => break,
        }
    }
    let logs = captured_logs();
    assert!(dump.contains("0341") && dump.contains("4242"), "last 4 digits are kept");
    for number in ["4000000000000341", "4242424242424242", "4000 0000 0000 0341", "4242 4242 4242 4242"] {
        assert!(!dump.contains(number), "{number} is stored");
        assert!(!logs.contains(number), "{number} is logged");
    }
    assert!(!dump.contains("\"987\"") && !dump.contains("cvc"), "no CVC is stored");
    assert!(!logs.contains("cvc=987"), "no CVC is logged");
}

/// The provider's delivery is at least once: a webhook that cannot be reached leaves the
/// event on the queue (reported as a batch failure) to be delivered again.
#[tokio::test]
async fn an_undelivered_payment_event_stays_queued_for_retry() {
    let app = spawn_app().await;
    let (token, order_id, _, _, _) = pending_order(&app, 5).await;
    let body = event(&order_id, "payment.succeeded", "evt_retry", "pay_retry").to_string();
    let batch = |body: String| {
        let mut record = aws_lambda_events::event::sqs::SqsMessage::default();
        record.message_id = Some("m-1".into());
        record.body = Some(body);
        let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
        event.records.push(record);
        event
    };
    // The API unreachable: nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port");
    let mut unreachable = app.stack.app.clone();
    let mut config = (*unreachable.config).clone();
    config.public_base_url = Some(format!("http://{closed}"));
    unreachable.config = std::sync::Arc::new(config);
    let failed = payment_events::handle(&unreachable, batch(body.clone())).await;
    assert_eq!(failed.batch_item_failures.len(), 1);
    assert_eq!(failed.batch_item_failures[0].item_identifier, "m-1");
    assert_eq!(app.get(&format!("/orders/{order_id}"), Some(&token)).await.body["status"], "pending_payment");
    // Redelivered once the API answers: applied, and acknowledged.
    let delivered = payment_events::handle(&app.stack.app, batch(body)).await;
    assert!(delivered.batch_item_failures.is_empty());
    app.order_when(&token, &order_id, "paid").await;
}

/// Orders paid at once all reach `paid` without waiting for a number; the numbering then
/// gives every paid order exactly one number, 1..N without gap or duplicate, in payment
/// order, and one invoice email carrying it, even with two numberings running at once.
/// Run it in fidelity mode too: `CAPSULE_FIDELITY=1 local/with-emulator.sh cargo test ...`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_paid_at_once_are_numbered_gapless_in_payment_order_with_one_invoice_each() {
    use futures::StreamExt;
    const WAVE: usize = 60;
    let app = spawn_app().await;
    let product = app.product_with_stock(2000, 2 * WAVE as i64).await;
    let buyers: Vec<(String, String, String)> = futures::stream::iter(0..2 * WAVE)
        .map(|_| async {
            let (email, token) = app.customer("wave").await;
            assert_eq!(app.add(&token, &product, 1).await.status, StatusCode::OK);
            let placed = app.checkout(&token).await;
            assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
            (email, token, placed.body["order_id"].as_str().expect("order_id").to_string())
        })
        .buffer_unordered(4)
        .collect()
        .await;
    // Two waves a minute apart, each paid all at once: the second wave pays after the first.
    for (wave, orders) in buyers.chunks(WAVE).enumerate() {
        if wave > 0 {
            app.post("/dev/clock", None, json!({"advance_seconds": 60})).await;
        }
        let events: Vec<Value> = orders
            .iter()
            .map(|(_, _, id)| event(id, "payment.succeeded", &format!("evt_{id}"), &format!("pay_{id}")))
            .collect();
        let paid = futures::future::join_all(events.iter().map(|e| app.webhook(e, WEBHOOK_SECRET, None))).await;
        for answer in &paid {
            assert_eq!(
                (answer.status, answer.body["outcome"].as_str()),
                (StatusCode::OK, Some("paid")),
                "{}",
                answer.body
            );
        }
    }
    let (a, b) = tokio::join!(app.number_invoices(), app.number_invoices());
    let numbered = a["numbered"].as_u64().unwrap_or(0) + b["numbered"].as_u64().unwrap_or(0);
    assert_eq!(numbered, 2 * WAVE as u64, "each order numbered once between the two runs: {a} / {b}");
    assert_eq!(app.number_invoices().await["numbered"], 0, "nothing left to number");

    let mut sequences = Vec::new();
    for (i, (email, token, order_id)) in buyers.iter().enumerate() {
        let order = app.order_when(token, order_id, "paid").await;
        let number = order["invoice_number"].as_str().expect("a number").to_string();
        let sequence: usize = number.rsplit('-').next().and_then(|n| n.parse().ok()).expect("INV-YYYY-NNNNNN");
        // Payment order: the second wave's numbers all follow the first wave's.
        sequences.push((i / WAVE, sequence));
        let invoices: Vec<String> = app
            .emails_to(email)
            .await
            .iter()
            .filter_map(|m| m["subject"].as_str().filter(|s| s.starts_with("Invoice")).map(str::to_string))
            .collect();
        assert_eq!(invoices.len(), 1, "one invoice email for {order_id}: {invoices:?}");
        assert!(invoices[0].contains(&number), "the email carries {number}: {}", invoices[0]);
    }
    let mut all: Vec<usize> = sequences.iter().map(|(_, s)| *s).collect();
    all.sort_unstable();
    assert_eq!(all, (1..=2 * WAVE).collect::<Vec<_>>(), "1 to N, each once");
    let last_of_first = sequences.iter().filter(|(w, _)| *w == 0).map(|(_, s)| *s).max();
    let first_of_second = sequences.iter().filter(|(w, _)| *w == 1).map(|(_, s)| *s).min();
    assert_eq!((last_of_first, first_of_second), (Some(WAVE), Some(WAVE + 1)), "numbered in payment order");
}

/// A signed event whose amount or currency is not the order's changes nothing and its money
/// goes back; an event for an order Capsule does not have is recorded and acknowledged
/// (not redelivered to the dead-letter queue), and its money goes back too.
#[tokio::test]
async fn a_mismatched_or_unknown_payment_is_refunded_and_acknowledged() {
    let app = spawn_app().await;
    let (token, order_id, product, _, _) = pending_order(&app, 5).await;
    let mut wrong_amount = event(&order_id, "payment.succeeded", "evt_cheap", "pay_cheap");
    wrong_amount["amount_cents"] = json!(1);
    let answer = app.webhook(&wrong_amount, WEBHOOK_SECRET, None).await;
    assert_eq!(
        (answer.status, &answer.body["outcome"]),
        (StatusCode::OK, &json!("amount_mismatch")),
        "{}",
        answer.body
    );
    let mut wrong_currency = event(&order_id, "payment.succeeded", "evt_usd", "pay_usd");
    wrong_currency["currency"] = json!("USD");
    let answer = app.webhook(&wrong_currency, WEBHOOK_SECRET, None).await;
    assert_eq!(answer.body["outcome"], "amount_mismatch");
    let replay = app.webhook(&wrong_currency, WEBHOOK_SECRET, None).await;
    assert_eq!(replay.body["outcome"], "already_processed");
    app.stack.drain().await;
    let order = app.get(&format!("/orders/{order_id}"), Some(&token)).await;
    assert_eq!(order.body["status"], "pending_payment", "{}", order.body);
    assert_eq!(app.stock(&product).await, 4, "still only held");

    let unknown = event("no-such-order", "payment.succeeded", "evt_ghost", "pay_ghost");
    let answer = app.webhook(&unknown, WEBHOOK_SECRET, None).await;
    assert_eq!((answer.status, &answer.body["outcome"]), (StatusCode::OK, &json!("unknown_order")), "{}", answer.body);
    assert_eq!(app.webhook(&unknown, WEBHOOK_SECRET, None).await.body["outcome"], "already_processed");
    app.stack.drain().await;

    let admin = app.admin_token().await;
    let payments = app.get("/admin/payments", Some(&admin)).await;
    let refunded: Vec<&str> = payments.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["status"] == "refunded")
        .filter_map(|p| p["payment_id"].as_str())
        .collect();
    for id in ["refund-pay_cheap", "refund-pay_usd", "refund-pay_ghost"] {
        assert!(refunded.contains(&id), "{id} not in {refunded:?}");
    }
    // The real payment still pays it.
    let paid = app.webhook(&event(&order_id, "payment.succeeded", "evt_real", "pay_real"), WEBHOOK_SECRET, None).await;
    assert_eq!(paid.body["outcome"], "paid", "{}", paid.body);
}

/// The hosted page allows only its own inline style sheet (by hash), no script and no other
/// origin, says nosniff and sends no referrer; a second submission of a completed session
/// queues nothing more for the webhook.
#[tokio::test]
async fn the_page_sends_its_security_headers_and_a_second_submission_queues_nothing() {
    use base64::Engine;
    use sha2::Digest;
    let app = spawn_app().await;
    let (token, order_id, _, _, placed) = pending_order(&app, 5).await;
    let url = placed["redirect_url"].as_str().expect("url").to_string();
    let page = app.client.get(&url).send().await.expect("page");
    let header = |name: &str| page.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let policy = header("content-security-policy");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert!(policy.starts_with("default-src 'none';") && policy.contains("form-action 'self'"), "{policy}");
    let html = page.text().await.unwrap_or_default();
    let style = html.split("<style>").nth(1).and_then(|rest| rest.split("</style>").next()).expect("a style sheet");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style.as_bytes()));
    assert!(policy.contains(&format!("style-src 'sha256-{hash}'")), "{policy}");
    assert!(!html.contains("<script") && !html.contains(" style="), "nothing the policy would block");

    let sent = || app.stack.app.calls.of("payment-portal", "sqs");
    let before = sent();
    let (first, _, _) = app.pay(&url, &card_form(VISA)).await;
    let (second, _, _) = app.pay(&url, &card_form(VISA)).await;
    assert_eq!((first, second), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(sent() - before, 1, "one outcome queued for the webhook");
    app.order_when(&token, &order_id, "paid").await;
}

/// A batch that meets its deadline posts nothing it cannot finish: every message is
/// reported back to SQS for redelivery, none is lost, and the order is untouched.
#[tokio::test]
async fn a_batch_past_its_deadline_reports_every_message_for_redelivery() {
    let app = spawn_app().await;
    let (token, order_id, _, _, _) = pending_order(&app, 5).await;
    let mut batch = aws_lambda_events::event::sqs::SqsEvent::default();
    for i in 0..3 {
        let mut record = aws_lambda_events::event::sqs::SqsMessage::default();
        record.message_id = Some(format!("m-{i}"));
        record.body = Some(event(&order_id, "payment.succeeded", &format!("evt_late_{i}"), "pay_late").to_string());
        batch.records.push(record);
    }
    let now = std::time::SystemTime::now();
    let response = payment_events::deliver(&app.stack.app, batch.clone(), Some(now)).await;
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["m-0", "m-1", "m-2"]);
    let order = app.get(&format!("/orders/{order_id}"), Some(&token)).await;
    assert_eq!(order.body["status"], "pending_payment", "nothing was posted");
    // With time left, the same batch goes through, once.
    let later = now + std::time::Duration::from_secs(30);
    let response = payment_events::deliver(&app.stack.app, batch, Some(later)).await;
    assert!(response.batch_item_failures.is_empty());
    app.order_when(&token, &order_id, "paid").await;
}
