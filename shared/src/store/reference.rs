use std::sync::Mutex;
use std::time::{Duration, Instant};

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
        if let Some(points) = fresh(&self.reference.pickup_points) {
            return Ok(points);
        }
        let points: Vec<PickupPoint> = self.partition(keys::PICKUP_POINTS).await?;
        keep(&self.reference.pickup_points, points.clone());
        Ok(points)
    }

    pub async fn pickup_point(&self, id: &str) -> Result<Option<PickupPoint>, StoreError> {
        Ok(self.pickup_points().await?.into_iter().find(|p| p.pickup_point_id == id))
    }

    pub async fn put_pickup_point(&self, point: &PickupPoint) -> Result<(), StoreError> {
        let key = keys::pickup_point(&point.pickup_point_id);
        self.put(&Stored { pk: key.pk, sk: key.sk, value: point.clone() }).await?;
        forget(&self.reference.pickup_points);
        Ok(())
    }

    pub async fn plans(&self) -> Result<Vec<Plan>, StoreError> {
        if let Some(plans) = fresh(&self.reference.plans) {
            return Ok(plans);
        }
        let mut plans: Vec<Plan> = self.partition(keys::PLANS).await?;
        plans.sort_by_key(|p| p.price_cents);
        keep(&self.reference.plans, plans.clone());
        Ok(plans)
    }

    pub async fn plan(&self, plan_id: &str) -> Result<Option<Plan>, StoreError> {
        Ok(self.plans().await?.into_iter().find(|p| p.plan_id == plan_id))
    }

    pub async fn put_plan(&self, plan: &Plan) -> Result<(), StoreError> {
        let key = keys::plan(&plan.plan_id);
        self.put(&Stored { pk: key.pk, sk: key.sk, value: plan.clone() }).await?;
        forget(&self.reference.plans);
        Ok(())
    }

    /// The shop's settings; the defaults until an admin saved some. Read at most once per
    /// `REFERENCE_TTL` per container: a change reaches every function within that time.
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        if let Some(settings) = fresh(&self.reference.settings) {
            return Ok(settings);
        }
        let settings = self.get::<Stored<Settings>>(keys::settings()).await?.map(|s| s.value).unwrap_or_default();
        keep(&self.reference.settings, settings.clone());
        Ok(settings)
    }

    pub async fn put_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        let key = keys::settings();
        self.put(&Stored { pk: key.pk, sk: key.sk, value: settings.clone() }).await?;
        keep(&self.reference.settings, settings.clone());
        Ok(())
    }
}

/// How long a container trusts the reference data it read (settings, pickup points, plans):
/// an admin's change reaches every function within this time.
pub const REFERENCE_TTL: Duration = Duration::from_secs(30);

type Slot<T> = Mutex<Option<(Instant, T)>>;

/// Reference data a container keeps for `REFERENCE_TTL`.
#[derive(Default)]
pub struct ReferenceCache {
    settings: Slot<Settings>,
    pickup_points: Slot<Vec<PickupPoint>>,
    plans: Slot<Vec<Plan>>,
}

fn fresh<T: Clone>(slot: &Slot<T>) -> Option<T> {
    let kept = slot.lock().ok()?;
    kept.as_ref().filter(|(at, _)| at.elapsed() < REFERENCE_TTL).map(|(_, value)| value.clone())
}

fn keep<T>(slot: &Slot<T>, value: T) {
    if let Ok(mut kept) = slot.lock() {
        *kept = Some((Instant::now(), value));
    }
}

fn forget<T>(slot: &Slot<T>) {
    if let Ok(mut kept) = slot.lock() {
        *kept = None;
    }
}
