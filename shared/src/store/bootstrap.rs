//! The first admin and the reference data a new stack starts with, in one transaction
//! guarded by one singleton item: of any number of bootstraps, one writes, the others
//! write nothing.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::reference::Stored;
use super::{keys, Credentials, PickupPoint, Plan, Store, StoreError, Write};
use crate::domain::settings::Settings;
use crate::retry::{Retries, CONTENDED};

/// What a bootstrap writes: the first admin, and the plans, pickup points and settings
/// the stack does not have yet (an operator's own are kept).
pub struct Bootstrap<'a> {
    pub admin: &'a Credentials,
    pub plans: &'a [Plan],
    pub pickup_points: &'a [PickupPoint],
    pub settings: &'a Settings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bootstrapped {
    Done,
    /// The stack has its first admin already: nothing written.
    Already,
    /// An account uses the admin's email: nothing written.
    EmailTaken,
}

/// The singleton item: who was made the first admin, and when.
#[derive(Serialize, Deserialize)]
struct Marker {
    pk: String,
    sk: String,
    admin_user_id: String,
    #[serde(with = "crate::clock::secs")]
    at: DateTime<Utc>,
}

impl Store {
    pub async fn bootstrapped(&self) -> Result<bool, StoreError> {
        Ok(self.get::<serde_json::Value>(keys::bootstrap()).await?.is_some())
    }

    pub async fn bootstrap(&self, bootstrap: &Bootstrap<'_>) -> Result<Bootstrapped, StoreError> {
        let mut tries = Retries::new(CONTENDED);
        while tries.next().await {
            let key = keys::bootstrap();
            let marker = Marker {
                pk: key.pk,
                sk: key.sk,
                admin_user_id: bootstrap.admin.user_id.clone(),
                at: bootstrap.admin.created_at,
            };
            let mut actions = vec![self.new_item(&marker)?];
            actions.extend(self.account_writes(bootstrap.admin)?);
            actions.extend(self.missing_reference(bootstrap).await?);
            match self.transact(actions).await {
                Ok(()) => {
                    self.forget_reference();
                    return Ok(Bootstrapped::Done);
                }
                Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => {
                    return Ok(Bootstrapped::Already)
                }
                Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(1) => {
                    return Ok(Bootstrapped::EmailTaken)
                }
                // A reference item was written meanwhile: read them again.
                Err(StoreError::TransactionCancelled(cancelled)) if (3..).any(|i| cancelled.refused(i)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Busy("the reference data kept changing during the bootstrap".into()))
    }

    /// The writes of the reference items the stack lacks, each on the condition that it
    /// is still absent.
    async fn missing_reference(&self, bootstrap: &Bootstrap<'_>) -> Result<Vec<Write>, StoreError> {
        let plans: Vec<Plan> = self.partition(keys::PLANS).await?;
        let points: Vec<PickupPoint> = self.partition(keys::PICKUP_POINTS).await?;
        let mut writes = Vec::new();
        for plan in bootstrap.plans.iter().filter(|p| plans.iter().all(|have| have.plan_id != p.plan_id)) {
            let key = keys::plan(&plan.plan_id);
            writes.push(self.new_item(&Stored { pk: key.pk, sk: key.sk, value: plan })?);
        }
        for point in bootstrap
            .pickup_points
            .iter()
            .filter(|p| points.iter().all(|have| have.pickup_point_id != p.pickup_point_id))
        {
            let key = keys::pickup_point(&point.pickup_point_id);
            writes.push(self.new_item(&Stored { pk: key.pk, sk: key.sk, value: point })?);
        }
        if self.get::<serde_json::Value>(keys::settings()).await?.is_none() {
            let key = keys::settings();
            writes.push(self.new_item(&Stored { pk: key.pk, sk: key.sk, value: bootstrap.settings })?);
        }
        Ok(writes)
    }
}
