//! The flash-sale simulator (`make simulate`), small: 60 buyers for 10 units on a stack of
//! the test's own, every invariant checked from the API and the table.
use capsule_tests::{spawn_app, spawn_app_with, Setup, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_small_flash_sale_sells_each_unit_once_and_keeps_every_invariant() {
    small_sale(&spawn_app().await).await;
}

/// The same sale on DynamoDB's behaviour (the emulator's fidelity mode: 20 ms transactions
/// cancelled when they overlap, 1,000 write units a second a partition): every invariant
/// still holds, no unit stranded, every paid order settled and numbered without a gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_flash_sale_on_dynamodbs_conflicts_and_throttles_keeps_every_invariant() {
    let fidelity = json!({"transaction_latency_ms": 20, "partition_wcu": 1000});
    let app = spawn_app_with(Setup { fidelity: Some(fidelity), ..Setup::default() }).await;
    small_sale(&app).await;
}

/// The same sale in Stripe mode (`make simulate SIM_FLAGS=--stripe`): every card paid at
/// localstripe as Stripe.js pays it, every order settled by localstripe's signed events.
#[tokio::test]
async fn a_small_flash_sale_in_stripe_mode_keeps_every_invariant() {
    use capsule_tests::stripe_emulator::{StripeEmulator, WEBHOOK_SECRET};
    let emulator = StripeEmulator::start().await.expect("localstripe");
    let app = spawn_app_with(Setup { stripe: Some(emulator.stack_settings()), ..Setup::default() }).await;
    emulator.send_events_to(&app.url("/webhooks/stripe"), WEBHOOK_SECRET).await;
    small_sale_at(&app, Some(emulator.url.clone())).await;
    let intents = emulator.list("/v1/payment_intents?limit=100").await;
    assert!(intents.iter().any(|i| i["status"] == "succeeded"), "paid at Stripe: {intents:?}");
}

async fn small_sale(app: &TestApp) {
    small_sale_at(app, None).await;
}

/// The sale, its cards paid at `stripe` (Stripe mode) when given.
async fn small_sale_at(app: &TestApp, stripe: Option<String>) {
    let target = sim::Target { base_url: app.stack.base_url.clone(), store: Some(app.stack.app.store.clone()), stripe };
    let options = sim::Options { buyers: 60, units: 10, concurrency: 16, ..sim::Options::default() };

    let report = sim::run(&target, &options).await.expect("the sale runs");

    assert!(report.passed(), "{report}");
    assert!(report.table_checked);
    assert_eq!(report.checks.len(), 10, "{report}");
    // Every unit is either sold once or still on sale; no order is left pending.
    assert_eq!(report.units_sold + report.stock_left, 10, "{report}");
    assert!(report.orders_paid >= 1 && report.units_sold <= 10, "{report}");
    assert_eq!(report.orders_placed, report.orders_paid + report.orders_failed + report.orders_expired);
    // Only the abandoned payments expire, and their units came back on sale.
    assert_eq!(report.orders_expired, report.release.abandoned_orders, "{report}");
    assert_eq!(report.release.stock_after - report.release.stock_before, report.release.abandoned_units);
    // At most 10 paid buyers, 6 who abandon and 3 declined who give up hold on to an order.
    assert!(report.turned_away >= 60 - 10 - 6 - 3, "{report}");

    let dir = std::env::temp_dir().join(format!("capsule-sim-{}", uuid::Uuid::new_v4().simple()));
    let page = sim::charts::write_html(&report, &dir).expect("the report is written");
    let html = std::fs::read_to_string(&page).expect("the report reads back");
    assert!(html.contains("Every invariant held.") && html.matches("<svg").count() >= 2, "{html}");
    let _ = std::fs::remove_dir_all(dir);
}
