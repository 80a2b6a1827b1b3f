//! The Stripe client against localstripe (behind `local/stripe_emulator.py`): each flow a
//! checkout, a renewal, a saved card or a refund will need, and what Stripe answers when a
//! card is declined, wants 3-D Secure, is retried, or Stripe cannot be reached.
use std::time::{Duration, Instant};

use capsule_tests::stripe_emulator::{StripeEmulator, SECRET_KEY};
use shared::payments::methods::MethodDetails;
use shared::payments::stripe::transformers::{
    payment_event, Attempt, Confirmation, NewCustomer, NewPaymentIntent, NewRefund, NewSetupIntent, Outcome, Purpose,
};
use shared::payments::stripe::webhook::{self, EventKind};
use shared::payments::stripe::{IdempotencyKey, Stripe, StripeConfig, StripeError, CONNECT_TIMEOUT};
use shared::payments::{PaymentError, PaymentEventKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn stripe() -> (StripeEmulator, Stripe) {
    let emulator = StripeEmulator::start().await.expect("localstripe");
    let config = StripeConfig::new(&emulator.url, SECRET_KEY).expect("config");
    (emulator, Stripe::new(config).expect("client"))
}

fn key(value: &str) -> IdempotencyKey {
    IdempotencyKey::new(value).expect("key")
}

/// A customer of this test's user, and a card of it (`number`), attached as a saved card.
async fn saved_card(emulator: &StripeEmulator, stripe: &Stripe, user: &str, number: &str) -> (String, String) {
    let new = NewCustomer { user_id: user, email: Some("buyer@example.com") };
    let customer = stripe.create_customer(&new, &IdempotencyKey::customer(user).expect("key")).await.expect("customer");
    let card = emulator.card(number).await;
    let attach = key(&format!("attach:{card}"));
    stripe.attach_payment_method(&card, &customer.id, &attach).await.expect("attached");
    (customer.id, card)
}

fn order<'a>(order_id: &'a str, customer: &'a str, confirmation: Confirmation<'a>) -> NewPaymentIntent<'a> {
    NewPaymentIntent {
        amount_cents: 2500,
        currency: "EUR",
        customer: Some(customer),
        user_id: "u1",
        purpose: Purpose::Order(order_id),
        confirmation,
        save_method: false,
    }
}

#[tokio::test]
async fn a_card_payment_is_read_back_as_paid_and_refunded_once() {
    let (emulator, stripe) = stripe().await;
    let (customer, card) = saved_card(&emulator, &stripe, "u1", "4242424242424242").await;
    let intent = order("o1", &customer, Confirmation::OnSession { payment_method: &card });
    let paid = stripe.create_payment_intent(&intent, &key("order:o1")).await.expect("created");
    assert_eq!(paid.outcome(), Outcome::Succeeded);

    let read = stripe.retrieve_payment_intent(&paid.id).await.expect("read back");
    let event = payment_event("evt_1", &read).expect("settled");
    assert_eq!((event.kind, event.amount_cents, event.currency.as_str()), (PaymentEventKind::Succeeded, 2500, "EUR"));
    assert_eq!((event.order_id.as_deref(), event.user_id.as_deref()), (Some("o1"), Some("u1")));
    assert_eq!(event.idempotency_key.as_deref(), Some("order:o1"));
    assert_eq!((event.method.brand.as_deref(), event.method.last4.as_deref()), (Some("visa"), Some("4242")));

    let refund = NewRefund { payment_intent: &paid.id, amount_cents: None };
    let first = stripe.create_refund(&refund, &IdempotencyKey::refund(&paid.id).expect("key")).await.expect("refund");
    let again = stripe.create_refund(&refund, &IdempotencyKey::refund(&paid.id).expect("key")).await.expect("refund");
    assert_eq!((first.id.as_str(), first.amount, first.status.as_str()), (again.id.as_str(), 2500, "succeeded"));
    let refunds = emulator.list(&format!("/v1/refunds?payment_intent={}", paid.id)).await;
    assert_eq!(refunds.len(), 1, "a retried refund refunds once");
}

