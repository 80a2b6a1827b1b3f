//! Least privilege, proved by what the functions do: journeys that run every function, the
//! permission each AWS call needed (recorded by the SDK interceptor, `shared::access`), held
//! to each function's policy in `template.yaml`. Every call must be allowed, and every grant
//! must have been used by the journeys or be listed in `GRANTED_UNUSED` with its reason.
use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::json;
use serde_yaml::Value as Yaml;

use crate::saved_methods::{at_fixed_day, card, checkout_with, fill_cart, methods, pay_on_page, save_card, user_id};
use capsule_tests::{card_form, pickup, spawn_app, spawn_app_with, Setup, TestApp, DECLINED, VISA};

/// Grants no journey here may be seen to use, each with the path that needs it: (function,
/// action, resource, partition key pattern, why).
const GRANTED_UNUSED: &[(&str, &str, &str, &str, &str)] = &[
    // Settings, plans and pickup points are read through a cache per container
    // (`REFERENCE_TTL`); the local stack runs every function in one process with one cache,
    // so the read is counted to whichever function made it first. Each function reads them
    // at its own cold start in AWS.
    ("add-to-cart", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "sale_unit_limit, max_unpaid_units_per_product"),
    ("admin", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "GET /admin/settings, the listings"),
    ("admin-catalogue", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "low_stock_threshold, the alert's language"),
    (
        "admin-orders",
        "dynamodb:GetItem",
        "CapsuleTable",
        "SETTINGS",
        "the shop's name and language in the buyer's emails",
    ),
    ("auth", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "signups_per_address_per_hour"),
    ("cancel-order", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "cancellation window"),
    ("card-expiry-scan", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "card_expiry_notice_days"),
    ("catalog", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "low_stock_threshold, trial_days"),
    ("charge-renewal", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "trial days, dunning"),
    ("payment-methods", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "card_expiry_notice_days"),
    ("invoice-numbering", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "low-stock alerts after a batch"),
    ("subscribe", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "trial_days"),
    ("subscribe", "dynamodb:Query", "CapsuleTable", "PLANS", "the plans partition"),
    ("checkout", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "the settings"),
    ("invoice-numbering", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "the seller and VAT rate"),
    ("payment-portal", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "the shop's name and language"),
    ("payment-webhook", "dynamodb:GetItem", "CapsuleTable", "SETTINGS", "a failed or late payment's email"),
    ("checkout", "dynamodb:Query", "CapsuleTable", "PICKUP_POINTS", "the pickup points partition"),
    ("add-to-cart", "dynamodb:Query", "CapsuleTable", "PICKUP_POINTS", "the pickup points partition (quote)"),
    // Stripe mode only (these journeys run the sandbox): a closed session's PaymentIntent is
    // cancelled at Stripe, read from the session (`stripe::provider::close_session`).
    ("subscribe", "dynamodb:GetItem", "CapsuleTable", "PAYSESSION#*", "Stripe mode: the session's PaymentIntent"),
    ("outbox-relay", "dynamodb:GetItem", "CapsuleTable", "PAYSESSION#*", "Stripe mode: the session's PaymentIntent"),
    // The renewal job applies its charge's outcome before the provider's copy reaches the
    // webhook; when the copy of one that asked for authentication comes first, the webhook
    // opens the page that confirms it.
    ("payment-webhook", "dynamodb:PutItem", "CapsuleTable", "PAYSESSION#*", "a renewal's authentication page"),
];

/// One thing a policy allows: action, resource (as the template names it) and, when the
/// statement has a `dynamodb:LeadingKeys` condition, the partition keys it is limited to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    action: String,
    resource: String,
    leading_keys: Option<Vec<String>>,
}

fn template() -> Yaml {
    let path = format!("{}/../template.yaml", env!("CARGO_MANIFEST_DIR"));
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("template.yaml")).expect("YAML")
}

