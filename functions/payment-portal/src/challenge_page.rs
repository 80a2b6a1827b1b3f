//! The sandbox's 3-D Secure challenge: what a bank's page asks of a buyer whose card wants
//! authentication (test card 4000 0027 6000 3184), with both answers a test needs.
use maud::html;
use shared::i18n::{self, label, text};
use shared::payments::sandbox::SessionRecord;

use crate::layout::{back_link, document, summary};

/// The form value that answers the challenge (`passed` or `failed`).
pub const ANSWER: &str = "challenge";

/// The challenge of `session`, in its buyer's language; `back_url` leads to the storefront.
pub struct ChallengePage<'a> {
    pub merchant: &'a str,
    pub session: &'a SessionRecord,
    pub back_url: Option<&'a str>,
}

impl ChallengePage<'_> {
    pub fn render(&self) -> String {
        let session = self.session;
        let locale = session.locale;
        let amount = i18n::money(locale, session.amount_cents, &session.currency);
        let action = format!("/portal/sessions/{}", session.session_id);
        let body = html! {
            main.panel data-page="challenge" {
                (summary(self.merchant, &session.description, &amount, None))
                section.method aria-labelledby="challenge-heading" {
                    h2 #challenge-heading { (label(locale, "challenge-heading")) }
                    p { (text(locale, "challenge-body", &[("amount", amount.as_str().into())])) }
                    form method="post" action=(action) {
                        input type="hidden" name=(ANSWER) value="passed";
                        button.pay #challenge-pass type="submit" { (label(locale, "challenge-pass")) }
                    }
                    form method="post" action=(action) {
                        input type="hidden" name=(ANSWER) value="failed";
                        button #challenge-fail type="submit" { (label(locale, "challenge-fail")) }
                    }
                }
                aside.sandbox { p { (label(locale, "challenge-sandbox")) } }
                @if let Some(url) = self.back_url { (back_link(locale, url)) }
            }
        };
        let title = label(locale, "challenge-heading");
        document(locale, &title, None, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_posts_either_answer_to_the_session_in_the_buyers_language() {
        for (locale, heading) in [("en", "Confirm this payment"), ("fr", "Confirmez ce paiement")] {
            let session: SessionRecord = serde_json::from_value(serde_json::json!({
                "pk": "p", "sk": "s", "session_id": "ps_1", "user_id": "u", "amount_cents": 2500,
                "currency": "EUR", "description": "Order <b>", "method_type": "card", "allow_save": false,
                "expires_at": "2030-03-10T12:00:00Z", "locale": locale, "status": "open", "event": null, "ttl": 0,
                "order_id": null, "subscription_id": null,
            }))
            .expect("a session");
            let page = ChallengePage { merchant: "Capsule", session: &session, back_url: None }.render();
            assert_eq!(page.matches(r#"<form method="post" action="/portal/sessions/ps_1">"#).count(), 2);
            assert!(
                page.contains(r#"name="challenge" value="passed""#)
                    && page.contains(r#"name="challenge" value="failed""#)
            );
            assert!(page.contains(heading) && page.contains("Order &lt;b&gt;"), "{page}");
            assert!(!page.contains("card_number"), "no card field");
        }
    }
}
