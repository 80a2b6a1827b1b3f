use std::collections::HashSet;

use capsule_tests::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn the_catalogue_pages_through_every_cap_once() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/products?limit=4&cursor={c}"),
            None => "/products?limit=4".to_string(),
        };
        let page = app.get(&path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body["items"].as_array().expect("items").clone();
        assert!(items.len() <= 4);
        for item in &items {
            for field in [
                "product_id",
                "name",
                "description",
                "price_cents",
                "effective_price_cents",
                "currency",
                "stock",
                "low_stock",
                "discount",
            ] {
                assert!(item.get(field).is_some(), "{field} missing in {item}");
            }
            assert_eq!(item["currency"], "EUR");
            seen.push(item["name"].as_str().expect("name").to_string());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert!(seen.len() >= 15, "only {} caps", seen.len());
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "a cap was listed twice");
    let default_page = app.get("/products", None).await;
    assert_eq!(default_page.body["items"].as_array().map(Vec::len), Some(seen.len().min(20)));
}

#[tokio::test]
async fn search_is_by_word_prefix_ignoring_case_and_accents() {
    let app = spawn_app().await;
    let names = |answer: &capsule_tests::Answer| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // Names and descriptions: "Lin naturel, idéale pour l'été." is found by "ete" too.
    let summer = vec!["Casquette Été", "Casquette Lin Sable"];
    assert_eq!(names(&app.get("/products?q=ete", None).await), summer);
    assert_eq!(names(&app.get("/products?q=%C3%89T%C3%89", None).await), summer);
    assert_eq!(names(&app.get("/products?q=casq%20ete", None).await), summer);
    assert_eq!(names(&app.get("/products?q=M%C3%89RINOS", None).await), vec!["Casquette Hiver Laine"]);
    assert_eq!(names(&app.get("/products?q=lin%20naturel", None).await), vec!["Casquette Lin Sable"]);
    assert!(names(&app.get("/products?q=turel", None).await).is_empty(), "a description's word prefix only");
    assert!(names(&app.get("/products?q=quette", None).await).is_empty(), "not a word prefix");
    let truckers = names(&app.get("/products?q=TRUCK", None).await);
    assert_eq!(truckers, vec!["Trucker Bleu Nuit", "Trucker Rouge"]);
    // Search pages too.
    let first = app.get("/products?q=casquette&limit=2", None).await;
    assert_eq!(names(&first).len(), 2);
    let cursor = first.body["next_cursor"].as_str().expect("more casquettes");
    let second = app.get(&format!("/products?q=casquette&limit=2&cursor={cursor}"), None).await;
    assert!(names(&second).iter().all(|n| n.starts_with("Casquette") && !names(&first).contains(n)));
}

