//! Stripe mode end to end against localstripe (behind `local/stripe_emulator.py`): a stack
//! with `PAYMENT_PROVIDER=stripe`, its page's card paid as Stripe.js would, its orders
//! settled by localstripe's own signed webhook deliveries; refunds seen at localstripe.
use std::time::{Duration, Instant};

use capsule_tests::stripe_emulator::{StripeEmulator, WEBHOOK_SECRET};
use capsule_tests::{card_form, spawn_app_with, Answer, Setup, TestApp, DECLINED, VISA};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::payments::stripe::webhook;

const VISA_NUMBER: &str = "4242424242424242";

async fn stripe_app() -> (StripeEmulator, TestApp) {
    let emulator = StripeEmulator::start().await.expect("localstripe");
    let app = spawn_app_with(Setup { stripe: Some(emulator.stack_settings()), ..Setup::default() }).await;
    emulator.send_events_to(&app.url("/webhooks/stripe"), WEBHOOK_SECRET).await;
    (emulator, app)
}

/// A buyer with `units` of a product of its own in the cart, checked out: (token, order id,
/// the page's URL).
async fn checked_out(app: &TestApp, units: i64) -> (String, String, String, String) {
    let (_, token) = app.customer("stripe-buyer").await;
    let product = app.product_with_stock(2500, 10).await;
    app.add(&token, &product, units).await;
    let placed = app.checkout(&token).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_owned();
    let url = placed.body["redirect_url"].as_str().expect("redirect_url").to_owned();
    (token, order_id, url, product)
}

