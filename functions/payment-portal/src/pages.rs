//! The HTML of the hosted payment portal: the payment page, the return page and plain
//! message pages. Pure rendering, no I/O; every value is escaped by maud.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped, DOCTYPE};
pub use shared::domain::format_amount;
use shared::payments::methods::{self, FieldError, FormState, PaymentMethodKind};

pub struct PaymentPage<'a> {
    pub session_id: &'a str,
    pub merchant: &'a str,
    pub description: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    /// RFC 3339; shown as "Pay before HH:MM UTC".
    pub expires_at: &'a str,
    /// Show the "Save this payment method" box.
    pub allow_save: bool,
    /// The id of the method kind whose form comes first.
    pub selected_method: &'a str,
    pub errors: &'a [FieldError],
    /// A message about the whole form (a decline, for instance).
    pub form_error: Option<&'a str>,
    /// The submitted form, to refill it after an error. The card number and CVC are never
    /// refilled.
    pub values: &'a HashMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    Failed { reason: String },
    Processing,
    Expired,
    Unknown,
}

impl Outcome {
    fn as_str(&self) -> &'static str {
        match self {
            Outcome::Paid => "paid",
            Outcome::Failed { .. } => "failed",
            Outcome::Processing => "processing",
            Outcome::Expired => "expired",
            Outcome::Unknown => "unknown",
        }
    }
}

pub struct ReturnPage<'a> {
    pub merchant: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub order_id: Option<&'a str>,
    pub outcome: Outcome,
}

pub fn payment_page(page: &PaymentPage) -> String {
    let amount = format_amount(page.amount_cents, page.currency);
    let action = format!("/portal/sessions/{}", page.session_id);
    // An error on a field no form shows goes at the top.
    let shown = |name: &str| methods::REGISTRY.iter().flat_map(|k| k.fields()).any(|f| f.name == name);
    let stray_errors: Vec<&FieldError> = page.errors.iter().filter(|e| !shown(e.field)).collect();
    let selected = methods::kind(page.selected_method);
    let others = methods::REGISTRY.iter().copied().filter(|k| k.id() != page.selected_method);

    let body = html! {
        main.panel data-page="payment" {
            header.summary {
                p.merchant { (page.merchant) }
                p.description { (page.description) }
                p.amount { (amount) }
                @if let Some(deadline) = pay_before(page.expires_at) {
                    p.deadline { "Pay before " (deadline) " UTC" }
                }
            }
            @if page.form_error.is_some() || !page.errors.is_empty() {
                div.alert role="alert" {
                    @if let Some(message) = page.form_error {
                        p { (message) }
                    }
                    @for error in &stray_errors {
                        p { (error.message) }
                    }
                    @if !page.errors.is_empty() && page.errors.len() > stray_errors.len() {
                        p { "Please check the fields marked below." }
                    }
                }
            }
            @for kind in selected.into_iter().chain(others) {
                (method_form(page, kind, &action, &amount))
            }
            (sandbox_notice())
        }
        p.secure { "Payment page of the sandbox provider for " (page.merchant) }
    };
    layout(&format!("Pay {amount} — {}", page.merchant), None, body)
}

pub fn return_page(page: &ReturnPage) -> String {
    let amount = format_amount(page.amount_cents, page.currency);
    let (title, body) = match &page.outcome {
        Outcome::Paid => (
            "Payment received",
            html! {
                p.amount { (amount) }
                p {
                    "Your order "
                    @if let Some(order_id) = page.order_id { strong { (order_id) } " " }
                    "is confirmed; your invoice is on its way by email."
                }
            },
        ),
        Outcome::Failed { reason } => (
            "Payment failed",
            html! {
                p.reason { (reason) }
                p { "Nothing was charged. The items are back in your cart, so you can try again." }
            },
        ),
        Outcome::Processing => (
            "Payment processing…",
            html! {
                p { "We are confirming your payment of " (amount) " with " (page.merchant) "." }
                p.muted { "This page refreshes by itself; it only takes a few seconds." }
            },
        ),
        Outcome::Expired => (
            "This payment session has expired",
            html! {
                p { "Nothing was charged. The items are back in your cart: check out again to pay." }
            },
        ),
        Outcome::Unknown => (
            "We could not find this payment",
            html! {
                p { "If you paid, you will receive a confirmation by email. Otherwise, check out again from the shop." }
            },
        ),
    };
    let refresh = matches!(page.outcome, Outcome::Processing).then(|| html! { meta http-equiv="refresh" content="2"; });
    let body = html! {
        main.panel data-outcome=(page.outcome.as_str()) {
            p.merchant { (page.merchant) }
            h1 { (title) }
            (body)
        }
    };
    layout(&format!("{title} — {}", page.merchant), refresh, body)
}

