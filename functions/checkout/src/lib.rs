//! `POST /checkout`: holds the stock of every cart line and creates the order in one
//! transaction, then sends the buyer to the provider's hosted payment page, or charges a
//! saved method at once and applies the outcome through the order lifecycle.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::cart::price_lines;
use shared::domain::lifecycle::{largest_transaction, MAX_TRANSACTION_WRITES};
use shared::domain::order::{delivery_fee, reference, DeliveryRequest, Gift, OrderStatus, PickupPointRef};
use shared::domain::order::{HistoryEntry, OrderDiscount, OrderDiscountKind};
use shared::domain::pricing::{Breakdown, Fees};
use shared::domain::stock::{self as shard, ShardHold};
use shared::domain::{Locale, Percent};
use shared::http::{self, base_url, json_body, Caller, HttpResult, Route};
use shared::orders::{self, Cause, Outcome};
use shared::payments::methods::PaymentMethodKind;
use shared::payments::{self, methods, ChargeRequest, ReturnUrls, SessionRequest};
use shared::store::{keys, CartRecord, OrderRecord, PaymentMethodRecord, ProductRecord, TransitionError};
use shared::views::{Order, CURRENCY};
use shared::{i18n, saved_methods};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve_only(&req, Route::Checkout, || checkout(app, &req)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutBody {
    payment_method: String,
    #[serde(default)]
    save_payment_method: bool,
    delivery: DeliveryRequest,
    #[serde(default)]
    gift: Option<Gift>,
    /// Where the hosted page sends the buyer afterwards (see `ReturnUrls`).
    #[serde(default)]
    success_url: Option<String>,
    #[serde(default)]
    cancel_url: Option<String>,
}

#[derive(Serialize)]
struct Placed {
    order_id: String,
    status: OrderStatus,
    /// The hosted page, and when its hold ends; none when a saved method was charged.
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", with = "shared::clock::secs::option")]
    expires_at: Option<DateTime<Utc>>,
    order: Order,
}

/// How the buyer pays.
enum Paying {
    /// On the provider's hosted page, with this kind of method.
    Page(&'static dyn PaymentMethodKind),
    /// With a saved method, charged at once.
    Saved(Box<PaymentMethodRecord>),
}

async fn checkout(app: &App, req: &Request) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let body: CheckoutBody = json_body(req)?;
    // Everything the request names is checked before anything is held or charged.
    let return_urls =
        ReturnUrls::checked(&app.config.allowed_origins, body.success_url.as_deref(), body.cancel_url.as_deref())?;
    let paying = match methods::kind(&body.payment_method) {
        Some(kind) => Paying::Page(kind),
        None => Paying::Saved(Box::new(saved_methods::chargeable(app, &caller.user_id, &body.payment_method).await?)),
    };
    let pickup_point = match body.delivery.pickup_point_id() {
        Some(id) => app.store.pickup_point(id).await?,
        None => None,
    };
    let delivery =
        body.delivery.validate(pickup_point.as_ref().map(|p| PickupPointRef { name: &p.name, address: &p.address }))?;
    let gift = body.gift.map(|g| g.validate(&delivery)).transpose()?;
    let settings = app.store.settings().await?;
    let fees = Fees {
        delivery: delivery_fee(&delivery, &settings),
        gift: gift.as_ref().map(|g| g.fee(&settings)).unwrap_or_default(),
    };
    // The account and the cart in one read; a contended retry reads the cart alone.
    let (user, first_cart) = app.store.user_and_cart(&caller.user_id).await?;
    let user = user.ok_or(ApiError::Unauthorized)?;
    let locale = Locale::of_buyer(user.locale, http::accept_language(req), settings.default_locale);
    let mut first_cart = Some(first_cart);

    let mut tries = shared::retry::Retries::new(shared::retry::CONTENDED);
    while tries.next().await {
        let now = app.clock.now();
        let cart = match first_cart.take() {
            Some(cart) => cart,
            None => app.store.cart(&caller.user_id).await?,
        };
        let mut cart = cart.unwrap_or_else(|| CartRecord::empty(&caller.user_id, now));
        if let Some(order_id) = &cart.checkout_order_id {
            return Err(ApiError::CheckoutInProgress(json!({"order_id": order_id})));
        }
        let priced = price_lines(app, &caller.user_id, &cart.lines, cart.promo_code.as_deref(), fees).await?;
        let breakdown = &priced.breakdown;
        if breakdown.lines.is_empty() {
            return Err(ApiError::EmptyCart);
        }
        // Refuse early what cannot be held, before opening a payment session.
        let short = shortages(&cart, &priced.products);
        if !short.is_empty() {
            return Err(insufficient(short));
        }
        let order_id = uuid::Uuid::new_v4().to_string();
        let holds = stock_holds(&order_id, &cart, &priced.products)?;
        // Every later move of the order must fit one transaction: refused before anything is written.
        let writes = largest_transaction(holds.len(), priced.sale_lines.len(), priced.promo.is_some());
        if writes > MAX_TRANSACTION_WRITES {
            return Err(ApiError::CartTooLarge(json!({
                "lines": breakdown.lines.len(),
                "sale_lines": priced.sale_lines.len(),
                "writes": writes,
                "max_writes": MAX_TRANSACTION_WRITES,
            })));
        }
        if cart.promo_code.is_some() && priced.promo.is_none() {
            return Err(ApiError::NotFound { code: "promo_code_not_found", what: "promo code" });
        }
        for line in &priced.sale_lines {
            let held = app.store.sale_units(&caller.user_id, &line.sale_id, &line.product_id).await?;
            if i64::from(held) + i64::from(line.quantity) > settings.sale_unit_limit {
                return Err(sale_limit(&line.product_id, settings.sale_unit_limit, held));
            }
        }
        for line in &cart.lines {
            shared::cart::within_unpaid_limit(&line.product_id, line.quantity, settings.max_unpaid_units_per_product)?;
        }
        let expires_at = now + Duration::minutes(settings.payment_session_minutes);
        let session = match &paying {
            Paying::Page(kind) => {
                let request = SessionRequest {
                    order_id: Some(order_id.clone()),
                    subscription_id: None,
                    user_id: caller.user_id.clone(),
                    amount_cents: breakdown.total.cents(),
                    currency: CURRENCY.to_string(),
                    description: i18n::text(
                        locale,
                        "payment-description",
                        &[("reference", reference(&order_id).into()), ("count", breakdown.total_quantity.into())],
                    ),
                    method_type: kind.id().to_string(),
                    allow_save: body.save_payment_method,
                    expires_at,
                    return_urls: return_urls.clone(),
                    locale,
                };
                let session = payments::provider()
                    .open_session(app, &base_url(&app.config, req), request)
                    .await
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                Some(session)
            }
            Paying::Saved(_) => None,
        };
        let (redirect_url, session_record) = match session {
            Some(session) => (Some(session.redirect_url), session.record),
            None => (None, None),
        };
        let mut order = new_order(
            &order_id,
            &user.user_id,
            &user.email,
            breakdown,
            delivery.clone(),
            gift.clone(),
            now,
            expires_at,
        );
        order.locale = locale;
        order.sale_lines = priced.sale_lines.clone();
        order.stock_holds = holds;
        let limit = u32::try_from(settings.sale_unit_limit).unwrap_or(u32::MAX);
        cart.checkout_order_id = Some(order_id.clone());
        cart.touch(now);
        match app.store.place_order(&order, &cart, limit, now, session_record).await {
            Ok(()) => {
                // A hold is not a sale: the low-stock alert waits for the payment.
                tracing::info!(order_id = %order_id, user_id = %caller.user_id, total_cents = order.total_cents, "order placed, awaiting payment");
                return match &paying {
                    Paying::Page(_) => http::created(&Placed {
                        order_id,
                        status: OrderStatus::PendingPayment,
                        redirect_url,
                        expires_at: Some(expires_at),
                        order: order.order,
                    }),
                    Paying::Saved(method) => {
                        let order = charge_saved(app, &order, method).await?;
                        http::created(&Placed {
                            order_id,
                            status: order.status,
                            redirect_url: None,
                            expires_at: None,
                            order: order.order,
                        })
                    }
                };
            }
            // A shard ran short since it was read: refused only if all of them together are.
            Err(TransitionError::OutOfStock(_)) => {
                let products = app
                    .store
                    .products_by_id(&cart.lines.iter().map(|l| l.product_id.clone()).collect::<Vec<_>>())
                    .await?;
                let short = shortages(&cart, &products);
                if short.is_empty() {
                    continue;
                }
                return Err(insufficient(short));
            }
            Err(TransitionError::SaleLimit(products)) => {
                let product_id = products.first().cloned().unwrap_or_default();
                let sale_id = priced.sale_lines.iter().find(|l| l.product_id == product_id).map(|l| l.sale_id.clone());
                let held = match sale_id {
                    Some(sale_id) => app.store.sale_units(&caller.user_id, &sale_id, &product_id).await?,
                    None => 0,
                };
                return Err(sale_limit(&product_id, settings.sale_unit_limit, held));
            }
            Err(TransitionError::PromoUnavailable) => {
                return Err(ApiError::NotFound { code: "promo_code_not_found", what: "promo code" });
            }
            Err(TransitionError::Store(e)) => return Err(e.into()),
            // The cart changed (or another checkout locked it) between read and write.
            Err(_) => continue,
        }
    }
    Err(ApiError::Busy("the cart kept changing during checkout".into()))
}

/// Charges the saved method for the placed order and applies the outcome as the webhook
/// would: paid (invoice, email, event), or failed (hold released, items back in the cart).
/// The charge's idempotency key is the order: a retried request never charges twice, and
/// the provider's webhook delivering the same outcome changes nothing more.
async fn charge_saved(app: &App, order: &OrderRecord, method: &PaymentMethodRecord) -> Result<OrderRecord, ApiError> {
    let request = ChargeRequest {
        idempotency_key: format!("order:{}", order.order_id),
        token: method.token.clone(),
        user_id: order.user_id.clone(),
        order_id: Some(order.order_id.clone()),
        subscription_id: None,
        amount_cents: order.total_cents,
        currency: order.currency.clone(),
    };
    let event = payments::provider().charge(app, request).await.map_err(|error| {
        // The order keeps its hold: the webhook settles it if the charge went through,
        // else its hold expires.
        tracing::error!(order_id = %order.order_id, %error, "saved method charge failed to complete");
        ApiError::PaymentUnavailable
    })?;
    match orders::apply(app, &order.order_id, Cause::Payment(&event)).await? {
        Outcome::Changed(order) => Ok(*order),
        // The webhook applied the same outcome first.
        _ => app.store.order(&order.order_id).await?.ok_or_else(|| ApiError::not_found("order")),
    }
}

struct Shortage {
    product_id: String,
    requested: u32,
    available: i64,
}

/// Which shards hold each line's units, from the shards as read: a line is never refused
/// while all of its product's shards together have its units.
fn stock_holds(
    order_id: &str,
    cart: &CartRecord,
    products: &HashMap<String, ProductRecord>,
) -> Result<Vec<ShardHold>, ApiError> {
    let mut holds = Vec::new();
    for line in &cart.lines {
        let units = products.get(&line.product_id).map(|p| p.units()).unwrap_or_default();
        match shard::take(order_id, &line.product_id, line.quantity, &units) {
            Some(taken) => holds.extend(taken),
            None => return Err(insufficient(shortages(cart, products))),
        }
    }
    Ok(holds)
}

fn shortages(cart: &CartRecord, products: &HashMap<String, ProductRecord>) -> Vec<Shortage> {
    cart.lines
        .iter()
        .filter_map(|line| {
            let available = products.get(&line.product_id).map_or(0, |p| p.stock().max(0));
            (i64::from(line.quantity) > available).then(|| Shortage {
                product_id: line.product_id.clone(),
                requested: line.quantity,
                available,
            })
        })
        .collect()
}

fn sale_limit(product_id: &str, limit: i64, already: u32) -> ApiError {
    ApiError::SaleLimitExceeded(json!({"product_id": product_id, "limit": limit, "already": already}))
}

fn insufficient(short: Vec<Shortage>) -> ApiError {
    let lines: Vec<_> = short
        .iter()
        .map(|s| json!({"product_id": s.product_id, "requested": s.requested, "available": s.available}))
        .collect();
    ApiError::InsufficientStock(json!({ "lines": lines }))
}

#[allow(clippy::too_many_arguments)]
fn new_order(
    order_id: &str,
    user_id: &str,
    email: &str,
    breakdown: &Breakdown,
    delivery: shared::domain::order::Delivery,
    gift: Option<Gift>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> OrderRecord {
    let key = keys::order(order_id);
    let mut discounts = Vec::new();
    if breakdown.volume_percent > Percent::ZERO {
        discounts.push(OrderDiscount {
            kind: OrderDiscountKind::Volume,
            percent: breakdown.volume_percent,
            amount_cents: breakdown.volume_discount.cents(),
        });
    }
    if let Some(promo) = &breakdown.promo {
        discounts.push(OrderDiscount {
            kind: OrderDiscountKind::Promo,
            percent: promo.discount_percent,
            amount_cents: breakdown.promo_discount.cents(),
        });
    }
    OrderRecord {
        pk: key.pk,
        sk: key.sk,
        gsi1pk: keys::user_orders(user_id),
        gsi1sk: keys::time_sort(now, order_id),
        gsi2pk: Some(keys::PENDING_ORDERS.to_string()),
        gsi2sk: Some(keys::time_sort(expires_at, order_id)),
        user_id: user_id.to_string(),
        email: email.to_string(),
        locale: Locale::default(),
        payment_id: None,
        commission_cents: breakdown.commission.cents(),
        sale_lines: Vec::new(),
        stock_holds: Vec::new(),
        order: Order {
            order_id: order_id.to_string(),
            status: OrderStatus::PendingPayment,
            invoice_number: None,
            items: breakdown.lines.clone(),
            subtotal_cents: breakdown.subtotal.cents(),
            discounts,
            delivery,
            delivery_fee_cents: breakdown.fees.delivery.cents(),
            gift,
            gift_fee_cents: breakdown.fees.gift.cents(),
            total_cents: breakdown.total.cents(),
            currency: CURRENCY.to_string(),
            payment: None,
            promo_code: breakdown.promo.as_ref().map(|p| p.code.clone()),
            created_at: now,
            expires_at,
            paid_at: None,
            cancelled_at: None,
            refund_status: None,
            history: vec![HistoryEntry { status: OrderStatus::PendingPayment, at: now }],
        },
    }
}
