//! A saved method charged at once for the placed order.
use shared::orders::{self, Cause, Outcome};
use shared::payments::{self, ChargeRequest, ConfirmationPage, PaymentError, ReturnUrls, SessionRequest, Unconfirmed};
use shared::store::{OrderRecord, PaymentMethodRecord};
use shared::{i18n, ApiError, App};

/// Charges the saved method for the placed order and applies the outcome as the webhook
/// would: paid (invoice, email, event), or failed (hold released, items back in the cart).
/// The charge's idempotency key is the order: a retried request never charges twice, and
/// the provider's webhook delivering the same outcome changes nothing more. A card that
/// asks for 3-D Secure leaves the order pending, with the page (`page`: the API's base URL,
/// the storefront's return URLs) where the buyer authenticates that payment (Stripe.js on
/// its PaymentIntent, or the sandbox's challenge).
pub(crate) async fn charge(
    app: &App,
    order: &OrderRecord,
    method: &PaymentMethodRecord,
    page: (String, &ReturnUrls),
) -> Result<(OrderRecord, Option<String>), ApiError> {
    let request = ChargeRequest {
        idempotency_key: format!("order:{}", order.order_id),
        token: method.token.clone(),
        user_id: order.user_id.clone(),
        order_id: Some(order.order_id.clone()),
        subscription_id: None,
        amount_cents: order.total_cents,
        currency: order.currency.clone(),
    };
    let key = request.idempotency_key.clone();
    let event = match payments::provider_for(app, &method.details.method_type).charge(app, request).await {
        Ok(event) => event,
        Err(PaymentError::AuthenticationRequired { payment_id }) => {
            let charge = Unconfirmed { payment_id, idempotency_key: key, method: method.details.clone() };
            let url = authentication_page(app, order, page, charge).await?;
            return Ok((order.clone(), Some(url)));
        }
        Err(error) => {
            // The order keeps its hold: the webhook settles it if the charge went through,
            // else its hold expires.
            tracing::error!(order_id = %order.order_id, %error, "saved method charge failed to complete");
            return Err(ApiError::PaymentUnavailable);
        }
    };
    match orders::apply(app, &order.order_id, Cause::Payment(&event)).await? {
        Outcome::Changed(order) => Ok((*order, None)),
        // The webhook applied the same outcome first.
        _ => Ok((app.store.order(&order.order_id).await?.ok_or_else(|| ApiError::not_found("order"))?, None)),
    }
}

/// The page where the buyer confirms the saved card's payment their bank asked about.
async fn authentication_page(
    app: &App,
    order: &OrderRecord,
    (base_url, return_urls): (String, &ReturnUrls),
    charge: Unconfirmed,
) -> Result<String, ApiError> {
    let session = SessionRequest {
        order_id: Some(order.order_id.clone()),
        subscription_id: None,
        user_id: order.user_id.clone(),
        amount_cents: order.total_cents,
        currency: order.currency.clone(),
        description: i18n::text(order.locale, "confirm-description", &[("reference", order.reference().into())]),
        method_type: charge.method.method_type.clone(),
        allow_save: false,
        expires_at: order.order.expires_at,
        return_urls: return_urls.clone(),
        locale: order.locale,
    };
    let provider = payments::provider_for(app, &charge.method.method_type);
    let page = ConfirmationPage { base_url: &base_url, request: session, charge };
    // What the page is for exists already: its session is written on its own.
    let opened = provider.confirmation_session(app, page).await?;
    if let Some(record) = opened.record {
        app.store.transact(vec![record]).await?;
    }
    Ok(opened.redirect_url)
}
