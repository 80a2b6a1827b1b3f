//! Le Djoor's rules through the whole stack: sales, the per-sale limit, promo codes and
//! commissions, and one breakdown everywhere.
use capsule_tests::{home, spawn_app, TestApp, VISA};
use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn at(offset: Duration, app: &TestApp) -> String {
    shared::clock::rfc3339(shared::clock::Clock::now(app.stack.clock.as_ref()) + offset)
}

async fn sale(
    app: &TestApp,
    admin: &str,
    products: &[&str],
    percent: i64,
    from: Duration,
    to: Duration,
) -> capsule_tests::Answer {
    app.post(
        "/admin/sales",
        Some(admin),
        json!({"name": "Soldes", "starts_at": at(from, app), "ends_at": at(to, app), "percent": percent, "product_ids": products}),
    )
    .await
}

#[tokio::test]
async fn a_sale_prices_its_products_while_the_clock_is_inside_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // cap-ete carries the 5% product discount; the sale replaces it, never adds to it.
    let created = sale(&app, &admin, &["cap-ete", "cap-hiver"], 30, Duration::minutes(10), Duration::hours(2)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["percent"], 30);
    assert_eq!(
        app.get("/products/cap-ete", None).await.body["discount"],
        json!({"kind": "product", "percent": 5}),
        "not started"
    );

    app.stack.clock.advance(11 * 60);
    let ete = app.get("/products/cap-ete", None).await.body;
    assert_eq!(ete["discount"], json!({"kind": "sale", "percent": 30}));
    assert_eq!(ete["effective_price_cents"], 1393, "1990 - 30%, rounded half up");
    assert_eq!(app.get("/products/cap-hiver", None).await.body["effective_price_cents"], 2443);
    let (_, token) = app.customer("saler").await;
    let cart = app.add(&token, "cap-ete", 2).await;
    assert_eq!(cart.body["items"][0]["unit_effective_price_cents"], 1393);

    app.stack.clock.advance(2 * 3600);
    assert_eq!(
        app.get("/products/cap-ete", None).await.body["discount"],
        json!({"kind": "product", "percent": 5}),
        "ended"
    );
    let admin = app.admin_token().await;
    let listed = app.get("/admin/sales", Some(&admin)).await;
    assert_eq!(listed.body["items"][0]["sale_id"], created.body["sale_id"]);
}

#[tokio::test]
async fn overlapping_sales_on_one_product_are_refused_even_when_created_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert_eq!(
        sale(&app, &admin, &["cap-ete"], 10, Duration::hours(1), Duration::hours(3)).await.status,
        StatusCode::CREATED
    );
    let overlap = sale(&app, &admin, &["cap-hiver", "cap-ete"], 20, Duration::hours(2), Duration::hours(4)).await;
    assert_eq!(overlap.status, StatusCode::CONFLICT);
    assert_eq!(overlap.code(), "sale_overlap");
    assert_eq!(
        app.get("/admin/sales", Some(&admin)).await.body["items"].as_array().map(Vec::len),
        Some(1),
        "all or nothing"
    );
    // Back to back is not an overlap.
    assert_eq!(
        sale(&app, &admin, &["cap-ete"], 20, Duration::hours(3), Duration::hours(4)).await.status,
        StatusCode::CREATED
    );

    let (a, b) = tokio::join!(
        sale(&app, &admin, &["cap-dad-kaki"], 10, Duration::hours(1), Duration::hours(3)),
        sale(&app, &admin, &["cap-dad-kaki", "cap-lin-sable"], 15, Duration::hours(2), Duration::hours(5)),
    );
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::CREATED, StatusCode::CONFLICT]);

    for bad in [
        json!({"name": "x", "starts_at": at(Duration::hours(2), &app), "ends_at": at(Duration::hours(1), &app), "percent": 10, "product_ids": ["cap-ete"]}),
        json!({"name": "x", "starts_at": at(Duration::hours(9), &app), "ends_at": at(Duration::hours(10), &app), "percent": 101, "product_ids": ["cap-ete"]}),
        json!({"name": "x", "starts_at": at(Duration::hours(9), &app), "ends_at": at(Duration::hours(10), &app), "percent": 10, "product_ids": []}),
        json!({"name": "x", "starts_at": at(Duration::hours(9), &app), "ends_at": at(Duration::hours(10), &app), "percent": 10, "product_ids": ["nope"]}),
        json!({"name": "x", "starts_at": "tomorrow", "ends_at": at(Duration::hours(10), &app), "percent": 10, "product_ids": ["cap-ete"]}),
    ] {
        assert_eq!(app.post("/admin/sales", Some(&admin), bad.clone()).await.code(), "invalid_request", "{bad}");
    }
}