pub fn message_page(title: &str, message: &str) -> String {
    let body = html! {
        main.panel data-page="message" {
            h1 { (title) }
            p { (message) }
        }
    };
    layout(title, None, body)
}

/// "HH:MM" in UTC, or `None` when the stored time is not RFC 3339.
fn pay_before(expires_at: &str) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(expires_at).ok()?.with_timezone(&Utc);
    Some(at.format("%H:%M").to_string())
}

/// A kind's form: its own fields, inside what every method's form has (its heading, the
/// hidden `method`, the save box, the pay button).
fn method_form(page: &PaymentPage, kind: &dyn PaymentMethodKind, action: &str, amount: &str) -> Markup {
    let slug = kind.html_id();
    let heading = format!("{slug}-heading");
    let form = FormState { errors: page.errors, values: page.values };
    html! {
        section.method id=(format!("method-{slug}")) aria-labelledby=(heading) {
            h2 id=(heading) { (kind.display_name()) }
            form method="post" action=(action) novalidate {
                input type="hidden" name="method" value=(kind.id());
                (kind.form_fields(&form))
                @if page.allow_save { (save_box(page, &format!("save-{slug}"))) }
                button.pay id=(format!("pay-{slug}")) type="submit" { "Pay " (amount) }
            }
        }
    }
}

fn save_box(page: &PaymentPage, id: &str) -> Markup {
    let checked = page.values.get("save").is_some_and(|v| v == "on");
    html! {
        div.save {
            input type="checkbox" id=(id) name="save" value="on" checked[checked];
            label for=(id) { "Save this payment method for next time" }
        }
    }
}

fn sandbox_notice() -> Markup {
    html! {
        aside.sandbox aria-labelledby="sandbox-heading" {
            h2 #sandbox-heading { "Sandbox — test payments only" }
            p {
                "No real money moves."
                @for hint in methods::REGISTRY.iter().filter_map(|k| k.sandbox_hint()) {
                    " " (hint)
                }
            }
            ul {
                @for kind in methods::REGISTRY {
                    (kind.test_outcomes())
                }
            }
        }
    }
}

