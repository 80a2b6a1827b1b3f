//! The `/cart` routes: one unpaid cart per user, priced on every answer.
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::domain::order::{DeliveryRequest, Gift};
use shared::domain::Quantity;
use shared::http::error::{SaleLimit, Shortage};
use shared::http::{self, json_body, path_id, Caller, HttpResult, Route};
use std::collections::HashMap;

use shared::store::{CartRecord, ProductRecord, StoreError};
use shared::{cart, ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let user = caller.user_id.as_str();
    match route {
        Route::GetCart => http::ok(&cart::current(app, user).await?),
        Route::AddCartItem => {
            let body: AddItem = json_body(req)?;
            let quantity = Quantity::parse(body.quantity)?;
            change_line(app, user, &body.product_id, |current| current.saturating_add(quantity.units())).await
        }
        Route::SetCartItem => {
            let body: SetItem = json_body(req)?;
            let quantity = if body.quantity == 0 { 0 } else { Quantity::parse(body.quantity)?.units() };
            change_line(app, user, &path_id(req, "product_id", PRODUCT_NOT_FOUND)?, |_| quantity).await
        }
        Route::RemoveCartItem => change_line(app, user, &path_id(req, "product_id", PRODUCT_NOT_FOUND)?, |_| 0).await,
        Route::ApplyPromoCode => {
            let body: PromoBody = json_body(req)?;
            let code = body.code.trim().to_uppercase();
            // Unknown, expired, used up and one's own code all look the same.
            if cart::usable_promo(app, &code, user, app.clock.now()).await?.is_none() {
                return Err(ApiError::NotFound { code: "promo_code_not_found", what: "promo code" });
            }
            change_cart(app, user, &[], |cart, _| {
                cart.promo_code = Some(code.clone());
                Ok(())
            })
            .await
        }
        Route::RemovePromoCode => {
            change_cart(app, user, &[], |cart, _| {
                cart.promo_code = None;
                Ok(())
            })
            .await
        }
        Route::QuoteCart => {
            let body: QuoteBody = json_body(req)?;
            http::ok(&cart::quote(app, user, body.delivery, body.gift).await?)
        }
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddItem {
    product_id: String,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromoBody {
    code: String,
}

/// The delivery and gift as checkout takes them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteBody {
    delivery: DeliveryRequest,
    #[serde(default)]
    gift: Option<Gift>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetItem {
    quantity: i64,
}

const PRODUCT_NOT_FOUND: ApiError = ApiError::NotFound { code: "product_not_found", what: "product" };

/// Sets one line to `new_quantity(current)` against current stock, the per-sale limit and
/// the units one buyer may hold unpaid.
async fn change_line(app: &App, user_id: &str, product_id: &str, new_quantity: impl Fn(u32) -> u32) -> HttpResult {
    let product_ids = [product_id.to_string()];
    change_cart(app, user_id, &product_ids, |record, read| {
        let product = read.products.get(product_id).ok_or(PRODUCT_NOT_FOUND)?;
        let current = record.quantity_of(product_id);
        let quantity = new_quantity(current);
        if quantity > current {
            // Out of the catalogue: none can be added (what a cart holds can still go).
            if product.archived {
                return Err(PRODUCT_NOT_FOUND);
            }
            if quantity > Quantity::MAX {
                return Err(ApiError::invalid("/quantity", format!("a line holds at most {} units", Quantity::MAX)));
            }
            if i64::from(quantity) > product.stock() {
                let available = product.stock().max(0);
                let short = Shortage { product_id: product_id.to_string(), requested: quantity, available };
                return Err(ApiError::InsufficientStock(vec![short]));
            }
            if let Some(&(held, limit)) = read.sale_units.get(product_id) {
                if i64::from(held) + i64::from(quantity) > limit {
                    let already = held + current;
                    let product_id = product_id.to_string();
                    return Err(ApiError::SaleLimitExceeded(SaleLimit { product_id, limit, already }));
                }
            }
            cart::within_unpaid_limit(product_id, quantity, read.unpaid_limit)?;
        }
        record.set_quantity(product_id, quantity);
        Ok(())
    })
    .await
}

/// What a change of the cart reads besides the cart.
struct Read {
    products: HashMap<String, ProductRecord>,
    /// For each product read that is in a sale now: the units the user holds in that sale,
    /// and the per-sale limit.
    sale_units: HashMap<String, (u32, i64)>,
    /// The units of one product a buyer may hold unpaid.
    unpaid_limit: i64,
}

/// Applies `change` to the user's unlocked cart and saves it, retrying (with a fresh read)
/// when another request changed the cart meanwhile, so concurrent changes all land. The
/// cart and the products `change` needs are read in one round trip, and the answer is
/// priced with them.
async fn change_cart(
    app: &App,
    user_id: &str,
    product_ids: &[String],
    mut change: impl FnMut(&mut CartRecord, &Read) -> Result<(), ApiError>,
) -> HttpResult {
    let mut tries = shared::retry::Retries::new(shared::retry::CONTENDED);
    while tries.next().await {
        let now = app.clock.now();
        let (mut record, products) = app.store.cart_and_products(user_id, product_ids, now).await?;
        ensure_unlocked(&record)?;
        let settings = app.store.settings().await?;
        let mut sale_units = HashMap::new();
        for product in products.values() {
            if let Some(sale) = product.active_sale(now) {
                let held = app.store.sale_units(user_id, &sale.sale_id, &product.product_id).await?;
                sale_units.insert(product.product_id.clone(), (held, settings.sale_unit_limit));
            }
        }
        let read = Read { products, sale_units, unpaid_limit: settings.max_unpaid_units_per_product };
        let before = (record.lines.clone(), record.promo_code.clone());
        change(&mut record, &read)?;
        if (record.lines.clone(), record.promo_code.clone()) == before {
            return http::ok(&cart::view_with(app, &record, read.products).await?);
        }
        match app.store.save_cart(&mut record, &before.0, now).await {
            Ok(()) => return http::ok(&cart::view_with(app, &record, read.products).await?),
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Busy("cart kept changing; gave up".into()))
}

/// A cart whose checkout awaits payment cannot change until that payment ends.
pub fn ensure_unlocked(record: &CartRecord) -> Result<(), ApiError> {
    match &record.checkout_order_id {
        Some(order_id) => Err(ApiError::CheckoutInProgress { order_id: order_id.clone() }),
        None => Ok(()),
    }
}
