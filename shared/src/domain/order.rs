//! Orders: the status machine, and the delivery and gift a buyer chooses.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::DomainError;
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
                return Err(DomainError::invalid(format!(
                    "delivery.address.{field} is required (at most 200 characters)"
                )));
            }
        }
        if self.line2.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(DomainError::invalid("delivery.address.line2 is at most 200 characters"));
        }
        Ok(self)
    }
}

/// The delivery as the checkout body gives it, tagged by `mode`: a mode other than
/// `pickup` or `home`, a missing one, or a field the mode does not take is refused while
/// the body is read (400 `invalid_request`, as when this was checked later).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "DeliveryBody")]
pub enum DeliveryRequest {
    Pickup { pickup_point_id: String },
    Home { address: Address },
}

/// The body's shape. The other mode's field may still be given as null, as the body took
/// it before it was typed; any value there is refused.
#[derive(Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
enum DeliveryBody {
    Pickup {
        pickup_point_id: String,
        #[serde(default, rename = "address", deserialize_with = "null_only")]
        _no_address: (),
    },
    Home {
        address: Address,
        #[serde(default, rename = "pickup_point_id", deserialize_with = "null_only")]
        _no_pickup_point: (),
    },
}

/// Absent or null only. (Not `Option<()>`: the tagged body is buffered, and serde reads a
/// buffered `{}` as `()`.)
fn null_only<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    match Option::<serde::de::IgnoredAny>::deserialize(deserializer)? {
        None => Ok(()),
        Some(_) => Err(serde::de::Error::custom("pickup delivery takes no address, home delivery no pickup_point_id")),
    }
}

impl From<DeliveryBody> for DeliveryRequest {
    fn from(body: DeliveryBody) -> Self {
        match body {
            DeliveryBody::Pickup { pickup_point_id, .. } => Self::Pickup { pickup_point_id },
            DeliveryBody::Home { address, .. } => Self::Home { address },
        }
    }
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
        match self {
            Self::Pickup { pickup_point_id } => Some(pickup_point_id),
            Self::Home { .. } => None,
        }
    }

    /// The delivery the order keeps: the pickup point (looked up by `pickup_point_id`)
    /// must exist, the home address must be filled in.
    pub fn validate(self, pickup_point: Option<PickupPointRef<'_>>) -> Result<Delivery, DomainError> {
        match self {
            Self::Pickup { pickup_point_id } => {
                let point =
                    pickup_point.ok_or_else(|| DomainError::invalid(format!("no pickup point {pickup_point_id}")))?;
                Ok(Delivery::Pickup {
                    pickup_point_id,
                    name: point.name.to_string(),
                    address: point.address.to_string(),
                })
            }
            Self::Home { address } => Ok(Delivery::Home { address: address.validate()? }),
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
    /// A gift is delivered home and its message fits on a card.
    pub fn validate(self, delivery: &Delivery) -> Result<Self, DomainError> {
        if !matches!(delivery, Delivery::Home { .. }) {
            return Err(DomainError::invalid("a gift is delivered home: choose home delivery"));
        }
        if self.message.as_ref().is_some_and(|m| m.chars().count() > 500) {
            return Err(DomainError::invalid("gift.message is at most 500 characters"));
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
    pub percent: Percent,
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
    pub history: Vec<HistoryEntry>,
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

    #[test]
    fn the_mode_says_what_a_delivery_request_carries() {
        let pickup = read(serde_json::json!({"mode": "pickup", "pickup_point_id": "pp"})).expect("a pickup");
        assert_eq!(pickup, DeliveryRequest::Pickup { pickup_point_id: "pp".into() });
        assert_eq!(pickup.pickup_point_id(), Some("pp"));
        assert!(matches!(home(), DeliveryRequest::Home { .. }));
        assert_eq!(home().pickup_point_id(), None);
        // The other mode's field as null, as the body always took it.
        assert!(read(serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": null})).is_ok());
        assert!(read(serde_json::json!({"mode": "home", "address": address(), "pickup_point_id": null})).is_ok());
        let refused = [
            serde_json::json!({"mode": "drone"}),
            serde_json::json!({"mode": "Pickup", "pickup_point_id": "pp"}),
            serde_json::json!({"mode": null, "pickup_point_id": "pp"}),
            serde_json::json!({"pickup_point_id": "pp"}),
            serde_json::json!({"mode": "pickup"}),
            serde_json::json!({"mode": "pickup", "pickup_point_id": null}),
            serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": address()}),
            serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": {}}),
            serde_json::json!({"mode": "pickup", "pickup_point_id": "pp", "address": ""}),
            serde_json::json!({"mode": "home"}),
            serde_json::json!({"mode": "home", "address": address(), "pickup_point_id": "pp"}),
            serde_json::json!({"mode": "home", "address": address(), "pickup_point_id": {}}),
            serde_json::json!({"mode": "home", "address": address(), "floor": 3}),
        ];
        for delivery in refused {
            assert!(read(delivery.clone()).is_err(), "{delivery}");
        }
    }

    #[test]
    fn deliveries_need_what_their_mode_needs() {
        assert!(home().validate(None).is_ok());
        let mut blank = home();
        if let DeliveryRequest::Home { address } = &mut blank {
            address.city = " ".into();
        }
        assert!(blank.validate(None).is_err());
        let pickup = DeliveryRequest::Pickup { pickup_point_id: "pp".into() };
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
