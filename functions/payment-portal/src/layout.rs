//! The HTML document every portal page shares, and the plain message page. Pure rendering,
//! no I/O; every value is escaped by maud.
use maud::{html, Markup, PreEscaped, DOCTYPE};
use shared::domain::Locale;
use shared::i18n::label;

/// Fixed stylesheet (no user input, hence `PreEscaped`).
pub const STYLE: &str = include_str!("portal.css");

/// A page that only says something; `back` links to the storefront when it gave a URL.
pub fn message_page(locale: Locale, title: &str, message: &str, back: Option<&str>) -> String {
    let body = html! {
        main.panel data-page="message" {
            h1 { (title) }
            p { (message) }
            @if let Some(url) = back { (back_link(locale, url)) }
        }
    };
    document(locale, title, None, body)
}

/// What a page takes money for: who, for what, how much, then `deadline` if it has one.
pub fn summary(merchant: &str, description: &str, amount: &str, deadline: Option<String>) -> Markup {
    html! {
        header.summary {
            p.merchant { (merchant) }
            p.description { (description) }
            p.amount { (amount) }
            @if let Some(deadline) = deadline { p.deadline { (deadline) } }
        }
    }
}

/// The way back to the storefront (its `cancel_url`, naming the order or subscription).
pub fn back_link(locale: Locale, url: &str) -> Markup {
    html! { p.back { a #back-to-shop href=(url) { (label(locale, "back-to-shop")) } } }
}

/// The whole document around a page's `body`; `head_extra` goes before the title.
pub fn document(locale: Locale, title: &str, head_extra: Option<Markup>, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(locale.code()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_pages_escape_their_text() {
        let page = message_page(Locale::En, "<i>Gone</i>", "a & b", None);
        assert!(page.contains("&lt;i&gt;Gone&lt;/i&gt;") && page.contains("a &amp; b"));
        assert!(!page.contains("back-to-shop"));
        let page = message_page(Locale::Fr, "Gone", "b", Some("https://shop.example/?a=1&order_id=o\"x"));
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"fr\">") && page.contains("Retour à la boutique"));
        assert!(page.contains(r#"<a id="back-to-shop" href="https://shop.example/?a=1&amp;order_id=o&quot;x">"#));
    }

    #[test]
    fn every_page_shares_one_head_with_the_stylesheet_inline() {
        let page = document(Locale::En, "T", None, html! { p { "x" } });
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"));
        assert!(page.contains(r#"name="viewport""#) && page.contains(r#"<meta name="robots" content="noindex">"#));
        assert!(page.contains(&format!("<style>{STYLE}</style>")) && STYLE.contains(".panel{"));
        assert!(page.ends_with("<body><p>x</p></body></html>"));
    }
}