/// The page's client secret, as Stripe.js reads it from the page.
async fn client_secret(app: &TestApp, page_url: &str) -> String {
    let page = app.client.get(page_url).send().await.expect("the page answers");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    let start = html.find(r#"data-secret=""#).expect("the Element's client secret") + r#"data-secret=""#.len();
    html[start..].split('"').next().expect("a secret").to_owned()
}

fn intent_of(secret: &str) -> String {
    secret.split("_secret_").next().expect("an intent id").to_owned()
}

/// The order once it is `status` (Stripe's webhook comes on its own time).
async fn order_becomes(app: &TestApp, token: &str, order_id: &str, status: &str) -> Value {
    let started = Instant::now();
    loop {
        app.stack.drain().await;
        let order = app.get(&format!("/orders/{order_id}"), Some(token)).await.body;
        if order["status"] == status || started.elapsed() > Duration::from_secs(20) {
            assert_eq!(order["status"], status, "{order}");
            return order;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Posts a Stripe event signed with `secret` at `t` (the stack's now by default).
async fn stripe_event(app: &TestApp, event: &Value, secret: &str, t: Option<i64>) -> Answer {
    let body = event.to_string();
    let t = t.unwrap_or_else(|| shared::clock::Clock::now(app.stack.clock.as_ref()).timestamp());
    let response = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("stripe-signature", webhook::sign(secret, t, body.as_bytes()))
        .body(body)
        .send()
        .await
        .expect("the webhook answers");
    let status = response.status();
    let headers = response.headers().clone();
    Answer { status, body: response.json().await.unwrap_or(Value::Null), headers }
}

fn intent_event(id: &str, kind: &str, intent: &str) -> Value {
    json!({"id": id, "object": "event", "type": kind, "created": 1, "livemode": false,
           "data": {"object": {"id": intent, "object": "payment_intent", "amount": 2500, "currency": "eur",
                               "status": "succeeded", "created": 1}}})
}

#[tokio::test]
async fn a_card_paid_through_elements_is_settled_by_stripes_signed_webhook_and_invoiced() {
    let (emulator, app) = stripe_app().await;
    let (token, order_id, url, _) = checked_out(&app, 2).await;

    let page = app.client.get(&url).send().await.expect("the page answers");
    let policy = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    let html = page.text().await.expect("html");
    assert!(policy.contains("script-src 'sha256-") && policy.contains(&emulator.url), "{policy}");
    assert!(html.contains(&format!(r#"<script src="{}/js.stripe.com/v3/"></script>"#, emulator.url)));
    assert!(!html.contains(r#"name="card_number""#) && !html.contains(r#"name="cvc""#), "no card field of ours");
    assert!(html.contains(r#"name="method" value="crina_pay""#), "CRINA-PAY stays Capsule's on the same page");

    let secret = client_secret(&app, &url).await;
    let (status, paid) = emulator.pay_on_page(&secret, VISA_NUMBER).await;
    assert_eq!((status, paid["status"].as_str()), (200, Some("succeeded")), "{paid}");
    order_becomes(&app, &token, &order_id, "paid").await;
    app.number_invoices().await;
    let order = order_becomes(&app, &token, &order_id, "paid").await;
    assert!(order["invoice_number"].is_string(), "{order}");
    assert_eq!((order["payment"]["brand"].as_str(), order["payment"]["last4"].as_str()), (Some("visa"), Some("4242")));

    // One PaymentIntent for the order: its amount, its currency, the buyer's Customer, what it pays.
    let intents = emulator.list("/v1/payment_intents?limit=100").await;
    assert_eq!(intents.len(), 1, "one PaymentIntent per order");
    let intent = &intents[0];
    assert_eq!((intent["amount"].as_i64(), intent["currency"].as_str()), (Some(5000), Some("eur")));
    assert_eq!(intent["metadata"]["order_id"], order_id.as_str());
    assert!(
        intent["metadata"]["user_id"].is_string() && intent["customer"].as_str().is_some_and(|c| c.starts_with("cus_"))
    );
    let returned = app.client.get(format!("{url}/return")).send().await.expect("the return page");
    assert!(returned.text().await.expect("html").contains("Payment received"));
}

#[tokio::test]
async fn a_declined_card_fails_the_order_and_gives_the_cart_back() {
    let (emulator, app) = stripe_app().await;
    let (token, order_id, url, product) = checked_out(&app, 1).await;
    assert_eq!(app.stock(&product).await, 9, "held");
    let (status, declined) = emulator.pay_on_page(&client_secret(&app, &url).await, DECLINED).await;
    assert_eq!(status, 402, "{declined}");
    order_becomes(&app, &token, &order_id, "payment_failed").await;
    assert_eq!(app.stock(&product).await, 10, "the hold is released");
    let cart = app.get("/cart", Some(&token)).await;
    assert_eq!(cart.body["items"][0]["product_id"], product.as_str(), "{}", cart.body);
    // The operator sees Stripe's own code (the buyer is told one of our messages).
    let admin = app.admin_token().await;
    let ledger = app.get("/admin/payments?method_type=card", Some(&admin)).await.body;
    let failed =
        ledger["items"].as_array().expect("payments").iter().find(|p| p["order_id"] == order_id.as_str()).cloned();
    let failed = failed.unwrap_or_else(|| panic!("no payment of {order_id}: {ledger}"));
    assert_eq!(
        (failed["status"].as_str(), failed["decline_code"].as_str()),
        (Some("failed"), Some("card_declined")),
        "{failed}"
    );
}

#[tokio::test]
async fn a_cancelled_paid_order_is_refunded_at_stripe_once() {
    let (emulator, app) = stripe_app().await;
    let (token, order_id, url, _) = checked_out(&app, 1).await;
    let secret = client_secret(&app, &url).await;
    emulator.pay_on_page(&secret, VISA_NUMBER).await;
    order_becomes(&app, &token, &order_id, "paid").await;

    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["refund_status"], "refunded", "{}", cancelled.body);
    // The relay finds nothing more to send: the refund went once.
    app.run_job("outbox-relay").await;
    let refunds = emulator.list(&format!("/v1/refunds?payment_intent={}", intent_of(&secret))).await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!((refunds[0]["amount"].as_i64(), refunds[0]["status"].as_str()), (Some(2500), Some("succeeded")));
}

#[tokio::test]
async fn duplicate_late_and_unknown_events_apply_what_stripe_holds_once() {
    let (emulator, app) = stripe_app().await;
    let (token, order_id, url, _) = checked_out(&app, 1).await;
    let secret = client_secret(&app, &url).await;
    let intent = intent_of(&secret);

    // Before the payment: an event says it succeeded; Stripe says it did not. Nothing moves.
    let early =
        stripe_event(&app, &intent_event("evt_early", "payment_intent.succeeded", &intent), WEBHOOK_SECRET, None).await;
    assert_eq!((early.status, early.body["outcome"].as_str()), (StatusCode::OK, Some("not_settled")), "{}", early.body);
    assert_eq!(app.get(&format!("/orders/{order_id}"), Some(&token)).await.body["status"], "pending_payment");

    emulator.pay_on_page(&secret, VISA_NUMBER).await;
    order_becomes(&app, &token, &order_id, "paid").await;
    // Late, repeated or contradicting events: the PaymentIntent read back paid the order already.
    for (id, kind) in [
        ("evt_late_failure", "payment_intent.payment_failed"),
        ("evt_copy", "payment_intent.succeeded"),
        ("evt_copy", "payment_intent.succeeded"),
    ] {
        let answer = stripe_event(&app, &intent_event(id, kind, &intent), WEBHOOK_SECRET, None).await;
        assert_eq!(
            (answer.status, answer.body["outcome"].as_str()),
            (StatusCode::OK, Some("already_processed")),
            "{id}: {}",
            answer.body
        );
    }
    assert_eq!(order_becomes(&app, &token, &order_id, "paid").await["status"], "paid");
    let acknowledged =
        stripe_event(&app, &intent_event("evt_other", "customer.created", &intent), WEBHOOK_SECRET, None).await;
    assert_eq!(acknowledged.body["outcome"], "ignored");

    // A PaymentIntent Capsule never created: recorded once, acknowledged.
    let unknown = intent_event("evt_unknown", "payment_intent.succeeded", "pi_nobodyknows");
    let first = stripe_event(&app, &unknown, WEBHOOK_SECRET, None).await;
    assert_eq!(
        (first.status, first.body["outcome"].as_str()),
        (StatusCode::OK, Some("unknown_payment")),
        "{}",
        first.body
    );
    assert!(app.stored(shared::store::keys::webhook_event("evt_unknown")).await);
    let again = stripe_event(&app, &unknown, WEBHOOK_SECRET, None).await;
    assert_eq!(again.body["outcome"], "already_processed");
}

#[tokio::test]
async fn a_payment_whose_amount_is_not_the_orders_is_refunded_and_the_order_untouched() {
    let (emulator, app) = stripe_app().await;
    let (token, order_id, _, _) = checked_out(&app, 1).await;
    // A PaymentIntent made outside Capsule naming the order, for another amount.
    let form = [
        ("amount", "100"),
        ("currency", "eur"),
        ("payment_method_types[0]", "card"),
        ("metadata[order_id]", order_id.as_str()),
        ("metadata[user_id]", "u"),
    ];
    let (_, intent) = emulator.call(reqwest::Method::POST, "/v1/payment_intents", &form).await;
    let secret = intent["client_secret"].as_str().expect("a secret").to_owned();
    emulator.pay_on_page(&secret, VISA_NUMBER).await;
    let answer = stripe_event(
        &app,
        &intent_event("evt_mismatch", "payment_intent.succeeded", &intent_of(&secret)),
        WEBHOOK_SECRET,
        None,
    )
    .await;
    assert!(
        matches!(answer.body["outcome"].as_str(), Some("amount_mismatch" | "already_processed")),
        "{}",
        answer.body
    );
    assert_eq!(app.get(&format!("/orders/{order_id}"), Some(&token)).await.body["status"], "pending_payment");
    app.run_job("outbox-relay").await;
    let refunds = emulator.list(&format!("/v1/refunds?payment_intent={}", intent_of(&secret))).await;
    assert_eq!(refunds.len(), 1, "refunded once: {refunds:?}");
}

#[tokio::test]
async fn a_forged_or_stale_signature_writes_nothing() {
    let (emulator, app) = stripe_app().await;
    let (token, order_id, url, _) = checked_out(&app, 1).await;
    let secret = client_secret(&app, &url).await;
    // Paid at Stripe, but its events go nowhere: only the deliveries below could settle it.
    emulator.send_events_to("http://127.0.0.1:9/nowhere", WEBHOOK_SECRET).await;
    let now = shared::clock::Clock::now(app.stack.clock.as_ref()).timestamp();
    let event = intent_event("evt_forged", "payment_intent.succeeded", &intent_of(&secret));
    // A minute beyond the tolerance: the webhook reads its clock later than this test, and a
    // second's delay under load made `now + 301` fresh (the unit tests hold the exact bounds).
    let beyond = webhook::TOLERANCE_SECONDS as i64 + 60;
    for (signing_secret, t) in
        [("whsec_someone_else", None), (WEBHOOK_SECRET, Some(now - beyond)), (WEBHOOK_SECRET, Some(now + beyond))]
    {
        let answer = stripe_event(&app, &event, signing_secret, t).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::BAD_REQUEST, "invalid_signature"));
    }
    assert!(!app.stored(shared::store::keys::webhook_event("evt_forged")).await, "nothing recorded");
    assert_eq!(app.get(&format!("/orders/{order_id}"), Some(&token)).await.body["status"], "pending_payment");
}

#[tokio::test]
async fn card_details_posted_to_the_page_in_stripe_mode_are_refused() {
    let (_emulator, app) = stripe_app().await;
    let (token, order_id, url, _) = checked_out(&app, 1).await;
    let (status, _, _) = app.pay(&url, &card_form(VISA)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stack.drain().await;
    assert_eq!(app.get(&format!("/orders/{order_id}"), Some(&token)).await.body["status"], "pending_payment");
    assert!(!capsule_tests::captured_logs().contains("4242 4242 4242 4242"));
}

#[tokio::test]
async fn stripe_unreachable_is_503_with_retry_after_and_nothing_is_held() {
    let closed = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a port");
    let unreachable = format!("http://127.0.0.1:{}", closed.local_addr().expect("address").port());
    drop(closed);
    let emulator = StripeEmulator::start().await.expect("localstripe");
    let settings = local::LocalStripe { api_base: unreachable, ..emulator.stack_settings() };
    let app = spawn_app_with(Setup { stripe: Some(settings), ..Setup::default() }).await;
    let (_, token) = app.customer("stripe-down").await;
    let product = app.product_with_stock(2500, 10).await;
    app.add(&token, &product, 2).await;
    for _ in 0..2 {
        let placed = app.checkout(&token).await;
        assert_eq!(
            (placed.status, placed.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            "{}",
            placed.body
        );
        assert!(placed.headers.get("retry-after").is_some());
    }
    assert_eq!(app.stock(&product).await, 10, "nothing held");
    assert_eq!(app.get("/orders", Some(&token)).await.body["items"], json!([]));
}

/// Buys one `product` with "save this card" and the card `number`, paid on the page (its
/// 3-D Secure challenge passed, if it asks for one); the saved method's id.
async fn save_a_card(emulator: &StripeEmulator, app: &TestApp, token: &str, product: &str, number: &str) -> Value {
    app.add(token, product, 1).await;
    let body = json!({"payment_method": "card", "delivery": capsule_tests::pickup(), "save_payment_method": true});
    let placed = app.post("/checkout", Some(token), body).await;
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_owned();
    let secret = client_secret(app, placed.body["redirect_url"].as_str().expect("url")).await;
    let (_, confirmed) = emulator.pay_on_page(&secret, number).await;
    if confirmed["status"] == "requires_action" {
        emulator.authenticate(&intent_of(&secret), &secret, true).await;
    }
    order_becomes(app, token, &order_id, "paid").await;
    app.get("/payment-methods", Some(token)).await.body["items"][0]["payment_method_id"].clone()
}

#[tokio::test]
async fn a_card_saved_at_stripe_pays_the_next_order_in_one_click_and_deleting_it_detaches_it() {
    let (emulator, app) = stripe_app().await;
    let (_, token) = app.customer("stripe-saver").await;
    let product = app.product_with_stock(2500, 10).await;
    save_a_card(&emulator, &app, &token, &product, VISA_NUMBER).await;
    let intent = &emulator.list("/v1/payment_intents?limit=100").await[0];
    assert_eq!(intent["setup_future_usage"], "off_session", "save this card: {intent}");

    let methods = app.get("/payment-methods", Some(&token)).await;
    let saved = &methods.body["items"][0];
    assert_eq!((saved["brand"].as_str(), saved["last4"].as_str()), (Some("visa"), Some("4242")), "{}", methods.body);
    let customer = intent["customer"].as_str().expect("a customer");
    let at_stripe = emulator.list(&format!("/v1/payment_methods?customer={customer}&type=card")).await;
    assert_eq!(at_stripe.len(), 1, "attached to the buyer's Customer");

    app.add(&token, &product, 2).await;
    let one_click = json!({"payment_method": saved["payment_method_id"], "delivery": capsule_tests::pickup()});
    let paid = app.post("/checkout", Some(&token), one_click).await;
    assert_eq!((paid.status, paid.body["status"].as_str()), (StatusCode::CREATED, Some("paid")), "{}", paid.body);
    assert!(paid.body.get("redirect_url").is_none());
    let intents = emulator.list("/v1/payment_intents?limit=100").await;
    let second =
        intents.iter().find(|i| i["metadata"]["order_id"] == paid.body["order_id"]).expect("its PaymentIntent");
    assert_eq!((second["amount"].as_i64(), second["customer"].as_str()), (Some(5000), Some(customer)));
    assert_eq!(intents.len(), 2);

    // Deleted: no longer listed, and detached from the Customer at Stripe.
    let id = saved["payment_method_id"].as_str().expect("an id");
    let deleted = app.call(reqwest::Method::DELETE, &format!("/payment-methods/{id}"), Some(&token), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(app.get("/payment-methods", Some(&token)).await.body["items"], json!([]));
    let at_stripe = emulator.list(&format!("/v1/payment_methods?customer={customer}&type=card")).await;
    assert_eq!(at_stripe, Vec::<Value>::new(), "detached");
}

/// 3-D Secure on the page: Stripe.js shows the challenge (here localstripe's, answered
/// through its API). Passed, the payment goes on and pays the order; failed, it is a decline
/// and the cart comes back. (localstripe sends no event for a failed challenge; Stripe sends
/// `payment_intent.payment_failed`, posted here as Stripe would sign it.)
#[tokio::test]
async fn a_3d_secure_challenge_passed_pays_and_failed_declines() {
    const THREE_D_SECURE: &str = "4000002760003184";
    let (emulator, app) = stripe_app().await;
    for (passed, status) in [(true, "paid"), (false, "payment_failed")] {
        let (token, order_id, url, product) = checked_out(&app, 1).await;
        let secret = client_secret(&app, &url).await;
        let (_, confirmed) = emulator.pay_on_page(&secret, THREE_D_SECURE).await;
        assert_eq!(confirmed["status"], "requires_action", "{confirmed}");
        let waiting =
            intent_event(&format!("evt_action_{passed}"), "payment_intent.requires_action", &intent_of(&secret));
        let answer = stripe_event(&app, &waiting, WEBHOOK_SECRET, None).await;
        assert_eq!(answer.body["outcome"], "awaiting_authentication");
        assert_eq!(app.get(&format!("/orders/{order_id}"), Some(&token)).await.body["status"], "pending_payment");

        emulator.authenticate(&intent_of(&secret), &secret, passed).await;
        if !passed {
            let failed = intent_event("evt_challenge_failed", "payment_intent.payment_failed", &intent_of(&secret));
            assert_eq!(stripe_event(&app, &failed, WEBHOOK_SECRET, None).await.body["outcome"], "payment_failed");
        }
        order_becomes(&app, &token, &order_id, status).await;
        let cart = app.get("/cart", Some(&token)).await.body;
        let back =
            cart["items"].as_array().is_some_and(|items| items.iter().any(|i| i["product_id"] == product.as_str()));
        assert_eq!(back, !passed, "the cart comes back after a failed challenge only: {cart}");
    }
}

/// A saved card that asks for 3-D Secure at one-click checkout: the order waits, and the
/// answer's `redirect_url` is the page where the buyer confirms that same PaymentIntent
/// (Stripe.js shows the challenge; no card to type). Passed, the order is paid.
#[tokio::test]
async fn a_saved_card_that_asks_for_3d_secure_at_one_click_is_confirmed_on_the_page() {
    const THREE_D_SECURE: &str = "4000002760003184";
    let (emulator, app) = stripe_app().await;
    let (_, token) = app.customer("stripe-3ds-saver").await;
    let product = app.product_with_stock(2500, 10).await;
    app.add(&token, &product, 1).await;
    let body = json!({"payment_method": "card", "delivery": capsule_tests::pickup(), "save_payment_method": true});
    let placed = app.post("/checkout", Some(&token), body).await;
    let first = placed.body["order_id"].as_str().expect("order_id").to_owned();
    let secret = client_secret(&app, placed.body["redirect_url"].as_str().expect("url")).await;
    emulator.pay_on_page(&secret, THREE_D_SECURE).await;
    emulator.authenticate(&intent_of(&secret), &secret, true).await;
    order_becomes(&app, &token, &first, "paid").await;
    let saved = app.get("/payment-methods", Some(&token)).await.body["items"][0]["payment_method_id"].clone();

    app.add(&token, &product, 1).await;
    let one_click = app
        .post("/checkout", Some(&token), json!({"payment_method": saved, "delivery": capsule_tests::pickup()}))
        .await;
    assert_eq!(
        (one_click.status, one_click.body["status"].as_str()),
        (StatusCode::CREATED, Some("pending_payment")),
        "{}",
        one_click.body
    );
    let order_id = one_click.body["order_id"].as_str().expect("order_id");
    let url = one_click.body["redirect_url"].as_str().expect("the page to authenticate on");
    let page = app.client.get(url).send().await.expect("the page").text().await.expect("html");
    assert!(page.contains(r#"data-action="authenticate""#) && !page.contains(r#"<div id="card-element">"#));
    let secret = client_secret(&app, url).await;
    let intents = emulator.list("/v1/payment_intents?limit=100").await;
    let intent = intents.iter().find(|i| i["metadata"]["order_id"] == order_id).expect("its PaymentIntent");
    assert_eq!(
        (intent["id"].as_str(), intent["status"].as_str()),
        (Some(intent_of(&secret).as_str()), Some("requires_action"))
    );

    emulator.authenticate(&intent_of(&secret), &secret, true).await;
    order_becomes(&app, &token, order_id, "paid").await;
    assert_eq!(emulator.list("/v1/payment_intents?limit=100").await.len(), 2, "the same PaymentIntent, confirmed");
}

/// A subscription paid by a card saved at Stripe: its trial ends, and the renewal job charges
/// it off-session at Stripe (`off_session=true, confirm=true`, keyed by the attempt). A card
/// that asks for 3-D Secure cannot be charged so: that attempt fails with Stripe's reason
/// and dunning goes on (past_due), nothing taken.
#[tokio::test]
async fn a_subscription_on_a_saved_card_is_renewed_off_session_at_stripe() {
    const THREE_D_SECURE: &str = "4000002760003184";
    let (emulator, app) = stripe_app().await;
    for (number, status, failed) in [(VISA_NUMBER, "active", 0), (THREE_D_SECURE, "past_due", 1)] {
        let (email, token) = app.customer("stripe-subscriber").await;
        let product = app.product_with_stock(2500, 10).await;
        let saved = save_a_card(&emulator, &app, &token, &product, number).await;
        let created =
            app.post("/subscriptions", Some(&token), json!({"plan_id": "normal", "payment_method": saved})).await;
        assert_eq!(created.body["status"], "trialing", "{}", created.body);
        let id = created.body["subscription_id"].as_str().expect("id").to_owned();
        let trial_ends = created.body["subscription"]["trial_ends_at"].as_str().expect("a trial end").to_owned();
        let after = chrono::DateTime::parse_from_rfc3339(&trial_ends).expect("a time") + chrono::Duration::minutes(1);
        assert_eq!(app.post("/dev/clock", None, json!({"now": after.to_rfc3339()})).await.status, StatusCode::OK);
        app.run_job("charge-renewal").await;
        app.run_job("charge-renewal").await;

        let token = app.login(&email).await;
        let sub = app.get(&format!("/subscriptions/{id}"), Some(&token)).await.body;
        assert_eq!((sub["status"].as_str(), sub["failed_attempts"].as_i64()), (Some(status), Some(failed)), "{sub}");
        let intents = emulator.list("/v1/payment_intents?limit=100").await;
        let renewal: Vec<&Value> = intents.iter().filter(|i| i["metadata"]["subscription_id"] == id.as_str()).collect();
        assert_eq!(renewal.len(), 1, "charged once: {intents:?}");
        assert_eq!(renewal[0]["amount"], sub["price_cents"]);
        assert!(renewal[0]["metadata"]["idempotency_key"]
            .as_str()
            .is_some_and(|k| k.starts_with(&format!("sub:{id}:"))));
        let expected = if failed == 0 { "succeeded" } else { "requires_payment_method" };
        assert_eq!(renewal[0]["status"], expected, "{}", renewal[0]);
        assert!(app.stack.clock.set(chrono::Utc::now()), "back to now, where localstripe signs");
    }
}

/// With the sandbox as the provider, Stripe's endpoint takes nothing: 400, never a 500 for
/// the missing secret (the contract fuzzer found that).
#[tokio::test]
async fn the_stripe_webhook_of_a_sandbox_deployment_takes_nothing() {
    let app = capsule_tests::spawn_app().await;
    let event = intent_event("evt_sandbox", "payment_intent.succeeded", "pi_1");
    let answer = stripe_event(&app, &event, WEBHOOK_SECRET, None).await;
    assert_eq!((answer.status, answer.code()), (StatusCode::BAD_REQUEST, "invalid_signature"));
    assert!(!app.stored(shared::store::keys::webhook_event("evt_sandbox")).await);
}

/// A renewal whose bank asks for 3-D Secure (Stripe answers 402 `authentication_required`;
/// localstripe's 200 `requires_action` is mapped so by the adapter): past due with that
/// reason, and an email whose link opens the page that confirms that same PaymentIntent
/// (Stripe.js, with the card it tried). Confirmed and authenticated there, Stripe's own
/// `payment_intent.succeeded` (read back) makes it active again, its period advanced.
#[tokio::test]
async fn an_authentication_required_renewal_is_recovered_by_its_email_link_at_stripe() {
    const THREE_D_SECURE: &str = "4000002760003184";
    let (emulator, app) = stripe_app().await;
    let (email, token) = app.customer("stripe-recovery").await;
    let product = app.product_with_stock(2500, 10).await;
    let saved = save_a_card(&emulator, &app, &token, &product, THREE_D_SECURE).await;
    let created = app.post("/subscriptions", Some(&token), json!({"plan_id": "normal", "payment_method": saved})).await;
    let id = created.body["subscription_id"].as_str().expect("id").to_owned();
    let trial_ends = created.body["subscription"]["trial_ends_at"].as_str().expect("a trial end").to_owned();
    let after = chrono::DateTime::parse_from_rfc3339(&trial_ends).expect("a time") + chrono::Duration::minutes(1);
    assert_eq!(app.post("/dev/clock", None, json!({"now": after.to_rfc3339()})).await.status, StatusCode::OK);
    app.run_job("charge-renewal").await;
    let token = app.login(&email).await;
    let owing = app.get(&format!("/subscriptions/{id}"), Some(&token)).await.body;
    assert_eq!(
        (owing["status"].as_str(), owing["failure_reason"].as_str()),
        (Some("past_due"), Some("authentication_required")),
        "{owing}"
    );
    let url = owing["authentication_url"].as_str().expect("the page to confirm on").to_owned();
    let emails = app.emails_to(&email).await;
    let asked = emails.iter().find(|e| e["subject"] == "Please confirm your payment — Normal").expect("the email");
    assert!(asked["text"].as_str().is_some_and(|t| t.contains(&url)), "{asked}");

    // The page confirms the renewal's own PaymentIntent, with the card it tried.
    let intents = emulator.list("/v1/payment_intents?limit=100").await;
    let renewal = intents.iter().find(|i| i["metadata"]["subscription_id"] == id.as_str()).expect("the renewal");
    let intent = renewal["id"].as_str().expect("an id").to_owned();
    let method = renewal["last_payment_error"]["payment_method"]["id"].as_str().expect("the card tried").to_owned();
    let page = app.client.get(&url).send().await.expect("the page").text().await.expect("html");
    assert!(page.contains(r#"data-action="authenticate""#) && page.contains(&format!(r#"data-method="{method}""#)));
    let secret = client_secret(&app, &url).await;
    assert_eq!(intent_of(&secret), intent);

    // What Stripe.js does there: confirmCardPayment(secret, {payment_method}), the challenge passed.
    assert!(app.stack.clock.set(chrono::Utc::now()), "back to now, where localstripe signs");
    let path = format!("/v1/payment_intents/{intent}");
    assert_eq!(emulator.call(reqwest::Method::POST, &path, &[("payment_method", method.as_str())]).await.0, 200);
    let (_, confirmed) = emulator.call(reqwest::Method::POST, &format!("{path}/confirm"), &[]).await;
    assert_eq!(confirmed["status"], "requires_action", "{confirmed}");
    emulator.authenticate(&intent, &secret, true).await;

    let started = Instant::now();
    let active = loop {
        app.stack.drain().await;
        let token = app.login(&email).await;
        let sub = app.get(&format!("/subscriptions/{id}"), Some(&token)).await.body;
        if sub["status"] == "active" || started.elapsed() > Duration::from_secs(20) {
            break sub;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((active["status"].as_str(), active["failed_attempts"].as_i64()), (Some("active"), Some(0)), "{active}");
    assert!(active["current_period_end"].as_str() > owing["current_period_end"].as_str(), "advanced: {active}");
    let statuses: Vec<&str> =
        active["charges"].as_array().expect("charges").iter().filter_map(|c| c["status"].as_str()).collect();
    assert_eq!(statuses, ["failed", "succeeded"], "{active}");
    let renewals = emulator.list("/v1/payment_intents?limit=100").await;
    let renewals: Vec<&Value> = renewals.iter().filter(|i| i["metadata"]["subscription_id"] == id.as_str()).collect();
    assert_eq!(renewals.len(), 1, "that same PaymentIntent, confirmed");
    let returned = app.client.get(format!("{url}/return")).send().await.expect("the return page");
    assert!(returned.text().await.expect("html").contains("Payment received"));
}

/// A subscription's page in Stripe mode collects its first card through a SetupIntent, as
/// Stripe.js's `confirmCardSetup` does with the card typed in the Element (nothing paid, no
/// card data through Capsule).
async fn subscribed_on_the_page(
    emulator: &StripeEmulator,
    app: &TestApp,
    (token, plan, number): (&str, &str, &str),
) -> (String, String) {
    let created = app.post("/subscriptions", Some(token), json!({"plan_id": plan, "payment_method": "card"})).await;
    assert_eq!((created.status, created.body["status"].as_str()), (StatusCode::CREATED, Some("incomplete")));
    let id = created.body["subscription_id"].as_str().expect("id").to_owned();
    let url = created.body["redirect_url"].as_str().expect("the page").to_owned();
    let page = app.client.get(&url).send().await.expect("the page").text().await.expect("html");
    assert!(page.contains(r#"data-action="setup""#) && page.contains(r#"<div id="card-element">"#), "{page}");
    assert!(!page.contains(r#"name="card_number""#), "no card field of ours");
    let setup = intent_of(&client_secret(app, &url).await);
    assert!(setup.starts_with("seti_"), "{setup}");
    let card = emulator.card(number).await;
    let path = format!("/v1/setup_intents/{setup}/confirm");
    let (status, done) = emulator.call(reqwest::Method::POST, &path, &[("payment_method", card.as_str())]).await;
    assert_eq!((status, done["status"].as_str()), (200, Some("succeeded")), "{done}");
    (id, setup)
}

/// A subscription cancelled before its first card is given: its page closes, and its
/// SetupIntent is cancelled at Stripe, so a card typed on a page left open is never saved
/// (it stayed open at Stripe before).
#[tokio::test]
async fn a_subscription_cancelled_before_its_card_cancels_its_setup_intent_at_stripe() {
    let (emulator, app) = stripe_app().await;
    let (_, token) = app.customer("stripe-setup-closed").await;
    let created =
        app.post("/subscriptions", Some(&token), json!({"plan_id": "normal", "payment_method": "card"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["subscription_id"].as_str().expect("id").to_owned();
    let url = created.body["redirect_url"].as_str().expect("the page").to_owned();
    let setup = intent_of(&client_secret(&app, &url).await);
    let cancelled = app.post(&format!("/subscriptions/{id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    app.run_job("outbox-relay").await;
    let (_, at_stripe) = emulator.call(reqwest::Method::GET, &format!("/v1/setup_intents/{setup}"), &[]).await;
    // Stripe refuses to confirm a cancelled SetupIntent (localstripe does not: not played here).
    assert_eq!(at_stripe["status"], "canceled", "{at_stripe}");
    assert_eq!(app.get("/payment-methods", Some(&token)).await.body["items"].as_array().map(Vec::len), Some(0));
}

/// The subscription once it is `status` (Stripe's webhook comes on its own time).
async fn subscription_becomes(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    let started = Instant::now();
    loop {
        app.stack.drain().await;
        let sub = app.get(&format!("/subscriptions/{id}"), Some(token)).await.body;
        if sub["status"] == status || started.elapsed() > Duration::from_secs(20) {
            assert_eq!(sub["status"], status, "{sub}");
            return sub;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `setup_intent.succeeded`, read back: the card attached to the buyer's Customer and saved;
/// the first subscription's trial starts, a later one (its trial used) is charged right after
/// off-session, as in sandbox mode.
#[tokio::test]
async fn a_subscriptions_first_card_is_saved_through_a_setup_intent_then_its_trial_or_charge_follows() {
    let (emulator, app) = stripe_app().await;
    let (_, token) = app.customer("stripe-setup").await;
    let (id, setup) = subscribed_on_the_page(&emulator, &app, (&token, "normal", VISA_NUMBER)).await;
    let trial = subscription_becomes(&app, &token, &id, "trialing").await;
    assert_eq!(trial["payment_method"]["last4"], "4242", "{trial}");
    let (_, at_stripe) = emulator.call(reqwest::Method::GET, &format!("/v1/setup_intents/{setup}"), &[]).await;
    let customer = at_stripe["customer"].as_str().expect("the buyer's Customer");
    let attached = emulator.list(&format!("/v1/payment_methods?customer={customer}&type=card")).await;
    assert_eq!(attached.len(), 1, "attached to the buyer's Customer");
    assert_eq!(app.get("/payment-methods", Some(&token)).await.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(emulator.list("/v1/payment_intents?limit=100").await, Vec::<Value>::new(), "nothing paid");

    let (id, _) = subscribed_on_the_page(&emulator, &app, (&token, "complet", VISA_NUMBER)).await;
    let paid = subscription_becomes(&app, &token, &id, "active").await;
    assert_eq!(paid["charges"].as_array().map(Vec::len), Some(1), "{paid}");
    assert_eq!(paid["charges"][0]["status"], "succeeded");
    let intents = emulator.list("/v1/payment_intents?limit=100").await;
    let charged: Vec<&Value> = intents.iter().filter(|i| i["metadata"]["subscription_id"] == id.as_str()).collect();
    assert_eq!(charged.len(), 1, "{intents:?}");
    assert_eq!((charged[0]["amount"].as_i64(), charged[0]["status"].as_str()), (Some(2000), Some("succeeded")));
}

/// Dunning at Stripe: a card saved by its page's SetupIntent whose every charge is declined
/// (Stripe's 4000000000000341: attached fine, charges fail). The trial ends, the renewal
/// job charges it off-session at Stripe, declined; retried a day later each time, with
/// its own PaymentIntent per attempt; the 4th failure suspends it, and nothing is charged
/// after. Each failure and the suspension are emailed.
#[tokio::test]
async fn a_trial_renewed_at_stripe_is_declined_dunned_and_suspended() {
    const LATER_FAILS: &str = "4000000000000341";
    let (emulator, app) = stripe_app().await;
    let (email, token) = app.customer("stripe-dunning").await;
    let (id, _) = subscribed_on_the_page(&emulator, &app, (&token, "normal", LATER_FAILS)).await;
    let trial = subscription_becomes(&app, &token, &id, "trialing").await;
    let trial_ends = trial["trial_ends_at"].as_str().expect("a trial end");
    let mut when = chrono::DateTime::parse_from_rfc3339(trial_ends).expect("a time") + chrono::Duration::minutes(1);
    for attempt in 1..=4 {
        assert_eq!(app.post("/dev/clock", None, json!({"now": when.to_rfc3339()})).await.status, StatusCode::OK);
        app.run_job("charge-renewal").await;
        app.run_job("charge-renewal").await;
        let token = app.login(&email).await;
        let sub = app.get(&format!("/subscriptions/{id}"), Some(&token)).await.body;
        let expected = if attempt < 4 { "past_due" } else { "suspended" };
        assert_eq!((sub["status"].as_str(), sub["failed_attempts"].as_i64()), (Some(expected), Some(attempt)), "{sub}");
        assert_eq!(sub["failure_reason"], "declined");
        when += chrono::Duration::days(1);
    }
    assert_eq!(
        app.post("/dev/clock", None, json!({"now": (when + chrono::Duration::days(30)).to_rfc3339()})).await.status,
        StatusCode::OK
    );
    assert_eq!(app.run_job("charge-renewal").await["due"], 0, "nothing more is charged");

    let intents = emulator.list("/v1/payment_intents?limit=100").await;
    let attempts: Vec<&Value> = intents.iter().filter(|i| i["metadata"]["subscription_id"] == id.as_str()).collect();
    assert_eq!(attempts.len(), 4, "one PaymentIntent per attempt: {intents:?}");
    let mut keys: Vec<&str> = attempts.iter().filter_map(|i| i["metadata"]["idempotency_key"].as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert!(attempts.iter().all(|i| i["status"] == "requires_payment_method"), "none succeeded: {attempts:?}");
    let emails = app.emails_to(&email).await;
    let subjects: Vec<&str> = emails.iter().filter_map(|e| e["subject"].as_str()).collect();
    for attempt in 1..=4 {
        let failed = format!("Payment failed — Normal (attempt {attempt} of 4)");
        assert_eq!(subjects.iter().filter(|s| s.starts_with(&failed)).count(), 1, "{subjects:?}");
    }
    assert_eq!(subjects.iter().filter(|s| s.starts_with("Subscription suspended — Normal")).count(), 1);
    assert!(app.stack.clock.set(chrono::Utc::now()), "back to now, where localstripe signs");
}

/// An event whose `livemode` is not the key's mode (a live event at a `sk_test_` endpoint)
/// moves nothing: recorded once and acknowledged, the order untouched, nothing refunded.
#[tokio::test]
async fn an_event_of_the_other_mode_is_recorded_and_moves_no_money() {
    let (emulator, app) = stripe_app().await;
    let (token, order_id, url, _) = checked_out(&app, 1).await;
    let secret = client_secret(&app, &url).await;
    // Paid at Stripe, but its own events go nowhere: only the deliveries below could settle it.
    emulator.send_events_to("http://127.0.0.1:9/nowhere", WEBHOOK_SECRET).await;
    emulator.pay_on_page(&secret, VISA_NUMBER).await;
    let mut live = intent_event("evt_live", "payment_intent.succeeded", &intent_of(&secret));
    live["livemode"] = json!(true);
    for expected in ["livemode_mismatch", "already_processed"] {
        let answer = stripe_event(&app, &live, WEBHOOK_SECRET, None).await;
        assert_eq!(
            (answer.status, answer.body["outcome"].as_str()),
            (StatusCode::OK, Some(expected)),
            "{}",
            answer.body
        );
    }
    assert!(app.stored(shared::store::keys::webhook_event("evt_live")).await, "recorded");
    app.stack.drain().await;
    assert_eq!(app.get(&format!("/orders/{order_id}"), Some(&token)).await.body["status"], "pending_payment");
    // The same event in test mode is this deployment's: it pays the order.
    let test = intent_event("evt_test", "payment_intent.succeeded", &intent_of(&secret));
    assert_eq!(stripe_event(&app, &test, WEBHOOK_SECRET, None).await.body["outcome"], "paid");
    assert_eq!(emulator.list(&format!("/v1/refunds?payment_intent={}", intent_of(&secret))).await.len(), 0);
}

/// `charge.refunded` for a refund made in Stripe's dashboard (localstripe sends no such event:
/// it is posted as Stripe would sign it): the refunds read back from Stripe, the dashboard's
/// applied to the order once (shown, its buyer emailed), copies and Capsule's own refunds
/// recorded nothing more, and nothing refunded again.
#[tokio::test]
async fn a_refund_made_in_stripes_dashboard_shows_on_the_order_once() {
    let (emulator, app) = stripe_app().await;
    let (email, token) = app.customer("stripe-dashboard").await;
    let product = app.product_with_stock(2500, 10).await;
    app.add(&token, &product, 2).await;
    let placed = app.checkout(&token).await;
    let order_id = placed.body["order_id"].as_str().expect("order_id").to_owned();
    let secret = client_secret(&app, placed.body["redirect_url"].as_str().expect("url")).await;
    emulator.pay_on_page(&secret, VISA_NUMBER).await;
    order_becomes(&app, &token, &order_id, "paid").await;
    let intent = intent_of(&secret);
    let form = [("payment_intent", intent.as_str()), ("amount", "1000")];
    assert_eq!(emulator.call(reqwest::Method::POST, "/v1/refunds", &form).await.0, 200, "refunded in the dashboard");

    let refunded = |id: &str| {
        json!({"id": id, "object": "event", "type": "charge.refunded", "created": 1, "livemode": false,
               "data": {"object": {"id": "ch_1", "object": "charge", "amount": 5000, "amount_refunded": 1000,
                                   "currency": "eur", "payment_intent": intent, "refunded": false}}})
    };
    for (id, expected) in
        [("evt_refund", "refund_recorded"), ("evt_refund", "acknowledged"), ("evt_again", "acknowledged")]
    {
        let answer = stripe_event(&app, &refunded(id), WEBHOOK_SECRET, None).await;
        assert_eq!(
            (answer.status, answer.body["outcome"].as_str()),
            (StatusCode::OK, Some(expected)),
            "{id}: {}",
            answer.body
        );
    }
    let order = order_becomes(&app, &token, &order_id, "paid").await;
    assert_eq!(order["refunded_cents"], 1000, "{order}");
    app.run_job("outbox-relay").await;
    assert_eq!(emulator.list(&format!("/v1/refunds?payment_intent={intent}")).await.len(), 1, "nothing refunded again");
    let emails = app.emails_to(&email).await;
    let told = emails.iter().filter(|e| e["text"].as_str().is_some_and(|t| t.contains("€10.00 of your order"))).count();
    assert_eq!(told, 1, "{emails:?}");
    // The payments ledger lists it once, as it lists Capsule's own refunds.
    let admin = app.admin_token().await;
    let ledger = app.get("/admin/payments?method_type=card", Some(&admin)).await.body;
    let listed: Vec<i64> = ledger["items"]
        .as_array()
        .expect("payments")
        .iter()
        .filter(|p| p["order_id"] == order_id.as_str() && p["status"] == "refunded")
        .filter_map(|p| p["amount_cents"].as_i64())
        .collect();
    assert_eq!(listed, [1000], "{ledger}");

    // Capsule's own refund (the order cancelled: what is left) is its outbox's, not a dashboard one.
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["refund_status"], "refunded", "{}", cancelled.body);
    let refunds = emulator.list(&format!("/v1/refunds?payment_intent={intent}")).await;
    let mut amounts: Vec<i64> = refunds.iter().filter_map(|r| r["amount"].as_i64()).collect();
    amounts.sort_unstable();
    assert_eq!(amounts, [1000, 4000], "the dashboard's, then what was left: {refunds:?}");
    let answer = stripe_event(&app, &refunded("evt_capsule"), WEBHOOK_SECRET, None).await;
    assert_eq!(answer.body["outcome"], "acknowledged", "{}", answer.body);
    let order = app.get(&format!("/orders/{order_id}"), Some(&token)).await.body;
    assert_eq!(
        (order["status"].as_str(), order["refunded_cents"].as_i64()),
        (Some("cancelled"), Some(1000)),
        "{order}"
    );
}
