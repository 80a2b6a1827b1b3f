//! Every key of the single table, in one place. See docs/ARCHITECTURE.md for the
//! access patterns they serve.
use chrono::{DateTime, Utc};

use super::{s, Item};
use crate::clock::rfc3339;
use crate::domain::Email;

pub const GSI1: &str = "gsi1";
pub const GSI2: &str = "gsi2";
pub const GSI3: &str = "gsi3";

/// Partition of GSI1 that lists the catalogue by folded name.
pub const CATALOGUE: &str = "CATALOGUE";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }

    pub fn item(&self) -> Item {
        Item::from([("pk".to_string(), s(&self.pk)), ("sk".to_string(), s(&self.sk))])
    }
}

pub fn user(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "PROFILE")
}

/// The item that makes an email unique and holds the login credentials. Only a parsed
/// `Email` names one: its one spelling, at most 254 characters.
pub fn email(email: &Email) -> Key {
    Key::new(format!("EMAIL#{email}"), "CREDENTIALS")
}

pub fn login_failures(email: &Email) -> Key {
    Key::new(format!("EMAIL#{email}"), "LOGIN_FAILURES")
}

/// Signups from one source address in one fixed window (the window's index since the epoch).
pub fn signups(address: &str, window: i64) -> Key {
    Key::new(format!("SIGNUPS#{address}"), format!("WINDOW#{window}"))
}

pub fn product(product_id: &str) -> Key {
    Key::new(format!("PRODUCT#{product_id}"), "PRODUCT")
}

/// One shard of a product's stock. Shard 0 is the product item itself (one shard is the
/// product alone); the others have partition keys of their own, so that DynamoDB's
/// per-partition write limit applies to each.
pub fn stock_shard(product_id: &str, shard: u8) -> Key {
    match shard {
        0 => product(product_id),
        _ => Key::new(format!("PRODUCT#{product_id}#STOCK#{shard}"), "STOCK"),
    }
}

/// GSI1 partition of archived products: out of the catalogue, still read by id.
pub const ARCHIVED_PRODUCTS: &str = "ARCHIVED_PRODUCTS";

/// GSI3 partition of every product, archived ones included, by creation (the back office's
/// listing).
pub const ALL_PRODUCTS: &str = "PRODUCTS";

/// How many counters of "carts holding this product" a product has: a cart writes only its
/// own (by its user), so carts and payments of a hot product rarely write the same one.
pub const CART_COUNTERS: u8 = 8;

/// The counter of carts holding a product that `user_id`'s cart moves (FNV-1a of the id:
/// stable across builds, unlike std's hasher).
pub fn carts_holding(product_id: &str, user_id: &str) -> Key {
    let hash = user_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    carts_holding_counter(product_id, u8::try_from(hash % u64::from(CART_COUNTERS)).unwrap_or(0))
}

/// One of a product's `CART_COUNTERS` counters of carts holding it; with the others, it
/// also carries `archived`, which a cart adding the product is conditional on.
pub fn carts_holding_counter(product_id: &str, counter: u8) -> Key {
    Key::new(format!("PRODUCT#{product_id}#CARTS#{counter}"), "CARTS")
}

/// GSI1 sort key of a product: folded name first so the catalogue lists alphabetically.
pub fn catalogue_sort(folded_name: &str, product_id: &str) -> String {
    format!("{folded_name}#{product_id}")
}

pub fn settings() -> Key {
    Key::new("SETTINGS", "SETTINGS")
}

/// The one item whose existence says the stack was bootstrapped: its first admin exists.
pub fn bootstrap() -> Key {
    Key::new("BOOTSTRAP", "BOOTSTRAP")
}

pub const PICKUP_POINTS: &str = "PICKUP_POINTS";
pub fn pickup_point(id: &str) -> Key {
    Key::new(PICKUP_POINTS, id)
}

pub const PLANS: &str = "PLANS";
pub fn plan(id: &str) -> Key {
    Key::new(PLANS, id)
}

