//! The transformers against bodies in the shape of Stripe's API reference (its PaymentIntent,
//! PaymentMethod and error objects, every field it documents kept where Capsule ignores it),
//! and against what localstripe answers where it differs.
use serde_json::{json, Value};

use super::*;

/// A PaymentIntent as the API reference shows one, confirmed and paid with a saved card.
fn intent(status: &str) -> Value {
    json!({
        "id": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "object": "payment_intent",
        "amount": 2000,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 2000,
        "application": null,
        "application_fee_amount": null,
        "automatic_payment_methods": null,
        "canceled_at": null,
        "cancellation_reason": null,
        "capture_method": "automatic",
        "client_secret": "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH",
        "confirmation_method": "automatic",
        "created": 1680800504,
        "currency": "eur",
        "customer": "cus_NffrFeUfNV2Hib",
        "description": null,
        "last_payment_error": null,
        "latest_charge": "ch_3MtwBwLkdIwHu7ix28a3tqPa",
        "livemode": false,
        "metadata": {"user_id": "u1", "order_id": "o1", "idempotency_key": "order:o1"},
        "next_action": null,
        "on_behalf_of": null,
        "payment_method": method(),
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "processing": null,
        "receipt_email": null,
        "review": null,
        "setup_future_usage": null,
        "shipping": null,
        "source": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": status,
        "transfer_data": null,
        "transfer_group": null
    })
}

/// A card PaymentMethod as the API reference shows one.
fn method() -> Value {
    json!({
        "id": "pm_1MqLiJLkdIwHu7ixUEgbFdYF",
        "object": "payment_method",
        "billing_details": {"address": {"city": null, "country": null}, "email": null, "name": null, "phone": null},
        "card": {
            "brand": "visa",
            "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "unchecked"},
            "country": "US",
            "exp_month": 8,
            "exp_year": 2026,
            "fingerprint": "mToisGZ01V71BCos",
            "funding": "credit",
            "generated_from": null,
            "last4": "4242",
            "networks": {"available": ["visa"], "preferred": null},
            "three_d_secure_usage": {"supported": true},
            "wallet": null
        },
        "created": 1679945299,
        "customer": "cus_NffrFeUfNV2Hib",
        "livemode": false,
        "metadata": {},
        "type": "card"
    })
}

fn parse(value: Value) -> PaymentIntent {
    serde_json::from_value(value).expect("a PaymentIntent")
}

#[test]
fn a_succeeded_intent_is_a_paid_event_with_the_card_shown_and_what_it_paid() {
    let event = payment_event("evt_1", &parse(intent("succeeded"))).expect("settled");
    assert_eq!(event.kind, PaymentEventKind::Succeeded);
    assert_eq!(event.payment_id, "pi_3MtwBwLkdIwHu7ix28a3tqPa");
    assert_eq!((event.amount_cents, event.currency.as_str()), (2000, "EUR"));
    assert_eq!(event.order_id.as_deref(), Some("o1"));
    assert_eq!(event.user_id.as_deref(), Some("u1"));
    assert_eq!(event.idempotency_key.as_deref(), Some("order:o1"));
    assert_eq!(event.subscription_id, None);
    assert_eq!(event.method.brand.as_deref(), Some("visa"));
    assert_eq!(event.method.last4.as_deref(), Some("4242"));
    assert_eq!((event.method.exp_month, event.method.exp_year), (Some(8), Some(2026)));
    assert_eq!(event.method.fingerprint, "mToisGZ01V71BCos");
    assert!(!event.save_method && event.method_token.is_none() && event.failure_reason.is_none());
}

#[test]
fn setup_future_usage_makes_the_card_saved_under_its_payment_method() {
    let mut body = intent("succeeded");
    body["setup_future_usage"] = json!("off_session");
    let event = payment_event("evt_1", &parse(body)).expect("settled");
    assert!(event.save_method);
    assert_eq!(event.method_token.as_deref(), Some("pm_1MqLiJLkdIwHu7ixUEgbFdYF"));
}

