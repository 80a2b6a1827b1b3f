//! The catalogue for operators (role admin only): create, change, list, archive and put back
//! products, each change followed by the stock managers' low-stock check. A function of its
//! own, apart from the rest of the back office: it alone renders an email (the alert), so
//! that each binary stays small.
mod products;

use lambda_http::{Body, Request, Response};
use shared::http::{self, Caller, HttpResult, Route};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    Caller::admin(app, req)?;
    match route {
        Route::CreateProduct => products::create_product(app, req).await,
        Route::PatchProduct => products::patch_product(app, req).await,
        Route::AdminListProducts => products::list(app, req).await,
        Route::ArchiveProduct => products::set_archived(app, req, true).await,
        Route::UnarchiveProduct => products::set_archived(app, req, false).await,
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}
