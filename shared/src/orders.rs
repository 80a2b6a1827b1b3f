//! Order changes shared by several functions: releasing an order's hold (payment failed,
//! hold expired, pending order cancelled) puts the units back on sale and unlocks the cart,
//! in one transaction conditional on the order's status.
use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::order::OrderStatus;
use crate::error::ApiError;
use crate::store::{
    CartRecord, Claims, CommissionChange, OrderRecord, PaymentRecord, StockChange, Transition, TransitionError,
};
use crate::App;

const MAX_ATTEMPTS: usize = 8;

/// The user's cart with this order's lock lifted, if this order holds the lock.
pub async fn unlocked_cart(app: &App, order: &OrderRecord, now: &str) -> Result<Option<CartRecord>, ApiError> {
    let cart = app.store.cart(&order.user_id).await?;
    Ok(cart.filter(|c| c.checkout_order_id.as_deref() == Some(order.order_id.as_str())).map(|mut cart| {
        cart.checkout_order_id = None;
        cart.touch(now);
        cart
    }))
}

/// What a release did.
#[derive(Debug)]
pub enum Released {
    Done(Box<OrderRecord>),
    /// The order had already left `pending_payment` (another event, job or request won).
    NotPending,
    /// This webhook event was applied before.
    AlreadyApplied,
}

/// Moves a pending order to `to` (payment_failed, expired, cancelled), putting its units
/// back on sale and its items back in the (unlocked) cart, exactly once.
pub async fn release_pending(
    app: &App,
    order_id: &str,
    to: OrderStatus,
    event_id: Option<&str>,
    payments: Vec<PaymentRecord>,
) -> Result<Released, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let Some(order) = app.store.order(order_id).await? else { return Err(ApiError::not_found("order")) };
        if order.status != OrderStatus::PendingPayment {
            return Ok(Released::NotPending);
        }
        let now = crate::clock::rfc3339(app.clock.now());
        let mut set = Vec::new();
        if to == OrderStatus::Cancelled {
            set.push(("cancelled_at", AttributeValue::S(now.clone())));
        }
        let transition = Transition {
            order: &order,
            to,
            at: &now,
            set,
            stock: StockChange::Release,
            cart: unlocked_cart(app, &order, &now).await?,
            event_id,
            invoice: None,
            payments: payments.clone(),
            claims: Claims::GiveBack,
            commission: CommissionChange::None,
        };
        match app.store.apply(transition).await {
            Ok(()) => {
                let released = app.store.order(order_id).await?.ok_or_else(|| ApiError::not_found("order"))?;
                crate::stock::check_alerts(app, &released.product_ids()).await;
                tracing::info!(order_id, user_id = %order.user_id, status = to.as_str(), "order hold released");
                return Ok(Released::Done(Box::new(released)));
            }
            Err(TransitionError::AlreadyApplied) => return Ok(Released::AlreadyApplied),
            Err(TransitionError::StatusChanged) => return Ok(Released::NotPending),
            Err(TransitionError::Store(e)) => return Err(e.into()),
            Err(_) => continue,
        }
    }
    Err(ApiError::Internal(format!("order {order_id} kept changing during release")))
}
