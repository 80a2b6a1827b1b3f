//! Every AWS call a function makes, counted by an SDK interceptor and attributed to the use
//! case that made it: round trips are the cost that grows with traffic, so tests hold each
//! use case to its count and a regression fails there.
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::access::{self, Access};

tokio::task_local! {
    static SCOPE: Scope;
}

/// The use case a task works for, and the services it called so far.
struct Scope {
    use_case: String,
    services: Arc<Mutex<Vec<String>>>,
}

/// Runs `work` as `use_case` (a function's name): the calls it makes are counted for it.
pub async fn within<F: Future>(use_case: &str, work: F) -> F::Output {
    within_listing(use_case, work).await.0
}

/// `within`, and the services `work` called (`"sqs"`, `"dynamodb"`, ...; once each), so
/// that the local stack knows whether an invocation queued anything. `work` goes straight
/// into the task-local scope, wrapped in nothing more: a handler's future is large in a
/// debug build, and a copy of it in another async block overflowed a test thread's stack.
pub async fn within_listing<F: Future>(use_case: &str, work: F) -> (F::Output, Vec<String>) {
    let services = Arc::new(Mutex::new(Vec::new()));
    let scope = Scope { use_case: use_case.to_string(), services: services.clone() };
    let output = SCOPE.scope(scope, work).await;
    let services = services.lock().map(|list| list.clone()).unwrap_or_default();
    (output, services)
}

/// What a call is counted under: use case, service, operation.
pub type CallKey = (String, String, String);

/// Calls counted so far, by use case, service and operation.
#[derive(Clone, Debug, Default)]
pub struct CallCounts {
    counts: Arc<Mutex<HashMap<CallKey, u64>>>,
    /// What IAM had to allow for them, by use case.
    accesses: Arc<Mutex<BTreeSet<(String, Access)>>>,
}

impl CallCounts {
    fn add(&self, key: CallKey) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(key).or_default() += 1;
        }
    }

    /// How many calls `use_case` made to `service` (`"dynamodb"`, `"sqs"`, ...).
    pub fn of(&self, use_case: &str, service: &str) -> u64 {
        self.counts.lock().map_or(0, |counts| {
            counts.iter().filter(|((u, s, _), _)| u == use_case && s == service).map(|(_, n)| n).sum()
        })
    }

    /// Every permission the calls so far needed, by use case, sorted.
    pub fn accesses(&self) -> Vec<(String, Access)> {
        self.accesses.lock().map(|a| a.iter().cloned().collect()).unwrap_or_default()
    }

    /// Every count, for a report: `(use case, service, operation) → calls`, sorted.
    pub fn all(&self) -> Vec<(CallKey, u64)> {
        let mut all: Vec<_> =
            self.counts.lock().map(|c| c.iter().map(|(k, v)| (k.clone(), *v)).collect()).unwrap_or_default();
        all.sort();
        all
    }
}

fn use_case() -> String {
    SCOPE.try_with(|scope| scope.use_case.clone()).unwrap_or_else(|_| "other".to_string())
}

/// Adds `service` to those the current scope called, once.
fn note_service(service: &str) {
    let _ = SCOPE.try_with(|scope| {
        if let Ok(mut services) = scope.services.lock() {
            if !services.iter().any(|s| s == service) {
                services.push(service.to_string());
            }
        }
    });
}

/// The interceptor every client of an `App` carries.
#[derive(Debug)]
pub struct Counter(pub CallCounts);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let use_case = use_case();
            let needed = access::of_call(&metadata.service().to_lowercase(), metadata.name(), context.input());
            if let Ok(mut accesses) = self.0.accesses.lock() {
                accesses.extend(needed.into_iter().map(|a| (use_case.clone(), a)));
            }
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let service = metadata.service().to_lowercase();
            note_service(&service);
            self.0.add((use_case(), service, metadata.name().to_string()));
        }
        Ok(())
    }
}
