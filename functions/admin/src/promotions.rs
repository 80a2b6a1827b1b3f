use chrono::{DateTime, Utc};
use lambda_http::Request;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::domain::pricing::PromoDiscount;
use shared::domain::{Cents, Percent};
use shared::http::{self, json_body, path_id, Cursor, HttpResult, Page, PageRequest, MAX_ID_CHARS};
use shared::store::{PromoCode, Sale, SaleError, StoreError};
use shared::{ApiError, App};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaleBody {
    name: String,
    #[serde(with = "shared::clock::secs")]
    starts_at: DateTime<Utc>,
    #[serde(with = "shared::clock::secs")]
    ends_at: DateTime<Utc>,
    percent: i64,
    product_ids: Vec<String>,
}

/// A transaction holds at most 100 actions: the sale and one per product.
const MAX_SALE_PRODUCTS: usize = 99;

/// `PATCH /admin/sales/{sale_id}`: any of these; the rules of creation apply.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SalePatch {
    name: Option<String>,
    #[serde(default, with = "shared::clock::secs::option")]
    starts_at: Option<DateTime<Utc>>,
    #[serde(default, with = "shared::clock::secs::option")]
    ends_at: Option<DateTime<Utc>>,
    percent: Option<i64>,
}

fn sale_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("/name", "name must be 1 to 100 characters"));
    }
    Ok(name.to_string())
}

fn sale_period(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), ApiError> {
    if ends_at <= starts_at {
        return Err(ApiError::invalid("/ends_at", "ends_at must be after starts_at"));
    }
    Ok(())
}

fn sale_percent(percent: i64) -> Result<Percent, ApiError> {
    let percent = Percent::parse(percent, "percent")?;
    if percent == Percent::ZERO {
        return Err(ApiError::invalid("/percent", "percent must be from 1 to 100"));
    }
    Ok(percent)
}

fn overlap(overlaps: &[(String, String)]) -> ApiError {
    let conflicts: Vec<_> = overlaps.iter().map(|(p, s)| json!({"product_id": p, "sale_id": s})).collect();
    ApiError::SaleOverlap(json!({ "conflicts": conflicts }))
}

fn unknown_sale() -> ApiError {
    ApiError::not_found("sale")
}

pub async fn create_sale(app: &App, req: &Request) -> HttpResult {
    let body: SaleBody = json_body(req)?;
    let name = sale_name(&body.name)?;
    sale_period(body.starts_at, body.ends_at)?;
    let percent = sale_percent(body.percent)?;
    let mut product_ids = body.product_ids.clone();
    product_ids.sort();
    product_ids.dedup();
    if product_ids.is_empty() || product_ids.len() > MAX_SALE_PRODUCTS {
        return Err(ApiError::invalid(
            "/product_ids",
            format!("product_ids must list 1 to {MAX_SALE_PRODUCTS} products"),
        ));
    }
    if let Some(i) = body.product_ids.iter().position(|id| id.chars().count() > MAX_ID_CHARS) {
        let message = format!("a product id has at most {MAX_ID_CHARS} characters");
        return Err(ApiError::invalid(format!("/product_ids/{i}"), message));
    }
    let sale = Sale {
        sale_id: uuid::Uuid::new_v4().to_string(),
        name,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        percent,
        product_ids,
        created_at: app.clock.now(),
    };
    match app.store.create_sale(&sale).await {
        Ok(()) => http::created(&sale),
        Err(SaleError::Overlap(overlaps)) => Err(overlap(&overlaps)),
        Err(SaleError::UnknownProducts(ids)) => {
            let first = ids.first().and_then(|id| body.product_ids.iter().position(|p| p == id)).unwrap_or_default();
            let message = format!("unknown products: {}", ids.join(", "));
            Err(ApiError::invalid(format!("/product_ids/{first}"), message))
        }
        Err(SaleError::Store(e)) => Err(e.into()),
    }
}

pub async fn patch_sale(app: &App, req: &Request) -> HttpResult {
    let id = path_id(req, "sale_id", unknown_sale())?;
    let body: SalePatch = json_body(req)?;
    let name = body.name.as_deref().map(sale_name).transpose()?;
    let percent = body.percent.map(sale_percent).transpose()?;
    let mut sale = app.store.sale(&id).await?.ok_or_else(unknown_sale)?;
    sale.name = name.unwrap_or(sale.name);
    sale.percent = percent.unwrap_or(sale.percent);
    sale.starts_at = body.starts_at.unwrap_or(sale.starts_at);
    sale.ends_at = body.ends_at.unwrap_or(sale.ends_at);
    sale_period(sale.starts_at, sale.ends_at)?;
    save_changed(app, sale).await
}

/// `POST /admin/sales/{sale_id}/end`: over now (a sale not started yet, too).
pub async fn end_sale(app: &App, req: &Request) -> HttpResult {
    let id = path_id(req, "sale_id", unknown_sale())?;
    let mut sale = app.store.sale(&id).await?.ok_or_else(unknown_sale)?;
    let now = app.clock.now();
    if sale.ends_at <= now {
        return Err(ApiError::SaleOver);
    }
    sale.starts_at = sale.starts_at.min(now);
    sale.ends_at = now;
    save_changed(app, sale).await
}

async fn save_changed(app: &App, sale: Sale) -> HttpResult {
    match app.store.update_sale(&sale).await {
        Ok(()) => {
            tracing::info!(sale_id = %sale.sale_id, "sale changed");
            http::ok(&sale)
        }
        Err(SaleError::Overlap(overlaps)) => Err(overlap(&overlaps)),
        Err(SaleError::UnknownProducts(ids)) => {
            Err(ApiError::Internal(format!("the sale's products vanished: {ids:?}")))
        }
        Err(SaleError::Store(e)) => Err(e.into()),
    }
}

