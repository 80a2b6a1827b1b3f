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
        clock.set(target);
        assert!((clock.now() - target).num_seconds().abs() < 2);
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
