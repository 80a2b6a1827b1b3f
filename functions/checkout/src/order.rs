//! The order a checkout places, and every reason one is refused: checked on what was read
//! before the write, and mapped from the write's cancellation after it.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use shared::cart::{within_unpaid_limit, Priced};
use shared::domain::lifecycle::{largest_transaction, MAX_TRANSACTION_WRITES};
use shared::domain::order::{HistoryEntry, OrderDiscount, OrderDiscountKind, OrderStatus};
use shared::domain::settings::Settings;
use shared::domain::stock::{self as shard, ShardHold};
use shared::domain::{Locale, Percent};
use shared::http::error::{SaleLimit, Shortage};
use shared::store::{keys, CartRecord, OrderRecord, ProductRecord, TransitionError, UserProfile};
use shared::views::{Order, CURRENCY};
use shared::{ApiError, App};

use crate::terms::Terms;

/// The shards that would hold each line's units, once everything that refuses the order
/// before it is written was checked on what was read: stock, the cart's size, the promo
/// code, the sale and unpaid limits.
pub(crate) async fn holdable(
    app: &App,
    user_id: &str,
    order_id: &str,
    cart: &CartRecord,
    priced: &Priced,
    settings: &Settings,
) -> Result<Vec<ShardHold>, ApiError> {
    if priced.breakdown.lines.is_empty() {
        return Err(ApiError::EmptyCart);
    }
    // Archived while a cart held it from before the carts were counted: no longer sold.
    if priced.products.values().any(|p| p.archived) {
        return Err(ApiError::NotFound { code: "product_not_found", what: "product" });
    }
    let short = shortages(cart, &priced.products);
    if !short.is_empty() {
        return Err(insufficient(short));
    }
    let holds = stock_holds(order_id, cart, &priced.products)?;
    // Every later move of the order must fit one transaction: refused before anything is written.
    let writes = largest_transaction(holds.len(), priced.sale_lines.len(), priced.promo.is_some());
    if writes > MAX_TRANSACTION_WRITES {
        return Err(ApiError::CartTooLarge(json!({
            "lines": priced.breakdown.lines.len(),
            "sale_lines": priced.sale_lines.len(),
            "writes": writes,
            "max_writes": MAX_TRANSACTION_WRITES,
        })));
    }
    if cart.promo_code.is_some() && priced.promo.is_none() {
        return Err(promo_not_found());
    }
    for line in &priced.sale_lines {
        let held = app.store.sale_units(user_id, &line.sale_id, &line.product_id).await?;
        if i64::from(held) + i64::from(line.quantity) > settings.sale_unit_limit {
            return Err(sale_limit(&line.product_id, settings.sale_unit_limit, held));
        }
    }
    for line in &cart.lines {
        within_unpaid_limit(&line.product_id, line.quantity, settings.max_unpaid_units_per_product)?;
    }
    Ok(holds)
}

/// Why the order's write was refused, as the buyer's error; `Ok` when only the cart or a
/// shard moved meanwhile and a new try may pass.
pub(crate) async fn refused(
    app: &App,
    user_id: &str,
    cart: &CartRecord,
    priced: &Priced,
    settings: &Settings,
    refusal: TransitionError,
) -> Result<(), ApiError> {
    match refusal {
        // A shard ran short since it was read: refused only if all of them together are.
        TransitionError::OutOfStock(_) => {
            let ids: Vec<String> = cart.lines.iter().map(|l| l.product_id.clone()).collect();
            let short = shortages(cart, &app.store.products_by_id(&ids).await?);
            match short.is_empty() {
                true => Ok(()),
                false => Err(insufficient(short)),
            }
        }
        TransitionError::SaleLimit(products) => {
            let product_id = products.first().cloned().unwrap_or_default();
            let sale_id = priced.sale_lines.iter().find(|l| l.product_id == product_id).map(|l| &l.sale_id);
            let held = match sale_id {
                Some(sale_id) => app.store.sale_units(user_id, sale_id, &product_id).await?,
                None => 0,
            };
            Err(sale_limit(&product_id, settings.sale_unit_limit, held))
        }
        TransitionError::PromoUnavailable => Err(promo_not_found()),
        TransitionError::Store(e) => Err(e.into()),
        // The cart changed (or another checkout locked it) between read and write.
        TransitionError::Contended | TransitionError::StatusChanged | TransitionError::AlreadyApplied => Ok(()),
    }
}

