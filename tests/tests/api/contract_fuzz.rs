//! The contract fuzzed: schemathesis (pinned in requirements-dev.lock) generates requests
//! from `openapi.yaml`, valid and invalid, against a stack and emulator of this test's own,
//! as a customer, as the admin, and as a buyer on real ids. No answer may be a 5xx, and every answer's
//! status, content type, headers and body must be what the spec says for that operation.
use std::path::Path;

use capsule_tests::{spawn_app_with, Setup};

const REPOSITORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The checks that say "no 5xx" and "the answer is the one the spec documents".
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

/// Runs schemathesis on the operations whose path matches `paths`, with `token` and the path
/// parameters fixed in `ids` (else generated); its report.
async fn schemathesis(base_url: &str, who: &str, token: &str, paths: &str, ids: &[(&str, &str)]) -> (bool, String) {
    let repository = Path::new(REPOSITORY);
    // It reads `schemathesis.toml` and keeps a cache of crashes (`.schemathesis/`) where it
    // runs: in target/, not the tree.
    let scratch = repository.join("target/schemathesis").join(who.replace(' ', "-"));
    std::fs::create_dir_all(&scratch).expect("target/schemathesis");
    let parameters: String = ids.iter().map(|(name, value)| format!("\"path.{name}\" = \"{value}\"\n")).collect();
    std::fs::write(scratch.join("schemathesis.toml"), format!("[parameters]\n{parameters}")).expect("its config");
    let spec = repository.join("openapi.yaml");
    let output = tokio::process::Command::new(repository.join(".venv/bin/schemathesis"))
        .current_dir(&scratch)
        .arg("run")
        .arg(&spec)
        .args(["--url", base_url])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--include-path-regex", paths])
        // Bounded and reproducible: a minute or two for the whole spec, the same cases each run.
        .args(["--phases", "examples,coverage,fuzzing", "--max-examples", "30", "--seed", "20261124"])
        .args(["--generation-database", "none", "--workers", "1", "--request-timeout", "30", "--no-color"])
        .args(["--suppress-health-check", "too_slow,filter_too_much"])
        .output()
        .await
        .expect("schemathesis runs (make venv installs it)");
    let report = format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fuzzed_requests_get_no_5xx_and_every_answer_matches_the_spec() {
    // An emulator of its own: thousands of requests would slow every other test's.
    let emulator = local::emulator::Launched::start(false).await.expect("an emulator of the test's own");
    let app = spawn_app_with(Setup { endpoint: Some(emulator.endpoint.clone()), ..Setup::default() }).await;
    let (_, customer) = app.customer("fuzz").await;
    let admin = app.admin_token().await;
    // An order of the customer's, for the routes that name one.
    let (_, buyer) = app.customer("fuzz-orders").await;
    app.add(&buyer, "cap-ete", 1).await;
    let placed = app.checkout(&buyer).await;
    let order_id = placed.body["order_id"].as_str().expect("an order").to_string();
    // A paid order, for the operator's order routes (fulfilment, refunds, cancel).
    let (_, payer) = app.customer("fuzz-paid").await;
    app.add(&payer, "cap-hiver", 2).await;
    let paid = app.buy(&payer, capsule_tests::VISA).await["order_id"].as_str().expect("a paid order").to_string();
    // A product, a sale and a code of the admin's own, for the back office's routes that
    // name one (archive, edit and end a sale, deactivate), besides a seeded plan and pickup point.
    let product = app.product_with_stock(1500, 10).await;
    let window = |days: i64| {
        shared::clock::rfc3339(shared::clock::Clock::now(app.stack.clock.as_ref()) + chrono::Duration::days(days))
    };
    let sale = serde_json::json!({"name": "Fuzz", "starts_at": window(1), "ends_at": window(2), "percent": 10, "product_ids": [product]});
    let sale = app.post("/admin/sales", Some(&admin), sale).await.body["sale_id"].as_str().expect("a sale").to_string();
    let code = serde_json::json!({"code": "FUZZ10", "discount_percent": 10});
    assert_eq!(app.post("/admin/promo-codes", Some(&admin), code).await.status, reqwest::StatusCode::CREATED);

    // `/dev/*` is left out: it exists only locally, and moving the clock at random would
    // expire the tokens the run depends on. Customer routes run as the customer, admin
    // routes as the admin (as a customer they are a plain 403: backoffice.rs); then the
    // routes that name a product or an order once more on real ones (a seeded product, the
    // buyer's order), so the fuzz reaches past "not found".
    let real = [("product_id", "cap-ete"), ("order_id", order_id.as_str())];
    let paid = [("order_id", paid.as_str())];
    let admins = [
        ("product_id", product.as_str()),
        ("sale_id", sale.as_str()),
        ("code", "FUZZ10"),
        ("plan_id", "complet"),
        ("pickup_point_id", "pp-vieux-port"),
    ];
    let runs = [
        ("customer", &customer, "^/(?!dev/|admin/)", &[][..]),
        ("admin", &admin, "^/admin/", &[][..]),
        ("buyer on real ids", &buyer, "^/(products|cart/items|orders)/", &real[..]),
        ("admin on a paid order", &admin, "^/admin/orders/", &paid[..]),
        ("admin on real ids", &admin, "^/admin/(products|sales|promo-codes|plans|pickup-points)/", &admins[..]),
    ];
    for (who, token, paths, ids) in runs {
        let (passed, report) = schemathesis(&app.stack.base_url, who, token, paths, ids).await;
        assert!(passed, "schemathesis as the {who} found answers the spec does not allow:\n{report}");
        assert!(report.contains("passed"), "schemathesis as the {who} tested nothing:\n{report}");
        let counts = |l: &&str| l.trim_start().starts_with("Tested:") || l.contains(" generated,");
        let summary: Vec<&str> = report.lines().filter(counts).map(str::trim).collect();
        eprintln!("schemathesis as the {who}: {}", summary.join("; "));
    }
    // The run on real ids did reach them: its valid cancel request cancelled the order.
    let order = app.get(&format!("/orders/{order_id}"), Some(&buyer)).await;
    assert_eq!(order.body["status"], "cancelled", "{}", order.body);
    let operated = app.get(&format!("/admin/orders/{}", paid[0].1), Some(&admin)).await;
    assert_eq!(operated.status, reqwest::StatusCode::OK, "{}", operated.body);
    // And the admin's run reached its real ids: its valid deactivate request deactivated the code.
    let codes = app.get("/admin/promo-codes", Some(&admin)).await;
    let fuzzed = codes.body["items"].as_array().and_then(|c| c.iter().find(|c| c["code"] == "FUZZ10").cloned());
    assert_eq!(fuzzed.map(|c| c["active"].clone()), Some(serde_json::json!(false)), "{}", codes.body);
}
