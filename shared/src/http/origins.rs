//! The web origins a deployment trusts: the storefronts that call the API from a browser
//! (CORS) and the only places the payment page may send a buyer back to (return URLs).
//! One list serves both, so a shop allowed to call the API is a shop the buyer may return
//! to, and no other site can use the payment page as an open redirect.
use url::Url;

use crate::http::error::ApiError;

/// The CORS policy of the HTTP API, for the allowed origins: `template.yaml` configures
/// API Gateway with these (a test holds it to them) and the local gateway plays them.
pub mod cors {
    /// Request headers a storefront may send: the API takes a bearer token, never cookies,
    /// so credentials are not allowed (and a wildcard origin never is).
    pub const ALLOW_HEADERS: &[&str] = &["authorization", "content-type"];
    /// How long a browser may keep a preflight's answer.
    pub const MAX_AGE_SECS: u32 = 600;

    /// Every method some route answers, in the order of the route table.
    pub fn allow_methods() -> Vec<&'static str> {
        let mut methods: Vec<&'static str> = Vec::new();
        for spec in crate::http::routes::ROUTES {
            if !methods.contains(&spec.method) {
                methods.push(spec.method);
            }
        }
        methods
    }
}

/// A return URL may not be longer than this (it is stored with the payment session).
pub const MAX_RETURN_URL_CHARS: usize = 2048;

/// Allowed origins, each `scheme://host[:port]` in lower case without a trailing slash
/// and without the scheme's default port: the form a browser sends in `Origin`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// Reads a comma-separated list (`ALLOWED_ORIGINS`); blanks are skipped. A wildcard or
    /// anything that is not an http(s) origin is refused: the list is a deployment's
    /// promise about who may redirect buyers and read answers.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut origins = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let origin = normalise(item).ok_or_else(|| format!("`{item}` is not an http(s) origin"))?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Self(origins))
    }

    /// Adds an origin (the local stack's own); ignored if it is not one.
    pub fn with(mut self, origin: &str) -> Self {
        if let Some(origin) = normalise(origin) {
            if !self.0.contains(&origin) {
                self.0.push(origin);
            }
        }
        self
    }

    pub fn list(&self) -> &[String] {
        &self.0
    }

    /// Whether a browser's `Origin` header names an allowed origin.
    pub fn allows(&self, origin: &str) -> bool {
        normalise(origin).is_some_and(|o| self.0.contains(&o))
    }

    /// Checks a `success_url` / `cancel_url`: absolute, http(s), no credentials, on an
    /// allowed origin, at most `MAX_RETURN_URL_CHARS`. 400 `invalid_return_url` otherwise.
    pub fn return_url(&self, field: &str, value: &str) -> Result<String, ApiError> {
        let refuse = |why: &str| ApiError::InvalidReturnUrl(format!("{field} {why}"));
        if value.len() > MAX_RETURN_URL_CHARS {
            return Err(refuse(&format!("is longer than {MAX_RETURN_URL_CHARS} characters")));
        }
        let url = Url::parse(value).map_err(|_| refuse("is not an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse("must be an http or https URL"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("must not carry credentials"));
        }
        let origin = url.origin().ascii_serialization();
        if !self.0.contains(&origin) {
            return Err(refuse(&format!("is not on an allowed origin ({origin})")));
        }
        Ok(url.to_string())
    }
}

/// `scheme://host[:port]` as a browser serialises it, or `None` if `value` is not an
/// http(s) origin (a path, a query or a wildcard make it none).
fn normalise(value: &str) -> Option<String> {
    if value.contains('*') {
        return None;
    }
    let url = Url::parse(value.trim()).ok()?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    let plain = url.username().is_empty() && url.password().is_none();
    if !matches!(url.scheme(), "http" | "https") || !bare || !plain || url.host().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// The origin of an absolute http(s) URL, as CSP and `Origin` write it.
pub fn origin_of(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// `url` with `name=value` added to its query (before any fragment): where the payment page
/// sends the buyer, naming the order or subscription.
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            parsed.query_pairs_mut().append_pair(name, value);
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> AllowedOrigins {
        AllowedOrigins::parse("https://shop.example, http://localhost:3001/").expect("origins")
    }

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        let origins = AllowedOrigins::parse(" HTTPS://Shop.Example:443 ,, http://localhost:3001").expect("origins");
        assert_eq!(origins.list(), ["https://shop.example", "http://localhost:3001"]);
        assert!(origins.allows("https://shop.example"));
        assert!(origins.allows("http://localhost:3001"));
        assert!(!origins.allows("http://shop.example"));
        assert!(!origins.allows("https://shop.example.evil.test"));
        assert!(!origins.allows("null"));
    }

    #[test]
    fn wildcards_and_paths_are_not_origins() {
        for bad in ["*", "https://*.example", "https://shop.example/path", "ftp://shop.example", "shop.example"] {
            assert!(AllowedOrigins::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn return_urls_must_be_on_an_allowed_origin() {
        let origins = shop();
        assert_eq!(
            origins.return_url("success_url", "https://shop.example/thanks?x=1#top").expect("allowed"),
            "https://shop.example/thanks?x=1#top"
        );
        assert!(origins.return_url("success_url", "http://localhost:3001/").is_ok());
        for bad in [
            "https://evil.test/thanks",
            "https://shop.example.evil.test/",
            "//evil.test/",
            "/relative",
            "javascript:alert(1)",
            "https://user:pw@shop.example/",
            "http://shop.example/",
        ] {
            let Err(error) = origins.return_url("success_url", bad) else { panic!("{bad} is refused") };
            assert_eq!(error.status_code(), (400, "invalid_return_url"), "{bad}");
        }
        let long = format!("https://shop.example/{}", "a".repeat(MAX_RETURN_URL_CHARS));
        assert!(origins.return_url("cancel_url", &long).is_err());
    }

    #[test]
    fn the_id_is_appended_to_the_query_before_the_fragment() {
        assert_eq!(
            with_param("https://shop.example/done", "order_id", "o-1"),
            "https://shop.example/done?order_id=o-1"
        );
        assert_eq!(
            with_param("https://shop.example/done?step=2#top", "order_id", "o 1"),
            "https://shop.example/done?step=2&order_id=o+1#top"
        );
    }
}
