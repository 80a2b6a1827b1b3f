//! Retrying work that lost a race (a conditional write refused because someone else moved
//! first): bounded, with a random pause so that the racers spread out instead of colliding
//! again. The pause scales with how long the lost attempt took and doubles with each loss:
//! K racers on one row (the invoice counter in a sale) let one through per round, and
//! rounds that all collide again cost K reads and writes each, which on a loaded store
//! makes each round slower still. Every contention loop in Capsule goes through `Retries`
//! (a loop) or `contended` (a closure).
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
}

impl Retries {
    pub fn new(policy: Policy) -> Self {
        Self { policy, tried: 0, began: None }
    }

    /// Whether to attempt (again): at once the first time, after a random pause later,
    /// `false` once the policy's attempts are spent.
    pub async fn next(&mut self) -> bool {
        if self.tried >= self.policy.attempts {
            return false;
        }
        if let Some(began) = self.began {
            let spread = self.policy.spread(began.elapsed(), self.tried);
            let most = u64::try_from(spread.as_millis()).unwrap_or(u64::MAX).max(1);
            tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % most)).await;
        }
        self.tried += 1;
        self.began = Some(Instant::now());
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
}