fn layout(title: &str, head_extra: Option<Markup>, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                @if let Some(extra) = head_extra { (extra) }
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// Fixed stylesheet (no user input, hence `PreEscaped`).
const STYLE: &str = "\
*,*::before,*::after{box-sizing:border-box}\
body{margin:0;padding:24px 16px;background:#f3f4f6;color:#111827;\
font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\
.panel{max-width:440px;margin:0 auto;background:#fff;border:1px solid #e5e7eb;border-radius:12px;\
padding:24px;box-shadow:0 1px 3px rgba(0,0,0,.08)}\
h1{font-size:1.4rem;margin:.25rem 0 1rem}\
h2{font-size:1.05rem;margin:0 0 .75rem}\
.summary{text-align:center;border-bottom:1px solid #e5e7eb;padding-bottom:16px;margin-bottom:16px}\
.merchant{font-weight:600;margin:0;color:#374151}\
.description{margin:.25rem 0;color:#4b5563}\
.amount{font-size:2.2rem;font-weight:700;margin:.25rem 0;white-space:nowrap}\
.deadline,.muted,.secure{color:#4b5563;font-size:.9rem;margin:.25rem 0}\
.secure{text-align:center;margin-top:16px}\
.alert{background:#fef2f2;border:1px solid #fca5a5;color:#991b1b;border-radius:8px;padding:8px 12px;margin-bottom:16px}\
.alert p{margin:.25rem 0}\
.method{border:1px solid #e5e7eb;border-radius:10px;padding:16px;margin-bottom:16px}\
.field{margin-bottom:12px;min-width:0}\
.row{display:grid;grid-template-columns:1fr 1fr 1fr;gap:8px}\
label{display:block;font-weight:600;font-size:.9rem;margin-bottom:4px}\
input[type=text],input[type=tel]{width:100%;padding:10px 12px;font:inherit;color:inherit;\
border:1px solid #9ca3af;border-radius:6px;background:#fff}\
input:focus{outline:2px solid #2563eb;outline-offset:1px;border-color:#2563eb}\
input[aria-invalid=true]{border-color:#b91c1c;background:#fff7f7}\
.error{color:#b91c1c;font-size:.875rem;margin:4px 0 0}\
.save{display:flex;align-items:center;gap:8px;margin:4px 0 12px}\
.save label{display:inline;font-weight:400;margin:0}\
.save input{width:18px;height:18px}\
.pay{width:100%;padding:12px;font:inherit;font-weight:700;color:#fff;background:#1d4ed8;border:0;\
border-radius:8px;cursor:pointer;white-space:nowrap}\
.pay:hover,.pay:focus{background:#1e40af}\
.sandbox{background:#fffbeb;border:1px solid #fcd34d;border-radius:10px;padding:12px 16px;font-size:.9rem}\
.sandbox h2{font-size:.95rem;color:#92400e}\
.sandbox ul{margin:.5rem 0 0;padding-left:1.1rem}\
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:nowrap}\
@media (max-width:380px){.panel{padding:16px}.row{grid-template-columns:1fr 1fr}}";

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn render(
        selected: &str,
        errors: &[FieldError],
        form_error: Option<&str>,
        values: &HashMap<String, String>,
    ) -> String {
        payment_page(&PaymentPage {
            session_id: "ps_123",
            merchant: "Capsule",
            description: "Order 3f2a… (4 items)",
            amount_cents: 2490,
            currency: "EUR",
            expires_at: "2026-03-15T14:32:05Z",
            allow_save: true,
            selected_method: selected,
            errors,
            form_error,
            values,
        })
    }

    fn error(field: &'static str, message: &str) -> FieldError {
        FieldError::new(field, message)
    }

    #[test]
    fn amounts_are_shown_in_euros_with_a_comma() {
        assert_eq!(format_amount(2490, "EUR"), "24,90 €");
        assert_eq!(format_amount(5, "EUR"), "0,05 €");
        assert_eq!(format_amount(0, "EUR"), "0,00 €");
        assert_eq!(format_amount(123_400, "EUR"), "1234,00 €");
        assert_eq!(format_amount(-150, "EUR"), "-1,50 €");
        assert_eq!(format_amount(999, "USD"), "9,99 USD");
    }

    #[test]
    fn payment_page_has_a_form_per_method_posting_to_the_session() {
        let html = render("card", &[], None, &HashMap::new());
        assert_eq!(html.matches(r#"<form method="post" action="/portal/sessions/ps_123""#).count(), 2);
        assert!(html.contains(r#"<input type="hidden" name="method" value="card">"#));
        assert!(html.contains(r#"<input type="hidden" name="method" value="crina_pay">"#));
        for id in [
            "card_number",
            "exp_month",
            "exp_year",
            "cvc",
            "holder_name",
            "phone",
            "pay-card",
            "pay-crina",
            "save-card",
            "save-crina",
        ] {
            assert_eq!(html.matches(&format!(r#"id="{id}""#)).count(), 1, "id {id} once");
        }
        assert!(html.contains(r#"autocomplete="cc-number""#));
        assert!(html.contains(r#"inputmode="numeric""#));
        assert!(html.contains(r#"autocomplete="cc-csc""#));
        assert!(html.contains(r#"autocomplete="cc-name""#));
        assert!(html.contains(r#"type="tel""#));
        assert_eq!(html.matches(r#"name="save" value="on""#).count(), 2);
        assert_eq!(html.matches("Pay 24,90 €</button>").count(), 2);
        assert!(html.contains("<title>Pay 24,90 € — Capsule</title>"));
        assert!(html.contains("Pay before 14:32 UTC"));
        assert!(html.contains("Sandbox — test payments only"));
        assert!(html.contains(r#"name="viewport""#));
        assert!(!html.contains("role=\"alert\""));
    }

    #[test]
    fn payment_page_renders_one_form_section_per_registered_method() {
        let html = render("card", &[], None, &HashMap::new());
        assert_eq!(html.matches(r#"<section class="method""#).count(), methods::REGISTRY.len());
        for kind in methods::REGISTRY {
            let (slug, id) = (kind.html_id(), kind.id());
            assert_eq!(html.matches(&format!(r#"<section class="method" id="method-{slug}""#)).count(), 1, "{id}");
            assert!(html.contains(&format!(r#"<h2 id="{slug}-heading">{}</h2>"#, kind.display_name())));
            assert!(html.contains(&format!(r#"<input type="hidden" name="method" value="{id}">"#)));
        }
    }

    #[test]
    fn an_error_on_a_field_no_form_shows_goes_to_the_top() {
        let html = render("card", &[error("method", "Pick one")], None, &HashMap::new());
        assert!(html.contains(r#"<div class="alert" role="alert"><p>Pick one</p></div>"#));
        assert!(!html.contains(r#"aria-invalid="true""#));
    }

    #[test]
    fn selected_method_comes_first_and_save_box_follows_the_session() {
        let card_first = render("card", &[], None, &HashMap::new());
        let crina_first = render("crina_pay", &[], None, &HashMap::new());
        let position = |html: &str, needle: &str| html.find(needle).unwrap_or(usize::MAX);
        assert!(position(&card_first, "id=\"pay-card\"") < position(&card_first, "id=\"pay-crina\""));
        assert!(position(&crina_first, "id=\"pay-crina\"") < position(&crina_first, "id=\"pay-card\""));

        let no_save = payment_page(&PaymentPage {
            session_id: "ps_1",
            merchant: "Capsule",
            description: "Order",
            amount_cents: 100,
            currency: "EUR",
            expires_at: "not a time",
            allow_save: false,
            selected_method: "card",
            errors: &[],
            form_error: None,
            values: &HashMap::new(),
        });
        assert!(!no_save.contains(r#"name="save""#));
        assert!(!no_save.contains("Pay before"));
    }

    #[test]
    fn field_errors_are_shown_next_to_their_field() {
        let errors = [error("card_number", "Card number is not valid"), error("exp_month", "This card has expired")];
        let html = render("card", &errors, Some("Your card was declined."), &HashMap::new());
        assert_eq!(html.matches(r#"aria-invalid="true""#).count(), 2);
        assert!(html.contains(r#"<p class="error" id="card_number-error">Card number is not valid</p>"#));
        assert!(html.contains(r#"aria-describedby="card_number-error""#));
        assert!(html.contains(r#"<p class="error" id="exp_month-error">This card has expired</p>"#));
        let alert = html.find(r#"role="alert""#).unwrap_or(usize::MAX);
        let declined = html.find("Your card was declined.").unwrap_or(0);
        assert!(alert < declined && declined < html.find("id=\"card_number\"").unwrap_or(0));
    }

    #[test]
    fn card_number_and_cvc_are_never_refilled() {
        let submitted = values(&[
            ("card_number", "4242424242424242"),
            ("cvc", "987"),
            ("holder_name", "Ada Lovelace"),
            ("exp_month", "12"),
            ("exp_year", "2030"),
            ("phone", "+33612345678"),
            ("save", "on"),
        ]);
        let html = render("card", &[error("cvc", "Security code (CVC) must be 3 or 4 digits")], None, &submitted);
        assert!(!html.contains("4242424242424242"));
        assert!(!html.contains("987"));
        assert!(html.contains(r#"value="Ada Lovelace""#));
        assert!(html.contains(r#"value="12""#));
        assert!(html.contains(r#"value="2030""#));
        assert!(html.contains(r#"value="+33612345678""#));
        assert_eq!(html.matches("checked").count(), 2);
    }

    #[test]
    fn user_input_is_escaped() {
        let submitted = values(&[("holder_name", "<script>alert(1)</script>\"")]);
        let html = render("card", &[], Some("<b>nope</b>"), &submitted);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
        assert!(html.contains("&lt;b&gt;nope&lt;/b&gt;"));

        let page = message_page("<i>Gone</i>", "a & b");
        assert!(page.contains("&lt;i&gt;Gone&lt;/i&gt;") && page.contains("a &amp; b"));
    }

    fn outcome_page(outcome: Outcome) -> String {
        return_page(&ReturnPage {
            merchant: "Capsule",
            amount_cents: 2490,
            currency: "EUR",
            order_id: Some("ord_42"),
            outcome,
        })
    }

    #[test]
    fn return_page_tells_the_outcome() {
        let paid = outcome_page(Outcome::Paid);
        assert!(paid.contains(r#"data-outcome="paid""#));
        assert!(paid.contains("Payment received"));
        assert!(paid.contains("Your order <strong>ord_42</strong> is confirmed; your invoice is on its way by email."));

        let failed = outcome_page(Outcome::Failed { reason: "Your card was declined.".to_owned() });
        assert!(failed.contains(r#"data-outcome="failed""#));
        assert!(failed.contains("Payment failed") && failed.contains("Your card was declined."));
        assert!(failed.contains("back in your cart"));

        let processing = outcome_page(Outcome::Processing);
        assert!(processing.contains(r#"data-outcome="processing""#));
        assert!(processing.contains("Payment processing…"));
        assert!(processing.contains(r#"<meta http-equiv="refresh" content="2">"#));

        let expired = outcome_page(Outcome::Expired);
        assert!(expired.contains(r#"data-outcome="expired""#) && expired.contains("This payment session has expired"));
        assert!(outcome_page(Outcome::Unknown).contains(r#"data-outcome="unknown""#));

        for page in [paid, failed, expired, outcome_page(Outcome::Unknown)] {
            assert!(!page.contains("http-equiv=\"refresh\""));
        }
    }
}
