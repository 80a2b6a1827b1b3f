//! Orders for operators (role admin only): the listing, one order's whole story, and the
//! moves an operator makes after a sale (cancel, partial refunds, fulfilment). A function of
//! its own, apart from the rest of the back office, so that each binary stays small.
mod orders;

use lambda_http::{Body, Request, Response};
use shared::http::{self, Caller, HttpResult, Route};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    Caller::admin(app, req)?;
    match route {
        Route::AdminListOrders => orders::list(app, req).await,
        Route::AdminGetOrder => orders::detail(app, req).await,
        Route::AdminCancelOrder => orders::cancel(app, req).await,
        Route::AdminRefundOrder => orders::refund(app, req).await,
        Route::AdminFulfilOrder => orders::fulfil(app, req).await,
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}
