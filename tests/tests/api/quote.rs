//! Fees before paying: the quote of a cart with a delivery and a gift is what checkout then
//! charges, for every delivery mode and gift type.
use capsule_tests::{home, pickup, spawn_app};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn the_quote_is_what_checkout_charges_for_each_delivery_and_gift() {
    let app = spawn_app().await;
    let gift = |kind: &str| json!({"type": kind, "message": "Bon anniversaire"});
    let choices = [
        (pickup(), None, 0, 0),
        (home(), None, 590, 0),
        (home(), Some(gift("simple")), 590, 200),
        (home(), Some(gift("birthday")), 590, 350),
        (home(), Some(gift("wedding")), 590, 500),
    ];
    for (delivery, gift, delivery_fee, gift_fee) in choices {
        let (_, token) = app.customer("quote").await;
        assert_eq!(app.add(&token, "cap-ete", 2).await.status, StatusCode::OK);
        assert_eq!(app.add(&token, "cap-hiver", 1).await.status, StatusCode::OK);
        let mut body = json!({"delivery": delivery});
        if let Some(gift) = &gift {
            body["gift"] = gift.clone();
        }
        let quote = app.post("/cart/quote", Some(&token), body.clone()).await;
        assert_eq!(quote.status, StatusCode::OK, "{}", quote.body);
        let q = &quote.body;
        assert_eq!(
            (q["delivery_fee_cents"].clone(), q["gift_fee_cents"].clone()),
            (json!(delivery_fee), json!(gift_fee))
        );
        let cart_total = q["cart"]["total_cents"].as_i64().expect("the cart's total");
        assert_eq!(q["total_cents"], cart_total + delivery_fee + gift_fee, "{q}");
        assert_eq!(q["cart"], app.get("/cart", Some(&token)).await.body, "the quote prices the cart as it is");

        body["payment_method"] = json!("card");
        let placed = app.post("/checkout", Some(&token), body).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let order: &Value = &placed.body["order"];
        let charged =
            (order["total_cents"].clone(), order["delivery_fee_cents"].clone(), order["gift_fee_cents"].clone());
        assert_eq!(charged, (q["total_cents"].clone(), q["delivery_fee_cents"].clone(), q["gift_fee_cents"].clone()));
        // The hosted page asks for that amount.
        let url = placed.body["redirect_url"].as_str().expect("redirect_url");
        let page = app.client.get(url).send().await.expect("the page answers").text().await.unwrap_or_default();
        let total = q["total_cents"].as_i64().unwrap_or_default();
        let shown = format!("€{}.{:02}", total / 100, total % 100); // the buyer reads English
        assert!(page.contains(&shown), "the page shows {shown}");
        assert!(page.contains("(3 items)"), "two caps of one kind and one of another");
    }
}

#[tokio::test]
async fn the_payment_page_counts_one_item_in_the_singular() {
    let app = spawn_app().await;
    let (_, token) = app.customer("one").await;
    assert_eq!(app.add(&token, "cap-ete", 1).await.status, StatusCode::OK);
    let placed = app.checkout(&token).await;
    let url = placed.body["redirect_url"].as_str().expect("redirect_url");
    let page = app.client.get(url).send().await.expect("the page answers").text().await.unwrap_or_default();
    assert!(page.contains("(1 item)") && !page.contains("(1 items)"), "{page}");
}

#[tokio::test]
async fn a_quote_refuses_what_checkout_refuses_naming_the_field() {
    let app = spawn_app().await;
    let (_, token) = app.customer("quote").await;
    let gift_with_pickup = json!({"delivery": pickup(), "gift": {"type": "simple"}});
    let refused = app.post("/cart/quote", Some(&token), gift_with_pickup).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "invalid_request"));
    assert_eq!(refused.body["error"]["details"]["field"], "/gift");
    let unknown = json!({"delivery": {"mode": "pickup", "pickup_point_id": "pp-nowhere"}});
    let refused = app.post("/cart/quote", Some(&token), unknown).await;
    assert_eq!(refused.body["error"]["details"]["field"], "/delivery/pickup_point_id");
    assert_eq!(app.post("/cart/quote", None, json!({"delivery": pickup()})).await.status, StatusCode::UNAUTHORIZED);
}
