//! The admin back office (role admin only): products, settings, sales, promo codes and
//! the listings of unpaid carts, payments and stock alerts.
mod catalogue;
mod listings;
mod promotions;

use lambda_http::{Body, Request, Response};
use shared::http::{self, route_key, Caller, HttpResult};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> HttpResult {
    Caller::admin(app, req)?;
    match route_key(req).as_str() {
        "POST /admin/products" => catalogue::create_product(app, req).await,
        "PATCH /admin/products/{product_id}" => catalogue::patch_product(app, req).await,
        "GET /admin/settings" => http::ok(&app.store.settings().await?),
        "PUT /admin/settings" => catalogue::put_settings(app, req).await,
        "POST /admin/sales" => promotions::create_sale(app, req).await,
        "GET /admin/sales" => promotions::list_sales(app, req).await,
        "POST /admin/promo-codes" => promotions::create_promo(app, req).await,
        "GET /admin/promo-codes" => promotions::list_promos(app, req).await,
        "GET /admin/promo-codes/{code}/commissions" => promotions::commissions(app, req).await,
        "GET /admin/carts" => listings::unpaid_carts(app, req).await,
        "GET /admin/payments" => listings::payments(app, req).await,
        "GET /admin/stock-alerts" => listings::stock_alerts(app, req).await,
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}
