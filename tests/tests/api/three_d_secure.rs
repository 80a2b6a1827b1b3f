//! The sandbox's card that asks for 3-D Secure (4000 0027 6000 3184, Stripe's number for
//! it): on the hosted page the bank's challenge comes first (passed pays, failed declines);
//! off-session, a renewal cannot be authenticated and answers "authentication required".
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::saved_methods::{at_fixed_day, card, checkout_saving, fill_cart, methods};
use capsule_tests::{card_form, spawn_app, TestApp};

pub(crate) const AUTHENTICATE: &str = "4000002760003184";

/// The page's answer to a card that asks for authentication: the challenge, nothing decided.
async fn challenged(app: &TestApp, url: &str, form: &[(&str, String)]) {
    let (status, location, html) = app.pay(url, form).await;
    assert_eq!((status, location), (StatusCode::OK, None), "{html}");
    assert!(html.contains(r#"name="challenge" value="passed""#) && html.contains(r#"name="challenge" value="failed""#));
    assert!(!html.contains(r#"name="card_number""#), "the challenge only");
    // Shown again until answered.
    let again = app.client.get(url).send().await.expect("the page").text().await.expect("html");
    assert!(again.contains(r#"data-page="challenge""#), "{again}");
}

/// Answers the challenge on the page at `url`; where the page sends the buyer.
async fn answer(app: &TestApp, url: &str, given: &str) -> String {
    let (status, location, html) = app.pay(url, &[("challenge", given.to_owned())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    location.expect("a redirect")
}

#[tokio::test]
async fn a_card_that_asks_for_3d_secure_is_challenged_on_the_page_passed_pays_failed_declines() {
    let app = spawn_app().await;
    let (_, token) = app.customer("challenged").await;
    let product = app.product_with_stock(2000, 10).await;
    for (given, status) in [("passed", "paid"), ("failed", "payment_failed")] {
        app.add(&token, &product, 1).await;
        let placed = app.checkout(&token).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let url = placed.body["redirect_url"].as_str().expect("redirect_url").to_owned();
        let order_id = placed.body["order_id"].as_str().expect("order_id").to_owned();

        challenged(&app, &url, &card_form(AUTHENTICATE)).await;
        app.order_when(&token, &order_id, "pending_payment").await;
        let returned = answer(&app, &url, given).await;
        let order = app.order_when(&token, &order_id, status).await;
        let cart = app.get("/cart", Some(&token)).await.body;
        let back =
            cart["items"].as_array().is_some_and(|items| items.iter().any(|i| i["product_id"] == product.as_str()));
        assert_eq!(back, given == "failed", "the cart comes back after a failed challenge only: {cart}");
        let page =
            app.client.get(app.url(&returned)).send().await.expect("the return page").text().await.expect("html");
        match given {
            "passed" => assert_eq!(order["payment"]["last4"], "3184", "{order}"),
            _ => assert!(page.contains("Your bank could not confirm this payment."), "{page}"),
        }
        // Answered once: a second answer changes nothing.
        answer(&app, &url, "passed").await;
        app.order_when(&token, &order_id, status).await;
    }
    assert_eq!(app.stock(&product).await, 9, "one unit sold, the declined one back in stock");
}

/// Saves the card that asks for 3-D Secure (its challenge passed); its id.
pub(crate) async fn save_challenged_card(app: &TestApp, token: &str) -> String {
    fill_cart(app, token, 10).await;
    let placed = checkout_saving(app, token).await;
    let url = placed.body["redirect_url"].as_str().expect("redirect_url");
    challenged(app, url, &card(AUTHENTICATE, 12, 2031, true)).await;
    answer(app, url, "passed").await;
    app.order_when(token, placed.body["order_id"].as_str().expect("order_id"), "paid").await;
    let saved = methods(app, token).await;
    let found = saved.iter().find(|m| m["last4"] == "3184").unwrap_or_else(|| panic!("not saved: {saved:?}"));
    found["payment_method_id"].as_str().expect("id").to_owned()
}

/// A subscription (a trial) on the saved card that asks for 3-D Secure, its trial over
/// and its renewal run: (email, subscription id, the subscription).
pub(crate) async fn renewed_without_the_buyer(app: &TestApp) -> (String, String, Value) {
    at_fixed_day(app).await; // 2030-03-10T12:00:00Z
    let (email, token) = app.customer("off-session").await;
    let saved = save_challenged_card(app, &token).await;
    let created = app.post("/subscriptions", Some(&token), json!({"plan_id": "normal", "payment_method": saved})).await;
    assert_eq!(created.body["status"], "trialing", "{}", created.body);
    let id = created.body["subscription_id"].as_str().expect("id").to_owned();
    assert_eq!(app.post("/dev/clock", None, json!({"now": "2030-03-24T12:01:00Z"})).await.status, StatusCode::OK);
    app.run_job("charge-renewal").await;
    app.run_job("charge-renewal").await;
    let token = app.login(&email).await;
    let sub = app.get(&format!("/subscriptions/{id}"), Some(&token)).await.body;
    (email, id, sub)
}

#[tokio::test]
async fn its_off_session_renewal_answers_authentication_required_and_takes_nothing() {
    let app = spawn_app().await;
    let (_, _, sub) = renewed_without_the_buyer(&app).await;
    assert_eq!((sub["status"].as_str(), sub["failed_attempts"].as_i64()), (Some("past_due"), Some(1)), "{sub}");
    let charges = sub["charges"].as_array().expect("charges");
    assert_eq!(charges.len(), 1, "one attempt: {sub}");
    assert_eq!(charges[0]["status"], "failed");
}
