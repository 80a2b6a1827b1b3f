//! The local stack itself: the /dev routes, SQS batches with partial failures, the sample
//! events of `events/`, and `template.yaml` agreeing with the local description.
use aws_sdk_sqs::types::QueueAttributeName;
use capsule_tests::{spawn_app, unique_email};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use shared::notify::EmailMessage;

fn at(text: &serde_json::Value) -> DateTime<Utc> {
    let text = text.as_str().unwrap_or_else(|| panic!("not a time: {text}"));
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&Utc)
}

/// Whether `time` is `from`, give or take the test's own running time (the dev clock runs
/// on) and the contract's whole seconds.
fn soon_after(from: DateTime<Utc>, time: DateTime<Utc>) -> bool {
    (-1..60).contains(&(time - from).num_seconds())
}

/// `/dev/clock` moves the one clock every function reads: the token, the order and its
/// hold, the invoice, the email, the expiry job and the token's end all follow it.
#[tokio::test]
async fn the_dev_clock_moves_for_every_function() {
    let app = spawn_app().await;
    let start: DateTime<Utc> = "2031-02-03T04:00:00Z".parse().expect("a date");
    let set = app.post("/dev/clock", None, json!({"now": "2031-02-03T04:00:00Z"})).await;
    assert_eq!(set.status, StatusCode::OK);
    assert!(soon_after(start, at(&set.body["now"])), "{}", set.body);

    // Signed up at 04:00 in 2031: the token is good there, and the paid order is dated there.
    let (email, token) = app.customer("clock").await;
    app.add(&token, "cap-ete", 1).await;
    let paid = app.buy(&token, capsule_tests::VISA).await;
    let created = at(&paid["created_at"]);
    assert!(soon_after(start, created), "checkout dates the order by the dev clock: {created}");
    assert_eq!(at(&paid["expires_at"]) - created, Duration::minutes(30), "the hold lasts 30 minutes of it");
    assert!(soon_after(created, at(&paid["paid_at"])), "the webhook dates the payment by it");
    assert_eq!(paid["invoice_number"], "INV-2031-000001", "invoices are numbered in the series of the payment's year");
    let invoice = app.emails_to(&email).await;
    assert_eq!(invoice.len(), 1);
    assert!(
        soon_after(start, at(&invoice[0]["sent_at"])),
        "the notifier dates the email by it: {}",
        invoice[0]["sent_at"]
    );

    // A second order is left unpaid: 29 minutes on, its hold stands; 31 minutes on, it is released.
    app.add(&token, "cap-ete", 1).await;
    let pending = app.checkout(&token).await;
    assert_eq!(pending.status, StatusCode::CREATED, "{}", pending.body);
    let moved = app.post("/dev/clock", None, json!({"advance_seconds": 29 * 60})).await;
    assert!(soon_after(start + Duration::minutes(29), at(&moved.body["now"])), "{}", moved.body);
    assert_eq!(app.run_job("release-expired-reservations").await["released"], 0, "not yet due");
    app.post("/dev/clock", None, json!({"advance_seconds": 2 * 60})).await;
    assert_eq!(app.run_job("release-expired-reservations").await["released"], 1, "due on the moved clock");
    let order_id = pending.body["order_id"].as_str().expect("order_id");
    app.order_when(&token, order_id, "expired").await;

    // An hour after signing up, the same token is refused.
    app.post("/dev/clock", None, json!({"advance_seconds": 30 * 60})).await;
    let refused = app.get("/orders", Some(&token)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(refused.code(), "unauthorized");

    assert_eq!(app.post("/dev/clock", None, json!({"hours": 1})).await.status, StatusCode::BAD_REQUEST);
    let both = app.post("/dev/clock", None, json!({"advance_seconds": 1, "now": "2031-02-03T04:00:00Z"})).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.post("/dev/run/no-such-job", None, json!({})).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn queued_emails_reach_the_outbox_and_a_bad_message_does_not_block_the_batch() {
    let app = spawn_app().await;
    let to = unique_email("mail");
    let queue_url = app.stack.queues["NotificationsQueue"].url.clone();
    let sqs = app.stack.app.sqs.clone();
    sqs.send_message().queue_url(&queue_url).message_body("this is not an email").send().await.expect("queued");
    let email = EmailMessage {
        to: vec![to.clone()],
        subject: "Bienvenue chez Capsule".into(),
        text: "Bonjour Ada".into(),
        html: "<p>Bonjour <b>Ada</b></p>".into(),
    };
    app.stack.app.notifier.queue_email(&email).await.expect("queued");
    let received = app.emails_to(&to).await;
    assert_eq!(received.len(), 1, "the good message went out");
    assert_eq!(received[0]["subject"], "Bienvenue chez Capsule");
    assert_eq!(received[0]["to"], json!([to]));
    assert!(received[0]["text"].as_str().is_some_and(|t| t.contains("Bonjour Ada")));
    assert!(received[0]["html"].as_str().is_some_and(|h| h.contains("<b>Ada</b>")));
    assert!(received[0]["sent_at"].is_string());

    // The malformed message was reported as failed: received but not deleted, so out of
    // sight until its visibility timeout, then delivered again.
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("attributes")
        .attributes
        .unwrap_or_default();
    let count = |name: QueueAttributeName| attributes.get(&name).and_then(|v| v.parse::<u32>().ok());
    assert_eq!(count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible), Some(1), "the bad one, in flight");
    assert_eq!(count(QueueAttributeName::ApproximateNumberOfMessages), Some(0), "nothing left waiting");
}

fn sample(name: &str) -> String {
    let path = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn the_sample_events_run_through_their_handlers() {
    let app = spawn_app().await;
    let login = lambda_http::request::from_str(&sample("auth")).expect("a v2 HTTP event");
    let response = auth::handle(&app.stack.app, login).await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).expect("json");
    assert_eq!(body["user"]["email"], local::seed::ADMIN_EMAIL);
    let token = body["token"].as_str().expect("a token");
    assert_eq!(app.get("/admin/settings", Some(token)).await.status, StatusCode::OK, "the token works");

    let product = lambda_http::request::from_str(&sample("catalog")).expect("a v2 HTTP event");
    let response = catalog::handle(&app.stack.app, product).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).expect("json");
    assert_eq!(body["product_id"], "cap-ete");

    // The sample's email, to a recipient of this test's own (the outbox is the emulator's).
    let mut batch: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_str(&sample("notifier")).expect("an SQS event");
    assert_eq!(batch.records.len(), 1);
    let mut email: EmailMessage =
        batch.records[0].body.as_deref().and_then(|b| serde_json::from_str(b).ok()).expect("email body");
    let to = unique_email("sample");
    email.to = vec![to.clone()];
    batch.records[0].body = Some(serde_json::to_string(&email).expect("json"));
    let response = notifier::handle(&app.stack.app, batch).await;
    assert_eq!(response.batch_item_failures.len(), 0);
    let sent = app.emails_to(&to).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["subject"], email.subject);
    assert_eq!(sent[0]["text"].as_str().map(str::trim), Some(email.text.as_str()));
}

