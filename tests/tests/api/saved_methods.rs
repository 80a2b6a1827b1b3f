//! Saved payment methods: saved with the payment that approved them, listed and deleted by
//! their owner only, charged in one request at checkout (once, however many times it is
//! asked), and watched for expiry by `card-expiry-scan`.
use capsule_tests::{pickup, spawn_app, Answer, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The stack's clock for these tests: a fixed day, so that card expiries are exact.
pub(crate) const TODAY: &str = "2030-03-10T12:00:00Z";

pub(crate) async fn at_fixed_day(app: &TestApp) {
    let set = app.post("/dev/clock", None, json!({"now": TODAY})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
}

pub(crate) fn card(number: &str, month: u32, year: i32, save: bool) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("method", "card".to_string()),
        ("card_number", number.to_string()),
        ("exp_month", month.to_string()),
        ("exp_year", year.to_string()),
        ("cvc", "123".to_string()),
        ("holder_name", "Ada Lovelace".to_string()),
    ];
    if save {
        form.push(("save", "on".to_string()));
    }
    form
}

/// Puts one unit of a fresh product in the cart; its id.
pub(crate) async fn fill_cart(app: &TestApp, token: &str, stock: i64) -> String {
    let product = app.product_with_stock(1500, stock).await;
    let added = app.add(token, &product, 1).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    product
}

/// Checks the cart out for the hosted page, asking to be allowed to save.
pub(crate) async fn checkout_saving(app: &TestApp, token: &str) -> Answer {
    let body = json!({"payment_method": "card", "save_payment_method": true, "delivery": pickup()});
    let placed = app.post("/checkout", Some(token), body).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    placed
}

/// Checks the cart out on the hosted page with `form`, asking to be allowed to save.
pub(crate) async fn pay_on_page(app: &TestApp, token: &str, form: &[(&str, String)], status: &str) -> Value {
    let placed = checkout_saving(app, token).await;
    let (answer, _, _) = app.pay(placed.body["redirect_url"].as_str().expect("redirect_url"), form).await;
    assert_eq!(answer, StatusCode::SEE_OTHER);
    app.order_when(token, placed.body["order_id"].as_str().expect("order_id"), status).await
}

