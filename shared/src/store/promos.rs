use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{from_item, keys, s, to_item, Store, StoreError};
use crate::domain::pricing::PromoDiscount;
use crate::domain::Percent;

/// A promo code: a discount for buyers, a commission for its owner (a shop-wide code has
/// no owner and no commission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoCode {
    pub code: String,
    pub owner_user_id: Option<String>,
    #[serde(flatten)]
    pub discount: PromoDiscount,
    pub commission_percent: Percent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::clock::secs::option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Orders holding a use: placed and not failed, expired or cancelled.
    #[serde(default)]
    pub uses: u32,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
    /// `false` once an operator deactivated it: refused from then on, like an expired code.
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

impl PromoCode {
    /// Whether `user_id` may use it at `now`: active, not their own, not expired, not used up.
    pub fn usable_by(&self, user_id: &str, now: DateTime<Utc>) -> bool {
        self.active
            && self.owner_user_id.as_deref() != Some(user_id)
            && self.expires_at.is_none_or(|e| now < e)
            && self.max_uses.is_none_or(|max| self.uses < max)
    }
}

#[derive(Serialize, Deserialize)]
struct PromoItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    #[serde(flatten)]
    promo: PromoCode,
}

/// What one paid order earned the owner of the code it used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commission {
    pub order_id: String,
    pub amount_cents: i64,
    pub status: crate::domain::order::CommissionStatus,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct CommissionItem {
    pub pk: String,
    pub sk: String,
    #[serde(with = "crate::clock::secs")]
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub commission: Commission,
}

impl Store {
    /// `ConditionFailed` when the code exists.
    pub async fn create_promo(&self, promo: &PromoCode) -> Result<(), StoreError> {
        let key = keys::promo_code(&promo.code);
        self.put_new(&PromoItem {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: keys::PROMO_CODES.to_string(),
            gsi1sk: promo.code.clone(),
            promo: promo.clone(),
        })
        .await
    }

    /// The code, deactivated (once or again); `None` when there is no such code. Orders
    /// placed with it keep their discount; no new order takes a use of it.
    pub async fn deactivate_promo(&self, code: &str) -> Result<Option<PromoCode>, StoreError> {
        let update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::promo_code(code).item()))
            .update_expression("SET active = :no")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .return_values(ReturnValue::AllNew);
        match self.send_write(update).await {
            Ok(output) => Ok(Some(from_item::<PromoItem>(output.attributes.unwrap_or_default())?.promo)),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn promo(&self, code: &str) -> Result<Option<PromoCode>, StoreError> {
        Ok(self.get::<PromoItem>(keys::promo_code(code)).await?.map(|p| p.promo))
    }

    pub async fn promos(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<(Vec<PromoCode>, Option<String>), StoreError> {
        let (items, next) = self.index_page(keys::GSI1, "gsi1", keys::PROMO_CODES, limit, after, true).await?;
        let promos = items.into_iter().map(|i| from_item::<PromoItem>(i).map(|p| p.promo)).collect::<Result<_, _>>()?;
        Ok((promos, next))
    }

    /// Every commission of a code, oldest order first.
    pub async fn commissions(&self, code: &str) -> Result<Vec<Commission>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(keys::promo_code(code).pk))
            .expression_attribute_values(":prefix", s("COMMISSION#"))
            .consistent_read(true);
        let mut found: Vec<CommissionItem> =
            self.query_all(query).await?.into_iter().map(from_item).collect::<Result<_, _>>()?;
        found.sort_by_key(|c| c.at);
        Ok(found.into_iter().map(|c| c.commission).collect())
    }
}

pub(crate) fn commission_item(
    code: &str,
    commission: Commission,
    at: DateTime<Utc>,
) -> Result<super::Item, StoreError> {
    let key = keys::commission(code, &commission.order_id);
    to_item(&CommissionItem { pk: key.pk, sk: key.sk, at, commission })
}
