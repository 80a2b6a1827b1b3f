//! The contract's response shapes, built from stored records and the domain rules.
use serde::Serialize;

use crate::domain::pricing::{unit_discount, unit_price, UnitDiscount};
use crate::domain::Percent;
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
    pub image_url: Option<String>,
    pub archived: bool,
}

impl Product {
    pub fn new(record: &ProductRecord, sale: Option<Percent>, low_stock_threshold: i64) -> Self {
        let discount = unit_discount(record.product_discount, sale);
        Self {
            product_id: record.product_id.clone(),
            name: record.name.clone(),
            description: record.description.clone(),
            price_cents: record.price_cents.cents(),
            effective_price_cents: unit_price(record.price_cents, discount).cents(),
            currency: CURRENCY,
            stock: record.stock().max(0),
            low_stock: record.stock() < low_stock_threshold,
            discount,
            image_url: record.image_url.as_ref().map(|u| u.as_str().to_string()),
            archived: record.archived,
        }
    }
}

pub use crate::domain::order::Order;
