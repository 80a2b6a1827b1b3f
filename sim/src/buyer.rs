//! One buyer's journey, as a storefront drives it: sign up, fill the cart, check out, pay
//! on the hosted page by posting its form, and wait for the order to leave
//! `pending_payment`. Every answer the contract does not allow at that step is noted.
use std::time::Duration;

use futures::stream::{self, StreamExt};
use serde_json::json;

use crate::client::{Answer, Api, Route};
use crate::setup::Sale;
use crate::{Options, Persona};

pub const VISA: &str = "4242424242424242";
pub const MASTERCARD: &str = "5555555555554444";
pub const DECLINED_CARD: &str = "4000000000000002";
pub const CRINA_PHONE: &str = "0612345678";
pub const CRINA_DECLINED_PHONE: &str = "0612340002";

/// How long a buyer waits for the outcome of a submitted payment. Under a flash sale's
/// load it lands in seconds to about a minute (the report gives the spread); a delivery
/// that failed comes back after the payment queue's 180 s visibility timeout.
const SETTLE_WITHIN: Duration = Duration::from_secs(300);
/// The longest pause between two looks at a pending order (the return page refreshes
/// every 2 s; a storefront polling faster would only load the stack it waits for).
const POLL_AT_MOST: Duration = Duration::from_secs(1);

/// How an order was (or was not) paid, and so how it must end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    Card(&'static str),
    Crina(&'static str),
    /// Checked out by card and never paid.
    Never,
}

impl Payment {
    fn checkout_method(self) -> &'static str {
        match self {
            Self::Card(_) | Self::Never => "card",
            Self::Crina(_) => "crina_pay",
        }
    }

    /// The status the order must end in.
    pub fn expected_status(self) -> &'static str {
        match self {
            Self::Card(DECLINED_CARD) | Self::Crina(CRINA_DECLINED_PHONE) => "payment_failed",
            Self::Never => "expired",
            Self::Card(_) | Self::Crina(_) => "paid",
        }
    }

    /// The hosted page's form, as a browser posts it (nothing for an order never paid).
    fn form(self, expiry_year: i32) -> Vec<(&'static str, String)> {
        match self {
            Self::Never => Vec::new(),
            Self::Card(number) => vec![
                ("method", "card".into()),
                ("card_number", number.into()),
                ("exp_month", "12".into()),
                ("exp_year", expiry_year.to_string()),
                ("cvc", "123".into()),
                ("holder_name", "Flash Buyer".into()),
            ],
            Self::Crina(phone) => vec![("method", "crina_pay".into()), ("phone", phone.into())],
        }
    }
}

impl Persona {
    /// How this buyer pays first, and how again after a decline (if they try again).
    fn payments(self) -> (Payment, Option<Payment>) {
        match self {
            Self::Card | Self::Promo | Self::Greedy => (Payment::Card(VISA), None),
            Self::Declined => (Payment::Card(DECLINED_CARD), Some(Payment::Card(MASTERCARD))),
            Self::Abandon => (Payment::Never, None),
            Self::Crina => (Payment::Crina(CRINA_PHONE), None),
            Self::CrinaDeclined => (Payment::Crina(CRINA_DECLINED_PHONE), None),
        }
    }
}

/// An order a buyer placed.
#[derive(Clone, Debug)]
pub struct Placed {
    pub order_id: String,
    pub payment: Payment,
    pub quantity: i64,
    /// Placed in the second chance, after the abandoned holds came back.
    pub second_chance: bool,
    /// From the hosted page's answer to the buyer seeing the outcome (paid or failed).
    pub settled_in: Option<Duration>,
}

/// What the over-limit request of a greedy buyer got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitProbe {
    NotTried,
    /// 422 `sale_limit_exceeded`, as it must.
    Refused,
    /// 409 `insufficient_stock`: too few units left to tell.
    Inconclusive,
    /// Taken: the limit did not hold.
    Allowed,
}

#[derive(Clone, Debug)]
pub struct Journey {
    pub index: usize,
    pub persona: Persona,
    pub email: String,
    pub token: Option<String>,
    pub orders: Vec<Placed>,
    /// No units were left for them (at the cart or at checkout), last time they tried.
    pub turned_away: bool,
    pub limit_probe: LimitProbe,
    /// The promo code was applied to the cart, and then whether it was refused as used up.
    pub promo_applied: bool,
    pub promo_refused: bool,
    /// Answers the contract does not allow at that step (or calls that got no answer).
    pub unexpected: Vec<String>,
}

type Step<T> = Result<T, String>;

impl From<crate::SimError> for String {
    fn from(e: crate::SimError) -> Self {
        e.to_string()
    }
}