#[tokio::test]
async fn one_buyer_takes_at_most_the_limit_of_a_sale_product_over_the_whole_sale() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert_eq!(
        sale(&app, &admin, &["cap-classic-noir"], 10, Duration::seconds(-60), Duration::hours(5)).await.status,
        StatusCode::CREATED
    );
    let (email, token) = app.customer("greedy").await;
    assert_eq!(app.add(&token, "cap-classic-noir", 15).await.status, StatusCode::OK);
    let over = app.add(&token, "cap-classic-noir", 6).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(over.code(), "sale_limit_exceeded");
    assert_eq!(over.body["error"]["details"], json!({"product_id": "cap-classic-noir", "limit": 20, "already": 15}));
    assert_eq!(app.add(&token, "cap-classic-noir", 5).await.status, StatusCode::OK, "exactly the limit is fine");
    let paid = app.buy(&token, VISA).await;

    // Paid units count for the rest of the sale.
    let refused = app.add(&token, "cap-classic-noir", 1).await;
    assert_eq!(refused.code(), "sale_limit_exceeded");
    assert_eq!(refused.body["error"]["details"]["already"], 20);
    // Other products are not limited, and a cancelled order frees its units.
    assert_eq!(app.add(&token, "cap-ete", 25).await.status, StatusCode::OK);
    let token = app.login(&email).await;
    let cancelled =
        app.post(&format!("/orders/{}/cancel", paid["order_id"].as_str().expect("id")), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(app.add(&token, "cap-classic-noir", 20).await.status, StatusCode::OK);

    // Filled before the sale, refused at checkout once the sale runs.
    let (_, early) = app.customer("early").await;
    app.add(&early, "cap-hiver", 25).await;
    assert_eq!(
        sale(&app, &admin, &["cap-hiver"], 10, Duration::seconds(-1), Duration::hours(5)).await.status,
        StatusCode::CREATED
    );
    let at_checkout = app.checkout(&early).await;
    assert_eq!(at_checkout.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(at_checkout.body["error"]["details"], json!({"product_id": "cap-hiver", "limit": 20, "already": 0}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_checkouts_past_the_sale_limit_end_with_one_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert_eq!(
        sale(&app, &admin, &["cap-dad-beige"], 10, Duration::seconds(-60), Duration::hours(5)).await.status,
        StatusCode::CREATED
    );
    let (_, token) = app.customer("racer").await;
    app.add(&token, "cap-dad-beige", 12).await;
    let answers = futures::future::join_all((0..4).map(|_| app.checkout(&token))).await;
    assert_eq!(answers.iter().filter(|a| a.status == StatusCode::CREATED).count(), 1);
    assert!(answers
        .iter()
        .filter(|a| a.status != StatusCode::CREATED)
        .all(|a| a.status == StatusCode::CONFLICT || a.status == StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(app.stock("cap-dad-beige").await, 90 - 12, "one hold");
    // The 12 held count against the limit once paid: 9 more would pass 20, 8 do not.
    let won = answers.iter().find(|a| a.status == StatusCode::CREATED).expect("a winner");
    app.pay(won.body["redirect_url"].as_str().expect("url"), &capsule_tests::card_form(VISA)).await;
    app.order_when(&token, won.body["order_id"].as_str().expect("id"), "paid").await;
    let over = app.add(&token, "cap-dad-beige", 9).await;
    assert_eq!(over.body["error"]["details"]["already"], 12);
    assert_eq!(app.add(&token, "cap-dad-beige", 8).await.status, StatusCode::OK);
}

async fn promo(app: &TestApp, admin: &str, code: &str, owner: &str, extra: Value) -> capsule_tests::Answer {
    let mut body = json!({"code": code, "owner_user_id": owner, "discount_percent": 10, "commission_percent": 5});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    app.post("/admin/promo-codes", Some(admin), body).await
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await.body["user"]["user_id"]
        .as_str()
        .expect("user id")
        .to_string()
}

#[tokio::test]
async fn promo_codes_apply_to_others_until_expired_or_used_up() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (owner_email, owner_token) = app.customer("influencer").await;
    let owner = user_id(&app, &owner_email).await;
    let created = promo(&app, &admin, "djoor10", &owner, json!({"expires_at": at(Duration::days(1), &app)})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["code"], "DJOOR10");
    assert_eq!(promo(&app, &admin, "DJOOR10", &owner, json!({})).await.code(), "promo_code_taken");
    for bad in
        [json!({"discount_percent": 101}), json!({"max_uses": 0}), json!({"expires_at": at(Duration::days(-1), &app)})]
    {
        assert_eq!(promo(&app, &admin, "BAD1", &owner, bad.clone()).await.code(), "invalid_request", "{bad}");
    }
    assert_eq!(promo(&app, &admin, "BAD2", "nobody", json!({})).await.code(), "invalid_request");

    let (_, buyer) = app.customer("buyer").await;
    app.add(&buyer, "cap-hiver", 2).await;
    let applied = app.post("/cart/promo-code", Some(&buyer), json!({"code": "djoor10"})).await;
    assert_eq!(applied.status, StatusCode::OK);
    assert_eq!(applied.body["promo_code"], "DJOOR10");
    assert_eq!(applied.body["promo_discount_cents"], 698);
    assert_eq!(applied.body["total_cents"], 6980 - 698);
    let removed = app.call(Method::DELETE, "/cart/promo-code", Some(&buyer), None).await;
    assert_eq!(removed.body["promo_code"], Value::Null);
    assert_eq!(removed.body["total_cents"], 6980);

    for (token, code) in [(&owner_token, "DJOOR10"), (&buyer, "NOPE")] {
        let refused = app.post("/cart/promo-code", Some(token), json!({"code": code})).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(refused.code(), "promo_code_not_found");
    }
    app.stack.clock.advance(2 * 86_400);
    let (_, fresh) = app.customer("late-buyer").await;
    assert_eq!(
        app.post("/cart/promo-code", Some(&fresh), json!({"code": "DJOOR10"})).await.code(),
        "promo_code_not_found",
        "expired"
    );
}

#[tokio::test]
async fn a_deactivated_promo_code_is_refused_like_an_expired_one() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (owner_email, _) = app.customer("retired").await;
    let owner = user_id(&app, &owner_email).await;
    assert_eq!(promo(&app, &admin, "OFF10", &owner, json!({})).await.body["active"], true);
    let (_, early) = app.customer("early").await;
    app.add(&early, "cap-hiver", 2).await;
    let applied = app.post("/cart/promo-code", Some(&early), json!({"code": "OFF10"})).await;
    assert_eq!(applied.body["promo_discount_cents"], 698, "{}", applied.body);

    let deactivated = app.post("/admin/promo-codes/off10/deactivate", Some(&admin), json!({})).await;
    assert_eq!(
        (deactivated.status, &deactivated.body["active"]),
        (StatusCode::OK, &json!(false)),
        "{}",
        deactivated.body
    );
    let again = app.post("/admin/promo-codes/OFF10/deactivate", Some(&admin), json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "deactivating twice changes nothing");
    let unknown = app.post("/admin/promo-codes/NOPE/deactivate", Some(&admin), json!({})).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "promo_code_not_found"));
    let listed = app.get("/admin/promo-codes", Some(&admin)).await;
    assert_eq!(listed.body["items"][0]["active"], false, "{}", listed.body);

    let (_, late) = app.customer("late").await;
    app.add(&late, "cap-hiver", 2).await;
    let refused = app.post("/cart/promo-code", Some(&late), json!({"code": "OFF10"})).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::NOT_FOUND, "promo_code_not_found"));
    let cart = app.get("/cart", Some(&early)).await;
    assert_eq!(cart.body["total_cents"], 6980, "the cart that held it is priced without it: {}", cart.body);
    let placed = app.checkout(&early).await;
    assert_eq!((placed.status, placed.code()), (StatusCode::NOT_FOUND, "promo_code_not_found"), "as if expired");
}

