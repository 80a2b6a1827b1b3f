//! The cart as the contract shows it, priced by the one pricing engine with the sales and
//! the promo code in force at the app clock's now.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::order::{delivery_fee, Delivery, DeliveryRequest, Gift, PickupPointRef};
use crate::domain::pricing::{self, unit_discount, Breakdown, Fees, LineInput, PricedLine, PromoInput};
use crate::domain::settings::Settings;
use crate::domain::Percent;
use crate::http::error::{ApiError, UnpaidLimit};
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
            // A cart shows no fees (a quote adds them beside it): its total is the goods'.
            total_cents: breakdown.total.less(breakdown.fees.delivery + breakdown.fees.gift).cents(),
            currency: CURRENCY,
        }
    }
}

/// What the payment page will charge for the cart with a delivery and a gift
/// (`POST /cart/quote`): the cart, the fees, and their total.
#[derive(Clone, Debug, Serialize)]
pub struct Quote {
    pub cart: Cart,
    pub delivery_fee_cents: i64,
    pub gift_fee_cents: i64,
    pub total_cents: i64,
    pub currency: &'static str,
}

impl Quote {
    pub fn new(cart_id: &str, breakdown: &Breakdown) -> Self {
        Self {
            cart: Cart::new(cart_id, breakdown),
            delivery_fee_cents: breakdown.fees.delivery.cents(),
            gift_fee_cents: breakdown.fees.gift.cents(),
            total_cents: breakdown.total.cents(),
            currency: CURRENCY,
        }
    }
}

/// A delivery and a gift as the buyer chose them, checked, and the fees they cost: the one
/// place both the quote and checkout take them from.
pub struct Choice {
    pub delivery: Delivery,
    pub gift: Option<Gift>,
    pub fees: Fees,
}

/// Checks a body's `delivery` and `gift` (refusals point into them: `/delivery/address/city`)
/// and prices them with the shop's `settings`.
pub async fn choose(
    app: &App,
    settings: &Settings,
    delivery: DeliveryRequest,
    gift: Option<Gift>,
) -> Result<Choice, ApiError> {
    let pickup_point = match delivery.pickup_point_id() {
        Some(id) => app.store.pickup_point(id).await?,
        None => None,
    };
    let point = pickup_point.as_ref().map(|p| PickupPointRef { name: &p.name, address: &p.address });
    let delivery = delivery.validate(point).map_err(|e| e.within("/delivery"))?;
    let gift = gift.map(|g| g.validate(&delivery).map_err(|e| e.within("/gift"))).transpose()?;
    let fees = Fees {
        delivery: delivery_fee(&delivery, settings),
        gift: gift.as_ref().map(|g| g.fee(settings)).unwrap_or_default(),
    };
    Ok(Choice { delivery, gift, fees })
}

/// The caller's cart priced with a delivery and a gift, as checkout would charge it now.
pub async fn quote(app: &App, user_id: &str, delivery: DeliveryRequest, gift: Option<Gift>) -> Result<Quote, ApiError> {
    let settings = app.store.settings().await?;
    let choice = choose(app, &settings, delivery, gift).await?;
    let cart = app.store.cart(user_id).await?.unwrap_or_else(|| CartRecord::empty(user_id, app.clock.now()));
    let priced = price_lines(app, user_id, &cart.lines, cart.promo_code.as_deref(), choice.fees).await?;
    Ok(Quote::new(&cart.cart_id, &priced.breakdown))
}

/// Refuses a line of more units than one buyer may hold unpaid of a product (`limit`, the
/// settings' `max_unpaid_units_per_product`). A buyer has at most one unpaid order, the
/// checkout of their one cart (its lock is a condition of the hold's transaction), so a
/// line is all they can hold of a product: there is nothing else to count.
pub fn within_unpaid_limit(product_id: &str, quantity: u32, limit: i64) -> Result<(), ApiError> {
    if i64::from(quantity) > limit {
        let product_id = product_id.to_string();
        return Err(ApiError::UnpaidLimitExceeded(UnpaidLimit { product_id, limit, requested: quantity }));
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
        discount: p.discount,
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
