//! A body serde could not read, as `invalid_request` names it: the field as a JSON pointer
//! (RFC 6901) and a sentence a form can show beside it. Serde's own text (Rust type names,
//! line and column) never reaches the client.
use serde_path_to_error::{Path, Segment};

use crate::http::error::ApiError;

/// The field a JSON body refused at `path` is about, and why.
pub fn json_refusal(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let pointer = pointer(error.path());
    let inner = error.inner();
    if !inner.is_data() {
        // Syntax or an early end: no field to name, the body as a whole is refused.
        return ApiError::invalid("", "the body is not valid JSON");
    }
    let text = inner.to_string();
    let suffix = format!(" at line {} column {}", inner.line(), inner.column());
    let text = text.strip_suffix(&suffix).unwrap_or(&text);
    let (field, message) = explain(&pointer, text);
    ApiError::invalid(field, message)
}

/// A form-encoded body refused: forms here are flat, so only a field's name is known.
pub fn form_refusal(error: serde_path_to_error::Error<serde_urlencoded::de::Error>) -> ApiError {
    let pointer = pointer(error.path());
    let (field, message) = explain(&pointer, &error.inner().to_string());
    ApiError::invalid(field, message)
}

/// The JSON pointer of a serde path: `/items/0/quantity`, `""` for the body itself.
pub fn pointer(path: &Path) -> String {
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => Some(escape(key)),
            Segment::Unknown => None,
        })
        .map(|token| format!("/{token}"))
        .collect()
}

/// `~` and `/` in a key, escaped as RFC 6901 says.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Serde's message about the value at `pointer`, as a field and a sentence. A message serde
/// did not write (a newtype's own refusal: "quantity must be ...") is kept as it is.
fn explain(pointer: &str, serde_text: &str) -> (String, String) {
    if let Some(name) = quoted_after(serde_text, "missing field ") {
        let field = format!("{pointer}/{}", escape(&name));
        return (field, format!("{name} is required"));
    }
    if let Some(name) = quoted_after(serde_text, "duplicate field ") {
        let field = format!("{pointer}/{}", escape(&name));
        return (field, format!("{name} is given twice"));
    }
    let name = label(pointer);
    if serde_text.starts_with("unknown field ") {
        return (pointer.to_string(), format!("{name} is not a field of this request"));
    }
    if let Some(rest) = serde_text.strip_prefix("unknown variant ") {
        let choices = backquoted(rest.split_once("expected").map_or("", |(_, e)| e));
        return (pointer.to_string(), format!("{name} must be one of: {}", choices.join(", ")));
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = serde_text.strip_prefix(prefix) {
            let expected = rest.rsplit_once(", expected ").map_or("", |(_, e)| e);
            return (pointer.to_string(), format!("{name} must be {}", expectation(expected)));
        }
    }
    if serde_text.starts_with("invalid length ") {
        // A derived struct also reads a list of its fields: to a client, it is an object.
        return match serde_text.contains("expected struct ") {
            true => (pointer.to_string(), format!("{name} must be an object")),
            false => (pointer.to_string(), format!("{name} has the wrong number of items")),
        };
    }
    (pointer.to_string(), serde_text.to_string())
}

/// How a form names the field at `pointer`: its last name (`quantity` for
/// `/items/0/quantity`, `items[0]` for `/items/0`), "the body" for the body itself.
fn label(pointer: &str) -> String {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    match tokens.as_slice() {
        [] => "the body".to_string(),
        [.., parent, index] if index.parse::<usize>().is_ok() => format!("{parent}[{index}]"),
        [.., last] => last.clone(),
    }
}

/// Serde's "expected ..." in a form's words: no Rust type names.
fn expectation(expected: &str) -> String {
    let integer = |low: &str, high: &str| format!("an integer from {low} to {high}");
    match expected {
        "u8" => integer("0", "255"),
        "u16" => integer("0", "65535"),
        "u32" => integer("0", "4294967295"),
        "u64" | "usize" => integer("0", "18446744073709551615"),
        "i8" | "i16" | "i32" | "i64" | "isize" | "i128" | "u128" => "an integer".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a string" | "a borrowed string" | "a character" => "a string".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "a list".to_string(),
        "unit" => "null".to_string(),
        other if other.starts_with("struct ") || other.starts_with("a map") || other == "map" => {
            "an object".to_string()
        }
        other if other.starts_with("a ") || other.starts_with("an ") => other.to_string(),
        _ => "a value of another type".to_string(),
    }
}

/// The first `` `name` `` after `prefix`.
fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    backquoted(text.strip_prefix(prefix)?).into_iter().next()
}

/// Every `` `name` `` in `text`, in order.
fn backquoted(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Order {
        items: Vec<Line>,
        gift: Option<Gift>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        product_id: String,
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Kind {
        Simple,
        Birthday,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Gift {
        kind: Kind,
        #[serde(rename = "a/b")]
        slashed: Option<bool>,
    }

    fn refusal(body: &str) -> (String, String) {
        let de = &mut serde_json::Deserializer::from_str(body);
        let error = serde_path_to_error::deserialize::<_, Order>(de).expect_err("a refusal");
        match json_refusal(error) {
            ApiError::Invalid { field, message } => (field, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_refusal_names_its_field_by_pointer_in_plain_words() {
        let line = |quantity: serde_json::Value| json!({"items": [{"product_id": "a", "quantity": quantity}]});
        let cases = [
            (line(json!("2")).to_string(), "/items/0/quantity", "quantity must be an integer from 0 to 4294967295"),
            (line(json!(-1)).to_string(), "/items/0/quantity", "quantity must be an integer from 0 to 4294967295"),
            (json!({"items": [{"product_id": "a"}]}).to_string(), "/items/0/quantity", "quantity is required"),
            (json!({}).to_string(), "/items", "items is required"),
            (json!({"items": [], "price": 1}).to_string(), "/price", "price is not a field of this request"),
            (json!({"items": [3]}).to_string(), "/items/0", "items[0] must be an object"),
            (json!({"items": {}}).to_string(), "/items", "items must be a list"),
            (
                json!({"items": [], "gift": {"kind": "x"}}).to_string(),
                "/gift/kind",
                "kind must be one of: simple, birthday",
            ),
            (
                json!({"items": [], "gift": {"kind": "simple", "a/b": 1}}).to_string(),
                "/gift/a~1b",
                "a/b must be true or false",
            ),
            (json!([]).to_string(), "", "the body must be an object"),
            (r#"{"items": [], "items": []}"#.to_string(), "/items", "items is given twice"),
        ];
        for (body, field, message) in cases {
            assert_eq!(refusal(&body), (field.to_string(), message.to_string()), "{body}");
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_refused_as_a_whole() {
        let (field, message) = refusal(r#"{"items": [}"#);
        assert_eq!(field, "");
        assert!(message.starts_with("the body is not valid JSON"), "{message}");
    }
}
