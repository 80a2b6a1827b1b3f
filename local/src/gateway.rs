//! The local stand-in for API Gateway (HTTP API, payload 2.0): each request becomes the
//! event Lambda would receive, parsed by lambda_http itself, and goes to the function
//! `template.yaml` routes it to.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http_body_util::{BodyExt, Limited};
use serde_json::{json, Value};

use crate::{dev, routes, storefront, Inner};
use shared::http::{cors, Route};

/// API Gateway refuses payloads over 10 MB; the functions enforce the contract's 64 KiB.
const GATEWAY_BODY_LIMIT: usize = 10 * 1024 * 1024;

pub async fn serve(State(inner): State<Arc<Inner>>, req: axum::extract::Request) -> axum::response::Response {
    if let Some(page) = storefront::SITE.answer(req.method(), req.uri().path(), None) {
        return page;
    }
    // Lambda runs an invocation to its end even when the caller hangs up. Dropped half-way
    // with the connection, a function would leave done work unmarked: the webhook's invoice
    // email sent but not marked delivered, then sent again by the relay.
    match tokio::spawn(handle(inner, req)).await {
        Ok(response) => response,
        Err(e) => json_error(500, "internal", &format!("the function did not finish: {e}")),
    }
}

async fn handle(inner: Arc<Inner>, req: axum::extract::Request) -> axum::response::Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_string();
    // CORS as API Gateway plays it for the template's CorsConfiguration: it answers the
    // preflights itself, and marks every answer to an allowed origin.
    let origin = parts
        .headers
        .get(http::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| inner.app.config.allowed_origins.allows(o))
        .map(str::to_string);
    if parts.method == http::Method::OPTIONS && parts.headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return preflight(origin.as_deref(), &parts.headers);
    }
    let (mut response, queued) = match Limited::new(body, GATEWAY_BODY_LIMIT).collect().await {
        Err(_) => (json_error(413, "payload_too_large", "request body is too large"), false),
        Ok(collected) => {
            let bytes = collected.to_bytes();
            if let Some(rest) = path.strip_prefix("/dev/") {
                (dev::handle(&inner, &method, rest, parts.uri.query().unwrap_or(""), &bytes).await, true)
            } else {
                invoke(&inner, &parts, &bytes).await
            }
        }
    };
    if let Some(origin) = origin {
        allow_origin(response.headers_mut(), &origin);
    }
    tracing::info!(%method, %path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, queued, "request");
    // What the function queued is picked up now, not at the next poll. Only then: each
    // wake costs the single-threaded emulator a receive per queue, as much as a request's
    // own DynamoDB work (the bench's checkouts measured it).
    if queued {
        inner.workers.wake();
    }
    response
}

/// A preflight's answer: 204, with the policy only when the origin is allowed and asks for
/// a method some route answers (a browser refuses the real request otherwise).
fn preflight(origin: Option<&str>, headers: &http::HeaderMap) -> axum::response::Response {
    use http::header::{self, HeaderValue};
    let mut response = http::StatusCode::NO_CONTENT.into_response();
    let methods = cors::allow_methods();
    let asked = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD).and_then(|m| m.to_str().ok()).unwrap_or("");
    if let Some(origin) = origin.filter(|_| methods.contains(&asked)) {
        let out = response.headers_mut();
        allow_origin(out, origin);
        let list = |items: &[&str]| HeaderValue::from_str(&items.join(", ")).unwrap_or(HeaderValue::from_static(""));
        out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, list(&methods));
        out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, list(cors::ALLOW_HEADERS));
        out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(cors::MAX_AGE_SECS));
    }
    response
}

fn allow_origin(headers: &mut http::HeaderMap, origin: &str) {
    use http::header::{self, HeaderValue};
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.append(header::VARY, HeaderValue::from_static("origin"));
    }
}

/// The function's response, and whether it may have queued something (it called SQS or
/// EventBridge, whose rules target queues).
async fn invoke(inner: &Inner, parts: &http::request::Parts, body: &Bytes) -> (axum::response::Response, bool) {
    let Some((route, params)) = Route::find(parts.method.as_str(), parts.uri.path()) else {
        return (json_error(404, "not_found", "no route matches this method and path"), false);
    };
    let route_key = route.to_string();
    let function = route.spec().function;
    let event = event(parts, &route_key, &params, body);
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(request) => request,
        Err(e) => {
            tracing::warn!(error = %e, "a request the gateway could not pass on");
            return (api_error(&shared::ApiError::invalid("", "the request could not be read")), false);
        }
    };
    let (response, services) = routes::invoke_http_listing(function, &inner.app, request).await;
    let queued = services.iter().any(|s| s == "sqs" || s == "eventbridge");
    match response {
        Some(response) => (into_axum(response), queued),
        None => (json_error(500, "internal", &format!("function {function} is not wired")), queued),
    }
}

/// The API Gateway v2 event of a request.
pub fn event(parts: &http::request::Parts, route_key: &str, params: &HashMap<String, String>, body: &[u8]) -> Value {
    let mut headers: HashMap<String, String> = HashMap::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).to_string();
        headers
            .entry(name.as_str().to_lowercase())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value)
            })
            .or_insert(value);
    }
    let cookies: Vec<String> =
        headers.get("cookie").map(|c| c.split(';').map(|s| s.trim().to_string()).collect()).unwrap_or_default();
    let (body, encoded) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (STANDARD.encode(body), true),
    };
    let now = chrono::Utc::now();
    json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": parts.uri.query().unwrap_or(""),
        "cookies": cookies,
        "headers": headers,
        "pathParameters": params,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host").cloned().unwrap_or_default(),
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "body": body,
        "isBase64Encoded": encoded,
    })
}

fn into_axum(response: lambda_http::Response<lambda_http::Body>) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    (parts.status, parts.headers, bytes).into_response()
}

pub fn json_error(status: u16, code: &str, message: &str) -> axum::response::Response {
    let status = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"code": code, "message": message, "details": {}}});
    (status, [(http::header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// An `ApiError` as the functions answer it: its status and the contract's body.
pub fn api_error(error: &shared::ApiError) -> axum::response::Response {
    let (status, _) = error.status_code();
    let status = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(http::header::CONTENT_TYPE, "application/json")], error.body().to_string()).into_response()
}

pub fn json_ok(value: &Value) -> axum::response::Response {
    (http::StatusCode::OK, [(http::header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}
