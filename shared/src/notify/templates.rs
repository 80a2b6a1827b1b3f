//! The emails Capsule sends, each as text and HTML with the same content, in the reader's
//! language (the words are in `shared/locales/<locale>/emails.ftl`).
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};

use super::EmailMessage;
use crate::domain::order::{Delivery, GiftType, OrderDiscountKind};
use crate::domain::saved_method::MethodDetails;
use crate::domain::settings::Settings;
use crate::domain::subscription::{Notice, SubscriptionStatus, MAX_ATTEMPTS};
use crate::domain::{split_vat, Locale};
use crate::i18n::{self, label, Value};
use crate::store::{OrderRecord, PaymentMethodRecord, ProductRecord, SubscriptionRecord};

/// Who writes and to whom: the shop (as its settings name it) in the reader's language.
#[derive(Clone, Copy)]
pub struct Voice<'a> {
    pub shop: &'a Settings,
    pub locale: Locale,
}

impl Voice<'_> {
    fn text(&self, id: &str, args: &[(&str, Value)]) -> String {
        i18n::text(self.locale, id, args)
    }

    fn label(&self, id: &str) -> String {
        label(self.locale, id)
    }

    fn money(&self, cents: i64, currency: &str) -> String {
        i18n::money(self.locale, cents, currency)
    }

    fn date(&self, at: DateTime<Utc>) -> String {
        i18n::date(self.locale, at)
    }

    /// The HTML email: a heading, then `body`, then the shop's signature.
    fn page(&self, title: &str, body: Markup) -> String {
        let footer = self.text("email-footer", &[("shop", self.shop.shop.name.as_str().into())]);
        html! {
            (DOCTYPE)
            html lang=(self.locale.code()) {
                head { meta charset="utf-8"; title { (title) } }
                body style="font-family: system-ui, sans-serif; color: #1b1f24; max-width: 640px; margin: auto; padding: 16px;" {
                    h1 style="font-size: 20px;" { (title) }
                    (body)
                    p style="color: #57606a; font-size: 12px;" { (footer) }
                }
            }
        }
        .into_string()
    }

    /// `lines`, the HTML's last one a link to `url` (the text's lines name it in full).
    fn lines_and_link(&self, to: &str, subject: String, title: &str, lines: &[String], url: &str) -> EmailMessage {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let html = self.page(
            title,
            html! {
                @for line in lines { p { (line) } }
                p { a href=(url) { (self.label("authentication-required-button")) } }
            },
        );
        EmailMessage { to: vec![to.to_string()], subject, text, html }
    }

    /// An email whose HTML shows the text's lines as paragraphs.
    fn lines(&self, to: &str, subject: String, title: &str, lines: &[String]) -> EmailMessage {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let html = self.page(title, html! { @for line in lines { p { (line) } } });
        EmailMessage { to: vec![to.to_string()], subject, text, html }
    }
}

fn amount(voice: &Voice, order: &OrderRecord, cents: i64) -> String {
    voice.money(cents, &order.currency)
}

fn reference(order: &OrderRecord) -> Value<'static> {
    order.reference().into()
}

fn delivery_text(voice: &Voice, delivery: &Delivery) -> String {
    match delivery {
        Delivery::Pickup { name, address, .. } => {
            voice.text("delivery-pickup", &[("name", name.as_str().into()), ("address", address.as_str().into())])
        }
        Delivery::Home { address } => {
            let line2 = address.line2.as_deref().map(|l| format!(", {l}")).unwrap_or_default();
            let written = format!(
                "{}, {}{line2}, {} {}, {}",
                address.name, address.line1, address.postal_code, address.city, address.country
            );
            voice.text("delivery-home", &[("address", written.into())])
        }
    }
}

fn payment_text(voice: &Voice, order: &OrderRecord) -> String {
    match &order.payment {
        Some(p) => match (&p.brand, &p.last4) {
            (Some(brand), Some(last4)) => ending(voice, brand, last4),
            (None, Some(last4)) => ending(voice, &p.method_type, last4),
            _ => p.method_type.clone(),
        },
        None => voice.label("no-method"),
    }
}

fn ending(voice: &Voice, brand: &str, last4: &str) -> String {
    voice.text("method-ending", &[("brand", brand.into()), ("last4", last4.into())])
}

fn gift_type(gift: GiftType) -> &'static str {
    match gift {
        GiftType::Simple => "simple",
        GiftType::Birthday => "birthday",
        GiftType::Wedding => "wedding",
    }
}

fn discount_kind(kind: OrderDiscountKind) -> &'static str {
    match kind {
        OrderDiscountKind::Volume => "volume",
        OrderDiscountKind::Promo => "promo",
    }
}

