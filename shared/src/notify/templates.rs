//! The emails Capsule sends, each as text and HTML with the same content.
use maud::{html, Markup, DOCTYPE};

use super::EmailMessage;
use crate::domain::format_amount;
use crate::domain::order::Delivery;
use crate::domain::saved_method::MethodDetails;
use crate::domain::subscription::{Notice, SubscriptionStatus, MAX_ATTEMPTS};
use crate::store::{OrderRecord, PaymentMethodRecord, SubscriptionRecord};

fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head { meta charset="utf-8"; title { (title) } }
            body style="font-family: system-ui, sans-serif; color: #1b1f24; max-width: 640px; margin: auto; padding: 16px;" {
                h1 style="font-size: 20px;" { (title) }
                (body)
                p style="color: #57606a; font-size: 12px;" { "Capsule — merci pour votre confiance." }
            }
        }
    }
    .into_string()
}

fn eur(order: &OrderRecord, cents: i64) -> String {
    format_amount(cents, &order.currency)
}

fn delivery_text(delivery: &Delivery) -> String {
    match delivery {
        Delivery::Pickup { name, address, .. } => format!("Pickup point: {name}, {address}"),
        Delivery::Home { address } => {
            let line2 = address.line2.as_deref().map(|l| format!(", {l}")).unwrap_or_default();
            format!(
                "Home delivery: {}, {}{line2}, {} {}, {}",
                address.name, address.line1, address.postal_code, address.city, address.country
            )
        }
    }
}

fn payment_text(order: &OrderRecord) -> String {
    match &order.payment {
        Some(p) => match (&p.brand, &p.last4) {
            (Some(brand), Some(last4)) => format!("{brand} ending in {last4}"),
            (None, Some(last4)) => format!("{} ending in {last4}", p.method_type),
            _ => p.method_type.clone(),
        },
        None => "—".to_string(),
    }
}

/// The amounts of an order, line by line, as both the text and the HTML show them.
fn breakdown(order: &OrderRecord) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = order
        .items
        .iter()
        .map(|l| {
            (
                format!("{} × {} ({} each)", l.quantity, l.name, eur(order, l.unit_effective_price_cents)),
                eur(order, l.line_total_cents),
            )
        })
        .collect();
    rows.push(("Subtotal".into(), eur(order, order.subtotal_cents)));
    for d in &order.discounts {
        rows.push((format!("{} discount ({}%)", d.kind, d.percent.value()), eur(order, -d.amount_cents)));
    }
    if order.delivery_fee_cents > 0 {
        rows.push(("Delivery".into(), eur(order, order.delivery_fee_cents)));
    }
    if let Some(gift) = &order.gift {
        rows.push((format!("Gift wrapping ({:?})", gift.gift_type).to_lowercase(), eur(order, order.gift_fee_cents)));
    }
    rows.push(("Total".into(), eur(order, order.total_cents)));
    rows
}

/// The invoice sent when an order is paid.
pub fn invoice(order: &OrderRecord) -> EmailMessage {
    let number = order.invoice_number.clone().unwrap_or_default();
    let subject = format!("Invoice {number} — order {}", order.order_id);
    let rows = breakdown(order);
    let mut text = format!("Thank you for your order {}.\nInvoice: {number}\n\n", order.order_id);
    for (label, amount) in &rows {
        text.push_str(&format!("{label}: {amount}\n"));
    }
    text.push_str(&format!("\n{}\nPaid with: {}\n", delivery_text(&order.delivery), payment_text(order)));
    if let Some(message) = order.gift.as_ref().and_then(|g| g.message.as_ref()) {
        text.push_str(&format!("Gift message: {message}\n"));
    }
    let html = page(
        &format!("Invoice {number}"),
        html! {
            p { "Thank you for your order " strong { (order.order_id) } "." }
            table style="width: 100%; border-collapse: collapse;" {
                @for (label, amount) in &rows {
                    tr { td style="padding: 4px 0;" { (label) } td style="text-align: right;" { (amount) } }
                }
            }
            p { (delivery_text(&order.delivery)) }
            p { "Paid with: " (payment_text(order)) }
            @if let Some(message) = order.gift.as_ref().and_then(|g| g.message.as_ref()) {
                p { "Gift message: " em { (message) } }
            }
        },
    );
    EmailMessage { to: vec![order.email.clone()], subject, text, html }
}

