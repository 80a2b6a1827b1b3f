//! Orders: the status machine, and the delivery and gift a buyer chooses.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::fulfilment::{Fulfilment, FulfilmentStatus};
use super::pricing::PricedLine;
use super::settings::Settings;
use super::{Cents, Percent};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    PaymentFailed,
    Expired,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::Paid => "paid",
            Self::PaymentFailed => "payment_failed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    /// The moves an order can make. A payment that succeeds after its hold expired may
    /// still be honoured (`Expired -> Paid`) if the stock can be held again.
    pub fn can_become(self, next: Self) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (PendingPayment, Paid | PaymentFailed | Expired | Cancelled) | (Expired, Paid) | (Paid, Cancelled)
        )
    }

    /// Whether this order's units are held (taken from stock).
    pub fn holds_stock(self) -> bool {
        matches!(self, Self::PendingPayment | Self::Paid)
    }
}

/// A postal address for home delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

impl Address {
    /// Every line filled in; refusals point into the address (`/city`).
    fn validate(self) -> Result<Self, DomainError> {
        let required = [
            ("name", &self.name),
            ("line1", &self.line1),
            ("postal_code", &self.postal_code),
            ("city", &self.city),
            ("country", &self.country),
        ];
        for (field, value) in required {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > 200 || value.chars().any(char::is_control) {
                let message = format!("{field} is required (at most 200 characters)");
                return Err(DomainError::invalid(format!("/{field}"), message));
            }
        }
        if self.line2.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(DomainError::invalid("/line2", "line2 is at most 200 characters"));
        }
        Ok(self)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    Pickup,
    Home,
}

/// The delivery as a body gives it: `mode`, and the field that mode takes (the other
/// one absent or null). `validate` names the field a mode misses or does not take, so a
/// form can show it beside that field.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    pub mode: DeliveryMode,
    #[serde(default)]
    pub pickup_point_id: Option<String>,
    #[serde(default)]
    pub address: Option<Address>,
}

/// A validated delivery, as orders keep it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Delivery {
    Pickup { pickup_point_id: String, name: String, address: String },
    Home { address: Address },
}

/// A pickup point as the delivery needs it: its name and address are copied into the order.
pub struct PickupPointRef<'a> {
    pub name: &'a str,
    pub address: &'a str,
}

impl DeliveryRequest {
    /// Which pickup point to look up, if any.
    pub fn pickup_point_id(&self) -> Option<&str> {
        match self.mode {
            DeliveryMode::Pickup => self.pickup_point_id.as_deref(),
            DeliveryMode::Home => None,
        }
    }