#[tokio::test]
async fn a_declined_card_is_an_outcome_with_its_code_not_an_error() {
    let (emulator, stripe) = stripe().await;
    let customer = stripe.create_customer(&NewCustomer { user_id: "u1", email: None }, &key("customer:u1")).await;
    let customer = customer.expect("customer").id;
    let card = emulator.card("4000000000000002").await;
    let intent = order("o2", &customer, Confirmation::OnSession { payment_method: &card });
    let result = stripe.create_payment_intent(&intent, &key("order:o2")).await;
    assert!(matches!(result, Err(StripeError::Declined(_))), "{result:?}");
    let attempt = Attempt::from_result(result).expect("an outcome");
    match &attempt.outcome {
        Outcome::Declined(decline) => assert_eq!(decline.code.as_deref(), Some("card_declined")),
        other => panic!("{other:?}"),
    }
    let left = attempt.intent.expect("the PaymentIntent it left");
    let read = stripe.retrieve_payment_intent(&left.id).await.expect("read back");
    let event = payment_event("evt_2", &read).expect("settled");
    assert_eq!(event.kind, PaymentEventKind::Failed);
    // Told to the buyer as one of our messages, in their language, never Stripe's words.
    assert_eq!(event.failure_reason.as_deref(), Some("card-declined"));
    // Saving it is declined too, and says so as a decline.
    let refused = stripe.attach_payment_method(&card, &customer, &key(&format!("attach:{card}"))).await;
    assert!(matches!(PaymentError::from(refused.expect_err("declined")), PaymentError::Declined { .. }));
}

