//! After payment: a paid order's fulfilment (prepared, then shipped and delivered, or made
//! ready at its pickup point and picked up), and what an operator's partial refund returns.
use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::order::Order;
use super::stock::ShardHold;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentStatus {
    Preparing,
    Shipped,
    ReadyForPickup,
    Delivered,
    PickedUp,
}

impl FulfilmentStatus {
    pub const ALL: [Self; 5] = [Self::Preparing, Self::Shipped, Self::ReadyForPickup, Self::Delivered, Self::PickedUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preparing => "preparing",
            Self::Shipped => "shipped",
            Self::ReadyForPickup => "ready_for_pickup",
            Self::Delivered => "delivered",
            Self::PickedUp => "picked_up",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether the parcel has left the shop (or waits at the pickup point): the buyer can no
    /// longer cancel, only an operator's refund gives money back.
    pub fn has_left(self) -> bool {
        !matches!(self, Self::Preparing)
    }

    /// The steps, one after another: home orders are shipped then delivered, pickup orders
    /// made ready then picked up; preparing may be skipped.
    pub fn can_follow(from: Option<Self>, to: Self, pickup: bool) -> bool {
        use FulfilmentStatus::*;
        matches!(
            (from, to, pickup),
            (None, Preparing, _)
                | (None | Some(Preparing), Shipped, false)
                | (Some(Shipped), Delivered, false)
                | (None | Some(Preparing), ReadyForPickup, true)
                | (Some(ReadyForPickup), PickedUp, true)
        )
    }
}

/// Where a paid order stands after payment, as the buyer and the operator see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfilment {
    pub status: FulfilmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
}

/// A fulfilment step as an operator asks for it: shipping names a carrier and a tracking number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfilmentStep(Fulfilment);

impl FulfilmentStep {
    pub fn parse(status: &str, carrier: Option<String>, tracking_number: Option<String>) -> Result<Self, DomainError> {
        let status = FulfilmentStatus::parse(status).ok_or_else(|| {
            DomainError::invalid(
                "/status",
                "status must be preparing, shipped, ready_for_pickup, delivered or picked_up",
            )
        })?;
        let carrier = carrier.map(|c| short_text("carrier", c)).transpose()?;
        let tracking_number = tracking_number.map(|t| short_text("tracking_number", t)).transpose()?;
        match (status, &carrier, &tracking_number) {
            (FulfilmentStatus::Shipped, Some(_), Some(_)) => {}
            (FulfilmentStatus::Shipped, _, _) => {
                return Err(DomainError::invalid("/carrier", "shipping names a carrier and a tracking_number"))
            }
            (_, None, None) => {}
            _ => return Err(DomainError::invalid("/carrier", "only shipping names a carrier and a tracking_number")),
        }
        Ok(Self(Fulfilment { status, carrier, tracking_number }))
    }

    pub fn status(&self) -> FulfilmentStatus {
        self.0.status
    }

    /// The order's fulfilment after this step: a later step keeps the carrier and tracking.
    pub fn after(&self, before: Option<&Fulfilment>) -> Fulfilment {
        Fulfilment {
            status: self.0.status,
            carrier: self.0.carrier.clone().or_else(|| before.and_then(|f| f.carrier.clone())),
            tracking_number: self.0.tracking_number.clone().or_else(|| before.and_then(|f| f.tracking_number.clone())),
        }
    }
}

fn short_text(field: &'static str, value: String) -> Result<String, DomainError> {
    let value = value.trim().to_string();
    if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err(DomainError::invalid(format!("/{field}"), format!("{field} must be 1 to 100 characters")));
    }
    Ok(value)
}

/// Units of one product an operator takes back with a refund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedLine {
    pub product_id: String,
    pub quantity: u32,
}

/// A partial refund as an operator asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAsk {
    /// The operator's key: the same key refunds once (`keys::order_refund`).
    pub idempotency_key: String,
    pub amount_cents: Option<i64>,
    pub lines: Vec<ReturnedLine>,
}

/// A partial refund, checked against the order: at most what is still refunded-free, lines
/// the order still holds, their units given back to the shards that held them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Return {
    pub amount_cents: i64,
    pub lines: Vec<ReturnedLine>,
    /// The shard units given back to stock.
    pub released: Vec<ShardHold>,
    /// The order's holds after it (what a later cancellation still gives back).
    pub holds_after: Vec<ShardHold>,
}

/// Why a refund is refused (the order allows refunds: the lifecycle said so).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReturnError {
    #[error("{0}")]
    Invalid(DomainError),
    #[error("{asked} cents is more than the {left} cents left to refund")]
    AboveRefundable { asked: i64, left: i64 },
}

