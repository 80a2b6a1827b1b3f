//! Subscriptions as stored: one item per subscription under its owner (`USER#id`,
//! `SUB#id`), listed by status for the back office (GSI1) and by when the scheduler next
//! has work for it (GSI2, sparse). Every change is one transaction conditional on the
//! version read, with what goes with it: the plan's slot (one live subscription per user
//! and plan), the saved methods' counts of live subscriptions (and a method saved with it),
//! the revenue counter, the trial marker, the payment record, the applied event and the
//! outbox items.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use aws_sdk_dynamodb::types::AttributeValue;

use super::payments::{event_applied, AppliedTo};
use super::{from_item, keys, n, s, to_item, tx, Item, MethodSave, PaymentRecord, Store, StoreError, Write};
use crate::domain::order::PaymentStatus;
use crate::domain::saved_method::MethodDetails;
use crate::domain::subscription::{Billing, Refusal, SubscriptionStatus};

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
    /// The hosted page's session that collects its first payment (or its card), closed
    /// once it no longer awaits that page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_session_id: Option<String>,
    /// The page where the customer confirms on-session the charge their bank asked them to
    /// authenticate (the link of the email), until a charge succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_url: Option<String>,
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
    /// The payment event this applies: its id, recorded so that a replay changes nothing,
    /// and its payment.
    pub payment: Option<(&'a str, PaymentRecord)>,
    /// Its free trial starts: the user's one trial is used.
    pub uses_trial: bool,
    /// A method saved with this change (the hosted page's): written here, with its count
    /// of live subscriptions when the subscription comes to charge it.
    pub saving: Option<&'a MethodSave>,
    /// Outbox items, a payment session.
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
    /// The subscription moved since it was read (or the method saved with it was saved
    /// again meanwhile): read again.
    #[error("the subscription changed meanwhile")]
    Conflict,
    /// The lifecycle refuses it (a cancelled subscription).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What each action of the transaction guards, to name a cancellation, most telling first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Guard {
    Event,
    Version,
    Slot,
    Trial,
    /// The method it comes to charge.
    Method,
    /// The method saved with it.
    Saving,
    /// The method it charged until now.
    OldMethod,
    /// What no race can refuse (the payment's own record, the outbox, giving the slot back).
    Other,
}

impl Guard {
    fn refusal(self) -> ChangeError {
        match self {
            Self::Event => ChangeError::AlreadyApplied,
            Self::Version | Self::Saving => ChangeError::Conflict,
            Self::Slot => ChangeError::AlreadySubscribed,
            Self::Trial => ChangeError::TrialUsed,
            Self::Method => ChangeError::MethodGone,
            Self::OldMethod | Self::Other => {
                ChangeError::Store(StoreError::Aws(format!("a subscription's write was refused ({self:?})")))
            }
        }
    }
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
        let mut uncount_old_method = true;
        loop {
            let (guards, writes): (Vec<Guard>, Vec<Write>) =
                subscription_actions(self.table(), &change, uncount_old_method)?.into_iter().unzip();
            let cancelled = match self.transact(writes).await {
                Ok(()) => return Ok(()),
                Err(StoreError::TransactionCancelled(cancelled)) => cancelled,
                Err(e) => return Err(e.into()),
            };
            let refused = guards.iter().enumerate().filter(|(i, _)| cancelled.refused(*i)).map(|(_, g)| *g).min();
            match refused {
                // The method it charged was deleted meanwhile (possible only before counts
                // survived every writer): there is no count left to take it from.
                Some(Guard::OldMethod) if uncount_old_method => uncount_old_method = false,
                Some(guard) => return Err(guard.refusal()),
                // No condition refused it (an invalid action): an error, not a race.
                None => return Err(StoreError::TransactionCancelled(cancelled).into()),
            }
        }
    }
}

