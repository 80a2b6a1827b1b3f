//! `spawn_app`: a whole Capsule stack per test, on its own port and its own resources in the
//! shared emulator, so tests run in parallel and read like a user's journey.
use std::sync::Once;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub use local::Stack;

pub const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef-0123";
pub const WEBHOOK_SECRET: &str = "test-webhook-secret-0123456789";

pub struct TestApp {
    pub stack: Stack,
    pub client: reqwest::Client,
    pub endpoint: String,
}

/// The emulator `make test` started.
pub fn emulator_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts the emulator")
}

pub async fn spawn_app() -> TestApp {
    static LOGS: Once = Once::new();
    LOGS.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into()))
            .with_test_writer()
            .try_init();
    });
    let endpoint = emulator_endpoint();
    let options = local::Options {
        endpoint: endpoint.clone(),
        prefix: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        port: 0,
        run_schedules: false,
        jwt_secret: JWT_SECRET.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
    };
    let stack = local::start(options).await.expect("the local stack starts against the emulator");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp { stack, client, endpoint }
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

    /// Signs a new customer up; their email and token.
    pub async fn customer(&self, tag: &str) -> (String, String) {
        let email = unique_email(tag);
        let answer = self.post("/auth/signup", None, json!({"email": email, "password": "password-123", "name": tag})).await;
        assert_eq!(answer.status, StatusCode::CREATED, "signup: {}", answer.body);
        (email, answer.body["token"].as_str().expect("token").to_string())
    }

    pub async fn admin_token(&self) -> String {
        let answer = self
            .post("/auth/login", None, json!({"email": local::seed::ADMIN_EMAIL, "password": local::seed::ADMIN_PASSWORD}))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "admin login: {}", answer.body);
        answer.body["token"].as_str().expect("token").to_string()
    }

    /// The emails sent to `to`, oldest first, waiting up to 10 s for at least `count`.
    pub async fn emails_to(&self, to: &str, count: usize) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let outbox = self.get(&format!("/dev/outbox?to={to}"), None).await;
            let items = outbox.body["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= count || started.elapsed() > Duration::from_secs(10) {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
