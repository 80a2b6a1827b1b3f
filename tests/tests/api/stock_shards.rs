//! A product's stock split over shards (`stock_shards`): holds never oversell, every unit
//! sells while someone wants it, releases go back where they were held, and the admin sets
//! the total exactly.
use capsule_tests::{spawn_app, TestApp, VISA};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Each shard's units, shard 0 first, as the table holds them.
async fn shard_units(app: &TestApp, product_id: &str) -> Vec<i64> {
    app.stack.app.store.product(product_id).await.expect("the table answers").expect("the product").units()
}

/// `count` buyers with `quantity` units of `product_id` each in their cart.
async fn buyers(app: &TestApp, product_id: &str, count: usize, quantity: i64) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..count {
        let (_, token) = app.customer(&format!("shard-buyer{i}")).await;
        assert_eq!(app.add(&token, product_id, quantity).await.status, StatusCode::OK);
        tokens.push(token);
    }
    tokens
}

/// Races every buyer's checkout; the number that held, after checking every other one was
/// told the stock is short (never an error).
async fn race(app: &TestApp, tokens: &[String]) -> usize {
    let answers = futures::future::join_all(tokens.iter().map(|t| app.checkout(t))).await;
    for lost in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        assert_eq!((lost.status, lost.code()), (StatusCode::CONFLICT, "insufficient_stock"), "{}", lost.body);
    }
    answers.iter().filter(|a| a.status == StatusCode::CREATED).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_buyers_on_fifteen_units_over_four_shards_hold_exactly_fifteen() {
    let app = spawn_app().await;
    let product = app.product_with_shards(2990, 15, 4).await;
    assert_eq!(shard_units(&app, &product).await, vec![4, 4, 4, 3]);
    let tokens = buyers(&app, &product, 40, 1).await;
    assert_eq!(race(&app, &tokens).await, 15, "every unit sold, none twice");
    assert_eq!(shard_units(&app, &product).await, vec![0, 0, 0, 0], "no shard below zero, none stranded");
    assert_eq!(app.stock(&product).await, 0);
}

/// The last units sit one per shard: buyers whose shard is gone meanwhile find another, and
/// a line larger than any shard is held from several.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_units_in_other_shards_than_a_buyers_still_sell() {
    let app = spawn_app().await;
    // As many buyers as units, one per shard: whoever finds its shard taken must find another.
    let product = app.product_with_shards(1000, 8, 8).await;
    assert_eq!(shard_units(&app, &product).await, vec![1; 8]);
    let tokens = buyers(&app, &product, 8, 1).await;
    assert_eq!(race(&app, &tokens).await, 8, "every buyer holds a unit: none is refused while one is left");
    assert_eq!(app.stock(&product).await, 0);

    let product = app.product_with_shards(1000, 4, 4).await;
    let tokens = buyers(&app, &product, 2, 3).await;
    let placed = app.checkout(&tokens[0]).await;
    assert_eq!(placed.status, StatusCode::CREATED, "3 units from 3 shards of 1: {}", placed.body);
    assert_eq!(shard_units(&app, &product).await.iter().filter(|u| **u == 0).count(), 3);
    let short = app.checkout(&tokens[1]).await;
    assert_eq!(short.code(), "insufficient_stock", "refused only once the shards together are short");
    assert_eq!(short.body["error"]["details"]["lines"][0]["available"], 1, "{}", short.body);
}

/// A cancelled order and an expired hold give their units back to the shards they came
/// from: every shard ends where it started.
#[tokio::test]
async fn releases_go_back_to_the_shards_the_order_held() {
    let app = spawn_app().await;
    let product = app.product_with_shards(1500, 8, 4).await;
    let (_, canceller) = app.customer("shard-canceller").await;
    app.add(&canceller, &product, 3).await;
    let placed = app.checkout(&canceller).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let held = shard_units(&app, &product).await;
    assert_eq!(held.iter().sum::<i64>(), 5);
    assert!(held.iter().filter(|u| **u < 2).count() >= 2, "3 units from shards of 2 come from two of them: {held:?}");
    let order_id = placed.body["order_id"].as_str().expect("order_id");
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&canceller), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    assert_eq!(shard_units(&app, &product).await, vec![2, 2, 2, 2]);

    let (_, slow) = app.customer("shard-slow").await;
    app.add(&slow, &product, 5).await;
    assert_eq!(app.checkout(&slow).await.status, StatusCode::CREATED);
    assert_eq!(app.stock(&product).await, 3);
    app.stack.clock.advance(31 * 60);
    assert_eq!(app.run_job("release-expired-reservations").await["released"], 1);
    assert_eq!(shard_units(&app, &product).await, vec![2, 2, 2, 2]);
    assert_eq!(app.stock(&product).await, 8);
}