    /// The delivery the order keeps: the pickup point (looked up by `pickup_point_id`)
    /// must exist, the home address must be filled in. Refusals point into the delivery.
    pub fn validate(self, pickup_point: Option<PickupPointRef<'_>>) -> Result<Delivery, DomainError> {
        match (self.mode, self.pickup_point_id, self.address) {
            (DeliveryMode::Pickup, _, Some(_)) => {
                Err(DomainError::invalid("/address", "pickup delivery takes no address"))
            }
            (DeliveryMode::Pickup, None, None) => {
                Err(DomainError::invalid("/pickup_point_id", "pickup_point_id is required for pickup delivery"))
            }
            (DeliveryMode::Pickup, Some(pickup_point_id), None) => {
                let point = pickup_point.ok_or_else(|| {
                    DomainError::invalid("/pickup_point_id", format!("there is no pickup point {pickup_point_id}"))
                })?;
                Ok(Delivery::Pickup {
                    pickup_point_id,
                    name: point.name.to_string(),
                    address: point.address.to_string(),
                })
            }
            (DeliveryMode::Home, Some(_), _) => {
                Err(DomainError::invalid("/pickup_point_id", "home delivery takes no pickup_point_id"))
            }
            (DeliveryMode::Home, None, None) => {
                Err(DomainError::invalid("/address", "address is required for home delivery"))
            }
            (DeliveryMode::Home, None, Some(address)) => {
                Ok(Delivery::Home { address: address.validate().map_err(|e| e.within("/address"))? })
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiftType {
    Simple,
    Birthday,
    Wedding,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gift {
    #[serde(rename = "type")]
    pub gift_type: GiftType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Gift {
    /// A gift is delivered home and its message fits on a card; refusals point into the gift.
    pub fn validate(self, delivery: &Delivery) -> Result<Self, DomainError> {
        if !matches!(delivery, Delivery::Home { .. }) {
            return Err(DomainError::invalid("", "a gift is delivered home: choose home delivery"));
        }
        if self.message.as_ref().is_some_and(|m| m.chars().count() > 500) {
            return Err(DomainError::invalid("/message", "message is at most 500 characters"));
        }
        Ok(self)
    }

    pub fn fee(&self, settings: &Settings) -> Cents {
        let fees = &settings.gift_fees_cents;
        match self.gift_type {
            GiftType::Simple => fees.simple,
            GiftType::Birthday => fees.birthday,
            GiftType::Wedding => fees.wedding,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub status: OrderStatus,
    #[serde(with = "crate::clock::secs")]
    pub at: DateTime<Utc>,
    /// A fulfilment step of a paid order (its status stays `paid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<FulfilmentStatus>,
    /// An operator's refund of this many cents (its status stays as it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_cents: Option<i64>,
}

impl HistoryEntry {
    pub fn status(status: OrderStatus, at: DateTime<Utc>) -> Self {
        Self { status, at, fulfilment: None, refunded_cents: None }
    }
}

/// The order-level discounts (unit discounts are in the lines' prices).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderDiscountKind {
    /// The volume tier.
    Volume,
    Promo,
}

impl std::fmt::Display for OrderDiscountKind {
    /// As the invoice names it ("volume discount (10%)").
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Volume => "volume",
            Self::Promo => "promo",
        })
    }
}

/// Where a cancelled order's refund stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Pending,
    Refunded,
}

/// A payment record's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Succeeded,
    Failed,
    Refunded,
}

/// A promo code owner's commission on one order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommissionStatus {
    Earned,
    /// The order was cancelled.
    Reversed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDiscount {
    pub kind: OrderDiscountKind,
    /// Absent for a fixed-amount promo code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Percent>,
    pub amount_cents: i64,
}

/// How the order was paid, as the order and the invoice show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayment {
    pub method_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
}

/// `Order` of API.md: what the buyer sees, and what the store keeps beside its keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    pub invoice_number: Option<String>,
    pub status: OrderStatus,
    pub items: Vec<PricedLine>,
    pub subtotal_cents: i64,
    pub discounts: Vec<OrderDiscount>,
    pub delivery: Delivery,
    pub delivery_fee_cents: i64,
    pub gift: Option<Gift>,
    pub gift_fee_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    pub payment: Option<OrderPayment>,
    pub promo_code: Option<String>,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::clock::secs")]
    pub expires_at: DateTime<Utc>,
    #[serde(default, with = "crate::clock::secs::option")]
    pub paid_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::clock::secs::option")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `pending` while a cancelled paid order's refund has not gone through, then `refunded`.
    pub refund_status: Option<RefundStatus>,
    /// Refunded by operators so far (partial refunds; absent while none); a cancellation
    /// refunds the rest.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refunded_cents: i64,
    /// Where a paid order stands after payment; absent until an operator starts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<Fulfilment>,
    pub history: Vec<HistoryEntry>,
}

fn is_zero(cents: &i64) -> bool {
    *cents == 0
}

impl Order {
    /// How people name the order (emails, the payment page): the first 8 characters of its
    /// id in capitals, "3F2A9C1B"; the id stays its key.
    pub fn reference(&self) -> String {
        reference(&self.order_id)
    }
}

/// The short reference of the order `order_id` (`Order::reference`).
pub fn reference(order_id: &str) -> String {
    order_id.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_ascii_uppercase()
}