/// Every buyer once, `concurrency` at a time, in queue order.
pub async fn first_wave(api: &Api, sale: &Sale, personas: &[Persona], options: &Options) -> Vec<Journey> {
    let journeys = personas.iter().enumerate().map(|(index, persona)| Journey::new(index, *persona, sale)).collect();
    in_turn(journeys, options, |mut journey| async move {
        let outcome = journey.shop(api, sale).await;
        journey.note(outcome);
        options.progress.inc(1);
        journey
    })
    .await
}

/// The buyers turned away try once more, now that the abandoned holds are back on sale
/// (all but those who abandon: they would only hold the units again). Each looks at the
/// stock first and gives up when nothing is left.
pub async fn second_chance(api: &Api, sale: &Sale, journeys: Vec<Journey>, options: &Options) -> Vec<Journey> {
    let coming_back = journeys.iter().filter(|j| j.comes_back()).count();
    options.progress.set_position(0);
    options.progress.set_length(coming_back as u64);
    in_turn(journeys, options, |mut journey| async move {
        if journey.comes_back() {
            let outcome = journey.come_back(api, sale).await;
            journey.note(outcome);
            options.progress.inc(1);
        }
        journey
    })
    .await
}

/// `visit` on each journey, `concurrency` at a time; the journeys back in queue order.
async fn in_turn<F, Visit>(journeys: Vec<Journey>, options: &Options, visit: F) -> Vec<Journey>
where
    F: Fn(Journey) -> Visit,
    Visit: std::future::Future<Output = Journey>,
{
    let mut journeys: Vec<Journey> =
        stream::iter(journeys).map(visit).buffer_unordered(options.concurrency).collect().await;
    journeys.sort_by_key(|j| j.index);
    journeys
}

impl Journey {
    fn new(index: usize, persona: Persona, sale: &Sale) -> Self {
        Self {
            index,
            persona,
            email: format!("buyer-{index}-{}@sim.capsule.local", sale.run),
            token: None,
            orders: Vec::new(),
            turned_away: false,
            limit_probe: LimitProbe::NotTried,
            promo_applied: false,
            promo_refused: false,
            unexpected: Vec::new(),
        }
    }

    /// Keeps what went wrong, if anything did.
    fn note(&mut self, outcome: Step<()>) {
        if let Err(problem) = outcome {
            self.unexpected.push(problem);
        }
    }

    fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn comes_back(&self) -> bool {
        self.turned_away && self.persona != Persona::Abandon && self.token.is_some()
    }

    /// The quantity this buyer wants.
    fn quantity(&self, sale: &Sale) -> i64 {
        if self.persona == Persona::Greedy {
            sale.sale_limit
        } else {
            1
        }
    }

    async fn shop(&mut self, api: &Api, sale: &Sale) -> Step<()> {
        let signup = json!({"email": self.email, "password": sale.password, "name": format!("Buyer {}", self.index)});
        let answer = api.post(Route::Signup, "/auth/signup", None, &signup).await?;
        if answer.status != 201 {
            return Err(answer.unexpected("signup"));
        }
        self.token = answer.text("token");
        if self.persona == Persona::Promo {
            self.apply_promo(api, sale).await?;
        }
        if self.persona == Persona::Greedy {
            self.probe_sale_limit(api, sale).await?;
        }
        let line = json!({"product_id": sale.product_id, "quantity": self.quantity(sale)});
        let added = api.post(Route::AddToCart, "/cart/items", self.token(), &line).await?;
        if !self.cart_filled(&added, "add to cart")? {
            return Ok(());
        }
        self.buy(api, sale, false).await
    }

    async fn come_back(&mut self, api: &Api, sale: &Sale) -> Step<()> {
        let product = api.get(Route::Product, &format!("/products/{}", sale.product_id), None).await?;
        if product.status != 200 {
            return Err(product.unexpected("the product"));
        }
        if product.body["stock"].as_i64().unwrap_or(0) < self.quantity(sale) {
            return Ok(());
        }
        let path = format!("/cart/items/{}", sale.product_id);
        let set = api.put(Route::SetCartLine, &path, self.token(), &json!({"quantity": self.quantity(sale)})).await?;
        if !self.cart_filled(&set, "set the cart line")? {
            return Ok(());
        }
        self.buy(api, sale, true).await
    }

    /// Whether the line is in the cart; `false` when the stock is short (turned away).
    fn cart_filled(&mut self, answer: &Answer, what: &str) -> Step<bool> {
        match (answer.status, answer.code()) {
            (200, _) => Ok(true),
            (409, "insufficient_stock") => {
                self.turned_away = true;
                Ok(false)
            }
            _ => Err(answer.unexpected(what)),
        }
    }

    async fn apply_promo(&mut self, api: &Api, sale: &Sale) -> Step<()> {
        let code = json!({"code": sale.promo_code});
        let answer = api.post(Route::ApplyPromo, "/cart/promo-code", self.token(), &code).await?;
        match (answer.status, answer.code()) {
            (200, _) => self.promo_applied = true,
            // Used up already: the buyer carries on without it.
            (404, "promo_code_not_found") => self.promo_refused = true,
            _ => return Err(answer.unexpected("apply the promo code")),
        }
        Ok(())
    }

