use capsule_tests::{home, pickup, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn checkout_holds_stock_and_locks_the_cart_until_payment() {
    let app = spawn_app().await;
    let (_, token) = app.customer("holder").await;
    let product = app.product_with_stock(2500, 10).await;
    app.add(&token, &product, 3).await;
    let placed = app.post("/checkout", Some(&token), json!({"payment_method": "crina_pay", "delivery": home(), "gift": {"type": "wedding", "message": "Vive les mariés"}})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    assert_eq!(placed.body["status"], "pending_payment");
    assert!(placed.body["redirect_url"]
        .as_str()
        .is_some_and(|u| u.starts_with(&app.stack.base_url) && u.contains("/portal/sessions/")));
    let order = &placed.body["order"];
    assert_eq!(order["order_id"], placed.body["order_id"]);
    assert_eq!(order["subtotal_cents"], 7500);
    assert_eq!(order["delivery_fee_cents"], 590);
    assert_eq!(order["gift_fee_cents"], 500);
    assert_eq!(order["total_cents"], 7500 + 590 + 500);
    assert_eq!(order["gift"], json!({"type": "wedding", "message": "Vive les mariés"}));
    assert_eq!(order["delivery"]["mode"], "home");
    assert_eq!(order["invoice_number"], serde_json::Value::Null);
    let expires =
        chrono::DateTime::parse_from_rfc3339(placed.body["expires_at"].as_str().expect("expires_at")).expect("time");
    let created =
        chrono::DateTime::parse_from_rfc3339(order["created_at"].as_str().expect("created_at")).expect("time");
    assert_eq!((expires - created).num_minutes(), 30);

    // Held: gone from what can be bought.
    assert_eq!(app.stock(&product).await, 7);
    // Locked: the cart cannot change and a second checkout is refused.
    let again = app.checkout(&token).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "checkout_in_progress");
    assert_eq!(app.add(&token, "cap-ete", 1).await.code(), "checkout_in_progress");
    let delete = app.call(Method::DELETE, &format!("/cart/items/{product}"), Some(&token), None).await;
    assert_eq!(delete.code(), "checkout_in_progress");
}

#[tokio::test]
async fn checkout_refuses_bad_requests_with_the_contract_codes() {
    let app = spawn_app().await;
    let (_, token) = app.customer("bad-checkout").await;
    let empty = app.checkout(&token).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.code(), "empty_cart");

    app.add(&token, "cap-ete", 1).await;
    let cases = [
        json!({"payment_method": "card"}),
        json!({"payment_method": "card", "delivery": {"mode": "drone"}}),
        json!({"payment_method": "card", "delivery": {"pickup_point_id": "pp-bastille"}}),
        json!({"payment_method": "card", "delivery": {"mode": "pickup", "pickup_point_id": "pp-bastille", "address": {}}}),
        json!({"payment_method": "card", "delivery": {"mode": "pickup", "pickup_point_id": "nowhere"}}),
        json!({"payment_method": "card", "delivery": {"mode": "home"}}),
        json!({"payment_method": "card", "delivery": {"mode": "home", "address": {"name": "A", "line1": "", "postal_code": "1", "city": "P", "country": "FR"}}}),
        json!({"payment_method": "card", "delivery": pickup(), "gift": {"type": "simple"}}),
        json!({"payment_method": "card", "delivery": home(), "gift": {"type": "funeral"}}),
        json!({"payment_method": "card", "delivery": pickup(), "total_cents": 1}),
    ];
    for body in cases {
        let answer = app.post("/checkout", Some(&token), body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.body);
        assert_eq!(answer.code(), "invalid_request", "{body}");
    }
    let unknown_method =
        app.post("/checkout", Some(&token), json!({"payment_method": "pm_nope", "delivery": pickup()})).await;
    assert_eq!(unknown_method.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_method.code(), "payment_method_not_found");
    // Nothing was held by the refused attempts.
    assert_eq!(app.stock("cap-ete").await, 60);
}

