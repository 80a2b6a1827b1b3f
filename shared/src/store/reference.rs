use serde::{Deserialize, Serialize};

use super::{from_item, keys, s, Store, StoreError};
use crate::domain::settings::Settings;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PickupPoint {
    pub pickup_point_id: String,
    pub name: String,
    pub address: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub plan_id: String,
    pub name: String,
    pub price_cents: i64,
}

#[derive(Serialize, Deserialize)]
struct Stored<T> {
    pk: String,
    sk: String,
    #[serde(flatten)]
    value: T,
}

impl Store {
    async fn partition<T: serde::de::DeserializeOwned>(&self, pk: &str) -> Result<Vec<T>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk));
        self.query_all(query)
            .await?
            .into_iter()
            .map(|item| from_item::<Stored<T>>(item).map(|stored| stored.value))
            .collect()
    }

    pub async fn pickup_points(&self) -> Result<Vec<PickupPoint>, StoreError> {
        self.partition(keys::PICKUP_POINTS).await
    }

    pub async fn pickup_point(&self, id: &str) -> Result<Option<PickupPoint>, StoreError> {
        Ok(self.get::<Stored<PickupPoint>>(keys::pickup_point(id)).await?.map(|s| s.value))
    }

    pub async fn put_pickup_point(&self, point: &PickupPoint) -> Result<(), StoreError> {
        let key = keys::pickup_point(&point.pickup_point_id);
        self.put(&Stored { pk: key.pk, sk: key.sk, value: point.clone() }).await
    }

    pub async fn plans(&self) -> Result<Vec<Plan>, StoreError> {
        let mut plans: Vec<Plan> = self.partition(keys::PLANS).await?;
        plans.sort_by_key(|p| p.price_cents);
        Ok(plans)
    }

    pub async fn plan(&self, plan_id: &str) -> Result<Option<Plan>, StoreError> {
        Ok(self.get::<Stored<Plan>>(keys::plan(plan_id)).await?.map(|s| s.value))
    }

    pub async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError> {
        let key = keys::plan(&plan.plan_id);
        self.put(&Stored { pk: key.pk, sk: key.sk, value: plan.clone() }).await
    }

    /// The shop's settings; the defaults until an admin saved some.
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        Ok(self.get::<Stored<Settings>>(keys::settings()).await?.map(|s| s.value).unwrap_or_default())
    }

    pub async fn put_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        let key = keys::settings();
        self.put(&Stored { pk: key.pk, sk: key.sk, value: settings.clone() }).await
    }
}
