//! The HTTP side of the contract: bodies, responses, auth, pagination.
mod auth;
mod body;
pub mod error;
mod origins;
mod page;
mod refusal;
pub mod routes;

pub use auth::{issue_token, Caller, Role};
pub use body::{
    absent_null_or, form_body, json_body, path_id, path_param, query_param, read_json, MAX_BODY_BYTES, MAX_ID_CHARS,
};
pub use origins::{cors, origin_of, with_param, AllowedOrigins, MAX_RETURN_URL_CHARS};
pub use page::{Cursor, Page, PageRequest};
pub use routes::Route;

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::http::error::ApiError;

pub type HttpResult = Result<Response<Body>, ApiError>;

pub fn json<T: Serialize>(status: u16, value: &T) -> HttpResult {
    let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(body))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn ok<T: Serialize>(value: &T) -> HttpResult {
    json(200, value)
}

pub fn created<T: Serialize>(value: &T) -> HttpResult {
    json(201, value)
}

pub fn no_content() -> HttpResult {
    Response::builder().status(204).body(Body::Empty).map_err(|e| ApiError::Internal(e.to_string()))
}

/// An HTML page whose only style is the inline `style` sheet: no script runs, nothing
/// loads from elsewhere, forms post only back here (and the redirects that answer them go
/// only to `redirect_origins` besides, the storefront's return URLs), no other site frames
/// it or learns where the buyer came from.
pub fn html(status: u16, page: String, style: &str, redirect_origins: &[String]) -> HttpResult {
    html_with_script(status, page, style, redirect_origins, None)
}

/// A page that runs one script of its own (`inline`, allowed by its hash) with a provider's
/// library from `origin` (Stripe.js: its script, its frames, its API); nothing else runs.
pub struct PageScript<'a> {
    pub inline: &'a str,
    pub origin: &'a str,
    pub api_origin: &'a str,
    /// Other origins the library frames (Stripe's 3-D Secure pages).
    pub frames: &'a [&'a str],
}

fn sha256_base64(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
}

pub fn html_with_script(
    status: u16,
    page: String,
    style: &str,
    redirect_origins: &[String],
    script: Option<&PageScript>,
) -> HttpResult {
    let style_hash = sha256_base64(style);
    // Browsers hold the redirect that answers a form post to `form-action` too.
    let form_action: String = redirect_origins.iter().map(|o| format!(" {o}")).collect();
    let scripts = script.map_or_else(String::new, |s| {
        format!(
            "; script-src 'sha256-{}' {origin}; frame-src {origin}{frames}; connect-src {api}",
            sha256_base64(s.inline),
            origin = s.origin,
            frames = s.frames.iter().map(|f| format!(" {f}")).collect::<String>(),
            api = s.api_origin
        )
    });
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{style_hash}'; form-action 'self'{form_action}; frame-ancestors 'none'; base-uri 'none'{scripts}"
    );
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("x-frame-options", "DENY")
        .header("content-security-policy", policy)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .body(Body::Text(page))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn redirect(location: &str) -> HttpResult {
    Response::builder()
        .status(303)
        .header("location", location)
        .body(Body::Empty)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Turns a handler's outcome into the response Lambda returns, logging server faults.
pub fn respond(result: HttpResult) -> Response<Body> {
    match result {
        Ok(response) => response,
        Err(error) => error_response(&error),
    }
}

pub fn error_response(error: &ApiError) -> Response<Body> {
    let (status, code) = error.status_code();
    if status >= 500 {
        tracing::error!(code, error = ?error, "request failed");
    }
    let mut response = Response::new(Body::Text(error.body().to_string()));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert("content-type", http::HeaderValue::from_static("application/json"));
    if matches!(error, ApiError::Unavailable(_) | ApiError::Busy(_)) {
        // A dependency that did not answer in time usually does a moment later, and
        // the writes a change met are over by then.
        response.headers_mut().insert("retry-after", http::HeaderValue::from_static("1"));
    }
    response
}

/// The shell of every HTTP function: finds the request's route and answers what
/// `dispatch` makes of it, errors in the contract's form. A route the function does not
/// serve is a 404.
pub async fn serve<F, Fut>(req: &lambda_http::Request, dispatch: F) -> Response<Body>
where
    F: FnOnce(Route) -> Fut,
    Fut: std::future::Future<Output = HttpResult>,
{
    respond(match Route::from_key(&route_key(req)) {
        Some(route) => dispatch(route).await,
        None => Err(ApiError::RouteNotFound(route_key(req))),
    })
}

/// `serve` for a function with one route.
pub async fn serve_only<F, Fut>(req: &lambda_http::Request, only: Route, handler: F) -> Response<Body>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = HttpResult>,
{
    serve(req, |route| async move {
        match route == only {
            true => handler().await,
            false => Err(ApiError::RouteNotFound(route.to_string())),
        }
    })
    .await
}

/// The API Gateway route key of the request (`"GET /products/{product_id}"`), by which a
/// function that serves several routes picks the handler.
pub fn route_key(req: &lambda_http::Request) -> String {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.clone().unwrap_or_default(),
        _ => format!("{} {}", req.method(), req.uri().path()),
    }
}

/// The request's `Accept-Language` header, if it has a readable one.
pub fn accept_language(req: &lambda_http::Request) -> Option<&str> {
    req.headers().get(http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
}

/// The API's public base URL as the caller reached it (`https://{domain}` on API Gateway),
/// unless configuration names one.
pub fn base_url(config: &crate::config::Config, req: &lambda_http::Request) -> String {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    if let Some(url) = &config.public_base_url {
        return url.clone();
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            format!("https://{}", ctx.domain_name.clone().unwrap_or_default())
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Cancellation, StoreError};

    #[test]
    fn a_scripted_page_runs_only_its_own_script_and_the_providers() {
        let script = PageScript {
            inline: "go()",
            origin: "https://js.stripe.com",
            api_origin: "https://api.stripe.com",
            frames: &["https://hooks.stripe.com"],
        };
        let response = html_with_script(200, "<p>".into(), "p{}", &[], Some(&script)).expect("a page");
        let policy = response.headers()["content-security-policy"].to_str().expect("ascii");
        assert!(policy.starts_with("default-src 'none';"), "{policy}");
        assert!(policy.contains(&format!("script-src 'sha256-{}' https://js.stripe.com;", sha256_base64("go()"))));
        assert!(policy.contains("frame-src https://js.stripe.com https://hooks.stripe.com;"), "{policy}");
        assert!(policy.ends_with("connect-src https://api.stripe.com"), "{policy}");
        let plain = html(200, "<p>".into(), "p{}", &[]).expect("a page");
        assert!(!plain.headers()["content-security-policy"].to_str().expect("ascii").contains("script-src"));
    }

    #[test]
    fn a_change_given_up_on_for_contention_is_a_503_to_try_again_shortly() {
        let busy = [
            ApiError::from(StoreError::Busy("a transaction kept meeting others".into())),
            ApiError::Busy("the cart kept changing during checkout".into()),
        ];
        for error in busy {
            let response = error_response(&error);
            assert_eq!(response.status(), 503);
            assert_eq!(response.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
            let Body::Text(body) = response.body() else { panic!("a JSON body") };
            assert!(body.contains(r#""code":"service_unavailable""#), "{body}");
        }
        // A cancellation no caller maps to a guard (an invalid write) is our bug.
        let invalid = StoreError::TransactionCancelled(Cancellation::new([Some("ValidationError")], 1));
        assert_eq!(ApiError::from(invalid).status_code(), (500, "internal"));
    }
}
