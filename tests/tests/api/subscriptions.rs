//! Subscriptions played with the dev clock: a trial collected on the hosted page, its
//! reminder, its first charge and the renewals; a failing card through every attempt to
//! suspension and back with a new card; cancellation at the period's end; concurrent runs
//! that charge once; and the refusals.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::saved_methods::{at_fixed_day, card, count, methods, save_card, subjects, user_id};
use capsule_tests::{spawn_app, Answer, TestApp};

async fn subscribe(app: &TestApp, token: &str, plan: &str, method: &str) -> Answer {
    app.post("/subscriptions", Some(token), json!({"plan_id": plan, "payment_method": method})).await
}

async fn subscription(app: &TestApp, token: &str, id: &str) -> Value {
    let answer = app.get(&format!("/subscriptions/{id}"), Some(token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

async fn move_clock(app: &TestApp, now: &str) {
    let moved = app.post("/dev/clock", None, json!({"now": now})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
}

/// Runs the renewal job (and the queue work it caused) at the stack's clock.
async fn renew(app: &TestApp) -> Value {
    app.run_job("charge-renewal").await
}

/// A time of the answer to the minute (the stack's clock runs on from where a test set it).
fn minute(at: &Value) -> String {
    at.as_str().map(|t| t.chars().take(16).collect()).unwrap_or_else(|| at.to_string())
}

fn statuses(sub: &Value) -> Vec<(i64, String)> {
    sub["charges"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| (c["amount_cents"].as_i64().unwrap_or(0), c["status"].as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_trial_collected_on_the_page_reminds_charges_at_its_end_and_renews_monthly() {
    let app = spawn_app().await;
    at_fixed_day(&app).await; // 2030-03-10T12:00:00Z
    let (email, token) = app.customer("reader").await;

    let created = subscribe(&app, &token, "normal", "card").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["status"], "incomplete");
    let id = created.body["subscription_id"].as_str().expect("id").to_string();
    let url = created.body["redirect_url"].as_str().expect("the page collects the card").to_string();
    let page = app.client.get(&url).send().await.expect("page").text().await.unwrap_or_default();
    assert!(page.contains("€0.00"), "a trial charges nothing now");
    let (status, _, _) = app.pay(&url, &card("4242424242424242", 12, 2031, false)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.stack.drain().await;

    let sub = subscription(&app, &token, &id).await;
    assert_eq!(sub["status"], "trialing", "{sub}");
    assert_eq!(minute(&sub["trial_ends_at"]), "2030-03-24T12:00");
    assert_eq!(minute(&sub["next_charge_at"]), "2030-03-24T12:00");
    assert_eq!(sub["payment_method"]["last4"], "4242");
    assert_eq!(statuses(&sub), vec![]);
    // The card was saved for it, and cannot be deleted while it pays for it.
    let saved = methods(&app, &token).await;
    assert_eq!(saved.len(), 1);
    let path = format!("/payment-methods/{}", saved[0]["payment_method_id"].as_str().expect("id"));
    let in_use = app.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!((in_use.status, in_use.code()), (StatusCode::CONFLICT, "payment_method_in_use"));

    // Three days before its end, the reminder; once.
    assert_eq!(renew(&app).await, json!({"due": 0, "queued": 0}), "nothing due yet");
    move_clock(&app, "2030-03-21T12:01:00Z").await;
    assert_eq!(renew(&app).await, json!({"due": 1, "queued": 1}));
    assert_eq!(renew(&app).await, json!({"due": 0, "queued": 0}), "reminded once");
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Your free trial of Normal ends on 24 March 2030"), 1, "{:?}", subjects(&emails));

    // At its end, the first charge; a second run charges nothing more.
    move_clock(&app, "2030-03-24T12:01:00Z").await;
    renew(&app).await;
    renew(&app).await;
    let token = app.login(&email).await;
    let sub = subscription(&app, &token, &id).await;
    assert_eq!(sub["status"], "active", "{sub}");
    assert_eq!(statuses(&sub), vec![(1000, "succeeded".to_string())]);
    assert_eq!(minute(&sub["current_period_end"]), "2030-04-24T12:00");
    assert_eq!(minute(&sub["next_charge_at"]), "2030-04-24T12:00");
    let admin = app.admin_token().await;
    let listed = app.get("/admin/subscriptions?status=active", Some(&admin)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["mrr_cents"], 1000);
    assert_eq!(listed.body["items"][0]["subscription_id"], id.as_str());
    assert_eq!(listed.body["items"][0]["email"], email.as_str());

    // A month later, the renewal.
    move_clock(&app, "2030-04-24T12:01:00Z").await;
    renew(&app).await;
    let token = app.login(&email).await;
    let sub = subscription(&app, &token, &id).await;
    assert_eq!(statuses(&sub), vec![(1000, "succeeded".to_string()), (1000, "succeeded".to_string())]);
    assert_eq!(minute(&sub["next_charge_at"]), "2030-05-24T12:00");
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Payment received — Normal"), 2, "{:?}", subjects(&emails));
}

#[tokio::test]
async fn later_subscriptions_are_charged_at_start_and_one_per_plan() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("twoplans").await;
    let pm = save_card(&app, &token, "5555555555554444", 12, 2031).await;

    let first = subscribe(&app, &token, "normal", &pm).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["status"], "trialing", "the first subscription has the trial");
    assert!(first.body.get("redirect_url").is_none());

    let again = subscribe(&app, &token, "normal", &pm).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "already_subscribed"));
    let again_on_page = subscribe(&app, &token, "normal", "card").await;
    assert_eq!((again_on_page.status, again_on_page.code()), (StatusCode::CONFLICT, "already_subscribed"));

    let second = subscribe(&app, &token, "supplement", &pm).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    assert_eq!(second.body["status"], "active", "charged at start: {}", second.body);
    assert_eq!(statuses(&second.body["subscription"]), vec![(1500, "succeeded".to_string())]);
    assert_eq!(minute(&second.body["subscription"]["next_charge_at"]), "2030-04-10T12:00");

    let unknown = subscribe(&app, &token, "deluxe", &pm).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "plan_not_found"));
    let no_method = subscribe(&app, &token, "complet", "pm_nothing").await;
    assert_eq!((no_method.status, no_method.code()), (StatusCode::NOT_FOUND, "payment_method_not_found"));
    let listed = app.get("/subscriptions", Some(&token)).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(2), "{}", listed.body);

    // Someone else sees none of it, and cannot act on it.
    let (_, other) = app.customer("other").await;
    let id = second.body["subscription_id"].as_str().expect("id");
    assert_eq!(app.get(&format!("/subscriptions/{id}"), Some(&other)).await.status, StatusCode::NOT_FOUND);
    let cancel = app.post(&format!("/subscriptions/{id}/cancel"), Some(&other), json!({})).await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    let change = app
        .call(
            Method::PUT,
            &format!("/subscriptions/{id}/payment-method"),
            Some(&other),
            Some(json!({"payment_method_id": pm})),
        )
        .await;
    assert_eq!(change.status, StatusCode::NOT_FOUND);
    let foreign_method = subscribe(&app, &other, "complet", &pm).await;
    assert_eq!((foreign_method.status, foreign_method.code()), (StatusCode::NOT_FOUND, "payment_method_not_found"));
    assert_eq!(app.get("/subscriptions", Some(&other)).await.body["items"], json!([]));
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Payment received — Supplément"), 1, "{:?}", subjects(&emails));

    // The back office pages through every status, one at a time: active first, then trialing.
    let admin = app.admin_token().await;
    let mut seen = Vec::new();
    let mut path = "/admin/subscriptions?limit=1".to_string();
    loop {
        let page = app.get(&path, Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 1, "{}", page.body);
        seen.extend(items.iter().map(|i| i["status"].as_str().unwrap_or("").to_string()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/admin/subscriptions?limit=1&cursor={cursor}"),
            None => break,
        }
        assert!(seen.len() < 10, "the pages end");
    }
    assert_eq!(seen, ["active", "trialing"]);
    let bad = app.get("/admin/subscriptions?status=paused", Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_failing_card_is_tried_four_times_over_three_days_then_suspended_until_a_new_card() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("dunning").await;
    let failing = save_card(&app, &token, "4000000000000341", 12, 2031).await;
    let good = save_card(&app, &token, "4242424242424242", 12, 2031).await;
    let created = subscribe(&app, &token, "complet", &failing).await;
    assert_eq!(created.body["status"], "trialing", "{}", created.body);
    let id = created.body["subscription_id"].as_str().expect("id").to_string();

    let days = ["2030-03-24T12:01:00Z", "2030-03-25T12:01:00Z", "2030-03-26T12:01:00Z", "2030-03-27T12:01:00Z"];
    for (n, day) in days.iter().enumerate() {
        move_clock(&app, day).await;
        renew(&app).await;
        renew(&app).await;
        let token = app.login(&email).await;
        let sub = subscription(&app, &token, &id).await;
        assert_eq!(sub["failed_attempts"], n + 1, "{sub}");
        let expected = if n < 3 { "past_due" } else { "suspended" };
        assert_eq!(sub["status"], expected, "{sub}");
    }
    let token = app.login(&email).await;
    let sub = subscription(&app, &token, &id).await;
    assert_eq!(sub["next_charge_at"], Value::Null, "no further charge");
    assert_eq!(statuses(&sub).len(), 4, "one charge per attempt: {sub}");
    move_clock(&app, "2030-04-15T12:01:00Z").await;
    assert_eq!(renew(&app).await["due"], 0);
    let emails = app.emails_to(&email).await;
    for attempt in 1..=4 {
        assert_eq!(
            count(&emails, &format!("Payment failed — Complet (attempt {attempt} of 4)")),
            1,
            "{:?}",
            subjects(&emails)
        );
    }
    assert_eq!(count(&emails, "Subscription suspended — Complet"), 1);

    // A new card: charged at once, active again, the attempts forgotten.
    let token = app.login(&email).await;
    let changed = app
        .call(
            Method::PUT,
            &format!("/subscriptions/{id}/payment-method"),
            Some(&token),
            Some(json!({"payment_method_id": good})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["status"], "active", "{}", changed.body);
    assert_eq!(changed.body["failed_attempts"], 0);
    assert_eq!(changed.body["payment_method"]["last4"], "4242");
    assert_eq!(minute(&changed.body["next_charge_at"]), "2030-05-15T12:01");
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Subscription reactivated — Complet"), 1, "{:?}", subjects(&emails));
    // The failing card is free to delete now; the good one pays.
    let delete = |pm: &str| format!("/payment-methods/{pm}");
    assert_eq!(app.call(Method::DELETE, &delete(&failing), Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.call(Method::DELETE, &delete(&good), Some(&token), None).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_cancelled_subscription_ends_with_its_period_and_is_never_charged_again() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("leaving").await;
    let pm = save_card(&app, &token, "4242424242424242", 12, 2031).await;
    subscribe(&app, &token, "normal", &pm).await; // the trial
    let paid = subscribe(&app, &token, "complet", &pm).await;
    let id = paid.body["subscription_id"].as_str().expect("id").to_string();

    let cancelled = app.post(&format!("/subscriptions/{id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!((&cancelled.body["status"], &cancelled.body["cancel_at_period_end"]), (&json!("active"), &json!(true)));
    assert_eq!(cancelled.body["next_charge_at"], Value::Null);

    move_clock(&app, "2030-04-10T12:01:00Z").await;
    renew(&app).await;
    let token = app.login(&email).await;
    let sub = subscription(&app, &token, &id).await;
    assert_eq!(sub["status"], "cancelled", "{sub}");
    assert_eq!(statuses(&sub), vec![(2000, "succeeded".to_string())], "nothing charged after the cancellation");
    move_clock(&app, "2030-06-10T12:01:00Z").await;
    renew(&app).await;
    let token = app.login(&email).await;
    assert_eq!(statuses(&subscription(&app, &token, &id).await).len(), 1);
    // The plan is free again: a new subscription to it is charged at once (no second trial).
    let again = subscribe(&app, &token, "complet", &pm).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body["status"], "active");
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Subscription cancelled — Complet"), 1, "{:?}", subjects(&emails));
    assert_eq!(count(&emails, "Subscription ended — Complet"), 1, "{:?}", subjects(&emails));
}

/// The job run twice at once, and two consumers on one message at once: one charge.
#[tokio::test]
async fn concurrent_runs_and_consumers_charge_once() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("concurrent").await;
    let pm = save_card(&app, &token, "4242424242424242", 12, 2031).await;
    let trial = subscribe(&app, &token, "normal", &pm).await;
    let id = trial.body["subscription_id"].as_str().expect("id").to_string();

    move_clock(&app, "2030-03-24T12:01:00Z").await;
    let (a, b) = tokio::join!(renew(&app), renew(&app));
    assert!(a["due"].as_u64().unwrap_or(0) + b["due"].as_u64().unwrap_or(0) >= 1, "{a} {b}");
    let token = app.login(&email).await;
    let sub = subscription(&app, &token, &id).await;
    assert_eq!(statuses(&sub), vec![(1000, "succeeded".to_string())], "{sub}");

    // Two consumers handed the same message for the next period at once.
    move_clock(&app, "2030-04-24T12:01:00Z").await;
    let token = app.login(&email).await;
    let user = user_id(&app, &email).await;
    let message = {
        let mut record = aws_lambda_events::event::sqs::SqsMessage::default();
        record.message_id = Some("m-1".into());
        record.body = Some(json!({"user_id": user, "subscription_id": id}).to_string());
        let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
        event.records.push(record);
        event
    };
    let (x, y) = tokio::join!(
        charge_renewal::handle(&app.stack.app, message.clone()),
        charge_renewal::handle(&app.stack.app, message.clone())
    );
    assert!(x.batch_item_failures.is_empty() && y.batch_item_failures.is_empty());
    app.stack.drain().await;
    let sub = subscription(&app, &token, &id).await;
    assert_eq!(statuses(&sub), vec![(1000, "succeeded".to_string()), (1000, "succeeded".to_string())], "{sub}");
    let admin = app.admin_token().await;
    let payments = app.get("/admin/payments", Some(&admin)).await;
    let for_sub = payments.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["subscription_id"] == id.as_str())
        .count();
    assert_eq!(for_sub, 2, "{}", payments.body);
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Payment received — Normal"), 2, "{:?}", subjects(&emails));
}

/// A subscription started on the 31st is charged on the last day of shorter months and
/// comes back to the 31st: the periods keep their anchor day.
#[tokio::test]
async fn month_end_anchors_keep_their_day() {
    let app = spawn_app().await;
    move_clock(&app, "2031-01-31T10:00:00Z").await;
    let (email, token) = app.customer("monthend").await;
    let pm = save_card(&app, &token, "4242424242424242", 12, 2033).await;
    subscribe(&app, &token, "normal", &pm).await; // the trial
    let paid = subscribe(&app, &token, "complet", &pm).await;
    assert_eq!(paid.body["status"], "active", "{}", paid.body);
    let id = paid.body["subscription_id"].as_str().expect("id").to_string();
    assert_eq!(minute(&paid.body["subscription"]["next_charge_at"]), "2031-02-28T10:00");
    let mut next = Vec::new();
    for day in ["2031-02-28T10:01:00Z", "2031-03-31T10:01:00Z", "2031-04-30T10:01:00Z"] {
        move_clock(&app, day).await;
        renew(&app).await;
        let token = app.login(&email).await;
        next.push(minute(&subscription(&app, &token, &id).await["next_charge_at"]));
    }
    assert_eq!(next, ["2031-03-31T10:00", "2031-04-30T10:00", "2031-05-31T10:00"]);
}

/// The expiry email of a card names the subscription it pays for.
#[tokio::test]
async fn a_card_expiry_email_names_the_subscription_it_pays_for() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("expiring-sub").await;
    let pm = save_card(&app, &token, "4242424242424242", 3, 2030).await;
    let created = subscribe(&app, &token, "supplement", &pm).await;
    assert_eq!(created.body["status"], "trialing", "{}", created.body);
    let report = app.run_job("card-expiry-scan").await;
    assert_eq!(report["expiring_sent"], 1, "{report}");
    let emails = app.emails_to(&email).await;
    let notice = emails
        .iter()
        .find(|e| e["subject"].as_str().is_some_and(|s| s.ends_with("expires soon")))
        .unwrap_or_else(|| panic!("{:?}", subjects(&emails)));
    let text = notice["text"].as_str().unwrap_or_default();
    assert!(text.contains("It pays for your subscription to Supplément."), "{text}");
    assert!(notice["html"].as_str().is_some_and(|h| h.contains("Supplément")), "{notice}");
}

/// A trial cancelled before its end is neither reminded of a charge nor charged.
#[tokio::test]
async fn a_cancelled_trial_is_not_reminded_and_never_charged() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("trial-leaver").await;
    let pm = save_card(&app, &token, "4242424242424242", 12, 2031).await;
    let trial = subscribe(&app, &token, "normal", &pm).await;
    let id = trial.body["subscription_id"].as_str().expect("id").to_string();
    let cancelled = app.post(&format!("/subscriptions/{id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["cancel_at_period_end"], true, "{}", cancelled.body);

    move_clock(&app, "2030-03-21T12:01:00Z").await;
    assert_eq!(renew(&app).await["due"], 0, "no reminder is due");
    move_clock(&app, "2030-03-24T12:01:00Z").await;
    renew(&app).await;
    let token = app.login(&email).await;
    let sub = subscription(&app, &token, &id).await;
    assert_eq!(sub["status"], "cancelled", "{sub}");
    assert_eq!(statuses(&sub), vec![]);
    let emails = app.emails_to(&email).await;
    assert_eq!(count(&emails, "Your free trial"), 0, "{:?}", subjects(&emails));
    assert_eq!(count(&emails, "Subscription ended — Normal"), 1, "{:?}", subjects(&emails));
}

fn id_of(answer: &Answer) -> String {
    answer.body["subscription_id"].as_str().unwrap_or_else(|| panic!("no id: {}", answer.body)).to_string()
}

async fn change_method(app: &TestApp, token: &str, id: &str, method: &str) -> Answer {
    let path = format!("/subscriptions/{id}/payment-method");
    app.call(Method::PUT, &path, Some(token), Some(json!({"payment_method_id": method}))).await
}

/// Every item of the stack's table, as JSON.
async fn table_items(app: &TestApp) -> Vec<Value> {
    let store = &app.stack.app.store;
    let (mut items, mut start) = (Vec::new(), None);
    loop {
        let page = store
            .client()
            .scan()
            .table_name(store.table())
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("the table scans");
        let decoded = page.items.unwrap_or_default().into_iter().map(shared::store::from_item::<Value>);
        items.extend(decoded.map(|item| item.expect("an item")));
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return items,
        }
    }
}

/// The sandbox provider's side of a stack's subscriptions, from its ledger in the table:
/// what it took for them (off-session charges and page payments that succeeded), what it
/// gave back of that (its `refund-<payment_id>` records), and each off-session charge's
/// outcome, as its webhook receives a copy of it.
struct Ledger {
    taken: i64,
    refunded: i64,
    charges: Vec<Value>,
}

async fn ledger(app: &TestApp) -> Ledger {
    let items = table_items(app).await;
    let under =
        |prefix: &'static str| items.iter().filter(move |i| i["pk"].as_str().is_some_and(|pk| pk.starts_with(prefix)));
    let charges: Vec<Value> = under("CHARGE#").map(|c| c["event"].clone()).collect();
    let pages = under("PAYSESSION#").map(|s| s["event"].clone()).filter(|e| !e.is_null());
    let taken: Vec<Value> = charges
        .iter()
        .cloned()
        .chain(pages)
        .filter(|e| e["subscription_id"].is_string() && e["type"] == "payment.succeeded")
        .collect();
    let refunds: Vec<&str> =
        items.iter().filter_map(|i| i["payment_id"].as_str()).filter_map(|id| id.strip_prefix("refund-")).collect();
    let amount = |e: &Value| e["amount_cents"].as_i64().unwrap_or(0);
    Ledger {
        taken: taken.iter().map(amount).sum(),
        refunded: taken.iter().filter(|e| refunds.iter().any(|r| e["payment_id"] == *r)).map(amount).sum(),
        charges,
    }
}

/// What the customer holds for their money: the charges that paid their subscriptions.
async fn held(app: &TestApp, token: &str) -> i64 {
    let listed = app.get("/subscriptions", Some(token)).await;
    let subs = listed.body["items"].as_array().cloned().unwrap_or_default();
    subs.iter().flat_map(statuses).filter(|(_, status)| status == "succeeded").map(|(amount, _)| amount).sum()
}

/// Money is never taken for something the customer does not get: the provider's charges
/// less its refunds are what the customer's subscriptions hold, and the webhook
/// acknowledges the copy of every charge (none is redelivered into the dead-letter queue).
async fn assert_money_balances(app: &TestApp, token: &str) -> Ledger {
    app.stack.drain().await;
    let ledger = ledger(app).await;
    assert_eq!(
        ledger.taken - ledger.refunded,
        held(app, token).await,
        "taken {} refunded {}",
        ledger.taken,
        ledger.refunded
    );
    for charge in &ledger.charges {
        let copy = app.webhook(charge, capsule_tests::WEBHOOK_SECRET, None).await;
        assert_eq!(copy.status, StatusCode::OK, "the copy of {charge} is refused: {}", copy.body);
    }
    ledger
}

/// A customer with a saved card who has had the trial (their first subscription, to
/// Normal, on that card): later subscriptions are charged at their start.
async fn trial_used(tag: &str) -> (TestApp, String, String, String) {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer(tag).await;
    let pm = save_card(&app, &token, "4242424242424242", 12, 2031).await;
    assert_eq!(subscribe(&app, &token, "normal", &pm).await.body["status"], "trialing", "the trial is used");
    (app, email, token, pm)
}

/// The audit's sequence: a subscription left incomplete on its page, the plan then taken
/// with a saved card, and the first subscription given that card: refused before anything
/// is charged for it.
#[tokio::test]
async fn a_subscription_whose_plan_is_taken_is_refused_before_it_is_charged() {
    let (app, _, token, pm) = trial_used("refused").await;
    let on_page = subscribe(&app, &token, "complet", "card").await;
    assert_eq!(on_page.body["status"], "incomplete", "{}", on_page.body);
    let left = id_of(&on_page);

    let paid = subscribe(&app, &token, "complet", &pm).await;
    assert_eq!((paid.status, &paid.body["status"]), (StatusCode::CREATED, &json!("active")), "{}", paid.body);
    let refused = change_method(&app, &token, &left, &pm).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::CONFLICT, "already_subscribed"), "{}", refused.body);

    let ledger = assert_money_balances(&app, &token).await;
    assert_eq!((ledger.taken, ledger.refunded), (2000, 0), "one charge, for the subscription that holds the plan");
    let left = subscription(&app, &token, &left).await;
    assert_eq!((&left["status"], statuses(&left)), (&json!("incomplete"), vec![]), "{left}");
}

/// Five identical subscribes with a saved card at once: one subscription, one charge.
#[tokio::test]
async fn five_subscribes_at_once_with_a_saved_card_charge_once() {
    let (app, _, token, pm) = trial_used("five-at-once").await;

    let answers = futures::future::join_all((0..5).map(|_| subscribe(&app, &token, "complet", &pm))).await;
    let created = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    let refused =
        answers.iter().filter(|a| (a.status, a.code()) == (StatusCode::CONFLICT, "already_subscribed")).count();
    assert_eq!((created, refused), (1, 4), "{:?}", answers.iter().map(|a| &a.body).collect::<Vec<_>>());

    let ledger = assert_money_balances(&app, &token).await;
    assert_eq!((ledger.taken, ledger.refunded), (2000, 0), "one charge");
}

/// The copy of a charge that its subscription can no longer take (cancelled while the
/// charge was on its way, or its plan held by another one meanwhile) is refunded, the
/// refund naming the subscription, and acknowledged: not redelivered into the dead-letter
/// queue.
#[tokio::test]
async fn a_charge_its_subscription_cannot_take_is_refunded_and_acknowledged() {
    let (app, email, token, pm) = trial_used("late-charge").await;
    let cancelled = id_of(&subscribe(&app, &token, "complet", "card").await);
    let stopped = app.post(&format!("/subscriptions/{cancelled}/cancel"), Some(&token), json!({})).await;
    assert_eq!(stopped.body["status"], "cancelled", "{}", stopped.body);
    let outrun = id_of(&subscribe(&app, &token, "supplement", "card").await);
    assert_eq!(subscribe(&app, &token, "supplement", &pm).await.body["status"], "active");

    let user = user_id(&app, &email).await;
    let admin = app.admin_token().await;
    for (id, price) in [(&cancelled, 2000), (&outrun, 1500)] {
        let record = app.stack.app.store.subscription(&user, id).await.expect("read").expect("stored");
        let charge = json!({
            "event_id": format!("evt_{id}"), "type": "payment.succeeded", "payment_id": format!("pay_{id}"),
            "user_id": user, "idempotency_key": record.billing.charge_key(id), "subscription_id": id,
            "amount_cents": price, "currency": "EUR",
            "method": {"method_type": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031,
                       "fingerprint": "fp"},
            "save_method": false, "created": chrono::Utc::now().timestamp(),
        });
        let answer = app.webhook(&charge, capsule_tests::WEBHOOK_SECRET, None).await;
        assert_eq!((answer.status, &answer.body["outcome"]), (StatusCode::OK, &json!("refunded")), "{}", answer.body);
        let again = app.webhook(&charge, capsule_tests::WEBHOOK_SECRET, None).await;
        assert_eq!((again.status, &again.body["outcome"]), (StatusCode::OK, &json!("already_processed")));
        app.stack.drain().await;
        let payments = app.get("/admin/payments", Some(&admin)).await;
        let refund = payments.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["payment_id"] == format!("refund-pay_{id}").as_str())
            .cloned()
            .unwrap_or_else(|| panic!("no refund of {id}: {}", payments.body));
        assert_eq!((&refund["status"], &refund["subscription_id"]), (&json!("refunded"), &json!(id)), "{refund}");
        assert_eq!(statuses(&subscription(&app, &token, id).await), vec![], "nothing applied to it");
    }
}