pub async fn list_sales(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let (sales, next) = app.store.sales(page.limit, page.cursor.as_ref().map(|c| c.0.as_str())).await?;
    http::ok(&Page::new(sales, next.map(Cursor)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromoBody {
    code: String,
    /// Absent or null: a shop-wide code.
    #[serde(default)]
    owner_user_id: Option<String>,
    #[serde(default)]
    discount_percent: Option<i64>,
    #[serde(default)]
    discount_amount_cents: Option<i64>,
    #[serde(default)]
    commission_percent: Option<i64>,
    #[serde(default)]
    max_uses: Option<i64>,
    #[serde(default, with = "shared::clock::secs::option")]
    expires_at: Option<DateTime<Utc>>,
}

/// Exactly one of a percentage and a fixed amount.
fn promo_discount(percent: Option<i64>, amount: Option<i64>) -> Result<PromoDiscount, ApiError> {
    match (percent, amount) {
        (Some(percent), None) => {
            Ok(PromoDiscount::Percent { discount_percent: Percent::parse(percent, "discount_percent")? })
        }
        (None, Some(amount)) if (1..=100_000_000).contains(&amount) => {
            Ok(PromoDiscount::Amount { discount_amount_cents: Cents::parse(amount, "discount_amount_cents")? })
        }
        (None, Some(_)) => {
            Err(ApiError::invalid("/discount_amount_cents", "discount_amount_cents must be from 1 to 100000000"))
        }
        (Some(_), Some(_)) => {
            Err(ApiError::invalid("/discount_amount_cents", "give discount_percent or discount_amount_cents, not both"))
        }
        (None, None) => {
            Err(ApiError::invalid("/discount_percent", "discount_percent or discount_amount_cents is required"))
        }
    }
}

pub async fn create_promo(app: &App, req: &Request) -> HttpResult {
    let body: PromoBody = json_body(req)?;
    let code = body.code.trim().to_uppercase();
    if !(3..=32).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ApiError::invalid("/code", "code must be 3 to 32 letters, digits, '-' or '_'"));
    }
    let discount = promo_discount(body.discount_percent, body.discount_amount_cents)?;
    let commission = Percent::parse(body.commission_percent.unwrap_or(0), "commission_percent")?;
    let max_uses = body
        .max_uses
        .map(|m| {
            u32::try_from(m)
                .ok()
                .filter(|m| *m >= 1)
                .ok_or_else(|| ApiError::invalid("/max_uses", "max_uses must be at least 1"))
        })
        .transpose()?;
    let now = app.clock.now();
    if body.expires_at.is_some_and(|e| e <= now) {
        return Err(ApiError::invalid("/expires_at", "expires_at must be in the future"));
    }
    match &body.owner_user_id {
        Some(owner) if owner.chars().count() > MAX_ID_CHARS || app.store.user(owner).await?.is_none() => {
            return Err(ApiError::invalid("/owner_user_id", format!("no user {owner}")));
        }
        Some(_) => {}
        // Shop-wide: nobody to earn a commission.
        None if commission != Percent::ZERO => {
            let message = "a code without owner_user_id earns no commission: commission_percent must be 0";
            return Err(ApiError::invalid("/commission_percent", message));
        }
        None => {}
    }
    let promo = PromoCode {
        code,
        owner_user_id: body.owner_user_id,
        discount,
        commission_percent: commission,
        max_uses,
        expires_at: body.expires_at,
        uses: 0,
        created_at: now,
        active: true,
    };
    match app.store.create_promo(&promo).await {
        Ok(()) => http::created(&promo),
        Err(StoreError::ConditionFailed) => Err(ApiError::PromoCodeTaken),
        Err(e) => Err(e.into()),
    }
}

pub async fn list_promos(app: &App, req: &Request) -> HttpResult {
    let page = PageRequest::from_request(req)?;
    let (promos, next) = app.store.promos(page.limit, page.cursor.as_ref().map(|c| c.0.as_str())).await?;
    http::ok(&Page::new(promos, next.map(Cursor)))
}

#[derive(Serialize)]
struct Commissions {
    items: Vec<shared::store::Commission>,
    total_earned_cents: i64,
}

fn unknown_promo() -> ApiError {
    ApiError::NotFound { code: "promo_code_not_found", what: "promo code" }
}

/// `POST /admin/promo-codes/{code}/deactivate`: refused at the cart and at checkout from now
/// on, like an expired code; orders placed with it keep their discount and commission.
pub async fn deactivate_promo(app: &App, req: &Request) -> HttpResult {
    let code = path_id(req, "code", unknown_promo())?.to_uppercase();
    let promo = app.store.deactivate_promo(&code).await?.ok_or_else(unknown_promo)?;
    tracing::info!(code = %promo.code, "promo code deactivated");
    http::ok(&promo)
}

pub async fn commissions(app: &App, req: &Request) -> HttpResult {
    let unknown = unknown_promo;
    let code = path_id(req, "code", unknown())?.to_uppercase();
    if app.store.promo(&code).await?.is_none() {
        return Err(unknown());
    }
    let items = app.store.commissions(&code).await?;
    let total_earned_cents = items
        .iter()
        .filter(|c| c.status == shared::domain::order::CommissionStatus::Earned)
        .map(|c| c.amount_cents)
        .sum();
    http::ok(&Commissions { items, total_earned_cents })
}
