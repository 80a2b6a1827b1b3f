//! The local stand-in for Lambda's SQS event source mappings and EventBridge schedules.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use tokio::sync::{Notify, RwLock};

use crate::resources::{Queue, QueueSpec, QUEUES, SCHEDULES};
use crate::routes;
use shared::App;

/// How often each queue is polled when nothing woke its pollers (failed messages come back
/// after their visibility timeout and are picked up then).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Batches of one queue handled at once, as Lambda's event source mapping runs several
/// invocations of a consumer side by side: a slow batch (webhooks waiting on the emulator)
/// does not hold back the messages behind it, and no queue waits for another's batch.
const BATCHES_IN_FLIGHT: usize = 4;

struct QueueWorker {
    spec: &'static QueueSpec,
    queue: Queue,
    /// Wakes one idle poller of this queue.
    wake: Notify,
}

pub struct Workers {
    app: App,
    sqs: aws_sdk_sqs::Client,
    queues: Vec<QueueWorker>,
    /// The background pollers each hold it shared around a batch; a drain holds it alone, so
    /// it never returns while a batch received before or during its pass is still at work,
    /// and a drain that waited for another one still makes its own full pass.
    gate: RwLock<()>,
    /// Receives sent to the emulator so far (each one is work for it; the bench counts them).
    receives: AtomicU64,
}

impl Workers {
    pub fn new(app: App, sqs: aws_sdk_sqs::Client, queues: &HashMap<&'static str, Queue>) -> Self {
        let queues = QUEUES
            .iter()
            .filter_map(|spec| {
                queues.get(spec.logical_id).map(|queue| QueueWorker { spec, queue: queue.clone(), wake: Notify::new() })
            })
            .collect();
        Self { app, sqs, queues, gate: RwLock::new(()), receives: AtomicU64::new(0) }
    }

    /// How many receives the pollers and drains have sent so far.
    pub fn receives(&self) -> u64 {
        self.receives.load(Ordering::Relaxed)
    }

    /// Something may have been queued: one poller of each queue looks now.
    pub fn wake(&self) {
        for worker in &self.queues {
            worker.wake.notify_one();
        }
    }

    /// Polls every queue until a full pass finds nothing to do: what was queued before the
    /// call, and what that work queued in turn, has been handled when it returns. Messages a
    /// consumer reported as failed stay invisible until their visibility timeout.
    pub async fn drain(&self) {
        let _alone = self.gate.write().await;
        loop {
            let mut handled = 0;
            for worker in &self.queues {
                handled += self.poll(worker).await;
            }
            if handled == 0 {
                return;
            }
        }
    }

    /// Receives one batch and hands it to the consumer as an SQS event; deletes what the
    /// consumer did not report as failed. Returns how many messages it handled.
    async fn poll(&self, worker: &QueueWorker) -> usize {
        self.receives.fetch_add(1, Ordering::Relaxed);
        let received = self
            .sqs
            .receive_message()
            .queue_url(&worker.queue.url)
            .max_number_of_messages(worker.spec.batch_size)
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(queue = worker.spec.logical_id, error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "receive failed");
                return 0;
            }
        };
        if messages.is_empty() {
            return 0;
        }
        let count = messages.len();
        let received_at = std::time::Instant::now();
        // How long the oldest message waited in the queue (SQS's SentTimestamp, in ms).
        let waited_ms = messages
            .iter()
            .filter_map(|m| m.attributes.as_ref()?.get(&MessageSystemAttributeName::SentTimestamp)?.parse::<i64>().ok())
            .min()
            .map(|sent| chrono::Utc::now().timestamp_millis() - sent);
        let mut event = SqsEvent::default();
        for message in &messages {
            let mut record = SqsMessage::default();
            record.message_id = message.message_id.clone();
            record.receipt_handle = message.receipt_handle.clone();
            record.body = message.body.clone();
            record.md5_of_body = message.md5_of_body.clone();
            record.attributes = message
                .attributes
                .as_ref()
                .map(|a| a.iter().map(|(k, v)| (k.as_str().to_string(), v.clone())).collect())
                .unwrap_or_default();
            record.event_source = Some("aws:sqs".to_string());
            record.event_source_arn = Some(worker.queue.arn.clone());
            record.aws_region = Some("us-east-1".to_string());
            event.records.push(record);
        }
        let Some(response) = routes::invoke_sqs(worker.spec.consumer, &self.app, event).await else {
            tracing::error!(consumer = worker.spec.consumer, "no consumer wired for queue");
            return 0;
        };
        let failed: Vec<String> = response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| m.message_id.as_ref().is_some_and(|id| !failed.contains(id)))
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle.clone())
                    .build()
                    .ok()
            })
            .collect();
        if !done.is_empty() {
            if let Err(e) =
                self.sqs.delete_message_batch().queue_url(&worker.queue.url).set_entries(Some(done)).send().await
            {
                tracing::warn!(queue = worker.spec.logical_id, error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "delete failed");
            }
        }
        tracing::info!(
            queue = worker.spec.logical_id,
            messages = count,
            failed = failed.len(),
            waited_ms,
            handled_ms = received_at.elapsed().as_millis() as u64,
            "batch handled"
        );
        count
    }

    /// Polls in the background until the stack stops: `BATCHES_IN_FLIGHT` pollers a queue.
    /// A poller that found messages goes on at once and wakes another (a backlog is worked
    /// on in parallel); one that found none waits to be woken, the first of each queue at
    /// most `IDLE_POLL` (the others add no idle polls to the single-threaded emulator).
    pub fn spawn_pollers(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut pollers = Vec::new();
        for index in 0..self.queues.len() {
            for rank in 0..BATCHES_IN_FLIGHT {
                let workers = Arc::clone(self);
                pollers.push(tokio::spawn(async move {
                    let worker = &workers.queues[index];
                    loop {
                        let handled = {
                            let _shared = workers.gate.read().await;
                            workers.poll(worker).await
                        };
                        if handled > 0 {
                            worker.wake.notify_one();
                        } else if rank == 0 {
                            let _ = tokio::time::timeout(IDLE_POLL, worker.wake.notified()).await;
                        } else {
                            worker.wake.notified().await;
                        }
                    }
                }));
            }
        }
        pollers
    }

    /// Runs each scheduled function at its rate, as its EventBridge schedule would.
    pub fn spawn_schedules(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        SCHEDULES
            .iter()
            .map(|schedule| {
                let workers = Arc::clone(self);
                tokio::spawn(async move {
                    let mut ticks = tokio::time::interval(Duration::from_secs(schedule.rate_minutes * 60));
                    ticks.tick().await;
                    loop {
                        ticks.tick().await;
                        match routes::invoke_scheduled(schedule.function, &workers.app).await {
                            Some(Ok(report)) => tracing::info!(job = schedule.function, %report, "scheduled job ran"),
                            Some(Err(error)) => tracing::warn!(job = schedule.function, %error, "scheduled job failed"),
                            None => tracing::error!(job = schedule.function, "scheduled job not wired"),
                        }
                        workers.wake();
                    }
                })
            })
            .collect()
    }
}
