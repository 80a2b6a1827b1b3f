//! Gapless invoice numbers, one series per year of payment. A paid order is listed in the
//! sparse `INVOICES_DUE` index by its payment (`transitions`); the numbering reads the
//! index's head and numbers a batch in one transaction that moves the year's counter from
//! the value it read and writes each order's number: two numberings at once can neither
//! give one number twice nor skip one, and no paid order waits on the counter.
use serde::Deserialize;

use super::{keys, n, s, tx, Item, OrderRecord, Store, StoreError, Write};

pub fn invoice_number(year: i32, sequence: u64) -> String {
    format!("INV-{year}-{sequence:06}")
}

#[derive(Deserialize)]
struct Counter {
    value: u64,
}

/// A batch of one series: orders (in payment order) taking the numbers after `current`.
pub struct Numbering<'a> {
    pub year: i32,
    /// The counter's value as read: the batch applies only if it still is.
    pub current: u64,
    pub orders: &'a [OrderRecord],
    /// What is written with it: the invoices' emails and events (`store::outbox_put`).
    pub with: Vec<Write>,
}

impl Store {
    /// The current value of a year's invoice counter (0 before the first invoice).
    pub async fn invoice_counter(&self, year: i32) -> Result<u64, StoreError> {
        Ok(self.get::<Counter>(keys::invoice_counter(year)).await?.map_or(0, |c| c.value))
    }

    /// The first `limit` paid orders awaiting their number, in payment order.
    pub async fn invoices_due(&self, limit: i32) -> Result<Vec<OrderRecord>, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI2)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(keys::INVOICES_DUE))
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        out.items.unwrap_or_default().into_iter().map(super::from_item).collect()
    }

    /// Gives `orders` the numbers after `current`, in their order, and moves the counter,
    /// in one transaction; `false` when another numbering moved the counter or numbered
    /// one of them first (nothing is written then).
    pub async fn number_invoices(&self, batch: Numbering<'_>) -> Result<bool, StoreError> {
        let table = self.table();
        let next = batch.current + batch.orders.len() as u64;
        let mut values = Item::from([(":next".into(), n(next))]);
        let condition = match batch.current {
            0 => "attribute_not_exists(pk)",
            current => {
                values.insert(":current".into(), n(current));
                "#value = :current"
            }
        };
        let mut actions = vec![tx::update(
            table,
            keys::invoice_counter(batch.year).item(),
            "SET #value = :next",
            Some(condition),
            values,
            &[("#value", "value")],
        )?];
        for (sequence, order) in (batch.current + 1..).zip(batch.orders) {
            actions.push(tx::update(
                table,
                keys::order(&order.order_id).item(),
                "SET invoice_number = :number REMOVE gsi2pk, gsi2sk",
                Some("gsi2pk = :due"),
                Item::from([
                    (":number".into(), s(invoice_number(batch.year, sequence))),
                    (":due".into(), s(keys::INVOICES_DUE)),
                ]),
                &[],
            )?);
        }
        actions.extend(batch.with);
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
