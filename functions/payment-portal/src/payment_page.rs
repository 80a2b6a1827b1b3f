//! The hosted payment page: the amount, then one form per registered payment method kind
//! (the buyer's choice first), then the sandbox's test inputs.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped};
use shared::domain::Locale;
use shared::i18n::{self, label, text};
use shared::payments::methods::{self, FieldError, FormState, PaymentMethodKind};

use crate::layout::{back_link, document, summary};

pub struct PaymentPage<'a> {
    pub session_id: &'a str,
    pub merchant: &'a str,
    pub description: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    /// Shown as "Pay before HH:MM UTC".
    pub expires_at: DateTime<Utc>,
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
    /// The storefront's way back (`cancel_url` naming the order), when it gave one.
    pub back_url: Option<&'a str>,
    /// The buyer's language.
    pub locale: Locale,
    /// Who takes the kinds Capsule does not serve itself (cards).
    pub cards: Cards<'a>,
}

/// How the page takes a card.
#[derive(Clone, Copy)]
pub enum Cards<'a> {
    /// The sandbox's own form (no real money).
    Sandbox,
    /// Stripe Elements, in the buyer's browser: never through our forms.
    Stripe(StripeCard<'a>),
    /// Stripe mode, but this session has no PaymentIntent: only Capsule's own kinds.
    NotOffered,
}

/// Stripe Elements on the page: the publishable key, the PaymentIntent's client secret,
/// where Stripe.js comes from and where the buyer goes once Stripe took the payment.
#[derive(Clone, Copy)]
pub struct StripeCard<'a> {
    pub js_url: &'a str,
    pub publishable_key: &'a str,
    pub client_secret: &'a str,
    pub return_url: &'a str,
    /// The PaymentIntent has its card and awaits the buyer's 3-D Secure only (a saved card
    /// at one-click checkout): no card to enter, Stripe.js shows the challenge.
    pub authenticate: bool,
    /// The card to confirm it with again (an off-session charge's, which asked for 3-D
    /// Secure): `confirmCardPayment` names it.
    pub payment_method: Option<&'a str>,
    /// A SetupIntent (a subscription's first card): saved by `confirmCardSetup`, not paid.
    pub setup: bool,
}

/// The page's one script: mounts the card Element and confirms the PaymentIntent with it
/// (3-D Secure included); the card never leaves Stripe's frame. Allowed by its hash.
pub const STRIPE_SCRIPT: &str = r##"(function () {
  var form = document.getElementById("stripe-card-form");
  if (!form || typeof Stripe !== "function") { return; }
  var stripe = Stripe(form.dataset.key, { locale: document.documentElement.lang });
  var authenticate = form.dataset.action === "authenticate";
  var card = authenticate ? null : stripe.elements().create("card");
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("pay-card");
  if (card) { card.mount("#card-element"); }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    var data = card ? { payment_method: { card: card } }
      : form.dataset.method ? { payment_method: form.dataset.method } : undefined;
    var confirm = form.dataset.action === "setup" ? stripe.confirmCardSetup : stripe.confirmCardPayment;
    confirm.call(stripe, form.dataset.secret, data).then(function (result) {
      if (result.error && !result.error.payment_intent && !result.error.setup_intent) {
        errors.textContent = result.error.message || form.dataset.check;
        button.disabled = false;
        return;
      }
      window.location.assign(form.dataset.return);
    });
  });
})();"##;

