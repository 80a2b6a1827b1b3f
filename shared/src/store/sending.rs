//! Sending a write until DynamoDB answers it. A write refused because it met other writes
//! (a transaction holding one of its items: `TransactionConflict`; a partition over its
//! throughput: `ThrottlingError`) is sent again as it was, after a jittered pause
//! (`retry::CONTENDED`), within the time the SDK allows one call; a refusal about the data
//! (`ConditionalCheckFailed`) is an answer and never sent again; every other refusal is an
//! error naming its reasons. A transaction carries one `ClientRequestToken` over all its
//! sendings (the SDK's retries and ours), so one that landed but whose answer was lost is
//! not applied twice.
use std::fmt;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::client::customize::CustomizableOperation;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_smithy_types::timeout::TimeoutConfig;

use super::{Store, StoreError};
use crate::retry::{Retries, CONTENDED};
use crate::sdk::Limits;

/// Why DynamoDB cancelled one action of a transaction (or refused a single write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Nothing wrong with this action: another one cancelled the transaction.
    None,
    /// Its condition did not hold: an answer about the data, never sent again.
    ConditionalCheckFailed,
    /// Another transaction held its item.
    TransactionConflict,
    /// Its partition was over its throughput (`ThrottlingError`, `ProvisionedThroughputExceeded`).
    ThrottlingError,
    /// DynamoDB found the write invalid (an item too large, a bad expression): a bug.
    ValidationError,
    /// Any other code, as DynamoDB named it (`ItemCollectionSizeLimitExceeded`, ...).
    Other(String),
}

impl Reason {
    pub fn from_code(code: Option<&str>) -> Self {
        match code {
            None | Some("None") => Self::None,
            Some("ConditionalCheckFailed") => Self::ConditionalCheckFailed,
            Some("TransactionConflict") => Self::TransactionConflict,
            Some("ThrottlingError" | "ProvisionedThroughputExceeded") => Self::ThrottlingError,
            Some("ValidationError") => Self::ValidationError,
            Some(other) => Self::Other(other.to_string()),
        }
    }

    /// It met other writes: the same write, sent again, may pass.
    fn met_others(&self) -> bool {
        matches!(self, Self::TransactionConflict | Self::ThrottlingError)
    }
}

/// A transaction's cancellation: one reason per action, in the order they were sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancellation(Vec<Reason>);

impl Cancellation {
    /// From DynamoDB's reason codes, in order; actions it gave no reason for have `None`.
    pub fn new<'a>(codes: impl IntoIterator<Item = Option<&'a str>>, actions: usize) -> Self {
        let mut reasons: Vec<Reason> = codes.into_iter().map(Reason::from_code).collect();
        reasons.resize(reasons.len().max(actions), Reason::None);
        Self(reasons)
    }

    pub fn reasons(&self) -> &[Reason] {
        &self.0
    }

    /// Whether the condition of action `action` (its index) did not hold.
    pub fn refused(&self, action: usize) -> bool {
        self.0.get(action) == Some(&Reason::ConditionalCheckFailed)
    }

    /// For each action, whether its condition did not hold.
    pub fn refusals(&self) -> Vec<bool> {
        (0..self.0.len()).map(|action| self.refused(action)).collect()
    }

    pub fn any_refused(&self) -> bool {
        self.0.contains(&Reason::ConditionalCheckFailed)
    }

    /// Cancelled only because it met other writes (conflicts, throttles): sent again as it
    /// was, it may pass. A refused condition or an invalid action is an answer.
    pub fn met_others(&self) -> bool {
        self.0.iter().any(Reason::met_others) && self.0.iter().all(|r| *r == Reason::None || r.met_others())
    }
}

impl fmt::Display for Cancellation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let named: Vec<String> = self
            .0
            .iter()
            .map(|reason| match reason {
                Reason::Other(code) => code.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        write!(f, "[{}]", named.join(", "))
    }
}

/// What a refused write means.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// It met other writes: sending it again may pass; the error if it is not sent again.
    MetOthers(StoreError),
    /// An answer or an error: sending it again would change nothing.
    Final(StoreError),
}

