//! Effects recorded with their cause: an email, a bus event or a refund exists if and only
//! if the change that causes it committed, and goes out exactly once even when the stack
//! stops between the commit and the delivery.
use capsule_tests::{spawn_app_with, Setup, VISA};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_email_committed_but_not_sent_goes_out_exactly_once_after_a_restart() {
    // A stack whose functions only record their effects, as if each crashed right after
    // its commit: the payment commits, nothing is sent.
    let first = spawn_app_with(Setup { prefix: None, deliver_after_commit: false, ..Setup::default() }).await;
    let prefix = first.stack.names.prefix.clone();
    let (email, token) = first.customer("outbox").await;
    first.add(&token, "cap-ete", 1).await;
    let placed = first.checkout(&token).await;
    let url = placed.body["redirect_url"].as_str().expect("redirect_url");
    let (status, _, _) = first.pay(url, &capsule_tests::card_form(VISA)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The page's outcome is an effect too: the relay sends it to the webhook, whose own
    // order awaits its number; the numbering's effects (the invoice, OrderPaid) are then
    // recorded and, in this stack, left unsent.
    first.run_job("outbox-relay").await;
    first.number_invoices().await;
    let order = first.order_when(&token, placed.body["order_id"].as_str().expect("id"), "paid").await;
    assert!(order["invoice_number"].is_string(), "the payment committed: {order}");
    assert_eq!(first.get(&format!("/dev/outbox?to={email}"), None).await.body["items"], json!([]));
    drop(first);

    // The stack comes back on the same resources: two relays at once deliver what was left.
    let second = spawn_app_with(Setup { prefix: Some(prefix), deliver_after_commit: true, ..Setup::default() }).await;
    let (a, b) = tokio::join!(
        second.post("/dev/run/outbox-relay", None, json!({})),
        second.post("/dev/run/outbox-relay", None, json!({}))
    );
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    let delivered =
        a.body["report"]["delivered"].as_u64().unwrap_or(0) + b.body["report"]["delivered"].as_u64().unwrap_or(0);
    // The signup's welcome email may be among them; the payment left an invoice and OrderPaid.
    assert!(delivered >= 2, "{} / {}", a.body, b.body);
    let invoices = |items: &serde_json::Value| {
        items
            .as_array()
            .map_or(0, |a| a.iter().filter(|m| m["subject"].as_str().is_some_and(|s| s.contains("INV-"))).count())
    };
    let sent = second.get(&format!("/dev/outbox?to={email}"), None).await.body["items"].clone();
    assert_eq!(invoices(&sent), 1, "the invoice went out once: {sent}");

    // Running the relay again sends nothing more.
    let again = second.run_job("outbox-relay").await;
    assert_eq!(again["delivered"], 0, "{again}");
    let sent = second.get(&format!("/dev/outbox?to={email}"), None).await.body["items"].clone();
    assert_eq!(invoices(&sent), 1, "still once: {sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_effect_that_failed_is_retried_by_the_relay_after_its_backoff() {
    let app = capsule_tests::spawn_app().await;
    let (email, token) = app.customer("retry").await;
    app.add(&token, "cap-ete", 1).await;
    let order = app.buy(&token, VISA).await;
    let order_id = order["order_id"].as_str().expect("order_id").to_string();
    let subjects = |items: &serde_json::Value| -> Vec<String> {
        items.as_array().into_iter().flatten().filter_map(|m| m["subject"].as_str().map(str::to_string)).collect()
    };
    app.emails_to(&email).await;

    // The notifications queue goes away: the cancellation commits, its refund goes
    // through, its email cannot be queued and stays due.
    let sqs = aws_sdk_sqs::Client::new(&local::emulator_sdk(&app.endpoint).await);
    let queue = app.stack.queues["NotificationsQueue"].url.clone();
    sqs.delete_queue().queue_url(&queue).send().await.expect("queue deleted");
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["refund_status"], "refunded");

    let queue_name = queue.rsplit('/').next().expect("queue name").to_string();
    sqs.create_queue().queue_name(&queue_name).send().await.expect("queue back");
    assert_eq!(app.run_job("outbox-relay").await["delivered"], 0, "not due before its backoff");
    let sent = app.get(&format!("/dev/outbox?to={email}"), None).await.body["items"].clone();
    assert!(!subjects(&sent).iter().any(|s| s.contains("cancelled")), "{sent}");

    app.post("/dev/clock", None, json!({"advance_seconds": 31})).await;
    assert_eq!(app.run_job("outbox-relay").await["delivered"], 1);
    let sent = app.get(&format!("/dev/outbox?to={email}"), None).await.body["items"].clone();
    assert_eq!(subjects(&sent).iter().filter(|s| s.contains("cancelled")).count(), 1, "{sent}");
    assert_eq!(app.run_job("outbox-relay").await["delivered"], 0, "delivered once");
}
