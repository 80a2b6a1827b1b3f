use serde::Serialize;
use serde_json::{json, Value};

use crate::domain::lifecycle::Refusal;
use crate::domain::DomainError;
use crate::store::StoreError;

/// Every failure a client can see, mapped to the contract's status and code in one place
/// (`status_code`); handlers return these and never build error bodies themselves.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `invalid_request`: `field` is the JSON pointer of the value refused in the body
    /// (`""`: the body as a whole), or `/name` for a query parameter `name`.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("request body is larger than 64 KiB")]
    PayloadTooLarge,
    #[error("missing, invalid or expired token")]
    Unauthorized,
    #[error("this route is for administrators")]
    Forbidden,
    #[error("{what} not found")]
    NotFound { code: &'static str, what: &'static str },
    #[error("no route for {0}")]
    RouteNotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("an account already uses this email")]
    EmailTaken,
    #[error("this stack has its first admin already; sign in as an admin instead")]
    AlreadyBootstrapped,
    #[error("a plan with this plan_id exists")]
    PlanExists,
    #[error("a pickup point with this pickup_point_id exists")]
    PickupPointExists,
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("too many failed logins for this email; try again later")]
    TooManyAttempts,
    #[error("too many signups from this address; try again later")]
    TooManySignups,
    /// Every short line, at the cart (the line changed) as at checkout (all of them).
    #[error("not enough stock")]
    InsufficientStock(Vec<Shortage>),
    #[error("the per-user limit for this sale product would be exceeded")]
    SaleLimitExceeded(SaleLimit),
    #[error("more units of this product than one buyer may hold unpaid")]
    UnpaidLimitExceeded(UnpaidLimit),
    #[error("the cart is empty")]
    EmptyCart,
    #[error("an earlier checkout of this cart is still awaiting payment")]
    CheckoutInProgress { order_id: String },
    #[error("the cancellation window has elapsed")]
    CancellationWindowElapsed,
    #[error("this order cannot be cancelled")]
    NotCancellable,
    #[error("this order has shipped: it can be refunded, not cancelled")]
    OrderShipped,
    #[error("only a paid order is fulfilled or refunded")]
    OrderNotPaid,
    #[error("this fulfilment step does not follow the order's current one")]
    InvalidFulfilmentStep,
    #[error("the refund is more than what is left to refund")]
    RefundExceedsPaid(Value),
    #[error("this idempotency_key was used for another refund")]
    IdempotencyKeyReused,
    #[error("invalid signature")]
    InvalidSignature,
    #[error("the sale overlaps another sale of the same product")]
    SaleOverlap(Value),
    #[error("a promo code with this code exists")]
    PromoCodeTaken,
    #[error("this sale has ended already")]
    SaleOver,
    #[error("buyers' carts hold this product: it can be archived once they no longer do")]
    ProductInOpenCarts { carts: i64 },
    #[error("this cart has too many lines to check out in one go")]
    CartTooLarge(Value),
    #[error("a live subscription to this plan exists")]
    AlreadySubscribed,
    #[error("this saved payment method has expired")]
    PaymentMethodExpired,
    #[error("a live subscription is charged to this payment method")]
    PaymentMethodInUse,
    #[error("{0}")]
    InvalidReturnUrl(String),
    #[error("the payment provider did not answer; the order settles when it does, or its hold expires")]
    PaymentUnavailable,
    #[error("a service we depend on did not answer in time; try again shortly")]
    Unavailable(String),
    /// Too many changes of the same thing at once (writes that kept meeting others, a race
    /// lost at every attempt): nothing was changed.
    #[error("too many changes of the same thing at once; try again shortly")]
    Busy(String),
    #[error("internal error")]
    Internal(String),
}

/// A line that cannot have the units it asks for (`insufficient_stock`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shortage {
    pub product_id: String,
    pub requested: u32,
    /// Units that can still be bought now.
    pub available: i64,
}

/// `sale_limit_exceeded`: units one user may take of a product over a whole sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SaleLimit {
    pub product_id: String,
    pub limit: i64,
    /// Units the user already holds of it in this sale.
    pub already: u32,
}

/// `unpaid_limit_exceeded`: units of a product one buyer may hold unpaid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnpaidLimit {
    pub product_id: String,
    pub limit: i64,
    pub requested: u32,
}