/// `!GetAtt X.Arn` → `X`; `!Ref X` → `X`; `!Sub "${X.Arn}/index/i"` → `X/index/i`;
/// `!Sub "arn:${AWS::Partition}:ses:...:identity/${SenderEmail}"` → `identity/${SenderEmail}`.
fn resource_name(value: &Yaml) -> String {
    let text = match value {
        Yaml::Tagged(tagged) => match &tagged.value {
            Yaml::String(s) => s.clone(),
            other => format!("{other:?}"),
        },
        Yaml::String(s) => s.clone(),
        other => format!("{other:?}"),
    };
    let text = text.trim_end_matches(".Arn").trim_end_matches(".QueueName").replace(".Arn}", "}");
    let text = text.rsplit_once(":${AWS::AccountId}:").map_or(text.clone(), |(_, rest)| rest.to_string());
    if text.starts_with("${") && !text.starts_with("${SenderEmail") {
        text.trim_start_matches("${").replacen('}', "", 1)
    } else {
        text
    }
}

fn list(value: &Yaml) -> Vec<Yaml> {
    match value {
        Yaml::Sequence(items) => items.clone(),
        Yaml::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

/// Each function's grants, by the crate it builds.
fn grants() -> BTreeMap<String, Vec<Grant>> {
    let template = template();
    let mut by_function = BTreeMap::new();
    for resource in template["Resources"].as_mapping().expect("Resources").values() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let name = resource["Metadata"]["BuildProperties"]["Binary"].as_str().expect("Binary").to_string();
        let mut grants = Vec::new();
        for policy in list(&resource["Properties"]["Policies"]) {
            let grant = |action: &str, resource: &Yaml| Grant {
                action: action.to_string(),
                resource: resource_name(resource),
                leading_keys: None,
            };
            if let Some(sqs) = policy.get("SQSSendMessagePolicy") {
                grants.push(grant("sqs:SendMessage", &sqs["QueueName"]));
            } else if let Some(bus) = policy.get("EventBridgePutEventsPolicy") {
                grants.push(grant("events:PutEvents", &bus["EventBusName"]));
            } else if let Some(secret) = policy.get("AWSSecretsManagerGetSecretValuePolicy") {
                grants.push(grant("secretsmanager:GetSecretValue", &secret["SecretArn"]));
            } else if let Some(statements) = policy.get("Statement") {
                for statement in list(statements) {
                    assert_eq!(statement["Effect"], "Allow", "{name}: only Allow statements");
                    let leading_keys = statement.get("Condition").map(|condition| {
                        let keys = &condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                        list(keys).iter().map(|k| k.as_str().expect("a key pattern").to_string()).collect()
                    });
                    for action in list(&statement["Action"]) {
                        for resource in list(&statement["Resource"]) {
                            let action = action.as_str().expect("an action");
                            grants.push(Grant { leading_keys: leading_keys.clone(), ..grant(action, &resource) });
                        }
                    }
                }
            } else {
                panic!("{name}: a policy this test cannot read (whole-table templates are gone): {policy:?}");
            }
        }
        by_function.insert(name, grants);
    }
    by_function
}

fn matches(pattern: &str, key_kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => key_kind.starts_with(prefix),
        None => pattern == key_kind,
    }
}

