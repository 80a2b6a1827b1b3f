//! A subscription's lifecycle in one place, pure like the order's: monthly periods that keep
//! their anchor day, the free trial and its reminder, charges and dunning (4 attempts over
//! 3 days, then suspended), cancellation at the period's end, and reactivation.
use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

/// How many attempts a period's charge gets before the subscription is suspended: the
/// first, then one retry a day, 3 times.
pub const MAX_ATTEMPTS: u32 = 4;
/// How long before the trial's end its reminder is due.
pub const TRIAL_REMINDER_DAYS: i64 = 3;
/// How long a first charge's outcome is awaited before the renewal job asks the provider
/// for it again (the same idempotency key: it answers the first outcome, never charges twice).
pub const FIRST_CHARGE_GRACE_MINUTES: i64 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Waiting for its first payment (or its card, for a trial) on the hosted page, or its
    /// first charge failed.
    Incomplete,
    Trialing,
    Active,
    /// A charge failed; retried daily.
    PastDue,
    /// Every attempt failed: no more charges until the payment method changes.
    Suspended,
    Cancelled,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incomplete => "incomplete",
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Suspended => "suspended",
            Self::Cancelled => "cancelled",
        }
    }

    /// Holds the user's one subscription to its plan (an incomplete one can be replaced).
    pub fn holds_plan(self) -> bool {
        !matches!(self, Self::Incomplete | Self::Cancelled)
    }

    /// Counted in the monthly recurring revenue.
    pub fn is_paying(self) -> bool {
        self == Self::Active
    }
}

impl std::fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The start of period `index` of a subscription anchored at `anchor`: the anchor's day of
/// month, clamped to the month's length (Jan 31 → Feb 28 or 29 → Mar 31 → Apr 30), always
/// counted from the anchor so that a short month never shifts the later ones.
pub fn period_start(anchor: DateTime<Utc>, index: u32) -> DateTime<Utc> {
    anchor.checked_add_months(Months::new(index)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Where a subscription stands: everything its rules read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billing {
    pub status: SubscriptionStatus,
    /// Periods start at `period_start(anchor, n)`: the first charge (the trial's end, or
    /// the start), moved to the reactivation for a suspended subscription.
    #[serde(with = "crate::clock::secs")]
    pub anchor: DateTime<Utc>,
    /// The period the next charge pays for (the current period, once paid, is the one before).
    pub period: u32,
    #[serde(default, with = "crate::clock::secs::option")]
    pub trial_ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub trial_reminded: bool,
    /// The next charge, or retry; none while incomplete, suspended or cancelled.
    #[serde(default, with = "crate::clock::secs::option")]
    pub next_charge_at: Option<DateTime<Utc>>,
    /// Failed attempts for the period due; back to 0 on success.
    pub failed_attempts: u32,
    pub cancel_at_period_end: bool,
    /// An incomplete subscription's first charge of a saved method is under way (asked of
    /// the provider, its outcome not applied yet): it holds its plan meanwhile, so that no
    /// other subscription is charged for the plan too.
    #[serde(default)]
    pub charging: bool,
    /// Why the last attempt failed, until a charge succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ChargeFailure>,
}

/// Why a charge failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeFailure {
    Declined,
    /// The customer's bank asks them to authenticate the payment (3-D Secure), which an
    /// off-session charge cannot: they can confirm that same payment on-session.
    AuthenticationRequired,
}

/// What the subscriber is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    TrialEndsSoon {
        at: DateTime<Utc>,
    },
    /// A charge paid the period from `from` to `to`.
    Charged {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Attempt `attempt` of `MAX_ATTEMPTS` failed; retried at `retry_at` unless suspended.
    ChargeFailed {
        attempt: u32,
        retry_at: Option<DateTime<Utc>>,
    },
    Suspended,
    Reactivated,
    /// Ends at `at` (the period's end), or now.
    CancelScheduled {
        at: DateTime<Utc>,
    },
    Cancelled,
}

