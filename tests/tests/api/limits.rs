//! What a client controls never answers 500: over-long ids, codes and cursors are refused
//! (400) or name nothing (404) before the table is asked.
use capsule_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn over_long_ids_codes_and_cursors_answer_400_or_404() {
    let app = spawn_app().await;
    let (_, token) = app.customer("long").await;
    let admin = app.admin_token().await;
    let long = "x".repeat(3000);
    let customer_calls = [
        (Method::GET, format!("/products/{long}"), None),
        (Method::GET, format!("/orders/{long}"), None),
        (Method::POST, format!("/orders/{long}/cancel"), Some(json!({}))),
        (Method::GET, format!("/subscriptions/{long}"), None),
        (Method::POST, format!("/subscriptions/{long}/cancel"), Some(json!({}))),
        (Method::DELETE, format!("/payment-methods/{long}"), None),
        (Method::PUT, format!("/cart/items/{long}"), Some(json!({"quantity": 1}))),
        (Method::DELETE, format!("/cart/items/{long}"), None),
        (Method::POST, "/cart/items".to_string(), Some(json!({"product_id": long, "quantity": 1}))),
        (Method::POST, "/cart/promo-code".to_string(), Some(json!({"code": long}))),
        (Method::GET, format!("/orders?cursor={long}"), None),
        (Method::GET, format!("/products?cursor={long}"), None),
        (Method::GET, "/orders?cursor=".to_string(), None),
        (Method::GET, "/products?cursor=".to_string(), None),
        (
            Method::POST,
            "/checkout".to_string(),
            Some(json!({"payment_method": long, "delivery": {"mode": "pickup", "pickup_point_id": long}})),
        ),
        (Method::POST, "/subscriptions".to_string(), Some(json!({"plan_id": long, "payment_method": "card"}))),
    ];
    for (method, path, body) in customer_calls {
        let answer = app.call(method.clone(), &path, Some(&token), body).await;
        assert!(
            [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND].contains(&answer.status),
            "{method} {}: {} {}",
            &path[..path.len().min(40)],
            answer.status,
            answer.body
        );
    }
    let page = app.client.get(app.url(&format!("/portal/sessions/{long}"))).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let admin_calls = [
        (Method::PATCH, format!("/admin/products/{long}"), Some(json!({"stock": 1}))),
        (Method::GET, format!("/admin/promo-codes/{long}/commissions"), None),
        (Method::GET, format!("/admin/payments?cursor={long}"), None),
        (
            Method::POST,
            "/admin/sales".to_string(),
            Some(
                json!({"name": "s", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z", "percent": 10, "product_ids": [long]}),
            ),
        ),
        (
            Method::POST,
            "/admin/promo-codes".to_string(),
            Some(json!({"code": "LONGOWNER", "owner_user_id": long, "discount_percent": 5, "commission_percent": 1})),
        ),
    ];
    for (method, path, body) in admin_calls {
        let answer = app.call(method.clone(), &path, Some(&admin), body).await;
        assert!(
            [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND].contains(&answer.status),
            "{method} {}: {} {}",
            &path[..path.len().min(40)],
            answer.status,
            answer.body
        );
    }
}

/// Every string a client sends that could reach a key (an email, a method, a filter, a form
/// field, a `/dev` parameter), 2 100 characters long, on routes where the rest of the
/// request is valid and real ids let it reach past "not found": a 4xx each, never a 5xx.
#[tokio::test]
async fn over_long_strings_anywhere_a_client_sends_them_answer_4xx_never_5xx() {
    let app = spawn_app().await;
    let (_, token) = app.customer("longer").await;
    let admin = app.admin_token().await;
    let long = "x".repeat(2100);
    let long_email = format!("{}@example.com", "a".repeat(2088));
    let trial = app.post("/subscriptions", Some(&token), json!({"plan_id": "normal", "payment_method": "card"})).await;
    assert_eq!(trial.status, StatusCode::CREATED, "{}", trial.body);
    let subscription = trial.body["subscription_id"].as_str().expect("a subscription").to_string();
    app.add(&token, "cap-ete", 1).await;
    let pickup = |id: &str| json!({"mode": "pickup", "pickup_point_id": id});
    let calls = [
        (Method::POST, "/auth/login".to_string(), None, json!({"email": long_email, "password": "password-123"})),
        (Method::POST, "/auth/login".to_string(), None, json!({"email": long, "password": "password-123"})),
        (
            Method::POST,
            "/auth/signup".to_string(),
            None,
            json!({"email": long_email, "password": "password-123", "name": "L"}),
        ),
        (
            Method::POST,
            "/subscriptions".to_string(),
            Some(&token),
            json!({"plan_id": "supplement", "payment_method": long}),
        ),
        (
            Method::PUT,
            format!("/subscriptions/{subscription}/payment-method"),
            Some(&token),
            json!({"payment_method_id": long}),
        ),
        (
            Method::POST,
            "/checkout".to_string(),
            Some(&token),
            json!({"payment_method": long, "delivery": pickup("pp-bastille")}),
        ),
        (
            Method::POST,
            "/checkout".to_string(),
            Some(&token),
            json!({"payment_method": "card", "delivery": pickup(&long)}),
        ),
        (Method::GET, format!("/admin/payments?method_type={long}"), Some(&admin), Value::Null),
        (Method::GET, format!("/admin/subscriptions?status={long}"), Some(&admin), Value::Null),
        (Method::GET, format!("/admin/carts?status={long}"), Some(&admin), Value::Null),
        (Method::GET, format!("/products?q={long}"), None, Value::Null),
        (Method::POST, format!("/dev/run/{long}"), None, json!({})),
    ];
    let mut settings = app.get("/admin/settings", Some(&admin)).await.body;
    settings["stock_manager_emails"] = json!([long_email]);
    let calls = calls.into_iter().chain([(Method::PUT, "/admin/settings".to_string(), Some(&admin), settings)]);
    let mut server_errors = Vec::new();
    for (method, path, who, body) in calls {
        let answer =
            app.call(method.clone(), &path, who.map(String::as_str), Some(body).filter(|b| !b.is_null())).await;
        if !answer.status.is_client_error() {
            server_errors.push(format!("{method} {}: {} {}", &path[..path.len().min(60)], answer.status, answer.body));
        }
    }
    // The hosted page's form, on a real session: every field over-long.
    let placed = app.checkout(&token).await;
    let page = placed.body["redirect_url"].as_str().expect("a payment page").to_string();
    let fields = ["method", "card_number", "exp_month", "exp_year", "cvc", "holder_name", "phone", "save"];
    for method in ["card", "crina_pay", long.as_str()] {
        let form: Vec<(&str, String)> =
            fields.iter().map(|f| (*f, if *f == "method" { method.to_string() } else { long.clone() })).collect();
        let (status, _, _) = app.pay(&page, &form).await;
        if !status.is_client_error() {
            server_errors.push(format!("POST {page} as {}: {status}", &method[..method.len().min(10)]));
        }
    }
    // A correctly signed event whose ids are over-long (the provider is a client too).
    let event = |field: &str| {
        let mut event = json!({
            "event_id": format!("evt_{field}"), "type": "payment.succeeded", "payment_id": format!("pay_{field}"),
            "order_id": "ord_long",
            "amount_cents": 2000, "currency": "EUR", "created": 0,
            "method": {"method_type": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031, "fingerprint": "f"},
        });
        match field {
            "method_type" => event["method"]["method_type"] = json!(long),
            field => event[field] = json!(long),
        }
        event
    };
    for field in ["event_id", "payment_id", "order_id", "subscription_id", "session_id", "user_id", "method_type"] {
        let answer = app.webhook(&event(field), capsule_tests::WEBHOOK_SECRET, None).await;
        if !answer.status.is_client_error() {
            server_errors
                .push(format!("POST /webhooks/payments with a long {field}: {} {}", answer.status, answer.body));
        }
    }
    assert_eq!(server_errors, Vec::<String>::new());
}

/// `Payment-Signature` headers no provider sends (a `t` at the ends of i64, none, not a
/// number, two of them; more `v1` than rotation needs), some with a valid HMAC of the body:
/// each is 400 `invalid_signature` (never a panic), and the paid event they carry changes
/// nothing.
#[tokio::test]
async fn malformed_signature_headers_are_400_and_write_nothing() {
    use shared::payments::signature::{sign, MAX_SIGNATURES};
    let app = spawn_app().await;
    let (_, token) = app.customer("headers").await;
    let product = app.product_with_stock(2000, 5).await;
    app.add(&token, &product, 1).await;
    let placed = app.checkout(&token).await;
    let order_id = placed.body["order_id"].as_str().expect("an order").to_string();
    let body = json!({
        "event_id": "evt_header", "type": "payment.succeeded", "session_id": "s", "payment_id": "pay_header",
        "order_id": order_id, "amount_cents": 2000, "currency": "EUR",
        "method": {"method_type": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031, "fingerprint": "f"},
        "created": 0
    })
    .to_string();
    let now = shared::clock::Clock::now(app.stack.clock.as_ref()).timestamp();
    let v1 =
        |t: i64| sign(capsule_tests::WEBHOOK_SECRET, t, body.as_bytes()).split_once(",v1=").map(|(_, v)| v.to_string());
    let good = v1(now).expect("a signature");
    let headers = [
        "t=-9223372036854775808,v1=00".to_string(),
        format!("t={},v1={}", i64::MIN, v1(i64::MIN).expect("signed")),
        format!("t={},v1={}", i64::MAX, v1(i64::MAX).expect("signed")),
        format!("v1={good}"),
        format!("t=now,v1={good}"),
        format!("t=99999999999999999999,v1={good}"),
        format!("t={now},t={now},v1={good}"),
        format!("t={now}{},v1={good}", ",v1=00".repeat(MAX_SIGNATURES)),
        format!("t={now}{},v1={good}", format!(",v1={}", "ab".repeat(32)).repeat(100)),
    ];
    for header in &headers {
        let answer = app
            .client
            .post(app.url("/webhooks/payments"))
            .header("content-type", "application/json")
            .header("payment-signature", header)
            .body(body.clone())
            .send()
            .await
            .expect("the webhook answers");
        let status = answer.status();
        let code = answer.json::<Value>().await.map(|b| b["error"]["code"].clone()).unwrap_or_default();
        assert_eq!(
            (status, code),
            (StatusCode::BAD_REQUEST, json!("invalid_signature")),
            "{}",
            &header[..header.len().min(60)]
        );
    }
    app.stack.drain().await;
    let order = app.get(&format!("/orders/{order_id}"), Some(&token)).await;
    assert_eq!(order.body["status"], "pending_payment", "nothing changed");
    assert_eq!(app.stock(&product).await, 4, "the hold stays as it was");
    assert!(!app.stored(shared::store::keys::webhook_event("evt_header")).await, "no event recorded");
    assert!(!app.stored(shared::store::keys::payment("pay_header")).await, "no payment recorded");
}

/// `/dev/clock` moves that would leave the years the clock can show (an `advance_seconds`
/// whose milliseconds overflow, a date before 1970 or after 9999) are 400, and the clock
/// stays where it was, still read by every route.
#[tokio::test]
async fn dev_clock_moves_out_of_range_are_400_and_the_clock_stays() {
    let app = spawn_app().await;
    let set = app.post("/dev/clock", None, json!({"now": "2030-06-01T10:00:00Z"})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    for body in [
        json!({"advance_seconds": i64::MAX}),
        json!({"advance_seconds": i64::MIN}),
        json!({"advance_seconds": i64::MAX / 1000}),
        json!({"advance_seconds": 8_000_i64 * 366 * 86_400}),
        json!({"advance_seconds": -61_i64 * 366 * 86_400}),
        json!({"now": "1969-12-31T23:59:59Z"}),
    ] {
        let answer = app.post("/dev/clock", None, body.clone()).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{body}");
    }
    let clock = app.get("/dev/clock", None).await;
    assert!(clock.body["now"].as_str().is_some_and(|now| now.starts_with("2030-06-01T10:0")), "{}", clock.body);
    assert_eq!(app.get("/products", None).await.status, StatusCode::OK, "every route still reads the clock");
}