pub(crate) async fn methods(app: &TestApp, token: &str) -> Vec<Value> {
    let listed = app.get("/payment-methods", Some(token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    listed.body["items"].as_array().cloned().expect("items")
}

/// Saves `number` (expiring `month`/`year`) with a purchase; its id.
pub(crate) async fn save_card(app: &TestApp, token: &str, number: &str, month: u32, year: i32) -> String {
    fill_cart(app, token, 10).await;
    pay_on_page(app, token, &card(number, month, year, true), "paid").await;
    let last4 = &number[number.len() - 4..];
    let saved = methods(app, token).await;
    let found = saved.iter().find(|m| m["last4"] == last4).unwrap_or_else(|| panic!("{last4} not in {saved:?}"));
    found["payment_method_id"].as_str().expect("id").to_string()
}

pub(crate) async fn checkout_with(app: &TestApp, token: &str, method: &str) -> Answer {
    app.post("/checkout", Some(token), json!({"payment_method": method, "delivery": pickup()})).await
}

pub(crate) fn subjects(emails: &[Value]) -> Vec<String> {
    emails.iter().map(|e| e["subject"].as_str().unwrap_or_default().to_string()).collect()
}

pub(crate) fn count(emails: &[Value], starting: &str) -> usize {
    subjects(emails).iter().filter(|s| s.starts_with(starting)).count()
}

#[tokio::test]
async fn a_method_is_saved_only_when_asked_and_paid_and_the_same_card_stays_one_entry() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("saver").await;

    // Not asked on the page, declined, or on a checkout that did not offer it: nothing saved.
    fill_cart(&app, &token, 10).await;
    pay_on_page(&app, &token, &card("4242424242424242", 12, 2031, false), "paid").await;
    fill_cart(&app, &token, 10).await;
    pay_on_page(&app, &token, &card("4000000000000002", 12, 2031, true), "payment_failed").await;
    let placed = app.checkout(&token).await;
    let url = placed.body["redirect_url"].as_str().expect("redirect_url").to_string();
    app.pay(&url, &card("5555555555554444", 12, 2031, true)).await;
    app.order_when(&token, placed.body["order_id"].as_str().expect("id"), "paid").await;
    assert_eq!(methods(&app, &token).await, Vec::<Value>::new());

    // Asked and paid: saved, shown without the number, emailed.
    let id = save_card(&app, &token, "4242 4242 4242 4242", 12, 2031).await;
    assert!(id.starts_with("pm_"), "{id}");
    let listed = methods(&app, &token).await;
    assert_eq!(
        listed,
        vec![json!({"payment_method_id": id, "type": "card", "brand": "visa", "last4": "4242",
                    "exp_month": 12, "exp_year": 2031, "expiring_soon": false, "expired": false})]
    );
    assert_eq!(count(&app.emails_to(&email).await, "Payment method saved"), 1);

    // The same card again: one entry, no new email; with a later expiry: updated, emailed.
    save_card(&app, &token, "4242424242424242", 12, 2031).await;
    assert_eq!(methods(&app, &token).await.len(), 1);
    assert_eq!(count(&app.emails_to(&email).await, "Payment method saved"), 1);
    assert_eq!(save_card(&app, &token, "4242424242424242", 3, 2033).await, id);
    let listed = methods(&app, &token).await;
    assert_eq!((listed.len(), &listed[0]["exp_month"], &listed[0]["exp_year"]), (1, &json!(3), &json!(2033)));
    assert_eq!(count(&app.emails_to(&email).await, "Payment method saved"), 2);

    // CRINA-PAY is saved as its phone's last four digits.
    fill_cart(&app, &token, 10).await;
    pay_on_page(
        &app,
        &token,
        &[("method", "crina_pay".into()), ("phone", "+33 6 12 34 56 78".into()), ("save", "on".into())],
        "paid",
    )
    .await;
    let listed = methods(&app, &token).await;
    let phone: Vec<&Value> = listed.iter().filter(|m| m["type"] == "crina_pay").collect();
    assert_eq!(phone.len(), 1, "{listed:?}");
    assert_eq!(phone[0]["phone_last4"], "5678");
    assert!(phone[0].get("last4").is_none() && phone[0].get("expired").is_none(), "{}", phone[0]);
}

#[tokio::test]
async fn only_the_owner_sees_and_deletes_a_method_and_one_in_use_stays() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (owner_email, owner) = app.customer("owner").await;
    let (_, other) = app.customer("other").await;
    let id = save_card(&app, &owner, "4242424242424242", 12, 2031).await;

    assert_eq!(methods(&app, &other).await, Vec::<Value>::new());
    let path = format!("/payment-methods/{id}");
    let foreign = app.call(Method::DELETE, &path, Some(&other), None).await;
    assert_eq!((foreign.status, foreign.code()), (StatusCode::NOT_FOUND, "payment_method_not_found"));
    let foreign_checkout = checkout_with(&app, &other, &id).await;
    assert_eq!((foreign_checkout.status, foreign_checkout.code()), (StatusCode::NOT_FOUND, "payment_method_not_found"));
    let malformed = app.call(Method::DELETE, "/payment-methods/pm_a.b", Some(&owner), None).await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::BAD_REQUEST, "invalid_request"));
    let anonymous = app.call(Method::DELETE, &path, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // A live subscription charges it (as subscriptions will record it): it stays.
    let store = &app.stack.app.store;
    let user_id = user_id(&app, &owner_email).await;
    let mut record = store.payment_method(&user_id, &id).await.expect("read").expect("saved");
    record.live_subscriptions = 1;
    store.put(&record).await.expect("marked in use");
    let in_use = app.call(Method::DELETE, &path, Some(&owner), None).await;
    assert_eq!((in_use.status, in_use.code()), (StatusCode::CONFLICT, "payment_method_in_use"));
    record.live_subscriptions = 0;
    store.put(&record).await.expect("no longer in use");

    let deleted = app.call(Method::DELETE, &path, Some(&owner), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(methods(&app, &owner).await, Vec::<Value>::new());
    let again = app.call(Method::DELETE, &path, Some(&owner), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    fill_cart(&app, &owner, 10).await;
    let gone = checkout_with(&app, &owner, &id).await;
    assert_eq!((gone.status, gone.code()), (StatusCode::NOT_FOUND, "payment_method_not_found"));
}

/// The user id of the account with this email, as the table keeps it.
pub(crate) async fn user_id(app: &TestApp, email: &str) -> String {
    let key = shared::store::keys::email(&shared::domain::Email::parse(email).expect("an email"));
    let credentials: Option<shared::store::Credentials> = app.stack.app.store.get(key).await.expect("read");
    credentials.expect("an account").user_id
}

#[tokio::test]
async fn a_saved_card_pays_in_one_request_with_every_effect_of_a_paid_order() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("oneclick").await;
    let id = save_card(&app, &token, "5555555555554444", 12, 2031).await;
    let product = fill_cart(&app, &token, 10).await;
    app.add(&token, &product, 1).await;

    let paid = checkout_with(&app, &token, &id).await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    assert_eq!(paid.body["status"], "paid");
    assert!(paid.body.get("redirect_url").is_none(), "{}", paid.body);
    let order = &paid.body["order"];
    assert_eq!(order["status"], "paid");
    assert_eq!(order["payment"], json!({"method_type": "card", "brand": "mastercard", "last4": "4444"}));
    assert_eq!(app.stock(&product).await, 8);
    let cart = app.get("/cart", Some(&token)).await;
    assert_eq!(cart.body["items"], json!([]), "{}", cart.body);
    let order_id = paid.body["order_id"].as_str().expect("id");
    // The provider's webhook brings the same outcome: it changes nothing more.
    app.order_when(&token, order_id, "paid").await;
    app.number_invoices().await;
    let settled = app.order_when(&token, order_id, "paid").await;
    assert!(settled["invoice_number"].as_str().is_some_and(|n| n.starts_with("INV-")), "{settled}");
    let invoices =
        count(&app.emails_to(&email).await, &format!("Invoice {}", settled["invoice_number"].as_str().unwrap_or("?")));
    assert_eq!(invoices, 1);
}

#[tokio::test]
async fn a_card_whose_later_charges_fail_gives_the_items_back_and_an_expired_one_holds_nothing() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("failing").await;
    let id = save_card(&app, &token, "4000000000000341", 12, 2031).await;
    let product = fill_cart(&app, &token, 10).await;

    let failed = checkout_with(&app, &token, &id).await;
    assert_eq!(failed.status, StatusCode::CREATED, "{}", failed.body);
    assert_eq!(failed.body["status"], "payment_failed");
    assert_eq!(app.stock(&product).await, 10, "the hold is released");
    let cart = app.get("/cart", Some(&token)).await;
    assert_eq!(cart.body["items"][0]["product_id"], product, "the items are back: {}", cart.body);
    assert_eq!(count(&app.emails_to(&email).await, "Payment failed"), 1);

    // A card saved to the end of this month, a month later: refused before any hold.
    let expiring = save_card(&app, &token, "4242424242424242", 3, 2030).await;
    app.post("/dev/clock", None, json!({"now": "2030-04-02T09:00:00Z"})).await;
    let token = app.login(&email).await;
    let fresh = fill_cart(&app, &token, 10).await;
    let listed = methods(&app, &token).await;
    let card = listed.iter().find(|m| m["payment_method_id"] == expiring.as_str()).expect("listed");
    assert_eq!((&card["expired"], &card["expiring_soon"]), (&json!(true), &json!(false)));
    let refused = checkout_with(&app, &token, &expiring).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNPROCESSABLE_ENTITY, "payment_method_expired"));
    assert_eq!(app.stock(&fresh).await, 10, "nothing held");
    let cart = app.get("/cart", Some(&token)).await;
    assert!(cart.body["items"].as_array().is_some_and(|i| !i.is_empty()), "the cart is not locked: {}", cart.body);
    let malformed = checkout_with(&app, &token, "pm_ä").await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::BAD_REQUEST, "invalid_request"));
}

