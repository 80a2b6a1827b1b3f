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
    let first = spawn_app_with(Setup { prefix: None, deliver_after_commit: false }).await;
    let prefix = first.stack.names.prefix.clone();
    let (email, token) = first.customer("outbox").await;
    first.add(&token, "cap-ete", 1).await;
    let order = first.buy(&token, VISA).await;
    assert!(order["invoice_number"].is_string(), "the payment committed: {order}");
    assert_eq!(first.get(&format!("/dev/outbox?to={email}"), None).await.body["items"], json!([]));
    drop(first);

    // The stack comes back on the same resources: two relays at once deliver what was left.
    let second = spawn_app_with(Setup { prefix: Some(prefix), deliver_after_commit: true }).await;
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
