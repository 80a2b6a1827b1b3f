use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// The one source of "now" for every rule that depends on time (expiry, sales, trials).
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock, used on Lambda.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that runs with real time but can be moved, shared by every function of the
/// local stack and moved through `/dev/clock`.
#[derive(Default)]
pub struct DevClock {
    offset_ms: AtomicI64,
}

impl DevClock {
    pub fn advance(&self, seconds: i64) {
        self.offset_ms.fetch_add(seconds.saturating_mul(1000), Ordering::SeqCst);
    }

    pub fn set(&self, now: DateTime<Utc>) {
        let offset = now.signed_duration_since(Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::SeqCst);
    }
}

impl Clock for DevClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// RFC 3339 with second precision and a `Z`, as the contract shows times.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_clock_moves_forward_and_to_a_date() {
        let clock = DevClock::default();
        let before = clock.now();
        clock.advance(3600);
        assert!(clock.now() - before >= Duration::seconds(3600));
        let target =
            DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").map(|d| d.with_timezone(&Utc)).expect("valid date");
        clock.set(target);
        assert!((clock.now() - target).num_seconds().abs() < 2);
    }
}
