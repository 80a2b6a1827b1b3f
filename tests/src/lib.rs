//! `spawn_app`: a whole Capsule stack per test, on its own port and its own resources in the
//! shared emulator, so tests run in parallel and read like a user's journey.
pub mod faults;
pub mod stripe_emulator;

use std::sync::{Mutex, Once};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub use local::Stack;

pub const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef-0123";
pub const WEBHOOK_SECRET: &str = "test-webhook-secret-0123456789";
pub const FINGERPRINT_KEY: &str = "test-fingerprint-key-0123456789abcdef";
/// A storefront on another origin that every test stack allows (CORS, return URLs).
pub const SHOP_ORIGIN: &str = "https://shop.example";

pub struct TestApp {
    pub stack: Stack,
    pub client: reqwest::Client,
    pub endpoint: String,
    /// The emulator of the stack's own (`Setup::fidelity`), stopped after the stack.
    pub own_emulator: Option<local::emulator::Launched>,
}

/// The emulator `make test` started.
pub fn emulator_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts the emulator")
}

/// Every log line of every stack in this test process, so a test can check what was logged.
static LOG_BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct CapturedLogs;

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = LOG_BUFFER.lock() {
            buffer.extend_from_slice(bytes);
        }
        if std::env::var_os("TEST_LOG").is_some() {
            eprint!("{}", String::from_utf8_lossy(bytes));
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the stacks of this test process logged so far (at debug level and above).
pub fn captured_logs() -> String {
    LOG_BUFFER.lock().map(|b| String::from_utf8_lossy(&b).to_string()).unwrap_or_default()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Setup::default()).await
}

/// How a test's stack starts.
pub struct Setup {
    /// Resource names: a new set of its own unless this names another stack's (a restart).
    pub prefix: Option<String>,
    /// Functions deliver their outbox right after committing (else only the relay does).
    pub deliver_after_commit: bool,
    /// Browser origins allowed besides the stack's own (a storefront on another port).
    pub allowed_origins: Vec<String>,
    /// The AWS endpoint, when not the emulator `make test` started (e.g. a `FaultProxy`).
    pub endpoint: Option<String>,
    pub sdk_limits: shared::sdk::Limits,
    /// An emulator of the stack's own in fidelity mode with these settings (see
    /// `fidelity`), whatever `CAPSULE_FIDELITY` says: DynamoDB's conflicts and throttles
    /// played for this stack alone.
    pub fidelity: Option<Value>,
    /// Stripe (an emulator) takes the card payments instead of the sandbox.
    pub stripe: Option<local::LocalStripe>,
    /// Seeded as `make dev` is (else a bare stack, as deployed, before its bootstrap).
    pub seed: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            prefix: None,
            deliver_after_commit: true,
            allowed_origins: Vec::new(),
            endpoint: None,
            sdk_limits: shared::sdk::Limits::EMULATOR,
            fidelity: None,
            stripe: None,
            seed: true,
        }
    }
}

/// Switches the emulator at `endpoint` to fidelity mode with `settings` (a JSON object of
/// `transaction_latency_ms`, `partition_wcu`; `POST /_capsule/fidelity`).
pub async fn fidelity(endpoint: &str, settings: Value) {
    let mut settings = settings;
    settings["enabled"] = json!(true);
    let answer = reqwest::Client::new()
        .post(format!("{endpoint}/_capsule/fidelity"))
        .json(&settings)
        .send()
        .await
        .expect("the emulator answers");
    assert!(answer.status().is_success(), "fidelity settings refused: {}", answer.text().await.unwrap_or_default());
}

/// How many items transactions hold now on the emulator at `endpoint` (fidelity mode).
pub async fn held_items(endpoint: &str) -> u64 {
    let answer = reqwest::get(format!("{endpoint}/_capsule/fidelity")).await.expect("the emulator answers");
    answer.json::<Value>().await.expect("JSON")["held_items"].as_u64().expect("held_items")
}

