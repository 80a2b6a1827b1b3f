//! The demo storefront as the local stack serves it: its files at `/` of the gateway beside
//! the API, and on an origin of its own whose config points its script at the gateway.
use capsule_tests::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn the_gateway_serves_the_storefront_beside_the_api() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/")).send().await.expect("the gateway answers");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"].to_str().expect("ascii").to_string();
    assert!(policy.contains("script-src 'self';") && policy.contains("connect-src 'self';"), "{policy}");
    let html = page.text().await.expect("html");
    for asset in ["/storefront/style.css", "/storefront/config.js", "/storefront/app.js"] {
        assert!(html.contains(asset), "the page loads {asset}");
        let answer = app.client.get(app.url(asset)).send().await.expect("the gateway answers");
        assert_eq!(answer.status(), StatusCode::OK, "{asset}");
    }
    let config = app.client.get(app.url("/storefront/config.js")).send().await.expect("config").text().await;
    assert!(config.expect("text").contains(r#"window.CAPSULE_API = "";"#), "same origin on the gateway");

    // The API is untouched around it.
    let products = app.get("/products?q=ete", None).await;
    assert_eq!(products.status, StatusCode::OK);
    assert_eq!(products.body["items"][0]["product_id"], "cap-ete");
    assert_eq!(app.get("/storefront/nothing.js", None).await.code(), "not_found");
}

#[tokio::test]
async fn the_storefront_on_its_own_origin_points_its_script_at_the_gateway() {
    let app = spawn_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = listener.local_addr().expect("address").port();
    let origins = local::storefront::origins(&listener).expect("origins");
    assert_eq!(origins, [format!("http://localhost:{port}"), format!("http://127.0.0.1:{port}")]);
    let storefront = local::storefront::serve(listener, &app.stack.base_url).expect("served");
    assert_eq!(storefront.url, format!("http://localhost:{port}"));
    let shop = format!("http://127.0.0.1:{port}");

    let config = app.client.get(format!("{shop}/storefront/config.js")).send().await.expect("config");
    let policy = config.headers()["content-security-policy"].to_str().expect("ascii").to_string();
    assert!(policy.contains(&format!("connect-src 'self' {};", app.stack.base_url)), "{policy}");
    let config = config.text().await.expect("text");
    assert!(config.contains(&format!(r#"window.CAPSULE_API = "{}";"#, app.stack.base_url)), "{config}");
    let page = app.client.get(format!("{shop}/")).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    // Only the storefront's files: the API is the gateway's.
    let api = app.client.get(format!("{shop}/products")).send().await.expect("answer");
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
}