#[tokio::test]
async fn one_product_and_the_contract_errors() {
    let app = spawn_app().await;
    let cap = app.get("/products/cap-ete", None).await;
    assert_eq!(cap.status, StatusCode::OK);
    assert_eq!(cap.body["price_cents"], 1990);
    assert_eq!(cap.body["effective_price_cents"], 1891, "5% off, rounded half up");
    assert_eq!(cap.body["discount"], serde_json::json!({"kind": "product", "percent": 5}));
    let collector = app.get("/products/cap-collector-or", None).await;
    assert_eq!(collector.body["low_stock"], true, "4 is under the default threshold of 5");

    let missing = app.get("/products/nope", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not_found");
    for bad in ["/products?limit=0", "/products?limit=101", "/products?limit=ten", "/products?cursor=%%%"] {
        let answer = app.get(bad, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(answer.code(), "invalid_request", "{bad}");
    }
    let unknown_route = app.get("/nowhere", None).await;
    assert_eq!(unknown_route.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pickup_points_and_plans() {
    let app = spawn_app().await;
    let points = app.get("/pickup-points", None).await;
    let items = points.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert!(items
        .iter()
        .all(|p| p["pickup_point_id"].is_string() && p["name"].is_string() && p["address"].is_string()));

    let plans = app.get("/plans", None).await;
    assert_eq!(plans.body["trial_days"], 14);
    let prices: Vec<(String, i64)> = plans.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| (p["plan_id"].as_str().unwrap_or("").to_string(), p["price_cents"].as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(prices, vec![("normal".into(), 1000), ("supplement".into(), 1500), ("complet".into(), 2000)]);
}

/// A product of the admin's own, with `extra` fields; its id.
async fn admin_product(app: &capsule_tests::TestApp, admin: &str, name: &str, extra: serde_json::Value) -> String {
    let mut body = serde_json::json!({"name": name, "description": "d", "price_cents": 2500, "stock": 50, "product_discount": false});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let created = app.post("/admin/products", Some(admin), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["archived"], false);
    created.body["product_id"].as_str().expect("id").to_string()
}

fn archive(id: &str) -> String {
    format!("/admin/products/{id}/archive")
}

#[tokio::test]
async fn an_archived_product_leaves_the_catalogue_and_carts_but_stays_in_orders() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // A second after the seeded caps (the listing is by the second, then by id).
    app.stack.clock.advance(2);
    let id = admin_product(&app, &admin, "Casquette Archivable", serde_json::json!({})).await;
    let (_, buyer) = app.customer("before-archive").await;
    app.add(&buyer, &id, 1).await;
    let paid = app.buy(&buyer, capsule_tests::VISA).await;
    let order_id = paid["order_id"].as_str().expect("order id");

    // Paid, the buyer's cart no longer holds it: it can go.
    let archived = app.post(&archive(&id), Some(&admin), serde_json::json!({})).await;
    assert_eq!(
        (archived.status, &archived.body["archived"]),
        (StatusCode::OK, &serde_json::json!(true)),
        "{}",
        archived.body
    );
    let again = app.post(&archive(&id), Some(&admin), serde_json::json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "archiving twice changes nothing");
    let page = app.get(&format!("/products/{id}"), None).await;
    assert_eq!((page.status, page.code()), (StatusCode::NOT_FOUND, "not_found"));
    let found = app.get("/products?q=archivable", None).await;
    assert_eq!(found.body["items"], serde_json::json!([]), "{}", found.body);
    let (_, later) = app.customer("after-archive").await;
    let refused = app.add(&later, &id, 1).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::NOT_FOUND, "product_not_found"));
    let order = app.get(&format!("/orders/{order_id}"), Some(&buyer)).await;
    assert_eq!(order.body["items"][0]["product_id"], id.as_str(), "the order keeps it: {}", order.body);

    let listed = |filter: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let page = app.get(&format!("/admin/products?limit=100{filter}"), Some(admin)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            page.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["product_id"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        }
    };
    assert!(listed("&archived=true").await.contains(&id));
    assert!(!listed("&archived=false").await.contains(&id));
    assert_eq!(listed("").await.first(), Some(&id), "newest first, archived included");
    let bad = app.get("/admin/products?archived=maybe", Some(&admin)).await;
    assert_eq!(
        (bad.status, bad.body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("/archived"))
    );

    let back = app.post(&format!("/admin/products/{id}/unarchive"), Some(&admin), serde_json::json!({})).await;
    assert_eq!(back.body["archived"], false, "{}", back.body);
    assert_eq!(app.get(&format!("/products/{id}"), None).await.status, StatusCode::OK);
    assert_eq!(app.add(&later, &id, 1).await.status, StatusCode::OK);
    let unknown = app.post(&archive("cap-nope"), Some(&admin), serde_json::json!({})).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn archiving_a_product_in_open_carts_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = admin_product(&app, &admin, "Casquette Convoitée", serde_json::json!({})).await;
    let (_, browsing) = app.customer("browsing").await;
    let (_, paying) = app.customer("paying").await;
    app.add(&browsing, &id, 2).await;
    app.add(&browsing, &id, 1).await;
    app.add(&paying, &id, 1).await;
    let placed = app.checkout(&paying).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);

    let refused = app.post(&archive(&id), Some(&admin), serde_json::json!({})).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::CONFLICT, "product_in_open_carts"), "{}", refused.body);
    assert_eq!(refused.body["error"]["details"]["carts"], 2, "one cart each, however many adds: {}", refused.body);
    assert_eq!(app.get(&format!("/products/{id}"), None).await.body["archived"], false, "nothing written");

    // The browsing cart lets go; the cart locked by the unpaid order still holds it, and
    // still does once that order is cancelled (its lines come back to the cart).
    app.call(reqwest::Method::DELETE, &format!("/cart/items/{id}"), Some(&browsing), None).await;
    let still = app.post(&archive(&id), Some(&admin), serde_json::json!({})).await;
    assert_eq!(
        (still.code(), &still.body["error"]["details"]["carts"]),
        ("product_in_open_carts", &serde_json::json!(1))
    );
    let order_id = placed.body["order_id"].as_str().expect("order id");
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&paying), serde_json::json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(app.post(&archive(&id), Some(&admin), serde_json::json!({})).await.code(), "product_in_open_carts");
    let emptied = app
        .call(
            reqwest::Method::PUT,
            &format!("/cart/items/{id}"),
            Some(&paying),
            Some(serde_json::json!({"quantity": 0})),
        )
        .await;
    assert_eq!(emptied.status, StatusCode::OK, "{}", emptied.body);
    assert_eq!(app.post(&archive(&id), Some(&admin), serde_json::json!({})).await.status, StatusCode::OK);
}

