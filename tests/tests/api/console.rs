//! The operators' console in a real Chromium, served on an origin of its own that calls the
//! admin API across origins: an operator signs in, ships an order (its buyer sees it
//! shipped), refunds two of three lines (the buyer is emailed, the provider refunded) and
//! cancels the rest, makes a product, puts it on sale and ends the sale, deactivates a promo
//! code, archives the product; every page on a phone too.
use capsule_tests::{card_form, home, TestApp, VISA};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::{driver_or_skip, site_and_stack, wait_for_text, Browser};

/// A stack, and the console on an origin of its own that the stack allows; its address.
async fn console_and_stack() -> (TestApp, local::console::Console, String) {
    site_and_stack(&local::console::SITE).await
}

/// Signs the seeded admin in from the keyboard (Enter submits) and lands on the dashboard.
async fn sign_in(browser: &Browser, console: &str) {
    browser.go(&format!("{console}/#/signin")).await;
    browser.type_into("#signin-email", local::seed::ADMIN_EMAIL).await;
    browser.type_into("#signin-password", &format!("{}\u{E007}", local::seed::ADMIN_PASSWORD)).await;
    browser.wait_for("#today-orders").await;
    wait_for_text(browser, "#status", &format!("Signed in as {}.", local::seed::ADMIN_EMAIL)).await;
}

