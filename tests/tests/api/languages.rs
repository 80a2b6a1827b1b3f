//! The buyer's language (issue 22): the account's, else the browser's, else the shop's; and
//! what the invoice email must say.
use capsule_tests::{card_form, pickup, spawn_app, TestApp, DECLINED, VISA};
use reqwest::StatusCode;
use serde_json::{json, Value};

const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// The emails of `email` whose subject starts with `prefix`.
async fn mails(app: &TestApp, email: &str, prefix: &str) -> Vec<Value> {
    let all = app.emails_to(email).await;
    all.into_iter().filter(|m| m["subject"].as_str().is_some_and(|s| s.starts_with(prefix))).collect()
}

fn text(mail: &Value) -> &str {
    mail["text"].as_str().unwrap_or_default()
}

/// A buyer with a cart of two units of a 29.90 product.
async fn buyer_with_cart(app: &TestApp, locale: Value) -> (String, String) {
    let (email, token) = app.customer_in("lang", locale).await;
    let product = app.product_with_stock(2990, 10).await;
    assert_eq!(app.add(&token, &product, 2).await.status, StatusCode::OK);
    (email, token)
}

/// Checks out with `accept_language` sent, as a browser does; the placed order.
async fn checkout_from(app: &TestApp, token: &str, accept_language: Option<&str>) -> Value {
    let mut request = app.client.post(app.url("/checkout")).bearer_auth(token);
    if let Some(header) = accept_language {
        request = request.header("accept-language", header);
    }
    let response = request
        .json(&json!({"payment_method": "card", "delivery": pickup()}))
        .send()
        .await
        .expect("the gateway answers");
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("JSON")
}

/// Pays the placed order with `card` and numbers its invoice.
async fn pay(app: &TestApp, token: &str, placed: &Value, card: &str) {
    let url = placed["redirect_url"].as_str().expect("redirect_url");
    let _ = app.pay(url, &card_form(card)).await;
    let order_id = placed["order_id"].as_str().expect("order_id");
    let status = if card == VISA { "paid" } else { "payment_failed" };
    app.order_when(token, order_id, status).await;
    app.number_invoices().await;
}

/// The order's short reference as emails name it: its id's first 8 characters in capitals.
fn reference(placed: &Value) -> String {
    placed["order_id"].as_str().expect("order_id").replace('-', "")[..8].to_uppercase()
}