#[tokio::test]
async fn three_d_secure_on_session_asks_for_the_action_and_the_challenge_decides() {
    let (emulator, stripe) = stripe().await;
    for (number, passed) in [("4000002760003184", true), ("4000000000003220", false)] {
        let (customer, card) = saved_card(&emulator, &stripe, &format!("u-{number}"), number).await;
        let order_id = format!("o-{number}");
        let intent = order(&order_id, &customer, Confirmation::OnSession { payment_method: &card });
        let asked = stripe.create_payment_intent(&intent, &key(&format!("order:{order_id}"))).await.expect("created");
        let Outcome::RequiresAction { client_secret: Some(secret) } = asked.outcome() else {
            panic!("{number}: {:?}", asked.outcome());
        };
        emulator.authenticate(&asked.id, &secret, passed).await;
        let read = stripe.retrieve_payment_intent(&asked.id).await.expect("read back");
        match (passed, read.outcome()) {
            (true, Outcome::Succeeded) => {}
            (false, Outcome::Declined(decline)) => {
                assert_eq!(decline.code.as_deref(), Some("payment_intent_authentication_failure"))
            }
            (_, other) => panic!("{number} passed={passed}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_off_session_charge_that_wants_3d_secure_is_authentication_required() {
    let (emulator, stripe) = stripe().await;
    let (customer, card) = saved_card(&emulator, &stripe, "u1", "4000002760003184").await;
    let renewal = NewPaymentIntent {
        purpose: Purpose::Subscription("s1"),
        ..order("", &customer, Confirmation::OffSession { payment_method: &card })
    };
    let charge_key = key("sub:s1:2026-01-01T00:00:00Z:1");
    let result = stripe.create_payment_intent(&renewal, &charge_key).await;
    let Err(StripeError::AuthenticationRequired(error)) = result else { panic!("{result:?}") };
    let payment_id = error.payment_intent.as_ref().map(|i| i.id.clone()).expect("the PaymentIntent");
    let attempt = Attempt::from_result(Err(StripeError::AuthenticationRequired(error))).expect("an outcome");
    assert!(matches!(attempt.outcome, Outcome::AuthenticationRequired { client_secret: Some(_) }));
    // Read back later (the webhook, the email link's page): still waiting for the customer.
    let read = stripe.retrieve_payment_intent(&payment_id).await.expect("read back");
    assert!(matches!(read.outcome(), Outcome::AuthenticationRequired { .. }), "{:?}", read.outcome());
    assert_eq!(read.method().map(|m| m.id.as_str()), Some(card.as_str()), "the card to confirm it with");
    let again = stripe.create_payment_intent(&renewal, &charge_key).await.expect_err("the same answer");
    match PaymentError::from(again) {
        PaymentError::AuthenticationRequired { payment_id: same } => assert_eq!(same, payment_id),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_retried_request_creates_one_payment_intent_and_another_under_its_key_is_refused() {
    let (emulator, stripe) = stripe().await;
    let customer = stripe.create_customer(&NewCustomer { user_id: "u1", email: None }, &key("customer:u1")).await;
    let customer = customer.expect("customer").id;
    let intent = order("o3", &customer, Confirmation::OnPage);
    let first = stripe.create_payment_intent(&intent, &key("order:o3")).await.expect("created");
    let again = stripe.create_payment_intent(&intent, &key("order:o3")).await.expect("replayed");
    assert_eq!((first.id.as_str(), first.client_secret.is_some()), (again.id.as_str(), true));
    let intents = emulator.list("/v1/payment_intents").await;
    assert_eq!(intents.iter().filter(|i| i["metadata"]["order_id"] == "o3").count(), 1);
    let other = NewPaymentIntent { amount_cents: 1, ..intent };
    let refused = stripe.create_payment_intent(&other, &key("order:o3")).await.expect_err("refused");
    assert!(matches!(&refused, StripeError::IdempotencyConflict { key, .. } if key == "order:o3"), "{refused:?}");
    assert!(matches!(PaymentError::from(refused), PaymentError::IdempotencyConflict(_)));

    let canceled = stripe.cancel_payment_intent(&first.id, &key(&format!("cancel:{}", first.id))).await;
    assert_eq!(canceled.expect("canceled").outcome(), Outcome::Canceled);
}

#[tokio::test]
async fn saved_cards_are_listed_with_brand_last4_and_expiry_then_detached() {
    let (emulator, stripe) = stripe().await;
    let (customer, card) = saved_card(&emulator, &stripe, "u1", "4242424242424242").await;
    let new = NewSetupIntent { customer: &customer, user_id: "u1", subscription_id: None };
    let setup = stripe.create_setup_intent(&new, &key("setup:u1:1")).await.expect("setup intent");
    assert!(setup.client_secret.is_some_and(|s| s.starts_with(&setup.id)), "for the page's Stripe.js");

    // "Save this card" on a payment: saved once it is paid.
    let paid_card = emulator.card("5555555555554444").await;
    let save = NewPaymentIntent { save_method: true, ..order("o4", &customer, Confirmation::OnPage) };
    let pending = stripe.create_payment_intent(&save, &key("order:o4")).await.expect("created");
    assert_eq!(pending.setup_future_usage.as_deref(), Some("off_session"));
    let one_click = order("o5", &customer, Confirmation::OnSession { payment_method: &paid_card });
    let one_click = NewPaymentIntent { save_method: true, ..one_click };
    let paid = stripe.create_payment_intent(&one_click, &key("order:o5")).await.expect("paid");
    assert!(payment_event("evt_5", &paid).is_ok_and(|e| e.save_method && e.method_token.as_deref() == Some(&paid_card)));

    let saved = stripe.list_payment_methods(&customer).await.expect("listed");
    let mut shown: Vec<(String, MethodDetails)> =
        saved.iter().map(|m| (m.id.clone(), MethodDetails::try_from(m).expect("a card"))).collect();
    shown.sort_by(|a, b| a.1.last4.cmp(&b.1.last4));
    let summary: Vec<_> =
        shown.iter().map(|(id, d)| (id.as_str(), d.last4.as_deref(), d.exp_month, d.exp_year)).collect();
    assert_eq!(
        summary,
        [(card.as_str(), Some("4242"), Some(12), Some(2030)), (paid_card.as_str(), Some("4444"), Some(12), Some(2030))]
    );
    stripe.detach_payment_method(&card, &key(&format!("detach:{card}"))).await.expect("detached");
    let left: Vec<String> =
        stripe.list_payment_methods(&customer).await.expect("listed").into_iter().map(|m| m.id).collect();
    assert_eq!(left, [paid_card]);
}

#[tokio::test]
async fn the_users_customer_is_found_again_by_email() {
    let (_emulator, stripe) = stripe().await;
    let mine = NewCustomer { user_id: "u1", email: Some("same@example.com") };
    let theirs = NewCustomer { user_id: "u2", email: Some("same@example.com") };
    let created = stripe.create_customer(&mine, &key("customer:u1")).await.expect("customer");
    stripe.create_customer(&theirs, &key("customer:u2")).await.expect("customer");
    let found = stripe.find_customer("same@example.com", "u1").await.expect("listed");
    assert_eq!(found.map(|c| c.id), Some(created.id.clone()));
    assert_eq!(stripe.retrieve_customer(&created.id).await.expect("read").metadata["user_id"], "u1");
    assert_eq!(stripe.find_customer("nobody@example.com", "u1").await.expect("listed"), None);
    let missing = stripe.retrieve_payment_intent("pi_missing").await.expect_err("not found");
    assert!(matches!(missing, StripeError::InvalidRequest { status: 404, .. }), "{missing:?}");
}

#[tokio::test]
async fn localstripes_signed_event_verifies_and_parses_with_the_webhook_code() {
    let (emulator, stripe) = stripe().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let url = format!("http://{}/webhooks/stripe", listener.local_addr().expect("address"));
    emulator.send_events_to(&url, "whsec_capsule_test").await;
    let (customer, card) = saved_card(&emulator, &stripe, "u1", "4242424242424242").await;
    let intent = order("o6", &customer, Confirmation::OnSession { payment_method: &card });
    let paid = stripe.create_payment_intent(&intent, &key("order:o6")).await.expect("paid");

    // Every event it sends (customer.created, ...) is signed; the payment's is among them.
    let succeeded = async {
        loop {
            let (header, body) = receive(&listener).await;
            let now = chrono::Utc::now().timestamp();
            let event = webhook::construct_event("whsec_capsule_test", &header, &body, now).expect("a signed event");
            let forged = webhook::construct_event("whsec_other", &header, &body, now);
            assert!(matches!(forged, Err(webhook::WebhookError::Signature(_))));
            if let EventKind::PaymentIntentSucceeded(intent) = event.kind {
                return intent;
            }
        }
    };
    let intent = tokio::time::timeout(Duration::from_secs(30), succeeded).await.expect("delivered");
    assert_eq!(intent.id, paid.id);
}

/// One webhook delivery: its `Stripe-Signature` and raw body, answered 200.
async fn receive(listener: &tokio::net::TcpListener) -> (String, Vec<u8>) {
    let (mut socket, _) = listener.accept().await.expect("a delivery");
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = socket.read(&mut chunk).await.expect("read");
        received.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&received).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)))
                    .map(|(_, v)| v.trim().to_owned())
            };
            let length: usize = header("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
            if body.len() >= length || read == 0 {
                socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.expect("answered");
                let start = head.len() + 4;
                return (header("stripe-signature").unwrap_or_default(), received[start..start + length].to_vec());
            }
        }
    }
}