/// Two checkouts of one cart with a saved card at the same time: one order, one charge.
/// The same charge sent twice at once to the provider: one payment.
#[tokio::test]
async fn a_charge_sent_twice_at_once_charges_once() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("twice").await;
    let id = save_card(&app, &token, "4242424242424242", 12, 2031).await;
    let product = fill_cart(&app, &token, 10).await;

    let (first, second) = tokio::join!(checkout_with(&app, &token, &id), checkout_with(&app, &token, &id));
    let (placed, refused) = if first.status == StatusCode::CREATED { (&first, &second) } else { (&second, &first) };
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    // The loser finds the cart locked by the winner's order, or already emptied by its payment.
    assert!(["checkout_in_progress", "empty_cart"].contains(&refused.code()), "{}", refused.body);
    assert_eq!(placed.body["status"], "paid");
    assert_eq!(app.stock(&product).await, 9, "one unit sold, once");
    let order_id = placed.body["order_id"].as_str().expect("id").to_string();

    // The same charge again, twice at once: the first outcome, no second payment.
    let user_id = user_id(&app, &email).await;
    let method = app.stack.app.store.payment_method(&user_id, &id).await.expect("read").expect("saved");
    let request = shared::payments::ChargeRequest {
        idempotency_key: format!("order:{order_id}"),
        token: method.token.clone(),
        user_id: user_id.clone(),
        order_id: Some(order_id.clone()),
        subscription_id: None,
        amount_cents: placed.body["order"]["total_cents"].as_i64().expect("total"),
        currency: "EUR".into(),
    };
    let provider = shared::payments::provider(&app.stack.app);
    let (a, b) = tokio::join!(
        provider.charge(&app.stack.app, request.clone()),
        provider.charge(&app.stack.app, request.clone())
    );
    let (a, b) = (a.expect("charged"), b.expect("charged"));
    assert_eq!(a, b);
    app.order_when(&token, &order_id, "paid").await;
    app.number_invoices().await;
    let numbered = app.order_when(&token, &order_id, "paid").await;
    let admin = app.admin_token().await;
    let payments = app.get("/admin/payments?method_type=card", Some(&admin)).await;
    let for_order: Vec<&Value> = payments.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["order_id"] == order_id.as_str())
        .collect();
    assert_eq!(for_order.len(), 1, "{for_order:?}");
    assert_eq!(for_order[0]["payment_id"], a.payment_id.as_str());
    let invoice = numbered["invoice_number"].as_str().expect("invoice");
    assert_eq!(count(&app.emails_to(&email).await, &format!("Invoice {invoice}")), 1);

    // The key names what it pays: another amount under it is refused, not charged.
    let other = shared::payments::ChargeRequest { amount_cents: 1, ..request };
    assert!(provider.charge(&app.stack.app, other).await.is_err());
}