/// Error codes the SDK already retries as throttles (aws-runtime's `THROTTLING_ERRORS`):
/// still refused after its attempts, the write is given up on, nothing written.
const THROTTLED: &[&str] =
    &["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "Throttling"];

/// The meaning of DynamoDB's refusal: its error `code`, and the reasons of a cancelled
/// transaction. The one place that decides which refusals are sent again.
pub(crate) fn judge(code: Option<&str>, cancellation: Option<Cancellation>, detail: String) -> Refusal {
    match (code, cancellation) {
        (_, Some(cancellation)) if cancellation.met_others() => {
            Refusal::MetOthers(StoreError::Busy(format!("a transaction kept meeting others: {cancellation}")))
        }
        (_, Some(cancellation)) => Refusal::Final(StoreError::TransactionCancelled(cancellation)),
        (Some("ConditionalCheckFailedException"), None) => Refusal::Final(StoreError::ConditionFailed),
        // A single write on an item a transaction holds; the SDK does not retry it.
        (Some("TransactionConflictException"), None) => {
            Refusal::MetOthers(StoreError::Busy(format!("a write kept meeting transactions: {detail}")))
        }
        (Some(code), None) if THROTTLED.contains(&code) => Refusal::Final(StoreError::Busy(detail)),
        // The same token is still being applied: whether it lands is not known yet.
        (Some("TransactionInProgressException"), None) => Refusal::Final(StoreError::Unavailable(detail)),
        _ => Refusal::Final(StoreError::Aws(detail)),
    }
}

/// What an SDK error means, for any operation (a transaction's reasons come with `cancellation`).
pub(crate) fn refusal<E, R>(err: SdkError<E, R>, cancellation: Option<Cancellation>) -> Refusal
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let detail = format!("{}", DisplayErrorContext(&err));
    if matches!(err, SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)) {
        // No answer within the SDK's limits: the write may or may not have happened.
        return Refusal::Final(StoreError::Unavailable(detail));
    }
    judge(err.as_service_error().and_then(|e| e.code()), cancellation, detail)
}

/// A write request the store may send more than once, unchanged.
pub(crate) trait WriteRequest: Clone + Send + Sync {
    type Output;
    type Error: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static;

    /// Sends it, the whole call within `timeouts` when given (the time a resend has left).
    fn send_within(
        self,
        timeouts: Option<TimeoutConfig>,
    ) -> impl Future<Output = Result<Self::Output, SdkError<Self::Error, HttpResponse>>> + Send;

    /// The reasons of a cancelled transaction, if `error` is one.
    fn cancellation(&self, _error: &Self::Error) -> Option<Cancellation> {
        None
    }
}

fn within<T, E, B>(
    operation: CustomizableOperation<T, E, B>,
    timeouts: TimeoutConfig,
) -> CustomizableOperation<T, E, B> {
    operation.config_override(aws_sdk_dynamodb::config::Builder::default().timeout_config(timeouts))
}

macro_rules! single_write {
    ($builder:ty, $output:ty, $error:ty) => {
        impl WriteRequest for $builder {
            type Output = $output;
            type Error = $error;

            async fn send_within(
                self,
                timeouts: Option<TimeoutConfig>,
            ) -> Result<$output, SdkError<$error, HttpResponse>> {
                match timeouts {
                    None => self.send().await,
                    Some(timeouts) => within(self.customize(), timeouts).send().await,
                }
            }
        }
    };
}

single_write!(
    PutItemFluentBuilder,
    aws_sdk_dynamodb::operation::put_item::PutItemOutput,
    aws_sdk_dynamodb::operation::put_item::PutItemError
);
single_write!(
    UpdateItemFluentBuilder,
    aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
    aws_sdk_dynamodb::operation::update_item::UpdateItemError
);
single_write!(
    DeleteItemFluentBuilder,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemError
);

impl WriteRequest for TransactWriteItemsFluentBuilder {
    type Output = aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
    type Error = TransactWriteItemsError;

    async fn send_within(
        self,
        timeouts: Option<TimeoutConfig>,
    ) -> Result<Self::Output, SdkError<Self::Error, HttpResponse>> {
        match timeouts {
            None => self.send().await,
            Some(timeouts) => within(self.customize(), timeouts).send().await,
        }
    }

    fn cancellation(&self, error: &Self::Error) -> Option<Cancellation> {
        let TransactWriteItemsError::TransactionCanceledException(cancelled) = error else { return None };
        let actions = self.get_transact_items().as_ref().map_or(0, Vec::len);
        Some(Cancellation::new(cancelled.cancellation_reasons().iter().map(|r| r.code()), actions))
    }
}

impl Store {
    /// The client's time limits, and how long after a write's first sending another may
    /// begin: so that a resend still has a whole attempt's time and the write, resends
    /// included, ends within what the SDK allows one call (`sdk::Limits::operation`), as a
    /// stalled one would, before its Lambda's timeout.
    fn resend_window(&self) -> (TimeoutConfig, Duration, Duration) {
        let timeouts = self.client().config().timeout_config().cloned().unwrap_or_else(|| Limits::LAMBDA.timeouts());
        let operation = timeouts.operation_timeout().unwrap_or(Limits::LAMBDA.operation);
        let attempt = timeouts.operation_attempt_timeout().unwrap_or(Limits::LAMBDA.attempt).min(operation);
        (timeouts, operation - attempt, attempt)
    }

