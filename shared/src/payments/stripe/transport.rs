//! One HTTP exchange with Stripe, through the AWS SDK's own connector
//! (`aws_smithy_http_client::Connector`: hyper-util's pooled client, rustls on aws-lc, the
//! system's roots, built as the SDK builds its default one), so a function links no second
//! HTTP or TLS stack; then the headers every call carries, a deadline over the whole
//! exchange, and the answer decoded or mapped to `StripeError`.
use std::time::Duration;

use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::Method;
use http_body_util::{BodyExt, Limited};
use serde::de::DeserializeOwned;

use super::transformers::{error_from_response, Form};
use super::{IdempotencyKey, StripeConfig, StripeError, CONNECT_TIMEOUT, STRIPE_VERSION};
use crate::config::ConfigError;

/// Stripe's answers are a few kB; anything past this is not one.
const MAX_RESPONSE_BYTES: usize = 1 << 20;
const POOL_IDLE: Duration = Duration::from_secs(50);

pub(super) struct Transport {
    connector: Connector,
    api_base: String,
    authorization: HeaderValue,
    timeout: Duration,
}

impl Transport {
    pub(super) fn new(config: &StripeConfig) -> Result<Self, ConfigError> {
        let settings = HttpConnectorSettings::builder().connect_timeout(CONNECT_TIMEOUT).build();
        let connector = Connector::builder()
            .connector_settings(settings)
            // Given, not looked up: a connect timeout without a sleep would be a panic.
            .sleep_impl(TokioSleep::new())
            .enable_tcp_nodelay(true)
            .pool_idle_timeout(POOL_IDLE)
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build();
        let mut authorization = HeaderValue::try_from(format!("Bearer {}", config.secret_key))
            .map_err(|_| ConfigError("the Stripe secret key is not a valid header value".into()))?;
        // Never printed, whoever logs the request.
        authorization.set_sensitive(true);
        Ok(Self { connector, api_base: config.api_base.clone(), authorization, timeout: config.timeout })
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
        let mut request = http::Request::builder()
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
        let invalid = |e: &dyn std::fmt::Display| StripeError::Invalid(format!("request to {uri}: {e}"));
        let request = request.body(SdkBody::from(content)).map_err(|e| invalid(&e))?;
        let request = HttpRequest::try_from(request).map_err(|e| invalid(&e))?;
        let path = uri.split('?').next().unwrap_or_default();
        let (status, request_id, bytes) = match tokio::time::timeout(self.timeout, self.exchange(request)).await {
            Ok(answer) => answer?,
            Err(_) => return Err(StripeError::Unavailable(format!("no answer from {path} within {:?}", self.timeout))),
        };
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
    async fn exchange(&self, request: HttpRequest) -> Result<(u16, String, Vec<u8>), StripeError> {
        let response = self
            .connector
            .call(request)
            .await
            .map_err(|e| StripeError::Unavailable(format!("Stripe unreachable: {}", error_chain(&e))))?;
        let status = response.status().as_u16();
        let request_id = response.headers().get("request-id").unwrap_or_default().to_owned();
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES).collect().await;
        let bytes = body.map_err(|e| StripeError::Unavailable(format!("reading Stripe's answer: {e}")))?.to_bytes();
        Ok((status, request_id, bytes.to_vec()))
    }
}

/// An error and its sources, one line (the connector's own says only "io error").
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
