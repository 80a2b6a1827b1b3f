//! A person paying on the hosted page in a real headless Chromium, driven through
//! chromedriver's WebDriver protocol: fill the card, tick "save", submit, land on the
//! return page, see the order paid; then buy again in one click with the saved card.
use std::process::Stdio;
use std::time::{Duration, Instant};

use capsule_tests::{pickup, spawn_app};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    profile: std::path::PathBuf,
    _driver: Child,
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver, when it and Chromium are installed.
fn find_driver() -> Option<String> {
    if !std::path::Path::new(CHROMIUM).exists() {
        return None;
    }
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

/// CI (`CI=true`) or `CAPSULE_REQUIRE_BROWSER=1`: a missing browser fails the run instead of
/// skipping this test, so CI never passes without having paid in a browser.
fn browser_required() -> bool {
    let set = |name: &str, values: &[&str]| {
        std::env::var(name).is_ok_and(|v| values.iter().any(|value| v.eq_ignore_ascii_case(value)))
    };
    set("CI", &["true", "1"]) || set("CAPSULE_REQUIRE_BROWSER", &["1", "true"])
}

impl Browser {
    async fn start(driver: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("capsule-chromium-{}", uuid::Uuid::new_v4().simple()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1000,1100", format!("--user-data-dir={}", profile.display())]
        }}}});
        let session: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let session =
            session["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {session}")).to_string();
        Self { http, base, session, profile, _driver: child }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.expect("webdriver answers").json().await.expect("json");
        assert!(answer["value"]["error"].is_null(), "webdriver {path}: {answer}");
        answer["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    async fn element(&self, css: &str) -> String {
        let found =
            self.command(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        found[ELEMENT].as_str().expect("element id").to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({"text": text}))).await;
    }

    async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
    }

    async fn refresh(&self) {
        self.command(reqwest::Method::POST, "/refresh", Some(json!({}))).await;
    }

    async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_string()
    }

    async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or_default().to_string()
    }

    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let png = self.command(reqwest::Method::GET, "/screenshot", None).await;
        if let Some(bytes) = png.as_str().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()) {
            let dir = format!("{}/../target/screenshots", env!("CARGO_MANIFEST_DIR"));
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(format!("{dir}/{name}.png"), bytes);
        }
    }
}

/// Ends the WebDriver session, which closes Chromium; killing chromedriver alone would
/// leave the browser running. Plain blocking HTTP, so it also runs when a test panics.
impl Drop for Browser {
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let Some(address) = self.base.strip_prefix("http://") else { return };
        if let Ok(mut stream) = std::net::TcpStream::connect(address) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

#[tokio::test]
async fn a_buyer_pays_with_a_card_in_a_real_browser() {
    let Some(driver) = find_driver() else {
        let missing = "chromium and chromium-driver are not installed (`make test` installs them with apt-get \
                       when it runs as root; otherwise run `sudo apt-get install chromium chromium-driver`)";
        assert!(!browser_required(), "CI=true or CAPSULE_REQUIRE_BROWSER=1 needs the browser test, but {missing}");
        eprintln!("SKIPPED a_buyer_pays_with_a_card_in_a_real_browser: {missing}");
        return;
    };
    let app = spawn_app().await;
    let (email, token) = app.customer("browser").await;
    let stock_before = app.stock("cap-snapback-djoor").await;
    app.add(&token, "cap-snapback-djoor", 2).await;
    assert_eq!(app.stock("cap-snapback-djoor").await, stock_before, "a cart holds nothing");
    let checkout = json!({"payment_method": "card", "save_payment_method": true, "delivery": pickup()});
    let placed = app.post("/checkout", Some(&token), checkout).await;
    assert_eq!(placed.status, StatusCode::CREATED);
    assert_eq!(app.stock("cap-snapback-djoor").await, stock_before - 2, "held at checkout");
    let order_id = placed.body["order_id"].as_str().expect("order id").to_string();

    let browser = Browser::start(&driver).await;
    browser.go(placed.body["redirect_url"].as_str().expect("redirect_url")).await;
    assert!(browser.source().await.contains("59,80 €"), "the page shows the amount");
    browser.screenshot("portal-payment-page").await;
    browser.type_into("#card_number", "4242 4242 4242 4242").await;
    browser.type_into("#exp_month", "12").await;
    browser.type_into("#exp_year", "2031").await;
    browser.type_into("#cvc", "123").await;
    browser.type_into("#holder_name", "Ada Lovelace").await;
    browser.click("#save-card").await;
    browser.click("#pay-card").await;

    // The browser lands on the return page once the provider took the payment.
    let started = Instant::now();
    while !browser.url().await.ends_with("/return") {
        assert!(started.elapsed() < Duration::from_secs(20), "never left the payment page: {}", browser.url().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Once the provider's event has reached the webhook, the page, reloaded, shows the order paid.
    app.stack.drain().await;
    browser.refresh().await;
    let source = browser.source().await;
    assert!(source.contains(r#"data-outcome="paid""#), "the return page shows the order paid: {source}");
    assert!(source.contains(&order_id), "the return page names the order");
    browser.screenshot("portal-return-page").await;
    let order = app.order_when(&token, &order_id, "paid").await;
    assert_eq!(order["payment"]["last4"], "4242");
    assert_eq!(app.stock("cap-snapback-djoor").await, stock_before - 2, "sold");
    let subjects = |emails: Vec<Value>| -> Vec<String> {
        emails.iter().map(|e| e["subject"].as_str().unwrap_or_default().chars().take(21).collect()).collect()
    };
    let sent = subjects(app.emails_to(&email).await);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.iter().any(|s| s.starts_with("Invoice INV-")), "the invoice is in the outbox: {sent:?}");
    assert!(sent.contains(&"Payment method saved ".to_string()), "{sent:?}");
    let saved = app.get("/payment-methods", Some(&token)).await;
    assert_eq!(saved.body["items"].as_array().map(Vec::len), Some(1), "{}", saved.body);
    assert_eq!(saved.body["items"][0]["last4"], "4242");

    // The history shows it, and the buyer cancels it within the window.
    let history = app.get("/orders", Some(&token)).await;
    assert_eq!(history.body["items"][0]["order_id"], order_id.as_str());
    let cancelled = app.post(&format!("/orders/{order_id}/cancel"), Some(&token), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["refund_status"], "refunded");
    assert_eq!(app.stock("cap-snapback-djoor").await, stock_before, "back on sale at once");
    assert_eq!(app.emails_to(&email).await.len(), 3, "told of the refund");

    // Next time, one click: the saved card pays at once, no page.
    app.add(&token, "cap-snapback-djoor", 1).await;
    let method = saved.body["items"][0]["payment_method_id"].as_str().expect("id");
    let again = app.post("/checkout", Some(&token), json!({"payment_method": method, "delivery": pickup()})).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body["status"], "paid");
    assert_eq!(again.body["order"]["payment"]["last4"], "4242");
    assert_eq!(app.stock("cap-snapback-djoor").await, stock_before - 1);
    assert_eq!(app.emails_to(&email).await.len(), 4, "its invoice");
}
