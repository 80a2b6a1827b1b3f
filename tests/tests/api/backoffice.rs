//! The admin back office: access, products (no lost update), settings, listings, alerts.
use capsule_tests::{home, spawn_app, TestApp, VISA};
use chrono::Timelike;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn admin_product(app: &TestApp, admin: &str, name: &str, price: i64, stock: i64, discounted: bool) -> String {
    let created = app
        .post("/admin/products", Some(admin), json!({"name": name, "description": "d", "price_cents": price, "stock": stock, "product_discount": discounted}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["product_id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn admin_routes_are_for_admins_only() {
    let app = spawn_app().await;
    let (_, customer) = app.customer("nosy").await;
    let routes = [
        (Method::POST, "/admin/products"),
        (Method::PATCH, "/admin/products/cap-ete"),
        (Method::GET, "/admin/settings"),
        (Method::PUT, "/admin/settings"),
        (Method::POST, "/admin/sales"),
        (Method::GET, "/admin/sales"),
        (Method::POST, "/admin/promo-codes"),
        (Method::GET, "/admin/promo-codes"),
        (Method::GET, "/admin/promo-codes/X/commissions"),
        (Method::GET, "/admin/carts?status=unpaid"),
        (Method::GET, "/admin/payments?method_type=card"),
        (Method::GET, "/admin/stock-alerts"),
    ];
    for (method, path) in routes {
        let as_customer = app.call(method.clone(), path, Some(&customer), Some(json!({}))).await;
        assert_eq!(as_customer.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(as_customer.code(), "forbidden");
        assert_eq!(
            app.call(method.clone(), path, None, Some(json!({}))).await.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn products_are_created_and_patched_with_validation() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = admin_product(&app, &admin, "Casquette Tropicale", 2500, 30, false).await;
    let found = app.get("/products?q=tropi", None).await;
    assert_eq!(found.body["items"][0]["product_id"], id.as_str());

    let patched = app
        .call(
            Method::PATCH,
            &format!("/admin/products/{id}"),
            Some(&admin),
            Some(json!({"price_cents": 2000, "product_discount": true, "name": "Casquette Île"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["price_cents"], 2000);
    assert_eq!(patched.body["effective_price_cents"], 1900);
    assert_eq!(patched.body["stock"], 30, "untouched fields stay");
    assert_eq!(app.get("/products?q=ile", None).await.body["items"][0]["product_id"], id.as_str(), "renamed in search");
    assert!(app.get("/products?q=tropi", None).await.body["items"].as_array().is_some_and(Vec::is_empty));
    let path = format!("/admin/products/{id}");
    let described = app.call(Method::PATCH, &path, Some(&admin), Some(json!({"description": "Motif tropical"}))).await;
    assert_eq!(described.status, StatusCode::OK, "{}", described.body);
    let found = app.get("/products?q=tropi", None).await;
    assert_eq!(found.body["items"][0]["product_id"], id.as_str(), "found by its new description");

    for bad in [
        json!({"price_cents": -1}),
        json!({"stock": -5}),
        json!({"name": " "}),
        json!({"colour": "red"}),
        json!({"stock": "ten"}),
    ] {
        let answer = app.call(Method::PATCH, &format!("/admin/products/{id}"), Some(&admin), Some(bad.clone())).await;
        assert_eq!(answer.code(), "invalid_request", "{bad}");
    }
    let missing = app.call(Method::PATCH, "/admin/products/nope", Some(&admin), Some(json!({"stock": 1}))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let incomplete = app.post("/admin/products", Some(&admin), json!({"name": "X", "price_cents": 1})).await;
    assert_eq!(incomplete.code(), "invalid_request");
}

/// A stock change by the admin and holds by buyers never overwrite each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_patches_and_concurrent_checkouts_lose_no_update() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = admin_product(&app, &admin, "Casquette Disputée", 1000, 40, false).await;
    let mut buyers = Vec::new();
    for i in 0..12 {
        let (_, token) = app.customer(&format!("buyer{i}")).await;
        app.add(&token, &id, 1).await;
        buyers.push(token);
    }
    let checkouts = futures::future::join_all(buyers.iter().map(|t| app.checkout(t)));
    let path = format!("/admin/products/{id}");
    let patches = futures::future::join_all((0..6).map(|i| {
        app.call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"price_cents": 1000 + i, "description": format!("v{i}")})),
        )
    }));
    let (checkouts, patches) = tokio::join!(checkouts, patches);
    assert!(patches.iter().all(|p| p.status == StatusCode::OK));
    let held = checkouts.iter().filter(|c| c.status == StatusCode::CREATED).count();
    assert_eq!(held, 12);
    assert_eq!(app.stock(&id).await, 40 - 12, "no hold was lost to a patch");

    // Setting the stock is setting what can be bought now; the next holds come off it.
    let set = app.call(Method::PATCH, &format!("/admin/products/{id}"), Some(&admin), Some(json!({"stock": 5}))).await;
    assert_eq!(set.body["stock"], 5);
    let (_, late) = app.customer("late").await;
    app.add(&late, &id, 2).await;
    assert_eq!(app.checkout(&late).await.status, StatusCode::CREATED);
    assert_eq!(app.stock(&id).await, 3);
}

#[tokio::test]
async fn settings_are_validated_and_used() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let defaults = app.get("/admin/settings", Some(&admin)).await;
    assert_eq!(defaults.body["cancellation_window_minutes"], 1440);
    assert_eq!(defaults.body["payment_session_minutes"], 30);
    assert_eq!(defaults.body["low_stock_threshold"], 5);
    assert_eq!(defaults.body["sale_unit_limit"], 20);
    assert_eq!(defaults.body["trial_days"], 14);
    let mut settings = defaults.body.clone();
    settings["home_delivery_fee_cents"] = json!(990);
    settings["payment_session_minutes"] = json!(10);
    let saved = app.call(Method::PUT, "/admin/settings", Some(&admin), Some(settings.clone())).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(app.get("/admin/settings", Some(&admin)).await.body, settings);

    for (field, value) in [
        ("home_delivery_fee_cents", json!(-1)),
        ("cancellation_window_minutes", json!(-5)),
        ("payment_session_minutes", json!(0)),
        ("stock_manager_emails", json!(["not-an-email"])),
        ("sale_unit_limit", json!(0)),
        ("gift_fees_cents", json!({"simple": -1, "birthday": 1, "wedding": 1})),
    ] {
        let mut bad = settings.clone();
        bad[field] = value;
        assert_eq!(
            app.call(Method::PUT, "/admin/settings", Some(&admin), Some(bad)).await.code(),
            "invalid_request",
            "{field}"
        );
    }
    let mut unknown = settings.clone();
    unknown["tax"] = json!(20);
    assert_eq!(app.call(Method::PUT, "/admin/settings", Some(&admin), Some(unknown)).await.code(), "invalid_request");

    let (_, token) = app.customer("fees").await;
    app.add(&token, "cap-ete", 1).await;
    let placed = app.post("/checkout", Some(&token), json!({"payment_method": "card", "delivery": home()})).await;
    assert_eq!(placed.body["order"]["delivery_fee_cents"], 990);
    let created =
        chrono::DateTime::parse_from_rfc3339(placed.body["order"]["created_at"].as_str().unwrap_or("")).expect("time");
    let expires = chrono::DateTime::parse_from_rfc3339(placed.body["expires_at"].as_str().unwrap_or("")).expect("time");
    assert_eq!((expires - created).num_minutes(), 10);
}

#[tokio::test]
async fn listings_of_unpaid_carts_and_payments_by_type() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (email, token) = app.customer("lister").await;
    app.add(&token, "cap-ete", 2).await;
    let carts = app.get("/admin/carts?status=unpaid", Some(&admin)).await;
    let mine: Vec<&Value> =
        carts.body["items"].as_array().expect("items").iter().filter(|c| c["email"] == email.as_str()).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["total_cents"], 2 * 1891);
    assert_eq!(mine[0]["items"][0]["product_id"], "cap-ete");
    assert!(mine[0]["cart_id"].is_string() && mine[0]["user_id"].is_string() && mine[0]["updated_at"].is_string());
    assert_eq!(app.get("/admin/carts?status=paid", Some(&admin)).await.code(), "invalid_request");

    let paid = app.buy(&token, VISA).await;
    let carts = app.get("/admin/carts?status=unpaid", Some(&admin)).await;
    assert!(
        carts.body["items"].as_array().expect("items").iter().all(|c| c["email"] != email.as_str()),
        "a paid cart is not unpaid"
    );

    app.add(&token, "cap-hiver", 1).await;
    let placed = app.checkout(&token).await;
    let url = placed.body["redirect_url"].as_str().expect("url");
    app.pay(url, &[("method", "crina_pay".into()), ("phone", "0601020304".into())]).await;
    app.order_when(&token, placed.body["order_id"].as_str().expect("id"), "paid").await;
    let cancelled =
        app.post(&format!("/orders/{}/cancel", paid["order_id"].as_str().expect("id")), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");

    let cards = app.get("/admin/payments?method_type=card", Some(&admin)).await;
    let statuses: Vec<(&str, i64)> = cards.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| (p["status"].as_str().unwrap_or(""), p["amount_cents"].as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(statuses, vec![("refunded", 3782), ("succeeded", 3782)], "newest first, refunds included");
    assert!(cards.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|p| p["method_type"] == "card" && p["order_id"] == paid["order_id"]));
    let crina = app.get("/admin/payments?method_type=crina_pay", Some(&admin)).await;
    assert_eq!(crina.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(crina.body["items"][0]["amount_cents"], 3490);
    assert_eq!(app.get("/admin/payments", Some(&admin)).await.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(app.get("/admin/payments?method_type=cash", Some(&admin)).await.code(), "invalid_request");
    let page = app.get("/admin/payments?limit=2", Some(&admin)).await;
    let next = page.body["next_cursor"].as_str().expect("a second page");
    assert_eq!(
        app.get(&format!("/admin/payments?limit=2&cursor={next}"), Some(&admin)).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

/// A stock manager of the test's own: where the low-stock emails go.
async fn stock_manager(app: &TestApp, admin: &str) -> String {
    let manager = capsule_tests::unique_email("stock-manager");
    let mut settings = app.get("/admin/settings", Some(admin)).await.body;
    settings["stock_manager_emails"] = json!([manager]);
    app.call(Method::PUT, "/admin/settings", Some(admin), Some(settings)).await;
    manager
}

#[tokio::test]
async fn low_stock_alerts_go_out_once_and_re_arm() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let manager = stock_manager(&app, &admin).await;
    let id = admin_product(&app, &admin, "Casquette Rare", 1000, 7, false).await;
    assert_eq!(app.get(&format!("/products/{id}"), None).await.body["low_stock"], false);

    let (_, token) = app.customer("drainer").await;
    app.add(&token, &id, 3).await;
    app.buy(&token, VISA).await;
    assert_eq!(app.get(&format!("/products/{id}"), None).await.body["low_stock"], true);
    let (_, other) = app.customer("drainer2").await;
    app.add(&other, &id, 1).await;
    app.buy(&other, VISA).await;
    let mails = app.emails_to(&manager).await;
    assert_eq!(mails.len(), 1, "once, not at every sale under the threshold");
    // In the shop's language (Le Djoor's is French), as the managers read it.
    assert_eq!(app.get("/admin/settings", Some(&admin)).await.body["default_locale"], "fr");
    assert_eq!(mails[0]["subject"], "Stock bas : Casquette Rare");
    let body = mails[0]["text"].as_str().unwrap_or_default();
    assert!(body.contains("Il reste 4 Casquette Rare") && body.contains("sous le seuil de 5"), "{body}");
    let alerts = app.get("/admin/stock-alerts", Some(&admin)).await;
    let ours: Vec<&Value> =
        alerts.body["items"].as_array().expect("items").iter().filter(|a| a["product_id"] == id.as_str()).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["stock"], 4);
    assert_eq!(ours[0]["name"], "Casquette Rare");
    assert!(ours[0]["alerted_at"].is_string());

    // Set back at the threshold re-arms it; sold under again alerts again.
    app.call(Method::PATCH, &format!("/admin/products/{id}"), Some(&admin), Some(json!({"stock": 5}))).await;
    let (_, third) = app.customer("drainer3").await;
    app.add(&third, &id, 1).await;
    app.buy(&third, VISA).await;
    assert_eq!(app.emails_to(&manager).await.len(), 2);
}

/// Five times: check out 2 of the 6 units, then cancel. Holds that come back are no sale:
/// no alert, however often. A sale under the threshold alerts once, and units coming back
/// from its cancellation do not re-arm it; an admin's stock change does. Every alert sent
/// is listed, two in one second included.
#[tokio::test]
async fn units_held_and_given_back_never_flood_the_stock_managers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let manager = stock_manager(&app, &admin).await;
    let id = admin_product(&app, &admin, "Casquette Convoitée", 1000, 6, false).await;
    let (_, token) = app.customer("flooder").await;
    app.add(&token, &id, 2).await;
    for _ in 0..5 {
        let placed = app.checkout(&token).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let order = placed.body["order_id"].as_str().expect("id");
        let cancelled = app.post(&format!("/orders/{order}/cancel"), Some(&token), json!({})).await;
        assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    }
    assert_eq!(app.stock(&id).await, 6);
    assert_eq!(app.emails_to(&manager).await.len(), 0, "holds given back are no sale");

    // Bought and cancelled, twice: one alert, the first sale's.
    for _ in 0..2 {
        let paid = app.buy(&token, VISA).await;
        let order = paid["order_id"].as_str().expect("id");
        let cancelled = app.post(&format!("/orders/{order}/cancel"), Some(&token), json!({})).await;
        assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
        app.add(&token, &id, 2).await;
    }
    assert_eq!(app.emails_to(&manager).await.len(), 1, "a customer cannot re-arm the alert");

    // Twice in one second of the clock, the admin restocks (re-armed), then sets the stock
    // under the threshold: alerted each time.
    let path = format!("/admin/products/{id}");
    let patch = |stock: i64| app.call(Method::PATCH, &path, Some(&admin), Some(json!({"stock": stock})));
    let now = shared::clock::Clock::now(app.stack.clock.as_ref()) + chrono::Duration::seconds(2);
    let second = now.with_nanosecond(0).expect("a whole second");
    for _ in 0..2 {
        app.stack.clock.set(second);
        assert_eq!(patch(20).await.status, StatusCode::OK);
        assert_eq!(patch(3).await.status, StatusCode::OK);
    }
    assert_eq!(app.emails_to(&manager).await.len(), 3);
    let alerts = app.get("/admin/stock-alerts?limit=100", Some(&admin)).await;
    let mut listed: Vec<i64> = alerts.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|a| a["product_id"] == id.as_str())
        .map(|a| a["stock"].as_i64().expect("stock"))
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, [3, 3, 4], "every alert sent is listed");
}