    async fn probe_sale_limit(&mut self, api: &Api, sale: &Sale) -> Step<()> {
        let line = json!({"product_id": sale.product_id, "quantity": sale.sale_limit + 1});
        let answer = api.post(Route::AddToCart, "/cart/items", self.token(), &line).await?;
        self.limit_probe = match (answer.status, answer.code()) {
            (422, "sale_limit_exceeded") => LimitProbe::Refused,
            (409, "insufficient_stock") => LimitProbe::Inconclusive,
            (200, _) => {
                // Put the cart back as it was, so the rest of the journey is the same.
                let path = format!("/cart/items/{}", sale.product_id);
                let emptied = api.put(Route::SetCartLine, &path, self.token(), &json!({"quantity": 0})).await?;
                if emptied.status != 200 {
                    return Err(emptied.unexpected("empty the cart line"));
                }
                LimitProbe::Allowed
            }
            _ => return Err(answer.unexpected("add over the sale limit")),
        };
        Ok(())
    }

    /// Checks out what the cart holds and pays as this buyer pays; after a decline, once
    /// more with their other method if they have one.
    async fn buy(&mut self, api: &Api, sale: &Sale, second_chance: bool) -> Step<()> {
        let (first, then) = self.persona.payments();
        let mut payment = Some(first);
        let mut retry = then;
        while let Some(paying) = payment.take() {
            let Some((order_id, redirect_url)) = self.checkout(api, sale, paying).await? else {
                self.turned_away = true;
                return Ok(());
            };
            self.turned_away = false;
            let quantity = self.quantity(sale);
            self.orders.push(Placed {
                order_id: order_id.clone(),
                payment: paying,
                quantity,
                second_chance,
                settled_in: None,
            });
            if paying == Payment::Never {
                return Ok(());
            }
            let at_stripe = match paying {
                Payment::Card(number) => api.pay_at_stripe(&redirect_url, number).await?,
                _ => None,
            };
            match at_stripe {
                // Stripe took it (or declined it: 402); its webhook settles the order.
                Some(paid) if matches!(paid.status, 200 | 402) => {}
                Some(paid) => return Err(paid.unexpected("Stripe's confirmation")),
                None => {
                    let paid = api.pay(&redirect_url, &paying.form(sale.expiry_year)).await?;
                    if paid.status != 303 {
                        return Err(paid.unexpected("the hosted page's form"));
                    }
                }
            }
            let submitted = std::time::Instant::now();
            let status = self.settled(api, &order_id).await?;
            if let Some(placed) = self.orders.last_mut() {
                placed.settled_in = Some(submitted.elapsed());
            }
            if status == "payment_failed" {
                payment = retry.take();
            }
        }
        Ok(())
    }

    /// The order id and the hosted page, or `None` when the stock is short. A promo code
    /// used up meanwhile is taken off the cart and the checkout tried again.
    async fn checkout(&mut self, api: &Api, sale: &Sale, payment: Payment) -> Step<Option<(String, String)>> {
        let body = json!({
            "payment_method": payment.checkout_method(),
            "delivery": {"mode": "pickup", "pickup_point_id": sale.pickup_point_id},
        });
        loop {
            let answer = api.post(Route::Checkout, "/checkout", self.token(), &body).await?;
            match (answer.status, answer.code()) {
                (201, _) => {
                    let order_id =
                        answer.text("order_id").ok_or_else(|| answer.unexpected("checkout (no order_id)"))?;
                    let url =
                        answer.text("redirect_url").ok_or_else(|| answer.unexpected("checkout (no redirect_url)"))?;
                    return Ok(Some((order_id, url)));
                }
                (409, "insufficient_stock") => return Ok(None),
                (404, "promo_code_not_found") if self.promo_applied && !self.promo_refused => {
                    self.promo_refused = true;
                    let removed = api.delete(Route::RemovePromo, "/cart/promo-code", self.token()).await?;
                    if removed.status != 200 {
                        return Err(removed.unexpected("remove the promo code"));
                    }
                }
                _ => return Err(answer.unexpected("checkout")),
            }
        }
    }

    /// Polls the order until the payment's outcome has landed; its status.
    async fn settled(&self, api: &Api, order_id: &str) -> Step<String> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(25);
        loop {
            let answer = api.get(Route::Order, &format!("/orders/{order_id}"), self.token()).await?;
            let status = answer.text("status").ok_or_else(|| answer.unexpected("the order"))?;
            if status != "pending_payment" {
                return Ok(status);
            }
            if started.elapsed() > SETTLE_WITHIN {
                return Err(format!("order {order_id} still pending {} s after its payment", SETTLE_WITHIN.as_secs()));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(POLL_AT_MOST);
        }
    }
}
