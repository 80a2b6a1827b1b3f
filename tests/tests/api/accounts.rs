use capsule_tests::{spawn_app, unique_email};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn signup_then_login_gives_a_token_that_opens_the_cart() {
    let app = spawn_app().await;
    let email = unique_email("ada");
    let signup = app.post("/auth/signup", None, json!({"email": email, "password": "longenough", "name": "Ada"})).await;
    assert_eq!(signup.status, StatusCode::CREATED);
    let user_id = signup.body["user_id"].as_str().expect("user_id");
    assert!(signup.body["token"].as_str().is_some_and(|t| t.split('.').count() == 3));

    // Email is matched case-insensitively.
    let login = app.post("/auth/login", None, json!({"email": email.to_uppercase(), "password": "longenough"})).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["user"]["user_id"], user_id);
    assert_eq!(login.body["user"]["email"], email);
    assert_eq!(login.body["user"]["name"], "Ada");
    assert_eq!(login.body["user"]["role"], "customer");
    assert_eq!(login.body["cart"]["items"], json!([]));
    assert_eq!(login.body["cart"]["total_cents"], 0);

    let token = login.body["token"].as_str().expect("token");
    let cart = app.get("/cart", Some(token)).await;
    assert_eq!(cart.status, StatusCode::OK);
    assert_eq!(cart.body["cart_id"], login.body["cart"]["cart_id"]);
}

#[tokio::test]
async fn signup_refuses_bad_input_with_the_contract_codes() {
    let app = spawn_app().await;
    let cases = [
        json!({"email": "not-an-email", "password": "longenough", "name": "Ada"}),
        json!({"email": unique_email("a"), "password": "short", "name": "Ada"}),
        json!({"email": unique_email("a"), "password": "longenough", "name": "   "}),
        json!({"email": unique_email("a"), "password": "longenough"}),
        json!({"email": unique_email("a"), "password": "longenough", "name": "Ada", "role": "admin"}),
        json!(["not", "an", "object"]),
    ];
    for body in cases {
        let answer = app.post("/auth/signup", None, body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.code(), "invalid_request", "{body}");
        assert!(answer.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let not_json = app
        .client
        .post(app.url("/auth/signup"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("answers");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);

    let huge = json!({"email": unique_email("big"), "password": "longenough", "name": "x".repeat(70 * 1024)});
    let answer = app.post("/auth/signup", None, huge).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.code(), "payload_too_large");
}

#[tokio::test]
async fn an_email_has_one_account_even_when_two_signups_race() {
    let app = spawn_app().await;
    let email = unique_email("race");
    let body = json!({"email": email, "password": "longenough", "name": "Racer"});
    let (a, b) =
        tokio::join!(app.post("/auth/signup", None, body.clone()), app.post("/auth/signup", None, body.clone()));
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::CREATED, StatusCode::CONFLICT]);
    let loser = if a.status == StatusCode::CONFLICT { a } else { b };
    assert_eq!(loser.code(), "email_taken");

    let again = app
        .post("/auth/signup", None, json!({"email": email.to_uppercase(), "password": "other-pass", "name": "X"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "email_taken");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = spawn_app().await;
    let (email, _) = app.customer("bob").await;
    let wrong = app.post("/auth/login", None, json!({"email": email, "password": "wrong-password"})).await;
    let unknown =
        app.post("/auth/login", None, json!({"email": unique_email("ghost"), "password": "wrong-password"})).await;
    for answer in [&wrong, &unknown] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.code(), "invalid_credentials");
    }
    assert_eq!(wrong.body["error"]["message"], unknown.body["error"]["message"]);
    let extra = app.post("/auth/login", None, json!({"email": email, "password": "password-123", "otp": 1})).await;
    assert_eq!(extra.code(), "invalid_request");
}