/// The user's one unpaid cart.
pub fn cart(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "CART")
}

/// GSI1 partition listing every non-empty unpaid cart.
pub const UNPAID_CARTS: &str = "UNPAID_CARTS";

pub fn order(order_id: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), "ORDER")
}

/// GSI1 partition of one user's orders, sorted by creation time.
pub fn user_orders(user_id: &str) -> String {
    format!("USER#{user_id}#ORDERS")
}

/// GSI3 partition of every order, sorted by creation time (the back office's listing).
pub const ALL_ORDERS: &str = "ORDERS";

/// A partial refund of an order, under the key its operator gave (idempotent).
pub fn order_refund(order_id: &str, idempotency_key: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), format!("REFUND#{idempotency_key}"))
}

/// GSI1 partition of the effects one cause recorded (`order:<id>`): the emails an order sent.
pub fn effects_of(cause: &str) -> String {
    format!("EFFECTS#{cause}")
}

/// GSI2 partition of orders awaiting payment, sorted by `expires_at`.
pub const PENDING_ORDERS: &str = "PENDING_ORDERS";

pub fn payment_session(session_id: &str) -> Key {
    Key::new(format!("PAYSESSION#{session_id}"), "SESSION")
}

/// A webhook event already applied: the condition that makes replays harmless.
/// An effect recorded with the change that caused it, until delivered.
pub fn outbox(effect_id: &str) -> Key {
    Key::new(format!("OUTBOX#{effect_id}"), "OUTBOX")
}

/// GSI2 partition of the outbox items still to deliver, sorted by when they are due.
pub const OUTBOX_DUE: &str = "OUTBOX_DUE";

/// The sort key of anything an index lists in time order (orders, payments, carts, sales,
/// alerts, due effects): the time, then the id, so that two at one instant both stay.
pub fn time_sort(at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", rfc3339(at))
}

/// The bound of a key condition `<=` that takes every `time_sort` key at `at` or before
/// (`~` sorts after `#`).
pub fn time_sort_until(at: DateTime<Utc>) -> String {
    format!("{}~", rfc3339(at))
}

pub fn webhook_event(event_id: &str) -> Key {
    Key::new(format!("WEBHOOK_EVENT#{event_id}"), "EVENT")
}

/// GSI2 partition of paid orders awaiting their invoice number, in payment order
/// (`invoice_due_sort`): the numbering reads it from the start and numbers in that order.
pub const INVOICES_DUE: &str = "INVOICES_DUE";

/// The sort key of a paid order awaiting its number: its payment time to the millisecond
/// (payments in one second keep their order), then its id.
pub fn invoice_due_sort(paid_at: DateTime<Utc>, order_id: &str) -> String {
    format!("{}#{order_id}", paid_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// The gapless invoice counter of one year (the series of the invoices of orders paid in it).
pub fn invoice_counter(year: i32) -> Key {
    Key::new(format!("COUNTER#INVOICE#{year}"), "COUNTER")
}

pub fn payment(payment_id: &str) -> Key {
    Key::new(format!("PAYMENT#{payment_id}"), "PAYMENT")
}

/// GSI1 partition listing payments (and refunds) of one method type by time.
pub fn payments_by_type(method_type: &str) -> String {
    format!("PAYMENTS#{method_type}")
}

pub fn sale(sale_id: &str) -> Key {
    Key::new(format!("SALE#{sale_id}"), "SALE")
}

/// GSI1 partition listing sales by start.
pub const SALES: &str = "SALES";

/// Units of one sale product a user holds in pending and paid orders during that sale.
pub fn sale_units(user_id: &str, sale_id: &str, product_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), format!("SALEUNITS#{sale_id}#{product_id}"))
}

pub fn promo_code(code: &str) -> Key {
    Key::new(format!("PROMO#{code}"), "PROMO")
}

/// GSI1 partition listing promo codes.
pub const PROMO_CODES: &str = "PROMO_CODES";