/// What an order adds up to after its lines: discounts, fees, total.
fn totals(voice: &Voice, order: &OrderRecord) -> Vec<(String, String)> {
    let mut rows = vec![(voice.label("subtotal"), amount(voice, order, order.subtotal_cents))];
    for d in &order.discounts {
        let name = match d.percent {
            Some(percent) => {
                voice.text("discount", &[("kind", discount_kind(d.kind).into()), ("percent", percent.value().into())])
            }
            None => voice.text("discount-fixed", &[("kind", discount_kind(d.kind).into())]),
        };
        rows.push((name, amount(voice, order, -d.amount_cents)));
    }
    if order.delivery_fee_cents > 0 {
        rows.push((voice.label("delivery-fee"), amount(voice, order, order.delivery_fee_cents)));
    }
    if let Some(gift) = &order.gift {
        let name = voice.text("gift-fee", &[("type", gift_type(gift.gift_type).into())]);
        rows.push((name, amount(voice, order, order.gift_fee_cents)));
    }
    rows
}

/// A VAT rate in basis points as the language writes a percentage's number: "20", "5,5".
fn rate_text(locale: Locale, basis_points: i64) -> String {
    let (whole, fraction) = (basis_points / 100, basis_points % 100);
    let separator = if locale == Locale::Fr { "," } else { "." };
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{separator}{}", f / 10),
        f => format!("{whole}{separator}{f:02}"),
    }
}

/// One invoice line: what, how many, the rate and the amounts without and with VAT.
struct InvoiceLine {
    text: String,
    rate: String,
    excluding: String,
    including: String,
}

fn invoice_lines(voice: &Voice, order: &OrderRecord) -> Vec<InvoiceLine> {
    let rate_bp = voice.shop.vat_rate_basis_points;
    let rate = rate_text(voice.locale, rate_bp);
    order
        .items
        .iter()
        .map(|l| {
            let (excluding, _) = split_vat(l.line_total_cents, rate_bp);
            let args = [
                ("quantity", l.quantity.into()),
                ("name", l.name.as_str().into()),
                ("unit", amount(voice, order, l.unit_effective_price_cents).into()),
                ("rate", rate.as_str().into()),
                ("excluding", amount(voice, order, excluding).into()),
                ("including", amount(voice, order, l.line_total_cents).into()),
            ];
            InvoiceLine {
                text: voice.text("invoice-line", &args),
                rate: format!("{rate} %"),
                excluding: amount(voice, order, excluding),
                including: amount(voice, order, l.line_total_cents),
            }
        })
        .collect()
}

/// The invoice sent when an order is paid, `issued_at`: what a French invoice must carry
/// (seller and VAT number, buyer, number, date, lines with their VAT rate, HT, TVA, TTC).
pub fn invoice(voice: &Voice, order: &OrderRecord, issued_at: DateTime<Utc>) -> EmailMessage {
    let shop = &voice.shop.shop;
    let number = order.invoice_number.clone().unwrap_or_default();
    let subject = voice.text("invoice-subject", &[("number", number.as_str().into()), ("reference", reference(order))]);
    let title = voice.text("invoice-title", &[("number", number.as_str().into())]);
    let (excluding, vat) = split_vat(order.total_cents, voice.shop.vat_rate_basis_points);
    let rate = rate_text(voice.locale, voice.shop.vat_rate_basis_points);
    let head = [
        voice.text("invoice-thanks", &[("reference", reference(order))]),
        voice.text("invoice-number", &[("number", number.as_str().into())]),
        voice.text("invoice-date", &[("date", voice.date(issued_at).into())]),
        voice.text(
            "invoice-seller",
            &[("legal_name", shop.legal_name.as_str().into()), ("address", shop.address.as_str().into())],
        ),
        voice.text("invoice-vat-number", &[("vat_number", shop.vat_number.as_str().into())]),
        voice.text("invoice-buyer", &[("buyer", order.email.as_str().into())]),
    ];
    let lines = invoice_lines(voice, order);
    let mut rows = totals(voice, order);
    rows.push((voice.label("invoice-total-excluding"), amount(voice, order, excluding)));
    rows.push((voice.text("invoice-total-vat", &[("rate", rate.as_str().into())]), amount(voice, order, vat)));
    rows.push((voice.label("invoice-total-including"), amount(voice, order, order.total_cents)));
    let gift_message = order.gift.as_ref().and_then(|g| g.message.as_ref());
    let after = [
        Some(delivery_text(voice, &order.delivery)),
        Some(voice.text("paid-with", &[("method", payment_text(voice, order).into())])),
        gift_message.map(|m| voice.text("gift-message", &[("message", m.as_str().into())])),
    ];

    let mut text = head.iter().map(|l| format!("{l}\n")).collect::<String>();
    text.push('\n');
    lines.iter().for_each(|l| text.push_str(&format!("{}\n", l.text)));
    rows.iter().for_each(|(label, value)| text.push_str(&format!("{label}: {value}\n")));
    text.push('\n');
    after.iter().flatten().for_each(|l| text.push_str(&format!("{l}\n")));

    let cell = "padding: 4px 0;";
    let right = "padding: 4px 0; text-align: right;";
    let html = voice.page(
        &title,
        html! {
            @for line in &head { p { (line) } }
            table style="width: 100%; border-collapse: collapse;" {
                tr {
                    th style=(cell) { (voice.label("invoice-column-item")) }
                    th style=(right) { (voice.label("invoice-column-rate")) }
                    th style=(right) { (voice.label("invoice-column-excluding")) }
                    th style=(right) { (voice.label("invoice-column-including")) }
                }
                @for (line, item) in lines.iter().zip(&order.items) {
                    tr {
                        td style=(cell) { (item.quantity) " × " (item.name) }
                        td style=(right) { (line.rate) }
                        td style=(right) { (line.excluding) }
                        td style=(right) { (line.including) }
                    }
                }
                @for (label, value) in &rows {
                    tr { td style=(cell) colspan="3" { (label) } td style=(right) { (value) } }
                }
            }
            @for line in after.iter().flatten() { p { (line) } }
        },
    );
    EmailMessage { to: vec![order.email.clone()], subject, text, html }
}