#[tokio::test]
async fn a_french_buyer_reads_french_and_an_english_buyer_english() {
    let app = spawn_app().await;
    let (french, french_token) = buyer_with_cart(&app, json!("fr")).await;
    let (english, english_token) = buyer_with_cart(&app, json!("en")).await;
    // The account's choice wins over what the browser prefers.
    let placed_fr = checkout_from(&app, &french_token, Some("en-US,en;q=0.9")).await;
    let placed_en = checkout_from(&app, &english_token, Some("fr-FR,fr;q=0.9")).await;
    pay(&app, &french_token, &placed_fr, VISA).await;
    pay(&app, &english_token, &placed_en, VISA).await;

    let invoice = mails(&app, &french, "Facture INV-").await;
    assert_eq!(invoice.len(), 1, "{:?}", app.emails_to(&french).await);
    let subject = invoice[0]["subject"].as_str().unwrap_or_default();
    assert!(subject.ends_with(&format!("commande {}", reference(&placed_fr))), "{subject}");
    assert!(!subject.contains(placed_fr["order_id"].as_str().unwrap_or("?")), "no UUID in the subject: {subject}");
    let body = text(&invoice[0]);
    assert!(body.contains("Merci pour votre commande") && body.contains("59,80 €") && body.contains("Point relais"));
    assert!(!body.contains("Thank you") && !body.contains("Subtotal"), "{body}");
    assert!(invoice[0]["html"].as_str().is_some_and(|h| h.contains(r#"<html lang="fr">"#)));

    let invoice = mails(&app, &english, "Invoice INV-").await;
    assert_eq!(invoice.len(), 1, "{:?}", app.emails_to(&english).await);
    let subject = invoice[0]["subject"].as_str().unwrap_or_default();
    assert!(subject.ends_with(&format!("order {}", reference(&placed_en))), "{subject}");
    let body = text(&invoice[0]);
    assert!(body.contains("Thank you for your order") && body.contains("€59.80") && body.contains("Pickup point"));
    assert!(!body.contains("Merci") && !body.contains("Sous-total"), "{body}");
    assert!(invoice[0]["html"].as_str().is_some_and(|h| h.contains(r#"<html lang="en">"#)));
}

#[tokio::test]
async fn a_failed_payment_is_told_in_the_buyers_language() {
    let app = spawn_app().await;
    let (french, token) = buyer_with_cart(&app, json!("fr")).await;
    let placed = checkout_from(&app, &token, None).await;
    pay(&app, &token, &placed, DECLINED).await;
    let failed = mails(&app, &french, "Paiement refusé").await;
    assert_eq!(failed.len(), 1, "{:?}", app.emails_to(&french).await);
    assert!(failed[0]["subject"].as_str().is_some_and(|s| s.ends_with(&reference(&placed))));
    assert!(text(&failed[0]).contains("de retour dans votre panier"), "{}", text(&failed[0]));
}

#[tokio::test]
async fn without_an_account_locale_the_browser_then_the_shop_decide() {
    let app = spawn_app().await;
    let (browser_en, token_en) = buyer_with_cart(&app, Value::Null).await;
    let (no_header, token_none) = buyer_with_cart(&app, Value::Null).await;
    let (browser_de, token_de) = buyer_with_cart(&app, Value::Null).await;
    let placed_en = checkout_from(&app, &token_en, Some("de-DE,de;q=0.9,en-GB;q=0.8,fr;q=0.5")).await;
    let placed_none = checkout_from(&app, &token_none, None).await;
    let placed_de = checkout_from(&app, &token_de, Some("de-DE")).await;
    pay(&app, &token_en, &placed_en, VISA).await;
    pay(&app, &token_none, &placed_none, VISA).await;
    pay(&app, &token_de, &placed_de, VISA).await;

    assert_eq!(mails(&app, &browser_en, "Invoice INV-").await.len(), 1, "Accept-Language: en-GB over fr");
    // Le Djoor's default language is French.
    assert_eq!(mails(&app, &no_header, "Facture INV-").await.len(), 1, "no header: the shop's language");
    assert_eq!(mails(&app, &browser_de, "Facture INV-").await.len(), 1, "none of ours: the shop's language");
}

#[tokio::test]
async fn the_invoice_email_carries_what_a_french_invoice_must() {
    let app = spawn_app().await;
    let (email, token) = buyer_with_cart(&app, json!("fr")).await;
    let placed = checkout_from(&app, &token, None).await;
    pay(&app, &token, &placed, VISA).await;
    let order = app.order_when(&token, placed["order_id"].as_str().expect("order_id"), "paid").await;
    let number = order["invoice_number"].as_str().expect("an invoice number");
    let invoice = mails(&app, &email, "Facture INV-").await;
    assert_eq!(invoice.len(), 1);
    let body = text(&invoice[0]);
    // The seller, its VAT number and the buyer.
    assert!(body.contains("Vendeur : Le Djoor SAS, 12 rue de la Roquette, 75011 Paris, France"), "{body}");
    assert!(body.contains("N° TVA intracommunautaire : FR32123456789"), "{body}");
    assert!(body.contains(&format!("Client : {email}")), "{body}");
    // Its number and date (written in French).
    assert!(body.contains(&format!("Facture n° {number}")), "{body}");
    let date = body.lines().find(|l| l.starts_with("Date : ")).unwrap_or_default();
    assert!(FRENCH_MONTHS.iter().any(|m| date.contains(&format!(" {m} "))), "{date}");
    // The line with its rate and amounts; 59.80 TTC at 20 % is 49.83 HT and 9.97 of VAT.
    let line = body.lines().find(|l| l.starts_with("2 × ")).unwrap_or_default();
    assert!(line.contains("29,90 € TTC l'unité") && line.contains("TVA 20 %"), "{line}");
    assert!(line.contains("49,83 € HT") && line.contains("59,80 € TTC"), "{line}");
    for total in ["Total HT: 49,83 €", "TVA (20 %): 9,97 €", "Total TTC: 59,80 €"] {
        assert!(body.contains(total), "{total} in {body}");
    }
    let html = invoice[0]["html"].as_str().unwrap_or_default();
    assert!(html.contains("FR32123456789") && html.contains("49,83 €") && html.contains("9,97 €"), "{html}");
}

#[tokio::test]
async fn a_locale_is_fr_or_en_and_login_returns_it() {
    let app = spawn_app().await;
    let body =
        json!({"email": capsule_tests::unique_email("de"), "password": "password-123", "name": "De", "locale": "de"});
    let refused = app.post("/auth/signup", None, body).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(refused.code(), "invalid_request");
    assert_eq!(refused.body["error"]["details"]["field"], "/locale", "{}", refused.body);
    let (email, _) = app.customer_in("fr", json!("fr")).await;
    let login = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
    assert_eq!(login.body["user"]["locale"], "fr", "{}", login.body);
}

#[tokio::test]
async fn the_shop_names_itself_and_its_language_in_the_settings() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let settings = app.get("/admin/settings", Some(&admin)).await;
    assert_eq!(settings.body["default_locale"], "fr", "{}", settings.body);
    assert_eq!(settings.body["shop"]["name"], "Le Djoor");
    assert_eq!(settings.body["shop"]["vat_number"], "FR32123456789");
    let mut changed = settings.body.clone();
    changed["default_locale"] = json!("en");
    changed["shop"]["legal_name"] = json!("Le Djoor SARL");
    let put = app.call(reqwest::Method::PUT, "/admin/settings", Some(&admin), Some(changed)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let read = app.get("/admin/settings", Some(&admin)).await;
    assert_eq!(
        (read.body["default_locale"].as_str(), read.body["shop"]["legal_name"].as_str()),
        (Some("en"), Some("Le Djoor SARL"))
    );
    let mut bad = read.body.clone();
    bad["default_locale"] = json!("de");
    let refused = app.call(reqwest::Method::PUT, "/admin/settings", Some(&admin), Some(bad)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
}

/// The hosted page of a placed order, as a browser without preferences reads it.
async fn page(app: &TestApp, placed: &Value) -> String {
    let url = placed["redirect_url"].as_str().expect("redirect_url");
    app.client.get(url).send().await.expect("the page").text().await.unwrap_or_default()
}

#[tokio::test]
async fn the_payment_page_speaks_the_buyers_language_and_names_the_shop() {
    let app = spawn_app().await;
    let (french_email, french_token) = buyer_with_cart(&app, json!("fr")).await;
    let (_, english_token) = buyer_with_cart(&app, Value::Null).await;
    let french = checkout_from(&app, &french_token, None).await;
    let english = checkout_from(&app, &english_token, Some("en-GB")).await;
    let html = page(&app, &french).await;
    assert!(
        html.contains(r#"<html lang="fr">"#) && html.contains("Payer 59,80 €") && html.contains("Le Djoor"),
        "{html}"
    );
    assert!(html.contains(&format!("Commande {} (2 articles)", reference(&french))), "{html}");
    assert!(html.contains("Numéro de carte") && !html.contains("Card number"), "{html}");
    let html = page(&app, &english).await;
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Pay €59.80") && html.contains("Le Djoor"), "{html}");
    assert!(html.contains(&format!("Order {} (2 items)", reference(&english))), "{html}");

    // A refused field is explained in the buyer's language.
    let url = french["redirect_url"].as_str().expect("redirect_url");
    let (status, _, html) = app.pay(url, &card_form("1234")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Le numéro de carte n'est pas valide"), "{html}");
    // A decline too, and the email repeats it.
    let (status, location, _) = app.pay(url, &card_form(DECLINED)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.order_when(&french_token, french["order_id"].as_str().expect("order_id"), "payment_failed").await;
    let back = app.client.get(app.url(&location.expect("a return page"))).send().await.expect("the page");
    let html = back.text().await.unwrap_or_default();
    assert!(html.contains("Paiement refusé") && html.contains("Votre carte a été refusée."), "{html}");
    let failed = mails(&app, &french_email, "Paiement refusé").await;
    assert!(failed.len() == 1 && text(&failed[0]).contains("Votre carte a été refusée."), "{failed:?}");
}

#[tokio::test]
async fn a_missing_payment_page_answers_in_the_browsers_language() {
    let app = spawn_app().await;
    let missing = app.url("/portal/sessions/ps_missing");
    let french = app.client.get(&missing).header("accept-language", "fr-FR").send().await.expect("the page");
    assert_eq!(french.status(), StatusCode::NOT_FOUND);
    assert!(french.text().await.unwrap_or_default().contains("Cette page de paiement n'existe pas."));
    let english = app.client.get(&missing).header("accept-language", "en").send().await.expect("the page");
    assert!(english.text().await.unwrap_or_default().contains("This payment page does not exist."));
}

/// The `{name}` marks of a text.
fn marks(text: &str) -> std::collections::BTreeSet<String> {
    text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string())).collect()
}

/// A `"key": "value",` (or `Key: "value",`) line of the dictionary.
fn entry(line: &str) -> Option<(String, String)> {
    let unquote = |s: &str| serde_json::from_str::<String>(s).ok();
    let (key, rest) = match line.strip_prefix('"') {
        // The key's closing quote: the first one no backslash escapes.
        Some(quoted) => {
            let mut escaped = false;
            let end = quoted.char_indices().find(|(_, c)| {
                let closing = *c == '"' && !escaped;
                escaped = *c == '\\' && !escaped;
                closing
            })?;
            (unquote(&line[..end.0 + 2])?, &quoted[end.0 + 1..])
        }
        None => {
            let (key, rest) = line.split_once(':')?;
            (key.chars().all(char::is_alphanumeric).then(|| key.to_string())?, rest)
        }
    };
    let value = rest.trim_start_matches(':').trim().trim_end_matches(',');
    Some((key, unquote(value)?))
}

/// Every text the storefront passes to `t("…")` is said in French (`storefront/src/i18n.ts`),
/// with the same `{values}`; and nothing is translated that the page no longer says.
#[test]
fn the_storefront_says_every_text_in_french_with_the_same_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../storefront");
    let dictionary = std::fs::read_to_string(root.join("src/i18n.ts")).expect("i18n.ts");
    let french: std::collections::BTreeMap<String, String> =
        dictionary.lines().filter_map(|line| entry(line.trim())).collect();
    assert!(french.len() > 150, "{}", french.len());
    for (english, said) in &french {
        assert_eq!(marks(english), marks(said), "{english:?} and {said:?} name other values");
    }
    let mut sources = vec![root.join("index.html")];
    for dir in ["src", "src/views"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("sources") {
            sources.push(entry.expect("entry").path());
        }
    }
    let mut used = std::collections::BTreeSet::new();
    for path in sources.iter().filter(|p| p.extension().is_some_and(|e| e == "ts" || e == "html")) {
        let source = std::fs::read_to_string(path).expect("source");
        for opening in ["t(\"", "data-t=\"", "data-t-label=\""] {
            for (at, _) in source.match_indices(opening) {
                // `t(` itself, not `split(` or `format(`.
                let before = source[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' || before == '.' {
                    continue;
                }
                let rest = &source[at + opening.len()..];
                let literal = rest.split('"').next().unwrap_or_default();
                used.insert(serde_json::from_str::<String>(&format!("\"{literal}\"")).expect("a text"));
            }
        }
    }
    used.remove("");
    let untranslated: Vec<&String> = used.iter().filter(|t| !french.contains_key(*t)).collect();
    assert!(untranslated.is_empty(), "no French for {untranslated:?}");
}

#[tokio::test]
async fn an_account_changes_its_language_and_its_next_emails_follow() {
    let app = spawn_app().await;
    let (email, token) = buyer_with_cart(&app, json!("fr")).await;
    let patch = |body: Value, token: Option<String>| {
        let app = &app;
        async move { app.call(reqwest::Method::PATCH, "/account", token.as_deref(), Some(body)).await }
    };
    let changed = patch(json!({"locale": "en"}), Some(token.clone())).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!((changed.body["locale"].as_str(), changed.body["email"].as_str()), (Some("en"), Some(email.as_str())));
    assert_eq!(app.get("/account", Some(&token)).await.body["locale"], "en");
    let login = app.post("/auth/login", None, json!({"email": email, "password": "password-123"})).await;
    assert_eq!(login.body["user"]["locale"], "en", "login reads it too");

    let refused = patch(json!({"locale": "de"}), Some(token.clone())).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "invalid_request"));
    assert_eq!(refused.body["error"]["details"]["field"], "/locale", "{}", refused.body);
    assert_eq!(patch(json!({"locale": "fr"}), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/account", Some(&token)).await.body["locale"], "en", "a refused change changes nothing");

    // The browser prefers French; the account's English wins.
    let placed = checkout_from(&app, &token, Some("fr-FR")).await;
    pay(&app, &token, &placed, VISA).await;
    assert_eq!(mails(&app, &email, "Invoice INV-").await.len(), 1, "{:?}", app.emails_to(&email).await);
}

#[tokio::test]
async fn an_orders_steps_and_partial_refund_are_told_in_the_language_it_was_placed_in() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (email, token) = buyer_with_cart(&app, json!("fr")).await;
    let placed = checkout_from(&app, &token, None).await;
    pay(&app, &token, &placed, VISA).await;
    let id = placed["order_id"].as_str().expect("order_id");
    for status in ["preparing", "ready_for_pickup"] {
        let step = app.post(&format!("/admin/orders/{id}/fulfilment"), Some(&admin), json!({"status": status})).await;
        assert_eq!(step.status, StatusCode::OK, "{status}: {}", step.body);
    }
    let body = json!({"idempotency_key": "lang-1", "amount_cents": 500});
    let refunded = app.post(&format!("/admin/orders/{id}/refunds"), Some(&admin), body).await;
    assert_eq!(refunded.status, StatusCode::CREATED, "{}", refunded.body);

    let reference = reference(&placed);
    let ready = mails(&app, &email, "Commande prête à être retirée").await;
    assert_eq!(ready.len(), 1, "{:?}", app.emails_to(&email).await);
    assert_eq!(ready[0]["subject"], format!("Commande prête à être retirée — commande {reference}"));
    assert!(text(&ready[0]).contains("Point relais"), "the pickup point, in French: {}", text(&ready[0]));
    assert_eq!(mails(&app, &email, "Commande en préparation").await.len(), 1);
    let refund = mails(&app, &email, "Remboursement").await;
    assert_eq!(refund.len(), 1, "{:?}", app.emails_to(&email).await);
    assert!(text(&refund[0]).starts_with("5,00 € de votre commande"), "{}", text(&refund[0]));
    let english = app.emails_to(&email).await;
    assert!(english.iter().all(|m| !m["subject"].as_str().unwrap_or_default().starts_with("Order")), "{english:?}");
}