#[tokio::test]
async fn ten_failures_in_fifteen_minutes_lock_the_email_until_the_window_ends() {
    let app = spawn_app().await;
    let (email, _) = app.customer("locked").await;
    for attempt in 1..=10 {
        let answer = app.post("/auth/login", None, json!({"email": email, "password": "bad-password"})).await;
        assert_eq!(answer.code(), "invalid_credentials", "attempt {attempt}");
    }
    // Even the right password is refused now, and so is another wrong one.
    for password in ["password-123", "bad-password"] {
        let answer = app.post("/auth/login", None, json!({"email": email, "password": password})).await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(answer.code(), "too_many_attempts");
    }
    // Another email is not affected.
    let (other, _) = app.customer("free").await;
    let answer = app.post("/auth/login", None, json!({"email": other, "password": "password-123"})).await;
    assert_eq!(answer.status, StatusCode::OK);

    app.stack.clock.advance(16 * 60);
    let answer = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn protected_routes_refuse_missing_bad_forged_and_expired_tokens() {
    let app = spawn_app().await;
    let (_, token) = app.customer("tok").await;
    assert_eq!(app.get("/cart", Some(&token)).await.status, StatusCode::OK);

    let forged = {
        let claims = json!({"sub": "someone", "role": "admin", "iat": 0, "exp": 4_000_000_000u64});
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"another-secret-another-secret-xx"),
        )
        .expect("encodes")
    };
    let unsigned = {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let encode = |s: &str| URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.",
            encode(r#"{"alg":"none","typ":"JWT"}"#),
            encode(r#"{"sub":"x","role":"admin","exp":4000000000}"#)
        )
    };
    // Signed with the right key, but not issued by Capsule for its API: refused too.
    let signed = |claims: serde_json::Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(capsule_tests::JWT_SECRET.as_bytes()),
        )
        .expect("encodes")
    };
    let no_issuer =
        signed(json!({"aud": "capsule-api", "sub": "x", "role": "admin", "iat": 0, "exp": 4_000_000_000u64}));
    let other_issuer = signed(
        json!({"iss": "elsewhere", "aud": "capsule-api", "sub": "x", "role": "admin", "iat": 0, "exp": 4_000_000_000u64}),
    );
    let other_audience = signed(
        json!({"iss": "capsule", "aud": "reports", "sub": "x", "role": "admin", "iat": 0, "exp": 4_000_000_000u64}),
    );
    let right = signed(
        json!({"iss": "capsule", "aud": "capsule-api", "sub": "x", "role": "customer", "iat": 0, "exp": 4_000_000_000u64}),
    );
    assert_eq!(app.get("/orders", Some(&right)).await.status, StatusCode::OK, "the claims Capsule issues");
    for bad in [&no_issuer, &other_issuer, &other_audience] {
        assert_eq!(app.get("/cart", Some(bad)).await.status, StatusCode::UNAUTHORIZED);
    }
    for bad in [None, Some("garbage"), Some(forged.as_str()), Some(unsigned.as_str())] {
        let answer = app.get("/cart", bad).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert_eq!(answer.code(), "unauthorized");
    }
    // A token signed with the right secret stays good for an hour, not more.
    app.stack.clock.advance(59 * 60);
    assert_eq!(app.get("/cart", Some(&token)).await.status, StatusCode::OK);
    app.stack.clock.advance(2 * 60);
    let expired = app.get("/cart", Some(&token)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.code(), "unauthorized");
}

/// The attempt is counted before the password is checked: of 50 wrong guesses fired at once,
/// at most 10 reach the hash (answered invalid_credentials), the others are refused first.
#[tokio::test]
async fn a_burst_of_guesses_reaches_the_hash_at_most_ten_times() {
    let app = spawn_app().await;
    let (email, _) = app.customer("burst").await;
    let body = json!({"email": email, "password": "bad-password"});
    let answers = futures::future::join_all((0..50).map(|_| app.post("/auth/login", None, body.clone()))).await;
    let checked = answers.iter().filter(|a| a.code() == "invalid_credentials").count();
    let refused = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(checked <= 10, "{checked} guesses reached the hash");
    assert_eq!(checked + refused, 50, "every answer is one or the other");
    let right = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "the email is locked for the window");
}

/// `POST /auth/signup` as API Gateway would deliver it from `source_ip` (the local gateway
/// only ever sees 127.0.0.1).
async fn signup_from(app: &capsule_tests::TestApp, source_ip: &str, email: &str) -> StatusCode {
    let body = json!({"email": email, "password": "password-123", "name": "Elsewhere"}).to_string();
    let event = json!({
        "version": "2.0", "routeKey": "POST /auth/signup", "rawPath": "/auth/signup", "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "000000000000", "apiId": "local", "domainName": "localhost", "domainPrefix": "local",
            "http": {"method": "POST", "path": "/auth/signup", "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": "test"},
            "requestId": "signup-elsewhere", "routeKey": "POST /auth/signup", "stage": "$default",
            "time": "01/Jan/2030:00:00:00 +0000", "timeEpoch": 0
        },
        "body": body, "isBase64Encoded": false
    });
    let request = lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event");
    let response = local::routes::invoke_http("auth", &app.stack.app, request).await.expect("auth is wired");
    StatusCode::from_u16(response.status().as_u16()).expect("a status")
}