#[tokio::test]
async fn a_short_line_fails_the_whole_checkout_and_holds_nothing() {
    let app = spawn_app().await;
    let plenty = app.product_with_stock(1000, 50).await;
    let scarce = app.product_with_stock(1000, 2).await;
    let (_, first) = app.customer("first").await;
    let (_, second) = app.customer("second").await;
    for token in [&first, &second] {
        app.add(token, &plenty, 5).await;
        app.add(token, &scarce, 2).await;
    }
    assert_eq!(app.checkout(&first).await.status, StatusCode::CREATED);
    let refused = app.checkout(&second).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "insufficient_stock");
    assert_eq!(
        refused.body["error"]["details"],
        json!({"lines": [{"product_id": scarce, "requested": 2, "available": 0}]})
    );
    assert_eq!(app.stock(&plenty).await, 45, "the plentiful line was not held either");
    assert_eq!(app.stock(&scarce).await, 0);
}

/// The flash-sale guarantee: 40 buyers racing for 15 units get exactly 15 holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_buyers_racing_for_fifteen_units_get_exactly_fifteen() {
    let app = spawn_app().await;
    let product = app.product_with_stock(2990, 15).await;
    let mut tokens = Vec::new();
    for i in 0..40 {
        let (_, token) = app.customer(&format!("racer{i}")).await;
        assert_eq!(app.add(&token, &product, 1).await.status, StatusCode::OK);
        tokens.push(token);
    }
    let answers = futures::future::join_all(tokens.iter().map(|t| app.checkout(t))).await;
    let won = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    let lost: Vec<_> = answers.iter().filter(|a| a.status != StatusCode::CREATED).collect();
    assert_eq!(won, 15, "exactly the stock is held");
    assert_eq!(lost.len(), 25);
    assert!(
        lost.iter().all(|a| a.status == StatusCode::CONFLICT && a.code() == "insufficient_stock"),
        "losers get 409"
    );
    assert_eq!(app.stock(&product).await, 0, "never below zero");
}

/// A cart whose order could not move in one transaction later (paid late, cancelled) is
/// refused at checkout with 422, before anything is held: 90 lines fit, 90 with a promo
/// code do not.
#[tokio::test]
async fn a_cart_too_large_for_one_transaction_is_refused_before_anything_is_held() {
    let app = spawn_app().await;
    let (owner_email, _) = app.customer("owner").await;
    let owner = app.post("/auth/login", None, json!({"email": owner_email, "password": "password-123"})).await.body
        ["user"]["user_id"]
        .as_str()
        .expect("user id")
        .to_string();
    let admin = app.admin_token().await;
    let code = json!({"code": "BIGCART", "owner_user_id": owner, "discount_percent": 5, "commission_percent": 1});
    assert_eq!(app.post("/admin/promo-codes", Some(&admin), code).await.status, StatusCode::CREATED);
    let (_, token) = app.customer("bulk").await;
    let mut products = Vec::new();
    for _ in 0..90 {
        let product = app.product_with_stock(100, 5).await;
        assert_eq!(app.add(&token, &product, 1).await.status, StatusCode::OK);
        products.push(product);
    }
    assert_eq!(app.post("/cart/promo-code", Some(&token), json!({"code": "BIGCART"})).await.status, StatusCode::OK);
    let refused = app.checkout(&token).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "cart_too_large"),
        "{}",
        refused.body
    );
    assert_eq!(refused.body["error"]["details"]["max_writes"], 100);
    assert_eq!(app.stock(&products[0]).await, 5, "nothing held");
    assert_eq!(app.stock(&products[89]).await, 5, "nothing held");

    app.call(reqwest::Method::DELETE, "/cart/promo-code", Some(&token), None).await;
    let placed = app.checkout(&token).await;
    assert_eq!(placed.status, StatusCode::CREATED, "90 lines without a code fit: {}", placed.body);
    assert_eq!(app.stock(&products[89]).await, 4);
    // Its later moves fit too: cancelled in one transaction, every unit back.
    let order_id = placed.body["order_id"].as_str().expect("id");
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(app.stock(&products[89]).await, 5);
}
