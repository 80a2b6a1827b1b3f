use lambda_http::Request;
use serde::{Deserialize, Serialize};
use shared::domain::stock::StockShards;
use shared::domain::{Cents, ImageUrl};
use shared::http::{self, json_body, path_param, query_param, Cursor, HttpResult, Page, PageRequest};
use shared::store::{ArchiveError, NewProduct, ProductChanges, ProductRecord, StoreError};
use shared::views::Product;
use shared::{cart, stock, ApiError, App};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewProductBody {
    name: String,
    description: String,
    price_cents: i64,
    stock: i64,
    /// How many items the stock is split over (1 to 32); by default one per 100 units, at most 8.
    #[serde(default)]
    stock_shards: Option<i64>,
    product_discount: bool,
    #[serde(default)]
    image_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    name: Option<String>,
    description: Option<String>,
    price_cents: Option<i64>,
    stock: Option<i64>,
    stock_shards: Option<i64>,
    product_discount: Option<bool>,
    /// `null` removes the picture.
    #[serde(default, deserialize_with = "shared::http::absent_null_or")]
    image_url: Option<Option<String>>,
}

/// A product as the back office sees it: the catalogue's view and how its stock is split.
#[derive(Serialize)]
struct AdminProduct {
    #[serde(flatten)]
    product: Product,
    stock_shards: u8,
}

fn valid_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("/name", "name must be 1 to 100 characters"));
    }
    Ok(name.to_string())
}

fn valid_description(description: &str) -> Result<String, ApiError> {
    if description.chars().count() > 2000 {
        return Err(ApiError::invalid("/description", "description is at most 2000 characters"));
    }
    Ok(description.trim().to_string())
}

fn valid_amount(value: i64, field: &str) -> Result<i64, ApiError> {
    if !(0..=100_000_000).contains(&value) {
        return Err(ApiError::invalid(format!("/{field}"), format!("{field} must be from 0 to 100000000")));
    }
    Ok(value)
}

fn valid_price(value: i64) -> Result<Cents, ApiError> {
    Ok(Cents::parse(valid_amount(value, "price_cents")?, "price_cents")?)
}

async fn view(app: &App, record: &ProductRecord) -> Result<AdminProduct, ApiError> {
    let threshold = app.store.settings().await?.low_stock_threshold;
    Ok(view_with(app, record, threshold))
}

fn view_with(app: &App, record: &ProductRecord, low_stock_threshold: i64) -> AdminProduct {
    let product = Product::new(record, cart::sale_percent(record, app.clock.now()), low_stock_threshold);
    AdminProduct { product, stock_shards: record.stock_shards.into() }
}

pub async fn create_product(app: &App, req: &Request) -> HttpResult {
    let body: NewProductBody = json_body(req)?;
    let stock = valid_amount(body.stock, "stock")?;
    let stock_shards = match body.stock_shards {
        Some(count) => StockShards::parse(count)?,
        None => StockShards::for_stock(stock),
    };
    let image_url = body.image_url.as_deref().map(ImageUrl::parse).transpose()?;
    let mut record = ProductRecord::new(
        NewProduct {
            product_id: format!("cap-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            name: valid_name(&body.name)?,
            description: valid_description(&body.description)?,
            price_cents: valid_price(body.price_cents)?,
            stock,
            stock_shards,
            product_discount: body.product_discount,
        },
        app.clock.now(),
    );
    record.image_url = image_url;
    app.store.create_product(&record).await?;
    stock::after_admin_change(app, &record.product_id).await;
    tracing::info!(product_id = %record.product_id, "product created");
    http::created(&view(app, &record).await?)
}

pub async fn patch_product(app: &App, req: &Request) -> HttpResult {
    let id = path_param(req, "product_id")?;
    let body: PatchBody = json_body(req)?;
    let changes = ProductChanges {
        name: body.name.as_deref().map(valid_name).transpose()?,
        description: body.description.as_deref().map(valid_description).transpose()?,
        price_cents: body.price_cents.map(valid_price).transpose()?,
        stock: body.stock.map(|s| valid_amount(s, "stock")).transpose()?,
        stock_shards: body.stock_shards.map(StockShards::parse).transpose()?,
        product_discount: body.product_discount,
        image_url: body.image_url.map(|url| url.as_deref().map(ImageUrl::parse).transpose()).transpose()?,
    };
    let mut tries = shared::retry::Retries::new(shared::retry::CONTENDED);
    while tries.next().await {
        let current = app.store.product(&id).await?.ok_or_else(|| ApiError::not_found("product"))?;
        match app.store.update_product(&current, &changes, app.clock.now()).await {
            Ok(()) => {
                stock::after_admin_change(app, &id).await;
                let updated = app.store.product(&id).await?.ok_or_else(|| ApiError::not_found("product"))?;
                return http::ok(&view(app, &updated).await?);
            }
            // A checkout held units meanwhile (in the product item or a shard): read again
            // and apply the change on top.
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Busy(format!("product {id} kept changing")))
}

/// `POST /admin/products/{product_id}/archive` and `.../unarchive`: out of the catalogue
/// or back in; archiving is refused while a cart holds the product.
pub async fn set_archived(app: &App, req: &Request, archived: bool) -> HttpResult {
    let id = path_param(req, "product_id")?;
    let product = app.store.product(&id).await?.ok_or_else(|| ApiError::not_found("product"))?;
    match app.store.set_archived(&product, archived).await {
        Ok(()) => {}
        Err(ArchiveError::NotFound) => return Err(ApiError::not_found("product")),
        Err(ArchiveError::InOpenCarts(carts)) => return Err(ApiError::ProductInOpenCarts { carts }),
        Err(ArchiveError::Store(e)) => return Err(e.into()),
    }
    tracing::info!(product_id = %id, archived, "product archive state set");
    let updated = app.store.product(&id).await?.ok_or_else(|| ApiError::not_found("product"))?;
    http::ok(&view(app, &updated).await?)
}

/// `GET /admin/products`: every product newest first, `?archived=true|false` to filter.
pub async fn list(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let archived = match query_param(req, "archived").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::invalid("/archived", "archived must be true or false")),
    };
    let after = page.cursor.as_ref().map(|c| c.0.as_str());
    let (records, next) = app.store.admin_products(archived, page.limit, after).await?;
    let threshold = app.store.settings().await?.low_stock_threshold;
    let items: Vec<AdminProduct> = records.iter().map(|r| view_with(app, r, threshold)).collect();
    http::ok(&Page::new(items, next.map(Cursor)))
}
