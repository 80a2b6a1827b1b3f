use capsule_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_cart_shows_lines_counts_prices_and_totals() {
    let app = spawn_app().await;
    let (_, token) = app.customer("cart").await;
    let cart = app.add(&token, "cap-ete", 2).await;
    assert_eq!(cart.status, StatusCode::OK, "{}", cart.body);
    let cart = app.add(&token, "cap-hiver", 1).await;
    let cart = {
        // Adding to a line that exists adds to it.
        let again = app.add(&token, "cap-ete", 1).await;
        assert_eq!(again.body["cart_id"], cart.body["cart_id"]);
        again.body
    };
    assert_eq!(cart["distinct_products"], 2);
    assert_eq!(cart["total_quantity"], 4);
    let ete = cart["items"].as_array().and_then(|i| i.iter().find(|l| l["product_id"] == "cap-ete")).expect("line");
    assert_eq!(ete["quantity"], 3);
    assert_eq!(ete["name"], "Casquette Été");
    assert_eq!(ete["unit_price_cents"], 1990);
    assert_eq!(ete["unit_effective_price_cents"], 1891);
    assert_eq!(ete["line_total_cents"], 3 * 1891);
    assert_eq!(cart["subtotal_cents"], 3 * 1891 + 3490);
    assert_eq!(cart["total_cents"], 3 * 1891 + 3490);
    assert_eq!(cart["currency"], "EUR");

    let set = app.call(Method::PUT, "/cart/items/cap-ete", Some(&token), Some(json!({"quantity": 1}))).await;
    assert_eq!(set.body["total_quantity"], 2);
    let zero = app.call(Method::PUT, "/cart/items/cap-ete", Some(&token), Some(json!({"quantity": 0}))).await;
    assert_eq!(zero.body["distinct_products"], 1);
    let deleted = app.call(Method::DELETE, "/cart/items/cap-hiver", Some(&token), None).await;
    assert_eq!(deleted.body["items"], json!([]));
    assert_eq!(deleted.body["total_cents"], 0);

    // Login returns the same cart.
    let (email, token) = app.customer("login-cart").await;
    app.add(&token, "cap-lin-sable", 2).await;
    let login = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
    assert_eq!(login.body["cart"]["total_quantity"], 2);
}

#[tokio::test]
async fn cart_changes_are_checked_against_the_contract() {
    let app = spawn_app().await;
    let (_, token) = app.customer("bad-cart").await;
    let missing = app.add(&token, "no-such-cap", 1).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "product_not_found");
    for quantity in [json!(0), json!(-1), json!(1.5), json!("2"), json!(null)] {
        let answer =
            app.post("/cart/items", Some(&token), json!({"product_id": "cap-ete", "quantity": quantity})).await;
        assert_eq!(answer.code(), "invalid_request", "quantity {quantity}");
    }
    let extra =
        app.post("/cart/items", Some(&token), json!({"product_id": "cap-ete", "quantity": 1, "price_cents": 1})).await;
    assert_eq!(extra.code(), "invalid_request");
    let negative = app.call(Method::PUT, "/cart/items/cap-ete", Some(&token), Some(json!({"quantity": -1}))).await;
    assert_eq!(negative.code(), "invalid_request");

    // Collector cap: 4 in stock.
    let too_many = app.add(&token, "cap-collector-or", 5).await;
    assert_eq!(too_many.status, StatusCode::CONFLICT);
    assert_eq!(too_many.code(), "insufficient_stock");
    // The one shape of `insufficient_stock`, as checkout gives it: every short line.
    let short = json!({"lines": [{"product_id": "cap-collector-or", "requested": 5, "available": 4}]});
    assert_eq!(too_many.body["error"]["details"], short);
    assert_eq!(app.add(&token, "cap-collector-or", 4).await.status, StatusCode::OK);
    assert_eq!(app.add(&token, "cap-collector-or", 1).await.code(), "insufficient_stock");
    assert_eq!(app.get("/cart", None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_devices_adding_at_once_end_with_one_cart_holding_both_lines() {
    let app = spawn_app().await;
    let (_, token) = app.customer("devices").await;
    let products = ["cap-ete", "cap-hiver", "cap-dad-beige", "cap-dad-kaki", "cap-lin-sable", "cap-trucker-rouge"];
    let adds = products.iter().map(|p| app.add(&token, p, 1));
    let answers = futures::future::join_all(adds).await;
    assert!(answers.iter().all(|a| a.status == StatusCode::OK));
    let ids: std::collections::HashSet<_> = answers.iter().map(|a| a.body["cart_id"].to_string()).collect();
    assert_eq!(ids.len(), 1, "one cart, whatever the concurrency");
    let cart = app.get("/cart", Some(&token)).await;
    assert_eq!(cart.body["distinct_products"], products.len());
    assert_eq!(cart.body["total_quantity"], products.len());
}

/// A cart first stored empty (by reading it, or by logging in) takes its first line.
#[tokio::test]
async fn a_cart_stored_empty_by_a_read_takes_its_first_line() {
    let app = spawn_app().await;
    let (email, _) = app.customer("reader").await;
    let token = app.login(&email).await;
    assert_eq!(app.get("/cart", Some(&token)).await.status, StatusCode::OK);
    let added = app.add(&token, "cap-ete", 1).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.body["total_quantity"], 1);
}
