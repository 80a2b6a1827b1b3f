//! localstripe behind Capsule's adapter (`local/stripe_emulator.py`), one per test on a free
//! loopback port, stopped when dropped; and what a test does at "Stripe" that Capsule never
//! does itself: card data into a PaymentMethod (Stripe.js does that on the page), the
//! buyer's 3-D Secure answer, and looking at what Stripe holds.
use serde_json::Value;

pub use local::stripe::{PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET};

pub struct StripeEmulator {
    pub url: String,
    client: reqwest::Client,
    launched: local::stripe::Localstripe,
}

impl StripeEmulator {
    pub async fn start() -> Result<Self, local::StackError> {
        let launched = local::stripe::Localstripe::start().await?;
        Ok(Self { url: launched.url.clone(), client: reqwest::Client::new(), launched })
    }

    /// A stack's Stripe settings for this emulator (its Stripe.js mock included).
    pub fn stack_settings(&self) -> local::LocalStripe {
        self.launched.stack_settings()
    }

    /// A request as Stripe's own clients make it, with the secret key: (status, body).
    pub async fn call(&self, method: reqwest::Method, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let request = self.client.request(method, format!("{}{path}", self.url)).bearer_auth(SECRET_KEY);
        let request = if form.is_empty() { request } else { request.form(form) };
        let response = request.send().await.expect("localstripe answers");
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// What Stripe.js does on the page when the buyer pays with `number`, without a browser
    /// (`browser::a_buyer_pays_through_stripe_elements_in_a_real_browser` has one): a
    /// PaymentMethod from the card, then the PaymentIntent (named by its client secret)
    /// confirmed with it. The confirmation's answer (a decline is a 402).
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
        self.launched.send_events_to(url, secret).await.expect("webhook registered");
    }
}
