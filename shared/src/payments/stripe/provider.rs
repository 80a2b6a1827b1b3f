//! Stripe as the `PaymentProvider` (`PAYMENT_PROVIDER=stripe`). The hosted page stays
//! Capsule's (CRINA-PAY is served there by Capsule): a session is the sandbox's record plus
//! the order's one PaymentIntent, which the page's card form (Stripe Elements) confirms in
//! the buyer's browser, so no card number, expiry or CVC reaches Capsule. Each request to
//! Stripe carries the key of what it pays (`order:<id>`, `refund:<id>`, `customer:<id>`).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::transformers::{
    authentication_required_event, payment_event, Attempt, Confirmation, NewCustomer, NewPaymentIntent, NewRefund,
    NewSetupIntent, Outcome, Purpose,
};
use super::{IdempotencyKey, Stripe, StripeError};
use crate::payments::sandbox::{self, unavailable, SessionRecord};
use crate::payments::{
    BoxFuture, ChargeRequest, ConfirmationPage, PaymentError, PaymentEvent, PaymentProvider, RefundRequest, Session,
    SessionRequest, SessionResult,
};
use crate::store::{keys, StoreError};
use crate::App;

pub struct StripeProvider;

/// The Customer of one user, kept once created (Stripe keeps an idempotency key a day only).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CustomerRecord {
    pk: String,
    sk: String,
    user_id: String,
    customer_id: String,
}