/// The commission one paid order earned a promo code's owner.
pub fn commission(code: &str, order_id: &str) -> Key {
    Key::new(format!("PROMO#{code}"), format!("COMMISSION#{order_id}"))
}

/// One low-stock alert sent, under its own id: two in one second both stay.
pub fn stock_alert(product_id: &str, at: DateTime<Utc>, alert_id: &str) -> Key {
    Key::new(format!("PRODUCT#{product_id}"), format!("ALERT#{}#{alert_id}", rfc3339(at)))
}

/// GSI1 partition listing stock alerts by time.
pub const STOCK_ALERTS: &str = "STOCK_ALERTS";

/// A user's saved payment method (listed with the user's other items by the `PM#` prefix).
pub fn payment_method(user_id: &str, payment_method_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), format!("{PAYMENT_METHOD_PREFIX}{payment_method_id}"))
}

pub const PAYMENT_METHOD_PREFIX: &str = "PM#";

/// GSI2 partition of saved cards not yet told they expire soon, sorted by the end of
/// their validity; the expiry scan reads the part that ends within the notice window.
pub const CARDS_EXPIRING: &str = "CARDS_EXPIRING";
/// GSI2 partition of saved cards told they expire soon, until told they have expired.
pub const CARDS_EXPIRED: &str = "CARDS_EXPIRED";

/// A user's subscription (listed with the user's items by the `SUB#` prefix).
pub fn subscription(user_id: &str, subscription_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), format!("{SUBSCRIPTION_PREFIX}{subscription_id}"))
}

pub const SUBSCRIPTION_PREFIX: &str = "SUB#";

/// The one subscription of a user to a plan that holds it (live, or suspended): the
/// condition that makes a second one answer 409.
pub fn plan_slot(user_id: &str, plan_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), format!("PLANSLOT#{plan_id}"))
}

/// The user's free trial: offered by their first subscription, used once it starts.
pub fn trial(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "TRIAL")
}

/// GSI1 partition of the subscriptions in one status, by creation (admin listing).
pub fn subscriptions_in(status: &str) -> String {
    format!("SUBSCRIPTIONS#{status}")
}

/// GSI2 partition of subscriptions by when the scheduler next has work for them (a
/// charge, a retry, the trial reminder, the end of a cancelled period).
pub const SUBSCRIPTIONS_DUE: &str = "SUBSCRIPTIONS_DUE";

/// The monthly recurring revenue: the sum of the plans of active subscriptions, kept
/// by every change of status.
pub fn mrr() -> Key {
    Key::new("COUNTER#MRR", "COUNTER")
}

/// A saved method at the sandbox provider: what its token charges (never the number).
pub fn provider_token(token: &str) -> Key {
    Key::new(format!("PAYTOKEN#{token}"), "TOKEN")
}

/// The user's Customer at Stripe: every payment and saved card of theirs is under it.
pub fn stripe_customer(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "STRIPE_CUSTOMER")
}

/// An off-session charge at the sandbox provider, by its idempotency key.
pub fn provider_charge(idempotency_key: &str) -> Key {
    Key::new(format!("CHARGE#{idempotency_key}"), "CHARGE")
}

/// GSI2 partition listing every payment by time (GSI1 lists them by method type).
pub const PAYMENTS: &str = "PAYMENTS";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_sort_keys_read_as_the_contract_shows_times_and_sort_by_time() {
        let at: DateTime<Utc> = "2026-03-15T12:00:00.750+02:00".parse().expect("a time");
        assert_eq!(time_sort(at, "o-1"), "2026-03-15T10:00:00Z#o-1");
        assert_eq!(stock_shard("cap", 0), product("cap"));
        assert_eq!(stock_shard("cap", 3), Key::new("PRODUCT#cap#STOCK#3", "STOCK"));
        assert_eq!(stock_alert("cap", at, "a1").sk, "ALERT#2026-03-15T10:00:00Z#a1");
        let later = at + chrono::Duration::seconds(1);
        assert!(time_sort(at, "zz") <= time_sort_until(at) && time_sort_until(at) < time_sort(later, "a"));
    }
}
