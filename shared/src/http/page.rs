use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lambda_http::Request;
use serde::{Deserialize, Serialize};

use super::query_param;
use crate::http::error::ApiError;

/// `?limit=` (1-100, default 20) and `?cursor=` of every list route.
#[derive(Clone, Debug)]
pub struct PageRequest {
    pub limit: usize,
    pub cursor: Option<Cursor>,
}

/// An opaque position in a list: the sort key of the last item returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cursor(pub String);

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.as_bytes())
    }

    pub fn decode(raw: &str) -> Result<Self, ApiError> {
        if raw.len() > 2 * super::MAX_ID_CHARS * 2 {
            return Err(ApiError::invalid("/cursor", "cursor is not one this API returned"));
        }
        URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            // An empty one (`?cursor=`) would start the query at no key at all.
            .filter(|position| !position.is_empty())
            .map(Cursor)
            .ok_or_else(|| ApiError::invalid("/cursor", "cursor is not one this API returned"))
    }
}

impl PageRequest {
    pub fn from_request(req: &Request) -> Result<Self, ApiError> {
        let limit = match query_param(req, "limit") {
            None => 20,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| ApiError::invalid("/limit", "limit must be an integer from 1 to 100"))?,
        };
        let cursor = query_param(req, "cursor").map(|c| Cursor::decode(&c)).transpose()?;
        Ok(Self { limit, cursor })
    }
}

/// The contract's list shape: `{items, next_cursor}`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, next: Option<Cursor>) -> Self {
        Self { items, next_cursor: next.map(|c| c.encode()) }
    }
}
