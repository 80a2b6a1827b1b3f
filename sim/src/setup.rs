//! What an admin does before and after the sale, through the admin API: a product with the
//! sale's units, the sale on it, the per-buyer limit in the settings, a promo code with few
//! uses; then, after the first wave, the clock moved past the payment sessions so that the
//! abandoned holds expire and come back.
use chrono::{DateTime, Datelike, Duration, Utc};
use serde_json::{json, Value};

use crate::buyer::{Journey, Payment};
use crate::client::{Answer, Api, Route};
use crate::{Options, SimError, Target};

/// Buyers' tokens last an hour of the stack's clock; the sim moves it past the payment
/// sessions once, and needs the tokens afterwards.
const TOKEN_MINUTES: i64 = 60;
const MARGIN_MINUTES: i64 = 10;

/// What the sale was set up with.
pub struct Sale {
    /// Tells this run's accounts, product and code from any other's.
    pub run: String,
    pub password: String,
    pub admin_token: String,
    pub product_id: String,
    pub units: i64,
    pub promo_code: String,
    pub promo_uses: u32,
    pub sale_limit: i64,
    pub pickup_point_id: String,
    pub payment_session_minutes: i64,
    /// A card expiry year the hosted page accepts.
    pub expiry_year: i32,
    /// The stack's clock when the sale opened.
    pub opened_at: DateTime<Utc>,
    /// The invoice counter of the year before the sale, when the table is at hand.
    pub invoice_baseline: Option<u64>,
    settings_before: Value,
    /// Seconds into the run when the first buyer arrived.
    pub ready_at: f64,
}

/// The abandoned payments' expiry.
#[derive(Clone, Debug, Default)]
pub struct Release {
    pub abandoned_orders: usize,
    pub abandoned_units: i64,
    pub stock_before: i64,
    pub stock_after: i64,
    /// The orders `release-expired-reservations` released.
    pub released: i64,
}

fn refused(what: &str, answer: &Answer) -> SimError {
    SimError::Setup(answer.unexpected(what))
}

