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

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    #[serde(default)]
    livemode: bool,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: serde_json::Value,
}

/// Parses a verified body.
pub fn parse_event(body: &[u8]) -> Result<Event, EventError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| EventError(e.to_string()))?;
    fn object<T: serde::de::DeserializeOwned>(data: Data, kind: &str) -> Result<Box<T>, EventError> {
        serde_json::from_value(data.object).map_err(|e| EventError(format!("{kind}: {e}")))
    }
    let Envelope { id, kind, created, livemode, data } = envelope;
    let kind = match kind.as_str() {
        "payment_intent.succeeded" => EventKind::PaymentIntentSucceeded(object(data, &kind)?),
        "payment_intent.payment_failed" => EventKind::PaymentIntentPaymentFailed(object(data, &kind)?),
        "payment_intent.requires_action" => EventKind::PaymentIntentRequiresAction(object(data, &kind)?),
        "charge.refunded" => EventKind::ChargeRefunded(object(data, &kind)?),
        "setup_intent.succeeded" => EventKind::SetupIntentSucceeded(object(data, &kind)?),
        _ => EventKind::Other(kind),
    };
    Ok(Event { id, created, livemode, kind })
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
