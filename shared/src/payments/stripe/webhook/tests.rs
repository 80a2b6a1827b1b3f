use serde_json::json;

use super::*;
use crate::payments::stripe::transformers::IntentStatus;

const SECRET: &str = "whsec_test_secret";
const NOW: i64 = 1_700_000_000;

fn event_body(kind: &str, object: serde_json::Value) -> Vec<u8> {
    json!({
        "id": "evt_3MtwBwLkdIwHu7ix0X0pVEpA",
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": NOW,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind
    })
    .to_string()
    .into_bytes()
}

fn intent(status: &str) -> serde_json::Value {
    json!({
        "id": "pi_1", "object": "payment_intent", "amount": 2000, "currency": "eur", "status": status,
        "client_secret": null, "created": NOW, "customer": "cus_1", "payment_method": "pm_1",
        "metadata": {"order_id": "o1", "user_id": "u1"}, "last_payment_error": null, "next_action": null
    })
}

#[test]
fn a_signed_body_verifies_at_its_time_and_within_the_tolerance_either_way() {
    let body = event_body("payment_intent.succeeded", intent("succeeded"));
    let header = sign(SECRET, NOW, &body);
    assert_eq!(verify(SECRET, &header, &body, NOW), Ok(NOW));
    assert_eq!(verify(SECRET, &header, &body, NOW + 300), Ok(NOW));
    assert_eq!(verify(SECRET, &header, &body, NOW - 300), Ok(NOW), "a clock behind the sender's");
    assert_eq!(verify(SECRET, &header, &body, NOW + 301), Err(SignatureError::OutsideTolerance), "stale");
    assert_eq!(verify(SECRET, &header, &body, NOW - 301), Err(SignatureError::OutsideTolerance), "future");
}

#[test]
fn any_v1_may_match_so_a_secret_can_be_rotated() {
    let body = event_body("payment_intent.succeeded", intent("succeeded"));
    let old = sign("whsec_old", NOW, &body);
    let new = sign(SECRET, NOW, &body);
    let v1 = |header: &str| header.split_once(",v1=").map(|(_, s)| s.to_owned()).unwrap_or_default();
    // During a roll Stripe signs with both, in either order, and may add a v0.
    let both = format!("t={NOW},v1={},v1={}", v1(&old), v1(&new));
    let reversed = format!("t={NOW},v0=abcdef,v1={},v1={}", v1(&new), v1(&old));
    for header in [&both, &reversed] {
        assert_eq!(verify(SECRET, header, &body, NOW), Ok(NOW), "{header}");
        assert_eq!(verify("whsec_old", header, &body, NOW), Ok(NOW), "{header}");
    }
    assert_eq!(verify("whsec_other", &both, &body, NOW), Err(SignatureError::Mismatch));
}

#[test]
fn a_forged_or_altered_delivery_is_refused() {
    let body = event_body("payment_intent.succeeded", intent("succeeded"));
    let header = sign(SECRET, NOW, &body);
    let altered = String::from_utf8(body.clone()).unwrap_or_default().replace("2000", "1");
    assert_eq!(verify(SECRET, &header, altered.as_bytes(), NOW), Err(SignatureError::Mismatch));
    assert_eq!(verify("whsec_wrong", &header, &body, NOW), Err(SignatureError::Mismatch));
    // Re-dated: the timestamp is inside the signed text.
    let redated = header.replacen(&format!("t={NOW}"), &format!("t={}", NOW + 1), 1);
    assert_eq!(verify(SECRET, &redated, &body, NOW), Err(SignatureError::Mismatch));
    assert_eq!(verify(SECRET, &format!("t={NOW},v1={}", "00".repeat(32)), &body, NOW), Err(SignatureError::Mismatch));
    assert_eq!(verify(SECRET, &format!("t={NOW},v1=zz"), &body, NOW), Err(SignatureError::NoSignature));
    assert_eq!(verify("", &sign("", NOW, &body), &body, NOW), Err(SignatureError::Mismatch), "no secret, no trust");
}