/// Which shards hold each line's units, from the shards as read: a line is never refused
/// while all of its product's shards together have its units.
fn stock_holds(
    order_id: &str,
    cart: &CartRecord,
    products: &HashMap<String, ProductRecord>,
) -> Result<Vec<ShardHold>, ApiError> {
    let mut holds = Vec::new();
    for line in &cart.lines {
        let units = products.get(&line.product_id).map(|p| p.units()).unwrap_or_default();
        match shard::take(order_id, &line.product_id, line.quantity, &units) {
            Some(taken) => holds.extend(taken),
            None => return Err(insufficient(shortages(cart, products))),
        }
    }
    Ok(holds)
}

fn shortages(cart: &CartRecord, products: &HashMap<String, ProductRecord>) -> Vec<Shortage> {
    cart.lines
        .iter()
        .filter_map(|line| {
            let available = products.get(&line.product_id).map_or(0, |p| p.stock().max(0));
            (i64::from(line.quantity) > available).then(|| Shortage {
                product_id: line.product_id.clone(),
                requested: line.quantity,
                available,
            })
        })
        .collect()
}

fn sale_limit(product_id: &str, limit: i64, already: u32) -> ApiError {
    ApiError::SaleLimitExceeded(SaleLimit { product_id: product_id.to_string(), limit, already })
}

fn insufficient(short: Vec<Shortage>) -> ApiError {
    ApiError::InsufficientStock(short)
}

fn promo_not_found() -> ApiError {
    ApiError::NotFound { code: "promo_code_not_found", what: "promo code" }
}

/// The order awaiting its payment, listed by when its hold ends, in the buyer's language.
pub(crate) fn new(
    order_id: &str,
    (user, locale): (&UserProfile, Locale),
    priced: &Priced,
    terms: &Terms,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> OrderRecord {
    let breakdown = &priced.breakdown;
    let key = keys::order(order_id);
    OrderRecord {
        pk: key.pk,
        sk: key.sk,
        gsi1pk: keys::user_orders(&user.user_id),
        gsi1sk: keys::time_sort(now, order_id),
        gsi2pk: Some(keys::PENDING_ORDERS.to_string()),
        gsi2sk: Some(keys::time_sort(expires_at, order_id)),
        gsi3pk: Some(keys::ALL_ORDERS.to_string()),
        gsi3sk: Some(keys::time_sort(now, order_id)),
        moves: 0,
        user_id: user.user_id.clone(),
        email: user.email.clone(),
        locale,
        payment_id: None,
        commission_cents: breakdown.commission.cents(),
        sale_lines: priced.sale_lines.clone(),
        stock_holds: Vec::new(),
        order: Order {
            order_id: order_id.to_string(),
            status: OrderStatus::PendingPayment,
            invoice_number: None,
            items: breakdown.lines.clone(),
            subtotal_cents: breakdown.subtotal.cents(),
            discounts: discounts(priced),
            delivery: terms.delivery.clone(),
            delivery_fee_cents: breakdown.fees.delivery.cents(),
            gift: terms.gift.clone(),
            gift_fee_cents: breakdown.fees.gift.cents(),
            total_cents: breakdown.total.cents(),
            currency: CURRENCY.to_string(),
            payment: None,
            promo_code: breakdown.promo.as_ref().map(|p| p.code.clone()),
            created_at: now,
            expires_at,
            paid_at: None,
            cancelled_at: None,
            refund_status: None,
            refunded_cents: 0,
            fulfilment: None,
            history: vec![HistoryEntry::status(OrderStatus::PendingPayment, now)],
        },
    }
}

fn discounts(priced: &Priced) -> Vec<OrderDiscount> {
    let breakdown = &priced.breakdown;
    let mut discounts = Vec::new();
    if breakdown.volume_percent > Percent::ZERO {
        discounts.push(OrderDiscount {
            kind: OrderDiscountKind::Volume,
            percent: Some(breakdown.volume_percent),
            amount_cents: breakdown.volume_discount.cents(),
        });
    }
    if let Some(promo) = &breakdown.promo {
        discounts.push(OrderDiscount {
            kind: OrderDiscountKind::Promo,
            percent: promo.discount.percent(),
            amount_cents: breakdown.promo_discount.cents(),
        });
    }
    discounts
}
