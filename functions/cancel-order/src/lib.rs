//! `POST /orders/{order_id}/cancel`: a pending order is released at once; a paid one,
//! within the admin's cancellation window and before it ships, is refunded and its units go back on sale (the
//! order lifecycle decides; the refund is an effect recorded with the cancellation).
use lambda_http::{Body, Request, Response};
use shared::http::{self, path_param, Caller, HttpResult, Route};
use shared::orders::{self, Cause, Outcome};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve_only(&req, Route::CancelOrder, || cancel(app, &req)).await
}

async fn cancel(app: &App, req: &Request) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let order_id = path_param(req, "order_id")?;
    // Another user's order is not found, never forbidden.
    match orders::apply(app, &order_id, Cause::Cancel { by: &caller.user_id }).await? {
        Outcome::Changed(order) | Outcome::Unchanged(order) => http::ok(&order.order),
        Outcome::Refused(refusal) => Err(refusal.into()),
        Outcome::Refunded | Outcome::AlreadyApplied | Outcome::Recorded | Outcome::UnknownOrder | Outcome::Mismatch => {
            Err(ApiError::Internal("a cancellation is not a payment".into()))
        }
    }
}