/// 50 buyers racing for a code with one use: one order uses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_buyers_racing_for_a_single_use_code_end_with_one_order_using_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (owner_email, _) = app.customer("owner").await;
    let owner = user_id(&app, &owner_email).await;
    assert_eq!(promo(&app, &admin, "ONCE", &owner, json!({"max_uses": 1})).await.status, StatusCode::CREATED);
    let mut buyers = Vec::new();
    for i in 0..50 {
        let (_, token) = app.customer(&format!("p{i}")).await;
        app.add(&token, "cap-classic-blanc", 1).await;
        assert_eq!(app.post("/cart/promo-code", Some(&token), json!({"code": "ONCE"})).await.status, StatusCode::OK);
        buyers.push(token);
    }
    let answers = futures::future::join_all(buyers.iter().map(|t| app.checkout(t))).await;
    let with_code: Vec<&capsule_tests::Answer> =
        answers.iter().filter(|a| a.status == StatusCode::CREATED && a.body["order"]["promo_code"] == "ONCE").collect();
    assert_eq!(with_code.len(), 1, "one order uses it");
    assert!(answers.iter().filter(|a| a.status != StatusCode::CREATED).all(|a| a.code() == "promo_code_not_found"));
    assert_eq!(app.stock("cap-classic-blanc").await, 80 - 1, "the refused checkouts held nothing");
    // The winner's payment failing gives the use back.
    let url = with_code[0].body["redirect_url"].as_str().expect("url");
    app.pay(url, &capsule_tests::card_form(capsule_tests::DECLINED)).await;
    app.stack.drain().await;
    let promo_now = app.get("/admin/promo-codes", Some(&admin)).await;
    let uses = promo_now.body["items"]
        .as_array()
        .and_then(|i| i.iter().find(|p| p["code"] == "ONCE"))
        .map(|p| p["uses"].clone())
        .expect("listed");
    assert_eq!(uses, 0);
}