impl Return {
    /// The refund of `amount_cents` (by default the lines' share of what was paid for them)
    /// and of `lines` (their units back in stock), from `order` holding `holds`.
    pub fn plan(
        order: &Order,
        holds: &[ShardHold],
        amount_cents: Option<i64>,
        lines: Vec<ReturnedLine>,
    ) -> Result<Self, ReturnError> {
        if amount_cents.is_none() && lines.is_empty() {
            return Err(ReturnError::Invalid(DomainError::invalid("", "a refund names an amount_cents or lines")));
        }
        let mut holds_after = holds.to_vec();
        let mut released = Vec::new();
        let mut lines_value = 0_i64;
        for (i, line) in lines.iter().enumerate() {
            let at = format!("/lines/{i}");
            let bought = order.items.iter().find(|l| l.product_id == line.product_id).ok_or_else(|| {
                let refused = DomainError::invalid("/product_id", format!("the order has no line {}", line.product_id));
                ReturnError::Invalid(refused.within(&at))
            })?;
            released.extend(give_back(&mut holds_after, line).map_err(|e| ReturnError::Invalid(e.within(&at)))?);
            lines_value += bought.unit_effective_price_cents * i64::from(line.quantity);
        }
        let left = order.total_cents - order.refunded_cents;
        let amount = match amount_cents {
            Some(amount) if amount <= 0 => {
                return Err(ReturnError::Invalid(DomainError::invalid(
                    "/amount_cents",
                    "amount_cents must be positive",
                )))
            }
            Some(amount) => amount,
            None => share_paid(order, lines_value),
        };
        if amount > left {
            return Err(ReturnError::AboveRefundable { asked: amount, left });
        }
        Ok(Self { amount_cents: amount, lines, released, holds_after })
    }
}

/// What the buyer paid for goods worth `value` at their unit prices: less the order-level
/// discounts, in proportion.
fn share_paid(order: &Order, value: i64) -> i64 {
    let discounts: i64 = order.discounts.iter().map(|d| d.amount_cents).sum();
    match order.subtotal_cents {
        0 => 0,
        subtotal => value * (subtotal - discounts) / subtotal,
    }
}

/// Takes `line`'s units off the holds (from the last shard first); the units taken, by shard.
fn give_back(holds: &mut [ShardHold], line: &ReturnedLine) -> Result<Vec<ShardHold>, DomainError> {
    let held: u32 = holds.iter().filter(|h| h.product_id == line.product_id).map(|h| h.quantity).sum();
    if line.quantity == 0 || line.quantity > held {
        return Err(DomainError::invalid(
            "/quantity",
            format!("{} units of {} can be returned (asked {})", held, line.product_id, line.quantity),
        ));
    }
    let mut left = line.quantity;
    let mut released = Vec::new();
    for hold in holds.iter_mut().rev().filter(|h| h.product_id == line.product_id) {
        let taken = left.min(hold.quantity);
        if taken > 0 {
            hold.quantity -= taken;
            left -= taken;
            released.push(ShardHold { product_id: hold.product_id.clone(), shard: hold.shard, quantity: taken });
        }
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::FulfilmentStatus::*;
    use super::*;

    #[test]
    fn fulfilment_follows_the_delivery_mode_one_step_at_a_time() {
        assert!(FulfilmentStatus::can_follow(None, Preparing, false));
        assert!(FulfilmentStatus::can_follow(Some(Preparing), Shipped, false));
        assert!(FulfilmentStatus::can_follow(None, Shipped, false));
        assert!(FulfilmentStatus::can_follow(Some(Shipped), Delivered, false));
        assert!(FulfilmentStatus::can_follow(Some(ReadyForPickup), PickedUp, true));
        assert!(!FulfilmentStatus::can_follow(None, Delivered, false), "delivered before shipped");
        assert!(!FulfilmentStatus::can_follow(None, Shipped, true), "a pickup order is not shipped");
        assert!(!FulfilmentStatus::can_follow(None, ReadyForPickup, false));
        assert!(!FulfilmentStatus::can_follow(Some(Shipped), Shipped, false), "once");
        assert!(!FulfilmentStatus::can_follow(Some(Delivered), Preparing, false));
    }

    #[test]
    fn shipping_names_its_carrier_and_tracking() {
        assert!(FulfilmentStep::parse("shipped", None, None).is_err());
        assert!(FulfilmentStep::parse("preparing", Some("La Poste".into()), None).is_err());
        assert!(FulfilmentStep::parse("lost", None, None).is_err());
        let shipped = FulfilmentStep::parse("shipped", Some(" La Poste ".into()), Some("6A123".into())).expect("valid");
        let delivered =
            FulfilmentStep::parse("delivered", None, None).expect("valid").after(Some(&shipped.after(None)));
        assert_eq!(delivered.carrier.as_deref(), Some("La Poste"), "kept with the later step");
    }

    fn hold(product_id: &str, shard: u8, quantity: u32) -> ShardHold {
        ShardHold { product_id: product_id.into(), shard, quantity }
    }

    #[test]
    fn returned_units_leave_the_holds_and_never_more_than_held() {
        let mut holds = vec![hold("a", 0, 2), hold("a", 1, 1), hold("b", 0, 1)];
        let released = give_back(&mut holds, &ReturnedLine { product_id: "a".into(), quantity: 2 }).expect("held");
        assert_eq!(released, vec![hold("a", 1, 1), hold("a", 0, 1)]);
        assert_eq!(holds, vec![hold("a", 0, 1), hold("a", 1, 0), hold("b", 0, 1)]);
        assert!(give_back(&mut holds, &ReturnedLine { product_id: "a".into(), quantity: 2 }).is_err());
        assert!(give_back(&mut holds, &ReturnedLine { product_id: "b".into(), quantity: 0 }).is_err());
    }
}
