//! `GET /payment-methods` (the caller's saved methods, with the expiry flags of cards) and
//! `DELETE /payment-methods/{payment_method_id}` (refused while a live subscription
//! charges it; someone else's method does not exist for the caller; the provider forgets it).
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::saved_method;
use shared::http::{self, path_param, Caller, HttpResult, Route};
use shared::saved_methods::{self, SavedMethod};
use shared::store::Deletion;
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

#[derive(Serialize)]
struct Listing {
    items: Vec<SavedMethod>,
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    match route {
        Route::ListPaymentMethods => {
            let (records, settings) =
                tokio::try_join!(app.store.payment_methods(&caller.user_id), app.store.settings())?;
            let now = app.clock.now();
            let items = records.iter().map(|r| SavedMethod::new(r, now, settings.card_expiry_notice_days)).collect();
            http::ok(&Listing { items })
        }
        Route::DeletePaymentMethod => {
            let id = path_param(req, "payment_method_id")?;
            let id = saved_method::parse_id(&id, "payment_method_id")?;
            match saved_methods::delete(app, &caller.user_id, id).await? {
                Deletion::Deleted => {
                    tracing::info!(user_id = %caller.user_id, payment_method_id = %id, "payment method deleted");
                    http::no_content()
                }
                Deletion::NotFound => {
                    Err(ApiError::NotFound { code: "payment_method_not_found", what: "payment method" })
                }
                Deletion::InUse => Err(ApiError::PaymentMethodInUse),
            }
        }
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}
