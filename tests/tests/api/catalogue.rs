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