#[tokio::test]
async fn stripe_unreachable_or_silent_is_unavailable_and_retryable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port");
    let config = StripeConfig::new(&format!("http://{closed}"), SECRET_KEY).expect("config");
    let stripe = Stripe::new(config).expect("client");
    let started = Instant::now();
    let refused = stripe.retrieve_payment_intent("pi_1").await.expect_err("unreachable");
    assert!(started.elapsed() < CONNECT_TIMEOUT, "a refused connection does not wait for the timeout");
    assert!(matches!(refused, StripeError::Unavailable(_)) && refused.is_retryable(), "{refused:?}");
    let intent = order("o7", "cus_1", Confirmation::OnPage);
    let refused = stripe.create_payment_intent(&intent, &key("order:o7")).await.expect_err("unreachable");
    assert!(matches!(PaymentError::from(refused), PaymentError::Unavailable(_)));

    // Accepts the connection, never answers: the deadline ends the wait.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = silent.local_addr().expect("address");
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let mut config = StripeConfig::new(&format!("http://{address}"), SECRET_KEY).expect("config");
    config.timeout = Duration::from_millis(300);
    let stripe = Stripe::new(config).expect("client");
    let silent = stripe.retrieve_payment_intent("pi_1").await.expect_err("no answer");
    assert!(matches!(&silent, StripeError::Unavailable(m) if m.contains("no answer")), "{silent:?}");
    held.abort();
}
