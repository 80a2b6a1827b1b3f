//! Gapless invoice numbers: one counter per year, moved only inside a paid transition
//! (conditional on its current value).
use std::collections::HashMap;

use serde::Deserialize;

use super::{from_item, keys, ProductRecord, Store, StoreError};

pub fn invoice_number(year: i32, sequence: u64) -> String {
    format!("INV-{year}-{sequence:06}")
}

#[derive(Deserialize)]
struct Counter {
    value: u64,
}

impl Store {
    /// The current value of a year's invoice counter (0 before the first invoice).
    pub async fn invoice_counter(&self, year: i32) -> Result<u64, StoreError> {
        Ok(self.get::<Counter>(keys::invoice_counter(year)).await?.map_or(0, |c| c.value))
    }

    /// The year's invoice counter and these products, in one round trip: what a paid order
    /// reads right before its transition.
    pub async fn invoice_counter_and_products(
        &self,
        year: i32,
        product_ids: &[String],
    ) -> Result<(u64, HashMap<String, ProductRecord>), StoreError> {
        let (counter, products) = self.products_and(product_ids, keys::invoice_counter(year)).await?;
        let counter = counter.map(from_item::<Counter>).transpose()?.map_or(0, |c| c.value);
        Ok((counter, products))
    }
}
