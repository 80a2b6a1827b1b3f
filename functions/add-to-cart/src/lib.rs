//! The `/cart` routes: one unpaid cart per user, priced on every answer.
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::domain::Quantity;
use shared::http::{self, json_body, path_param, Caller, HttpResult, Route};
use shared::store::{CartRecord, StoreError};
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
            change_line(app, user, &path_param(req, "product_id")?, |_| quantity).await
        }
        Route::RemoveCartItem => change_line(app, user, &path_param(req, "product_id")?, |_| 0).await,
        Route::ApplyPromoCode => {
            let body: PromoBody = json_body(req)?;
            let code = body.code.trim().to_uppercase();
            // Unknown, expired, used up and one's own code all look the same.
            if cart::usable_promo(app, &code, user, app.clock.now()).await?.is_none() {
                return Err(ApiError::NotFound { code: "promo_code_not_found", what: "promo code" });
            }
            change_cart(app, user, |cart| cart.promo_code = Some(code.clone())).await
        }
        Route::RemovePromoCode => change_cart(app, user, |cart| cart.promo_code = None).await,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetItem {
    quantity: i64,
}

/// Sets one line to `new_quantity(current)` against current stock and the per-sale limit.
async fn change_line(app: &App, user_id: &str, product_id: &str, new_quantity: impl Fn(u32) -> u32) -> HttpResult {
    let product = app
        .store
        .product(product_id)
        .await?
        .ok_or(ApiError::NotFound { code: "product_not_found", what: "product" })?;
    let sale_held = match product.active_sale(app.clock.now()) {
        Some(sale) => Some((
            app.store.sale_units(user_id, &sale.sale_id, product_id).await?,
            app.store.settings().await?.sale_unit_limit,
        )),
        None => None,
    };
    let mut refusal = None;
    let answer = change_cart(app, user_id, |record| {
        let current = record.quantity_of(product_id);
        let quantity = new_quantity(current);
        if quantity > current {
            if quantity > Quantity::MAX {
                refusal = Some(ApiError::invalid(format!("a line holds at most {} units", Quantity::MAX)));
                return;
            }
            if i64::from(quantity) > product.stock {
                refusal = Some(ApiError::InsufficientStock(
                    json!({"product_id": product_id, "available": product.stock.max(0)}),
                ));
                return;
            }
            if let Some((held, limit)) = sale_held {
                if i64::from(held) + i64::from(quantity) > limit {
                    let already = held + current;
                    refusal = Some(ApiError::SaleLimitExceeded(
                        json!({"product_id": product_id, "limit": limit, "already": already}),
                    ));
                    return;
                }
            }
        }
        refusal = None;
        record.set_quantity(product_id, quantity);
    })
    .await;
    match refusal {
        Some(error) => Err(error),
        None => answer,
    }
}

/// Applies `change` to the user's unlocked cart and saves it, retrying (with a fresh read)
/// when another request changed the cart meanwhile, so concurrent changes all land.
async fn change_cart(app: &App, user_id: &str, mut change: impl FnMut(&mut CartRecord)) -> HttpResult {
    let mut tries = shared::retry::Retries::new(shared::retry::CONTENDED);
    while tries.next().await {
        let now = app.clock.now();
        let mut record = app.store.open_cart(user_id, now).await?;
        ensure_unlocked(&record)?;
        let before = (record.lines.clone(), record.promo_code.clone());
        change(&mut record);
        if (record.lines.clone(), record.promo_code.clone()) == before {
            return http::ok(&cart::view(app, &record).await?);
        }
        match app.store.save_cart(&mut record, now).await {
            Ok(()) => return http::ok(&cart::view(app, &record).await?),
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Internal("cart kept changing; gave up".into()))
}

/// A cart whose checkout awaits payment cannot change until that payment ends.
pub fn ensure_unlocked(record: &CartRecord) -> Result<(), ApiError> {
    match &record.checkout_order_id {
        Some(order_id) => Err(ApiError::CheckoutInProgress(json!({"order_id": order_id}))),
        None => Ok(()),
    }
}
