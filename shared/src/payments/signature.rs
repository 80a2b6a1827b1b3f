//! `Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "payment-signature";
pub const TOLERANCE_SECONDS: u64 = 300;

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

/// Checks the header against the raw body in constant time; `t` must be within the
/// tolerance of `now` (either way). Any `v1` may match (secret rotation).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => candidates.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    // The distance without overflow: `t` is whatever number the header holds.
    if now.abs_diff(t) > TOLERANCE_SECONDS {
        return false;
    }
    candidates.iter().any(|c| mac(secret, t, body).is_some_and(|m| m.verify_slice(c).is_ok()))
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
    fn extreme_timestamps_are_refused_without_overflow() {
        for t in [i64::MIN, i64::MAX] {
            let header = sign("secret", t, b"{}");
            assert!(!verify("secret", &header, b"{}", 1000), "t={t}");
            assert!(verify("secret", &header, b"{}", t), "t={t} at its own time");
        }
        assert!(!verify("secret", "t=-9223372036854775808,v1=00", b"{}", 1000));
    }
}
