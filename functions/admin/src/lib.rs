//! The admin back office (role admin only): settings, sales, promo codes, plans and pickup
//! points, the listings of unpaid carts, payments, stock alerts and subscriptions. The
//! products are `admin-catalogue`, the operators' orders `admin-orders`, the stack's
//! bootstrap `admin-bootstrap`.
mod listings;
mod promotions;
mod reference;
mod settings;

use lambda_http::{Body, Request, Response};
use shared::http::{self, Caller, HttpResult, Route};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    Caller::admin(app, req)?;
    match route {
        Route::PatchSale => promotions::patch_sale(app, req).await,
        Route::EndSale => promotions::end_sale(app, req).await,
        Route::GetSettings => http::ok(&app.store.settings().await?),
        Route::PutSettings => settings::put_settings(app, req).await,
        Route::CreateSale => promotions::create_sale(app, req).await,
        Route::ListSales => promotions::list_sales(app, req).await,
        Route::CreatePromoCode => promotions::create_promo(app, req).await,
        Route::ListPromoCodes => promotions::list_promos(app, req).await,
        Route::PromoCommissions => promotions::commissions(app, req).await,
        Route::DeactivatePromoCode => promotions::deactivate_promo(app, req).await,
        Route::UnpaidCarts => listings::unpaid_carts(app, req).await,
        Route::Payments => listings::payments(app, req).await,
        Route::StockAlerts => listings::stock_alerts(app, req).await,
        Route::AdminSubscriptions => listings::subscriptions(app, req).await,
        Route::AdminListPlans => http::ok(&serde_json::json!({"items": app.store.plans().await?})),
        Route::AdminCreatePlan => reference::create_plan(app, req).await,
        Route::AdminPatchPlan => reference::patch_plan(app, req).await,
        Route::AdminListPickupPoints => http::ok(&serde_json::json!({"items": app.store.pickup_points().await?})),
        Route::AdminCreatePickupPoint => reference::create_pickup_point(app, req).await,
        Route::AdminPatchPickupPoint => reference::patch_pickup_point(app, req).await,
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}
