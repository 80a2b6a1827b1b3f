//! Retrying work that lost a race (a conditional write refused because someone else moved
//! first): bounded, with a random pause so that the racers spread out instead of colliding
//! again. The pause scales with how long the lost attempt took and doubles with each loss:
//! K racers on one row (the invoice counter in a sale) let one through per round, and
//! rounds that all collide again cost K reads and writes each, which on a loaded store
//! makes each round slower still. Every contention loop in Capsule goes through `Retries`
//! (a loop) or `contended` (a closure): the store's resends of a write DynamoDB refused
//! because it met another (`store::Store::send_write`), and the reads-and-writes again of a
//! change whose condition lost a race (an order's move, a subscription's, a checkout).
use std::future::Future;
use std::time::{Duration, Instant};

/// What one attempt came to.
pub enum Attempt<T> {
    Done(T),
    /// Lost a race: read again and retry.
    Again,
}

/// How hard to try.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub attempts: usize,
    /// The pause before a retry is random, up to this or the lost attempt's time if longer,
    /// doubled with each loss (`spread`).
    pub max_pause: Duration,
}

/// The most losses that still double the spread: up to 4 times an attempt's time.
const MAX_DOUBLINGS: u32 = 2;

impl Policy {
    /// The window a retry's random pause is drawn from, after `lost` attempts lost and the
    /// last one took `took`.
    pub fn spread(&self, took: Duration, lost: usize) -> Duration {
        let doublings = u32::try_from(lost.saturating_sub(1)).unwrap_or(u32::MAX).min(MAX_DOUBLINGS);
        self.max_pause.max(took).saturating_mul(1 << doublings)
    }
}

/// For rows many writers share (the invoice counter, a hot product, a cart on two devices).
pub const CONTENDED: Policy = Policy { attempts: 40, max_pause: Duration::from_millis(40) };

/// The attempts of one contended operation: `while tries.next().await { ... continue ... }`.
pub struct Retries {
    policy: Policy,
    tried: usize,
    /// When the last attempt began.
    began: Option<Instant>,
    /// When the first attempt began.
    first: Option<Instant>,
    /// How long after the first attempt another may still begin (`within`).
    budget: Option<Duration>,
}

impl Retries {
    pub fn new(policy: Policy) -> Self {
        Self { policy, tried: 0, began: None, first: None, budget: None }
    }

    /// Bounded in time as well: no attempt begins later than `budget` after the first,
    /// nor waits for a pause that would end later.
    pub fn within(self, budget: Duration) -> Self {
        Self { budget: Some(budget), ..self }
    }

    /// What is left of the budget (`None`: no budget); all of it before the first attempt.
    pub fn left(&self) -> Option<Duration> {
        let spent = self.first.map_or(Duration::ZERO, |first| first.elapsed());
        self.budget.map(|budget| budget.saturating_sub(spent))
    }

    /// Whether to attempt (again): at once the first time, after a random pause later,
    /// `false` once the policy's attempts or the budget are spent.
    pub async fn next(&mut self) -> bool {
        if self.tried >= self.policy.attempts {
            return false;
        }
        if let Some(began) = self.began {
            let spread = self.policy.spread(began.elapsed(), self.tried);
            let most = u64::try_from(spread.as_millis()).unwrap_or(u64::MAX).max(1);
            let pause = Duration::from_millis(rand::random::<u64>() % most);
            if self.left().is_some_and(|left| pause >= left) {
                return false;
            }
            tokio::time::sleep(pause).await;
        }
        self.tried += 1;
        let now = Instant::now();
        self.began = Some(now);
        self.first.get_or_insert(now);
        true
    }
}

/// Runs `attempt` until it is done, fails, or `policy.attempts` ran out (`Ok(None)`).
pub async fn contended<T, E, F, Fut>(policy: Policy, mut attempt: F) -> Result<Option<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    let mut tries = Retries::new(policy);
    while tries.next().await {
        if let Attempt::Done(value) = attempt().await? {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const QUICK: Policy = Policy { attempts: 3, max_pause: Duration::from_millis(1) };

    #[test]
    fn the_pause_spreads_with_the_lost_attempts_time_and_doubles_with_each_loss() {
        let ms = Duration::from_millis;
        // A fast store: the policy's pause, doubled per loss.
        assert_eq!(CONTENDED.spread(ms(5), 1), ms(40));
        assert_eq!(CONTENDED.spread(ms(5), 2), ms(80));
        // A loaded one: the racers spread over rounds as long as their attempts.
        assert_eq!(CONTENDED.spread(ms(900), 1), ms(900));
        assert_eq!(CONTENDED.spread(ms(900), 2), ms(1800));
        // Bounded: at most 4 times.
        assert_eq!(CONTENDED.spread(ms(900), 3), ms(3600));
        assert_eq!(CONTENDED.spread(ms(900), 39), ms(3600));
    }

    #[tokio::test]
    async fn retries_until_done_and_gives_up_after_its_attempts() {
        let calls = Cell::new(0);
        let done = contended(QUICK, || {
            calls.set(calls.get() + 1);
            async { Ok::<_, ()>(if calls.get() == 2 { Attempt::Done("won") } else { Attempt::Again }) }
        })
        .await;
        assert_eq!((done, calls.get()), (Ok(Some("won")), 2));

        calls.set(0);
        let exhausted = contended(QUICK, || {
            calls.set(calls.get() + 1);
            async { Ok::<Attempt<()>, ()>(Attempt::Again) }
        })
        .await;
        assert_eq!((exhausted, calls.get()), (Ok(None), 3));

        let failed = contended(QUICK, || async { Err::<Attempt<()>, _>("broken") }).await;
        assert_eq!(failed, Err("broken"));
    }

    #[tokio::test]
    async fn a_budget_ends_the_attempts_before_the_policy_does() {
        let many = Policy { attempts: 1_000_000, max_pause: Duration::from_millis(2) };
        let mut tries = Retries::new(many).within(Duration::from_millis(30));
        assert_eq!(tries.left(), Some(Duration::from_millis(30)), "all of it before the first attempt");
        let mut attempts = 0;
        while tries.next().await {
            attempts += 1;
        }
        assert!((2..1_000_000).contains(&attempts), "{attempts} attempts");
        assert!(tries.left().is_some_and(|left| left < Duration::from_millis(30)));

        // Without time for a pause, one attempt and no other.
        let mut once = Retries::new(many).within(Duration::ZERO);
        assert!(once.next().await);
        assert!(!once.next().await);
        assert_eq!(Retries::new(many).left(), None);
    }
}