/// What each sample event makes its function answer: the placeholder tokens are refused,
/// unknown ids are not found, the unsigned webhook is refused, the queues' records are
/// handled or reported for retry.
enum Expected {
    /// The status, and the JSON error code ("" when the body carries none).
    Http(u16, &'static str),
    /// The message ids reported as failed.
    Sqs(&'static [&'static str]),
    /// The job's report, as JSON.
    Scheduled(&'static str),
}

const SAMPLES: &[(&str, Expected)] = &[
    ("add-to-cart", Expected::Http(401, "unauthorized")),
    ("admin", Expected::Http(401, "unauthorized")),
    ("admin-orders", Expected::Http(401, "unauthorized")),
    ("admin-catalogue", Expected::Http(401, "unauthorized")),
    // The local stack is seeded through the bootstrap: a second one is refused.
    ("admin-bootstrap", Expected::Http(409, "already_bootstrapped")),
    ("auth", Expected::Http(200, "")),
    ("cancel-order", Expected::Http(401, "unauthorized")),
    ("catalog", Expected::Http(200, "")),
    ("checkout", Expected::Http(401, "unauthorized")),
    ("orders", Expected::Http(401, "unauthorized")),
    // The hosted page answers in HTML.
    ("payment-portal", Expected::Http(404, "")),
    ("payment-webhook", Expected::Http(400, "invalid_signature")),
    ("notifier", Expected::Sqs(&[])),
    // No such order: the webhook records and acknowledges it, so it is not redelivered.
    ("payment-events", Expected::Sqs(&[])),
    ("release-expired-reservations", Expected::Scheduled(r#"{"examined": 0, "released": 0, "failed": 0}"#)),
    // A new stack has recorded no effects yet.
    ("outbox-relay", Expected::Scheduled(r#"{"delivered": 0, "failed": 0, "skipped": 0}"#)),
    // A new stack has no paid order awaiting its number.
    ("invoice-numbering", Expected::Scheduled(r#"{"numbered": 0, "contended": 0}"#)),
    ("payment-methods", Expected::Http(401, "unauthorized")),
    ("subscribe", Expected::Http(401, "unauthorized")),
    // A new stack has no subscription due.
    ("charge-renewal", Expected::Scheduled(r#"{"due": 0, "queued": 0}"#)),
    // A new stack has no saved card.
    (
        "card-expiry-scan",
        Expected::Scheduled(r#"{"examined": 0, "expiring_sent": 0, "expired_sent": 0, "skipped": 0, "failed": 0}"#),
    ),
];

/// Every file of `events/` is an event its function accepts, and answers as `SAMPLES` says.
#[tokio::test]
async fn every_sample_event_is_accepted_by_its_function() {
    let app = spawn_app().await;
    let dir = format!("{}/../events", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("events/")
        .map(|entry| entry.expect("entry").path().file_stem().and_then(|s| s.to_str()).expect("name").to_string())
        .collect();
    files.sort();
    let mut expected: Vec<String> = SAMPLES.iter().map(|(name, _)| name.to_string()).collect();
    expected.sort();
    assert_eq!(files, expected, "one sample per function, each with its expected answer");

    for (function, expectation) in SAMPLES {
        let text = sample(function);
        match expectation {
            Expected::Http(status, code) => {
                let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{function}: {e}"));
                let response = local::routes::invoke_http(function, &app.stack.app, request)
                    .await
                    .unwrap_or_else(|| panic!("{function} is not an HTTP function"));
                let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
                assert_eq!(response.status().as_u16(), *status, "{function}: {body}");
                assert_eq!(body["error"]["code"].as_str().unwrap_or(""), *code, "{function}: {body}");
            }
            Expected::Sqs(failed) => {
                let batch: aws_lambda_events::event::sqs::SqsEvent =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{function}: {e}"));
                let response = local::routes::invoke_sqs(function, &app.stack.app, batch)
                    .await
                    .unwrap_or_else(|| panic!("{function} consumes no queue"));
                let reported: Vec<&str> =
                    response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
                assert_eq!(reported, *failed, "{function}");
            }
            Expected::Scheduled(report) => {
                let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                assert_eq!(json["detail-type"], "Scheduled Event", "{function}");
                let outcome = local::routes::invoke_scheduled(function, &app.stack.app)
                    .await
                    .unwrap_or_else(|| panic!("{function} is not scheduled"));
                assert_eq!(outcome, Ok(serde_json::from_str(report).expect("JSON")), "{function}");
            }
        }
    }
}

#[tokio::test]
async fn an_order_paid_event_reaches_the_event_bus() {
    let app = spawn_app().await;
    // Listen on the bus the way a downstream consumer would: a rule to a queue of our own.
    let sdk = local::emulator_sdk(&app.endpoint).await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let sqs = app.stack.app.sqs.clone();
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("{}-listener", app.stack.names.prefix))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("arn");
    let rule = format!("{}-listen", app.stack.names.prefix);
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(app.stack.names.bus())
        .event_pattern(json!({"source": ["capsule"], "detail-type": ["OrderPaid"]}).to_string())
        .send()
        .await
        .expect("rule");
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(app.stack.names.bus())
        .targets(aws_sdk_eventbridge::types::Target::builder().id("listener").arn(arn).build().expect("target"))
        .send()
        .await
        .expect("target");

    let (_, token) = app.customer("event").await;
    app.add(&token, "cap-ete", 2).await;
    let order = app.buy(&token, capsule_tests::VISA).await;
    // The event is delivered right after the payment's commit: wait for it (bounded), then
    // make sure no second copy follows.
    let mut bodies: Vec<serde_json::Value> = Vec::new();
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(10) {
        let received =
            sqs.receive_message().queue_url(&queue_url).max_number_of_messages(10).send().await.expect("receive");
        bodies.extend(
            received
                .messages
                .unwrap_or_default()
                .iter()
                .filter_map(|m| m.body.as_deref())
                .filter_map(|b| serde_json::from_str(b).ok()),
        );
        if !bodies.is_empty() && started.elapsed() > std::time::Duration::from_secs(1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(bodies.len(), 1, "one OrderPaid event");
    assert_eq!(bodies[0]["detail-type"], "OrderPaid");
    assert_eq!(bodies[0]["detail"]["order_id"], order["order_id"]);
    assert_eq!(bodies[0]["detail"]["total_cents"], order["total_cents"]);
    assert_eq!(bodies[0]["detail"]["invoice_number"], order["invoice_number"]);
}

/// A caller that hangs up does not cut a function short: Lambda runs an invocation to its
/// end, and so does the gateway. (Cut short, a webhook whose caller timed out under the
/// flash sale's load left its invoice email sent but unmarked, and it went out twice.)
#[tokio::test]
async fn a_request_whose_caller_hangs_up_still_runs_to_its_end() {
    use std::io::Write;
    let app = spawn_app().await;
    let email = unique_email("hangs-up");
    let body = json!({"email": email, "password": "password-123", "name": "Gone"}).to_string();
    let address = app.stack.base_url.trim_start_matches("http://").to_string();
    {
        let mut socket = std::net::TcpStream::connect(&address).expect("the gateway listens");
        let head = format!(
            "POST /auth/signup HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        socket.write_all(format!("{head}{body}").as_bytes()).expect("the request is sent");
    } // Closed before any answer.
    let mut created = false;
    for _ in 0..50 {
        created =
            app.stored(shared::store::keys::email(&shared::domain::Email::parse(&email).expect("an email"))).await;
        if created {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(created, "the signup stopped when its caller hung up");
}
