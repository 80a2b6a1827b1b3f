use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{from_item, keys, n, s, to_item, tx, Item, Store, StoreError};
use crate::domain::Percent;
use crate::retry::{Retries, CONTENDED};
use crate::store::{ProductRecord, SaleWindow};

/// A sale period, as the admin created it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    pub sale_id: String,
    pub name: String,
    #[serde(with = "crate::clock::secs")]
    pub starts_at: DateTime<Utc>,
    #[serde(with = "crate::clock::secs")]
    pub ends_at: DateTime<Utc>,
    pub percent: Percent,
    pub product_ids: Vec<String>,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct SaleItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    #[serde(flatten)]
    sale: Sale,
}

/// Why a sale could not be created.
#[derive(Debug)]
pub enum SaleError {
    /// These products are already in a sale over part of this period.
    Overlap(Vec<(String, String)>),
    UnknownProducts(Vec<String>),
    Store(StoreError),
}

impl From<StoreError> for SaleError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl Store {
    /// Creates a sale and adds its window to each product, all or nothing, refused when a
    /// product already has a sale over part of the period (conditional on each product's
    /// `sales_version`, so two overlapping sales created at once cannot both pass).
    pub async fn create_sale(&self, sale: &Sale) -> Result<(), SaleError> {
        self.write_sale(sale, "attribute_not_exists(pk)").await
    }

    /// Saves a changed sale (same id and products) and its window on each product, under
    /// the rules of `create_sale`: prices follow at once.
    pub async fn update_sale(&self, sale: &Sale) -> Result<(), SaleError> {
        self.write_sale(sale, "attribute_exists(pk)").await
    }

    pub async fn sale(&self, sale_id: &str) -> Result<Option<Sale>, StoreError> {
        Ok(self.get::<SaleItem>(keys::sale(sale_id)).await?.map(|s| s.sale))
    }

    /// The sale item (put on `condition`) and its window on each of its products, replacing
    /// the sale's previous window there, in one transaction.
    async fn write_sale(&self, sale: &Sale, condition: &str) -> Result<(), SaleError> {
        let mut tries = Retries::new(CONTENDED);
        while tries.next().await {
            let products = self.products_by_id(&sale.product_ids).await?;
            let unknown: Vec<String> =
                sale.product_ids.iter().filter(|id| !products.contains_key(*id)).cloned().collect();
            if !unknown.is_empty() {
                return Err(SaleError::UnknownProducts(unknown));
            }
            let overlaps: Vec<(String, String)> = sale
                .product_ids
                .iter()
                .filter_map(|id| products.get(id))
                .flat_map(|p: &ProductRecord| {
                    p.sales
                        .iter()
                        .filter(|w| w.sale_id != sale.sale_id && w.overlaps(sale.starts_at, sale.ends_at))
                        .map(|w| (p.product_id.clone(), w.sale_id.clone()))
                })
                .collect();
            if !overlaps.is_empty() {
                return Err(SaleError::Overlap(overlaps));
            }
            let key = keys::sale(&sale.sale_id);
            let item = SaleItem {
                pk: key.pk,
                sk: key.sk,
                gsi1pk: keys::SALES.to_string(),
                gsi1sk: keys::time_sort(sale.starts_at, &sale.sale_id),
                sale: sale.clone(),
            };
            let mut actions = vec![tx::put(self.table(), to_item(&item)?, Some(condition))?];
            for id in &sale.product_ids {
                let product = &products[id];
                let mut windows: Vec<SaleWindow> =
                    product.sales.iter().filter(|w| w.sale_id != sale.sale_id).cloned().collect();
                windows.push(SaleWindow {
                    sale_id: sale.sale_id.clone(),
                    starts_at: sale.starts_at,
                    ends_at: sale.ends_at,
                    percent: sale.percent,
                });
                let windows = aws_sdk_dynamodb::types::AttributeValue::L(
                    windows
                        .iter()
                        .map(|w| to_item(w).map(aws_sdk_dynamodb::types::AttributeValue::M))
                        .collect::<Result<_, _>>()?,
                );
                actions.push(tx::update(
                    self.table(),
                    keys::product(id).item(),
                    "SET sales = :sales, sales_version = :next",
                    Some("attribute_exists(pk) AND (attribute_not_exists(sales_version) OR sales_version = :current)"),
                    Item::from([
                        (":sales".into(), windows),
                        (":next".into(), n(product.sales_version + 1)),
                        (":current".into(), n(product.sales_version)),
                    ]),
                    &[],
                )?);
            }
            match self.transact(actions).await {
                Ok(()) => return Ok(()),
                // Another sale touched one of these products meanwhile (their conditions
                // follow the sale's own): check again.
                Err(StoreError::TransactionCancelled(cancelled))
                    if (1..=sale.product_ids.len()).any(|action| cancelled.refused(action)) =>
                {
                    continue
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(SaleError::Store(StoreError::Busy("products kept changing while creating the sale".into())))
    }

    /// Sales by start, after the `after` sort key.
    pub async fn sales(&self, limit: usize, after: Option<&str>) -> Result<(Vec<Sale>, Option<String>), StoreError> {
        let (items, next) = self.index_page(keys::GSI1, "gsi1", keys::SALES, limit, after, true).await?;
        let sales =
            items.into_iter().map(|item| from_item::<SaleItem>(item).map(|s| s.sale)).collect::<Result<_, _>>()?;
        Ok((sales, next))
    }

    /// The units of one sale product a user holds in pending and paid orders.
    pub async fn sale_units(&self, user_id: &str, sale_id: &str, product_id: &str) -> Result<u32, StoreError> {
        #[derive(Deserialize)]
        struct Units {
            units: i64,
        }
        let units = self.get::<Units>(keys::sale_units(user_id, sale_id, product_id)).await?;
        Ok(units.map_or(0, |u| u32::try_from(u.units.max(0)).unwrap_or(0)))
    }

    /// One page of a sparse index partition: the raw items and the sort key to continue after.
    pub async fn index_page(
        &self,
        index: &str,
        prefix: &str,
        partition: &str,
        limit: usize,
        after: Option<&str>,
        forward: bool,
    ) -> Result<(Vec<Item>, Option<String>), StoreError> {
        let (pk, sk) = (format!("{prefix}pk"), format!("{prefix}sk"));
        let mut query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(index)
            .scan_index_forward(forward)
            .limit(i32::try_from(limit).unwrap_or(100))
            .expression_attribute_values(":pk", s(partition));
        query = match after {
            Some(after) => query
                .key_condition_expression(format!("{pk} = :pk AND {sk} {} :after", if forward { ">" } else { "<" }))
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression(format!("{pk} = :pk")),
        };
        let out = query.send().await.map_err(StoreError::from_sdk)?;
        let items = out.items.unwrap_or_default();
        let more = out.last_evaluated_key.is_some_and(|k| !k.is_empty());
        let next = if more { items.last().and_then(|i| i.get(&sk)).and_then(|v| v.as_s().ok()).cloned() } else { None };
        Ok((items, next))
    }
}