impl PaymentPage<'_> {
    pub fn render(&self) -> String {
        let locale = self.locale;
        let amount = i18n::money(locale, self.amount_cents, self.currency);
        let action = format!("/portal/sessions/{}", self.session_id);
        // An error on a field no form shows goes at the top.
        let shown = |name: &str| methods::REGISTRY.iter().flat_map(|k| k.fields()).any(|f| f.name == name);
        let stray_errors: Vec<&FieldError> = self.errors.iter().filter(|e| !shown(e.field)).collect();
        let selected = methods::kind(self.selected_method);
        let others = methods::REGISTRY.iter().copied().filter(|k| k.id() != self.selected_method);

        let deadline = text(locale, "pay-before", &[("time", self.expires_at.format("%H:%M").to_string().into())]);
        let body = html! {
            main.panel data-page="payment" {
                (summary(self.merchant, self.description, &amount, Some(deadline)))
                @if self.form_error.is_some() || !self.errors.is_empty() {
                    div.alert role="alert" {
                        @if let Some(message) = self.form_error {
                            p { (message) }
                        }
                        @for error in &stray_errors {
                            p { (label(locale, &error.message)) }
                        }
                        @if !self.errors.is_empty() && self.errors.len() > stray_errors.len() {
                            p { (label(locale, "check-fields")) }
                        }
                    }
                }
                @for kind in selected.into_iter().chain(others) {
                    @match (self.cards, kind.served_by_capsule()) {
                        (Cards::Stripe(stripe), false) => (stripe_form(locale, kind, stripe, &amount)),
                        (Cards::NotOffered, false) => {}
                        _ => (method_form(self, kind, &action, &amount)),
                    }
                }
                @if let Cards::Sandbox = self.cards { (sandbox_notice(locale)) }
                @if let Some(url) = self.back_url { (back_link(locale, url)) }
            }
            @let footer = match self.cards {
                Cards::Sandbox => "secure-footer",
                _ => "stripe-footer",
            };
            p.secure { (text(locale, footer, &[("shop", self.merchant.into())])) }
        };
        let stripe = match self.cards {
            Cards::Stripe(stripe) => Some(stripe),
            _ => None,
        };
        let head = stripe.map(|stripe| html! { script src=(stripe.js_url) {} });
        let script = stripe.map(|_| html! { script { (PreEscaped(STRIPE_SCRIPT)) } });
        let body = html! { (body) @if let Some(script) = script { (script) } };
        let title = text(locale, "page-title", &[("amount", amount.as_str().into()), ("shop", self.merchant.into())]);
        document(locale, &title, head, body)
    }
}

/// A kind's form: its own fields, inside what every method's form has (its heading, the
/// hidden `method`, the save box, the pay button).
fn method_form(page: &PaymentPage, kind: &dyn PaymentMethodKind, action: &str, amount: &str) -> Markup {
    let slug = kind.html_id();
    let heading = format!("{slug}-heading");
    let form = FormState { errors: page.errors, values: page.values, locale: page.locale };
    html! {
        section.method id=(format!("method-{slug}")) aria-labelledby=(heading) {
            h2 id=(heading) { (label(page.locale, kind.display_name())) }
            form method="post" action=(action) novalidate {
                input type="hidden" name="method" value=(kind.id());
                (kind.form_fields(&form))
                @if page.allow_save { (save_box(page, &format!("save-{slug}"))) }
                button.pay id=(format!("pay-{slug}")) type="submit" { (text(page.locale, "pay-button", &[("amount", amount.into())])) }
            }
        }
    }
}

/// A kind Stripe takes: its Element, mounted by `STRIPE_SCRIPT`; the form posts nothing.
fn stripe_form(locale: Locale, kind: &dyn PaymentMethodKind, stripe: StripeCard, amount: &str) -> Markup {
    let slug = kind.html_id();
    let heading = format!("{slug}-heading");
    let (action, button) = match (stripe.authenticate, stripe.setup) {
        (true, _) => ("authenticate", "confirm-button"),
        (false, true) => ("setup", "pay-button"),
        (false, false) => ("pay", "pay-button"),
    };
    html! {
        section.method id=(format!("method-{slug}")) aria-labelledby=(heading) {
            h2 id=(heading) { (label(locale, kind.display_name())) }
            form #stripe-card-form data-key=(stripe.publishable_key) data-secret=(stripe.client_secret)
                data-return=(stripe.return_url) data-action=(action) data-check=(label(locale, "check-card"))
                data-method=[stripe.payment_method] {
                @if stripe.authenticate {
                    p { (label(locale, "bank-confirms")) }
                } @else {
                    div #card-element {}
                }
                p.error #card-errors role="alert" {}
                button.pay id=(format!("pay-{slug}")) type="submit" { (text(locale, button, &[("amount", amount.into())])) }
            }
        }
    }
}

