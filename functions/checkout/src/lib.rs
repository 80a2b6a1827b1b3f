//! `POST /checkout`: holds the stock of every cart line and creates the order in one
//! transaction, then sends the buyer to the provider's hosted payment page, or charges a
//! saved method at once and applies the outcome through the order lifecycle.
//!
//! Read in this order: `terms` (what the request names, checked before anything is held),
//! `place` (one try: price the cart, refuse what cannot be held, open the payment session,
//! write the order), `order` (the new order and why a try was refused), `saved` (a saved
//! method charged at once).
use chrono::{DateTime, Duration, Utc};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::cart::price_lines;
use shared::domain::order::{reference, OrderStatus};
use shared::domain::Locale;
use shared::http::{self, base_url, json_body, Caller, HttpResult, Route};
use shared::i18n;
use shared::payments::{self, Session, SessionRequest};
use shared::retry::{Retries, CONTENDED};
use shared::store::{CartRecord, OrderRecord, UserProfile};
use shared::views::{Order, CURRENCY};
use shared::{ApiError, App};

mod order;
mod saved;
mod terms;

use terms::{Paying, Terms};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve_only(&req, Route::Checkout, || checkout(app, &req)).await
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

async fn checkout(app: &App, req: &Request) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let terms = Terms::checked(app, &caller, json_body(req)?).await?;
    // The account and the cart in one read; a contended retry reads the cart alone.
    let (user, first_cart) = app.store.user_and_cart(&caller.user_id).await?;
    let user = user.ok_or(ApiError::Unauthorized)?;
    // The buyer's language: the account's, else the browser's, else the shop's.
    let locale = Locale::of_buyer(user.locale, http::accept_language(req), terms.settings.default_locale);
    let mut first_cart = Some(first_cart);
    // One id for every try: the provider's payment for it (Stripe's PaymentIntent, keyed
    // `order:<id>`) is created once, however often the cart's contention sends us round.
    let order_id = uuid::Uuid::new_v4().to_string();
    let mut tries = Retries::new(CONTENDED);
    while tries.next().await {
        let cart = match first_cart.take() {
            Some(cart) => cart,
            None => app.store.cart(&user.user_id).await?,
        };
        if let Some(placed) = place(app, req, (&user, locale), &order_id, cart, &terms).await? {
            return answer(app, req, placed, &terms).await;
        }
    }
    Err(ApiError::Busy("the cart kept changing during checkout".into()))
}

/// One try at ordering the cart: the order written with its holds and its payment session,
/// or `None` when the cart or the stock moved since they were read (read them again).
async fn place(
    app: &App,
    req: &Request,
    (user, locale): (&UserProfile, Locale),
    order_id: &str,
    cart: Option<CartRecord>,
    terms: &Terms,
) -> Result<Option<(OrderRecord, Option<String>)>, ApiError> {
    let now = app.clock.now();
    let mut cart = cart.unwrap_or_else(|| CartRecord::empty(&user.user_id, now));
    if let Some(order_id) = &cart.checkout_order_id {
        return Err(ApiError::CheckoutInProgress { order_id: order_id.clone() });
    }
    let priced = price_lines(app, &user.user_id, &cart.lines, cart.promo_code.as_deref(), terms.fees).await?;
    // Refused early what cannot be held, before a payment session is opened.
    let holds = order::holdable(app, &user.user_id, order_id, &cart, &priced, &terms.settings).await?;
    let expires_at = now + Duration::minutes(terms.settings.payment_session_minutes);
    let mut order = order::new(order_id, (user, locale), &priced, terms, now, expires_at);
    order.stock_holds = holds;
    let session = open_session(app, req, terms, &order).await?;
    let redirect_url = session.as_ref().map(|s| s.redirect_url.clone());
    cart.checkout_order_id = Some(order_id.to_string());
    cart.touch(now);
    let limit = u32::try_from(terms.settings.sale_unit_limit).unwrap_or(u32::MAX);
    match app.store.place_order(&order, &cart, limit, now, session.and_then(|s| s.record)).await {
        Ok(()) => {
            // A hold is not a sale: the low-stock alert waits for the payment.
            tracing::info!(order_id = %order_id, user_id = %user.user_id, total_cents = order.total_cents, "order placed, awaiting payment");
            Ok(Some((order, redirect_url)))
        }
        Err(refused) => {
            order::refused(app, &user.user_id, &cart, &priced, &terms.settings, refused).await.map(|()| None)
        }
    }
}

/// The provider's hosted page for the order, when it is paid there.
async fn open_session(
    app: &App,
    req: &Request,
    terms: &Terms,
    order: &OrderRecord,
) -> Result<Option<Session>, ApiError> {
    let Paying::Page(kind) = &terms.paying else { return Ok(None) };
    let units = order.items.iter().map(|line| line.quantity).sum::<u32>();
    let request = SessionRequest {
        order_id: Some(order.order_id.clone()),
        subscription_id: None,
        user_id: order.user_id.clone(),
        amount_cents: order.total_cents,
        currency: CURRENCY.to_string(),
        description: i18n::text(
            order.locale,
            "payment-description",
            &[("reference", reference(&order.order_id).into()), ("count", units.into())],
        ),
        method_type: kind.id().to_string(),
        allow_save: terms.save_payment_method,
        expires_at: order.expires_at,
        return_urls: terms.return_urls.clone(),
        locale: order.locale,
    };
    // The provider unreachable: 503, and nothing is held (the order is not written yet).
    Ok(Some(payments::provider(app).open_session(app, &base_url(&app.config, req), request).await?))
}

/// 201 with the placed order: awaiting payment on the page, or as the saved method's
/// charge left it.
async fn answer(
    app: &App,
    req: &Request,
    (order, redirect_url): (OrderRecord, Option<String>),
    terms: &Terms,
) -> HttpResult {
    let (order, redirect_url) = match &terms.paying {
        Paying::Page(_) => (order, redirect_url),
        Paying::Saved(method) => {
            saved::charge(app, &order, method, (base_url(&app.config, req), &terms.return_urls)).await?
        }
    };
    // Pending (on the page, or confirming a saved card with the bank) until its hold ends.
    let expires_at = redirect_url.as_ref().map(|_| order.expires_at);
    http::created(&Placed {
        order_id: order.order_id.clone(),
        status: order.status,
        redirect_url,
        expires_at,
        order: order.order,
    })
}