async fn patch(app: &TestApp, admin: &str, id: &str, body: Value) -> Value {
    let answer = app.call(Method::PATCH, &format!("/admin/products/{id}"), Some(admin), Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

/// The admin names the shard count (or gets one by the stock), sets the total across the
/// shards exactly, and changes the count without stranding a unit held before.
#[tokio::test]
async fn the_admin_sets_the_shard_count_and_the_total_across_the_shards() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let new = |stock: i64, shards: Value| {
        json!({"name": "Casquette Éclatée", "description": "d", "price_cents": 1000, "stock": stock,
               "stock_shards": shards, "product_discount": false})
    };
    for bad in [json!(0), json!(33), json!(-1)] {
        let refused = app.post("/admin/products", Some(&admin), new(10, bad)).await;
        assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{}", refused.body);
        assert_eq!(refused.body["error"]["details"]["field"], "/stock_shards");
    }
    let automatic = app.post("/admin/products", Some(&admin), new(450, Value::Null)).await;
    assert_eq!(automatic.body["stock_shards"], 4, "one shard per 100 units: {}", automatic.body);
    let created = app.post("/admin/products", Some(&admin), new(15, json!(4))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!((created.body["stock"].clone(), created.body["stock_shards"].clone()), (json!(15), json!(4)));
    let id = created.body["product_id"].as_str().expect("product_id").to_string();
    assert_eq!(shard_units(&app, &id).await, vec![4, 4, 4, 3]);

    // A buyer holds 1 unit, then the admin sets the total: exactly what was asked.
    let (_, token) = app.customer("shard-holder").await;
    app.add(&token, &id, 1).await;
    let placed = app.checkout(&token).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    assert_eq!(patch(&app, &admin, &id, json!({"stock": 10})).await["stock"], 10);
    assert_eq!(shard_units(&app, &id).await, vec![3, 3, 2, 2]);

    // Fewer shards: the total moves to them, and the hold's shard keeps its item.
    let fewer = patch(&app, &admin, &id, json!({"stock_shards": 1})).await;
    assert_eq!((fewer["stock"].clone(), fewer["stock_shards"].clone()), (json!(10), json!(1)));
    assert_eq!(shard_units(&app, &id).await, vec![10, 0, 0, 0]);
    let refused = app
        .call(Method::PATCH, &format!("/admin/products/{id}"), Some(&admin), Some(json!({"stock_shards": 40})))
        .await;
    assert_eq!(refused.code(), "invalid_request");

    // The cancelled hold's unit comes back to its shard, and still sells.
    let order_id = placed.body["order_id"].as_str().expect("order_id");
    app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(app.stock(&id).await, 11);
    let (_, all) = app.customer("shard-takes-all").await;
    app.add(&all, &id, 11).await;
    let bought = app.checkout(&all).await;
    assert_eq!(bought.status, StatusCode::CREATED, "every unit sells: {}", bought.body);
    assert_eq!(shard_units(&app, &id).await.iter().sum::<i64>(), 0);

    // More shards, and a total set with them.
    let more = patch(&app, &admin, &id, json!({"stock": 9, "stock_shards": 6})).await;
    assert_eq!((more["stock"].clone(), more["stock_shards"].clone()), (json!(9), json!(6)));
    assert_eq!(shard_units(&app, &id).await, vec![2, 2, 2, 1, 1, 1]);
}

/// A low-stock alert reads the sum of the shards: 8 of 12 units sold over 4 shards (each
/// under the threshold of 5 by itself) alert once, at 4.
#[tokio::test]
async fn a_low_stock_alert_follows_the_sum_of_the_shards() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let product = app.product_with_shards(1000, 12, 4).await;
    let (_, first) = app.customer("shard-first").await;
    app.add(&first, &product, 6).await;
    app.buy(&first, VISA).await;
    let ours = |alerts: Value| -> Vec<Value> {
        alerts["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|a| a["product_id"] == product.as_str())
            .cloned()
            .collect()
    };
    assert!(ours(app.get("/admin/stock-alerts", Some(&admin)).await.body).is_empty(), "6 left: no alert");
    let (_, second) = app.customer("shard-second").await;
    app.add(&second, &product, 2).await;
    app.buy(&second, VISA).await;
    let alerts = ours(app.get("/admin/stock-alerts", Some(&admin)).await.body);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["stock"], 4);
}
