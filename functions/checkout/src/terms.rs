//! What a checkout request names, checked before anything is held or charged: how the
//! buyer pays, where they are sent back, the delivery and gift, and the fees they cost.
use serde::Deserialize;
use shared::cart::{self, Choice};
use shared::domain::order::{Delivery, DeliveryRequest, Gift};
use shared::domain::pricing::Fees;
use shared::domain::settings::Settings;
use shared::http::Caller;
use shared::payments::methods::{self, PaymentMethodKind};
use shared::payments::ReturnUrls;
use shared::saved_methods;
use shared::store::PaymentMethodRecord;
use shared::{ApiError, App};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckoutBody {
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

/// How the buyer pays.
pub(crate) enum Paying {
    /// On the provider's hosted page, with this kind of method.
    Page(&'static dyn PaymentMethodKind),
    /// With a saved method, charged at once.
    Saved(Box<PaymentMethodRecord>),
}

/// The checked request, with the settings it was checked against.
pub(crate) struct Terms {
    pub paying: Paying,
    pub save_payment_method: bool,
    pub return_urls: ReturnUrls,
    pub delivery: Delivery,
    pub gift: Option<Gift>,
    pub fees: Fees,
    pub settings: Settings,
}

impl Terms {
    pub async fn checked(app: &App, caller: &Caller, body: CheckoutBody) -> Result<Self, ApiError> {
        let return_urls =
            ReturnUrls::checked(&app.config.allowed_origins, body.success_url.as_deref(), body.cancel_url.as_deref())?;
        let paying = match methods::kind(&body.payment_method) {
            Some(kind) => Paying::Page(kind),
            None => Paying::Saved(Box::new(
                saved_methods::chargeable(app, &caller.user_id, &body.payment_method, "payment_method").await?,
            )),
        };
        let settings = app.store.settings().await?;
        // The fees as the quote gives them (`cart::choose`): what the buyer saw is what is charged.
        let Choice { delivery, gift, fees } = cart::choose(app, &settings, body.delivery, body.gift).await?;
        Ok(Self { paying, save_payment_method: body.save_payment_method, return_urls, delivery, gift, fees, settings })
    }
}
