//! History, cancellation and the expiry of unpaid holds.
use capsule_tests::{spawn_app, VISA};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_history_lists_every_order_newest_first_and_hides_others_orders() {
    let app = spawn_app().await;
    let (_, token) = app.customer("history").await;
    let mut ids = Vec::new();
    for product in ["cap-ete", "cap-hiver", "cap-dad-kaki"] {
        app.add(&token, product, 1).await;
        let paid = app.buy(&token, VISA).await;
        ids.push(paid["order_id"].as_str().expect("id").to_string());
        app.stack.clock.advance(5);
    }
    let history = app.get("/orders", Some(&token)).await;
    let listed: Vec<String> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["order_id"].as_str().unwrap_or("").to_string())
        .collect();
    ids.reverse();
    assert_eq!(listed, ids, "newest first");
    assert!(history.body["items"][0]["history"].as_array().is_some_and(|h| h.len() == 2));
    let first_page = app.get("/orders?limit=2", Some(&token)).await;
    assert_eq!(first_page.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = first_page.body["next_cursor"].as_str().expect("a next page");
    let rest = app.get(&format!("/orders?limit=2&cursor={cursor}"), Some(&token)).await;
    assert_eq!(rest.body["items"][0]["order_id"], ids[2]);

    let (_, stranger) = app.customer("stranger").await;
    let peek = app.get(&format!("/orders/{}", ids[0]), Some(&stranger)).await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);
    assert_eq!(peek.code(), "not_found");
    let cancel = app.post(&format!("/orders/{}/cancel", ids[0]), Some(&stranger), json!({})).await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/orders", Some(&stranger)).await.body["items"], json!([]));
    assert_eq!(app.get("/orders", None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_paid_order_cancelled_in_time_is_refunded_and_its_stock_is_back_at_once() {
    let app = spawn_app().await;
    let (email, token) = app.customer("canceller").await;
    let product = app.product_with_stock(3000, 10).await;
    app.add(&token, &product, 3).await;
    let paid = app.buy(&token, VISA).await;
    let order_id = paid["order_id"].as_str().expect("id");
    assert_eq!(app.stock(&product).await, 7);
    app.stack.clock.advance(23 * 3600);
    let token = app.login(&email).await;
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["refund_status"], "refunded");
    assert!(cancelled.body["cancelled_at"].is_string());
    assert_eq!(app.stock(&product).await, 10, "back on sale at once");
    let statuses: Vec<&str> =
        cancelled.body["history"].as_array().expect("history").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, vec!["pending_payment", "paid", "cancelled"]);
    let mails = app.emails_to(&email).await;
    assert_eq!(mails.len(), 2, "the invoice, then the cancellation");
    assert!(mails.iter().any(|m| m["subject"].as_str().is_some_and(|s| s.contains("cancelled"))
        && m["text"].as_str().is_some_and(|t| t.contains("refunded"))));

    let twice = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.code(), "not_cancellable");
    assert_eq!(app.stock(&product).await, 10, "restocked once");
}

#[tokio::test]
async fn cancellation_closes_with_the_window_and_a_pending_order_cancels_at_once() {
    let app = spawn_app().await;
    let (email, token) = app.customer("late").await;
    app.add(&token, "cap-ete", 1).await;
    let paid = app.buy(&token, VISA).await;
    app.stack.clock.advance(24 * 3600 + 60);
    let token = app.login(&email).await;
    let late =
        app.post(&format!("/orders/{}/cancel", paid["order_id"].as_str().expect("id")), Some(&token), json!({})).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.code(), "cancellation_window_elapsed");

    app.add(&token, "cap-hiver", 2).await;
    let placed = app.checkout(&token).await;
    assert_eq!(app.stock("cap-hiver").await, 38);
    let order_id = placed.body["order_id"].as_str().expect("id");
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["refund_status"], serde_json::Value::Null, "nothing was paid");
    assert_eq!(app.stock("cap-hiver").await, 40);
    assert_eq!(app.get("/cart", Some(&token)).await.body["total_quantity"], 2, "the items are back in the cart");
    assert_eq!(app.checkout(&token).await.status, StatusCode::CREATED, "and it can check out again");
    let failed = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(failed.code(), "not_cancellable");
}

#[tokio::test]
async fn unpaid_holds_are_released_at_expiry_exactly_once() {
    let app = spawn_app().await;
    let (_, token) = app.customer("slow").await;
    let product = app.product_with_stock(1500, 6).await;
    app.add(&token, &product, 4).await;
    let placed = app.checkout(&token).await;
    let order_id = placed.body["order_id"].as_str().expect("id");
    assert_eq!(app.stock(&product).await, 2);

    app.stack.clock.advance(29 * 60);
    assert_eq!(app.run_job("release-expired-reservations").await["released"], 0, "not yet due");
    assert_eq!(app.stock(&product).await, 2);

    app.stack.clock.advance(2 * 60);
    let (first, second) =
        tokio::join!(app.run_job("release-expired-reservations"), app.run_job("release-expired-reservations"));
    assert_eq!(first["released"].as_u64().unwrap_or(0) + second["released"].as_u64().unwrap_or(0), 1, "released once");
    assert_eq!(app.stock(&product).await, 6);
    let order = app.order_when(&token, order_id, "expired").await;
    assert_eq!(order["history"].as_array().map(Vec::len), Some(2));
    let cart = app.get("/cart", Some(&token)).await;
    assert_eq!(cart.body["total_quantity"], 4, "the items are back in the cart");
    assert_eq!(app.add(&token, &product, 1).await.status, StatusCode::OK, "unlocked");
    // The page no longer takes money for it.
    let page = app.client.get(placed.body["redirect_url"].as_str().expect("url")).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::GONE);
}

/// One order that cannot be released (its cart was tampered with) does not stop the sweep:
/// the others are released, the failure is reported, and nothing of it is half-written.
#[tokio::test]
async fn the_expiry_sweep_goes_on_past_an_order_that_fails_and_reports_it() {
    let app = spawn_app().await;
    let product = app.product_with_stock(1000, 10).await;
    let (broken_email, broken) = app.customer("broken").await;
    let (_, fine) = app.customer("fine").await;
    for token in [&broken, &fine] {
        app.add(token, &product, 2).await;
        assert_eq!(app.checkout(token).await.status, StatusCode::CREATED);
    }
    assert_eq!(app.stock(&product).await, 6);
    // The broken buyer's cart loses its lock behind the stack's back.
    let user = crate::saved_methods::user_id(&app, &broken_email).await;
    let store = &app.stack.app.store;
    let mut cart = store.cart(&user).await.expect("read").expect("a cart");
    cart.checkout_order_id = None;
    store.put(&cart).await.expect("tampered");

    app.stack.clock.advance(31 * 60);
    let report = app.run_job("release-expired-reservations").await;
    assert_eq!(report, json!({"examined": 2, "released": 1, "failed": 1}));
    assert_eq!(app.stock(&product).await, 8, "only the other order's units are back");
    let orders = app.get("/orders", Some(&broken)).await;
    assert_eq!(orders.body["items"][0]["status"], "pending_payment", "the failed one is untouched");
}
