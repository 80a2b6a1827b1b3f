//! Subscriptions as stored: one item per subscription under its owner (`USER#id`,
//! `SUB#id`), listed by status for the back office (GSI1) and by when the scheduler next
//! has work for it (GSI2, sparse). Every change is one transaction conditional on the
//! version read, with what goes with it: the plan's slot (one live subscription per user
//! and plan), the saved method's count of live subscriptions, the revenue counter, the
//! trial marker, the payment record, the applied event and the outbox items.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{from_item, keys, n, s, to_item, tx, Item, PaymentRecord, Store, StoreError, Write};
use crate::domain::order::PaymentStatus;
use crate::domain::saved_method::MethodDetails;
use crate::domain::subscription::{Billing, SubscriptionStatus};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub subscription_id: String,
    pub user_id: String,
    pub email: String,
    pub plan_id: String,
    pub plan_name: String,
    pub price_cents: i64,
    pub currency: String,
    /// The saved method it charges; none until the hosted page saved one.
    pub payment_method: Option<SubscriptionMethod>,
    /// The free trial it starts with, if its owner has not had one.
    pub trial_days: Option<i64>,
    #[serde(flatten)]
    pub billing: Billing,
    #[serde(default)]
    pub charges: Vec<SubscriptionCharge>,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

/// The saved method a subscription charges, with what its owner sees of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionMethod {
    pub payment_method_id: String,
    pub token: String,
    pub details: MethodDetails,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionCharge {
    #[serde(with = "crate::clock::secs")]
    pub at: DateTime<Utc>,
    pub amount_cents: i64,
    pub status: PaymentStatus,
    pub payment_id: String,
}

/// Whether a status keeps a saved method charged (it cannot be deleted meanwhile).
fn charges_method(status: SubscriptionStatus) -> bool {
    matches!(status, SubscriptionStatus::Trialing | SubscriptionStatus::Active | SubscriptionStatus::PastDue)
}

impl SubscriptionRecord {
    /// Places it in the indexes by its status and its next due work.
    pub fn index(&mut self) {
        self.gsi1pk = keys::subscriptions_in(self.billing.status.as_str());
        self.gsi1sk = keys::time_sort(self.created_at, &self.subscription_id);
        match self.billing.next_action_at() {
            Some(at) => {
                self.gsi2pk = Some(keys::SUBSCRIPTIONS_DUE.to_string());
                self.gsi2sk = Some(keys::time_sort(at, &self.subscription_id));
            }
            None => {
                self.gsi2pk = None;
                self.gsi2sk = None;
            }
        }
    }

    /// The saved method it charges now, if its status charges one.
    pub fn charged_method(&self) -> Option<&str> {
        self.payment_method
            .as_ref()
            .filter(|_| charges_method(self.billing.status))
            .map(|m| m.payment_method_id.as_str())
    }
}

/// A subscription's change and everything that goes with it.
pub struct SubscriptionChange<'a> {
    /// As read; `None` for a new subscription.
    pub before: Option<&'a SubscriptionRecord>,
    pub after: &'a SubscriptionRecord,
    /// The payment event this applies: recorded so that a replay changes nothing.
    pub event_id: Option<&'a str>,
    pub payment: Option<PaymentRecord>,
    /// Its free trial starts: the user's one trial is used.
    pub uses_trial: bool,
    /// The saved method is written by `with` (saved with this change, its count of live
    /// subscriptions included), so it is not counted again here.
    pub method_written: bool,
    /// Outbox items, a saved method.
    pub with: Vec<Write>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("a live subscription to this plan exists")]
    AlreadySubscribed,
    #[error("this payment event was applied before")]
    AlreadyApplied,
    #[error("the user's free trial is used")]
    TrialUsed,
    #[error("the payment method is gone")]
    MethodGone,
    /// The subscription moved since it was read: read again.
    #[error("the subscription changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What each action of the transaction guards, to name a cancellation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    Event,
    Version,
    Slot,
    Trial,
    Method,
    Other,
}

impl Store {
    pub async fn subscription(
        &self,
        user_id: &str,
        subscription_id: &str,
    ) -> Result<Option<SubscriptionRecord>, StoreError> {
        self.get(keys::subscription(user_id, subscription_id)).await
    }

    /// A user's subscriptions, oldest first.
    pub async fn user_subscriptions(&self, user_id: &str) -> Result<Vec<SubscriptionRecord>, StoreError> {
        let mut subs: Vec<SubscriptionRecord> = self.user_items(user_id, keys::SUBSCRIPTION_PREFIX).await?;
        subs.sort_by_key(|s| s.created_at);
        Ok(subs)
    }

    /// Whether the user's one free trial has started.
    pub async fn trial_used(&self, user_id: &str) -> Result<bool, StoreError> {
        Ok(self.get::<serde_json::Value>(keys::trial(user_id)).await?.is_some())
    }

    /// Subscriptions with work due at `now` or before, soonest first, from `after`.
    pub async fn due_subscriptions(
        &self,
        now: DateTime<Utc>,
        after: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<SubscriptionRecord>, Option<Item>), StoreError> {
        self.due_page(keys::SUBSCRIPTIONS_DUE, now, after, limit).await
    }

    /// One page of the subscriptions in `status`, newest first; the cursor to go on.
    pub async fn subscriptions_in(
        &self,
        status: SubscriptionStatus,
        limit: usize,
        after: Option<&str>,
    ) -> Result<(Vec<SubscriptionRecord>, Option<String>), StoreError> {
        let partition = keys::subscriptions_in(status.as_str());
        let (items, next) = self.index_page(keys::GSI1, "gsi1", &partition, limit, after, false).await?;
        Ok((items.into_iter().map(from_item).collect::<Result<_, _>>()?, next))
    }

