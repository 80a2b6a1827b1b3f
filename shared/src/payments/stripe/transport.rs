//! One HTTP exchange with Stripe: hyper-util's pooled client over hyper-rustls with aws-lc
//! and the system's roots (what the AWS SDK links), the headers every call carries, a
//! deadline over the whole exchange, and the answer decoded or mapped to `StripeError`.
use std::time::Duration;

use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;

use super::transformers::{error_from_response, Form};
use super::{IdempotencyKey, StripeConfig, StripeError, CONNECT_TIMEOUT, STRIPE_VERSION};
use crate::config::ConfigError;

/// Stripe's answers are a few kB; anything past this is not one.
const MAX_RESPONSE_BYTES: usize = 1 << 20;
const POOL_IDLE: Duration = Duration::from_secs(50);

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

pub(super) struct Transport {
    client: HttpsClient,
    api_base: String,
    authorization: HeaderValue,
    timeout: Duration,
}

impl Transport {
    pub(super) fn new(config: &StripeConfig) -> Result<Self, ConfigError> {
        let mut connector = HttpConnector::new();
        connector.enforce_http(false);
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        connector.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| ConfigError(format!("no TLS root certificates for Stripe: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(POOL_IDLE).build(https);
        let mut authorization = HeaderValue::try_from(format!("Bearer {}", config.secret_key))
            .map_err(|_| ConfigError("the Stripe secret key is not a valid header value".into()))?;
        authorization.set_sensitive(true);
        Ok(Self { client, api_base: config.api_base.clone(), authorization, timeout: config.timeout })
    }

    pub(super) async fn get<T: DeserializeOwned>(&self, path: &str, query: &Form) -> Result<T, StripeError> {
        let query = query.encode();
        let uri = match query.is_empty() {
            true => format!("{}{path}", self.api_base),
            false => format!("{}{path}?{query}", self.api_base),
        };
        self.send(Method::GET, &uri, None).await
    }

    pub(super) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Form,
        key: &IdempotencyKey,
    ) -> Result<T, StripeError> {
        self.send(Method::POST, &format!("{}{path}", self.api_base), Some((form, key))).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        uri: &str,
        body: Option<(&Form, &IdempotencyKey)>,
    ) -> Result<T, StripeError> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(AUTHORIZATION, self.authorization.clone())
            .header("stripe-version", STRIPE_VERSION)
            .header(USER_AGENT, concat!("Capsule/", env!("CARGO_PKG_VERSION")));
        let (content, key) = match body {
            Some((form, key)) => {
                request = request
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header("idempotency-key", key.as_str());
                (form.encode(), Some(key))
            }
            None => (String::new(), None),
        };
        let request = request
            .body(Full::new(Bytes::from(content)))
            .map_err(|e| StripeError::Invalid(format!("request to {uri}: {e}")))?;
        let (status, request_id, bytes) = match tokio::time::timeout(self.timeout, self.exchange(request)).await {
            Ok(answer) => answer?,
            Err(_) => return Err(StripeError::Unavailable(format!("no answer within {:?}", self.timeout))),
        };
        let path = uri.split('?').next().unwrap_or_default();
        if !(200..300).contains(&status) {
            let error = error_from_response(status, &bytes, key);
            tracing::warn!(%method, path, status, request_id, %error, "Stripe refused a request");
            return Err(error);
        }
        tracing::debug!(%method, path, status, request_id, "Stripe answered");
        serde_json::from_slice(&bytes)
            .map_err(|e| StripeError::Unavailable(format!("unreadable answer from {path} ({request_id}): {e}")))
    }

    /// Status, Stripe's `Request-Id` (for support) and the body.
    async fn exchange(&self, request: Request<Full<Bytes>>) -> Result<(u16, String, Bytes), StripeError> {
        let response = self.client.request(request).await.map_err(|e| {
            let what = if e.is_connect() { "unreachable" } else { "the exchange failed" };
            StripeError::Unavailable(format!("Stripe {what}: {}", error_chain(&e)))
        })?;
        let status = response.status().as_u16();
        let request_id =
            response.headers().get("request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES).collect().await;
        let bytes = body.map_err(|e| StripeError::Unavailable(format!("reading Stripe's answer: {e}")))?.to_bytes();
        Ok((status, request_id, bytes))
    }
}

/// An error and its sources, one line (hyper's own says only "client error (Connect)").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