/// What happened to a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Its first payment (or, for a trial, its card) arrived.
    Started {
        trial_days: Option<i64>,
    },
    /// The charge for the period due went through (or the method change's charge did).
    ChargeSucceeded,
    ChargeFailed(ChargeFailure),
    /// The subscriber asks to cancel.
    CancelRequested,
    /// The subscriber changed the payment method (a charge follows if one is owed).
    MethodChanged,
}

/// What is due now for a subscription, by the time it is in the due index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    RemindTrialEnd,
    /// Charge the period due, this attempt (1-based).
    Charge {
        attempt: u32,
    },
    /// The period ended with `cancel_at_period_end`: cancelled, nothing charged.
    End,
}

/// Why a request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this subscription is cancelled")]
    Cancelled,
}

impl Billing {
    /// A new subscription: incomplete until its first payment or card arrives.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            status: SubscriptionStatus::Incomplete,
            anchor: now,
            period: 0,
            trial_ends_at: None,
            trial_reminded: false,
            next_charge_at: None,
            failed_attempts: 0,
            cancel_at_period_end: false,
            charging: false,
            failure: None,
        }
    }

    /// Holds the user's one subscription to its plan: while it is live, and while its first
    /// charge is under way (checked and taken before the provider is asked for any money).
    pub fn holds_plan(&self) -> bool {
        self.status.holds_plan() || (self.status == SubscriptionStatus::Incomplete && self.charging)
    }

    /// Incomplete with no charge under way: its hosted page may still start it.
    pub fn awaits_page(&self) -> bool {
        self.status == SubscriptionStatus::Incomplete && !self.charging
    }

    /// The charge owed now (`owes_charge_now`) is about to be asked of the provider: an
    /// incomplete subscription holds its plan from here until the charge's outcome is
    /// applied, and is due to be asked again if that outcome does not come.
    pub fn about_to_charge(&self, now: DateTime<Utc>) -> Self {
        match self.status {
            SubscriptionStatus::Incomplete => Self {
                charging: true,
                next_charge_at: Some(now + Duration::minutes(FIRST_CHARGE_GRACE_MINUTES)),
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// The end of the current (paid or trial) period.
    pub fn current_period_end(&self) -> DateTime<Utc> {
        period_start(self.anchor, self.period)
    }

    /// When this subscription next needs the scheduler: its trial reminder or its charge.
    pub fn next_action_at(&self) -> Option<DateTime<Utc>> {
        // A cancelled trial ends without a charge: nothing to remind of.
        let reminder = match (self.status, self.trial_ends_at, self.trial_reminded || self.cancel_at_period_end) {
            (SubscriptionStatus::Trialing, Some(end), false) => Some(end - Duration::days(TRIAL_REMINDER_DAYS)),
            _ => None,
        };
        match (reminder, self.next_charge_at) {
            (Some(r), Some(c)) => Some(r.min(c)),
            (r, c) => r.or(c),
        }
    }

    /// What is due at `now`, if anything.
    pub fn due(&self, now: DateTime<Utc>) -> Option<Due> {
        use SubscriptionStatus as S;
        let first_charge = self.status == S::Incomplete && self.charging;
        if !matches!(self.status, S::Trialing | S::Active | S::PastDue) && !first_charge {
            return None;
        }
        if self.next_charge_at.is_some_and(|at| at <= now) {
            return Some(match self.cancel_at_period_end {
                true => Due::End,
                false => Due::Charge { attempt: self.failed_attempts + 1 },
            });
        }
        let reminder = self.next_action_at().filter(|at| *at <= now);
        let remind = self.status == S::Trialing && !self.trial_reminded && !self.cancel_at_period_end;
        (reminder.is_some() && remind).then_some(Due::RemindTrialEnd)
    }

    /// The idempotency key of the charge due: subscription, period and attempt, so a
    /// replayed or concurrent charge of the same attempt is the same charge.
    pub fn charge_key(&self, subscription_id: &str) -> String {
        format!("{}{}", self.period_key(subscription_id), self.failed_attempts + 1)
    }

    /// What the keys of every attempt at the period due begin with.
    fn period_key(&self, subscription_id: &str) -> String {
        let period = crate::clock::rfc3339(period_start(self.anchor, self.period));
        format!("sub:{subscription_id}:{period}:")
    }

    /// Whether a payment keyed `key` pays what is owed now: an attempt at the period due
    /// (an earlier one, its payment confirmed by the customer afterwards, settles it too)
    /// while the subscription owes it.
    pub fn owes(&self, subscription_id: &str, key: &str) -> bool {
        let attempt = key.strip_prefix(&self.period_key(subscription_id));
        self.owes_charge_now() && attempt.is_some_and(|a| a.parse::<u32>().is_ok_and(|a| a >= 1))
    }

    /// The trial reminder is sent.
    pub fn reminded(&self) -> Self {
        Self { trial_reminded: true, ..self.clone() }
    }

    /// The subscription after `event` at `now`, with what its subscriber is told.
    pub fn apply(&self, event: Event, now: DateTime<Utc>) -> Result<(Self, Vec<Notice>), Refusal> {
        use SubscriptionStatus as S;
        if self.status == S::Cancelled {
            return Err(Refusal::Cancelled);
        }
        // Whatever happens next settles (or ends) a first charge under way.
        let mut next = Self { charging: false, ..self.clone() };
        let mut notices = Vec::new();
        match event {
            Event::Started { trial_days: Some(days) } if self.status == S::Incomplete => {
                let end = now + Duration::days(days);
                next.status = S::Trialing;
                next.failure = None;
                next.anchor = end;
                next.period = 0;
                next.trial_ends_at = Some(end);
                next.next_charge_at = Some(end);
            }
            // A start that is paid is its first charge.
            Event::Started { .. } | Event::ChargeSucceeded => {
                let from = match self.status {
                    // Reactivated or started: a new anchor, the period starts now.
                    S::Incomplete | S::Suspended => {
                        next.anchor = now;
                        next.period = 0;
                        now
                    }
                    _ => period_start(self.anchor, self.period),
                };
                if self.status == S::Suspended {
                    notices.push(Notice::Reactivated);
                }
                next.status = S::Active;
                next.period += 1;
                next.failed_attempts = 0;
                next.failure = None;
                next.next_charge_at = Some(next.current_period_end());
                notices.push(Notice::Charged { from, to: next.current_period_end() });
            }
            Event::ChargeFailed(failure) => {
                let attempt = self.failed_attempts + 1;
                next.failed_attempts = attempt;
                next.failure = Some(failure);
                match self.status {
                    // A first payment or a suspended subscription's new method: nothing changes.
                    S::Incomplete | S::Suspended => {
                        next.next_charge_at = None;
                        notices.push(Notice::ChargeFailed { attempt, retry_at: None });
                    }
                    _ if attempt >= MAX_ATTEMPTS => {
                        next.status = S::Suspended;
                        next.next_charge_at = None;
                        notices.push(Notice::ChargeFailed { attempt, retry_at: None });
                        notices.push(Notice::Suspended);
                    }
                    _ => {
                        let retry_at = now + Duration::days(1);
                        next.status = S::PastDue;
                        next.next_charge_at = Some(retry_at);
                        notices.push(Notice::ChargeFailed { attempt, retry_at: Some(retry_at) });
                    }
                }
            }
            Event::CancelRequested => match self.status {
                // A period is running: it ends as paid (or the trial as offered).
                S::Active | S::Trialing => {
                    next.cancel_at_period_end = true;
                    notices.push(Notice::CancelScheduled { at: self.current_period_end() });
                }
                _ => {
                    next.status = S::Cancelled;
                    next.next_charge_at = None;
                    next.cancel_at_period_end = true;
                    notices.push(Notice::CancelScheduled { at: now });
                }
            },
            Event::MethodChanged => {}
        }
        Ok((next, notices))
    }

    /// The period ended with `cancel_at_period_end`.
    pub fn ended(&self) -> (Self, Vec<Notice>) {
        let next = Self { status: SubscriptionStatus::Cancelled, next_charge_at: None, ..self.clone() };
        (next, vec![Notice::Cancelled])
    }

    /// Changing the payment method owes a charge now: a past-due or suspended
    /// subscription's period, or an incomplete one's first payment.
    pub fn owes_charge_now(&self) -> bool {
        matches!(
            self.status,
            SubscriptionStatus::PastDue | SubscriptionStatus::Suspended | SubscriptionStatus::Incomplete
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, TimeZone};
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    fn started(now: DateTime<Utc>, trial: Option<i64>) -> Billing {
        let (b, _) =
            Billing::new(now).apply(Event::Started { trial_days: trial }, now).unwrap_or_else(|e| panic!("{e}"));
        b
    }

    #[test]
    fn month_end_anchors_clamp_and_come_back() {
        let anchor = at("2031-01-31T09:00:00Z");
        let starts: Vec<String> = (0..5).map(|i| crate::clock::rfc3339(period_start(anchor, i))).collect();
        assert_eq!(
            starts,
            [
                "2031-01-31T09:00:00Z",
                "2031-02-28T09:00:00Z",
                "2031-03-31T09:00:00Z",
                "2031-04-30T09:00:00Z",
                "2031-05-31T09:00:00Z"
            ]
        );
        assert_eq!(period_start(at("2032-01-31T00:00:00Z"), 1), at("2032-02-29T00:00:00Z"), "leap year");
    }

    proptest! {
        /// Every period is one calendar month from the anchor, in order, none skipped or
        /// billed twice, and the anchor day comes back whenever the month has it.
        #[test]
        fn periods_never_drift(year in 1990i32..2200, month in 1u32..=12, day in 1u32..=31, hour in 0u32..24, count in 1u32..40) {
            let last = NaiveDate::from_ymd_opt(year, month, 1)
                .and_then(|d| d.checked_add_months(Months::new(1)))
                .and_then(|d| d.pred_opt())
                .map_or(28, |d| d.day());
            let date = NaiveDate::from_ymd_opt(year, month, day.min(last)).expect("valid");
            let anchor = Utc.from_utc_datetime(&date.and_hms_opt(hour, 0, 0).expect("time"));
            for i in 0..count {
                let start = period_start(anchor, i);
                let end = period_start(anchor, i + 1);
                prop_assert!(start < end);
                let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
                prop_assert_eq!(months, 1, "one calendar month from {} to {}", start, end);
                let expected = (anchor.year() * 12 + anchor.month0() as i32) + i as i32;
                prop_assert_eq!(start.year() * 12 + start.month0() as i32, expected, "period {} is in its own month", i);
                let month_len = NaiveDate::from_ymd_opt(start.year(), start.month(), 1)
                    .and_then(|d| d.checked_add_months(Months::new(1)))
                    .and_then(|d| d.pred_opt())
                    .map_or(28, |d| d.day());
                prop_assert_eq!(start.day(), anchor.day().min(month_len));
                prop_assert_eq!(start.time(), anchor.time());
            }
        }
    }

    #[test]
    fn a_trial_reminds_then_charges_at_its_end() {
        let now = at("2031-03-01T10:00:00Z");
        let b = started(now, Some(14));
        assert_eq!(b.status, SubscriptionStatus::Trialing);
        assert_eq!(b.next_charge_at, Some(at("2031-03-15T10:00:00Z")));
        assert_eq!(b.next_action_at(), Some(at("2031-03-12T10:00:00Z")));
        assert_eq!(b.due(at("2031-03-12T09:59:59Z")), None);
        assert_eq!(b.due(at("2031-03-12T10:00:00Z")), Some(Due::RemindTrialEnd));
        let b = b.reminded();
        assert_eq!(b.next_action_at(), Some(at("2031-03-15T10:00:00Z")));
        assert_eq!(b.due(at("2031-03-14T00:00:00Z")), None);
        assert_eq!(b.due(at("2031-03-15T10:00:00Z")), Some(Due::Charge { attempt: 1 }));
        let (paid, notices) = b.apply(Event::ChargeSucceeded, at("2031-03-15T10:00:05Z")).expect("applies");
        assert_eq!(paid.status, SubscriptionStatus::Active);
        assert_eq!(paid.next_charge_at, Some(at("2031-04-15T10:00:00Z")));
        assert_eq!(notices, [Notice::Charged { from: at("2031-03-15T10:00:00Z"), to: at("2031-04-15T10:00:00Z") }]);
    }

    #[test]
    fn four_failed_attempts_over_three_days_suspend_and_a_new_method_reactivates() {
        let now = at("2031-03-01T10:00:00Z");
        let mut b = started(now, None);
        assert_eq!((b.status, b.period), (SubscriptionStatus::Active, 1));
        let due_at = at("2031-04-01T10:00:00Z");
        assert_eq!(b.next_charge_at, Some(due_at));
        let key = b.charge_key("s1");
        assert_eq!(key, "sub:s1:2031-04-01T10:00:00Z:1");
        let mut when = due_at;
        let mut keys = vec![key];
        for attempt in 1..=3 {
            assert_eq!(b.due(when), Some(Due::Charge { attempt }));
            let (next, notices) = b.apply(Event::ChargeFailed(ChargeFailure::Declined), when).expect("applies");
            assert_eq!(next.status, SubscriptionStatus::PastDue);
            assert_eq!(notices, [Notice::ChargeFailed { attempt, retry_at: Some(when + Duration::days(1)) }]);
            b = next;
            when += Duration::days(1);
            keys.push(b.charge_key("s1"));
        }
        assert_eq!(when, at("2031-04-04T10:00:00Z"), "the 4th attempt is 3 days after the first");
        let (suspended, notices) = b.apply(Event::ChargeFailed(ChargeFailure::Declined), when).expect("applies");
        assert_eq!(suspended.status, SubscriptionStatus::Suspended);
        assert_eq!(suspended.next_charge_at, None);
        assert_eq!(suspended.due(when + Duration::days(30)), None, "no further charge");
        assert!(matches!(notices.as_slice(), [Notice::ChargeFailed { attempt: 4, retry_at: None }, Notice::Suspended]));
        keys.push(suspended.charge_key("s1"));
        keys.dedup();
        assert_eq!(keys.len(), 5, "each attempt has its own key: {keys:?}");

        assert!(suspended.owes_charge_now());
        let later = at("2031-04-20T08:00:00Z");
        let (back, notices) = suspended.apply(Event::ChargeSucceeded, later).expect("applies");
        assert_eq!((back.status, back.failed_attempts), (SubscriptionStatus::Active, 0));
        assert_eq!(back.next_charge_at, Some(at("2031-05-20T08:00:00Z")), "re-anchored at the reactivation");
        assert_eq!(notices[0], Notice::Reactivated);
    }

    #[test]
    fn an_earlier_attempt_confirmed_later_pays_the_period_owed_and_only_it() {
        let b = started(at("2031-03-01T10:00:00Z"), None);
        let first = b.charge_key("s1");
        assert!(!b.owes("s1", &first), "nothing owed before the charge fails");
        let failure = ChargeFailure::AuthenticationRequired;
        let (owing, _) = b.apply(Event::ChargeFailed(failure), at("2031-04-01T10:00:00Z")).expect("applies");
        assert_eq!((owing.status, owing.failure), (SubscriptionStatus::PastDue, Some(failure)));
        assert!(owing.owes("s1", &first) && owing.owes("s1", &owing.charge_key("s1")));
        assert!(!owing.owes("s2", &first.replace("s1", "s2").replace(":1", ":x")));
        assert!(!owing.owes("s2", &first), "another subscription's");
        assert!(!owing.owes("s1", "sub:s1:2031-03-01T10:00:00Z:1"), "another period's");
        let (paid, _) = owing.apply(Event::ChargeSucceeded, at("2031-04-02T09:00:00Z")).expect("applies");
        assert_eq!((paid.status, paid.period, paid.failure), (SubscriptionStatus::Active, 2, None));
        assert!(!paid.owes("s1", &first), "paid: a second confirmation owes nothing");
    }

    #[test]
    fn a_success_while_past_due_keeps_the_anchor() {
        let b = started(at("2031-01-31T12:00:00Z"), None);
        let (late, _) =
            b.apply(Event::ChargeFailed(ChargeFailure::Declined), at("2031-02-28T12:00:00Z")).expect("applies");
        let (paid, _) = late.apply(Event::ChargeSucceeded, at("2031-03-01T12:00:00Z")).expect("applies");
        assert_eq!(paid.next_charge_at, Some(at("2031-03-31T12:00:00Z")));
    }

    #[test]
    fn cancel_ends_at_the_period_end_and_charges_nothing() {
        let b = started(at("2031-03-01T10:00:00Z"), None);
        let (b, notices) = b.apply(Event::CancelRequested, at("2031-03-05T00:00:00Z")).expect("applies");
        assert!(b.cancel_at_period_end && b.status == SubscriptionStatus::Active);
        assert_eq!(notices, [Notice::CancelScheduled { at: at("2031-04-01T10:00:00Z") }]);
        assert_eq!(b.due(at("2031-04-01T10:00:00Z")), Some(Due::End));
        let (ended, _) = b.ended();
        assert_eq!((ended.status, ended.next_charge_at), (SubscriptionStatus::Cancelled, None));
        assert_eq!(ended.apply(Event::ChargeSucceeded, at("2031-05-01T00:00:00Z")), Err(Refusal::Cancelled));

        let trial = started(at("2031-03-01T10:00:00Z"), Some(14));
        let (trial, _) = trial.apply(Event::CancelRequested, at("2031-03-02T00:00:00Z")).expect("applies");
        assert_eq!(
            trial.next_action_at(),
            Some(at("2031-03-15T10:00:00Z")),
            "no reminder of a charge that will not come"
        );
        assert_eq!(trial.due(at("2031-03-12T10:00:00Z")), None);
        assert_eq!(trial.due(at("2031-03-15T10:00:00Z")), Some(Due::End), "a cancelled trial is never charged");

        let suspended = Billing { status: SubscriptionStatus::Suspended, next_charge_at: None, ..trial };
        let (gone, _) = suspended.apply(Event::CancelRequested, at("2031-03-02T00:00:00Z")).expect("applies");
        assert_eq!(gone.status, SubscriptionStatus::Cancelled, "nothing runs: cancelled at once");
    }

    #[test]
    fn statuses_hold_the_plan_and_count_revenue() {
        use SubscriptionStatus as S;
        let holding: Vec<S> = [S::Incomplete, S::Trialing, S::Active, S::PastDue, S::Suspended, S::Cancelled]
            .into_iter()
            .filter(|s| s.holds_plan())
            .collect();
        assert_eq!(holding, [S::Trialing, S::Active, S::PastDue, S::Suspended]);
        assert!(S::Active.is_paying() && !S::Trialing.is_paying() && !S::PastDue.is_paying());
    }

    #[test]
    fn a_first_charge_under_way_holds_the_plan_until_its_outcome_and_is_asked_again_if_none_comes() {
        let now = at("2031-03-01T10:00:00Z");
        let new = Billing::new(now);
        assert!(!new.holds_plan(), "an incomplete subscription on its page does not hold its plan");
        assert!(new.awaits_page());
        let charging = new.about_to_charge(now);
        assert!(charging.holds_plan() && !charging.awaits_page(), "the page can no longer start it");
        assert_eq!(charging.charge_key("s1"), new.charge_key("s1"), "the same charge");
        assert_eq!(charging.due(now), None);
        let grace = now + Duration::minutes(FIRST_CHARGE_GRACE_MINUTES);
        assert_eq!(charging.due(grace), Some(Due::Charge { attempt: 1 }), "no outcome came: asked again");

        let (paid, _) = charging.apply(Event::ChargeSucceeded, now).expect("applies");
        assert!(paid.holds_plan() && !paid.charging && paid.status == SubscriptionStatus::Active);
        let (declined, _) = charging.apply(Event::ChargeFailed(ChargeFailure::Declined), now).expect("applies");
        assert!(!declined.holds_plan() && declined.next_charge_at.is_none() && declined.due(grace).is_none());
        assert_ne!(declined.charge_key("s1"), charging.charge_key("s1"), "a new method's charge is a new one");
        let (cancelled, _) = charging.apply(Event::CancelRequested, now).expect("applies");
        assert!(!cancelled.holds_plan(), "cancelled: the plan is free again");

        let active = started(now, None);
        assert_eq!(active.about_to_charge(now), active, "a live subscription holds its plan already");
    }
}
