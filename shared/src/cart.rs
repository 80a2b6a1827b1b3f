//! The cart as the contract shows it, priced by the one pricing engine with the sales and
//! the promo code in force at the app clock's now.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::domain::pricing::{self, unit_discount, Breakdown, Fees, LineInput, PricedLine, PromoInput};
use crate::domain::Percent;
use crate::http::error::ApiError;
use crate::store::{CartLineRecord, CartRecord, ProductRecord, PromoCode, SaleLine};
use crate::views::CURRENCY;
use crate::App;

/// `Cart` of API.md.
#[derive(Clone, Debug, Serialize)]
pub struct Cart {
    pub cart_id: String,
    pub items: Vec<PricedLine>,
    pub distinct_products: u32,
    pub total_quantity: u32,
    pub subtotal_cents: i64,
    pub volume_discount_percent: Percent,
    pub volume_discount_cents: i64,
    pub promo_code: Option<String>,
    pub promo_discount_cents: i64,
    pub total_cents: i64,
    pub currency: &'static str,
}

impl Cart {
    pub fn new(cart_id: &str, breakdown: &Breakdown) -> Self {
        Self {
            cart_id: cart_id.to_string(),
            items: breakdown.lines.clone(),
            distinct_products: breakdown.distinct_products,
            total_quantity: breakdown.total_quantity,
            subtotal_cents: breakdown.subtotal.cents(),
            volume_discount_percent: breakdown.volume_percent,
            volume_discount_cents: breakdown.volume_discount.cents(),
            promo_code: breakdown.promo.as_ref().map(|p| p.code.clone()),
            promo_discount_cents: breakdown.promo_discount.cents(),
            total_cents: breakdown.total.cents(),
            currency: CURRENCY,
        }
    }
}

/// Refuses a line of more units than one buyer may hold unpaid of a product (`limit`, the
/// settings' `max_unpaid_units_per_product`). A buyer has at most one unpaid order, the
/// checkout of their one cart (its lock is a condition of the hold's transaction), so a
/// line is all they can hold of a product: there is nothing else to count.
pub fn within_unpaid_limit(product_id: &str, quantity: u32, limit: i64) -> Result<(), ApiError> {
    if i64::from(quantity) > limit {
        let details = json!({"product_id": product_id, "limit": limit, "requested": quantity});
        return Err(ApiError::UnpaidLimitExceeded(details));
    }
    Ok(())
}

/// The sale percent of a product at `now`, if it is in a sale.
pub fn sale_percent(product: &ProductRecord, now: DateTime<Utc>) -> Option<Percent> {
    product.active_sale(now).map(|s| s.percent)
}

/// A priced set of lines with what checkout needs besides the amounts.
pub struct Priced {
    pub breakdown: Breakdown,
    pub products: HashMap<String, ProductRecord>,
    /// The lines bought under a sale, for the per-sale limit.
    pub sale_lines: Vec<SaleLine>,
    /// The promo code applied, when usable by this buyer now.
    pub promo: Option<PromoCode>,
}

/// The promo code `code` if `user_id` may use it now.
pub async fn usable_promo(
    app: &App,
    code: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<PromoCode>, ApiError> {
    if code.chars().count() > crate::http::MAX_ID_CHARS {
        return Ok(None);
    }
    Ok(app.store.promo(code).await?.filter(|p| p.usable_by(user_id, now)))
}

/// Prices cart lines against current products, sales and the promo code: the same
/// numbers the cart, the checkout, the order and the invoice show.
pub async fn price_lines(
    app: &App,
    user_id: &str,
    lines: &[CartLineRecord],
    promo_code: Option<&str>,
    fees: Fees,
) -> Result<Priced, ApiError> {
    price_with(app, user_id, lines, promo_code, fees, HashMap::new()).await
}

/// `price_lines`, with the products already read (`known`): only the others are read.
pub async fn price_with(
    app: &App,
    user_id: &str,
    lines: &[CartLineRecord],
    promo_code: Option<&str>,
    fees: Fees,
    known: HashMap<String, ProductRecord>,
) -> Result<Priced, ApiError> {
    let now = app.clock.now();
    let missing: Vec<String> =
        lines.iter().map(|l| l.product_id.clone()).filter(|id| !known.contains_key(id)).collect();
    let mut products = known;
    if !missing.is_empty() {
        products.extend(app.store.products_by_id(&missing).await?);
    }
    let mut inputs = Vec::new();
    let mut sale_lines = Vec::new();
    for line in lines {
        let Some(product) = products.get(&line.product_id) else { continue };
        let sale = product.active_sale(now);
        if let Some(sale) = sale {
            sale_lines.push(SaleLine {
                product_id: product.product_id.clone(),
                sale_id: sale.sale_id.clone(),
                quantity: line.quantity,
            });
        }
        inputs.push(LineInput {
            product_id: product.product_id.clone(),
            name: product.name.clone(),
            quantity: line.quantity,
            price: product.price_cents,
            discount: unit_discount(product.product_discount, sale.map(|s| s.percent)),
        });
    }
    let promo = match promo_code {
        Some(code) => usable_promo(app, code, user_id, now).await?,
        None => None,
    };
    let promo_input = promo.as_ref().map(|p| PromoInput {
        code: p.code.clone(),
        discount_percent: p.discount_percent,
        commission_percent: p.commission_percent,
    });
    let breakdown = pricing::price(&inputs, promo_input.as_ref(), fees);
    Ok(Priced { breakdown, products, sale_lines, promo })
}

pub async fn view(app: &App, cart: &CartRecord) -> Result<Cart, ApiError> {
    view_with(app, cart, HashMap::new()).await
}

/// `view`, with the products already read (`known`).
pub async fn view_with(app: &App, cart: &CartRecord, known: HashMap<String, ProductRecord>) -> Result<Cart, ApiError> {
    let promo = cart.promo_code.as_deref();
    let priced = price_with(app, &cart.user_id, &cart.lines, promo, Fees::default(), known).await?;
    Ok(Cart::new(&cart.cart_id, &priced.breakdown))
}

/// The caller's unpaid cart (created empty on first use), priced.
pub async fn current(app: &App, user_id: &str) -> Result<Cart, ApiError> {
    let cart = app.store.open_cart(user_id, app.clock.now()).await?;
    view(app, &cart).await
}