impl ApiError {
    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { code: "not_found", what }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }

    /// The HTTP status and the contract's error code.
    pub fn status_code(&self) -> (u16, &'static str) {
        match self {
            Self::Invalid { .. } => (400, "invalid_request"),
            Self::InvalidReturnUrl(_) => (400, "invalid_return_url"),
            Self::PayloadTooLarge => (413, "payload_too_large"),
            Self::Unauthorized => (401, "unauthorized"),
            Self::Forbidden => (403, "forbidden"),
            Self::NotFound { code, .. } => (404, code),
            Self::RouteNotFound(_) => (404, "not_found"),
            Self::MethodNotAllowed => (405, "method_not_allowed"),
            Self::EmailTaken => (409, "email_taken"),
            Self::AlreadyBootstrapped => (409, "already_bootstrapped"),
            Self::PlanExists => (409, "plan_exists"),
            Self::PickupPointExists => (409, "pickup_point_exists"),
            Self::InvalidCredentials => (401, "invalid_credentials"),
            Self::TooManyAttempts | Self::TooManySignups => (429, "too_many_attempts"),
            Self::InsufficientStock(_) => (409, "insufficient_stock"),
            Self::SaleLimitExceeded(_) => (422, "sale_limit_exceeded"),
            Self::UnpaidLimitExceeded(_) => (422, "unpaid_limit_exceeded"),
            Self::EmptyCart => (400, "empty_cart"),
            Self::CheckoutInProgress { .. } => (409, "checkout_in_progress"),
            Self::CancellationWindowElapsed => (409, "cancellation_window_elapsed"),
            Self::NotCancellable => (409, "not_cancellable"),
            Self::OrderShipped => (409, "order_shipped"),
            Self::OrderNotPaid => (409, "order_not_paid"),
            Self::InvalidFulfilmentStep => (409, "invalid_fulfilment_step"),
            Self::RefundExceedsPaid(_) => (422, "refund_exceeds_paid"),
            Self::IdempotencyKeyReused => (409, "idempotency_key_reused"),
            Self::InvalidSignature => (400, "invalid_signature"),
            Self::SaleOverlap(_) => (409, "sale_overlap"),
            Self::PromoCodeTaken => (409, "promo_code_taken"),
            Self::SaleOver => (409, "sale_over"),
            Self::ProductInOpenCarts { .. } => (409, "product_in_open_carts"),
            Self::CartTooLarge(_) => (422, "cart_too_large"),
            Self::AlreadySubscribed => (409, "already_subscribed"),
            Self::PaymentMethodExpired => (422, "payment_method_expired"),
            Self::PaymentMethodInUse => (409, "payment_method_in_use"),
            Self::PaymentUnavailable => (503, "payment_unavailable"),
            Self::Unavailable(_) | Self::Busy(_) => (503, "service_unavailable"),
            Self::Internal(_) => (500, "internal"),
        }
    }

    /// The contract's error body: `{"error": {code, message, details}}`.
    pub fn body(&self) -> Value {
        let (_, code) = self.status_code();
        // One shape per code: the typed ones cannot be spelled two ways.
        let details = match self {
            Self::InsufficientStock(lines) => json!({ "lines": lines }),
            Self::SaleLimitExceeded(limit) => json!(limit),
            Self::UnpaidLimitExceeded(limit) => json!(limit),
            Self::CheckoutInProgress { order_id } => json!({ "order_id": order_id }),
            Self::ProductInOpenCarts { carts } => json!({ "carts": carts }),
            Self::SaleOverlap(d) | Self::CartTooLarge(d) | Self::RefundExceedsPaid(d) => d.clone(),
            Self::Invalid { field, message } => json!({"field": field, "message": message}),
            _ => json!({}),
        };
        // Internal details go to the log, never to the client.
        let message = match self {
            Self::Internal(_) => "something went wrong on our side".to_string(),
            other => other.to_string(),
        };
        json!({"error": {"code": code, "message": message, "details": details}})
    }
}

/// The rules' refusals, in the contract's words.
impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, message } => Self::Invalid { field, message },
            DomainError::Hashing(detail) => Self::Internal(detail),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotCancellable => Self::NotCancellable,
            Refusal::CancellationWindowElapsed => Self::CancellationWindowElapsed,
            Refusal::Shipped => Self::OrderShipped,
            Refusal::NotPaid => Self::OrderNotPaid,
            Refusal::FulfilmentStep => Self::InvalidFulfilmentStep,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => Self::Unavailable(detail),
            // Nothing written; the writes it met are over in moments.
            StoreError::Busy(detail) => Self::Busy(detail),
            other => Self::Internal(other.to_string()),
        }
    }
}