#[test]
fn extreme_or_odd_timestamps_are_refused_without_overflow() {
    let body = b"{}";
    for t in [i64::MIN, i64::MAX, i64::MIN + 1, -1, 0] {
        let header = sign(SECRET, t, body);
        for now in [NOW, i64::MIN, i64::MAX, 0] {
            let result = verify(SECRET, &header, body, now);
            let close = now.abs_diff(t) <= TOLERANCE_SECONDS;
            assert_eq!(result.is_ok(), close, "t={t} now={now}: {result:?}");
        }
    }
    assert_eq!(verify(SECRET, "t=-9223372036854775808,v1=00", body, NOW), Err(SignatureError::OutsideTolerance));
    assert_eq!(verify(SECRET, "t=9223372036854775807,v1=00", body, NOW), Err(SignatureError::OutsideTolerance));
    for header in ["t=9223372036854775808,v1=00", "t=1e9,v1=00", "t=,v1=00", "t= 1700000000,v1=00", "t=0x10,v1=00"] {
        assert_eq!(verify(SECRET, header, body, NOW), Err(SignatureError::NoTimestamp), "{header}");
    }
}

#[test]
fn a_header_missing_a_part_or_with_two_timestamps_is_refused() {
    let body = b"{}";
    let good = sign(SECRET, NOW, body);
    let v1 = good.split_once(',').map(|(_, v)| v).unwrap_or_default();
    assert_eq!(verify(SECRET, v1, body, NOW), Err(SignatureError::NoTimestamp));
    assert_eq!(verify(SECRET, &format!("t={NOW}"), body, NOW), Err(SignatureError::NoSignature));
    assert_eq!(verify(SECRET, &format!("t={NOW},v0=abc"), body, NOW), Err(SignatureError::NoSignature));
    assert_eq!(verify(SECRET, "", body, NOW), Err(SignatureError::NoTimestamp));
    assert_eq!(verify(SECRET, ",,,=,t,v1", body, NOW), Err(SignatureError::NoTimestamp));
    assert_eq!(verify(SECRET, &format!("t=1,{good}"), body, NOW), Err(SignatureError::NoTimestamp));
    assert_eq!(verify(SECRET, &format!(" t={NOW} , {v1} "), body, NOW), Ok(NOW), "spaces around parts");
}

#[test]
fn the_handled_events_carry_their_object_and_the_rest_are_named_only() {
    let parsed = |kind: &str, object| parse_event(&event_body(kind, object)).expect("an event").kind;
    match parsed("payment_intent.succeeded", intent("succeeded")) {
        EventKind::PaymentIntentSucceeded(pi) => {
            assert_eq!((pi.id.as_str(), pi.status), ("pi_1", IntentStatus::Succeeded))
        }
        other => panic!("{other:?}"),
    }
    let failed = parsed("payment_intent.payment_failed", intent("requires_payment_method"));
    assert!(matches!(failed, EventKind::PaymentIntentPaymentFailed(_)));
    let action = parsed("payment_intent.requires_action", intent("requires_action"));
    assert!(matches!(action, EventKind::PaymentIntentRequiresAction(pi) if pi.status == IntentStatus::RequiresAction));
    let charge = json!({"id": "ch_1", "object": "charge", "amount": 2000, "amount_refunded": 2000,
        "currency": "eur", "payment_intent": "pi_1", "refunded": true, "status": "succeeded"});
    assert!(
        matches!(parsed("charge.refunded", charge), EventKind::ChargeRefunded(c) if c.refunded && c.amount_refunded == 2000)
    );
    let setup = json!({"id": "seti_1", "object": "setup_intent", "status": "succeeded", "customer": "cus_1",
        "payment_method": "pm_1", "client_secret": null, "metadata": {"user_id": "u1"}, "usage": "off_session"});
    assert!(
        matches!(parsed("setup_intent.succeeded", setup), EventKind::SetupIntentSucceeded(s) if s.customer.as_deref() == Some("cus_1"))
    );
    let other = parsed("customer.created", json!({"id": "cus_1", "object": "customer"}));
    assert_eq!(other, EventKind::Other("customer.created".into()));
    let event = parse_event(&event_body("invoice.paid", json!({"anything": [1, 2]}))).expect("an event");
    assert_eq!((event.id.as_str(), event.created, event.livemode), ("evt_3MtwBwLkdIwHu7ix0X0pVEpA", NOW, false));
}

#[test]
fn a_handled_event_whose_object_does_not_parse_is_an_error_not_a_guess() {
    assert!(parse_event(&event_body("payment_intent.succeeded", json!({"id": "pi_1"}))).is_err());
    assert!(parse_event(b"not json").is_err());
    assert!(parse_event(br#"{"id": "evt_1", "type": "x"}"#).is_err());
    let body = event_body("payment_intent.succeeded", intent("succeeded"));
    let header = sign(SECRET, NOW, &body);
    assert!(construct_event(SECRET, &header, &body, NOW).is_ok());
    assert!(matches!(
        construct_event(SECRET, &header, &body, NOW + 1000),
        Err(WebhookError::Signature(SignatureError::OutsideTolerance))
    ));
}