pub fn payment_failed(voice: &Voice, order: &OrderRecord, reason: Option<&str>) -> EmailMessage {
    // The provider's reason: one of our messages (the sandbox's), else its own words.
    let reason = match reason {
        Some(reason) => i18n::known(voice.locale, reason).unwrap_or_else(|| reason.to_string()),
        None => voice.label("payment-failed-reason"),
    };
    let total = amount(voice, order, order.total_cents);
    let lines = [
        voice.text(
            "payment-failed-body",
            &[("amount", total.into()), ("reference", reference(order)), ("reason", reason.into())],
        ),
        voice.label("payment-failed-retry"),
    ];
    let subject = voice.text("payment-failed-subject", &[("reference", reference(order))]);
    voice.lines(&order.email, subject, &voice.label("payment-failed-title"), &lines)
}

pub fn order_cancelled(voice: &Voice, order: &OrderRecord, refunded: bool) -> EmailMessage {
    let mut lines = vec![voice.text("order-cancelled-body", &[("reference", reference(order))])];
    if refunded {
        // What operators' partial refunds have not already given back.
        let left = order.total_cents - order.refunded_cents;
        let args = [("amount", amount(voice, order, left).into()), ("method", payment_text(voice, order).into())];
        lines.push(voice.text("order-cancelled-refund", &args));
    }
    let subject = voice.text("order-cancelled-subject", &[("reference", reference(order))]);
    voice.lines(&order.email, subject, &voice.label("order-cancelled-title"), &lines)
}

/// A fulfilment step of a paid order, as the buyer is told it.
pub fn fulfilment(voice: &Voice, order: &OrderRecord) -> EmailMessage {
    use crate::domain::fulfilment::FulfilmentStatus as F;
    let at = [("reference", reference(order))];
    let Some(fulfilment) = &order.fulfilment else {
        return order_update(voice, order, "order-moved-title", vec![voice.text("order-moved-body", &at)]);
    };
    let (title, lines) = match fulfilment.status {
        F::Preparing => ("preparing-title", vec![voice.text("preparing-body", &at)]),
        F::Shipped => {
            let carrier = fulfilment.carrier.clone().unwrap_or_else(|| voice.label("our-carrier"));
            let tracking = fulfilment.tracking_number.as_deref().unwrap_or("—");
            let args = [("reference", reference(order)), ("carrier", carrier.into()), ("tracking", tracking.into())];
            ("shipped-title", vec![voice.text("shipped-body", &args)])
        }
        F::ReadyForPickup => (
            "ready-for-pickup-title",
            vec![voice.text("ready-for-pickup-body", &at), delivery_text(voice, &order.delivery)],
        ),
        F::Delivered => ("delivered-title", vec![voice.text("delivered-body", &at)]),
        F::PickedUp => ("picked-up-title", vec![voice.text("picked-up-body", &at)]),
    };
    order_update(voice, order, title, lines)
}

