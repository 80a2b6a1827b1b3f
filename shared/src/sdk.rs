//! How long an AWS call may take and how often it is retried, explicit rather than the SDK's
//! defaults (which never give up on a stalled answer): a function gives up on a dependency
//! well before its Lambda timeout (10 s for the HTTP functions in template.yaml), with room
//! to answer 503 `service_unavailable` instead of being killed mid-request.
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};

/// Time limits and retries of every SDK client built from one `SdkConfig`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// To open a connection (TCP and TLS).
    pub connect: Duration,
    /// One attempt: sending the request and reading the whole answer.
    pub attempt: Duration,
    /// The whole call, every retry and pause included.
    pub operation: Duration,
    /// Attempts in all (standard retry mode: throttles, 5xx, timeouts and broken
    /// connections are retried, with jittered exponential pauses).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Limits {
    /// Deployed: DynamoDB, SQS, SES and EventBridge answer in milliseconds, so two seconds
    /// is an answer that is not coming; three attempts fit in five seconds, half of the
    /// 10 s Lambda timeout, and the first call that gives up ends the request.
    pub const LAMBDA: Self = Self {
        connect: Duration::from_secs(1),
        attempt: Duration::from_secs(2),
        operation: Duration::from_secs(5),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(1),
    };

    /// The local emulator is one single-threaded process that a whole parallel test run
    /// shares: a call may queue behind hundreds of others, which is load, not a fault.
    pub const EMULATOR: Self = Self {
        connect: Duration::from_secs(2),
        attempt: Duration::from_secs(30),
        operation: Duration::from_secs(60),
        ..Self::LAMBDA
    };

    pub fn timeouts(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }

    pub fn retries(&self) -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(self.max_attempts)
            .with_initial_backoff(self.initial_backoff)
            .with_max_backoff(self.max_backoff)
    }

    /// The SDK configuration loader with these limits; callers add region, endpoint, credentials.
    pub fn loader(&self) -> ConfigLoader {
        aws_config::defaults(BehaviorVersion::latest()).timeout_config(self.timeouts()).retry_config(self.retries())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_fits_in_the_call_and_the_loader_gets_them() {
        let limits = Limits::LAMBDA;
        assert!(limits.connect < limits.attempt && limits.attempt < limits.operation);
        assert_eq!(limits.timeouts().operation_timeout(), Some(limits.operation));
        assert_eq!(limits.retries().max_attempts(), 3);
    }
}