#[test]
fn a_declined_intent_keeps_stripes_codes_and_the_card_it_tried() {
    let mut body = intent("requires_payment_method");
    body["payment_method"] = Value::Null;
    body["last_payment_error"] = json!({
        "charge": "ch_3MtwBwLkdIwHu7ix28a3tqPa",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": "Your card has insufficient funds.",
        "payment_method": method(),
        "type": "card_error"
    });
    let intent = parse(body);
    let decline = Decline {
        code: Some("card_declined".into()),
        decline_code: Some("insufficient_funds".into()),
        message: "Your card has insufficient funds.".into(),
    };
    assert_eq!(intent.outcome(), Outcome::Declined(decline));
    let event = payment_event("evt_2", &intent).expect("settled");
    assert_eq!(event.kind, PaymentEventKind::Failed);
    // The buyer's reason is one of our messages, written in their language where shown.
    assert_eq!(event.failure_reason.as_deref(), Some("decline-insufficient-funds"));
    let french = crate::i18n::known(crate::domain::Locale::Fr, "decline-insufficient-funds");
    assert_eq!(french.as_deref(), Some("Votre carte a été refusée : provision insuffisante."));
    assert_eq!(event.method.last4.as_deref(), Some("4242"), "the card that was tried");
}

#[test]
fn every_decline_reads_as_one_of_our_messages_and_fraud_reads_as_a_decline() {
    for (code, id) in [
        (Some("expired_card"), "card-expired"),
        (Some("incorrect_cvc"), "decline-incorrect-cvc"),
        (Some("processing_error"), "decline-try-again"),
        (Some("stolen_card"), "card-declined"),
        (Some("fraudulent"), "card-declined"),
        (Some("something_new"), "card-declined"),
        (None, "card-declined"),
    ] {
        assert_eq!(reason_of(code), id, "{code:?}");
        for locale in [crate::domain::Locale::Fr, crate::domain::Locale::En] {
            assert!(crate::i18n::known(locale, id).is_some(), "{id} in {locale}");
        }
    }
}