pub async fn spawn_app_with(setup: Setup) -> TestApp {
    static LOGS: Once = Once::new();
    LOGS.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                std::env::var("TEST_LOG").unwrap_or_else(|_| "debug,aws=warn,hyper=warn,h2=warn,rustls=warn".into()),
            )
            .with_writer(|| CapturedLogs)
            .with_ansi(false)
            .try_init();
    });
    let own_emulator = match &setup.fidelity {
        Some(settings) => {
            let emulator = local::emulator::Launched::start(false).await.expect("an emulator of the test's own");
            fidelity(&emulator.endpoint, settings.clone()).await;
            Some(emulator)
        }
        None => None,
    };
    let own_endpoint = own_emulator.as_ref().map(|e| e.endpoint.clone());
    let endpoint = setup.endpoint.or(own_endpoint).unwrap_or_else(emulator_endpoint);
    let options = local::Options {
        endpoint: endpoint.clone(),
        prefix: setup.prefix.unwrap_or_else(|| format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])),
        port: 0,
        run_schedules: false,
        jwt_secret: JWT_SECRET.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        fingerprint_key: FINGERPRINT_KEY.into(),
        deliver_after_commit: setup.deliver_after_commit,
        allowed_origins: std::iter::once(SHOP_ORIGIN.to_string()).chain(setup.allowed_origins).collect(),
        sdk_limits: setup.sdk_limits,
        stripe: setup.stripe,
        seed: setup.seed,
    };
    let stack = local::start(options).await.expect("the local stack starts against the emulator");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client");
    TestApp { stack, client, endpoint, own_emulator }
}

