//! Retrying work that lost a race (a conditional write refused because someone else moved
//! first): bounded, with a short random pause so that the racers spread out instead of
//! colliding again. Every contention loop in Capsule goes through `Retries` (a loop) or
//! `contended` (a closure).
use std::future::Future;
use std::time::Duration;

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
    /// The pause before a retry is random, up to this.
    pub max_pause: Duration,
}

/// For rows many writers share (the invoice counter, a hot product, a cart on two devices).
pub const CONTENDED: Policy = Policy { attempts: 40, max_pause: Duration::from_millis(40) };

/// The attempts of one contended operation: `while tries.next().await { ... continue ... }`.
pub struct Retries {
    policy: Policy,
    tried: usize,
}

impl Retries {
    pub fn new(policy: Policy) -> Self {
        Self { policy, tried: 0 }
    }

    /// Whether to attempt (again): at once the first time, after a random pause later,
    /// `false` once the policy's attempts are spent.
    pub async fn next(&mut self) -> bool {
        if self.tried >= self.policy.attempts {
            return false;
        }
        if self.tried > 0 {
            let most = u64::try_from(self.policy.max_pause.as_millis()).unwrap_or(u64::MAX).max(1);
            tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % most)).await;
        }
        self.tried += 1;
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
