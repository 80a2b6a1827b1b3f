//! `GET /orders` (the full history, newest first) and `GET /orders/{order_id}`.
use lambda_http::{Body, Request, Response};
use shared::http::{self, path_param, Caller, Cursor, HttpResult, Page, PageRequest, Route};
use shared::views::Order;
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    match route {
        Route::ListOrders => {
            let page = PageRequest::from_request(req)?;
            let after = page.cursor.as_ref().map(|c| c.0.as_str());
            let (orders, next) = app.store.user_orders(&caller.user_id, page.limit, after).await?;
            let items: Vec<&Order> = orders.iter().map(|o| &o.order).collect();
            http::ok(&Page::new(items, next.map(Cursor)))
        }
        Route::GetOrder => {
            let order_id = path_param(req, "order_id")?;
            // Someone else's order does not exist for this caller.
            let order = app
                .store
                .order(&order_id)
                .await?
                .filter(|o| o.user_id == caller.user_id)
                .ok_or_else(|| ApiError::not_found("order"))?;
            http::ok(&order.order)
        }
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}
