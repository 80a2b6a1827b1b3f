//! The public catalogue: products (search and pages), pickup points, plans.
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::search;
use shared::http::{self, path_param, query_param, Cursor, HttpResult, Page, PageRequest, Route};
use shared::store::{PickupPoint, Plan};
use shared::views::Product;
use shared::{cart, ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let req = &req;
    http::serve(req, |route| async move {
        match route {
            Route::ListProducts => list_products(app, req).await,
            Route::GetProduct => get_product(app, req).await,
            Route::PickupPoints => pickup_points(app).await,
            Route::Plans => plans(app).await,
            other => Err(ApiError::RouteNotFound(other.to_string())),
        }
    })
    .await
}

async fn list_products(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let query = query_param(req, "q").unwrap_or_default();
    if query.chars().count() > 100 {
        return Err(ApiError::invalid("/q", "q must be at most 100 characters"));
    }
    let needles = search::query_needles(&query);
    let after = page.cursor.as_ref().map(|c| c.0.as_str());
    let (records, more) = app.store.list_products(&needles, page.limit, after).await?;
    let threshold = app.store.settings().await?.low_stock_threshold;
    let now = app.clock.now();
    let next = more.then(|| records.last().map(|r| Cursor(r.gsi1sk.clone()))).flatten();
    let items = records.iter().map(|r| Product::new(r, cart::sale_percent(r, now), threshold)).collect();
    http::ok(&Page::new(items, next))
}

async fn get_product(app: &App, req: &Request) -> HttpResult {
    let id = path_param(req, "product_id")?;
    let record = app.store.product(&id).await?.filter(|p| !p.archived).ok_or_else(|| ApiError::not_found("product"))?;
    let threshold = app.store.settings().await?.low_stock_threshold;
    http::ok(&Product::new(&record, cart::sale_percent(&record, app.clock.now()), threshold))
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

async fn pickup_points(app: &App) -> HttpResult {
    let items: Vec<PickupPoint> = app.store.pickup_points().await?;
    http::ok(&Items { items })
}

#[derive(Serialize)]
struct Plans {
    items: Vec<Plan>,
    trial_days: i64,
}

async fn plans(app: &App) -> HttpResult {
    let items = app.store.plans().await?;
    let trial_days = app.store.settings().await?.trial_days;
    http::ok(&Plans { items, trial_days })
}
