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
/// local stack and moved through `/dev/clock`. It shows times from 1970 to 9999 only (four
/// digit years, as the table's time keys sort): a move that would leave them is refused.
#[derive(Default)]
pub struct DevClock {
    offset_ms: AtomicI64,
}

/// The times the dev clock may show, in Unix milliseconds: 1970-01-01 to 9999-12-31.
const DEV_CLOCK_RANGE_MS: std::ops::RangeInclusive<i64> = 0..=253_402_300_799_999;

impl DevClock {
    /// Moves the clock `seconds` on (back when negative); `false`, and the clock unmoved, if
    /// it would leave 1970-9999. Checked arithmetic: no move overflows.
    pub fn advance(&self, seconds: i64) -> bool {
        let by_ms = seconds.checked_mul(1000);
        self.move_offset(|offset| by_ms.and_then(|by| offset.checked_add(by)))
    }

    /// Sets the clock to `now`; `false`, and the clock unmoved, if it is outside 1970-9999.
    pub fn set(&self, now: DateTime<Utc>) -> bool {
        let target_ms = now.timestamp_millis();
        self.move_offset(|_| target_ms.checked_sub(Utc::now().timestamp_millis()))
    }

    fn move_offset(&self, next: impl Fn(i64) -> Option<i64>) -> bool {
        let real_ms = Utc::now().timestamp_millis();
        let shows = |offset: i64| real_ms.checked_add(offset).is_some_and(|ms| DEV_CLOCK_RANGE_MS.contains(&ms));
        self.offset_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| next(o).filter(|n| shows(*n))).is_ok()
    }
}

impl Clock for DevClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        // The offset keeps the time within 1970-9999 when it is set; real time may move it
        // past the end since, never past chrono's.
        Utc::now().checked_add_signed(offset).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// RFC 3339 with second precision and a `Z`, as the contract shows times and the table's
/// sort keys order them: the one way a time becomes text.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Serde for times as the contract and the table keep them: written by `rfc3339`; read
/// from any RFC 3339 time (an offset, fractional seconds), in UTC and to the second, so a
/// time compares as it is stored. `#[serde(with = "crate::clock::secs")]`, and
/// `secs::option` (with `#[serde(default)]`) for an `Option`.
pub mod secs {
    use chrono::{DateTime, SubsecRound, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::clock::rfc3339(*at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        // chrono's own reading: RFC 3339, converted to UTC.
        DateTime::<Utc>::deserialize(deserializer).map(to_the_second)
    }

    fn to_the_second(at: DateTime<Utc>) -> DateTime<Utc> {
        at.trunc_subsecs(0)
    }

    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => serializer.serialize_some(&crate::clock::rfc3339(*at)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
            Ok(Option::<DateTime<Utc>>::deserialize(deserializer)?.map(super::to_the_second))
        }
    }
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
        let target = utc("2030-01-01T00:00:00Z");
        assert!(clock.set(target));
        assert!((clock.now() - target).num_seconds().abs() < 2);
    }

    #[test]
    fn dev_clock_refuses_moves_out_of_its_years_and_never_overflows() {
        let clock = DevClock::default();
        let target = utc("2030-01-01T00:00:00Z");
        assert!(clock.set(target));
        for seconds in [i64::MAX, i64::MIN, i64::MAX / 1000, i64::MIN / 1000, 8_000 * 365 * 86_400, -61 * 365 * 86_400]
        {
            assert!(!clock.advance(seconds), "{seconds}");
            assert!((clock.now() - target).num_seconds().abs() < 2, "unmoved by {seconds}");
        }
        let year_10000 = DateTime::from_timestamp(253_402_300_800, 0).expect("10000-01-01");
        for outside in [utc("1969-12-31T23:59:59Z"), year_10000, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert!(!clock.set(outside), "{outside}");
        }
        assert!(clock.set(utc("9999-12-31T00:00:00Z")));
        assert!(clock.advance(3600));
        assert!(!clock.advance(86_400), "past 9999");
        assert!(clock.now() < year_10000);
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Stamped {
        #[serde(with = "secs")]
        at: DateTime<Utc>,
        #[serde(default, with = "secs::option")]
        until: Option<DateTime<Utc>>,
    }

    fn read(json: &str) -> Result<Stamped, serde_json::Error> {
        serde_json::from_str(json)
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map(|d| d.with_timezone(&Utc)).expect("valid date")
    }

    #[test]
    fn times_are_written_to_the_second_with_a_z() {
        let stamped = Stamped { at: utc("2026-03-15T10:00:00.987654Z"), until: Some(utc("2026-03-15T12:30:05+02:00")) };
        let json = serde_json::to_value(&stamped).expect("serializes");
        assert_eq!(json, serde_json::json!({"at": "2026-03-15T10:00:00Z", "until": "2026-03-15T10:30:05Z"}));
        let none = serde_json::to_value(Stamped { until: None, ..stamped }).expect("serializes");
        assert_eq!(none["until"], serde_json::Value::Null);
    }

    #[test]
    fn times_round_trip_as_stored() {
        let text = r#"{"at":"2026-03-15T10:00:00Z","until":"2030-01-01T00:00:59Z"}"#;
        let stamped = read(text).expect("reads");
        assert_eq!(stamped.at, utc("2026-03-15T10:00:00Z"));
        assert_eq!(serde_json::to_string(&stamped).expect("serializes"), text);
        assert_eq!(read(r#"{"at":"2026-03-15T10:00:00Z"}"#).expect("reads").until, None);
        assert_eq!(read(r#"{"at":"2026-03-15T10:00:00Z","until":null}"#).expect("reads").until, None);
    }

    #[test]
    fn any_rfc3339_time_is_read_in_utc_to_the_second() {
        let offset = read(r#"{"at":"2026-03-15T12:00:00+02:00","until":"2026-03-14T23:30:00-01:00"}"#).expect("reads");
        assert_eq!(offset.at, utc("2026-03-15T10:00:00Z"));
        assert_eq!(offset.until, Some(utc("2026-03-15T00:30:00Z")));
        let fraction =
            read(r#"{"at":"2026-03-15T10:00:00.999Z","until":"2026-03-15T10:00:01.5+00:00"}"#).expect("reads");
        assert_eq!(fraction.at, utc("2026-03-15T10:00:00Z"));
        assert_eq!(fraction.until, Some(utc("2026-03-15T10:00:01Z")));
        assert_eq!(serde_json::to_value(&fraction).expect("serializes")["at"], "2026-03-15T10:00:00Z");
    }

    #[test]
    fn what_is_not_a_time_is_refused() {
        for bad in [r#"{"at":"tomorrow"}"#, r#"{"at":"2026-03-15"}"#, r#"{"at":1773568800}"#, r#"{"at":null}"#] {
            assert!(read(bad).is_err(), "{bad}");
        }
        assert!(read(r#"{"at":"2026-03-15T10:00:00Z","until":"soon"}"#).is_err());
    }
}