pub fn payment_failed(order: &OrderRecord, reason: Option<&str>) -> EmailMessage {
    let reason = reason.unwrap_or("The payment was not accepted.");
    let text = format!(
        "The payment of {} for order {} failed: {reason}\nYour items are back in your cart; you can try again.\n",
        eur(order, order.total_cents),
        order.order_id
    );
    let html = page("Payment failed", html! { p { (text) } });
    EmailMessage {
        to: vec![order.email.clone()],
        subject: format!("Payment failed — order {}", order.order_id),
        text,
        html,
    }
}

pub fn order_cancelled(order: &OrderRecord, refunded: bool) -> EmailMessage {
    let refund = if refunded {
        let left = order.total_cents - order.refunded_cents;
        format!(" {} will be refunded to your {}.", eur(order, left), payment_text(order))
    } else {
        String::new()
    };
    let text = format!("Your order {} is cancelled.{refund}\n", order.order_id);
    let html = page("Order cancelled", html! { p { (text) } });
    EmailMessage { to: vec![order.email.clone()], subject: format!("Order {} cancelled", order.order_id), text, html }
}

/// A fulfilment step of a paid order, as the buyer is told it.
pub fn fulfilment(order: &OrderRecord) -> EmailMessage {
    use crate::domain::fulfilment::FulfilmentStatus as F;
    let Some(fulfilment) = &order.fulfilment else {
        return order_update(order, "Order update", format!("Your order {} has moved on.\n", order.order_id));
    };
    let id = &order.order_id;
    let (title, text) = match fulfilment.status {
        F::Preparing => ("Order being prepared", format!("Your order {id} is being prepared.\n")),
        F::Shipped => (
            "Order shipped",
            format!(
                "Your order {id} has shipped with {}, tracking number {}.\n",
                fulfilment.carrier.as_deref().unwrap_or("our carrier"),
                fulfilment.tracking_number.as_deref().unwrap_or("—")
            ),
        ),
        F::ReadyForPickup => (
            "Order ready for pickup",
            format!("Your order {id} is ready for pickup.\n{}\n", delivery_text(&order.delivery)),
        ),
        F::Delivered => ("Order delivered", format!("Your order {id} has been delivered.\n")),
        F::PickedUp => ("Order picked up", format!("Your order {id} has been picked up. Enjoy!\n")),
    };
    order_update(order, title, text)
}

/// Part of a paid order refunded by the shop.
pub fn partly_refunded(order: &OrderRecord, amount_cents: i64) -> EmailMessage {
    let text = format!(
        "{} of your order {} will be refunded to your {}.\n",
        eur(order, amount_cents),
        order.order_id,
        payment_text(order)
    );
    order_update(order, "Refund", text)
}

fn order_update(order: &OrderRecord, title: &str, text: String) -> EmailMessage {
    let html = page(title, html! { p { (text) } });
    EmailMessage { to: vec![order.email.clone()], subject: format!("{title} — order {}", order.order_id), text, html }
}

pub fn late_payment_refunded(order: &OrderRecord, amount_cents: i64) -> EmailMessage {
    let text = format!(
        "Your payment for order {} arrived after the reservation expired and the items are no longer available.\n{} has been refunded.\n",
        order.order_id,
        eur(order, amount_cents)
    );
    let html = page("Payment refunded", html! { p { (text) } });
    EmailMessage {
        to: vec![order.email.clone()],
        subject: format!("Payment refunded — order {}", order.order_id),
        text,
        html,
    }
}

/// How a saved method is named to its owner: "Visa ending in 4242", "CRINA-PAY ending in 1234".
fn method_text(details: &MethodDetails) -> String {
    match (&details.brand, &details.last4, &details.phone_last4) {
        (Some(brand), Some(last4), _) => format!("{brand} ending in {last4}"),
        (_, _, Some(phone)) => format!("CRINA-PAY ending in {phone}"),
        _ => details.method_type.clone(),
    }
}

fn expiry_text(details: &MethodDetails) -> String {
    details.expiry().map(|e| format!("{:02}/{}", e.month, e.year)).unwrap_or_default()
}

fn method_email(record: &PaymentMethodRecord, subject: String, title: &str, text: String) -> EmailMessage {
    let html = page(title, html! { @for line in text.lines() { p { (line) } } });
    EmailMessage { to: vec![record.email.clone()], subject, text, html }
}

/// A payment method was saved (or a saved card got its new expiry).
pub fn payment_method_saved(record: &PaymentMethodRecord) -> EmailMessage {
    let method = method_text(&record.details);
    let text = format!(
        "Your {method} is saved for your next purchases and subscriptions.\n\
         You can see and delete your saved payment methods in your account.\n"
    );
    method_email(record, format!("Payment method saved — {method}"), "Payment method saved", text)
}

