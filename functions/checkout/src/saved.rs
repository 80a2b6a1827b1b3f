//! A saved method charged at once for the placed order.
use shared::orders::{self, Cause, Outcome};
use shared::payments::{self, ChargeRequest};
use shared::store::{OrderRecord, PaymentMethodRecord};
use shared::{ApiError, App};

/// Charges the saved method for the placed order and applies the outcome as the webhook
/// would: paid (invoice, email, event), or failed (hold released, items back in the cart).
/// The charge's idempotency key is the order: a retried request never charges twice, and
/// the provider's webhook delivering the same outcome changes nothing more.
pub(crate) async fn charge(
    app: &App,
    order: &OrderRecord,
    method: &PaymentMethodRecord,
) -> Result<OrderRecord, ApiError> {
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