#[tokio::test]
async fn the_expiry_scan_emails_once_per_card_and_expiry_and_reads_only_cards_due() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("expiring").await;
    // Ends 2030-04-01: within 30 days of the 10th of March. The other ends far later.
    let soon = save_card(&app, &token, "4242424242424242", 3, 2030).await;
    save_card(&app, &token, "5555555555554444", 12, 2031).await;
    let listed = methods(&app, &token).await;
    let flag = |id: &str| listed.iter().find(|m| m["payment_method_id"] == id).map(|m| m["expiring_soon"].clone());
    assert_eq!(flag(&soon), Some(json!(true)));

    // Many cards that are not due change nothing of what the scan reads.
    let user_id = user_id(&app, &email).await;
    for i in 0..40 {
        let details = shared::domain::saved_method::MethodDetails {
            method_type: "card".into(),
            brand: Some("visa".into()),
            last4: Some(format!("{:04}", i)),
            exp_month: Some(1 + i % 12),
            exp_year: Some(2031 + (i / 12) as i32),
            phone_last4: None,
            fingerprint: format!("far-{i}"),
        };
        let record =
            shared::store::PaymentMethodRecord::saved(&user_id, &email, details, "tok_far", chrono::Utc::now(), None);
        app.stack.app.store.put(&record).await.expect("saved");
    }
    let scan = || async { app.run_job("card-expiry-scan").await };
    let (first, second) = tokio::join!(scan(), scan());
    let sent = |r: &Value, key: &str| r[key].as_u64().unwrap_or(99);
    assert_eq!(sent(&first, "expiring_sent") + sent(&second, "expiring_sent"), 1, "{first} {second}");
    assert!(
        sent(&first, "examined") <= 1 && sent(&second, "examined") <= 1,
        "only the due card is read: {first} {second}"
    );
    let again = scan().await;
    assert_eq!(again, json!({"examined": 0, "expiring_sent": 0, "expired_sent": 0, "skipped": 0, "failed": 0}));
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Your visa ending in 4242 expires soon"), 1, "{:?}", subjects(&emails));

    // Expired: one more email, once; then the card leaves the index for good.
    app.post("/dev/clock", None, json!({"now": "2030-04-01T00:00:05Z"})).await;
    let (first, second) = tokio::join!(scan(), scan());
    assert_eq!(sent(&first, "expired_sent") + sent(&second, "expired_sent"), 1, "{first} {second}");
    app.post("/dev/clock", None, json!({"advance_seconds": 40 * 24 * 3600})).await;
    let later = scan().await;
    assert_eq!(later["examined"], 0, "{later}");
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Your visa ending in 4242 has expired"), 1, "{:?}", subjects(&emails));
    assert_eq!(count(&emails, "Your mastercard"), 0, "{:?}", subjects(&emails));

    // A later expiry saved for that card starts its emails over.
    let token = app.login(&email).await;
    let renewed = save_card(&app, &token, "4242424242424242", 5, 2030).await;
    assert_eq!(renewed, soon);
    let report = scan().await;
    assert_eq!(report["expiring_sent"], 1, "{report}");
}

