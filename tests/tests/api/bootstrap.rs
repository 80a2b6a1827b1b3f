//! A deployed stack made able to trade in one step (`capsule-admin bootstrap`): the
//! operator's first admin, the plans, the pickup points and the settings; refused, with
//! nothing written, once the stack has its admin. Then the operator's own plans and pickup
//! points, which subscribe and checkout use.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::saved_methods::{at_fixed_day, save_card};
use capsule_tests::{spawn_app, spawn_app_with, unique_email, Answer, Setup, TestApp};
use local::operator::{bootstrap, Bootstrapped};

async fn bare_stack() -> TestApp {
    spawn_app_with(Setup { seed: false, ..Setup::default() }).await
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Answer {
    app.post("/auth/login", None, json!({"email": email, "password": password})).await
}

fn ids(listing: &Value, field: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        listing.as_array().expect("a list").iter().map(|item| item[field].as_str().expect("id").to_string()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_fresh_stack_is_bootstrapped_once_and_a_second_bootstrap_changes_nothing() {
    let app = bare_stack().await;
    assert_eq!(app.get("/plans", None).await.body["items"], json!([]), "a deployed stack starts with no plan");

    let email = unique_email("owner");
    let created = bootstrap(&app.stack.base_url, &email, "Owner", "typed-once-by-them").await.expect("bootstrap");
    assert!(matches!(created, Bootstrapped::Created(ref id) if !id.is_empty()), "{created:?}");
    let signed_in = sign_in(&app, &email, "typed-once-by-them").await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(signed_in.body["user"]["role"], "admin");
    let admin = signed_in.body["token"].as_str().expect("token").to_string();
    assert_eq!(ids(&app.get("/plans", None).await.body["items"], "plan_id"), ["complet", "normal", "supplement"]);
    assert_eq!(app.get("/pickup-points", None).await.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(app.get("/admin/settings", Some(&admin)).await.status, StatusCode::OK);
    // The operator's own change, which no later bootstrap may undo.
    let changed =
        app.call(Method::PATCH, "/admin/plans/normal", Some(&admin), Some(json!({"price_cents": 1200}))).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);

    let intruder = unique_email("second");
    let again = app.post("/bootstrap", None, json!({"email": intruder, "password": "another-password"})).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "already_bootstrapped"), "{}", again.body);
    assert_eq!(sign_in(&app, &intruder, "another-password").await.status, StatusCode::UNAUTHORIZED, "no account made");
    let rerun = bootstrap(&app.stack.base_url, &email, "Owner", "typed-once-by-them").await.expect("a re-run");
    assert_eq!(rerun, Bootstrapped::Already, "re-running the step is safe");
    let plans = app.get("/plans", None).await.body["items"].clone();
    let normal = plans.as_array().and_then(|p| p.iter().find(|p| p["plan_id"] == "normal")).cloned();
    assert_eq!(normal.map(|p| p["price_cents"].clone()), Some(json!(1200)), "the operator's price is kept");
    assert_eq!(sign_in(&app, &email, "typed-once-by-them").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_bootstrap_with_a_bad_email_or_password_is_refused_by_field_and_writes_nothing() {
    let app = bare_stack().await;
    for (body, field) in [
        (json!({"email": "not-an-email", "password": "long-enough-1"}), "/email"),
        (json!({"email": unique_email("short"), "password": "short"}), "/password"),
    ] {
        let refused = app.post("/bootstrap", None, body).await;
        assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{}", refused.body);
        assert_eq!(refused.body["error"]["details"]["field"], field);
    }
    assert_eq!(app.get("/plans", None).await.body["items"], json!([]));
    let email = unique_email("then");
    assert!(matches!(
        bootstrap(&app.stack.base_url, &email, "Owner", "long-enough-1").await,
        Ok(Bootstrapped::Created(_))
    ));
}

#[tokio::test]
async fn two_bootstraps_at_once_make_exactly_one_admin() {
    let app = bare_stack().await;
    let emails: Vec<String> = (0..4).map(|i| unique_email(&format!("race{i}"))).collect();
    let answers = futures::future::join_all(
        emails.iter().map(|email| app.post("/bootstrap", None, json!({"email": email, "password": "racing-password"}))),
    )
    .await;
    let created = answers.iter().filter(|a| a.status == StatusCode::CREATED).count();
    let refused =
        answers.iter().filter(|a| (a.status, a.code()) == (StatusCode::CONFLICT, "already_bootstrapped")).count();
    assert_eq!((created, refused), (1, 3), "{:?}", answers.iter().map(|a| &a.body).collect::<Vec<_>>());
    let mut admins = 0;
    for email in &emails {
        if sign_in(&app, email, "racing-password").await.status == StatusCode::OK {
            admins += 1;
        }
    }
    assert_eq!(admins, 1, "exactly one account was made");
    assert_eq!(app.get("/plans", None).await.body["items"].as_array().map(Vec::len), Some(3), "the plans once");
}

#[tokio::test]
async fn plans_the_operator_creates_and_changes_are_what_subscribers_pay() {
    let app = spawn_app().await;
    at_fixed_day(&app).await;
    let admin = app.admin_token().await;
    let premium = json!({"plan_id": "premium", "name": "Premium", "price_cents": 2500});
    let created = app.post("/admin/plans", Some(&admin), premium.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let twice = app.post("/admin/plans", Some(&admin), premium).await;
    assert_eq!((twice.status, twice.code()), (StatusCode::CONFLICT, "plan_exists"));
    for (body, field) in [
        (json!({"plan_id": "Bad Id", "name": "X", "price_cents": 100}), "/plan_id"),
        (json!({"plan_id": "free", "name": "Free", "price_cents": 0}), "/price_cents"),
        (json!({"plan_id": "blank", "name": " ", "price_cents": 100}), "/name"),
    ] {
        let refused = app.post("/admin/plans", Some(&admin), body).await;
        assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{}", refused.body);
        assert_eq!(refused.body["error"]["details"]["field"], field);
    }
    let unknown = app.call(Method::PATCH, "/admin/plans/nope", Some(&admin), Some(json!({"price_cents": 100}))).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "plan_not_found"));
    let (_, customer) = app.customer("planner").await;
    let forbidden =
        app.post("/admin/plans", Some(&customer), json!({"plan_id": "x", "name": "X", "price_cents": 1})).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let patch = json!({"name": "Premium Plus", "price_cents": 2700});
    let changed = app.call(Method::PATCH, "/admin/plans/premium", Some(&admin), Some(patch)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let listed = app.get("/admin/plans", Some(&admin)).await.body["items"].clone();
    assert!(listed.as_array().is_some_and(|p| p.iter().any(|p| p["plan_id"] == "premium" && p["price_cents"] == 2700)));

    let pm = save_card(&app, &customer, "5555555555554444", 12, 2031).await;
    let subscribed =
        app.post("/subscriptions", Some(&customer), json!({"plan_id": "premium", "payment_method": pm})).await;
    assert_eq!(subscribed.status, StatusCode::CREATED, "{}", subscribed.body);
    assert_eq!(subscribed.body["subscription"]["plan_name"], "Premium Plus");
    assert_eq!(subscribed.body["subscription"]["price_cents"], 2700);
}

#[tokio::test]
async fn pickup_points_the_operator_creates_are_where_checkout_delivers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.customer("lille").await;
    let product = app.product_with_stock(1500, 5).await;
    assert!(app.add(&token, &product, 1).await.status.is_success());
    let to_lille = json!({"payment_method": "card", "delivery": {"mode": "pickup", "pickup_point_id": "pp-lille"}});
    let before = app.post("/checkout", Some(&token), to_lille.clone()).await;
    assert_eq!(before.status, StatusCode::BAD_REQUEST, "no such point yet: {}", before.body);

    let point =
        json!({"pickup_point_id": "pp-lille", "name": "Relais Lille", "address": "1 place du Théâtre, 59000 Lille"});
    let created = app.post("/admin/pickup-points", Some(&admin), point.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let twice = app.post("/admin/pickup-points", Some(&admin), point).await;
    assert_eq!((twice.status, twice.code()), (StatusCode::CONFLICT, "pickup_point_exists"));
    let no_address = json!({"pickup_point_id": "pp-x", "name": "X", "address": ""});
    let refused = app.post("/admin/pickup-points", Some(&admin), no_address).await;
    assert_eq!(refused.body["error"]["details"]["field"], "/address", "{}", refused.body);
    let moved = json!({"address": "3 rue Esquermoise, 59000 Lille"});
    let changed = app.call(Method::PATCH, "/admin/pickup-points/pp-lille", Some(&admin), Some(moved)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let points = app.get("/pickup-points", None).await.body["items"].clone();
    assert!(points.as_array().is_some_and(|p| p.iter().any(|p| p["address"] == "3 rue Esquermoise, 59000 Lille")));

    let placed = app.post("/checkout", Some(&token), to_lille).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
}
