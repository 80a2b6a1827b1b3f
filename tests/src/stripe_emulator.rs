//! localstripe behind Capsule's adapter (`local/stripe_emulator.py`), one per test on a free
//! loopback port, stopped when dropped; and what a test does at "Stripe" that Capsule never
//! does itself: card data into a PaymentMethod (Stripe.js does that on the page), the
//! buyer's 3-D Secure answer, and looking at what Stripe holds.
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::{Child, Command};

pub const SECRET_KEY: &str = "sk_test_capsule";
pub const PUBLISHABLE_KEY: &str = "pk_test_capsule";
/// The signing secret of the stack's webhook endpoint at localstripe.
pub const WEBHOOK_SECRET: &str = "whsec_capsule_test";

pub struct StripeEmulator {
    pub url: String,
    client: reqwest::Client,
    _process: Child,
}

impl StripeEmulator {
    pub async fn start() -> std::io::Result<Self> {
        let repository = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
        let process = Command::new(repository.join(".venv/bin/python"))
            .current_dir(repository)
            .args(["local/stripe_emulator.py", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let emulator =
            Self { url: format!("http://127.0.0.1:{port}"), client: reqwest::Client::new(), _process: process };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            let health = emulator.client.get(format!("{}/_capsule/health", emulator.url)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(emulator);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "localstripe did not start (run `make venv`)"))
    }

    /// A request as Stripe's own clients make it, with the secret key: (status, body).
    pub async fn call(&self, method: reqwest::Method, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let request = self.client.request(method, format!("{}{path}", self.url)).bearer_auth(SECRET_KEY);
        let request = if form.is_empty() { request } else { request.form(form) };
        let response = request.send().await.expect("localstripe answers");
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// A stack's Stripe settings for this emulator (its Stripe.js mock included).
    pub fn stack_settings(&self) -> local::LocalStripe {
        local::LocalStripe {
            api_base: self.url.clone(),
            secret_key: SECRET_KEY.into(),
            publishable_key: PUBLISHABLE_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            js_url: Some(format!("{}/js.stripe.com/v3/", self.url)),
        }
    }

    /// What Stripe.js does on the page when the buyer pays with `number`: a PaymentMethod
    /// from the card, then the PaymentIntent (named by its client secret) confirmed with it.
    /// (localstripe's Stripe.js cannot take card data, nor its `confirm` a method: the same
    /// two steps through its API.) The confirmation's answer (a decline is a 402).
    pub async fn pay_on_page(&self, client_secret: &str, number: &str) -> (u16, Value) {
        let intent = client_secret.split("_secret_").next().unwrap_or_default();
        let card = self.card(number).await;
        let path = format!("/v1/payment_intents/{intent}");
        let (status, updated) = self.call(reqwest::Method::POST, &path, &[("payment_method", card.as_str())]).await;
        assert_eq!(status, 200, "{updated}");
        self.call(reqwest::Method::POST, &format!("{path}/confirm"), &[]).await
    }

    /// A card PaymentMethod, as Stripe.js makes one from what the buyer types.
    pub async fn card(&self, number: &str) -> String {
        let form = [
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ];
        let (status, method) = self.call(reqwest::Method::POST, "/v1/payment_methods", &form).await;
        assert_eq!(status, 200, "{method}");
        method["id"].as_str().expect("an id").to_owned()
    }

    /// The buyer passes (or fails) the 3-D Secure challenge, as localstripe's Stripe.js does.
    pub async fn authenticate(&self, payment_intent: &str, client_secret: &str, success: bool) -> Value {
        let url = format!("{}/v1/payment_intents/{payment_intent}/_authenticate?success={success}", self.url);
        let body = serde_json::json!({"key": PUBLISHABLE_KEY, "client_secret": client_secret});
        let response = self.client.post(url).body(body.to_string()).send().await.expect("localstripe answers");
        response.json().await.expect("a PaymentIntent")
    }

    /// The `data` of a list (`/v1/refunds?payment_intent=...`).
    pub async fn list(&self, path: &str) -> Vec<Value> {
        let (status, list) = self.call(reqwest::Method::GET, path, &[]).await;
        assert_eq!(status, 200, "{list}");
        list["data"].as_array().cloned().unwrap_or_default()
    }

    /// Has localstripe post its signed events to `url` with this signing secret.
    pub async fn send_events_to(&self, url: &str, secret: &str) {
        let form = [("url", url), ("secret", secret)];
        let response = self.client.post(format!("{}/_config/webhooks/capsule", self.url)).form(&form).send().await;
        assert!(response.is_ok_and(|r| r.status().is_success()), "webhook registered");
    }
}