/// A sale item, the product discount, the 10% tier, a promo code, home delivery and a
/// wedding gift: the same amounts in the cart, the order, the invoice and the commission.
#[tokio::test]
async fn one_breakdown_in_the_cart_the_order_the_invoice_and_the_commission() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut ids = Vec::new();
    for i in 0..11 {
        let created = app
            .post("/admin/products", Some(&admin), json!({"name": format!("Casquette Lot {i}"), "description": "lot", "price_cents": 1000, "stock": 50, "product_discount": i == 0}))
            .await;
        ids.push(created.body["product_id"].as_str().expect("id").to_string());
    }
    assert_eq!(
        sale(&app, &admin, &[ids[1].as_str()], 20, Duration::seconds(-60), Duration::hours(3)).await.status,
        StatusCode::CREATED
    );
    let (owner_email, owner_token) = app.customer("owner").await;
    let owner = user_id(&app, &owner_email).await;
    assert_eq!(promo(&app, &admin, "LEDJOOR", &owner, json!({})).await.status, StatusCode::CREATED);
    let _ = owner_token;

    let (email, token) = app.customer("big-buyer").await;
    for id in &ids {
        app.add(&token, id, 4).await;
    }
    let cart = app.post("/cart/promo-code", Some(&token), json!({"code": "LEDJOOR"})).await.body;
    // 4 x 950 (5% product) + 4 x 800 (20% sale) + 9 x 4 x 1000 = 43000.
    assert_eq!(cart["subtotal_cents"], 43_000);
    assert_eq!(cart["volume_discount_percent"], 10, "11 products with 4 units each");
    assert_eq!(cart["volume_discount_cents"], 4_300);
    assert_eq!(cart["promo_discount_cents"], 3_870, "10% of 38700");
    assert_eq!(cart["total_cents"], 34_830);

    let placed = app
        .post("/checkout", Some(&token), json!({"payment_method": "card", "delivery": home(), "gift": {"type": "wedding", "message": "Tous nos voeux"}}))
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order = &placed.body["order"];
    assert_eq!(order["subtotal_cents"], 43_000);
    assert_eq!(
        order["discounts"],
        json!([{"kind": "volume", "percent": 10, "amount_cents": 4300}, {"kind": "promo", "percent": 10, "amount_cents": 3870}])
    );
    assert_eq!(order["delivery_fee_cents"], 590);
    assert_eq!(order["gift_fee_cents"], 500);
    assert_eq!(order["total_cents"], 34_830 + 590 + 500, "discounts never touch fees");
    let lines: Vec<i64> = order["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| l["unit_effective_price_cents"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(lines[..2], [950, 800]);

    app.pay(placed.body["redirect_url"].as_str().expect("url"), &capsule_tests::card_form(VISA)).await;
    let paid = app.order_when(&token, placed.body["order_id"].as_str().expect("id"), "paid").await;
    assert_eq!(paid["total_cents"], 35_920);
    app.number_invoices().await;
    let invoice = app.emails_to(&email).await;
    assert_eq!(invoice.len(), 1, "the invoice, once");
    let text = invoice[0]["text"].as_str().unwrap_or_default();
    for amount in ["€430.00", "-€43.00", "-€38.70", "€5.90", "€5.00", "€359.20", "Tous nos voeux"] {
        assert!(text.contains(amount), "invoice lacks {amount}: {text}");
    }
    let commissions = app.get("/admin/promo-codes/ledjoor/commissions", Some(&admin)).await;
    assert_eq!(
        commissions.body["items"],
        json!([{"order_id": paid["order_id"], "amount_cents": 1742, "status": "earned"}]),
        "5% of 34830, half up"
    );
    assert_eq!(commissions.body["total_earned_cents"], 1742);

    let cancelled =
        app.post(&format!("/orders/{}/cancel", paid["order_id"].as_str().expect("id")), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    let reversed = app.get("/admin/promo-codes/LEDJOOR/commissions", Some(&admin)).await;
    assert_eq!(reversed.body["items"][0]["status"], "reversed");
    assert_eq!(reversed.body["total_earned_cents"], 0);
    assert_eq!(app.get("/admin/promo-codes/NOPE/commissions", Some(&admin)).await.status, StatusCode::NOT_FOUND);
}

/// Sets the units one buyer may hold unpaid of a product.
async fn unpaid_limit(app: &TestApp, admin: &str, limit: i64) {
    let mut settings = app.get("/admin/settings", Some(admin)).await.body;
    settings["max_unpaid_units_per_product"] = json!(limit);
    let put = app.call(Method::PUT, "/admin/settings", Some(admin), Some(settings)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
}

/// One account cannot hold a product's whole stock: at most `max_unpaid_units_per_product`
/// of it unpaid, however it adds and checks out (at once included), in a sale or not; paid,
/// expired or cancelled, the units no longer count, and the admin setting moves the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_buyer_holds_at_most_the_unpaid_limit_of_a_product() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let defaults = app.get("/admin/settings", Some(&admin)).await;
    assert_eq!(defaults.body["max_unpaid_units_per_product"], 25);
    unpaid_limit(&app, &admin, 3).await;
    let product = app.product_with_stock(1000, 10).await;
    let (_, token) = app.customer("hoarder").await;

    let over = app.add(&token, &product, 4).await;
    assert_eq!((over.status, over.code()), (StatusCode::UNPROCESSABLE_ENTITY, "unpaid_limit_exceeded"));
    assert_eq!(over.body["error"]["details"], json!({"product_id": product, "limit": 3, "requested": 4}));
    // Five adds of one at once: three land.
    let adds = futures::future::join_all((0..5).map(|_| app.add(&token, &product, 1))).await;
    assert_eq!(adds.iter().filter(|a| a.status == StatusCode::OK).count(), 3);
    assert!(adds.iter().all(|a| a.status == StatusCode::OK || a.code() == "unpaid_limit_exceeded"));
    // Four checkouts at once: one hold of three, and nothing more while it is unpaid.
    let placed = futures::future::join_all((0..4).map(|_| app.checkout(&token))).await;
    assert_eq!(placed.iter().filter(|a| a.status == StatusCode::CREATED).count(), 1);
    assert!(placed.iter().all(|a| a.status == StatusCode::CREATED || a.code() == "checkout_in_progress"));
    assert_eq!(app.stock(&product).await, 7);
    assert_eq!(app.add(&token, &product, 1).await.code(), "checkout_in_progress");
    assert_eq!(app.checkout(&token).await.code(), "checkout_in_progress");

    // Expired: the limit is free again; paid: too.
    app.stack.clock.advance(31 * 60);
    assert_eq!(app.run_job("release-expired-reservations").await["released"], 1);
    assert_eq!(app.stock(&product).await, 10);
    app.buy(&token, VISA).await;
    assert_eq!(app.stock(&product).await, 7);
    assert_eq!(app.add(&token, &product, 3).await.status, StatusCode::OK);
    let again = app.checkout(&token).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    // Cancelled: free again. A cart filled before the limit was lowered is refused at checkout.
    let order = again.body["order_id"].as_str().expect("id");
    assert_eq!(app.post(&format!("/orders/{order}/cancel"), Some(&token), json!({})).await.status, StatusCode::OK);
    unpaid_limit(&app, &admin, 2).await;
    let refused = app.checkout(&token).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNPROCESSABLE_ENTITY, "unpaid_limit_exceeded"));
    assert_eq!(app.stock(&product).await, 7, "nothing held");
    unpaid_limit(&app, &admin, 4).await;
    assert_eq!(app.add(&token, &product, 1).await.status, StatusCode::OK);
    assert_eq!(app.checkout(&token).await.status, StatusCode::CREATED);
    assert_eq!(app.stock(&product).await, 3);

    // In a sale too, under its own higher limit.
    let (_, shopper) = app.customer("sale-hoarder").await;
    assert_eq!(
        sale(&app, &admin, &["cap-lin-sable"], 10, Duration::seconds(-60), Duration::hours(5)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(app.add(&shopper, "cap-lin-sable", 5).await.code(), "unpaid_limit_exceeded");
    assert_eq!(app.add(&shopper, "cap-lin-sable", 4).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_sale_is_edited_and_ended_and_prices_follow_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = sale(&app, &admin, &["cap-hiver"], 20, Duration::minutes(-5), Duration::days(1)).await;
    let id = created.body["sale_id"].as_str().expect("sale id").to_string();
    let price = || async { app.get("/products/cap-hiver", None).await.body["effective_price_cents"].clone() };
    assert_eq!(price().await, 2792, "3490 - 20%");
    let path = format!("/admin/sales/{id}");
    let patch = |body: Value| app.call(Method::PATCH, &path, Some(&admin), Some(body));

    let edited = patch(json!({"percent": 50, "name": "Soldes d'hiver"})).await;
    assert_eq!(
        (edited.status, &edited.body["percent"], &edited.body["name"]),
        (StatusCode::OK, &json!(50), &json!("Soldes d'hiver")),
        "{}",
        edited.body
    );
    assert_eq!(price().await, 1745, "at once");
    let listed = app.get("/admin/sales", Some(&admin)).await;
    assert_eq!(listed.body["items"][0]["percent"], 50);

    let later = sale(&app, &admin, &["cap-hiver"], 10, Duration::days(2), Duration::days(3)).await;
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.body);
    let overlap = patch(json!({"ends_at": at(Duration::days(2) + Duration::hours(1), &app)})).await;
    assert_eq!((overlap.status, overlap.code()), (StatusCode::CONFLICT, "sale_overlap"), "{}", overlap.body);
    for (bad, field) in [
        (json!({"ends_at": at(Duration::minutes(-10), &app)}), "/ends_at"),
        (json!({"percent": 0}), "/percent"),
        (json!({"percent": 101}), "/percent"),
        (json!({"name": " "}), "/name"),
        (json!({"sale_id": "other"}), "/sale_id"),
    ] {
        let refused = patch(bad.clone()).await;
        assert_eq!(
            (refused.status, refused.body["error"]["details"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{bad}: {}",
            refused.body
        );
    }
    assert_eq!(price().await, 1745, "refusals changed nothing");
    let unknown = app.call(Method::PATCH, "/admin/sales/nope", Some(&admin), Some(json!({"percent": 5}))).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "not_found"));

    // A sale not started yet ends too (an empty period, inside the running sale's), and its
    // products never see it.
    let upcoming = later.body["sale_id"].as_str().expect("id");
    let ended = app.post(&format!("/admin/sales/{upcoming}/end"), Some(&admin), json!({})).await;
    assert_eq!((ended.status, &ended.body["starts_at"]), (StatusCode::OK, &ended.body["ends_at"]), "{}", ended.body);
    let ended = app.post(&format!("/admin/sales/{id}/end"), Some(&admin), json!({})).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.body["ends_at"], at(Duration::zero(), &app));
    assert_eq!(price().await, 3490, "full price at once");
    let again = app.post(&format!("/admin/sales/{id}/end"), Some(&admin), json!({})).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "sale_over"));
    let unknown = app.post("/admin/sales/nope/end", Some(&admin), json!({})).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "not_found"));
    app.stack.clock.advance(2 * 86_400 + 60);
    assert_eq!(price().await, 3490);
}