/// The signup limit per address is an admin setting; a burst from one address gets exactly
/// that many accounts, whatever the concurrency; another address is not affected; the count
/// starts again with the next window.
#[tokio::test]
async fn a_burst_of_signups_from_one_address_gets_exactly_the_limit() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut settings = app.get("/admin/settings", Some(&admin)).await.body;
    assert_eq!(settings["signups_per_address_per_hour"], 100_000, "the local stack allows what tests need");
    settings["signups_per_address_per_hour"] = json!(5);
    let set = app.call(reqwest::Method::PUT, "/admin/settings", Some(&admin), Some(settings.clone())).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    app.post("/dev/clock", None, json!({"now": "2030-06-01T10:00:00Z"})).await;

    let emails: Vec<String> = (0..20).map(|i| unique_email(&format!("burst{i}"))).collect();
    let answers = futures::future::join_all(emails.iter().map(|email| {
        app.post("/auth/signup", None, json!({"email": email, "password": "password-123", "name": "Burst"}))
    }))
    .await;
    let created: Vec<&String> =
        emails.iter().zip(&answers).filter(|(_, a)| a.status == StatusCode::CREATED).map(|(e, _)| e).collect();
    let refused: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert_eq!(created.len(), 5, "exactly the limit gets through");
    assert_eq!(refused.len(), 15, "the rest is refused, nothing else happens");
    assert!(refused.iter().all(|a| a.code() == "too_many_attempts"), "{}", refused[0].body);
    for (email, answer) in emails.iter().zip(&answers) {
        let login = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
        let expected = if answer.status == StatusCode::CREATED { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
        assert_eq!(login.status, expected, "a refused signup creates no account");
    }

    assert_eq!(signup_from(&app, "203.0.113.9", &unique_email("other")).await, StatusCode::CREATED);
    assert_eq!(signup_from(&app, "127.0.0.1", &unique_email("same")).await, StatusCode::TOO_MANY_REQUESTS);
    app.post("/dev/clock", None, json!({"advance_seconds": 3600})).await;
    let next =
        app.post("/auth/signup", None, json!({"email": unique_email("next"), "password": "password-123", "name": "N"}));
    assert_eq!(next.await.status, StatusCode::CREATED, "the next window counts afresh");

    settings["signups_per_address_per_hour"] = json!(100_001);
    let admin = app.admin_token().await; // the clock moved past the first token's hour
    let too_many = app.call(reqwest::Method::PUT, "/admin/settings", Some(&admin), Some(settings)).await;
    assert_eq!((too_many.status, too_many.code()), (StatusCode::BAD_REQUEST, "invalid_request"));
}

/// Addresses mail cannot reach, or that look like another one: a quoted name, a display
/// name, a comma (two recipients), an address literal, a zero-width space or a bidi control
/// before the `@`, a non-ASCII name in NFC or NFD, a Cyrillic look-alike letter. Each is 400
/// `invalid_request` naming the field `email`, creates no account, and cannot log in.
#[tokio::test]
async fn unreachable_and_look_alike_emails_get_400_and_no_account() {
    let app = spawn_app().await;
    let (plain, _) = app.customer("plain").await;
    let (local, domain) = plain.split_once('@').expect("an address");
    let look_alikes = [
        "\"x\"<y>@example.com".to_string(),
        format!("Plain <{plain}>"),
        format!("a,{plain}"),
        format!("{local}@[192.0.2.1]"),
        format!("{local}\u{200B}@{domain}"),
        format!("{local}@\u{200B}{domain}"),
        format!("{local}\u{202E}@{domain}"),
        format!("{local}-jos\u{e9}@{domain}"),
        format!("{local}-jose\u{301}@{domain}"),
        format!("{}@{domain}", local.replacen('p', "\u{440}", 1)),
    ];
    for email in &look_alikes {
        let signup =
            app.post("/auth/signup", None, json!({"email": email, "password": "password-123", "name": "X"})).await;
        assert_eq!((signup.status, signup.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{email:?}");
        assert_eq!(signup.body["error"]["details"]["field"], "/email", "{email:?}: {}", signup.body);
        assert!(signup.body["error"]["details"]["message"].as_str().is_some_and(|m| m.starts_with("email ")));
        let login = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
        assert_eq!((login.status, login.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{email:?}");
    }
    let login = app.post("/auth/login", None, json!({"email": plain, "password": "password-123"})).await;
    assert_eq!(login.status, StatusCode::OK, "the plain account is untouched");
}

/// One domain however it is spelled: NFC, NFD, upper case, full-width letters or the `xn--`
/// form are one account, kept and shown in the ASCII form mail is sent to.
#[tokio::test]
async fn every_spelling_of_one_domain_is_one_account() {
    let app = spawn_app().await;
    let local = format!("ana-{}", uuid::Uuid::new_v4().simple());
    let nfc = format!("{local}@caf\u{e9}.example");
    let signup = app.post("/auth/signup", None, json!({"email": nfc, "password": "password-123", "name": "Ana"})).await;
    assert_eq!(signup.status, StatusCode::CREATED, "{}", signup.body);
    let user_id = signup.body["user_id"].clone();
    let spellings = [
        format!("{local}@cafe\u{301}.example"),
        format!("{}@CAF\u{c9}.EXAMPLE", local.to_uppercase()),
        format!("{local}@caf\u{e9}\u{ff0e}example"),
        format!("{local}@xn--caf-dma.example"),
    ];
    for email in &spellings {
        let again =
            app.post("/auth/signup", None, json!({"email": email, "password": "password-123", "name": "A"})).await;
        assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "email_taken"), "{email:?}");
        let login = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
        assert_eq!(login.status, StatusCode::OK, "{email:?}: {}", login.body);
        assert_eq!(login.body["user"]["user_id"], user_id);
        assert_eq!(login.body["user"]["email"], format!("{local}@xn--caf-dma.example"));
    }
}