/// A customer with a card expiring this month (due for its expiry email), and how to
/// subscribe with it and read its count of live subscriptions.
struct Counted {
    app: TestApp,
    email: String,
    token: String,
    user: String,
    id: String,
}

impl Counted {
    async fn new(tag: &str) -> Self {
        let app = spawn_app().await;
        at_fixed_day(&app).await;
        let (email, token) = app.customer(tag).await;
        let id = save_card(&app, &token, "4242424242424242", 3, 2030).await;
        let user = user_id(&app, &email).await;
        Self { app, email, token, user, id }
    }

    async fn subscribe(&self, plan: &str) {
        let body = json!({"plan_id": plan, "payment_method": self.id});
        let created = self.app.post("/subscriptions", Some(&self.token), body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }

    async fn card(&self) -> shared::store::PaymentMethodRecord {
        self.app.stack.app.store.payment_method(&self.user, &self.id).await.expect("read").expect("saved")
    }

    /// Its count is `live`, and it cannot be deleted.
    async fn assert_in_use_by(&self, live: u32) {
        assert_eq!(self.card().await.live_subscriptions, live);
        let path = format!("/payment-methods/{}", self.id);
        let deleted = self.app.call(Method::DELETE, &path, Some(&self.token), None).await;
        assert_eq!((deleted.status, deleted.code()), (StatusCode::CONFLICT, "payment_method_in_use"));
    }
}

/// The card saved again by a payment while a subscription starts on it (the saving reads
/// the card before, and writes it after): its count of live subscriptions survives, so a
/// card that pays a subscription is never deleted.
#[tokio::test]
async fn saving_a_card_again_keeps_its_count_of_live_subscriptions() {
    let counted = Counted::new("saved-again").await;
    let card = counted.card().await;
    let payment = shared::payments::PaymentEvent {
        event_id: "evt_again".into(),
        kind: shared::payments::PaymentEventKind::Succeeded,
        session_id: Some("ps_again".into()),
        payment_id: "pay_again".into(),
        user_id: Some(counted.user.clone()),
        idempotency_key: None,
        order_id: Some("order-again".into()),
        subscription_id: None,
        amount_cents: 1500,
        currency: "EUR".into(),
        method: card.details.clone(),
        save_method: true,
        method_token: Some(card.token.clone()),
        failure_reason: None,
        decline_code: None,
        authentication_required: false,
        created: 0,
    };
    let (app, now) = (&counted.app.stack.app, chrono::Utc::now());
    let saving =
        shared::saved_methods::saving(app, &counted.user, &counted.email, shared::domain::Locale::En, &payment, now)
            .await
            .expect("read");
    let saving = saving.expect("it asks to save");
    counted.subscribe("normal").await;
    app.store.write(saving.write(app.store.table()).expect("a write")).await.expect("saved again");
    counted.assert_in_use_by(1).await;

    // Saved again through the page, once the subscription stands: still one entry, in use.
    save_card(&counted.app, &counted.token, "4242424242424242", 3, 2030).await;
    assert_eq!(methods(&counted.app, &counted.token).await.len(), 1);
    counted.assert_in_use_by(1).await;
}

/// The expiry scan reads a card, a subscription starts on it, the scan records its email:
/// the card's count of live subscriptions survives the scan.
#[tokio::test]
async fn the_expiry_scan_keeps_a_cards_count_of_live_subscriptions() {
    use shared::domain::saved_method::{ExpiryNotice, ExpiryNotices};
    let counted = Counted::new("scanned").await;
    let store = &counted.app.stack.app.store;
    let scanned = counted.card().await;
    counted.subscribe("supplement").await;
    let outbox = store.new_item(&json!({"pk": "TEST#notice", "sk": "TEST"})).expect("a write");
    let recorded = store.record_card_notice(&scanned, ExpiryNotices::after(ExpiryNotice::Expiring), outbox).await;
    assert!(recorded.expect("recorded"), "the card's own fields did not change meanwhile");
    assert_eq!(counted.card().await.expiry_notices, ExpiryNotices::ExpiringSent);
    counted.assert_in_use_by(1).await;
    assert_eq!(counted.app.run_job("card-expiry-scan").await["expiring_sent"], 0, "sent once");
}

/// One page posted twice at once, "save" ticked, with a card that pays and one whose later
/// charges fail: whichever submission completes the session, the saved method is its card
/// and its token charges as that card. Rounds repeat the race so that both orders happen.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_cards_posted_at_once_save_the_winning_card_under_its_own_token() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    for round in 0..8 {
        let (_, token) = app.customer(&format!("two-cards-{round}")).await;
        fill_cart(&app, &token, 10).await;
        let placed = checkout_saving(&app, &token).await;
        let url = placed.body["redirect_url"].as_str().expect("redirect_url");
        let (pays, fails_later) = (card("4242424242424242", 12, 2031, true), card("4000000000000341", 12, 2031, true));
        let (a, b) = tokio::join!(app.pay(url, &pays), app.pay(url, &fails_later));
        assert_eq!((a.0, b.0), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
        let order = app.order_when(&token, placed.body["order_id"].as_str().expect("id"), "paid").await;
        let paid_with = order["payment"]["last4"].as_str().expect("last4").to_string();

        let saved = methods(&app, &token).await;
        assert_eq!(saved.len(), 1, "round {round}: {saved:?}");
        assert_eq!(saved[0]["last4"], paid_with.as_str(), "round {round}: the card that paid is the one saved");
        // Charged later, the saved method behaves as the card it shows.
        fill_cart(&app, &token, 10).await;
        let id = saved[0]["payment_method_id"].as_str().expect("id");
        let charged = checkout_with(&app, &token, id).await;
        assert_eq!(charged.status, StatusCode::CREATED, "{}", charged.body);
        let expected = if paid_with == "4242" { "paid" } else { "payment_failed" };
        assert_eq!(charged.body["status"], expected, "round {round}: saved {paid_with} charged as another card");
    }
}