#[test]
fn requires_action_carries_the_client_secret_and_is_no_event_yet() {
    let mut body = intent("requires_action");
    body["next_action"] = json!({"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}});
    let intent = parse(body);
    let secret = Some("pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH".to_owned());
    assert_eq!(intent.outcome(), Outcome::RequiresAction { client_secret: secret });
    assert_eq!(intent.next_action.map(|a| a.kind).as_deref(), Some("use_stripe_sdk"));
    let unsettled = payment_event("evt_3", &parse(intent_with("requires_action")));
    assert!(matches!(unsettled, Err(TransformError::NotSettled(Outcome::RequiresAction { .. }))));
    for status in ["requires_payment_method", "requires_confirmation", "processing"] {
        let pending = parse(intent_with(status)).outcome();
        assert!(matches!(pending, Outcome::Pending(_)), "{status}: {pending:?}");
    }
    assert_eq!(parse(intent_with("canceled")).outcome(), Outcome::Canceled);
    assert_eq!(parse(intent_with("some_future_status")).outcome(), Outcome::Pending(IntentStatus::Unknown));
}

fn intent_with(status: &str) -> Value {
    let mut body = intent(status);
    body["payment_method"] = json!("pm_1MqLiJLkdIwHu7ixUEgbFdYF");
    body
}

#[test]
fn an_off_session_authentication_request_is_an_outcome_with_the_intent_to_confirm() {
    let mut left = intent("requires_payment_method");
    left["last_payment_error"] = json!({"code": "authentication_required", "type": "card_error"});
    let body = json!({"error": {
        "code": "authentication_required",
        "decline_code": "authentication_required",
        "message": "Your card was declined. This transaction requires authentication.",
        "payment_intent": left,
        "type": "card_error"
    }});
    let error = error_from_response(402, body.to_string().as_bytes(), None);
    assert!(matches!(error, StripeError::AuthenticationRequired(_)), "{error:?}");
    let attempt = Attempt::from_result(Err(error)).expect("an outcome");
    let secret = Some("pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH".to_owned());
    assert_eq!(attempt.outcome, Outcome::AuthenticationRequired { client_secret: secret.clone() });
    assert_eq!(attempt.intent.map(|i| i.outcome()), Some(Outcome::AuthenticationRequired { client_secret: secret }));
}

#[test]
fn an_authentication_request_is_a_failed_attempt_only_when_asked_as_such() {
    let mut left = intent("requires_payment_method");
    left["last_payment_error"] = json!({"code": "authentication_required", "type": "card_error"});
    left["metadata"]["idempotency_key"] = json!("sub:s1:2030-03-24T12:00:00Z:1");
    let left = parse(left);
    // The webhook has no outcome to apply for it...
    assert!(matches!(payment_event("evt_1", &left), Err(TransformError::NotSettled(_))));
    // ...a renewal counts it as its attempt's failure, naming the reason.
    let event = authentication_required_event("charge:k", &left).expect("a failed attempt");
    assert_eq!((event.kind, event.authentication_required), (PaymentEventKind::Failed, true));
    assert_eq!(event.failure_reason.as_deref(), Some("card-authentication-required"), "one of our messages");
    assert_eq!(event.idempotency_key.as_deref(), Some("sub:s1:2030-03-24T12:00:00Z:1"));
    assert!(!event.save_method && event.method_token.is_none());
    // A settled payment is not one.
    assert!(authentication_required_event("charge:k", &parse(intent("succeeded"))).is_err());
}

#[test]
fn a_402_is_a_decline_whatever_its_type_says_and_carries_the_intent_when_given() {
    let stripe = json!({"error": {
        "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined.",
        "type": "card_error", "payment_intent": intent("requires_payment_method")
    }});
    let attempt = Attempt::from_result(Err(error_from_response(402, stripe.to_string().as_bytes(), None)));
    let attempt = attempt.expect("an outcome");
    assert_eq!(attempt.intent.map(|i| i.id).as_deref(), Some("pi_3MtwBwLkdIwHu7ix28a3tqPa"));
    assert!(
        matches!(attempt.outcome, Outcome::Declined(Decline { decline_code: Some(c), .. }) if c == "generic_decline")
    );
    // localstripe types its card errors `invalid_request_error` and names only the charge.
    let emulator = br#"{"error": {"charge": "ch_1", "code": "card_declined", "message": "Your card was declined.", "type": "invalid_request_error"}}"#;
    let attempt = Attempt::from_result(Err(error_from_response(402, emulator, None))).expect("an outcome");
    assert_eq!(attempt.intent, None);
    assert!(matches!(attempt.outcome, Outcome::Declined(Decline { code: Some(c), .. }) if c == "card_declined"));
}

#[test]
fn errors_map_by_type_and_status_and_an_unreadable_body_still_maps() {
    let key = IdempotencyKey::order("o1").expect("key");
    let body =
        |kind: &str, code: &str| format!(r#"{{"error": {{"type": "{kind}", "code": "{code}", "message": "m"}}}}"#);
    let idempotency = error_from_response(400, body("idempotency_error", "").as_bytes(), Some(&key));
    assert!(matches!(idempotency, StripeError::IdempotencyConflict { key, .. } if key == "order:o1"));
    let missing = error_from_response(400, body("invalid_request_error", "resource_missing").as_bytes(), None);
    assert!(
        matches!(missing, StripeError::InvalidRequest { status: 400, code: Some(c), .. } if c == "resource_missing")
    );
    assert!(matches!(error_from_response(401, b"", None), StripeError::Unauthorized(_)));
    let in_use = error_from_response(409, body("idempotency_error", "idempotency_key_in_use").as_bytes(), Some(&key));
    assert!(matches!(in_use, StripeError::Conflict(_)) && in_use.is_retryable(), "{in_use:?}");
    let limited = error_from_response(429, body("invalid_request_error", "rate_limit").as_bytes(), None);
    assert!(matches!(limited, StripeError::RateLimited(_)) && limited.is_retryable());
    let down = error_from_response(502, b"<html>Bad Gateway</html>", None);
    assert!(matches!(down, StripeError::Unavailable(_)) && down.is_retryable());
    assert!(matches!(error_from_response(404, b"not json", None), StripeError::InvalidRequest { status: 404, .. }));
}

#[test]
fn a_card_becomes_method_details_and_anything_else_is_refused() {
    let card: PaymentMethod = serde_json::from_value(method()).expect("a PaymentMethod");
    let details = MethodDetails::try_from(&card).expect("a card");
    assert_eq!(details.method_type, "card");
    assert_eq!(details.expiry().map(|e| (e.month, e.year)), Some((8, 2026)));
    let sepa: PaymentMethod = serde_json::from_value(json!({
        "id": "pm_1", "object": "payment_method", "type": "sepa_debit", "sepa_debit": {"last4": "3000"}
    }))
    .expect("a PaymentMethod");
    assert_eq!(MethodDetails::try_from(&sepa), Err(TransformError::NotACard("pm_1".into())));
}

#[test]
fn what_localstripe_answers_decodes_too() {
    // Its PaymentIntent: the latest charge as an object, no setup_future_usage, a
    // deprecated `charges` list; its PaymentMethod: no `object`-level fields beyond these.
    let body = json!({
        "amount": 1000, "capture_method": "automatic_async", "charges": {"data": [], "object": "list"},
        "client_secret": "pi_x_secret_y", "created": 1700000000, "currency": "eur", "customer": "cus_1",
        "id": "pi_x", "invoice": null, "last_payment_error": null,
        "latest_charge": {"id": "ch_1", "object": "charge", "amount": 1000, "status": "succeeded"},
        "livemode": false, "metadata": {"order_id": "o9"}, "next_action": null, "object": "payment_intent",
        "payment_method": {"id": "pm_1", "object": "payment_method", "type": "card", "customer": null,
            "card": {"brand": "visa", "country": "FR", "exp_month": 12, "exp_year": 2030,
                "fingerprint": "abc", "funding": "credit", "last4": "4242"}},
        "status": "succeeded"
    });
    let event = payment_event("evt_9", &parse(body)).expect("settled");
    assert_eq!((event.order_id.as_deref(), event.method.last4.as_deref()), (Some("o9"), Some("4242")));
}

#[test]
fn a_payment_intent_form_says_what_it_pays_and_how_it_is_confirmed() {
    let key = IdempotencyKey::new("sub:s1:2026-01-01T00:00:00Z:1").expect("key");
    let renewal = NewPaymentIntent {
        amount_cents: 999,
        currency: "EUR",
        customer: Some("cus_1"),
        user_id: "u1",
        purpose: Purpose::Subscription("s1"),
        confirmation: Confirmation::OffSession { payment_method: "pm_1" },
        save_method: false,
    };
    let form = renewal.form(&key).expect("valid");
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(form.encode().as_bytes()).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(get("amount"), Some("999"));
    assert_eq!(get("currency"), Some("eur"));
    assert_eq!(get("customer"), Some("cus_1"));
    assert_eq!(get("payment_method_types[0]"), Some("card"));
    assert_eq!(get("metadata[user_id]"), Some("u1"));
    assert_eq!(get("metadata[subscription_id]"), Some("s1"));
    assert_eq!(get("metadata[idempotency_key]"), Some("sub:s1:2026-01-01T00:00:00Z:1"));
    assert_eq!((get("payment_method"), get("confirm"), get("off_session")), (Some("pm_1"), Some("true"), Some("true")));
    assert_eq!(get("setup_future_usage"), None);
    assert_eq!(get("expand[0]"), Some("payment_method"));

    let page = NewPaymentIntent {
        purpose: Purpose::Order("o1"),
        confirmation: Confirmation::OnPage,
        save_method: true,
        ..renewal.clone()
    };
    let encoded = page.form(&key).expect("valid").encode();
    assert!(encoded.contains("setup_future_usage=off_session") && encoded.contains("metadata%5Border_id%5D=o1"));
    assert!(!encoded.contains("confirm") && !encoded.contains("payment_method="), "{encoded}");

    let refused = [
        NewPaymentIntent { amount_cents: 0, ..renewal.clone() },
        NewPaymentIntent { currency: "EURO", ..renewal.clone() },
        NewPaymentIntent { customer: None, ..renewal.clone() },
        NewPaymentIntent { save_method: true, ..renewal.clone() },
        NewPaymentIntent { confirmation: Confirmation::OffSession { payment_method: "pm_1/../x" }, ..renewal },
    ];
    for intent in refused {
        assert!(matches!(intent.form(&key), Err(StripeError::Invalid(_))), "{intent:?}");
    }
}

#[test]
fn the_form_encoding_nests_lists_and_escapes_as_stripe_reads_it() {
    let form = Form::new()
        .field("amount", 1050)
        .field("confirm", true)
        .optional("customer", None::<&str>)
        .optional("description", Some("Tea & cakes = 2 × 5 €"))
        .map("metadata", [("order_id", "o/1?x=y"), ("note", "a+b c")])
        .list("expand", ["payment_method", "latest_charge"]);
    assert_eq!(
        form.encode(),
        "amount=1050&confirm=true&description=Tea+%26+cakes+%3D+2+%C3%97+5+%E2%82%AC\
         &metadata%5Border_id%5D=o%2F1%3Fx%3Dy&metadata%5Bnote%5D=a%2Bb+c\
         &expand%5B0%5D=payment_method&expand%5B1%5D=latest_charge"
    );
    let decoded: Vec<(String, String)> = url::form_urlencoded::parse(form.encode().as_bytes()).into_owned().collect();
    assert_eq!(decoded[3], ("metadata[order_id]".to_owned(), "o/1?x=y".to_owned()));
    assert_eq!(decoded[4], ("metadata[note]".to_owned(), "a+b c".to_owned()));
    assert_eq!(Form::new().encode(), "");
}

#[test]
fn ids_that_would_address_something_else_are_refused_before_sending() {
    assert!(checked_id("pi_3MtwBwLkdIwHu7ix28a3tqPa").is_ok() && checked_id("pm_card_visa").is_ok());
    for bad in ["", "pi_1/cancel", "pi_1?expand[]=x", "../v1/refunds", "pi 1", "pi_%2F", &"p".repeat(256)] {
        assert!(checked_id(bad).is_err(), "{bad}");
    }
    assert!(NewRefund { payment_intent: "pi_1", amount_cents: Some(0) }.form().is_err());
    assert!(NewRefund { payment_intent: "pi_1/x", amount_cents: None }.form().is_err());
    assert_eq!(
        NewRefund { payment_intent: "pi_1", amount_cents: None }.form().map(|f| f.encode()).ok().as_deref(),
        Some("payment_intent=pi_1")
    );
    assert_eq!(
        NewSetupIntent { customer: "cus_1", user_id: "u1", subscription_id: None }
            .form()
            .map(|f| f.encode())
            .ok()
            .as_deref(),
        Some("customer=cus_1&usage=off_session&payment_method_types%5B0%5D=card&metadata%5Buser_id%5D=u1")
    );
    let subscription = NewSetupIntent { customer: "cus_1", user_id: "u1", subscription_id: Some("sub_1") };
    assert!(subscription
        .form()
        .is_ok_and(|f| f.encode().ends_with("metadata%5Buser_id%5D=u1&metadata%5Bsubscription_id%5D=sub_1")));
    assert_eq!(
        NewCustomer { user_id: "u1", email: Some("a@b.c") }.form().encode(),
        "email=a%40b.c&metadata%5Buser_id%5D=u1"
    );
}
