//! The simulator's HTTP client: every call names its route, and its latency is recorded
//! with when it ended, for the report's percentiles and charts.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::SimError;

/// The routes the simulator calls, as the report groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    Signup,
    Login,
    AddToCart,
    SetCartLine,
    ApplyPromo,
    RemovePromo,
    Checkout,
    Pay,
    Order,
    Orders,
    Product,
    PickupPoints,
    Admin,
    Dev,
}

impl Route {
    pub fn label(self) -> &'static str {
        match self {
            Self::Signup => "POST /auth/signup",
            Self::Login => "POST /auth/login",
            Self::AddToCart => "POST /cart/items",
            Self::SetCartLine => "PUT /cart/items/{id}",
            Self::ApplyPromo => "POST /cart/promo-code",
            Self::RemovePromo => "DELETE /cart/promo-code",
            Self::Checkout => "POST /checkout",
            Self::Pay => "POST /portal/sessions/{id}",
            Self::Order => "GET /orders/{id}",
            Self::Orders => "GET /orders",
            Self::Product => "GET /products/{id}",
            Self::PickupPoints => "GET /pickup-points",
            Self::Admin => "/admin/*",
            Self::Dev => "/dev/*",
        }
    }

    /// The buyers' own steps: what the charts show (admin and /dev calls are the sim's).
    pub fn is_buyers(self) -> bool {
        !matches!(self, Self::PickupPoints | Self::Admin | Self::Dev)
    }
}

/// One call: its route, when it ended (seconds since the run started), how long it took.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub route: Route,
    pub at: f64,
    pub took: Duration,
    pub status: u16,
}

/// A response: its status and its JSON body (`Null` when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The contract's error code, if this is an error.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn text(&self, field: &str) -> Option<String> {
        self.body[field].as_str().map(str::to_string)
    }

    /// `what answered <status> <body>`, for a report line.
    pub fn unexpected(&self, what: &str) -> String {
        let mut body = self.body.to_string();
        body.truncate(300);
        format!("{what} answered {} {body}", self.status)
    }
}

/// The stack's API, recording every call.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base_url: String,
    started: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
    /// Stripe mode: where the pages' cards are paid (localstripe), as Stripe.js pays them.
    stripe: Option<String>,
}

impl Api {
    pub fn new(base_url: &str, concurrency: usize) -> Result<Self, SimError> {
        let http = reqwest::Client::builder()
            // The hosted page answers 303 to its return page: the status is what we read.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(concurrency)
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SimError::Http(e.to_string()))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            started: Instant::now(),
            samples: Arc::default(),
            stripe: None,
        })
    }

    /// Whether the stack's cards are paid at Stripe (Stripe mode).
    pub fn pays_at_stripe(&self) -> bool {
        self.stripe.is_some()
    }

    /// Cards paid at this Stripe (Stripe mode), not posted to the page.
    pub fn paying_at(self, stripe: Option<String>) -> Self {
        Self { stripe, ..self }
    }

    /// In Stripe mode, what Stripe.js does on the page with the card `number`: a
    /// PaymentMethod from it, then the page's PaymentIntent (its client secret read from the
    /// page) confirmed with it. `None` in sandbox mode; else Stripe's answer (402: declined).
    pub async fn pay_at_stripe(&self, redirect_url: &str, number: &str) -> Result<Option<Answer>, SimError> {
        let Some(stripe) = &self.stripe else { return Ok(None) };
        let http = |e: reqwest::Error| SimError::Http(format!("Stripe: {e}"));
        let page = self.http.get(redirect_url).send().await.map_err(http)?.text().await.map_err(http)?;
        let secret = page.split(r#"data-secret=""#).nth(1).and_then(|rest| rest.split('"').next());
        let intent = secret
            .and_then(|s| s.split("_secret_").next())
            .ok_or_else(|| SimError::Setup("no client secret on the page".into()))?;
        let card = [
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2035"),
            ("card[cvc]", "123"),
        ];
        let stripe_call = |path: String, form: &[(&str, &str)]| {
            self.http.post(format!("{stripe}{path}")).bearer_auth(local::stripe::SECRET_KEY).form(form)
        };
        let method = self.send(Route::Pay, stripe_call("/v1/payment_methods".into(), &card)).await?;
        let method =
            method.body["id"].as_str().ok_or_else(|| SimError::Http(format!("Stripe: {}", method.body)))?.to_string();
        let path = format!("/v1/payment_intents/{intent}");
        self.send(Route::Pay, stripe_call(path.clone(), &[("payment_method", method.as_str())])).await?;
        Ok(Some(self.send(Route::Pay, stripe_call(format!("{path}/confirm"), &[])).await?))
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Seconds since the run started.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub async fn get(&self, route: Route, path: &str, token: Option<&str>) -> Result<Answer, SimError> {
        self.send(route, self.request(Method::GET, path, token)).await
    }

    pub async fn post(&self, route: Route, path: &str, token: Option<&str>, body: &Value) -> Result<Answer, SimError> {
        self.send(route, self.request(Method::POST, path, token).json(body)).await
    }

    pub async fn put(&self, route: Route, path: &str, token: Option<&str>, body: &Value) -> Result<Answer, SimError> {
        self.send(route, self.request(Method::PUT, path, token).json(body)).await
    }

    pub async fn delete(&self, route: Route, path: &str, token: Option<&str>) -> Result<Answer, SimError> {
        self.send(route, self.request(Method::DELETE, path, token)).await
    }

    /// Submits the hosted payment page's form to `redirect_url`, as a browser would.
    pub async fn pay(&self, redirect_url: &str, form: &[(&str, String)]) -> Result<Answer, SimError> {
        self.send(Route::Pay, self.http.post(redirect_url).form(form)).await
    }

    fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base_url));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn send(&self, route: Route, request: reqwest::RequestBuilder) -> Result<Answer, SimError> {
        let sent = Instant::now();
        let response = request.send().await.map_err(|e| SimError::Http(format!("{}: {e}", route.label())))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| SimError::Http(format!("{}: {e}", route.label())))?;
        let sample = Sample { route, at: self.elapsed(), took: sent.elapsed(), status };
        if let Ok(mut samples) = self.samples.lock() {
            samples.push(sample);
        }
        Ok(Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null) })
    }
}