fn save_box(page: &PaymentPage, id: &str) -> Markup {
    let checked = page.values.get("save").is_some_and(|v| v == "on");
    html! {
        div.save {
            input type="checkbox" id=(id) name="save" value="on" checked[checked];
            label for=(id) { (label(page.locale, "save-method")) }
        }
    }
}

fn sandbox_notice(locale: Locale) -> Markup {
    html! {
        aside.sandbox aria-labelledby="sandbox-heading" {
            h2 #sandbox-heading { (label(locale, "sandbox-heading")) }
            p {
                (label(locale, "sandbox-intro"))
                @for hint in methods::REGISTRY.iter().filter_map(|k| k.sandbox_hint()) {
                    " " (label(locale, hint))
                }
            }
            ul {
                @for kind in methods::REGISTRY {
                    (kind.test_outcomes(locale))
                }
            }
        }
    }
}

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
        PaymentPage {
            session_id: "ps_123",
            merchant: "Capsule",
            description: "Order 3f2a… (4 items)",
            amount_cents: 2490,
            currency: "EUR",
            expires_at: "2026-03-15T14:32:05Z".parse().expect("a time"),
            allow_save: true,
            selected_method: selected,
            errors,
            form_error,
            values,
            back_url: None,
            locale: Locale::En,
            cards: Cards::Sandbox,
        }
        .render()
    }

    fn error(field: &'static str, message: &str) -> FieldError {
        FieldError::new(field, message)
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
        assert_eq!(html.matches("Pay €24.90</button>").count(), 2);
        assert!(html.contains("<title>Pay €24.90 — Capsule</title>"));
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
            assert!(
                html.contains(&format!(r#"<h2 id="{slug}-heading">{}</h2>"#, label(Locale::En, kind.display_name())))
            );
            assert!(html.contains(&format!(r#"<input type="hidden" name="method" value="{id}">"#)));
        }
    }

    #[test]
    fn an_error_on_a_field_no_form_shows_goes_to_the_top() {
        let html = render("card", &[error("method", "choose-method")], None, &HashMap::new());
        assert!(html.contains(r#"<div class="alert" role="alert"><p>Choose a payment method.</p></div>"#));
        assert!(!html.contains(r#"aria-invalid="true""#));
    }

    #[test]
    fn selected_method_comes_first_and_save_box_follows_the_session() {
        let card_first = render("card", &[], None, &HashMap::new());
        let crina_first = render("crina_pay", &[], None, &HashMap::new());
        let position = |html: &str, needle: &str| html.find(needle).unwrap_or(usize::MAX);
        assert!(position(&card_first, "id=\"pay-card\"") < position(&card_first, "id=\"pay-crina\""));
        assert!(position(&crina_first, "id=\"pay-crina\"") < position(&crina_first, "id=\"pay-card\""));

        let no_save = PaymentPage {
            session_id: "ps_1",
            merchant: "Capsule",
            description: "Order",
            amount_cents: 100,
            currency: "EUR",
            expires_at: "2026-03-15T09:05:00Z".parse().expect("a time"),
            allow_save: false,
            selected_method: "card",
            errors: &[],
            form_error: None,
            values: &HashMap::new(),
            back_url: Some("https://shop.example/cart?order_id=o-1"),
            locale: Locale::En,
            cards: Cards::Sandbox,
        }
        .render();
        assert!(!no_save.contains(r#"name="save""#));
        assert!(no_save.contains("Pay before 09:05 UTC"));
        assert!(no_save.contains(r#"<a id="back-to-shop" href="https://shop.example/cart?order_id=o-1">"#));
        assert!(!card_first.contains("back-to-shop"));
    }

    #[test]
    fn field_errors_are_shown_next_to_their_field() {
        let errors = [error("card_number", "card-number-invalid"), error("exp_month", "card-expired")];
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
        let html = render("card", &[error("cvc", "cvc-invalid")], None, &submitted);
        assert!(!html.contains("4242424242424242"));
        assert!(!html.contains("987"));
        assert!(html.contains(r#"value="Ada Lovelace""#));
        assert!(html.contains(r#"value="12""#));
        assert!(html.contains(r#"value="2030""#));
        assert!(html.contains(r#"value="+33612345678""#));
        assert_eq!(html.matches("checked").count(), 2);
    }

    #[test]
    fn in_stripe_mode_the_card_is_an_element_and_no_card_field_is_ours() {
        let stripe = StripeCard {
            js_url: "https://js.stripe.com/v3/",
            publishable_key: "pk_test_1",
            client_secret: "pi_1_secret_2",
            return_url: "/portal/sessions/ps_1/return",
            authenticate: false,
            payment_method: None,
            setup: false,
        };
        let html = PaymentPage { cards: Cards::Stripe(stripe), ..page("card") }.render();
        for field in ["card_number", "exp_month", "exp_year", "cvc", "holder_name"] {
            assert!(!html.contains(&format!(r#"name="{field}""#)), "{field} is Stripe's");
        }
        assert!(html.contains(r#"<script src="https://js.stripe.com/v3/"></script>"#));
        assert!(html.contains(r#"data-key="pk_test_1""#) && html.contains(r#"data-secret="pi_1_secret_2""#));
        assert!(html.contains(r#"<div id="card-element"></div>"#) && html.contains(r#"id="pay-card""#));
        assert!(html.contains(&format!("<script>{STRIPE_SCRIPT}</script>")));
        // CRINA-PAY stays Capsule's form on the same page.
        assert!(
            html.contains(r#"<input type="hidden" name="method" value="crina_pay">"#) && html.contains(r#"id="phone""#)
        );
        assert!(!html.contains("Sandbox — test payments only"));
        assert!(html.contains("Card payments for Capsule are taken by Stripe"));

        // A saved card's 3-D Secure, in French: no card to type, the bank's question and the
        // button in the buyer's language (Stripe.js speaks the page's).
        let authenticate = StripeCard { authenticate: true, ..stripe };
        let html = PaymentPage { cards: Cards::Stripe(authenticate), locale: Locale::Fr, ..page("card") }.render();
        assert!(!html.contains(r#"<div id="card-element">"#) && html.contains(r#"data-action="authenticate""#));
        assert!(html.contains("Votre banque vous demande de confirmer ce paiement") && html.contains("Confirmer 1,00"));
        assert!(html.contains("traités par Stripe") && html.contains(r#"data-check="Vérifiez votre carte.""#));
        assert!(!html.contains("data-method"), "the PaymentIntent has its card");
        // A renewal's PaymentIntent that asked for 3-D Secure: confirmed with the card it tried.
        let retry = StripeCard { authenticate: true, payment_method: Some("pm_1"), ..stripe };
        let html = PaymentPage { cards: Cards::Stripe(retry), ..page("card") }.render();
        assert!(html.contains(r#"data-method="pm_1""#) && html.contains(r#"data-action="authenticate""#));
        // A subscription's first card: the Element, confirmed as a SetupIntent.
        let setup = StripeCard { setup: true, ..stripe };
        let html = PaymentPage { cards: Cards::Stripe(setup), ..page("card") }.render();
        assert!(html.contains(r#"data-action="setup""#) && html.contains(r#"<div id="card-element">"#));

        // A session without a PaymentIntent (a subscription's, for now): no card at all.
        let html = PaymentPage { cards: Cards::NotOffered, ..page("card") }.render();
        assert!(!html.contains(r#"value="card""#) && !html.contains("card-element") && html.contains(r#"id="phone""#));
    }

    fn page(selected: &'static str) -> PaymentPage<'static> {
        static EMPTY: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
        PaymentPage {
            session_id: "ps_1",
            merchant: "Capsule",
            description: "Order",
            amount_cents: 100,
            currency: "EUR",
            expires_at: "2026-03-15T09:05:00Z".parse().expect("a time"),
            allow_save: true,
            selected_method: selected,
            errors: &[],
            form_error: None,
            values: EMPTY.get_or_init(HashMap::new),
            back_url: None,
            cards: Cards::Sandbox,
            locale: Locale::En,
        }
    }

    #[test]
    fn user_input_is_escaped() {
        let submitted = values(&[("holder_name", "<script>alert(1)</script>\"")]);
        let html = render("card", &[], Some("<b>nope</b>"), &submitted);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
        assert!(html.contains("&lt;b&gt;nope&lt;/b&gt;"));
    }
}
