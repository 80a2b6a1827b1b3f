use lambda_http::{Request, RequestExt};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::http::refusal;

pub const MAX_BODY_BYTES: usize = 64 * 1024;

fn bounded_body(req: &Request) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(bytes)
}

/// A JSON body of at most 64 KiB into a request type; the request types deny unknown
/// fields, so a client can never slip in a price, a status or a stock.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes = bounded_body(req)?;
    read_json(bytes)
}

/// For a PATCH field that `null` clears: absent is `None` (unchanged), `null` is `Some(None)`
/// (removed), a value is `Some(Some(v))`. Use with `#[serde(default, deserialize_with = "...")]`.
pub fn absent_null_or<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// JSON bytes into a type, a refusal naming the field it is about (`details.field`).
pub fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::invalid("", "a JSON body is required"));
    }
    let mut body = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut body).map_err(refusal::json_refusal)?;
    // Trailing characters after the value are a body that is not JSON, as serde_json says.
    body.end().map_err(|_| ApiError::invalid("", "the body is not valid JSON (characters after its end)"))?;
    Ok(value)
}

/// A form-encoded body (the hosted payment page posts one).
pub fn form_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes = bounded_body(req)?;
    let form = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(form).map_err(refusal::form_refusal)
}

/// The longest id Capsule makes or accepts (products, orders, sessions, codes): anything
/// longer names nothing, and is answered without asking the table.
pub const MAX_ID_CHARS: usize = 128;

/// A path parameter; an over-long one names nothing (404 `not_found`).
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    path_id(req, name, ApiError::not_found("resource"))
}

/// A path parameter naming a thing whose absence the route answers with its own code
/// (`product_not_found`, `promo_code_not_found`): an over-long one is `absent` too.
pub fn path_id(req: &Request, name: &str, absent: ApiError) -> Result<String, ApiError> {
    let value = req
        .path_parameters()
        .first(name)
        .map(str::to_string)
        .ok_or_else(|| ApiError::Internal(format!("the route has no path parameter {name}")))?;
    match value.chars().count() > MAX_ID_CHARS {
        true => Err(absent),
        false => Ok(value),
    }
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters().first(name).map(str::to_string)
}
