//! The cart as the contract shows it, priced by the one pricing engine.
use std::collections::HashMap;

use serde::Serialize;

use crate::domain::pricing::{self, unit_discount, Breakdown, Fees, LineInput, PricedLine};
use crate::domain::{Cents, Percent};
use crate::error::ApiError;
use crate::store::{CartLineRecord, CartRecord, ProductRecord};
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
            subtotal_cents: breakdown.subtotal.0,
            volume_discount_percent: breakdown.volume_percent,
            volume_discount_cents: breakdown.volume_discount.0,
            promo_code: breakdown.promo.as_ref().map(|p| p.code.clone()),
            promo_discount_cents: breakdown.promo_discount.0,
            total_cents: breakdown.total.0,
            currency: CURRENCY,
        }
    }
}

/// The sale percent of each product on sale at the app clock's now.
pub async fn sale_percents(_app: &App, _product_ids: &[String]) -> Result<HashMap<String, Percent>, ApiError> {
    // Sale periods are stored by the admin back office (issue 4); until then none is active.
    Ok(HashMap::new())
}

/// Prices cart lines against current products: the same numbers the cart, the checkout,
/// the order and the invoice show.
pub async fn price_lines(
    app: &App,
    lines: &[CartLineRecord],
    fees: Fees,
) -> Result<(Breakdown, HashMap<String, ProductRecord>), ApiError> {
    let ids: Vec<String> = lines.iter().map(|l| l.product_id.clone()).collect();
    let products = app.store.products_by_id(&ids).await?;
    let sales = sale_percents(app, &ids).await?;
    let inputs: Vec<LineInput> = lines
        .iter()
        .filter_map(|line| {
            let product = products.get(&line.product_id)?;
            Some(LineInput {
                product_id: product.product_id.clone(),
                name: product.name.clone(),
                quantity: line.quantity,
                price: Cents(product.price_cents),
                discount: unit_discount(product.product_discount, sales.get(&product.product_id).copied()),
            })
        })
        .collect();
    Ok((pricing::price(&inputs, None, fees), products))
}

pub async fn view(app: &App, cart: &CartRecord) -> Result<Cart, ApiError> {
    let (breakdown, _) = price_lines(app, &cart.lines, Fees::default()).await?;
    Ok(Cart::new(&cart.cart_id, &breakdown))
}

/// The caller's unpaid cart (created empty on first use), priced.
pub async fn current(app: &App, user_id: &str) -> Result<Cart, ApiError> {
    let now = crate::clock::rfc3339(app.clock.now());
    let cart = app.store.open_cart(user_id, &now).await?;
    view(app, &cart).await
}