/// A response's status and JSON body (Null when the body is not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// The contract's error code, if this is an error.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.stack.base_url)
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), headers }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Signs a new customer up, who reads English; their email and token.
    pub async fn customer(&self, tag: &str) -> (String, String) {
        self.customer_in(tag, json!("en")).await
    }

    /// Signs a new customer up with `locale` (`null`: none chosen); their email and token.
    pub async fn customer_in(&self, tag: &str, locale: Value) -> (String, String) {
        let email = unique_email(tag);
        let body = json!({"email": email, "password": "password-123", "name": tag, "locale": locale});
        let answer = self.post("/auth/signup", None, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "signup: {}", answer.body);
        (email, answer.body["token"].as_str().expect("token").to_string())
    }

    /// A fresh token for a customer made by `customer` (tokens last an hour of the clock).
    pub async fn login(&self, email: &str) -> String {
        let answer = self.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
        assert_eq!(answer.status, StatusCode::OK, "login: {}", answer.body);
        answer.body["token"].as_str().expect("token").to_string()
    }

    pub async fn admin_token(&self) -> String {
        let answer = self
            .post(
                "/auth/login",
                None,
                json!({"email": local::seed::ADMIN_EMAIL, "password": local::seed::ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "admin login: {}", answer.body);
        answer.body["token"].as_str().expect("token").to_string()
    }

    /// The emails sent to `to`, oldest first, once the queued work is done.
    pub async fn emails_to(&self, to: &str) -> Vec<Value> {
        self.stack.drain().await;
        let outbox = self.get(&format!("/dev/outbox?to={to}"), None).await;
        assert_eq!(outbox.status, StatusCode::OK, "outbox: {}", outbox.body);
        outbox.body["items"].as_array().cloned().expect("the outbox lists items")
    }
}

/// A card payment form for the hosted page.
pub fn card_form(number: &str) -> Vec<(&'static str, String)> {
    vec![
        ("method", "card".into()),
        ("card_number", number.into()),
        ("exp_month", "12".into()),
        ("exp_year", "2031".into()),
        ("cvc", "123".into()),
        ("holder_name", "Ada Lovelace".into()),
    ]
}

pub const VISA: &str = "4242 4242 4242 4242";
pub const DECLINED: &str = "4000000000000002";

pub fn pickup() -> Value {
    json!({"mode": "pickup", "pickup_point_id": "pp-bastille"})
}

pub fn home() -> Value {
    json!({"mode": "home", "address": {"name": "Ada Lovelace", "line1": "12 rue des Lilas", "postal_code": "75011", "city": "Paris", "country": "FR"}})
}

impl TestApp {
    pub async fn add(&self, token: &str, product_id: &str, quantity: i64) -> Answer {
        self.post("/cart/items", Some(token), json!({"product_id": product_id, "quantity": quantity})).await
    }

    pub async fn checkout(&self, token: &str) -> Answer {
        self.post("/checkout", Some(token), json!({"payment_method": "card", "delivery": pickup()})).await
    }

    /// Submits the hosted page's form; the answer's status and Location.
    pub async fn pay(&self, redirect_url: &str, form: &[(&str, String)]) -> (StatusCode, Option<String>, String) {
        let response = self.client.post(redirect_url).form(form).send().await.expect("the portal answers");
        let status = response.status();
        let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_string);
        (status, location, response.text().await.unwrap_or_default())
    }

    /// The order once the queued work is done (the webhook delivered), which must be `status`.
    pub async fn order_when(&self, token: &str, order_id: &str, status: &str) -> Value {
        self.stack.drain().await;
        let order = self.get(&format!("/orders/{order_id}"), Some(token)).await;
        assert_eq!(order.body["status"], status, "order is not {status}: {}", order.body);
        order.body
    }

    /// Places and pays an order for what the cart holds; the paid order, once the numbering
    /// gave it its invoice number.
    pub async fn buy(&self, token: &str, card: &str) -> Value {
        let placed = self.checkout(token).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let url = placed.body["redirect_url"].as_str().expect("redirect_url").to_string();
        let (status, _, _) = self.pay(&url, &card_form(card)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let order_id = placed.body["order_id"].as_str().expect("order_id");
        self.order_when(token, order_id, "paid").await;
        self.number_invoices().await;
        self.order_when(token, order_id, "paid").await
    }

    /// Runs the invoice numbering now, as its schedule would; its report.
    pub async fn number_invoices(&self) -> Value {
        self.run_job("invoice-numbering").await
    }

    pub async fn stock(&self, product_id: &str) -> i64 {
        self.get(&format!("/products/{product_id}"), None).await.body["stock"].as_i64().expect("stock")
    }

    /// A product of its own for a test that needs exact stock.
    pub async fn product_with_stock(&self, price_cents: i64, stock: i64) -> String {
        self.product_with_shards(price_cents, stock, 1).await
    }

    /// A product of its own whose `stock` is spread over `shards` stock shards.
    pub async fn product_with_shards(&self, price_cents: i64, stock: i64, shards: i64) -> String {
        let id = format!("cap-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let record = shared::store::ProductRecord::new(
            shared::store::NewProduct {
                product_id: id.clone(),
                name: format!("Casquette Test {id}"),
                description: "test".into(),
                price_cents: shared::domain::Cents::new(price_cents).expect("a price"),
                stock,
                stock_shards: shared::domain::stock::StockShards::parse(shards).expect("a shard count"),
                product_discount: false,
            },
            chrono::Utc::now(),
        );
        self.stack.app.store.create_product(&record).await.expect("product created");
        id
    }

    /// Posts a payment event signed as the provider would (at the stack's clock, or `t`).
    pub async fn webhook(&self, event: &Value, secret: &str, t: Option<i64>) -> Answer {
        let body = event.to_string();
        let t = t.unwrap_or_else(|| shared::clock::Clock::now(self.stack.clock.as_ref()).timestamp());
        let header = shared::payments::signature::sign(secret, t, body.as_bytes());
        let response = self
            .client
            .post(self.url("/webhooks/payments"))
            .header("content-type", "application/json")
            .header("payment-signature", header)
            .body(body)
            .send()
            .await
            .expect("the webhook answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), headers }
    }

    /// Whether the stack's table holds an item at `key`.
    pub async fn stored(&self, key: shared::store::keys::Key) -> bool {
        self.stack.app.store.get::<Value>(key).await.expect("the table answers").is_some()
    }

    /// Runs a scheduled job now, as `/dev/run` does.
    pub async fn run_job(&self, job: &str) -> Value {
        let answer = self.post(&format!("/dev/run/{job}"), None, json!({})).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["report"].clone()
    }
}
