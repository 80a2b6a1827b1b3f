//! What `capsule-admin` does against a deployed stack's API, callable from tests.
use serde_json::{json, Value};

/// How a bootstrap ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrapped {
    /// The first admin was created, with this user id.
    Created(String),
    /// The stack had its first admin already; nothing changed.
    Already,
}

/// `POST {api}/bootstrap`: the first admin (`email`, `password`, `name`), with the plans,
/// pickup points and settings the stack lacks. Run again, it changes nothing.
pub async fn bootstrap(api: &str, email: &str, name: &str, password: &str) -> Result<Bootstrapped, String> {
    let url = format!("{}/bootstrap", api.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .post(&url)
        .json(&json!({"email": email, "name": name, "password": password}))
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match (status, body["error"]["code"].as_str()) {
        (201, _) => Ok(Bootstrapped::Created(body["user_id"].as_str().unwrap_or_default().to_string())),
        (409, Some("already_bootstrapped")) => Ok(Bootstrapped::Already),
        _ => Err(format!("{url} answered {status}: {body}")),
    }
}
