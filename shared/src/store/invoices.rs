//! Gapless invoice numbers: one counter per year, moved only inside a paid transition
//! (conditional on its current value).
use serde::Deserialize;

use super::{keys, Store, StoreError};

pub fn invoice_number(year: i32, sequence: u64) -> String {
    format!("INV-{year}-{sequence:06}")
}

impl Store {
    /// The current value of a year's invoice counter (0 before the first invoice).
    pub async fn invoice_counter(&self, year: i32) -> Result<u64, StoreError> {
        #[derive(Deserialize)]
        struct Counter {
            value: u64,
        }
        Ok(self.get::<Counter>(keys::invoice_counter(year)).await?.map_or(0, |c| c.value))
    }
}
