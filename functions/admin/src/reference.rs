//! Plans and pickup points: what subscribe and checkout offer, created and changed by an
//! operator. Functions see a change within `REFERENCE_TTL`.
use lambda_http::Request;
use serde::Deserialize;
use shared::domain::Name;
use shared::http::{self, json_body, path_param, HttpResult};
use shared::store::{PickupPoint, PickupPointChanges, Plan, PlanChanges};
use shared::{ApiError, App};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPlanBody {
    plan_id: String,
    name: String,
    price_cents: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanPatchBody {
    name: Option<String>,
    price_cents: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPickupPointBody {
    pickup_point_id: String,
    name: String,
    address: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PickupPointPatchBody {
    name: Option<String>,
    address: Option<String>,
}

/// An id an operator chooses: 1 to 40 of `a-z`, `0-9` and `-`, as it appears in URLs.
fn valid_id(raw: &str, field: &'static str) -> Result<String, ApiError> {
    let ok =
        (1..=40).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(ApiError::invalid(format!("/{field}"), format!("{field} must be 1 to 40 of a-z, 0-9 and -")));
    }
    Ok(raw.to_string())
}

fn valid_name(raw: &str) -> Result<String, ApiError> {
    Ok(Name::parse(raw)?.into_inner())
}

/// A plan's monthly price: charged every month, so at least one cent.
fn valid_price(raw: i64) -> Result<i64, ApiError> {
    if !(1..=100_000_000).contains(&raw) {
        return Err(ApiError::invalid("/price_cents", "price_cents must be from 1 to 100000000"));
    }
    Ok(raw)
}

fn valid_address(raw: &str) -> Result<String, ApiError> {
    let address = raw.trim();
    if address.is_empty() || address.chars().count() > 300 || address.chars().any(char::is_control) {
        return Err(ApiError::invalid("/address", "address must be 1 to 300 printable characters"));
    }
    Ok(address.to_string())
}

pub async fn create_plan(app: &App, req: &Request) -> HttpResult {
    let body: NewPlanBody = json_body(req)?;
    let plan = Plan {
        plan_id: valid_id(&body.plan_id, "plan_id")?,
        name: valid_name(&body.name)?,
        price_cents: valid_price(body.price_cents)?,
    };
    if !app.store.create_plan(&plan).await? {
        return Err(ApiError::PlanExists);
    }
    tracing::info!(plan_id = %plan.plan_id, "plan created");
    http::created(&plan)
}

pub async fn patch_plan(app: &App, req: &Request) -> HttpResult {
    let id = path_param(req, "plan_id")?;
    let body: PlanPatchBody = json_body(req)?;
    let changes = PlanChanges {
        name: body.name.as_deref().map(valid_name).transpose()?,
        price_cents: body.price_cents.map(valid_price).transpose()?,
    };
    let plan = app
        .store
        .update_plan(&id, &changes)
        .await?
        .ok_or(ApiError::NotFound { code: "plan_not_found", what: "plan" })?;
    http::ok(&plan)
}

pub async fn create_pickup_point(app: &App, req: &Request) -> HttpResult {
    let body: NewPickupPointBody = json_body(req)?;
    let point = PickupPoint {
        pickup_point_id: valid_id(&body.pickup_point_id, "pickup_point_id")?,
        name: valid_name(&body.name)?,
        address: valid_address(&body.address)?,
    };
    if !app.store.create_pickup_point(&point).await? {
        return Err(ApiError::PickupPointExists);
    }
    tracing::info!(pickup_point_id = %point.pickup_point_id, "pickup point created");
    http::created(&point)
}

pub async fn patch_pickup_point(app: &App, req: &Request) -> HttpResult {
    let id = path_param(req, "pickup_point_id")?;
    let body: PickupPointPatchBody = json_body(req)?;
    let changes = PickupPointChanges {
        name: body.name.as_deref().map(valid_name).transpose()?,
        address: body.address.as_deref().map(valid_address).transpose()?,
    };
    let point =
        app.store.update_pickup_point(&id, &changes).await?.ok_or_else(|| ApiError::not_found("pickup point"))?;
    http::ok(&point)
}