/// The journeys: every function runs, on its usual paths and on its refusals.
async fn run_every_function(app: &TestApp) {
    at_fixed_day(app).await;
    // auth, catalog
    let (email, _) = app.customer("iam").await;
    let bad = app.post("/auth/login", None, json!({"email": email, "password": "wrong-password"})).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let token = app.login(&email).await;
    let language = app.call(Method::PATCH, "/account", Some(&token), Some(json!({"locale": "fr"}))).await;
    assert_eq!(language.status, StatusCode::OK, "{}", language.body);
    assert_eq!(app.get("/account", Some(&token)).await.status, StatusCode::OK);
    for path in ["/products?q=casq", "/products/cap-ete", "/pickup-points", "/plans"] {
        assert_eq!(app.get(path, None).await.status, StatusCode::OK, "{path}");
    }
    // admin
    let admin = app.admin_token().await;
    let product = app
        .post(
            "/admin/products",
            Some(&admin),
            json!({"name": "Casquette IAM", "description": "d", "price_cents": 2000, "stock": 8, "product_discount": false}),
        )
        .await;
    assert_eq!(product.status, StatusCode::CREATED, "{}", product.body);
    let product = product.body["product_id"].as_str().expect("id").to_string();
    let patched =
        app.call(Method::PATCH, &format!("/admin/products/{product}"), Some(&admin), Some(json!({"stock": 6}))).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let settings = app.get("/admin/settings", Some(&admin)).await.body;
    assert_eq!(app.call(Method::PUT, "/admin/settings", Some(&admin), Some(settings)).await.status, StatusCode::OK);
    let sale = json!({"name": "Soldes", "starts_at": "2030-03-01T00:00:00Z", "ends_at": "2030-03-31T00:00:00Z", "percent": 10, "product_ids": [product]});
    assert_eq!(app.post("/admin/sales", Some(&admin), sale).await.status, StatusCode::CREATED);
    // another sale (the one above prices the journey's purchases), edited and ended
    let later = json!({"name": "Later", "starts_at": "2031-03-01T00:00:00Z", "ends_at": "2031-03-31T00:00:00Z", "percent": 10, "product_ids": [product]});
    let sale = app.post("/admin/sales", Some(&admin), later).await;
    assert_eq!(sale.status, StatusCode::CREATED, "{}", sale.body);
    let sale = sale.body["sale_id"].as_str().expect("sale id").to_string();
    let edited =
        app.call(Method::PATCH, &format!("/admin/sales/{sale}"), Some(&admin), Some(json!({"percent": 15}))).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(app.post(&format!("/admin/sales/{sale}/end"), Some(&admin), json!({})).await.status, StatusCode::OK);
    // archived and back (no cart holds it yet)
    for step in ["archive", "unarchive"] {
        let path = format!("/admin/products/{product}/{step}");
        assert_eq!(app.post(&path, Some(&admin), json!({})).await.status, StatusCode::OK, "{step}");
    }
    let (owner_email, _) = app.customer("owner").await;
    let owner = user_id(app, &owner_email).await;
    let code = json!({"code": "IAMTEN", "owner_user_id": owner, "discount_percent": 10, "commission_percent": 5});
    assert_eq!(app.post("/admin/promo-codes", Some(&admin), code).await.status, StatusCode::CREATED);
    let retired = json!({"code": "IAMOLD", "owner_user_id": owner, "discount_percent": 10, "commission_percent": 5});
    assert_eq!(app.post("/admin/promo-codes", Some(&admin), retired).await.status, StatusCode::CREATED);
    let deactivated = app.post("/admin/promo-codes/IAMOLD/deactivate", Some(&admin), json!({})).await;
    assert_eq!(deactivated.status, StatusCode::OK, "{}", deactivated.body);
    // a product created under the threshold: the stock managers' alert, from the admin's change
    let scarce = json!({"name": "Casquette rare", "description": "d", "price_cents": 2000, "stock": 1, "product_discount": false});
    assert_eq!(app.post("/admin/products", Some(&admin), scarce).await.status, StatusCode::CREATED);

    // cart, checkout on the page (saving the card), the webhook, the emails
    assert_eq!(app.add(&token, &product, 2).await.status, StatusCode::OK);
    let path = format!("/cart/items/{product}");
    assert_eq!(app.call(Method::PUT, &path, Some(&token), Some(json!({"quantity": 1}))).await.status, StatusCode::OK);
    assert_eq!(app.call(Method::DELETE, &path, Some(&token), None).await.status, StatusCode::OK);
    assert_eq!(app.add(&token, &product, 1).await.status, StatusCode::OK);
    assert_eq!(app.post("/cart/promo-code", Some(&token), json!({"code": "IAMTEN"})).await.status, StatusCode::OK);
    assert_eq!(app.call(Method::DELETE, "/cart/promo-code", Some(&token), None).await.status, StatusCode::OK);
    assert_eq!(app.post("/cart/promo-code", Some(&token), json!({"code": "IAMTEN"})).await.status, StatusCode::OK);
    let paid = pay_on_page(app, &token, &card("4242424242424242", 12, 2031, true), "paid").await;
    let saved = methods(app, &token).await[0]["payment_method_id"].as_str().expect("id").to_string();
    // a saved method charged at checkout; the order cancelled and refunded
    fill_cart(app, &token, 5).await;
    let charged = checkout_with(app, &token, &saved).await;
    assert_eq!(charged.body["status"], "paid", "{}", charged.body);
    // a saved card whose charge at checkout is declined: the payment-failed email
    let failing = save_card(app, &token, "4000000000000341", 12, 2031).await;
    fill_cart(app, &token, 5).await;
    let declined = checkout_with(app, &token, &failing).await;
    assert_eq!(declined.body["status"], "payment_failed", "{}", declined.body);
    let cancelled =
        app.post(&format!("/orders/{}/cancel", paid["order_id"].as_str().expect("id")), Some(&token), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    // a declined card; below, an unpaid hold released by the sweep
    fill_cart(app, &token, 5).await;
    pay_on_page(app, &token, &card(DECLINED, 12, 2031, false), "payment_failed").await;
    run_the_operator(app, &admin, &email, &charged.body, &token).await;
    // orders
    assert_eq!(app.get("/orders", Some(&token)).await.status, StatusCode::OK);
    let order = app.get(&format!("/orders/{}", charged.body["order_id"].as_str().expect("id")), Some(&token)).await;
    assert_eq!(order.status, StatusCode::OK);
    // subscriptions: with the saved card, moved to another, cancelled
    let soon = save_card(app, &token, "5555555555554444", 4, 2030).await;
    let sub = app.post("/subscriptions", Some(&token), json!({"plan_id": "normal", "payment_method": saved})).await;
    assert_eq!(sub.status, StatusCode::CREATED, "{}", sub.body);
    let sub_id = sub.body["subscription_id"].as_str().expect("id").to_string();
    let moved = app
        .call(
            Method::PUT,
            &format!("/subscriptions/{sub_id}/payment-method"),
            Some(&token),
            Some(json!({"payment_method_id": soon})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(app.get("/subscriptions", Some(&token)).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/subscriptions/{sub_id}"), Some(&token)).await.status, StatusCode::OK);
    // a subscription on its hosted page, cancelled before it is paid: its page closed
    cancel_on_page(app, &token).await;
    // admin listings
    for path in [
        "/admin/sales",
        "/admin/products?archived=false",
        "/admin/promo-codes",
        "/admin/promo-codes/IAMTEN/commissions",
        "/admin/carts?status=unpaid",
        "/admin/payments?method_type=card",
        "/admin/stock-alerts",
        "/admin/subscriptions",
    ] {
        assert_eq!(app.get(path, Some(&admin)).await.status, StatusCode::OK, "{path}");
    }
    fill_cart(app, &token, 5).await;
    let held = app.post("/checkout", Some(&token), json!({"payment_method": "card", "delivery": pickup()})).await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    // the scheduled jobs: expiry sweep, card expiry scan, renewals past the trial, the relay,
    // the invoice numbering
    app.post("/dev/clock", None, json!({"advance_seconds": 31 * 60})).await;
    assert_eq!(app.run_job("release-expired-reservations").await["released"], 1);
    // ten days before the end of the April 2030 card: its notice is due
    app.post("/dev/clock", None, json!({"now": "2030-04-20T12:00:00Z"})).await;
    assert_eq!(app.run_job("card-expiry-scan").await["expiring_sent"], 1);
    app.run_job("charge-renewal").await;
    app.run_job("outbox-relay").await;
    // the paid orders' invoices (the cancelled one's too: it was a sale)
    assert!(app.run_job("invoice-numbering").await["numbered"].as_u64().is_some_and(|n| n > 0));
    let token = app.login(&email).await;
    // the released order's payment arrives after all: honoured, its units taken again from the shards
    let late = held.body["order"].clone();
    let event = json!({
        "event_id": "evt_late", "type": "payment.succeeded", "session_id": "s", "payment_id": "pay_late",
        "order_id": late["order_id"], "amount_cents": late["total_cents"], "currency": "EUR", "created": 0,
        "method": {"method_type": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031,
                   "fingerprint": "late"},
    });
    let paid_late = app.webhook(&event, capsule_tests::WEBHOOK_SECRET, None).await;
    assert_eq!(paid_late.body["outcome"], "paid", "{}", paid_late.body);
    let cancel = app.post(&format!("/subscriptions/{sub_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);
    let unused = save_card(app, &token, "4242424242424242", 11, 2032).await;
    let deleted = app.call(Method::DELETE, &format!("/payment-methods/{unused}"), Some(&token), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert!(!app.emails_to(&email).await.is_empty());
    Box::pin(run_the_confirmation(app)).await;
}

/// A renewal that asked for 3-D Secure, confirmed on the page its email links to.
async fn run_the_confirmation(app: &TestApp) {
    let (_, _, owing) = crate::three_d_secure::renewed_without_the_buyer(app, "en").await;
    let url = owing["authentication_url"].as_str().expect("the page to confirm on");
    crate::three_d_secure::answer(app, url, "passed").await;
    assert_eq!(app.client.get(url).send().await.expect("the page").status(), StatusCode::SEE_OTHER);
}

/// An operator's order work: the listings, a fulfilment step, a partial refund and the
/// order's story on the charged order; a pending order with a promo code cancelled (its
/// cart unlocked, its code's use given back).
async fn run_the_operator(app: &TestApp, admin: &str, email: &str, charged: &serde_json::Value, token: &str) {
    let order_id = charged["order_id"].as_str().expect("id");
    for path in [format!("/admin/orders?email={email}"), "/admin/orders?status=paid".to_string()] {
        assert_eq!(app.get(&path, Some(admin)).await.status, StatusCode::OK, "{path}");
    }
    let step =
        app.post(&format!("/admin/orders/{order_id}/fulfilment"), Some(admin), json!({"status": "preparing"})).await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.body);
    let bought = app.get(&format!("/orders/{order_id}"), Some(token)).await.body;
    let line = json!([{"product_id": bought["items"][0]["product_id"], "quantity": 1}]);
    let refund = json!({"idempotency_key": "iam-1", "lines": line});
    let refunded = app.post(&format!("/admin/orders/{order_id}/refunds"), Some(admin), refund).await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);
    assert_eq!(app.get(&format!("/admin/orders/{order_id}"), Some(admin)).await.status, StatusCode::OK);
    fill_cart(app, token, 5).await;
    assert_eq!(app.post("/cart/promo-code", Some(token), json!({"code": "IAMTEN"})).await.status, StatusCode::OK);
    let pending = app.post("/checkout", Some(token), json!({"payment_method": "card", "delivery": pickup()})).await;
    assert_eq!(pending.status, StatusCode::CREATED, "{}", pending.body);
    let path = format!("/admin/orders/{}/cancel", pending.body["order_id"].as_str().expect("id"));
    let cancelled = app.post(&path, Some(admin), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
}

/// A deployed stack's first step: its bootstrap, then a second one refused; an operator's
/// plans and pickup points, listed, created and changed.
async fn run_the_bootstrap(app: &TestApp) {
    let owner = json!({"email": "owner@iam.example", "password": "typed-by-the-owner"});
    assert_eq!(app.post("/bootstrap", None, owner.clone()).await.status, StatusCode::CREATED);
    assert_eq!(app.post("/bootstrap", None, owner).await.code(), "already_bootstrapped");
    let admin =
        app.post("/auth/login", None, json!({"email": "owner@iam.example", "password": "typed-by-the-owner"})).await;
    let admin = admin.body["token"].as_str().expect("token").to_string();
    for (path, new, id, change) in [
        (
            "/admin/plans",
            json!({"plan_id": "iam", "name": "Iam", "price_cents": 900}),
            "iam",
            json!({"price_cents": 950}),
        ),
        (
            "/admin/pickup-points",
            json!({"pickup_point_id": "pp-iam", "name": "Iam", "address": "1 rue Iam"}),
            "pp-iam",
            json!({"name": "Relais Iam"}),
        ),
    ] {
        assert_eq!(app.post(path, Some(&admin), new).await.status, StatusCode::CREATED, "{path}");
        assert_eq!(app.get(path, Some(&admin)).await.status, StatusCode::OK, "{path}");
        let changed = app.call(Method::PATCH, &format!("{path}/{id}"), Some(&admin), Some(change)).await;
        assert_eq!(changed.status, StatusCode::OK, "{path}");
    }
}

/// The relay's own work: a stack whose functions leave every effect to it (as if each had
/// crashed after its commit), so it sends the page's outcome, then the cancelled order's
/// email, event and refund.
async fn run_the_relay(app: &TestApp) {
    let (_, token) = app.customer("relay").await;
    assert_eq!(app.add(&token, "cap-ete", 1).await.status, StatusCode::OK);
    let placed = app.checkout(&token).await;
    let (status, _, _) = app.pay(placed.body["redirect_url"].as_str().expect("redirect_url"), &card_form(VISA)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.run_job("outbox-relay").await;
    let order_id = placed.body["order_id"].as_str().expect("id");
    app.order_when(&token, order_id, "paid").await;
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let page = cancel_on_page(app, &token).await;
    let report = app.run_job("outbox-relay").await;
    assert!(report["delivered"].as_u64().unwrap_or(0) >= 4, "email, event, refund, page closed: {report}");
    let closed = app.client.get(&page).send().await.expect("the page answers");
    assert_eq!(closed.status(), StatusCode::GONE);
}

/// Subscribes on the hosted page, then cancels before paying (the page's session is
/// closed); the page's URL.
async fn cancel_on_page(app: &TestApp, token: &str) -> String {
    let body = json!({"plan_id": "complet", "payment_method": "card"});
    let created = app.post("/subscriptions", Some(token), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["subscription_id"].as_str().expect("id");
    let cancelled = app.post(&format!("/subscriptions/{id}/cancel"), Some(token), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    created.body["redirect_url"].as_str().expect("a page").to_string()
}

/// The name the template gives what a call acted on.
fn template_resource(app: &TestApp, resource: &str) -> String {
    let table = app.stack.names.table();
    if let Some(rest) = resource.strip_prefix(&table) {
        return format!("CapsuleTable{rest}");
    }
    if let Some((logical, _)) = app.stack.queues.iter().find(|(_, q)| q.url == resource) {
        return logical.to_string();
    }
    if resource == app.stack.names.bus() {
        return "CapsuleEventBus".to_string();
    }
    if resource.contains(local::SENDER) {
        return "identity/${SenderEmail}".to_string();
    }
    format!("unknown resource {resource}")
}

#[tokio::test]
async fn every_call_is_allowed_by_its_functions_policy_and_every_grant_is_used() {
    let app = spawn_app().await;
    run_every_function(&app).await;
    let relay = spawn_app_with(Setup { deliver_after_commit: false, ..Setup::default() }).await;
    run_the_relay(&relay).await;
    let bare = spawn_app_with(Setup { seed: false, ..Setup::default() }).await;
    run_the_bootstrap(&bare).await;
    let accesses: Vec<(String, String, shared::access::Access)> = [&app, &relay, &bare]
        .into_iter()
        .flat_map(|stack| {
            stack.stack.app.calls.accesses().into_iter().map(|(function, access)| {
                let resource = template_resource(stack, &access.resource);
                (function, resource, access)
            })
        })
        // the test's own set-up, through the stack's store
        .filter(|(function, _, _)| function != "other")
        .collect();
    if std::env::var_os("ACCESSES").is_some() {
        for (function, resource, access) in &accesses {
            eprintln!("{function} {} {resource} {:?}", access.action, access.key_kind);
        }
    }
    let grants = grants();
    // What each grant allows, one key pattern at a time: (function, action, resource, pattern).
    type Unit = (String, String, String, String);
    let mut used: BTreeSet<Unit> = BTreeSet::new();
    let mut refused = Vec::new();
    for (function, resource, access) in accesses {
        let kind = access.key_kind.as_deref();
        let allowed = grants.get(&function).into_iter().flatten().find(|g| {
            g.action == access.action
                && g.resource == resource
                && g.leading_keys
                    .as_ref()
                    .is_none_or(|keys| kind.is_some_and(|kind| keys.iter().any(|k| matches(k, kind))))
        });
        match allowed {
            Some(grant) => {
                let patterns = match &grant.leading_keys {
                    Some(keys) => keys.iter().filter(|k| kind.is_some_and(|kind| matches(k, kind))).cloned().collect(),
                    None => vec![String::new()],
                };
                for pattern in patterns {
                    used.insert((function.clone(), grant.action.clone(), grant.resource.clone(), pattern));
                }
            }
            None => refused.push(format!("{function}: {} on {resource} (key {kind:?})", access.action)),
        }
    }
    assert!(refused.is_empty(), "calls the template does not allow:\n{}", refused.join("\n"));

    let units = |function: &str, grant: &Grant| -> Vec<Unit> {
        let patterns = grant.leading_keys.clone().unwrap_or_else(|| vec![String::new()]);
        patterns.into_iter().map(|p| (function.to_string(), grant.action.clone(), grant.resource.clone(), p)).collect()
    };
    let granted: BTreeSet<Unit> = grants
        .iter()
        .flat_map(|(f, gs)| gs.iter().filter(|g| !g.action.starts_with("secretsmanager:")).flat_map(|g| units(f, g)))
        .collect();
    let documented: BTreeSet<Unit> = GRANTED_UNUSED
        .iter()
        .map(|(f, a, r, k, _)| (f.to_string(), a.to_string(), r.to_string(), k.to_string()))
        .collect();
    let stale: Vec<_> = documented.difference(&granted).collect();
    assert!(stale.is_empty(), "GRANTED_UNUSED names grants the template does not make: {stale:?}");
    let unused: Vec<String> = granted
        .difference(&used)
        .filter(|unit| !documented.contains(*unit))
        .map(|(f, a, r, k)| format!("{f}: {a} on {r} {k}"))
        .collect();
    assert!(unused.is_empty(), "grants no journey used and GRANTED_UNUSED does not explain:\n{}", unused.join("\n"));
}

/// The secrets: each function's environment names exactly the secrets
/// `local::resources::FUNCTION_SECRETS` gives it (the local stack runs it with only those),
/// and its policy may read exactly those; no secret is a plain variable any more.
#[test]
fn each_function_may_read_exactly_its_own_secrets() {
    let template = template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    for plain in ["JWT_SECRET", "PAYMENT_WEBHOOK_SECRET"] {
        assert!(globals.get(plain).is_none(), "{plain} is still a plain variable");
    }
    let grants = grants();
    for resource in template["Resources"].as_mapping().expect("Resources").values() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let name = resource["Metadata"]["BuildProperties"]["Binary"].as_str().expect("Binary");
        let needs: BTreeSet<&str> = local::resources::secrets_of(name).iter().map(|s| s.logical_id()).collect();
        let variables = &resource["Properties"]["Environment"]["Variables"];
        let named: BTreeSet<String> = shared::config::SecretName::ALL
            .iter()
            .filter_map(|s| variables.get(s.arn_variable()).map(|v| (s, resource_name(v))))
            .inspect(|(s, v)| assert_eq!(v, s.logical_id(), "{name}: {} names another secret", s.arn_variable()))
            .map(|(_, v)| v)
            .collect();
        let readable: BTreeSet<String> = grants[name]
            .iter()
            .filter(|g| g.action.starts_with("secretsmanager:"))
            .inspect(|g| assert_eq!(g.action, "secretsmanager:GetSecretValue", "{name}"))
            .map(|g| g.resource.clone())
            .collect();
        let needs: BTreeSet<String> = needs.into_iter().map(str::to_string).collect();
        assert_eq!(named, needs, "{name}: the secrets its environment names");
        assert_eq!(readable, needs, "{name}: the secrets its policy may read");
    }
    for secret in shared::config::SecretName::ALL {
        let resource = &template["Resources"][secret.logical_id()];
        assert_eq!(resource["Type"], "AWS::SecretsManager::Secret", "{secret:?}");
    }
}

/// Stripe's secret key reaches only the functions that call Stripe (a payment's session,
/// its page, its webhook, its refunds and charges), its webhook secret only the webhook;
/// neither is ever a plain variable, while the publishable key is one (it is public).
#[test]
fn only_the_functions_that_call_stripe_may_read_its_secrets() {
    use shared::config::SecretName;
    let given = |secret: SecretName| -> BTreeSet<&str> {
        local::resources::FUNCTION_SECRETS.iter().filter(|(_, s)| s.contains(&secret)).map(|(f, _)| *f).collect()
    };
    let callers = [
        "cancel-order",
        "charge-renewal",
        "checkout",
        "outbox-relay",
        "payment-methods",
        "payment-portal",
        "payment-webhook",
        "subscribe",
    ];
    assert_eq!(given(SecretName::StripeSecretKey), callers.into_iter().collect());
    assert_eq!(given(SecretName::StripeWebhook), BTreeSet::from(["payment-webhook"]));
    let template = template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert!(globals.get("STRIPE_PUBLISHABLE_KEY").is_some() && globals.get("PAYMENT_PROVIDER").is_some());
    for resource in template["Resources"].as_mapping().expect("Resources").values() {
        let variables = &resource["Properties"]["Environment"]["Variables"];
        for plain in ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] {
            assert!(globals.get(plain).is_none() && variables.get(plain).is_none(), "{plain} is a plain variable");
        }
    }
}

/// A secret that cannot be read fails the cold start, naming it.
#[tokio::test]
async fn a_missing_secret_fails_the_cold_start_with_its_name() {
    let app = spawn_app().await;
    let sdk = local::emulator_sdk(&app.endpoint).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:nowhere-AbCdEf".to_string();
    let failed = shared::config::Secrets::load(&client, &[(shared::config::SecretName::Jwt, arn)]).await;
    let message = failed.map(|s| s.names()).expect_err("no such secret").to_string();
    assert!(message.contains("JWT_SECRET_ARN") && message.contains("nowhere"), "{message}");
    let only_jwt = app.stack.app.config.secrets.only(&[shared::config::SecretName::Jwt]);
    let refused = only_jwt.payment_webhook().expect_err("not given").to_string();
    assert!(refused.contains("PAYMENT_WEBHOOK_SECRET_ARN"), "{refused}");
    let short = shared::config::Secrets::new([(shared::config::SecretName::Fingerprint, "short".to_string())]);
    assert!(short.is_err(), "a short key is refused");
}