/// A paid order of what the buyer's cart holds, delivered home.
async fn paid_home_order(app: &TestApp, token: &str) -> Value {
    let placed = app.post("/checkout", Some(token), json!({"payment_method": "card", "delivery": home()})).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let (status, _, _) = app.pay(placed.body["redirect_url"].as_str().expect("redirect_url"), &card_form(VISA)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let order_id = placed.body["order_id"].as_str().expect("order_id");
    app.order_when(token, order_id, "paid").await;
    app.number_invoices().await;
    app.order_when(token, order_id, "paid").await
}

/// An amount under €1,000 as the console and the English emails write it.
fn euros(cents: i64) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

/// Waits until `script` (given `args`) answers true: read in one step, so a view drawn again
/// meanwhile cannot leave the test holding an element that is gone.
async fn wait_until(browser: &Browser, script: &str, args: Value) {
    let started = std::time::Instant::now();
    while browser.script(script, args.clone()).await != true {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "never true: {script} {args}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn fits_a_phone(browser: &Browser, what: &str) {
    let fits = browser.script("return document.documentElement.scrollWidth <= window.innerWidth", json!([])).await;
    assert_eq!(fits, true, "{what} fits a 390 px wide window");
}

#[tokio::test]
async fn an_operator_ships_an_order_from_the_console_and_its_buyer_sees_it_shipped() {
    let Some(driver) = driver_or_skip("an_operator_ships_an_order_from_the_console_and_its_buyer_sees_it_shipped")
    else {
        return;
    };
    let (app, _console, console) = console_and_stack().await;
    let (email, token) = app.customer("shipped").await;
    app.add(&token, "cap-ete", 2).await;
    let order = paid_home_order(&app, &token).await;
    let order_id = order["order_id"].as_str().expect("id");

    // On a phone: the dashboard, the orders and the order fit the width.
    let browser = Browser::start(&driver).await;
    browser.resize(390, 844).await;
    sign_in(&browser, &console).await;
    let api = browser.script("return window.CAPSULE_API", json!([])).await;
    assert_eq!(api, app.stack.base_url.as_str(), "the console calls the gateway, across origins");
    let total = euros(order["total_cents"].as_i64().expect("total"));
    assert_eq!(browser.text("#today-paid dd").await, "1", "today's paid orders");
    assert_eq!(browser.text("#today-revenue dd").await, total, "today's revenue, the one order's total");
    fits_a_phone(&browser, "the dashboard").await;
    browser.screenshot("console-phone-dashboard").await;

    // The buyer's orders, by their email.
    browser.click(r#"a[data-nav="orders"]"#).await;
    browser.type_into("#filter-email", &email).await;
    browser.click("#order-filters-submit").await;
    // The filtered list, drawn again with the filter it was asked for.
    browser.wait_for(&format!(r#"#filter-email[value="{email}"]"#)).await;
    let row = format!(r#"#orders tr[data-order-id="{order_id}"][data-status="paid"]"#);
    assert!(browser.text(&row).await.contains(&total));
    assert_eq!(browser.elements("#orders tbody tr").await.len(), 1, "only this buyer's order");
    fits_a_phone(&browser, "the orders").await;
    browser.click(&format!("{row} a")).await;
    browser.wait_for(&format!(r#"#order[data-order-id="{order_id}"]"#)).await;
    fits_a_phone(&browser, "an order").await;
    browser.screenshot("console-phone-order").await;
    browser.resize(1000, 1100).await;

    // Shipped without its tracking: the API names the field, the console marks it.
    browser.click(r##"#fulfil-status option[value="shipped"]"##).await;
    browser.click("#fulfil-submit").await;
    browser.wait_for(r#"#fulfil-carrier[aria-invalid="true"]"#).await;
    let described = browser
        .script("return document.querySelector('#fulfil-carrier').getAttribute('aria-describedby')", json!([]))
        .await;
    let note = browser.text(&format!("#{}", described.as_str().expect("the error is tied to the field"))).await;
    assert!(!note.is_empty(), "the field's error is said beside it");
    assert_eq!(browser.script("return document.activeElement.id", json!([])).await, "fulfil-carrier");
    browser.type_into("#fulfil-carrier", "La Poste").await;
    browser.type_into("#fulfil-tracking", "6A1234").await;
    browser.click("#fulfil-submit").await;
    browser.wait_for(r#"#order[data-fulfilment="shipped"]"#).await;
    wait_for_text(&browser, "#status", "Recorded: shipped. The buyer is emailed.").await;
    browser.screenshot("console-order-shipped").await;

    // The buyer sees it shipped, and is told.
    let seen = app.get(&format!("/orders/{order_id}"), Some(&token)).await.body;
    assert_eq!(seen["fulfilment"], json!({"status": "shipped", "carrier": "La Poste", "tracking_number": "6A1234"}));
    let mails = app.emails_to(&email).await;
    assert!(mails.iter().any(|m| m["subject"].as_str().is_some_and(|s| s.starts_with("Order shipped"))), "{mails:?}");
    // Next, only "delivered" is offered; the buyer can no longer cancel, nor can the console.
    browser.refresh().await;
    browser.wait_for(r#"#fulfil-status option[value="delivered"]"#).await;
    assert_eq!(browser.elements("#fulfil-status option").await.len(), 1);
    assert!(browser.elements("#cancel-order").await.is_empty(), "a shipped order is refunded, not cancelled");
}

#[tokio::test]
async fn an_operator_refunds_two_of_three_lines_and_the_buyer_and_the_provider_see_it() {
    let Some(driver) = driver_or_skip("an_operator_refunds_two_of_three_lines_and_the_buyer_and_the_provider_see_it")
    else {
        return;
    };
    let (app, _console, console) = console_and_stack().await;
    let (email, token) = app.customer("returns").await;
    let products = [
        app.product_with_stock(2000, 10).await,
        app.product_with_stock(1500, 10).await,
        app.product_with_stock(1000, 10).await,
    ];
    for product in &products {
        app.add(&token, product, 1).await;
    }
    let order = app.buy(&token, VISA).await;
    let order_id = order["order_id"].as_str().expect("id");
    let lines: Vec<String> = order["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["product_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(lines.len(), 3);

    let browser = Browser::start(&driver).await;
    sign_in(&browser, &console).await;
    browser.go(&format!("{console}/#/order/{order_id}")).await;
    for input in ["#return-0", "#return-1"] {
        browser.clear(input).await;
        browser.type_into(input, "1").await;
    }
    browser.click("#refund-submit").await;
    browser.wait_for("#refunds tbody tr").await;
    let said = browser.text("#status").await;
    assert!(said.starts_with("Refunded: ") && said.ends_with("in all. The buyer is emailed."), "{said}");
    browser.screenshot("console-order-refunded").await;

    // The order: two lines' worth refunded, their units back on sale, the third line kept.
    let seen = app.get(&format!("/orders/{order_id}"), Some(&token)).await.body;
    assert_eq!(seen["status"], "paid");
    let refunded = seen["refunded_cents"].as_i64().expect("refunded_cents");
    let paid_for = |i: usize| order["items"][i]["line_total_cents"].as_i64().unwrap_or(0);
    assert!(refunded > 0 && refunded <= paid_for(0) + paid_for(1), "{refunded}");
    assert_eq!((app.stock(&lines[0]).await, app.stock(&lines[1]).await, app.stock(&lines[2]).await), (10, 10, 9));
    // The buyer is emailed the amount.
    let amount = euros(refunded);
    let mails = app.emails_to(&email).await;
    assert!(mails.iter().any(|m| m["text"].as_str().is_some_and(|t| t.contains(&amount))), "{amount} in {mails:?}");
    // The provider refunded it: its ledger lists the refund of this order.
    let admin = app.admin_token().await;
    let payments = app.get("/admin/payments", Some(&admin)).await.body;
    let refunds: Vec<i64> = payments["items"]
        .as_array()
        .expect("payments")
        .iter()
        .filter(|p| p["order_id"] == order_id && p["status"] == "refunded")
        .filter_map(|p| p["amount_cents"].as_i64())
        .collect();
    assert_eq!(refunds, [refunded], "{payments}");
    // And the console's payments page shows it.
    browser.click(r#"a[data-nav="payments"]"#).await;
    browser.wait_for(&format!(r#"#payments tr[data-order-id="{order_id}"][data-status="refunded"]"#)).await;

    // More than is left is refused, saying what is left; the operator cancels the rest instead.
    let left = order["total_cents"].as_i64().expect("total") - refunded;
    browser.go(&format!("{console}/#/order/{order_id}")).await;
    browser.type_into("#refund-amount", "1000").await;
    browser.click("#refund-submit").await;
    browser.wait_for(r#"#status[data-code="refund_exceeds_paid"]"#).await;
    let said = browser.text("#status").await;
    assert!(said.contains(&format!("{} is left to refund", euros(left))), "{said}");
    browser.click("#cancel-order").await;
    browser.accept_dialog().await;
    browser.wait_for(r#"#order[data-status="cancelled"]"#).await;
    let cancelled = app.get(&format!("/orders/{order_id}"), Some(&token)).await.body;
    assert_eq!(
        (cancelled["status"].clone(), cancelled["refund_status"].clone()),
        (json!("cancelled"), json!("refunded"))
    );
    assert_eq!((app.stock(&lines[0]).await, app.stock(&lines[1]).await, app.stock(&lines[2]).await), (10, 10, 10));
    let detail = app.get(&format!("/admin/orders/{order_id}"), Some(&admin)).await.body;
    let provider_refunds: i64 = detail["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .filter(|p| p["status"] == "refunded")
        .filter_map(|p| p["amount_cents"].as_i64())
        .sum();
    assert_eq!(provider_refunds, order["total_cents"].as_i64().expect("total"), "all paid, refunded once");
}

#[tokio::test]
async fn an_operator_makes_a_product_puts_it_on_sale_ends_the_sale_deactivates_a_code_and_archives_it() {
    let Some(driver) =
        driver_or_skip("an_operator_makes_a_product_puts_it_on_sale_ends_the_sale_deactivates_a_code_and_archives_it")
    else {
        return;
    };
    let (app, _console, console) = console_and_stack().await;
    let browser = Browser::start(&driver).await;
    sign_in(&browser, &console).await;

    // A product with its picture.
    let name = format!("Casquette Console {}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    browser.click(r#"a[data-nav="products"]"#).await;
    browser.click("#open-new-product").await;
    browser.type_into("#new-product-name", &name).await;
    browser.type_into("#new-product-price", "20.00").await;
    browser.type_into("#new-product-stock", "10").await;
    browser.type_into("#new-product-image", "https://img.example/cap.png").await;
    browser.click("#new-product-submit").await;
    browser.wait_for(r#"#products tr[data-archived="false"] img[src="https://img.example/cap.png"]"#).await;
    let find = "return [...document.querySelectorAll('#products tr[data-product-id]')]\
                .find(r => r.textContent.includes(arguments[0])).dataset.productId";
    let product = browser.script(find, json!([name])).await.as_str().expect("the new product's row").to_string();
    let made = app.get(&format!("/products/{product}"), None).await.body;
    assert_eq!(
        (made["price_cents"].clone(), made["image_url"].clone()),
        (json!(2000), json!("https://img.example/cap.png"))
    );

    // A sale from an hour ago to tomorrow, 20 % off the product.
    browser.click(r#"a[data-nav="sales"]"#).await;
    browser.click("#open-new-sale").await;
    browser.type_into("#sale-name", "Console sale").await;
    browser.type_into("#sale-percent", "20").await;
    let period = "const at = (ms) => new Date(ms - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);\
                  document.querySelector('#sale-starts').value = at(Date.now() - 3600000);\
                  document.querySelector('#sale-ends').value = at(Date.now() + 86400000);";
    browser.script(period, json!([])).await;
    browser.click(&format!("#sale-product-{product}")).await;
    browser.click("#new-sale-submit").await;
    let running = browser.wait_for(r#"#sales tr[data-state="running"]"#).await;
    let sale_id = browser
        .command(reqwest::Method::GET, &format!("/element/{running}/attribute/data-sale-id"), None)
        .await
        .as_str()
        .expect("the sale's id")
        .to_string();
    let price = |body: Value| (body["discount"]["kind"].clone(), body["effective_price_cents"].clone());
    assert_eq!(price(app.get(&format!("/products/{product}"), None).await.body), (json!("sale"), json!(1600)));

    // Changed to 25 %: the price follows at once.
    browser.click(&format!(r#"tr[data-sale-id="{sale_id}"] summary"#)).await;
    let percent = format!("#s-{sale_id}-percent");
    browser.clear(&percent).await;
    browser.type_into(&percent, "25").await;
    browser.click(&format!("#s-{sale_id}-submit")).await;
    wait_for_text(&browser, "#status", "Console sale saved.").await;
    assert_eq!(price(app.get(&format!("/products/{product}"), None).await.body), (json!("sale"), json!(1500)));

    // Ended now: the usual price at once.
    browser.click(&format!(r#"button[data-end="{sale_id}"]"#)).await;
    browser.accept_dialog().await;
    browser.wait_for(&format!(r#"#sales tr[data-sale-id="{sale_id}"][data-state="over"]"#)).await;
    assert_eq!(price(app.get(&format!("/products/{product}"), None).await.body), (Value::Null, json!(2000)));

    // A code, made in the console for its owner, then deactivated: buyers can no longer use it.
    let (_, owner) = app.customer("owner").await;
    let owner_id = app.get("/account", Some(&owner)).await.body["user_id"].as_str().expect("user_id").to_string();
    let code = format!("CONSOLE{}", &uuid::Uuid::new_v4().simple().to_string()[..6]).to_uppercase();
    browser.click(r#"a[data-nav="promo-codes"]"#).await;
    browser.click("#open-new-code").await;
    browser.type_into("#code-code", &code).await;
    browser.type_into("#code-value", "10").await;
    browser.type_into("#code-owner", &owner_id).await;
    browser.type_into("#code-commission", "5").await;
    browser.click("#new-code-submit").await;
    browser.wait_for(&format!(r#"#promo-codes tr[data-code="{code}"][data-active="true"]"#)).await;
    let (_, buyer) = app.customer("buyer").await;
    app.add(&buyer, &product, 1).await;
    let applied = app.post("/cart/promo-code", Some(&buyer), json!({"code": code})).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    app.call(reqwest::Method::DELETE, "/cart/promo-code", Some(&buyer), None).await;
    browser.click(&format!(r#"button[data-deactivate="{code}"]"#)).await;
    browser.accept_dialog().await;
    browser.wait_for(&format!(r#"#promo-codes tr[data-code="{code}"][data-active="false"]"#)).await;
    let refused = app.post("/cart/promo-code", Some(&buyer), json!({"code": code})).await;
    assert_eq!(refused.code(), "promo_code_not_found", "{}", refused.body);
    browser.screenshot("console-promo-codes").await;

    // Archived once no cart holds it: the console says why not while the buyer's does.
    browser.click(r#"a[data-nav="products"]"#).await;
    browser.click(&format!(r#"button[data-archive="{product}"]"#)).await;
    browser.wait_for(r#"#status[data-code="product_in_open_carts"]"#).await;
    app.call(reqwest::Method::DELETE, &format!("/cart/items/{product}"), Some(&buyer), None).await;
    browser.click(&format!(r#"button[data-archive="{product}"]"#)).await;
    browser.wait_for(&format!(r#"#products tr[data-product-id="{product}"][data-archived="true"]"#)).await;
    assert_eq!(app.get(&format!("/products/{product}"), None).await.status, StatusCode::NOT_FOUND);
    browser.screenshot("console-products").await;
}

/// The console as the local stack serves it: on an origin of its own, its config naming the
/// gateway, its policy letting its one script talk only to that API, the API answering its
/// preflights for the admin routes (and not another origin's), nothing of the API on it.
#[tokio::test]
async fn the_console_on_its_own_origin_calls_the_admin_api_across_origins() {
    let (app, _console, console) = console_and_stack().await;
    let base = &app.stack.base_url;
    let page = app.client.get(format!("{console}/")).send().await.expect("the console answers");
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()["content-security-policy"].to_str().expect("ascii").to_string();
    assert!(
        policy.contains("script-src 'self';") && policy.contains(&format!("connect-src 'self' {base};")),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let html = page.text().await.expect("html");
    for asset in ["/console/style.css", "/console/config.js", "/console/app.js"] {
        assert!(html.contains(asset), "the page loads {asset}");
        let answer = app.client.get(format!("{console}{asset}")).send().await.expect("the console answers");
        assert_eq!(answer.status(), StatusCode::OK, "{asset}");
    }
    let config = app.client.get(format!("{console}/console/config.js")).send().await.expect("config");
    assert!(config.text().await.expect("text").contains(&format!(r#"window.CAPSULE_API = "{base}";"#)));
    let api = app.client.get(format!("{console}/admin/orders")).send().await.expect("answer");
    assert_eq!(api.status(), StatusCode::NOT_FOUND, "only the console's files: the API is the gateway's");

    let preflight = |origin: String| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/admin/orders/o-1/refunds"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight(console.clone()).await.expect("the gateway answers");
    let allow_origin = allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok());
    assert_eq!(allow_origin, Some(console.as_str()), "the console's origin is allowed");
    let other = preflight("http://127.0.0.1:9".into()).await.expect("the gateway answers");
    assert!(other.headers().get("access-control-allow-origin").is_none(), "another origin is not");
}

/// Every page of the console opens on a phone without an error and fits its width; the
/// settings refuse a value out of range beside its field and keep a good one; a plan is made.
#[tokio::test]
async fn every_console_page_opens_on_a_phone_and_the_settings_and_plans_are_kept() {
    let Some(driver) = driver_or_skip("every_console_page_opens_on_a_phone_and_the_settings_and_plans_are_kept") else {
        return;
    };
    let (app, _console, console) = console_and_stack().await;
    let browser = Browser::start(&driver).await;
    browser.resize(390, 844).await;
    sign_in(&browser, &console).await;
    let pages = [
        ("dashboard", "Dashboard"),
        ("orders", "Orders"),
        ("products", "Products"),
        ("sales", "Sales"),
        ("promo-codes", "Promo codes"),
        ("carts", "Unpaid carts"),
        ("payments", "Payments"),
        ("subscriptions", "Subscriptions"),
        ("settings", "Settings"),
        ("plans", "Plans"),
        ("pickup-points", "Pickup points"),
    ];
    for (nav, title) in pages {
        browser.click(&format!(r#"a[data-nav="{nav}"]"#)).await;
        wait_until(&browser, "return document.querySelector('main h1')?.textContent === arguments[0]", json!([title]))
            .await;
        let failed =
            browser.script("return document.getElementById('status').classList.contains('error')", json!([])).await;
        assert_eq!(failed, false, "{nav}: {}", browser.text("#status").await);
        fits_a_phone(&browser, nav).await;
    }

    // Settings: a free trial of a thousand days is refused beside its field, nothing kept.
    browser.go(&format!("{console}/#/settings")).await;
    browser.clear("#setting-trial_days").await;
    browser.type_into("#setting-trial_days", "1000").await;
    browser.clear("#setting-low_stock_threshold").await;
    browser.type_into("#setting-low_stock_threshold", "7").await;
    browser.click("#settings-submit").await;
    browser.wait_for(r#"#setting-trial_days[aria-invalid="true"]"#).await;
    let admin = app.admin_token().await;
    assert_eq!(app.get("/admin/settings", Some(&admin)).await.body["low_stock_threshold"], 5, "nothing changed");
    browser.clear("#setting-trial_days").await;
    browser.type_into("#setting-trial_days", "30").await;
    browser.click("#settings-submit").await;
    wait_for_text(&browser, "#status", "Settings saved.").await;
    let settings = app.get("/admin/settings", Some(&admin)).await.body;
    assert_eq!((settings["trial_days"].clone(), settings["low_stock_threshold"].clone()), (json!(30), json!(7)));

    // A plan, made in the console, offered to buyers.
    browser.go(&format!("{console}/#/plans")).await;
    browser.click("#open-new-plan").await;
    browser.type_into("#new-plan-id", "pro").await;
    browser.type_into("#new-plan-name", "Pro").await;
    browser.type_into("#new-plan-price", "19.90").await;
    browser.click("#new-plan-submit").await;
    browser.wait_for(r#"#plans tr[data-plan-id="pro"]"#).await;
    let plans = app.get("/plans", None).await.body;
    let pro = plans["items"].as_array().expect("plans").iter().find(|p| p["plan_id"] == "pro").cloned();
    assert_eq!(pro.map(|p| p["price_cents"].clone()), Some(json!(1990)), "{plans}");
}
