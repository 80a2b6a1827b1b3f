//! The `/cart` routes: one unpaid cart per user, priced on every answer.
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::domain::Quantity;
use shared::http::{self, json_body, path_param, route_key, Caller, HttpResult};
use shared::store::{CartRecord, StoreError};
use shared::{cart, ApiError, App};

/// Optimistic retries before giving up on a cart that keeps changing under us.
const MAX_ATTEMPTS: usize = 10;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let user = caller.user_id.as_str();
    match route_key(req).as_str() {
        "GET /cart" => http::ok(&cart::current(app, user).await?),
        "POST /cart/items" => {
            let body: AddItem = json_body(req)?;
            let quantity = Quantity::parse(body.quantity)?;
            change_line(app, user, &body.product_id, |current| current.saturating_add(quantity.0)).await
        }
        "PUT /cart/items/{product_id}" => {
            let body: SetItem = json_body(req)?;
            let quantity = if body.quantity == 0 { 0 } else { Quantity::parse(body.quantity)?.0 };
            change_line(app, user, &path_param(req, "product_id")?, |_| quantity).await
        }
        "DELETE /cart/items/{product_id}" => change_line(app, user, &path_param(req, "product_id")?, |_| 0).await,
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
struct SetItem {
    quantity: i64,
}

/// Sets one line to `new_quantity(current)` against current stock, retrying when another
/// request changed the cart meanwhile, so concurrent changes all land.
async fn change_line(app: &App, user_id: &str, product_id: &str, new_quantity: impl Fn(u32) -> u32) -> HttpResult {
    let product = app
        .store
        .product(product_id)
        .await?
        .ok_or(ApiError::NotFound { code: "product_not_found", what: "product" })?;
    for _ in 0..MAX_ATTEMPTS {
        let now = shared::clock::rfc3339(app.clock.now());
        let mut record = app.store.open_cart(user_id, &now).await?;
        ensure_unlocked(&record)?;
        let quantity = new_quantity(record.quantity_of(product_id));
        if quantity > Quantity::MAX {
            return Err(ApiError::invalid(format!("a line holds at most {} units", Quantity::MAX)));
        }
        if i64::from(quantity) > product.stock && quantity > record.quantity_of(product_id) {
            return Err(ApiError::InsufficientStock(
                json!({"product_id": product_id, "available": product.stock.max(0)}),
            ));
        }
        record.set_quantity(product_id, quantity);
        match app.store.save_cart(&mut record, &now).await {
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