/// A subscription's page takes no card once the subscription is cancelled or paid with a
/// saved method (410, as for an order that can no longer be paid): nothing is charged.
#[tokio::test]
async fn a_subscription_page_takes_no_card_once_it_is_cancelled_or_paid_otherwise() {
    let (app, _, token, pm) = trial_used("closed-page").await;

    let cancelled = subscribe(&app, &token, "complet", "card").await;
    let id = id_of(&cancelled);
    let stopped = app.post(&format!("/subscriptions/{id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(stopped.body["status"], "cancelled", "{}", stopped.body);
    let paid_otherwise = subscribe(&app, &token, "supplement", "card").await;
    let changed = change_method(&app, &token, &id_of(&paid_otherwise), &pm).await;
    assert_eq!(changed.body["status"], "active", "{}", changed.body);

    for created in [&cancelled, &paid_otherwise] {
        let url = created.body["redirect_url"].as_str().expect("a page");
        let shown = app.client.get(url).send().await.expect("page");
        assert_eq!(shown.status(), StatusCode::GONE);
        let (status, _, _) = app.pay(url, &card("4242424242424242", 12, 2031, false)).await;
        assert_eq!(status, StatusCode::GONE);
    }
    let ledger = assert_money_balances(&app, &token).await;
    assert_eq!((ledger.taken, ledger.refunded), (1500, 0), "only the saved card's charge");
}

/// A subscription whose card was deleted while it paid with it (before a card's count of
/// live subscriptions survived every writer) still takes a new card: the one gone is no
/// longer counted, and nothing answers 500.
#[tokio::test]
async fn a_subscription_whose_card_is_gone_still_takes_a_new_one() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let (email, token) = app.customer("card-gone").await;
    let gone = save_card(&app, &token, "4242424242424242", 12, 2031).await;
    let new = save_card(&app, &token, "5555555555554444", 12, 2031).await;
    let id = id_of(&subscribe(&app, &token, "normal", &gone).await);
    let user = user_id(&app, &email).await;
    let store = &app.stack.app.store;
    let key = shared::store::keys::payment_method(&user, &gone);
    store.client().delete_item().table_name(store.table()).set_key(Some(key.item())).send().await.expect("deleted");

    let changed = change_method(&app, &token, &id, &new).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        (&changed.body["status"], &changed.body["payment_method"]["last4"]),
        (&json!("trialing"), &json!("4444"))
    );
    let counted = store.payment_method(&user, &new).await.expect("read").expect("saved");
    assert_eq!(counted.live_subscriptions, 1);
    let back = change_method(&app, &token, &id, &gone).await;
    assert_eq!((back.status, back.code()), (StatusCode::NOT_FOUND, "payment_method_not_found"));
}
