//! The local-only `/dev` routes of API.md: the outbox, the clock, run-a-job-now.
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use mail_parser::MessageParser;
use serde::Deserialize;
use serde_json::{json, Value};
use shared::clock::{rfc3339, Clock};

use shared::ApiError;

use crate::gateway::{api_error, json_error, json_ok};
use crate::{routes, Inner};

pub async fn handle(inner: &Inner, method: &str, route: &str, query: &str, body: &Bytes) -> axum::response::Response {
    match (method, route) {
        ("GET", "outbox") => match outbox(inner, form_urlencoded_value(query, "to").as_deref()).await {
            Ok(items) => json_ok(&json!({"items": items})),
            Err(e) => json_error(502, "emulator_unavailable", &e),
        },
        ("GET", "clock") => json_ok(&json!({"now": rfc3339(inner.clock.now())})),
        ("POST", "clock") => move_clock(inner, body),
        ("POST", job) if job.starts_with("run/") => run_job(inner, &job["run/".len()..]).await,
        _ => json_error(404, "not_found", "no such /dev route"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveClock {
    advance_seconds: Option<i64>,
    now: Option<DateTime<Utc>>,
}

fn move_clock(inner: &Inner, body: &Bytes) -> axum::response::Response {
    let (moved, field) = match shared::http::read_json::<MoveClock>(body) {
        Ok(MoveClock { advance_seconds: Some(seconds), now: None }) => {
            (inner.clock.advance(seconds), "/advance_seconds")
        }
        Ok(MoveClock { advance_seconds: None, now: Some(now) }) => (inner.clock.set(now), "/now"),
        Ok(_) => return api_error(&ApiError::invalid("", "give exactly one of advance_seconds or now")),
        Err(e) => return api_error(&e),
    };
    match moved {
        true => json_ok(&json!({"now": rfc3339(inner.clock.now())})),
        false => api_error(&ApiError::invalid(field, "the clock shows times from 1970 to 9999 only; it did not move")),
    }
}

async fn run_job(inner: &Inner, job: &str) -> axum::response::Response {
    let Some(outcome) = routes::invoke_scheduled(job, &inner.app).await else {
        return json_error(404, "not_found", &format!("no scheduled job {job}"));
    };
    // The job's effects include the queue work it caused: wait for that too.
    inner.workers.drain().await;
    match outcome {
        Ok(report) => json_ok(&json!({"job": job, "report": report})),
        Err(e) => json_error(500, "job_failed", &e),
    }
}

/// The emails the emulator's SES accepted (for `to` only, when given), oldest first.
/// The launcher serves them from SES's own list: O(emails), whatever else the emulator holds.
async fn outbox(inner: &Inner, to: Option<&str>) -> Result<Vec<Value>, String> {
    let url = format!("{}/_capsule/ses/messages", inner.endpoint);
    let request = match to {
        Some(to) => inner.http.get(url).query(&[("to", to)]),
        None => inner.http.get(url),
    };
    let response = request.send().await.and_then(|r| r.error_for_status()).map_err(|e| e.to_string())?;
    let answer: SentMessages = response.json().await.map_err(|e| e.to_string())?;
    Ok(answer.messages.iter().filter_map(|m| parse_email(&m.raw_data)).collect())
}

#[derive(Deserialize)]
struct SentMessages {
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    raw_data: String,
}

fn parse_email(raw: &str) -> Option<Value> {
    let message = MessageParser::default().parse(raw.as_bytes())?;
    let to: Vec<String> = message
        .to()
        .map(|list| list.iter().filter_map(|a| a.address().map(str::to_string)).collect())
        .unwrap_or_default();
    let sent_at = message.date().and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)).map(rfc3339);
    Some(json!({
        "to": to,
        "subject": message.subject().unwrap_or_default(),
        "text": message.body_text(0).unwrap_or_default(),
        "html": message.body_html(0).unwrap_or_default(),
        "sent_at": sent_at,
    }))
}

/// One value of a query string, percent-decoded.
fn form_urlencoded_value(query: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
