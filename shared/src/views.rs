//! The contract's response shapes, built from stored records and the domain rules.
use serde::Serialize;

use crate::domain::pricing::{unit_discount, unit_price, UnitDiscount};
use crate::domain::{Cents, Percent};
use crate::store::ProductRecord;

pub const CURRENCY: &str = "EUR";

/// `Product` of API.md.
#[derive(Clone, Debug, Serialize)]
pub struct Product {
    pub product_id: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub effective_price_cents: i64,
    pub currency: &'static str,
    pub stock: i64,
    pub low_stock: bool,
    pub discount: Option<UnitDiscount>,
}

impl Product {
    pub fn new(record: &ProductRecord, sale: Option<Percent>, low_stock_threshold: i64) -> Self {
        let discount = unit_discount(record.product_discount, sale);
        Self {
            product_id: record.product_id.clone(),
            name: record.name.clone(),
            description: record.description.clone(),
            price_cents: record.price_cents,
            effective_price_cents: unit_price(Cents(record.price_cents), discount).0,
            currency: CURRENCY,
            stock: record.stock.max(0),
            low_stock: record.stock < low_stock_threshold,
            discount,
        }
    }
}

use crate::domain::order::{Delivery, Gift, OrderStatus};
use crate::domain::pricing::PricedLine;
use crate::store::{HistoryEntry, OrderDiscount, OrderPayment, OrderRecord};

/// `Order` of API.md.
#[derive(Clone, Debug, Serialize)]
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
    pub created_at: String,
    pub expires_at: String,
    pub paid_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub refund_status: Option<String>,
    pub history: Vec<HistoryEntry>,
}

impl From<&OrderRecord> for Order {
    fn from(o: &OrderRecord) -> Self {
        Self {
            order_id: o.order_id.clone(),
            invoice_number: o.invoice_number.clone(),
            status: o.status,
            items: o.items.clone(),
            subtotal_cents: o.subtotal_cents,
            discounts: o.discounts.clone(),
            delivery: o.delivery.clone(),
            delivery_fee_cents: o.delivery_fee_cents,
            gift: o.gift.clone(),
            gift_fee_cents: o.gift_fee_cents,
            total_cents: o.total_cents,
            currency: o.currency.clone(),
            payment: o.payment.clone(),
            promo_code: o.promo_code.clone(),
            created_at: o.created_at.clone(),
            expires_at: o.expires_at.clone(),
            paid_at: o.paid_at.clone(),
            cancelled_at: o.cancelled_at.clone(),
            refund_status: o.refund_status.clone(),
            history: o.history.clone(),
        }
    }
}
