//! The demo storefront (`storefront/`, embedded): served at `/` of the gateway, and on a
//! second origin of its own whose pages call the gateway across origins, as a real shop's
//! would. Its files live under `/storefront/`, a prefix no API route uses. Its script is
//! `storefront/dist/app.js`, bundled from `storefront/src/*.ts` by `make storefront` and
//! committed, so that the stack builds with cargo alone (`make test` checks it is fresh).
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};
use tokio::net::TcpListener;

const INDEX: &str = include_str!("../../storefront/index.html");
const APP: &str = include_str!("../../storefront/dist/app.js");
const STYLE: &str = include_str!("../../storefront/style.css");

/// Every path the storefront answers; none is an API route (a test holds them apart).
pub const PATHS: &[&str] = &["/", "/storefront/app.js", "/storefront/style.css", "/storefront/config.js"];

/// The storefront's answer to a request, or `None` when it is not for one of its files.
/// `api`: the origin its script calls; `None` is the origin serving it.
pub fn answer(method: &Method, path: &str, api: Option<&str>) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let (content_type, body) = match path {
        "/" => ("text/html; charset=utf-8", INDEX.to_string()),
        "/storefront/app.js" => ("text/javascript; charset=utf-8", APP.to_string()),
        "/storefront/style.css" => ("text/css; charset=utf-8", STYLE.to_string()),
        "/storefront/config.js" => ("text/javascript; charset=utf-8", config(api)),
        _ => return None,
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Ok(policy) = HeaderValue::from_str(&policy(api)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    Some(response)
}

/// The page runs only its own files and talks only to the API: an injected script or a
/// stray form could not send the buyer's token anywhere else. Pictures may come from any
/// https origin (products' `image_url`): an image runs nothing and carries no token.
fn policy(api: Option<&str>) -> String {
    let connect = api.map_or_else(|| "'self'".to_string(), |origin| format!("'self' {origin}"));
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; connect-src {connect}; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

fn config(api: Option<&str>) -> String {
    let origin = serde_json::Value::String(api.unwrap_or_default().to_string());
    format!("// Where this storefront's API is (empty: the origin serving it).\nwindow.CAPSULE_API = {origin};\n")
}

/// The storefront on an origin of its own.
pub struct Storefront {
    /// Its address, as `make dev` prints it.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Storefront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The origins a browser sends from a storefront on `listener`: what the stack must allow.
pub fn origins(listener: &TcpListener) -> std::io::Result<Vec<String>> {
    let port = listener.local_addr()?.port();
    Ok(vec![format!("http://localhost:{port}"), format!("http://127.0.0.1:{port}")])
}

/// Serves the storefront on `listener` (bound before the stack starts, so the stack knows
/// its origins), its script calling the API at `api` (the gateway's origin).
pub fn serve(listener: TcpListener, api: &str) -> std::io::Result<Storefront> {
    let port = listener.local_addr()?.port();
    let api = api.trim_end_matches('/').to_string();
    let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let api = api.clone();
        async move {
            answer(request.method(), request.uri().path(), Some(&api))
                .unwrap_or_else(|| (StatusCode::NOT_FOUND, "not found").into_response())
        }
    });
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "storefront stopped");
        }
    });
    Ok(Storefront { url: format!("http://localhost:{port}"), task })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::http::Route;

    #[test]
    fn no_storefront_path_shadows_an_api_route() {
        for path in PATHS {
            for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
                assert!(Route::find(method, path).is_none(), "{method} {path} is an API route");
            }
        }
        assert!(answer(&Method::GET, "/products", None).is_none());
        assert!(answer(&Method::POST, "/", None).is_none(), "only reads are the storefront's");
    }

    #[test]
    fn the_config_names_the_api_and_the_policy_lets_the_page_call_it() {
        let response = answer(&Method::GET, "/storefront/config.js", Some("http://127.0.0.1:3000")).expect("config");
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii").to_string();
        assert!(csp.contains("connect-src 'self' http://127.0.0.1:3000;"), "{csp}");
        assert!(csp.contains("script-src 'self';"), "no inline script: {csp}");
        assert!(config(Some("http://127.0.0.1:3000")).contains(r#"window.CAPSULE_API = "http://127.0.0.1:3000";"#));
        assert!(config(None).contains(r#"window.CAPSULE_API = "";"#));
    }
}