/// The user's Stripe Customer: the one kept, else created (once per user, whoever races).
pub async fn customer_of(app: &App, stripe: &Stripe, user_id: &str) -> Result<String, PaymentError> {
    let kept = || async { app.store.get::<CustomerRecord>(keys::stripe_customer(user_id)).await.map_err(unavailable) };
    if let Some(record) = kept().await? {
        return Ok(record.customer_id);
    }
    let new = NewCustomer { user_id, email: None };
    let customer = stripe.create_customer(&new, &IdempotencyKey::customer(user_id)?).await?;
    let key = keys::stripe_customer(user_id);
    let record = CustomerRecord { pk: key.pk, sk: key.sk, user_id: user_id.to_owned(), customer_id: customer.id };
    match app.store.put_new(&record).await {
        Ok(()) => Ok(record.customer_id),
        // A concurrent first payment kept its Customer first: that one is the user's.
        Err(StoreError::ConditionFailed) => {
            kept().await?.map(|r| r.customer_id).ok_or_else(|| unavailable("customer vanished"))
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// The order's one PaymentIntent, to be confirmed on the page: created with the order's
/// key, so that another try of the same checkout gets the same one back.
async fn order_intent(
    app: &App,
    stripe: &Stripe,
    request: &SessionRequest,
    order_id: &str,
) -> Result<String, PaymentError> {
    let customer = customer_of(app, stripe, &request.user_id).await?;
    let intent = NewPaymentIntent {
        amount_cents: request.amount_cents,
        currency: &request.currency,
        customer: Some(&customer),
        user_id: &request.user_id,
        purpose: Purpose::Order(order_id),
        confirmation: Confirmation::OnPage,
        // "Save this card" at checkout: Stripe attaches it to the Customer once paid.
        save_method: request.allow_save,
    };
    Ok(stripe.create_payment_intent(&intent, &IdempotencyKey::order(order_id)?).await?.id)
}

/// The SetupIntent that saves a subscription's first card on its page, for off-session
/// charges (once per subscription, whoever retries).
async fn card_setup(
    app: &App,
    stripe: &Stripe,
    request: &SessionRequest,
    subscription_id: &str,
) -> Result<String, PaymentError> {
    let customer = customer_of(app, stripe, &request.user_id).await?;
    let setup =
        NewSetupIntent { customer: &customer, user_id: &request.user_id, subscription_id: Some(subscription_id) };
    let key = IdempotencyKey::new(format!("setup:{subscription_id}"))?;
    Ok(stripe.create_setup_intent(&setup, &key).await?.id)
}

impl PaymentProvider for StripeProvider {
    fn open_session<'a>(
        &'a self,
        app: &'a App,
        base_url: &'a str,
        request: SessionRequest,
    ) -> BoxFuture<'a, Result<Session, PaymentError>> {
        Box::pin(async move {
            let stripe = app.stripe()?;
            match (request.order_id.clone(), request.subscription_id.clone()) {
                (Some(order_id), _) => {
                    let payment_intent = order_intent(app, stripe, &request, &order_id).await?;
                    sandbox::session(app, base_url, request, Some(payment_intent), None).await
                }
                // A subscription's page collects its card (Stripe Elements on a SetupIntent);
                // its trial or its first charge follows, as in sandbox mode.
                (None, Some(subscription_id)) => {
                    let setup = card_setup(app, stripe, &request, &subscription_id).await?;
                    let record = SessionRecord { setup_intent: Some(setup), ..sandbox::session_record(app, request) };
                    sandbox::write_session(app, base_url, record)
                }
                (None, None) => Err(PaymentError::Unavailable("a session pays an order or a subscription".into())),
            }
        })
    }

    fn charge<'a>(&'a self, app: &'a App, request: ChargeRequest) -> BoxFuture<'a, Result<PaymentEvent, PaymentError>> {
        Box::pin(async move {
            let stripe = app.stripe()?;
            let customer = customer_of(app, stripe, &request.user_id).await?;
            let key = IdempotencyKey::new(request.idempotency_key.clone())?;
            let (purpose, confirmation) = match (&request.order_id, &request.subscription_id) {
                // One-click at checkout: the buyer is there to authenticate if asked.
                (Some(order_id), _) => {
                    (Purpose::Order(order_id), Confirmation::OnSession { payment_method: &request.token })
                }
                (None, Some(id)) => {
                    (Purpose::Subscription(id), Confirmation::OffSession { payment_method: &request.token })
                }
                (None, None) => {
                    return Err(PaymentError::Unavailable("a charge pays an order or a subscription".into()))
                }
            };
            let intent = NewPaymentIntent {
                amount_cents: request.amount_cents,
                currency: &request.currency,
                customer: Some(&customer),
                user_id: &request.user_id,
                purpose,
                confirmation,
                save_method: false,
            };
            let off_session = matches!(intent.confirmation, Confirmation::OffSession { .. });
            let attempt = Attempt::from_result(stripe.create_payment_intent(&intent, &key).await)?;
            let payment_id = attempt.intent.as_ref().map(|i| i.id.clone()).unwrap_or_default();
            let event_id = format!("charge:{}", key.as_str());
            match (&attempt.outcome, &attempt.intent) {
                (Outcome::Succeeded | Outcome::Declined(_), Some(intent)) => {
                    payment_event(&event_id, intent).map_err(unavailable)
                }
                // A renewal's customer is not there to authenticate: this attempt failed
                // (Stripe's code as its reason), and dunning goes on as for a decline.
                (Outcome::AuthenticationRequired { .. } | Outcome::RequiresAction { .. }, Some(intent))
                    if off_session =>
                {
                    authentication_required_event(&event_id, intent).map_err(unavailable)
                }
                // At checkout the buyer is there: the page confirms this PaymentIntent.
                (Outcome::RequiresAction { .. } | Outcome::AuthenticationRequired { .. }, _) => {
                    Err(PaymentError::AuthenticationRequired { payment_id })
                }
                (outcome, _) => Err(unavailable(format!("charge {payment_id} not settled: {outcome:?}"))),
            }
        })
    }

    fn close_session<'a>(&'a self, app: &'a App, session_id: &'a str) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            sandbox::Sandbox.close_session(app, session_id).await?;
            let Some(session) = app.store.payment_session(session_id).await.map_err(unavailable)? else {
                return Ok(());
            };
            let stripe = app.stripe()?;
            // Its PaymentIntent, or its SetupIntent (a subscription's first card): the card
            // typed after the page closed is neither charged nor saved.
            let cancelled = match (&session.payment_intent, &session.setup_intent) {
                (Some(intent), _) => stripe
                    .cancel_payment_intent(intent, &IdempotencyKey::new(format!("cancel:{intent}"))?)
                    .await
                    .map(drop),
                (None, Some(setup)) => {
                    stripe.cancel_setup_intent(setup, &IdempotencyKey::new(format!("cancel:{setup}"))?).await.map(drop)
                }
                (None, None) => return Ok(()),
            };
            // Paid, saved or cancelled meanwhile, Stripe refuses the cancellation: nothing to close.
            match cancelled {
                Ok(()) | Err(StripeError::InvalidRequest { .. }) => Ok(()),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Stripe.js confirms its PaymentIntent on the page, with the card it was tried with.
    fn confirmation_session<'a>(&'a self, app: &'a App, page: ConfirmationPage<'a>) -> BoxFuture<'a, SessionResult> {
        Box::pin(sandbox::session(app, page.base_url, page.request, Some(page.charge.payment_id), None))
    }

    fn forget_method<'a>(&'a self, app: &'a App, token: &'a str) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            // Detached already (or never attached): nothing more to forget.
            match app.stripe()?.detach_payment_method(token, &IdempotencyKey::new(format!("detach:{token}"))?).await {
                Ok(_) | Err(StripeError::InvalidRequest { .. }) => Ok(()),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn refund<'a>(
        &'a self,
        app: &'a App,
        request: RefundRequest,
        at: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            // The amount asked (an operator's partial refund, or what is left of the payment),
            // once per refund: a second partial refund of one payment has its own key.
            let refund = NewRefund { payment_intent: &request.payment_id, amount_cents: Some(request.amount_cents) };
            let key = IdempotencyKey::refund(request.idempotency_id())?;
            let made = app.stripe()?.create_refund(&refund, &key).await?;
            if matches!(made.status.as_str(), "failed" | "canceled") {
                return Err(unavailable(format!("refund {} of {} is {}", made.id, request.payment_id, made.status)));
            }
            tracing::info!(payment_id = %request.payment_id, refund_id = %made.id, status = %made.status, "refunded at Stripe");
            crate::payments::record_refund(app, request, at).await
        })
    }
}
