//! A storefront on another origin: CORS as API Gateway plays it (preflights, marked
//! answers, nothing for other origins) and the return URLs the payment page sends the
//! buyer to, which must be on an allowed origin (no open redirect).
use capsule_tests::{card_form, pickup, spawn_app, TestApp, SHOP_ORIGIN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::http::routes::ROUTES;

const EVIL: &str = "https://shop.example.evil.test";

async fn from_origin(app: &TestApp, method: Method, path: &str, origin: &str) -> reqwest::Response {
    app.client.request(method, app.url(path)).header("origin", origin).send().await.expect("the gateway answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn preflight(app: &TestApp, path: &str, method: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .expect("the gateway answers")
}

#[tokio::test]
async fn answers_to_an_allowed_origin_are_marked_and_others_are_not() {
    let app = spawn_app().await;
    let allowed = from_origin(&app, Method::GET, "/products", SHOP_ORIGIN).await;
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(header(&allowed, "access-control-allow-origin"), Some(SHOP_ORIGIN));
    assert!(header(&allowed, "vary").is_some_and(|v| v.to_lowercase().contains("origin")));
    assert_eq!(header(&allowed, "access-control-allow-credentials"), None, "bearer tokens, no credentials");

    // Errors too, so the storefront can read the contract's error code.
    let refused = from_origin(&app, Method::GET, "/cart", SHOP_ORIGIN).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&refused, "access-control-allow-origin"), Some(SHOP_ORIGIN));

    // The stack's own origins are allowed by default (the storefront it serves).
    let port = app.stack.base_url.rsplit(':').next().expect("a port").to_string();
    for own in [app.stack.base_url.clone(), format!("http://localhost:{port}")] {
        let answer = from_origin(&app, Method::GET, "/products", &own).await;
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(own.as_str()));
    }

    for other in [EVIL, "http://shop.example", "https://shop.example:8443", "null"] {
        let answer = from_origin(&app, Method::GET, "/products", other).await;
        assert_eq!(answer.status(), StatusCode::OK, "the answer itself is the same");
        assert_eq!(header(&answer, "access-control-allow-origin"), None, "{other} is not allowed");
        let asked = preflight(&app, "/cart/items", "POST", other).await;
        assert_eq!(asked.status(), StatusCode::NO_CONTENT);
        assert_eq!(header(&asked, "access-control-allow-origin"), None, "{other} gets no policy");
        assert_eq!(header(&asked, "access-control-allow-methods"), None);
    }
}

#[tokio::test]
async fn every_route_answers_a_preflight_for_its_method() {
    let app = spawn_app().await;
    for route in ROUTES {
        let path = concrete(route.path);
        let answer = preflight(&app, &path, route.method, SHOP_ORIGIN).await;
        let what = format!("{} {}", route.method, route.path);
        assert_eq!(answer.status(), StatusCode::NO_CONTENT, "{what}");
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(SHOP_ORIGIN), "{what}");
        let methods = header(&answer, "access-control-allow-methods").unwrap_or_default();
        assert!(methods.split(", ").any(|m| m == route.method), "{what}: {methods}");
        let headers = header(&answer, "access-control-allow-headers").unwrap_or_default();
        assert!(headers.contains("authorization") && headers.contains("content-type"), "{what}: {headers}");
        assert_eq!(header(&answer, "access-control-max-age"), Some("600"), "{what}");
    }
    // A method no route uses gets no policy.
    let answer = preflight(&app, "/products", "TRACE", SHOP_ORIGIN).await;
    assert_eq!(header(&answer, "access-control-allow-origin"), None);
}

/// A route's path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.split('/').map(|part| if part.starts_with('{') { "x1" } else { part }).collect::<Vec<_>>().join("/")
}

async fn shopper(app: &TestApp) -> (String, String) {
    let (_, token) = app.customer("shopper").await;
    let product = app.product_with_stock(1500, 5).await;
    assert!(app.add(&token, &product, 2).await.status.is_success());
    (token, product)
}

fn checkout_body(success: Option<&str>, cancel: Option<&str>) -> Value {
    let mut body = json!({"payment_method": "card", "delivery": pickup()});
    if let Some(url) = success {
        body["success_url"] = json!(url);
    }
    if let Some(url) = cancel {
        body["cancel_url"] = json!(url);
    }
    body
}