/// What a card pays for, as a sentence (empty when it pays for no subscription).
fn pays_for_text(plans: &[String]) -> String {
    match plans {
        [] => String::new(),
        plans => format!("It pays for your subscription to {}.\n", plans.join(", ")),
    }
}

/// A saved card expires within the notice window; `plans`: the subscriptions it pays for.
pub fn card_expiring(record: &PaymentMethodRecord, plans: &[String]) -> EmailMessage {
    let method = method_text(&record.details);
    let text = format!(
        "Your saved {method} expires at the end of {}.\n{}\
         Save your new card at your next purchase so that your payments and subscriptions go on.\n",
        expiry_text(&record.details),
        pays_for_text(plans)
    );
    method_email(record, format!("Your {method} expires soon"), "Your card expires soon", text)
}

/// A saved card has expired; `plans`: the subscriptions it paid for.
pub fn card_expired(record: &PaymentMethodRecord, plans: &[String]) -> EmailMessage {
    let method = method_text(&record.details);
    let text = format!(
        "Your saved {method} expired at the end of {}: it can no longer be charged.\n{}\
         Save a new card at your next purchase, or choose another for your subscriptions.\n",
        expiry_text(&record.details),
        pays_for_text(plans)
    );
    method_email(record, format!("Your {method} has expired"), "Your card has expired", text)
}

fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%d/%m/%Y").to_string()
}

/// What a subscriber is told of their subscription (`domain::subscription::Notice`).
pub fn subscription(record: &SubscriptionRecord, notice: &Notice) -> EmailMessage {
    let plan = &record.plan_name;
    let price = format_amount(record.price_cents, &record.currency);
    let method = record.payment_method.as_ref().map(|m| method_text(&m.details));
    let with_method = method.as_ref().map(|m| format!(" with your {m}")).unwrap_or_default();
    let method = method.unwrap_or_else(|| "payment method".into());
    let (subject, title, text) = match notice {
        Notice::TrialEndsSoon { at } => (
            format!("Your free trial of {plan} ends on {}", day(*at)),
            "Your free trial ends soon",
            format!("Your free trial of {plan} ends on {}.\nThen {price} a month will be charged to your {method}.\n", day(*at)),
        ),
        Notice::Charged { from, to } => (
            format!("Payment received — {plan}, {price}"),
            "Subscription payment received",
            format!(
                "{price} was charged to your {method} for {plan}, from {} to {}.\nNext payment: {}.\n",
                day(*from),
                day(*to),
                day(*to)
            ),
        ),
        Notice::ChargeFailed { attempt, retry_at } => {
            let next = match retry_at {
                Some(at) => format!("We will try again on {}.", day(*at)),
                None => "No further attempt will be made with this payment method.".to_string(),
            };
            // The dunning attempts are counted; a first payment or a new method's is not one of them.
            let counted = match (record.billing.status, *attempt) {
                (SubscriptionStatus::PastDue | SubscriptionStatus::Suspended, n) if n <= MAX_ATTEMPTS => {
                    format!(" (attempt {n} of {MAX_ATTEMPTS})")
                }
                _ => String::new(),
            };
            (
                format!("Payment failed — {plan}{counted}"),
                "Subscription payment failed",
                format!(
                    "The payment of {price} for {plan}{with_method} failed{counted}.\n{next}\nYou can change your payment method in your account.\n"
                ),
            )
        }
        Notice::Suspended => (
            format!("Subscription suspended — {plan}"),
            "Subscription suspended",
            format!("Every payment attempt for {plan} failed: your subscription is suspended.\nChange your payment method to reactivate it.\n"),
        ),
        Notice::Reactivated => (
            format!("Subscription reactivated — {plan}"),
            "Subscription reactivated",
            format!("Your subscription to {plan} is active again. Thank you.\n"),
        ),
        Notice::CancelScheduled { at } => (
            format!("Subscription cancelled — {plan}"),
            "Subscription cancelled",
            format!("Your subscription to {plan} is cancelled: it ends on {} and nothing more will be charged.\n", day(*at)),
        ),
        Notice::Cancelled => (
            format!("Subscription ended — {plan}"),
            "Subscription ended",
            format!("Your subscription to {plan} has ended. You can subscribe again at any time.\n"),
        ),
    };
    let html = page(title, html! { @for line in text.lines() { p { (line) } } });
    EmailMessage { to: vec![record.email.clone()], subject, text, html }
}