/// Part of a paid order refunded by the shop.
pub fn partly_refunded(voice: &Voice, order: &OrderRecord, amount_cents: i64) -> EmailMessage {
    let args = [
        ("amount", amount(voice, order, amount_cents).into()),
        ("reference", reference(order)),
        ("method", payment_text(voice, order).into()),
    ];
    order_update(voice, order, "partly-refunded-title", vec![voice.text("partly-refunded-body", &args)])
}

/// An email about a paid order's progress, its subject naming the step (`title`) and the order.
fn order_update(voice: &Voice, order: &OrderRecord, title: &str, lines: Vec<String>) -> EmailMessage {
    let title = voice.label(title);
    let subject =
        voice.text("order-update-subject", &[("title", title.as_str().into()), ("reference", reference(order))]);
    voice.lines(&order.email, subject, &title, &lines)
}

pub fn late_payment_refunded(voice: &Voice, order: &OrderRecord, amount_cents: i64) -> EmailMessage {
    let lines = [
        voice.text("late-payment-body", &[("reference", reference(order))]),
        voice.text("late-payment-refunded", &[("amount", amount(voice, order, amount_cents).into())]),
    ];
    let subject = voice.text("late-payment-subject", &[("reference", reference(order))]);
    voice.lines(&order.email, subject, &voice.label("late-payment-title"), &lines)
}

/// How a saved method is named to its owner: "Visa ending in 4242", "CRINA-PAY ending in 1234".
fn method_text(voice: &Voice, details: &MethodDetails) -> String {
    match (&details.brand, &details.last4, &details.phone_last4) {
        (Some(brand), Some(last4), _) => ending(voice, brand, last4),
        (_, _, Some(phone)) => ending(voice, "CRINA-PAY", phone),
        _ => details.method_type.clone(),
    }
}

fn expiry_text(details: &MethodDetails) -> String {
    details.expiry().map(|e| format!("{:02}/{}", e.month, e.year)).unwrap_or_default()
}

/// A payment method was saved (or a saved card got its new expiry).
pub fn payment_method_saved(voice: &Voice, record: &PaymentMethodRecord) -> EmailMessage {
    let method = method_text(voice, &record.details);
    let lines =
        [voice.text("method-saved-body", &[("method", method.as_str().into())]), voice.label("method-saved-manage")];
    let subject = voice.text("method-saved-subject", &[("method", method.into())]);
    voice.lines(&record.email, subject, &voice.label("method-saved-title"), &lines)
}

/// What a card pays for, as a sentence (none when it pays for no subscription).
fn pays_for_text(voice: &Voice, plans: &[String]) -> Option<String> {
    (!plans.is_empty()).then(|| voice.text("card-pays-for", &[("plans", plans.join(", ").into())]))
}

/// The notice of a saved card that expires soon (`expiring`) or has expired; `plans`: the
/// subscriptions it pays for.
fn card_notice(voice: &Voice, record: &PaymentMethodRecord, plans: &[String], expiring: bool) -> EmailMessage {
    let id = if expiring { "card-expiring" } else { "card-expired" };
    let method = method_text(voice, &record.details);
    let body = voice.text(
        &format!("{id}-body"),
        &[("method", method.as_str().into()), ("expiry", expiry_text(&record.details).into())],
    );
    let lines: Vec<String> = [Some(body), pays_for_text(voice, plans), Some(voice.label(&format!("{id}-action")))]
        .into_iter()
        .flatten()
        .collect();
    let subject = voice.text(&format!("{id}-subject"), &[("method", method.into())]);
    voice.lines(&record.email, subject, &voice.label(&format!("{id}-title")), &lines)
}

/// A saved card expires within the notice window; `plans`: the subscriptions it pays for.
pub fn card_expiring(voice: &Voice, record: &PaymentMethodRecord, plans: &[String]) -> EmailMessage {
    card_notice(voice, record, plans, true)
}

/// A saved card has expired; `plans`: the subscriptions it paid for.
pub fn card_expired(voice: &Voice, record: &PaymentMethodRecord, plans: &[String]) -> EmailMessage {
    card_notice(voice, record, plans, false)
}