/// The actions of a subscription's change, each with what it guards.
fn subscription_actions(
    table: &str,
    change: &SubscriptionChange<'_>,
    uncount_old_method: bool,
) -> Result<Vec<(Guard, Write)>, StoreError> {
    let (before, after) = (change.before, change.after);
    let me = &after.subscription_id;
    let mut actions: Vec<(Guard, Write)> = Vec::new();
    if let Some((event_id, payment)) = &change.payment {
        actions.push((Guard::Event, event_applied(table, event_id, AppliedTo::Subscription(me), payment.at)?));
    }
    let record = match before {
        None => tx::put(table, to_item(after)?, Some("attribute_not_exists(pk)"))?,
        Some(b) => tx::put_if(table, to_item(after)?, Some("version = :v"), Item::from([(":v".into(), n(b.version))]))?,
    };
    actions.push((Guard::Version, record));
    actions.extend(slot_action(table, before, after)?);
    actions.extend(method_actions(table, change, uncount_old_method)?);

    // The revenue counter follows the subscriptions that pay.
    let paying_before = before.is_some_and(|b| b.billing.status.is_paying());
    let delta = match (paying_before, after.billing.status.is_paying()) {
        (false, true) => after.price_cents,
        (true, false) => -before.map_or(0, |b| b.price_cents),
        _ => 0,
    };
    if delta != 0 {
        let values = Item::from([(":delta".into(), n(delta))]);
        let add = tx::update(table, keys::mrr().item(), "ADD #value :delta", None, values, &[("#value", "value")])?;
        actions.push((Guard::Other, add));
    }
    if change.uses_trial {
        let mut item = keys::trial(&after.user_id).item();
        item.insert("subscription_id".into(), s(me));
        actions.push((Guard::Trial, tx::put(table, item, Some("attribute_not_exists(pk)"))?));
    }
    if let Some((_, payment)) = &change.payment {
        // A payment recorded failed may succeed later (its customer authenticated it): the
        // same payment, its record now says so. One that succeeded is never written again.
        let unsettled = "attribute_not_exists(pk) OR #status = :failed";
        let values = Item::from([(":failed".into(), s("failed"))]);
        let put = tx::put_named(table, to_item(payment)?, Some(unsettled), values, &[("#status", "status")])?;
        actions.push((Guard::Other, put));
    }
    actions.extend(change.with.iter().cloned().map(|w| (Guard::Other, w)));
    Ok(actions)
}

/// The plan's slot: taken by a subscription that comes to hold the plan (live, or its
/// first charge about to be asked for) or is created, refused while another holds it; given
/// back when it stops holding it.
fn slot_action(
    table: &str,
    before: Option<&SubscriptionRecord>,
    after: &SubscriptionRecord,
) -> Result<Option<(Guard, Write)>, StoreError> {
    let me = &after.subscription_id;
    let holds_before = before.is_some_and(|b| b.billing.holds_plan());
    let holds_after = after.billing.holds_plan();
    let slot = keys::plan_slot(&after.user_id, &after.plan_id);
    let values = Item::from([(":false".into(), AttributeValue::Bool(false)), (":me".into(), s(me))]);
    if before.is_none() || (holds_after && !holds_before) {
        let mut item = slot.item();
        item.insert("subscription_id".into(), s(me));
        item.insert("holds".into(), AttributeValue::Bool(holds_after));
        let condition = "attribute_not_exists(pk) OR holds = :false OR subscription_id = :me";
        return Ok(Some((Guard::Slot, tx::put_if(table, item, Some(condition), values)?)));
    }
    if holds_before && !holds_after {
        let release = tx::update(table, slot.item(), "SET holds = :false", Some("subscription_id = :me"), values, &[])?;
        return Ok(Some((Guard::Other, release)));
    }
    Ok(None)
}

/// The saved methods' counts of live subscriptions charging them, and the method saved
/// with the change (which takes its own count's move: one write per item).
fn method_actions(
    table: &str,
    change: &SubscriptionChange<'_>,
    uncount_old_method: bool,
) -> Result<Vec<(Guard, Write)>, StoreError> {
    let (was, is) = (change.before.and_then(SubscriptionRecord::charged_method), change.after.charged_method());
    let moved = |id: &str| if was == is { 0 } else { i64::from(is == Some(id)) - i64::from(was == Some(id)) };
    let mut actions = Vec::new();
    let saved = change.saving.map(|save| save.record.payment_method_id.as_str());
    if let Some(save) = change.saving {
        actions.push((Guard::Saving, save.write(table, moved(&save.record.payment_method_id))?));
    }
    let user_id = &change.after.user_id;
    let counted = |id: &str, guard: Guard| {
        let values = Item::from([(":moved".into(), n(moved(id)))]);
        let key = keys::payment_method(user_id, id);
        tx::update(table, key.item(), "ADD live_subscriptions :moved", Some("attribute_exists(pk)"), values, &[])
            .map(|write| (guard, write))
    };
    if let Some(old) = was.filter(|id| was != is && uncount_old_method && Some(*id) != saved) {
        actions.push(counted(old, Guard::OldMethod)?);
    }
    if let Some(new) = is.filter(|id| was != is && Some(*id) != saved) {
        actions.push(counted(new, Guard::Method)?);
    }
    Ok(actions)
}