    /// The monthly recurring revenue, in cents.
    pub async fn mrr_cents(&self) -> Result<i64, StoreError> {
        let counter: Option<serde_json::Value> = self.get(keys::mrr()).await?;
        Ok(counter.and_then(|c| c["value"].as_i64()).unwrap_or(0))
    }

    /// Applies a subscription's change as one transaction; see `SubscriptionChange`.
    pub async fn commit_subscription(&self, change: SubscriptionChange<'_>) -> Result<(), ChangeError> {
        let table = self.table();
        let (before, after) = (change.before, change.after);
        let me = &after.subscription_id;
        let mut actions: Vec<(Guard, Write)> = Vec::new();
        if let Some(event_id) = change.event_id {
            let key = keys::webhook_event(event_id);
            let item = Item::from([
                ("pk".into(), s(key.pk)),
                ("sk".into(), s(key.sk)),
                ("event_id".into(), s(event_id)),
                ("subscription_id".into(), s(me)),
            ]);
            actions.push((Guard::Event, tx::put(table, item, Some("attribute_not_exists(pk)"))?));
        }
        let record = match before {
            None => tx::put(table, to_item(after)?, Some("attribute_not_exists(pk)"))?,
            Some(b) => {
                tx::put_if(table, to_item(after)?, Some("version = :v"), Item::from([(":v".into(), n(b.version))]))?
            }
        };
        actions.push((Guard::Version, record));

        // The plan's slot: taken by a subscription that comes to hold the plan (or created
        // with it, refused while another holds it); given back when it stops holding it.
        let holds_before = before.is_some_and(|b| b.billing.status.holds_plan());
        let holds_after = after.billing.status.holds_plan();
        let slot = keys::plan_slot(&after.user_id, &after.plan_id);
        if before.is_none() || (holds_after && !holds_before) {
            let mut item = slot.item();
            item.insert("subscription_id".into(), s(me));
            item.insert("holds".into(), aws_sdk_dynamodb::types::AttributeValue::Bool(holds_after));
            let condition = "attribute_not_exists(pk) OR holds = :false OR subscription_id = :me";
            let values = Item::from([
                (":false".into(), aws_sdk_dynamodb::types::AttributeValue::Bool(false)),
                (":me".into(), s(me)),
            ]);
            actions.push((Guard::Slot, tx::put_if(table, item, Some(condition), values)?));
        } else if holds_before && !holds_after {
            actions.push((
                Guard::Other,
                tx::update(
                    table,
                    slot.item(),
                    "SET holds = :false",
                    Some("subscription_id = :me"),
                    Item::from([
                        (":false".into(), aws_sdk_dynamodb::types::AttributeValue::Bool(false)),
                        (":me".into(), s(me)),
                    ]),
                    &[],
                )?,
            ));
        }

        // The saved methods' counts of live subscriptions charging them.
        let (was, is) = (before.and_then(|b| b.charged_method()), after.charged_method());
        if was != is {
            if let Some(old) = was {
                let key = keys::payment_method(&after.user_id, old);
                let update = tx::update(
                    table,
                    key.item(),
                    "ADD live_subscriptions :minus_one",
                    Some("attribute_exists(pk)"),
                    Item::from([(":minus_one".into(), n(-1))]),
                    &[],
                )?;
                actions.push((Guard::Other, update));
            }
            if let (Some(new), false) = (is, change.method_written) {
                let key = keys::payment_method(&after.user_id, new);
                let update = tx::update(
                    table,
                    key.item(),
                    "ADD live_subscriptions :one",
                    Some("attribute_exists(pk)"),
                    Item::from([(":one".into(), n(1))]),
                    &[],
                )?;
                actions.push((Guard::Method, update));
            }
        }

        // The revenue counter follows the subscriptions that pay.
        let paying_before = before.is_some_and(|b| b.billing.status.is_paying());
        let delta = match (paying_before, after.billing.status.is_paying()) {
            (false, true) => after.price_cents,
            (true, false) => -before.map_or(0, |b| b.price_cents),
            _ => 0,
        };
        if delta != 0 {
            actions.push((
                Guard::Other,
                tx::update(
                    table,
                    keys::mrr().item(),
                    "ADD #value :delta",
                    None,
                    Item::from([(":delta".into(), n(delta))]),
                    &[("#value", "value")],
                )?,
            ));
        }
        if change.uses_trial {
            let mut item = keys::trial(&after.user_id).item();
            item.insert("subscription_id".into(), s(me));
            actions.push((Guard::Trial, tx::put(table, item, Some("attribute_not_exists(pk)"))?));
        }
        if let Some(payment) = &change.payment {
            actions.push((Guard::Other, tx::put(table, to_item(payment)?, Some("attribute_not_exists(pk)"))?));
        }
        actions.extend(change.with.into_iter().map(|w| (Guard::Other, w)));

        let guards: Vec<Guard> = actions.iter().map(|(g, _)| *g).collect();
        match self.transact(actions.into_iter().map(|(_, w)| w).collect()).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(failed)) => {
                let failed_on = |guard: Guard| guards.iter().zip(&failed).any(|(g, f)| *g == guard && *f);
                Err(if failed_on(Guard::Event) {
                    ChangeError::AlreadyApplied
                } else if failed_on(Guard::Version) {
                    ChangeError::Conflict
                } else if failed_on(Guard::Slot) {
                    ChangeError::AlreadySubscribed
                } else if failed_on(Guard::Trial) {
                    ChangeError::TrialUsed
                } else if failed_on(Guard::Method) {
                    ChangeError::MethodGone
                } else {
                    ChangeError::Conflict
                })
            }
            Err(e) => Err(e.into()),
        }
    }
}
