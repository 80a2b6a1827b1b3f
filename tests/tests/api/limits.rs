//! What a client controls never answers 500: over-long ids, codes and cursors are refused
//! (400) or name nothing (404) before the table is asked.
use capsule_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

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