/// Carts filling while the product is archived: either the archive is refused, or no cart
/// holds the product after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn carts_racing_the_archive_never_end_up_holding_an_archived_product() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = admin_product(&app, &admin, "Casquette Disputée", serde_json::json!({})).await;
    let mut buyers = Vec::new();
    for i in 0..6 {
        buyers.push(app.customer(&format!("racer-{i}")).await.1);
    }
    let adds = futures::future::join_all(buyers.iter().map(|b| app.add(b, &id, 1)));
    let path = archive(&id);
    let (adds, archived) = tokio::join!(adds, app.post(&path, Some(&admin), serde_json::json!({})));
    assert!(adds.iter().all(|a| a.status == StatusCode::OK || a.code() == "product_not_found"));
    let mut holding = 0;
    for buyer in &buyers {
        let cart = app.get("/cart", Some(buyer)).await;
        holding += cart.body["items"].as_array().map_or(0, Vec::len);
    }
    match archived.status {
        StatusCode::OK => assert_eq!(holding, 0, "archived, yet {holding} carts hold it"),
        _ => {
            assert_eq!(archived.code(), "product_in_open_carts", "{}", archived.body);
            assert!(holding >= 1);
        }
    }
}

#[tokio::test]
async fn product_images_are_https_urls_shown_in_the_catalogue() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let url = "https://img.example/caps/ete.jpg";
    let id = admin_product(&app, &admin, "Casquette Illustrée", serde_json::json!({"image_url": url})).await;
    assert_eq!(app.get(&format!("/products/{id}"), None).await.body["image_url"], url);
    let listed = app.get("/products?q=illustree", None).await;
    assert_eq!(listed.body["items"][0]["image_url"], url, "{}", listed.body);
    assert_eq!(app.get("/products/cap-ete", None).await.body["image_url"], serde_json::Value::Null);

    let path = format!("/admin/products/{id}");
    let patch = |body: serde_json::Value| app.call(reqwest::Method::PATCH, &path, Some(&admin), Some(body));
    let other = "https://img.example/caps/ete-2.jpg";
    assert_eq!(patch(serde_json::json!({"image_url": other})).await.body["image_url"], other);
    let too_long = format!("https://img.example/{}", "a".repeat(2030));
    for bad in ["http://img.example/cap.jpg", "javascript:alert(1)", "https://", too_long.as_str()] {
        for refused in [
            patch(serde_json::json!({"image_url": bad})).await,
            app.post("/admin/products", Some(&admin), serde_json::json!({"name": "x", "description": "", "price_cents": 1, "stock": 1, "product_discount": false, "image_url": bad})).await,
        ] {
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}: {}", refused.body);
            assert_eq!(refused.body["error"]["details"]["field"], "/image_url", "{bad}");
        }
    }
    assert_eq!(app.get(&format!("/products/{id}"), None).await.body["image_url"], other, "refusals wrote nothing");
}

/// A cart filled before the carts holding a product were counted does not stop its archive;
/// its checkout then refuses the archived product, and the rest sells once it is removed.
#[tokio::test]
async fn an_archived_product_in_an_uncounted_cart_is_not_sold() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = admin_product(&app, &admin, "Casquette Ancienne", serde_json::json!({})).await;
    let (_, buyer) = app.customer("old-cart").await;
    app.add(&buyer, &id, 1).await;
    app.add(&buyer, "cap-hiver", 1).await;
    // As a stack deployed before the counters has it: no counter moved for this cart.
    let store = &app.stack.app.store;
    for counter in 0..shared::store::keys::CART_COUNTERS {
        let key = shared::store::keys::carts_holding_counter(&id, counter);
        store.client().delete_item().table_name(store.table()).set_key(Some(key.item())).send().await.expect("reset");
    }
    assert_eq!(app.post(&archive(&id), Some(&admin), serde_json::json!({})).await.status, StatusCode::OK);

    let stock = app.stock("cap-hiver").await;
    let refused = app.checkout(&buyer).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::NOT_FOUND, "product_not_found"), "{}", refused.body);
    assert_eq!(app.stock("cap-hiver").await, stock, "nothing held");
    let removed = app.call(reqwest::Method::DELETE, &format!("/cart/items/{id}"), Some(&buyer), None).await;
    assert_eq!(removed.status, StatusCode::OK, "a line of an archived product can still go: {}", removed.body);
    assert_eq!(app.checkout(&buyer).await.status, StatusCode::CREATED);
}