pub fn delivery_fee(delivery: &Delivery, settings: &Settings) -> Cents {
    match delivery {
        Delivery::Home { .. } => settings.home_delivery_fee_cents,
        Delivery::Pickup { .. } => Cents::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn the_status_machine_allows_only_real_moves() {
        assert!(PendingPayment.can_become(Paid));
        assert!(PendingPayment.can_become(Expired));
        assert!(Expired.can_become(Paid));
        assert!(Paid.can_become(Cancelled));
        assert!(!Paid.can_become(PaymentFailed));
        assert!(!Cancelled.can_become(Paid));
        assert!(!PaymentFailed.can_become(Paid));
        assert!(!Cancelled.can_become(Cancelled));
    }

    fn address() -> serde_json::Value {
        serde_json::json!({"name": "Ada", "line1": "1 rue X", "postal_code": "75001", "city": "Paris", "country": "FR"})
    }

    fn read(delivery: serde_json::Value) -> Result<DeliveryRequest, serde_json::Error> {
        serde_json::from_value(delivery)
    }

    fn home() -> DeliveryRequest {
        read(serde_json::json!({"mode": "home", "address": address()})).expect("a home delivery")
    }

    fn refused_at(delivery: serde_json::Value) -> Option<String> {
        let point = PickupPointRef { name: "R", address: "A" };
        match read(delivery.clone()) {
            Err(_) => Some("(read)".to_string()),
            Ok(request) => match request.validate(Some(point)) {
                Err(DomainError::Invalid { field, .. }) => Some(field),
                _ => None,
            },
        }
    }

    #[test]
    fn the_mode_says_what_a_delivery_request_carries() {
        let pickup = read(serde_json::json!({"mode": "pickup", "pickup_point_id": "pp"})).expect("a pickup");
        assert_eq!(pickup.pickup_point_id(), Some("pp"));
        assert_eq!(home().pickup_point_id(), None);
        // The other mode's field as null, as the body always took it.
        assert_eq!(refused_at(serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": null})), None);
        assert_eq!(
            refused_at(serde_json::json!({"mode": "home", "address": address(), "pickup_point_id": null})),
            None
        );
        let refused = [
            (serde_json::json!({"mode": "drone"}), "(read)"),
            (serde_json::json!({"mode": "Pickup", "pickup_point_id": "pp"}), "(read)"),
            (serde_json::json!({"mode": null, "pickup_point_id": "pp"}), "(read)"),
            (serde_json::json!({"pickup_point_id": "pp"}), "(read)"),
            (serde_json::json!({"mode": "pickup"}), "/pickup_point_id"),
            (serde_json::json!({"mode": "pickup", "pickup_point_id": null}), "/pickup_point_id"),
            (serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": address()}), "/address"),
            (serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": {}}), "(read)"),
            (serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": ""}), "(read)"),
            (serde_json::json!({"mode": "home"}), "/address"),
            (serde_json::json!({"mode": "home", "address": address(), "pickup_point_id": "pp"}), "/pickup_point_id"),
            (serde_json::json!({"mode": "home", "address": address(), "pickup_point_id": {}}), "(read)"),
            (serde_json::json!({"mode": "home", "address": address(), "floor": 3}), "(read)"),
        ];
        for (delivery, field) in refused {
            assert_eq!(refused_at(delivery.clone()).as_deref(), Some(field), "{delivery}");
        }
    }

    #[test]
    fn deliveries_need_what_their_mode_needs() {
        assert!(home().validate(None).is_ok());
        let mut blank = home();
        if let Some(address) = &mut blank.address {
            address.city = " ".into();
        }
        assert_eq!(
            blank.validate(None),
            Err(DomainError::invalid("/address/city", "city is required (at most 200 characters)"))
        );
        let pickup = read(serde_json::json!({"mode": "pickup", "pickup_point_id": "pp"})).expect("a pickup");
        assert!(pickup.clone().validate(None).is_err(), "unknown pickup point");
        assert!(pickup.validate(Some(PickupPointRef { name: "R", address: "A" })).is_ok());
    }

    #[test]
    fn gifts_go_home_and_cost_their_type() {
        let settings = Settings::default();
        let delivery = home().validate(None).expect("valid");
        let gift = Gift { gift_type: GiftType::Wedding, message: Some("Félicitations".into()) };
        assert_eq!(gift.clone().validate(&delivery).map(|g| g.fee(&settings).cents()).ok(), Some(500));
        let pickup = Delivery::Pickup { pickup_point_id: "p".into(), name: "n".into(), address: "a".into() };
        assert!(gift.validate(&pickup).is_err());
        assert_eq!(delivery_fee(&pickup, &settings), Cents::ZERO);
        assert_eq!(delivery_fee(&delivery, &settings).cents(), 590);
    }
}
