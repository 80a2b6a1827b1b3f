//! The page the buyer lands on after paying: what became of the payment.
use maud::html;
use shared::domain::format_amount;

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
}

impl ReturnPage<'_> {
    pub fn render(&self) -> String {
        let amount = format_amount(self.amount_cents, self.currency);
        let (title, body) = match &self.outcome {
            Outcome::Paid => (
                "Payment received",
                html! {
                    p.amount { (amount) }
                    p {
                        "Your order "
                        @if let Some(order_id) = self.order_id { strong { (order_id) } " " }
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
                    p { "We are confirming your payment of " (amount) " with " (self.merchant) "." }
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
        let refresh =
            matches!(self.outcome, Outcome::Processing).then(|| html! { meta http-equiv="refresh" content="2"; });
        let body = html! {
            main.panel data-outcome=(self.outcome.as_str()) {
                p.merchant { (self.merchant) }
                h1 { (title) }
                (body)
            }
        };
        document(&format!("{title} — {}", self.merchant), refresh, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome_page(outcome: Outcome) -> String {
        ReturnPage { merchant: "Capsule", amount_cents: 2490, currency: "EUR", order_id: Some("ord_42"), outcome }
            .render()
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
