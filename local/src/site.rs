//! A front end of the local stack (the demo storefront, the operators' console): static
//! files embedded at compile time, served on an origin of their own whose script calls the
//! gateway across origins, as a deployed one would. Each site's files live under a prefix
//! no API route uses; its `config.js` tells its script where the API is.
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};
use tokio::net::TcpListener;

/// One embedded file of a site.
pub struct File {
    pub path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

impl File {
    pub const fn html(path: &'static str, body: &'static str) -> Self {
        Self { path, content_type: "text/html; charset=utf-8", body }
    }
    pub const fn script(path: &'static str, body: &'static str) -> Self {
        Self { path, content_type: "text/javascript; charset=utf-8", body }
    }
    pub const fn style(path: &'static str, body: &'static str) -> Self {
        Self { path, content_type: "text/css; charset=utf-8", body }
    }
}

/// A site: its files, where its script reads the API's origin, and where its images may
/// come from (the console shows products' images by URL).
pub struct Site {
    pub name: &'static str,
    pub files: &'static [File],
    pub config_path: &'static str,
    pub img_src: &'static str,
}

impl Site {
    /// Every path the site answers; none is an API route (a test holds them apart).
    pub fn paths(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.files.iter().map(|f| f.path).chain([self.config_path])
    }

    /// The site's answer to a request, or `None` when it is not for one of its files.
    /// `api`: the origin its script calls; `None` is the origin serving it.
    pub fn answer(&self, method: &Method, path: &str, api: Option<&str>) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let (content_type, body) = if path == self.config_path {
            ("text/javascript; charset=utf-8", config(api))
        } else {
            let file = self.files.iter().find(|f| f.path == path)?;
            (file.content_type, file.body.to_string())
        };
        let mut response = (StatusCode::OK, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        if let Ok(policy) = HeaderValue::from_str(&self.policy(api)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        Some(response)
    }

    /// The page runs only its own files and talks only to the API: an injected script or a
    /// stray form could not send the signed-in token anywhere else.
    fn policy(&self, api: Option<&str>) -> String {
        let connect = api.map_or_else(|| "'self'".to_string(), |origin| format!("'self' {origin}"));
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src {}; connect-src {connect}; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            self.img_src
        )
    }
}

fn config(api: Option<&str>) -> String {
    let origin = serde_json::Value::String(api.unwrap_or_default().to_string());
    format!("// Where this page's API is (empty: the origin serving it).\nwindow.CAPSULE_API = {origin};\n")
}

/// A site on an origin of its own.
pub struct Served {
    /// Its address, as `make dev` prints it.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The origins a browser sends from a site on `listener`: what the stack must allow.
pub fn origins(listener: &TcpListener) -> std::io::Result<Vec<String>> {
    let port = listener.local_addr()?.port();
    Ok(vec![format!("http://localhost:{port}"), format!("http://127.0.0.1:{port}")])
}

/// Serves `site` on `listener` (bound before the stack starts, so the stack knows its
/// origins), its script calling the API at `api` (the gateway's origin).
pub fn serve(site: &'static Site, listener: TcpListener, api: &str) -> std::io::Result<Served> {
    let port = listener.local_addr()?.port();
    let api = api.trim_end_matches('/').to_string();
    let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let api = api.clone();
        async move {
            site.answer(request.method(), request.uri().path(), Some(&api))
                .unwrap_or_else(|| (StatusCode::NOT_FOUND, "not found").into_response())
        }
    });
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, site = site.name, "site stopped");
        }
    });
    Ok(Served { url: format!("http://localhost:{port}"), task })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{console, storefront};
    use shared::http::Route;

    #[test]
    fn no_site_path_shadows_an_api_route() {
        for site in [&storefront::SITE, &console::SITE] {
            for path in site.paths() {
                for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
                    assert!(
                        Route::find(method, path).is_none(),
                        "{method} {path} of the {} is an API route",
                        site.name
                    );
                }
            }
            assert!(site.answer(&Method::GET, "/products", None).is_none());
            assert!(site.answer(&Method::POST, "/", None).is_none(), "only reads are the {}'s", site.name);
        }
    }

    #[test]
    fn the_config_names_the_api_and_the_policy_lets_the_page_call_it() {
        let response = storefront::SITE
            .answer(&Method::GET, "/storefront/config.js", Some("http://127.0.0.1:3000"))
            .expect("config");
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii").to_string();
        assert!(csp.contains("connect-src 'self' http://127.0.0.1:3000;"), "{csp}");
        assert!(csp.contains("script-src 'self';"), "no inline script: {csp}");
        assert!(config(Some("http://127.0.0.1:3000")).contains(r#"window.CAPSULE_API = "http://127.0.0.1:3000";"#));
        assert!(config(None).contains(r#"window.CAPSULE_API = "";"#));
    }
}