/// What a subscriber is told of their subscription (`domain::subscription::Notice`).
pub fn subscription(voice: &Voice, record: &SubscriptionRecord, notice: &Notice) -> EmailMessage {
    let plan = || ("plan", Value::from(record.plan_name.as_str()));
    let price = voice.money(record.price_cents, &record.currency);
    let named = record.payment_method.as_ref().map(|m| method_text(voice, &m.details));
    let method = named.clone().unwrap_or_else(|| voice.label("payment-method"));
    let date = |at: &DateTime<Utc>| ("date", Value::from(voice.date(*at)));
    let (id, lines): (&str, Vec<String>) = match notice {
        Notice::TrialEndsSoon { at } => (
            "trial-ends",
            vec![
                voice.text("trial-ends-body", &[plan(), date(at)]),
                voice.text("trial-ends-then", &[("price", price.as_str().into()), ("method", method.as_str().into())]),
            ],
        ),
        Notice::Charged { from, to } => (
            "charged",
            vec![
                voice.text(
                    "charged-body",
                    &[
                        ("price", price.as_str().into()),
                        ("method", method.as_str().into()),
                        plan(),
                        ("from", voice.date(*from).into()),
                        ("to", voice.date(*to).into()),
                    ],
                ),
                voice.text("charged-next", &[date(to)]),
            ],
        ),
        Notice::ChargeFailed { attempt, retry_at } if record.authentication_url.is_some() => {
            let url = record.authentication_url.as_deref().unwrap_or_default();
            let body = voice.text(
                "authentication-required-body",
                &[("price", price.as_str().into()), plan(), ("counted", counted(voice, record, *attempt).into())],
            );
            let next = retry_at.map(|at| voice.text("authentication-required-retry", &[date(&at)]));
            let lines = [Some(body), Some(voice.text("authentication-required-link", &[("url", url.into())])), next];
            let lines: Vec<String> = lines.into_iter().flatten().collect();
            let subject = voice.text("authentication-required-subject", &[plan()]);
            let title = voice.label("authentication-required-title");
            return voice.lines_and_link(&record.email, subject, &title, &lines, url);
        }
        Notice::ChargeFailed { attempt, retry_at } => {
            let next = match retry_at {
                Some(at) => voice.text("charge-failed-retry", &[date(at)]),
                None => voice.label("charge-failed-no-retry"),
            };
            let body = voice.text(
                "charge-failed-body",
                &[("price", price.as_str().into()), plan(), ("counted", counted(voice, record, *attempt).into())],
            );
            let with = named.as_ref().map(|m| voice.text("charge-failed-with", &[("method", m.as_str().into())]));
            let lines = [Some(body), with, Some(next), Some(voice.label("charge-failed-change"))];
            ("charge-failed", lines.into_iter().flatten().collect())
        }
        Notice::Suspended => {
            ("suspended", vec![voice.text("suspended-body", &[plan()]), voice.label("suspended-action")])
        }
        Notice::Reactivated => ("reactivated", vec![voice.text("reactivated-body", &[plan()])]),
        Notice::CancelScheduled { at } => {
            ("cancel-scheduled", vec![voice.text("cancel-scheduled-body", &[plan(), date(at)])])
        }
        Notice::Cancelled => ("cancelled", vec![voice.text("cancelled-body", &[plan()])]),
    };
    let subject_args = match notice {
        Notice::TrialEndsSoon { at } => vec![plan(), date(at)],
        Notice::Charged { .. } => vec![plan(), ("price", price.as_str().into())],
        Notice::ChargeFailed { attempt, .. } => vec![plan(), ("counted", counted(voice, record, *attempt).into())],
        _ => vec![plan()],
    };
    let subject = voice.text(&format!("{id}-subject"), &subject_args);
    voice.lines(&record.email, subject, &voice.label(&format!("{id}-title")), &lines)
}

/// " (attempt 2 of 4)" for a dunning attempt; empty for a first payment or a new method's,
/// which are not counted.
fn counted(voice: &Voice, record: &SubscriptionRecord, attempt: u32) -> String {
    match (record.billing.status, attempt) {
        (SubscriptionStatus::PastDue | SubscriptionStatus::Suspended, n) if n <= MAX_ATTEMPTS => {
            format!(
                " {}",
                voice.text("charge-failed-attempt", &[("attempt", n.into()), ("attempts", MAX_ATTEMPTS.into())])
            )
        }
        _ => String::new(),
    }
}

/// The stock managers' alert, in the shop's language: a product's stock fell under the
/// threshold.
pub fn low_stock(voice: &Voice, product: &ProductRecord, threshold: i64, to: Vec<String>) -> EmailMessage {
    let name = || ("name", Value::from(product.name.as_str()));
    let subject = voice.text("low-stock-subject", &[name()]);
    let body = voice.text(
        "low-stock-body",
        &[
            name(),
            ("product_id", product.product_id.as_str().into()),
            ("stock", product.stock().into()),
            ("threshold", threshold.into()),
        ],
    );
    let mut email = voice.lines("", subject, &voice.label("low-stock-title"), &[body]);
    email.to = to;
    email
}
