use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{from_item, keys, n, s, Store, StoreError};
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

/// A reference item as stored: its key beside its fields.
#[derive(Serialize, Deserialize)]
pub(super) struct Stored<T> {
    pub pk: String,
    pub sk: String,
    #[serde(flatten)]
    pub value: T,
}

/// What an operator changes of a plan (`None`: kept).
#[derive(Clone, Debug, Default)]
pub struct PlanChanges {
    pub name: Option<String>,
    pub price_cents: Option<i64>,
}

/// What an operator changes of a pickup point (`None`: kept).
#[derive(Clone, Debug, Default)]
pub struct PickupPointChanges {
    pub name: Option<String>,
    pub address: Option<String>,
}

impl Store {
    pub(super) async fn partition<T: serde::de::DeserializeOwned>(&self, pk: &str) -> Result<Vec<T>, StoreError> {
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

    /// A new pickup point; `false` when one has this id.
    pub async fn create_pickup_point(&self, point: &PickupPoint) -> Result<bool, StoreError> {
        let key = keys::pickup_point(&point.pickup_point_id);
        let created = self.put_absent(&Stored { pk: key.pk, sk: key.sk, value: point.clone() }).await?;
        forget(&self.reference.pickup_points);
        Ok(created)
    }

    /// The pickup point changed as asked; `None` when there is none with this id.
    pub async fn update_pickup_point(
        &self,
        id: &str,
        changes: &PickupPointChanges,
    ) -> Result<Option<PickupPoint>, StoreError> {
        let fields = [("name", changes.name.clone()), ("address", changes.address.clone())];
        let fields = fields.map(|(name, value)| (name, value.map(s)));
        let updated = self.update_attributes(keys::pickup_point(id), &fields).await?;
        forget(&self.reference.pickup_points);
        Ok(updated)
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

    /// A new plan; `false` when one has this id.
    pub async fn create_plan(&self, plan: &Plan) -> Result<bool, StoreError> {
        let key = keys::plan(&plan.plan_id);
        let created = self.put_absent(&Stored { pk: key.pk, sk: key.sk, value: plan.clone() }).await?;
        forget(&self.reference.plans);
        Ok(created)
    }

    /// The plan changed as asked; `None` when there is none with this id. A subscription
    /// keeps the price it was taken at.
    pub async fn update_plan(&self, id: &str, changes: &PlanChanges) -> Result<Option<Plan>, StoreError> {
        let fields = [("name", changes.name.clone().map(s)), ("price_cents", changes.price_cents.map(n))];
        let updated = self.update_attributes(keys::plan(id), &fields).await?;
        forget(&self.reference.plans);
        Ok(updated)
    }

    async fn put_absent<T: Serialize>(&self, value: &T) -> Result<bool, StoreError> {
        match self.put_new(value).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sets the given attributes of an existing item, one conditional write; `None` when
    /// the item does not exist.
    async fn update_attributes<T: serde::de::DeserializeOwned>(
        &self,
        key: keys::Key,
        fields: &[(&str, Option<AttributeValue>)],
    ) -> Result<Option<T>, StoreError> {
        let set: Vec<(&str, AttributeValue)> =
            fields.iter().filter_map(|(name, value)| value.clone().map(|v| (*name, v))).collect();
        if set.is_empty() {
            return Ok(self.get::<Stored<T>>(key).await?.map(|stored| stored.value));
        }
        let expression = set.iter().enumerate().map(|(i, _)| format!("#f{i} = :v{i}")).collect::<Vec<_>>().join(", ");
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key.item()))
            .update_expression(format!("SET {expression}"))
            .condition_expression("attribute_exists(pk)")
            .return_values(ReturnValue::AllNew);
        for (i, (name, value)) in set.into_iter().enumerate() {
            update = update
                .expression_attribute_names(format!("#f{i}"), name)
                .expression_attribute_values(format!(":v{i}"), value);
        }
        match self.send_write(update).await {
            Ok(output) => Ok(Some(from_item::<Stored<T>>(output.attributes.unwrap_or_default())?.value)),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
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

    /// Every container of this process reads reference data again (after a bootstrap).
    pub(super) fn forget_reference(&self) {
        forget(&self.reference.settings);
        forget(&self.reference.pickup_points);
        forget(&self.reference.plans);
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
