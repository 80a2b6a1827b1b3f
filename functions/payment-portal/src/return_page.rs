//! The page the buyer lands on after paying: what became of the payment.
use maud::html;
use shared::domain::order::reference;
use shared::domain::Locale;
use shared::i18n::{self, label, text};

use crate::layout::document;

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
    /// The buyer's language.
    pub locale: Locale,
}

impl ReturnPage<'_> {
    pub fn render(&self) -> String {
        let locale = self.locale;
        let amount = i18n::money(locale, self.amount_cents, self.currency);
        let (title, body) = match &self.outcome {
            Outcome::Paid => (
                "paid-title",
                html! {
                    p.amount { (amount) }
                    p {
                        @match self.order_id {
                            Some(order_id) => (text(locale, "paid-body", &[("reference", reference(order_id).into())])),
                            None => (label(locale, "paid-body-subscription")),
                        }
                    }
                },
            ),
            Outcome::Failed { reason } => (
                "failed-title",
                html! {
                    p.reason { (reason) }
                    p { (label(locale, "failed-body")) }
                },
            ),
            Outcome::Processing => (
                "processing-title",
                html! {
                    p { (text(locale, "processing-body", &[("amount", amount.as_str().into()), ("shop", self.merchant.into())])) }
                    p.muted { (label(locale, "processing-refresh")) }
                },
            ),
            Outcome::Expired => ("expired-title", html! { p { (label(locale, "expired-body")) } }),
            Outcome::Unknown => ("unknown-title", html! { p { (label(locale, "unknown-body")) } }),
        };
        let title = label(locale, title);
        let refresh =
            matches!(self.outcome, Outcome::Processing).then(|| html! { meta http-equiv="refresh" content="2"; });
        let body = html! {
            main.panel data-outcome=(self.outcome.as_str()) {
                p.merchant { (self.merchant) }
                h1 { (title) }
                (body)
            }
        };
        document(locale, &format!("{title} — {}", self.merchant), refresh, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome_page(outcome: Outcome) -> String {
        let order_id = Some("3f2a9c1b-0000-4000-8000-000000000000");
        ReturnPage { merchant: "Capsule", amount_cents: 2490, currency: "EUR", order_id, outcome, locale: Locale::En }
            .render()
    }

    #[test]
    fn return_page_tells_the_outcome() {
        let paid = outcome_page(Outcome::Paid);
        assert!(paid.contains(r#"data-outcome="paid""#));
        assert!(paid.contains("Payment received"));
        assert!(paid.contains("Your order 3F2A9C1B is confirmed; your invoice is on its way by email."));

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

        let french = ReturnPage {
            merchant: "Le Djoor",
            amount_cents: 2490,
            currency: "EUR",
            order_id: Some("3f2a9c1b-0000-4000-8000-000000000000"),
            outcome: Outcome::Paid,
            locale: Locale::Fr,
        }
        .render();
        assert!(french.contains(r#"<html lang="fr">"#) && french.contains("<title>Paiement reçu — Le Djoor</title>"));
        assert!(french.contains("24,90 €") && french.contains("Votre commande 3F2A9C1B est confirmée"), "{french}");

        for page in [paid, failed, expired, outcome_page(Outcome::Unknown)] {
            assert!(!page.contains("http-equiv=\"refresh\""));
        }
    }
}
