//! The sandbox's card that asks for 3-D Secure (4000 0027 6000 3184, Stripe's number for
//! it): on the hosted page the bank's challenge comes first (passed pays, failed declines);
//! off-session, a renewal cannot be authenticated and answers "authentication required".
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::saved_methods::{at_fixed_day, card, checkout_saving, checkout_with, fill_cart, methods};
use capsule_tests::{card_form, spawn_app, TestApp, VISA};

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
pub(crate) async fn answer(app: &TestApp, url: &str, given: &str) -> String {
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

/// A subscription (a trial) on the saved card that asks for 3-D Secure of a customer who
/// reads `locale`, its trial over and its renewal run: (email, subscription id, the
/// subscription).
pub(crate) async fn renewed_without_the_buyer(app: &TestApp, locale: &str) -> (String, String, Value) {
    at_fixed_day(app).await; // 2030-03-10T12:00:00Z
    let (email, token) = app.customer_in("off-session", json!(locale)).await;
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
    let (_, _, sub) = renewed_without_the_buyer(&app, "en").await;
    assert_eq!((sub["status"].as_str(), sub["failed_attempts"].as_i64()), (Some("past_due"), Some(1)), "{sub}");
    let charges = sub["charges"].as_array().expect("charges");
    assert_eq!(charges.len(), 1, "one attempt: {sub}");
    assert_eq!(charges[0]["status"], "failed");
}

/// The renewal that answered "authentication required": past due with that reason, and an
/// email in the customer's language with the link to a page that confirms that same payment
/// (the bank's challenge, nothing else). Passed, the subscription is active again with its
/// period advanced, the page says so, and nothing is charged twice.
#[tokio::test]
async fn an_authentication_required_renewal_is_recovered_by_its_email_link() {
    let app = spawn_app().await;
    for (locale, subject, link) in [
        ("en", "Please confirm your payment — Normal", "Confirm it on this page: "),
        ("fr", "Merci de confirmer votre paiement — Normal", "Confirmez-le sur cette page : "),
    ] {
        let (email, id, sub) = renewed_without_the_buyer(&app, locale).await;
        assert_eq!(
            (sub["status"].as_str(), sub["failure_reason"].as_str()),
            (Some("past_due"), Some("authentication_required")),
            "{sub}"
        );
        let url = sub["authentication_url"].as_str().expect("the page to confirm on").to_owned();
        let emails = app.emails_to(&email).await;
        let asked: Vec<&Value> = emails.iter().filter(|e| e["subject"].as_str() == Some(subject)).collect();
        assert_eq!(asked.len(), 1, "{emails:?}");
        assert!(asked[0]["text"].as_str().is_some_and(|t| t.contains(&format!("{link}{url}"))), "{}", asked[0]);

        let page = app.client.get(&url).send().await.expect("the page").text().await.expect("html");
        assert!(page.contains(r#"data-page="challenge""#) && !page.contains(r#"name="card_number""#), "{page}");
        let (status, _, _) = app.pay(&url, &card_form(VISA)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "it confirms that payment, takes no other");
        let returned = answer(&app, &url, "passed").await;

        let token = app.login(&email).await;
        app.stack.drain().await;
        let after = app.get(&format!("/subscriptions/{id}"), Some(&token)).await.body;
        assert_eq!((after["status"].as_str(), after["failed_attempts"].as_i64()), (Some("active"), Some(0)), "{after}");
        assert_eq!((&after["failure_reason"], &after["authentication_url"]), (&Value::Null, &Value::Null));
        assert!(after["current_period_end"].as_str() > sub["current_period_end"].as_str(), "advanced: {after}");
        let charges: Vec<(&str, &str)> = after["charges"]
            .as_array()
            .expect("charges")
            .iter()
            .map(|c| (c["status"].as_str().unwrap_or(""), c["at"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(charges.iter().map(|c| c.0).collect::<Vec<_>>(), ["failed", "succeeded"], "{after}");
        let page = app.client.get(app.url(&returned)).send().await.expect("return").text().await.expect("html");
        let paid = if locale == "en" { "Payment received" } else { "Paiement reçu" };
        assert!(page.contains(paid), "{page}");

        // That payment once: answered again, or the renewal job run again, nothing more.
        answer(&app, &url, "passed").await;
        app.run_job("charge-renewal").await;
        let again = app.get(&format!("/subscriptions/{id}"), Some(&token)).await.body;
        assert_eq!(again["charges"].as_array().map(Vec::len), Some(2), "{again}");
    }
}

/// One-click with the saved card that asks for 3-D Secure: the buyer is there, so the
/// checkout sends them to the bank's challenge for that payment (as Stripe's one-click does),
/// nothing decided until it is answered; passed pays the order, failed declines it and gives
/// the cart back. Before, the sandbox declined it at once as "authentication required".
#[tokio::test]
async fn a_one_click_payment_with_a_card_that_asks_for_3d_secure_is_challenged_on_a_page() {
    let app = spawn_app().await;
    let (_, token) = app.customer("one-click-3ds").await;
    let method = save_challenged_card(&app, &token).await;
    for (given, status) in [("passed", "paid"), ("failed", "payment_failed")] {
        let product = fill_cart(&app, &token, 10).await;
        let placed = checkout_with(&app, &token, &method).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let order_id = placed.body["order_id"].as_str().expect("order_id").to_owned();
        assert_eq!(placed.body["order"]["status"], "pending_payment", "{}", placed.body);
        let url = placed.body["redirect_url"].as_str().expect("the challenge's page").to_owned();
        let html = app.client.get(&url).send().await.expect("the page").text().await.expect("html");
        assert!(html.contains(r#"data-page="challenge""#) && !html.contains(r#"name="card_number""#), "{html}");
        app.order_when(&token, &order_id, "pending_payment").await;

        answer(&app, &url, given).await;
        let order = app.order_when(&token, &order_id, status).await;
        if given == "passed" {
            assert_eq!(order["payment"]["last4"], "3184", "paid with the saved card: {order}");
        }
        let cart = app.get("/cart", Some(&token)).await.body;
        let back =
            cart["items"].as_array().is_some_and(|items| items.iter().any(|i| i["product_id"] == product.as_str()));
        assert_eq!(back, given == "failed", "the cart comes back after a failed challenge only: {cart}");
        if back {
            app.call(reqwest::Method::DELETE, &format!("/cart/items/{product}"), Some(&token), None).await;
        }
        assert_eq!(app.stock(&product).await, if given == "passed" { 9 } else { 10 });
    }
}
