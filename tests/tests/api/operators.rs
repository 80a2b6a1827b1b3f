//! Orders for operators: the listing and one order's story, fulfilment the buyer sees,
//! partial refunds (never more than paid, once per key, stock back), an operator's cancel.
use capsule_tests::{card_form, home, spawn_app, TestApp, VISA};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Places and pays an order of the cart delivered home; the paid order.
async fn buy_home(app: &TestApp, token: &str) -> Value {
    let placed = app.post("/checkout", Some(token), json!({"payment_method": "card", "delivery": home()})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let url = placed.body["redirect_url"].as_str().expect("redirect_url");
    let (status, _, _) = app.pay(url, &card_form(VISA)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.order_when(token, placed.body["order_id"].as_str().expect("order_id"), "paid").await;
    app.number_invoices().await;
    app.order_when(token, placed.body["order_id"].as_str().expect("order_id"), "paid").await
}

async fn fulfil(app: &TestApp, admin: &str, order_id: &str, step: Value) -> capsule_tests::Answer {
    app.post(&format!("/admin/orders/{order_id}/fulfilment"), Some(admin), step).await
}

async fn refund(app: &TestApp, admin: &str, order_id: &str, body: Value) -> capsule_tests::Answer {
    app.post(&format!("/admin/orders/{order_id}/refunds"), Some(admin), body).await
}

#[tokio::test]
async fn a_shipped_order_is_emailed_shown_to_its_buyer_and_no_longer_cancellable() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (email, token) = app.customer("parcel").await;
    app.add(&token, "cap-ete", 1).await;
    let order = buy_home(&app, &token).await;
    let id = order["order_id"].as_str().expect("id");

    let skipped = fulfil(&app, &admin, id, json!({"status": "delivered"})).await;
    assert_eq!((skipped.status, skipped.code()), (StatusCode::CONFLICT, "invalid_fulfilment_step"));
    let untracked = fulfil(&app, &admin, id, json!({"status": "shipped"})).await;
    assert_eq!(untracked.status, StatusCode::BAD_REQUEST);
    assert_eq!(untracked.body["error"]["details"]["field"], "/carrier");
    assert_eq!(fulfil(&app, &admin, id, json!({"status": "preparing"})).await.status, StatusCode::OK);
    let shipped =
        fulfil(&app, &admin, id, json!({"status": "shipped", "carrier": "La Poste", "tracking_number": "6A1234"}))
            .await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);

    let seen = app.get(&format!("/orders/{id}"), Some(&token)).await.body;
    assert_eq!(seen["status"], "paid");
    assert_eq!(seen["fulfilment"], json!({"status": "shipped", "carrier": "La Poste", "tracking_number": "6A1234"}));
    let steps: Vec<&str> =
        seen["history"].as_array().expect("history").iter().filter_map(|h| h["fulfilment"].as_str()).collect();
    assert_eq!(steps, ["preparing", "shipped"]);
    let cancel = app.post(&format!("/orders/{id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(
        (cancel.status, cancel.code()),
        (StatusCode::CONFLICT, "order_shipped"),
        "within the window, but shipped"
    );
    let by_operator = app.post(&format!("/admin/orders/{id}/cancel"), Some(&admin), json!({})).await;
    assert_eq!(by_operator.code(), "order_shipped");

    assert_eq!(fulfil(&app, &admin, id, json!({"status": "delivered"})).await.status, StatusCode::OK);
    let again = fulfil(&app, &admin, id, json!({"status": "delivered"})).await;
    assert_eq!(again.code(), "invalid_fulfilment_step", "once");
    let mails = app.emails_to(&email).await;
    let subjects: Vec<&str> = mails.iter().filter_map(|m| m["subject"].as_str()).collect();
    assert!(subjects.iter().any(|s| s.starts_with("Order shipped")), "{subjects:?}");
    assert!(mails.iter().any(|m| m["text"].as_str().is_some_and(|t| t.contains("6A1234"))));
    assert!(subjects.iter().any(|s| s.starts_with("Order delivered")), "{subjects:?}");

    let detail = app.get(&format!("/admin/orders/{id}"), Some(&admin)).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert_eq!(detail.body["email"], email.as_str());
    assert_eq!(detail.body["fulfilment"]["status"], "delivered");
    assert_eq!(detail.body["payments"][0]["amount_cents"], order["total_cents"]);
    let mut sent: Vec<&str> = detail.body["emails"]
        .as_array()
        .expect("emails")
        .iter()
        .filter_map(|m| m["subject"].as_str()?.split(" — ").next())
        .map(|s| if s.starts_with("Invoice") { "Invoice" } else { s })
        .collect();
    sent.sort();
    assert_eq!(sent, ["Invoice", "Order being prepared", "Order delivered", "Order shipped"]);
}

#[tokio::test]
async fn unpaid_and_cancelled_orders_are_neither_shipped_nor_refunded() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.customer("unpaid").await;
    app.add(&token, "cap-hiver", 1).await;
    let placed = app.checkout(&token).await;
    let id = placed.body["order_id"].as_str().expect("id");
    let ship = json!({"status": "ready_for_pickup"});
    assert_eq!(fulfil(&app, &admin, id, ship.clone()).await.code(), "order_not_paid");
    let refund_pending = refund(&app, &admin, id, json!({"idempotency_key": "k1", "amount_cents": 100})).await;
    assert_eq!((refund_pending.status, refund_pending.code()), (StatusCode::CONFLICT, "order_not_paid"));
    let cancelled = app.post(&format!("/admin/orders/{id}/cancel"), Some(&admin), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    assert_eq!(fulfil(&app, &admin, id, ship).await.code(), "order_not_paid");
    let order = app.get(&format!("/orders/{id}"), Some(&token)).await.body;
    assert!(order.get("fulfilment").is_none() && order.get("refunded_cents").is_none(), "{order}");
    let missing = fulfil(&app, &admin, "nope", json!({"status": "preparing"})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_partial_refund_returns_lines_once_and_never_more_than_was_paid() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (email, token) = app.customer("returns").await;
    let caps = app.product_with_stock(2000, 10).await;
    let scarf = app.product_with_stock(1500, 10).await;
    app.add(&token, &caps, 3).await;
    app.add(&token, &scarf, 1).await;
    let order = app.buy(&token, VISA).await;
    let id = order["order_id"].as_str().expect("id");
    let total = order["total_cents"].as_i64().expect("total");
    assert_eq!(total, 7500);
    assert_eq!(app.stock(&caps).await, 7);

    let two_caps = json!({"idempotency_key": "return-1", "lines": [{"product_id": caps, "quantity": 2}]});
    let refunded = refund(&app, &admin, id, two_caps.clone()).await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
    assert_eq!(refunded.body["refunded_cents"], 4000);
    assert_eq!(refunded.body["status"], "paid");
    assert_eq!(app.stock(&caps).await, 9, "the returned units are back on sale");
    let replay = refund(&app, &admin, id, two_caps).await;
    assert_eq!((replay.status, replay.body["refunded_cents"].clone()), (StatusCode::OK, json!(4000)), "once per key");
    assert_eq!(app.stock(&caps).await, 9);
    let reused = refund(&app, &admin, id, json!({"idempotency_key": "return-1", "amount_cents": 10})).await;
    assert_eq!((reused.status, reused.code()), (StatusCode::CONFLICT, "idempotency_key_reused"));

    let too_many =
        refund(&app, &admin, id, json!({"idempotency_key": "r2", "lines": [{"product_id": caps, "quantity": 2}]}))
            .await;
    assert_eq!(
        (too_many.status, too_many.body["error"]["details"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("/lines/0/quantity"))
    );
    let above = refund(&app, &admin, id, json!({"idempotency_key": "r3", "amount_cents": 3501})).await;
    assert_eq!((above.status, above.code()), (StatusCode::UNPROCESSABLE_ENTITY, "refund_exceeds_paid"));
    assert_eq!(above.body["error"]["details"]["refundable_cents"], 3500);
    let seen = app.get(&format!("/orders/{id}"), Some(&token)).await.body;
    assert_eq!(seen["refunded_cents"], 4000, "nothing half-written by the refused ones");

    // The operator cancels the rest: the buyer gets back what was not refunded yet.
    let cancelled = app.post(&format!("/admin/orders/{id}/cancel"), Some(&admin), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    assert_eq!(cancelled.body["refund_status"], "refunded");
    assert_eq!((app.stock(&caps).await, app.stock(&scarf).await), (10, 10), "every unit back once");
    let detail = app.get(&format!("/admin/orders/{id}"), Some(&admin)).await.body;
    let refunds: Vec<(i64, &str)> = detail["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .filter(|p| p["status"] == "refunded")
        .map(|p| (p["amount_cents"].as_i64().unwrap_or(0), p["method_type"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(refunds, vec![(3500, "card"), (4000, "card")], "the provider refunded 7500 in all");
    assert_eq!(detail["refunds"][0]["lines"][0]["quantity"], 2);
    let mails = app.emails_to(&email).await;
    assert!(mails.iter().any(|m| m["text"].as_str().is_some_and(|t| t.contains("40.00") || t.contains("40,00"))));
}

#[tokio::test]
async fn operators_list_orders_newest_first_by_status_fulfilment_buyer_and_time() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (email, token) = app.customer("lister").await;
    let start = shared::clock::rfc3339(shared::clock::Clock::now(app.stack.clock.as_ref()));
    app.stack.clock.advance(5);
    let mut ids = Vec::new();
    for product in ["cap-ete", "cap-hiver", "cap-dad-kaki"] {
        app.add(&token, product, 1).await;
        ids.push(app.buy(&token, VISA).await["order_id"].as_str().expect("id").to_string());
        app.stack.clock.advance(5);
    }
    app.add(&token, "cap-ete", 1).await;
    let pending = app.checkout(&token).await.body["order_id"].as_str().expect("id").to_string();
    fulfil(&app, &admin, &ids[0], json!({"status": "preparing"})).await;
    let listed = |query: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let answer = app.get(&format!("/admin/orders?{query}"), Some(&admin)).await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
            let ids: Vec<String> = answer.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|o| o["order_id"].as_str().unwrap_or("").to_string())
                .collect();
            (ids, answer.body["next_cursor"].as_str().map(str::to_string))
        }
    };
    let mine = format!("email={email}");
    let (all, _) = listed(mine.clone()).await;
    assert_eq!(all, vec![pending.clone(), ids[2].clone(), ids[1].clone(), ids[0].clone()], "newest first");
    let (paid, _) = listed(format!("{mine}&status=paid&limit=2")).await;
    assert_eq!(paid, vec![ids[2].clone(), ids[1].clone()]);
    let (preparing, _) = listed(format!("{mine}&fulfilment=preparing")).await;
    assert_eq!(preparing, vec![ids[0].clone()]);
    let (first, cursor) = listed("status=paid&limit=1".into()).await;
    assert_eq!(first, vec![ids[2].clone()], "every buyer's, newest first");
    let (second, _) = listed(format!("status=paid&limit=1&cursor={}", cursor.expect("a next page"))).await;
    assert_eq!(second, vec![ids[1].clone()]);
    let (since, _) = listed(format!("from={}&status=paid", start.replace('+', "%2B"))).await;
    assert_eq!(since.len(), 3);
    let (before, _) = listed(format!("to={}", start.replace('+', "%2B"))).await;
    assert!(before.iter().all(|id| !ids.contains(id)));
    let (nobody, _) = listed("email=nobody@example.com".into()).await;
    assert!(nobody.is_empty());
    for bad in ["status=shipped", "fulfilment=lost", "from=yesterday", "email=not-an-email"] {
        let answer = app.get(&format!("/admin/orders?{bad}"), Some(&admin)).await;
        assert_eq!(answer.code(), "invalid_request", "{bad}");
    }
}

/// An order and a product written before GSI3 listed them (as old stacks have) are listed
/// once the backfill ran, and a second run finds nothing left to do.
#[tokio::test]
async fn the_backfill_lists_orders_and_products_written_before_their_listing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.product_with_stock(1200, 5).await;
    let (_, buyer) = app.customer("legacy").await;
    app.add(&buyer, &product, 1).await;
    let placed = app.checkout(&buyer).await;
    let order_id = placed.body["order_id"].as_str().expect("order id").to_string();
    let store = &app.stack.app.store;
    for key in [shared::store::keys::order(&order_id), shared::store::keys::product(&product)] {
        let legacy = store.client().update_item().table_name(store.table()).set_key(Some(key.item()));
        legacy.update_expression("REMOVE gsi3pk, gsi3sk").send().await.expect("made legacy");
    }
    let orders = || async { app.get("/admin/orders?limit=100", Some(&admin)).await.body["items"].clone() };
    let products = || async { app.get("/admin/products?limit=100", Some(&admin)).await.body["items"].clone() };
    let listed =
        |items: &Value, field: &str, id: &str| items.as_array().is_some_and(|a| a.iter().any(|i| i[field] == id));
    assert!(!listed(&orders().await, "order_id", &order_id), "an old order is not listed");
    assert!(!listed(&products().await, "product_id", &product), "an old product is not listed");

    let done = store.backfill_listings().await.expect("backfilled");
    assert_eq!((done.orders, done.products), (1, 1));
    assert!(listed(&orders().await, "order_id", &order_id));
    assert!(listed(&products().await, "product_id", &product));
    let again = store.backfill_listings().await.expect("backfilled again");
    assert_eq!((again.orders, again.products), (0, 0), "nothing left to do");
}