    /// Sends `request` until DynamoDB answers it: again, as it was, while it only met other
    /// writes (see the module), the last sending cut to the time left.
    pub(crate) async fn send_write<W: WriteRequest>(&self, request: W) -> Result<W::Output, StoreError> {
        let (timeouts, window, attempt) = self.resend_window();
        let mut tries = Retries::new(CONTENDED).within(window);
        let mut met: Option<StoreError> = None;
        while tries.next().await {
            let cut = met
                .as_ref()
                .map(|_| timeouts.to_builder().operation_timeout(tries.left().unwrap_or_default() + attempt).build());
            // On the heap: the SDK's future is large, and a handler's stack in a debug build
            // (a test thread's 2 MiB) would not hold it inside every caller's future.
            let error = match Box::pin(request.clone().send_within(cut)).await {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            let cancellation = error.as_service_error().and_then(|e| request.cancellation(e));
            match refusal(error, cancellation) {
                Refusal::MetOthers(e) => {
                    tracing::debug!(error = %e, "a write met others; sending it again");
                    met = Some(e);
                }
                Refusal::Final(e) => return Err(e),
            }
        }
        Err(met.unwrap_or_else(|| StoreError::Busy("a write was never sent".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancelled(codes: &[&str]) -> Cancellation {
        Cancellation::new(codes.iter().map(|c| Some(*c)), codes.len())
    }

    fn judged(code: &str, codes: Option<&[&str]>) -> Refusal {
        judge(Some(code), codes.map(cancelled), "detail".into())
    }

    #[test]
    fn every_reason_code_is_named_and_padded_to_the_actions() {
        let codes = [
            None,
            Some("None"),
            Some("ConditionalCheckFailed"),
            Some("TransactionConflict"),
            Some("ThrottlingError"),
            Some("ProvisionedThroughputExceeded"),
            Some("ValidationError"),
            Some("ItemCollectionSizeLimitExceeded"),
        ];
        let cancellation = Cancellation::new(codes, 10);
        assert_eq!(
            cancellation.reasons(),
            &[
                Reason::None,
                Reason::None,
                Reason::ConditionalCheckFailed,
                Reason::TransactionConflict,
                Reason::ThrottlingError,
                Reason::ThrottlingError,
                Reason::ValidationError,
                Reason::Other("ItemCollectionSizeLimitExceeded".into()),
                Reason::None,
                Reason::None,
            ]
        );
        assert_eq!(cancellation.refusals(), [false, false, true, false, false, false, false, false, false, false]);
        assert!(cancellation.refused(2) && !cancellation.refused(3) && !cancellation.refused(99));
        assert_eq!(
            cancellation.to_string(),
            "[None, None, ConditionalCheckFailed, TransactionConflict, ThrottlingError, ThrottlingError, \
             ValidationError, ItemCollectionSizeLimitExceeded, None, None]"
        );
    }

    #[test]
    fn only_conflicts_and_throttles_are_sent_again() {
        for codes in [
            &["None", "TransactionConflict"][..],
            &["ThrottlingError", "None"],
            &["ProvisionedThroughputExceeded"],
            &["TransactionConflict", "ThrottlingError"],
        ] {
            let judged = judged("TransactionCanceledException", Some(codes));
            assert!(matches!(judged, Refusal::MetOthers(StoreError::Busy(_))), "{codes:?}: {judged:?}");
        }
        // A refused condition is an answer, even beside a conflict; an invalid write is a bug.
        for codes in [
            &["ConditionalCheckFailed", "None"][..],
            &["TransactionConflict", "ConditionalCheckFailed"],
            &["ValidationError", "TransactionConflict"],
            &["ItemCollectionSizeLimitExceeded"],
            &["None", "None"],
        ] {
            let judged = judged("TransactionCanceledException", Some(codes));
            let Refusal::Final(StoreError::TransactionCancelled(cancellation)) = judged else {
                panic!("{codes:?} must be final: {judged:?}")
            };
            assert_eq!(cancellation, cancelled(codes));
        }
    }

    #[test]
    fn a_single_write_is_sent_again_only_when_a_transaction_held_its_item() {
        assert!(matches!(judged("TransactionConflictException", None), Refusal::MetOthers(StoreError::Busy(_))));
        assert!(matches!(judged("ConditionalCheckFailedException", None), Refusal::Final(StoreError::ConditionFailed)));
        // The SDK retried these itself: given up on, nothing written.
        for throttled in ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"] {
            assert!(matches!(judged(throttled, None), Refusal::Final(StoreError::Busy(_))), "{throttled}");
        }
        // Its first sending is still being applied: the outcome is not known.
        assert!(matches!(judged("TransactionInProgressException", None), Refusal::Final(StoreError::Unavailable(_))));
        for bug in ["ValidationException", "IdempotentParameterMismatchException", "ResourceNotFoundException"] {
            assert!(matches!(judged(bug, None), Refusal::Final(StoreError::Aws(_))), "{bug}");
        }
    }
}