#[tokio::test]
async fn return_urls_off_the_allowed_origins_are_refused_before_anything_is_held() {
    let app = spawn_app().await;
    let (token, product) = shopper(&app).await;
    let good = format!("{SHOP_ORIGIN}/thanks");
    let long = format!("{SHOP_ORIGIN}/{}", "a".repeat(2100));
    for (success, cancel) in [
        (Some(format!("{EVIL}/thanks")), None),
        (None, Some("javascript:alert(1)".to_string())),
        (Some("/relative".to_string()), None),
        (Some(format!("https://user:pw@{}/x", &SHOP_ORIGIN[8..])), None),
        (Some(good.clone()), Some("http://shop.example/back".to_string())),
        (Some(long), None),
    ] {
        let answer = app.post("/checkout", Some(&token), checkout_body(success.as_deref(), cancel.as_deref())).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "invalid_return_url"),
            "{success:?} {cancel:?}: {}",
            answer.body
        );
    }
    assert_eq!(app.stock(&product).await, 5, "nothing was held");
    assert_eq!(app.get("/orders", Some(&token)).await.body["items"], json!([]));
    // The cart is not locked: a checkout with good URLs goes through.
    let placed = app.post("/checkout", Some(&token), checkout_body(Some(&good), None)).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
}

#[tokio::test]
async fn the_payment_page_sends_the_buyer_back_to_the_storefront() {
    let app = spawn_app().await;
    let (token, _) = shopper(&app).await;
    let success = format!("{SHOP_ORIGIN}/orders/done?step=3");
    let cancel = format!("{SHOP_ORIGIN}/cart");
    let placed = app.post("/checkout", Some(&token), checkout_body(Some(&success), Some(&cancel))).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_string();
    let page_url = placed.body["redirect_url"].as_str().expect("redirect_url").to_string();

    // The page links back to the shop, and lets its form's answer go there.
    let page = app.client.get(&page_url).send().await.expect("the page");
    let policy = header(&page, "content-security-policy").unwrap_or_default().to_string();
    assert!(policy.contains(&format!("form-action 'self' {SHOP_ORIGIN};")), "{policy}");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains(&format!(r#"id="back-to-shop" href="{cancel}?order_id={order_id}""#)), "{html}");

    let (status, location, _) = app.pay(&page_url, &card_form("4242424242424242")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(format!("{success}&order_id={order_id}").as_str()));
    app.order_when(&token, &order_id, "paid").await;
    // A second submission, or the page opened again, sends the buyer to the same place.
    let (again, location_again, _) = app.pay(&page_url, &card_form("4242424242424242")).await;
    assert_eq!((again, location_again), (StatusCode::SEE_OTHER, location.clone()));
    let reopened = app.client.get(&page_url).send().await.expect("the page");
    assert_eq!(header(&reopened, "location"), location.as_deref());
}

#[tokio::test]
async fn a_declined_payment_goes_back_to_the_cancel_url_and_no_url_keeps_the_return_page() {
    let app = spawn_app().await;
    let (token, _) = shopper(&app).await;
    let cancel = format!("{SHOP_ORIGIN}/cart#payment");
    let placed =
        app.post("/checkout", Some(&token), checkout_body(Some(&format!("{SHOP_ORIGIN}/thanks")), Some(&cancel))).await;
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_string();
    let page_url = placed.body["redirect_url"].as_str().expect("redirect_url").to_string();
    let (status, location, _) = app.pay(&page_url, &card_form("4000000000000002")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("{SHOP_ORIGIN}/cart?order_id={order_id}#payment")));
    app.order_when(&token, &order_id, "payment_failed").await;

    // Without return URLs the page's own return page stays, and it links nowhere else.
    let placed = app.post("/checkout", Some(&token), checkout_body(None, None)).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let page_url = placed.body["redirect_url"].as_str().expect("redirect_url").to_string();
    let page = app.client.get(&page_url).send().await.expect("the page");
    assert!(header(&page, "content-security-policy").unwrap_or_default().contains("form-action 'self';"));
    assert!(!page.text().await.unwrap_or_default().contains("back-to-shop"));
    let (_, location, _) = app.pay(&page_url, &card_form("4242424242424242")).await;
    assert!(location.is_some_and(|l| l.starts_with("/portal/sessions/") && l.ends_with("/return")));
}

#[tokio::test]
async fn a_subscription_page_returns_to_the_storefront_with_the_subscription() {
    let app = spawn_app().await;
    let (_, token) = app.customer("subscriber").await;
    let refused = app
        .post(
            "/subscriptions",
            Some(&token),
            json!({"plan_id": "normal", "payment_method": "card", "cancel_url": format!("{EVIL}/")}),
        )
        .await;
    assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "invalid_return_url"));
    assert_eq!(app.get("/subscriptions", Some(&token)).await.body["items"], json!([]), "nothing was created");

    let success = format!("{SHOP_ORIGIN}/account/subscription");
    let created = app
        .post(
            "/subscriptions",
            Some(&token),
            json!({"plan_id": "normal", "payment_method": "card", "success_url": success}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["subscription_id"].as_str().expect("id").to_string();
    let page_url = created.body["redirect_url"].as_str().expect("redirect_url").to_string();
    let (status, location, _) = app.pay(&page_url, &card_form("4242424242424242")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("{success}?subscription_id={id}")));
}
