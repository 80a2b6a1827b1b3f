//! A front end shows a refusal beside the field it is about: every `invalid_request` names
//! its field by JSON pointer (`details.field`) with a sentence for people, never serde's text.
use capsule_tests::{home, pickup, spawn_app, Answer, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Words of serde's or Rust's that a person should never read in a refusal.
const SERDE_TEXT: [&str; 12] = [
    "invalid type",
    "invalid value",
    "unknown field",
    "missing field",
    "unknown variant",
    "expected",
    "line 1",
    "column",
    "`",
    "u32",
    "i64",
    "struct ",
];

fn assert_names(answer: &Answer, field: &str, case: &str) {
    assert_eq!((answer.status, answer.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{case}: {}", answer.body);
    let error = &answer.body["error"];
    assert_eq!(error["details"]["field"], field, "{case}: {}", answer.body);
    let message = error["details"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{case}: a message for people: {}", answer.body);
    assert_eq!(error["message"], message, "{case}");
    for text in SERDE_TEXT {
        assert!(!message.contains(text), "{case}: serde's text ({text:?}) in {message:?}");
    }
}

async fn customer_with_a_line(app: &TestApp) -> String {
    let (_, token) = app.customer("forms").await;
    assert_eq!(app.add(&token, "cap-ete", 1).await.status, StatusCode::OK);
    token
}

#[tokio::test]
async fn every_bad_body_names_its_field_by_pointer_in_words_a_person_reads() {
    let app = spawn_app().await;
    let customer = customer_with_a_line(&app).await;
    let admin = app.admin_token().await;
    let (customer, admin) = (Some(customer.as_str()), Some(admin.as_str()));
    let mut address = home();
    address["address"]["city"] = json!(" ");
    let product =
        json!({"name": "Casquette", "description": "d", "price_cents": 1000, "stock": 3, "product_discount": false});
    let with = |base: &Value, key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let table: Vec<(Method, &str, Option<&str>, Value, &str)> = vec![
        (Method::POST, "/auth/signup", None, json!({"email": "a@example.com", "password": "password-123"}), "/name"),
        (Method::POST, "/auth/signup", None, json!({"email": 3, "password": "password-123", "name": "A"}), "/email"),
        (
            Method::POST,
            "/auth/signup",
            None,
            json!({"email": "a@example.com", "password": "short", "name": "A"}),
            "/password",
        ),
        (
            Method::POST,
            "/auth/login",
            None,
            json!({"email": "a@example.com", "password": "x", "remember": true}),
            "/remember",
        ),
        (Method::POST, "/cart/items", customer, json!({"product_id": "cap-ete", "quantity": "2"}), "/quantity"),
        (Method::POST, "/cart/items", customer, json!({"product_id": "cap-ete", "quantity": 0}), "/quantity"),
        (Method::POST, "/cart/items", customer, json!({"quantity": 1}), "/product_id"),
        (
            Method::POST,
            "/cart/items",
            customer,
            json!({"product_id": "cap-ete", "quantity": 1, "price_cents": 1}),
            "/price_cents",
        ),
        (Method::PUT, "/cart/items/cap-ete", customer, json!({"quantity": -1}), "/quantity"),
        (Method::POST, "/cart/promo-code", customer, json!({"code": ["X"]}), "/code"),
        (Method::POST, "/checkout", customer, json!({"payment_method": "card"}), "/delivery"),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": {"mode": "drone"}}),
            "/delivery/mode",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": {"mode": "home"}}),
            "/delivery/address",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": address}),
            "/delivery/address/city",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": {"mode": "pickup", "pickup_point_id": "pp-nowhere"}}),
            "/delivery/pickup_point_id",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": pickup(), "gift": {"type": "simple"}}),
            "/gift",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": home(), "gift": {"type": "anniversary"}}),
            "/gift/type",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": home(), "gift": {"type": "simple", "message": "x".repeat(501)}}),
            "/gift/message",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "pm/../x", "delivery": pickup()}),
            "/payment_method",
        ),
        (
            Method::POST,
            "/checkout",
            customer,
            json!({"payment_method": "card", "delivery": pickup(), "save_payment_method": "yes"}),
            "/save_payment_method",
        ),
        (Method::POST, "/subscriptions", customer, json!({"plan_id": "plan-monthly"}), "/payment_method"),
        (Method::PUT, "/subscriptions/nope/payment-method", customer, json!({}), "/payment_method_id"),
        (Method::POST, "/admin/products", admin, with(&product, "price_cents", json!(-5)), "/price_cents"),
        (Method::POST, "/admin/products", admin, with(&product, "stock_shards", json!(99)), "/stock_shards"),
        (Method::PATCH, "/admin/products/cap-ete", admin, json!({"stock": "many"}), "/stock"),
        (
            Method::POST,
            "/admin/sales",
            admin,
            json!({"name": "S", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z", "percent": 10, "product_ids": ["cap-ete", 7]}),
            "/product_ids/1",
        ),
        (
            Method::POST,
            "/admin/promo-codes",
            admin,
            json!({"code": "AB", "owner_user_id": "u", "discount_percent": 10, "commission_percent": 5}),
            "/code",
        ),
        (
            Method::POST,
            "/admin/promo-codes",
            admin,
            json!({"code": "ABCD", "owner_user_id": "u", "discount_percent": 101, "commission_percent": 5}),
            "/discount_percent",
        ),
    ];
    for (method, path, token, body, field) in table {
        let case = format!("{method} {path} {body}");
        let answer = app.call(method, path, token, Some(body)).await;
        assert_names(&answer, field, &case);
    }
}

#[tokio::test]
async fn nested_settings_and_list_parameters_are_named_too() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut settings = app.get("/admin/settings", Some(&admin)).await.body;
    settings["gift_fees_cents"]["wedding"] = json!(-1);
    let answer = app.call(Method::PUT, "/admin/settings", Some(&admin), Some(settings.clone())).await;
    assert_names(&answer, "/gift_fees_cents/wedding", "a negative nested fee");
    settings["gift_fees_cents"]["wedding"] = json!(500);
    settings["stock_manager_emails"] = json!(["stock@capsule.local", "nope"]);
    let answer = app.call(Method::PUT, "/admin/settings", Some(&admin), Some(settings)).await;
    assert_names(&answer, "/stock_manager_emails/1", "the second manager email");
    assert_names(&app.get("/products?limit=0", None).await, "/limit", "limit 0");
    assert_names(&app.get("/products?cursor=%21%21", None).await, "/cursor", "a cursor we never gave");
    assert_names(&app.get(&format!("/products?q={}", "a".repeat(101)), None).await, "/q", "q over 100");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_as_a_whole_without_serde_text() {
    let app = spawn_app().await;
    let (_, token) = app.customer("forms").await;
    for (raw, case) in [
        ("{\"product_id\": ", "cut short"),
        ("[]", "a list"),
        (r#"{"product_id": "cap-ete", "quantity": 1} {}"#, "two values"),
        ("", "empty"),
    ] {
        let response = app
            .client
            .post(app.url("/cart/items"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("the gateway answers");
        let status = response.status();
        let body: Value = serde_json::from_str(&response.text().await.unwrap_or_default()).unwrap_or(Value::Null);
        let answer = Answer { status, body, headers: Default::default() };
        assert_names(&answer, "", case);
    }
}
