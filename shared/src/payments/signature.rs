//! `Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "payment-signature";
pub const TOLERANCE_SECONDS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, t: i64, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The header value for `body` signed at `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let signature = mac(secret, t, body).map(|m| hex::encode(m.finalize().into_bytes())).unwrap_or_default();
    format!("t={t},v1={signature}")
}

/// The most `v1=` one header may carry: rotation needs two. A header with more is refused
/// before any is computed, so no header makes the webhook hash its body a hundred times.
pub const MAX_SIGNATURES: usize = 8;

/// A header's parts: when it says the body was signed, and the signatures to try.
struct Signed {
    t: i64,
    signatures: Vec<Vec<u8>>,
}

/// `None` unless the header has exactly one `t` (an integer) and at most `MAX_SIGNATURES`
/// `v1`; a `v1` that is not hex is one that cannot match.
fn parse(header: &str) -> Option<Signed> {
    let mut t = None;
    let mut signatures = Vec::new();
    let mut given = 0;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) if t.is_none() => t = Some(value.parse::<i64>().ok()?),
            Some(("t", _)) => return None,
            Some(("v1", value)) => {
                given += 1;
                signatures.extend(hex::decode(value).ok());
            }
            _ => {}
        }
    }
    (given <= MAX_SIGNATURES).then_some(Signed { t: t?, signatures })
}

/// Checks the header against the raw body in constant time; `t` must be within the
/// tolerance of `now` (either way; any `t` at all, `i64::MIN` included, is compared without
/// overflow). Any `v1` may match (secret rotation).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let Some(signed) = parse(header) else { return false };
    if now.abs_diff(signed.t) > TOLERANCE_SECONDS.unsigned_abs() {
        return false;
    }
    let Some(expected) = mac(secret, signed.t, body) else { return false };
    signed.signatures.iter().any(|candidate| expected.clone().verify_slice(candidate).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_body_verifies_and_any_change_does_not() {
        let header = sign("secret", 1000, b"{\"a\":1}");
        assert!(verify("secret", &header, b"{\"a\":1}", 1000));
        assert!(verify("secret", &header, b"{\"a\":1}", 1300));
        assert!(!verify("secret", &header, b"{\"a\":1}", 1301), "older than 300 s");
        assert!(!verify("secret", &header, b"{\"a\":2}", 1000), "body changed");
        assert!(!verify("other", &header, b"{\"a\":1}", 1000), "wrong secret");
        assert!(!verify("secret", "t=1000,v1=zz", b"{\"a\":1}", 1000));
        assert!(!verify("secret", "v1=abc", b"{\"a\":1}", 1000));
        let rotated = format!("{},v1={}", header, "00".repeat(32));
        assert!(verify("secret", &rotated, b"{\"a\":1}", 1000));
    }

    #[test]
    fn any_header_is_refused_or_verified_without_overflow() {
        let body = b"{}";
        let now = 1_700_000_000;
        let v1 = sign("secret", now, body).split_once(",v1=").map(|(_, v1)| v1.to_string()).unwrap_or_default();
        for t in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX] {
            assert!(!verify("secret", &format!("t={t},v1=00"), body, now), "t={t}");
            assert!(!verify("secret", &sign("secret", t, body), body, now), "signed at t={t}");
            assert!(!verify("secret", &format!("t={now},v1=00"), body, t), "now={t}");
        }
        assert!(verify("secret", &sign("secret", i64::MIN, body), body, i64::MIN), "extremes compare too");
        for header in [
            format!("v1={v1}"),
            format!("t=,v1={v1}"),
            format!("t=soon,v1={v1}"),
            format!("t=1e9,v1={v1}"),
            format!("t=99999999999999999999,v1={v1}"),
            format!("t={now},t={now},v1={v1}"),
            format!("t={now}{}", format!(",v1={v1}").repeat(MAX_SIGNATURES + 1)),
            String::new(),
        ] {
            assert!(!verify("secret", &header, body, now), "{header}");
        }
        let most = format!("t={now}{},v1={v1}", ",v1=00".repeat(MAX_SIGNATURES - 1));
        assert!(verify("secret", &most, body, now), "up to {MAX_SIGNATURES} signatures are tried");
    }
}