#[tokio::test]
async fn a_shop_wide_code_has_no_owner_and_earns_nobody_anything() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let refused = app
        .post(
            "/admin/promo-codes",
            Some(&admin),
            json!({"code": "SHOP10", "discount_percent": 10, "commission_percent": 5}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("/commission_percent"))
    );
    let created = app
        .post(
            "/admin/promo-codes",
            Some(&admin),
            json!({"code": "SHOP10", "owner_user_id": null, "discount_percent": 10}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!((&created.body["owner_user_id"], &created.body["commission_percent"]), (&Value::Null, &json!(0)));

    let (_, buyer) = app.customer("shop-wide").await;
    app.add(&buyer, "cap-hiver", 2).await;
    let applied = app.post("/cart/promo-code", Some(&buyer), json!({"code": "shop10"})).await;
    assert_eq!(applied.body["promo_discount_cents"], 698, "{}", applied.body);
    app.buy(&buyer, VISA).await;
    let commissions = app.get("/admin/promo-codes/SHOP10/commissions", Some(&admin)).await;
    assert_eq!(commissions.body, json!({"items": [], "total_earned_cents": 0}), "nobody earns on it");
    assert_eq!(app.get("/admin/promo-codes", Some(&admin)).await.body["items"][0]["uses"], 1);
}

#[tokio::test]
async fn a_fixed_amount_code_takes_its_amount_off_the_items_never_below_zero() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (owner_email, _) = app.customer("fixed-owner").await;
    let owner = user_id(&app, &owner_email).await;
    for (bad, field) in [
        (json!({"discount_amount_cents": 500}), "/discount_amount_cents"),
        (json!({"discount_percent": null, "discount_amount_cents": 0}), "/discount_amount_cents"),
        (json!({"discount_percent": null}), "/discount_percent"),
    ] {
        let refused = promo(&app, &admin, "FIXED5", &owner, bad.clone()).await;
        assert_eq!(
            (refused.status, refused.body["error"]["details"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{bad}: {}",
            refused.body
        );
    }
    let created = promo(
        &app,
        &admin,
        "FIXED5",
        &owner,
        json!({"discount_percent": null, "discount_amount_cents": 500, "commission_percent": 10}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["discount_amount_cents"], 500);
    assert!(created.body.get("discount_percent").is_none(), "{}", created.body);
    let big =
        promo(&app, &admin, "HUGE", &owner, json!({"discount_percent": null, "discount_amount_cents": 1_000_000}))
            .await;
    assert_eq!(big.status, StatusCode::CREATED, "{}", big.body);

    let (buyer_email, buyer) = app.customer("fixed-buyer").await;
    app.add(&buyer, "cap-hiver", 2).await;
    let huge = app.post("/cart/promo-code", Some(&buyer), json!({"code": "HUGE"})).await;
    assert_eq!(
        (&huge.body["promo_discount_cents"], &huge.body["total_cents"]),
        (&json!(6980), &json!(0)),
        "{}",
        huge.body
    );
    let applied = app.post("/cart/promo-code", Some(&buyer), json!({"code": "fixed5"})).await;
    assert_eq!((&applied.body["promo_discount_cents"], &applied.body["total_cents"]), (&json!(500), &json!(6480)));
    let paid = app.buy(&buyer, VISA).await;
    let discount = &paid["discounts"][0];
    assert_eq!((&discount["kind"], &discount["amount_cents"]), (&json!("promo"), &json!(500)), "{paid}");
    assert!(discount.get("percent").is_none(), "{paid}");
    let commissions = app.get("/admin/promo-codes/FIXED5/commissions", Some(&admin)).await;
    assert_eq!(commissions.body["total_earned_cents"], 648, "10% of what was paid for the items");
    let emails = app.emails_to(&buyer_email).await;
    let fixed =
        |e: &Value| e.to_string().contains("Promo code discount") && !e.to_string().contains("Promo code discount (");
    assert!(emails.iter().any(fixed), "the email names the discount without a percentage: {emails:?}");
}
