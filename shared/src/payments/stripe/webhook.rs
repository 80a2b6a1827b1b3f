//! Stripe's webhook: the `Stripe-Signature` header checked on the raw body, then the event.
//!
//! The header is `t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=...]`; each `v1` is
//! HMAC-SHA256(endpoint secret, "<t>.<raw body>"). While a secret is being rolled Stripe
//! signs with the old and the new one, so any `v1` may match. `t` must be within 300 s of
//! now, either way (a captured delivery cannot be replayed later); its distance is computed
//! without overflow, whatever number the header holds. The comparison is constant-time.
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::transformers::{Charge, PaymentIntent, SetupIntent};

pub const SIGNATURE_HEADER: &str = "stripe-signature";
pub const TOLERANCE_SECONDS: u64 = 300;
/// More `v1` values than any rotation needs: the rest are not tried.
const MAX_SIGNATURES: usize = 8;

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery is refused (nothing of it is read further).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no timestamp in the signature header")]
    NoTimestamp,
    #[error("no v1 signature in the signature header")]
    NoSignature,
    #[error("the signature is older or newer than the tolerance")]
    OutsideTolerance,
    #[error("no signature matches the body")]
    Mismatch,
}

fn mac(secret: &str, t: &str) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.as_bytes());
    mac.update(b".");
    Some(mac)
}

/// The header Stripe would send for `body` signed at `t` (for tests and the emulator).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let signature = mac(secret, &t.to_string()).map(|mut mac| {
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    });
    format!("t={t},v1={}", signature.unwrap_or_default())
}

/// Checks `header` against the raw `body` at `now` (unix seconds); the signed timestamp
/// when it holds.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<i64, SignatureError> {
    let mut timestamps = Vec::new();
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamps.push(value),
            Some(("v1", value)) if signatures.len() < MAX_SIGNATURES => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    // Two timestamps make the header ambiguous: refused as having none.
    let [raw_t] = timestamps[..] else { return Err(SignatureError::NoTimestamp) };
    let t = raw_t.parse::<i64>().map_err(|_| SignatureError::NoTimestamp)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    if now.abs_diff(t) > TOLERANCE_SECONDS {
        return Err(SignatureError::OutsideTolerance);
    }
    let mac = mac(secret, raw_t).filter(|_| !secret.is_empty()).map(|mut mac| {
        mac.update(body);
        mac
    });
    match mac.is_some_and(|mac| signatures.iter().any(|s| mac.clone().verify_slice(s).is_ok())) {
        true => Ok(t),
        false => Err(SignatureError::Mismatch),
    }
}

/// An event Stripe delivered. Only its id and type are trusted from the body once the
/// signature holds; the object is read back from Stripe before any state moves.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: String,
    pub created: i64,
    pub livemode: bool,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    PaymentIntentSucceeded(Box<PaymentIntent>),
    PaymentIntentPaymentFailed(Box<PaymentIntent>),
    PaymentIntentRequiresAction(Box<PaymentIntent>),
    ChargeRefunded(Box<Charge>),
    SetupIntentSucceeded(Box<SetupIntent>),
    /// Any other type: acknowledged, not acted on.
    Other(String),
}

#[derive(Debug, thiserror::Error)]
#[error("not a Stripe event: {0}")]
pub struct EventError(String);

/// The type alone, read first: it says what `data.object` is.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    id: String,
    created: i64,
    #[serde(default)]
    livemode: bool,
    data: Data<T>,
}

#[derive(Deserialize)]
struct Data<T> {
    object: T,
}

/// The event's envelope, its `data.object` read as `T` (`IgnoredAny` for the types not acted on).
fn envelope<T: serde::de::DeserializeOwned>(body: &[u8], kind: &str) -> Result<Envelope<T>, EventError> {
    serde_json::from_slice(body).map_err(|e| EventError(format!("{kind}: {e}")))
}

/// Parses a verified body.
pub fn parse_event(body: &[u8]) -> Result<Event, EventError> {
    let Head { kind } = serde_json::from_slice(body).map_err(|e| EventError(e.to_string()))?;
    fn event<T: serde::de::DeserializeOwned>(
        body: &[u8],
        kind: &str,
        wrap: impl FnOnce(Box<T>) -> EventKind,
    ) -> Result<Event, EventError> {
        let Envelope { id, created, livemode, data } = envelope::<T>(body, kind)?;
        Ok(Event { id, created, livemode, kind: wrap(Box::new(data.object)) })
    }
    match kind.as_str() {
        "payment_intent.succeeded" => event(body, &kind, EventKind::PaymentIntentSucceeded),
        "payment_intent.payment_failed" => event(body, &kind, EventKind::PaymentIntentPaymentFailed),
        "payment_intent.requires_action" => event(body, &kind, EventKind::PaymentIntentRequiresAction),
        "charge.refunded" => event(body, &kind, EventKind::ChargeRefunded),
        "setup_intent.succeeded" => event(body, &kind, EventKind::SetupIntentSucceeded),
        _ => {
            let Envelope { id, created, livemode, .. } = envelope::<serde::de::IgnoredAny>(body, &kind)?;
            Ok(Event { id, created, livemode, kind: EventKind::Other(kind) })
        }
    }
}

/// A delivery as the webhook receives it: signature first, then the event.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Event(#[from] EventError),
}

pub fn construct_event(secret: &str, header: &str, body: &[u8], now: i64) -> Result<Event, WebhookError> {
    verify(secret, header, body, now)?;
    Ok(parse_event(body)?)
}

#[cfg(test)]
mod tests;