pub async fn prepare(api: &Api, target: &Target, options: &Options) -> Result<Sale, SimError> {
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let login = json!({"email": local::seed::ADMIN_EMAIL, "password": local::seed::ADMIN_PASSWORD});
    let answer = api.post(Route::Login, "/auth/login", None, &login).await?;
    let admin_token = answer.text("token").ok_or_else(|| refused("admin login", &answer))?;
    let admin = Some(admin_token.as_str());

    let clock = api.get(Route::Dev, "/dev/clock", None).await?;
    let opened_at: DateTime<Utc> =
        clock.text("now").and_then(|t| t.parse().ok()).ok_or_else(|| refused("the /dev/clock", &clock))?;

    let settings = api.get(Route::Admin, "/admin/settings", admin).await?;
    if settings.status != 200 {
        return Err(refused("the settings", &settings));
    }
    let payment_session_minutes = settings.body["payment_session_minutes"].as_i64().unwrap_or(30);
    if payment_session_minutes + MARGIN_MINUTES >= TOKEN_MINUTES {
        return Err(SimError::Setup(format!(
            "payment_session_minutes is {payment_session_minutes}: moving the clock past it would expire the buyers' \
             tokens; set it under {} minutes",
            TOKEN_MINUTES - MARGIN_MINUTES
        )));
    }
    let mut during = settings.body.clone();
    during["sale_unit_limit"] = json!(options.sale_limit);
    // A greedy buyer takes the sale limit: the units one buyer may hold unpaid must allow it.
    let unpaid = settings.body["max_unpaid_units_per_product"].as_i64().unwrap_or(options.sale_limit);
    during["max_unpaid_units_per_product"] = json!(unpaid.max(options.sale_limit));
    let put = api.put(Route::Admin, "/admin/settings", admin, &during).await?;
    if put.status != 200 {
        return Err(refused("the sale limit setting", &put));
    }

    let product = json!({
        "name": format!("Casquette Flash {run}"),
        "description": "Édition limitée, vente flash simulée.",
        "price_cents": 2500,
        "stock": options.units,
        "product_discount": false,
    });
    let created = api.post(Route::Admin, "/admin/products", admin, &product).await?;
    let product_id = created.text("product_id").ok_or_else(|| refused("the product", &created))?;

    let sale = json!({
        "name": format!("Vente flash {run}"),
        "starts_at": opened_at - Duration::minutes(1),
        "ends_at": opened_at + Duration::days(1),
        "percent": options.sale_percent,
        "product_ids": [product_id],
    });
    let answer = api.post(Route::Admin, "/admin/sales", admin, &sale).await?;
    if answer.status != 201 {
        return Err(refused("the sale", &answer));
    }

    // The code's owner earns its commission and may not use it: an account of its own.
    let owner = json!({"email": format!("influencer-{run}@sim.capsule.local"), "password": "flash-owner-1", "name": "Influencer"});
    let answer = api.post(Route::Signup, "/auth/signup", None, &owner).await?;
    let owner_id = answer.text("user_id").ok_or_else(|| refused("the promo code owner's signup", &answer))?;
    let promo_code = format!("FLASH-{}", run.to_uppercase());
    let promo = json!({
        "code": promo_code,
        "owner_user_id": owner_id,
        "discount_percent": 10,
        "commission_percent": 5,
        "max_uses": options.promo_uses,
    });
    let answer = api.post(Route::Admin, "/admin/promo-codes", admin, &promo).await?;
    if answer.status != 201 {
        return Err(refused("the promo code", &answer));
    }

    let points = api.get(Route::PickupPoints, "/pickup-points", None).await?;
    let pickup_point_id = points.body["items"][0]["pickup_point_id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| refused("the pickup points", &points))?;

    let invoice_baseline = match &target.store {
        Some(store) => Some(store.invoice_counter(opened_at.year()).await?),
        None => None,
    };
    Ok(Sale {
        password: format!("flash-sale-{run}"),
        run,
        admin_token,
        product_id,
        units: options.units,
        promo_code,
        promo_uses: options.promo_uses,
        sale_limit: options.sale_limit,
        pickup_point_id,
        payment_session_minutes,
        expiry_year: opened_at.year() + 4,
        opened_at,
        invoice_baseline,
        settings_before: settings.body,
        ready_at: api.elapsed(),
    })
}

/// The product's stock as the catalogue shows it.
pub async fn stock(api: &Api, sale: &Sale) -> Result<i64, SimError> {
    let product = api.get(Route::Product, &format!("/products/{}", sale.product_id), None).await?;
    product.body["stock"].as_i64().ok_or_else(|| refused("the product", &product))
}

/// Moves the clock past every payment session and runs the job that releases their holds.
pub async fn expire_abandoned(api: &Api, sale: &Sale, journeys: &[Journey]) -> Result<Release, SimError> {
    let abandoned: Vec<_> = journeys.iter().flat_map(|j| &j.orders).filter(|o| o.payment == Payment::Never).collect();
    let stock_before = stock(api, sale).await?;
    let advance = json!({"advance_seconds": (sale.payment_session_minutes + 1) * 60});
    let moved = api.post(Route::Dev, "/dev/clock", None, &advance).await?;
    if moved.status != 200 {
        return Err(refused("moving the clock", &moved));
    }
    let job = api.post(Route::Dev, "/dev/run/release-expired-reservations", None, &json!({})).await?;
    if job.status != 200 {
        return Err(refused("release-expired-reservations", &job));
    }
    // Stripe signs its events at the wall clock: a stack left ahead of it would refuse the
    // second chance's payments as stale (localstripe, unlike Stripe, never sends them again).
    if api.pays_at_stripe() {
        let now = api.post(Route::Dev, "/dev/clock", None, &json!({"now": chrono::Utc::now().to_rfc3339()})).await?;
        if now.status != 200 {
            return Err(refused("moving the clock back", &now));
        }
    }
    Ok(Release {
        abandoned_orders: abandoned.len(),
        abandoned_units: abandoned.iter().map(|o| o.quantity).sum(),
        stock_before,
        stock_after: stock(api, sale).await?,
        released: job.body["report"]["released"].as_i64().unwrap_or(-1),
    })
}

/// Waits until what the sale set in motion has happened: the relay delivers what is left
/// (a page's outcome to the webhook), then the numbering gives every paid order its invoice
/// number, as its schedule would, and sends the invoice emails; `/dev/run` returns once the
/// job and every queue are done (the relay itself leaves alone what is being delivered).
pub async fn settle(api: &Api) -> Result<(), SimError> {
    for job in ["outbox-relay", "invoice-numbering"] {
        let ran = api.post(Route::Dev, &format!("/dev/run/{job}"), None, &json!({})).await?;
        if ran.status != 200 {
            return Err(refused(job, &ran));
        }
    }
    Ok(())
}

/// Puts the settings back as they were before the sale.
pub async fn restore(api: &Api, sale: &Sale) -> Result<(), SimError> {
    let put = api.put(Route::Admin, "/admin/settings", Some(&sale.admin_token), &sale.settings_before).await?;
    match put.status {
        200 => Ok(()),
        _ => Err(refused("restoring the settings", &put)),
    }
}
