//! The emulator's rate for a checkout's DynamoDB work alone: one checkout runs through the
//! checkout handler with a store whose client records its calls (an SDK interceptor, beside
//! the counting one), then those very calls are sent again straight through the SDK for
//! other buyers, each id in them swapped for that buyer's or a fresh one. What the stack
//! adds on top (gateway, event, JSON, auth, pricing, the handler) is the difference.
use std::collections::HashMap;
use std::error::Error;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_types::config_bag::ConfigBag;

type Item = HashMap<String, AttributeValue>;

/// One DynamoDB call of a checkout, as the handler made it.
#[derive(Clone, Debug)]
pub enum Call {
    BatchGet(BatchGetItemInput),
    Transact(TransactWriteItemsInput),
}

impl Call {
    pub fn operation(&self) -> &'static str {
        match self {
            Self::BatchGet(_) => "BatchGetItem",
            Self::Transact(_) => "TransactWriteItems",
        }
    }
}

/// Records the inputs of the calls made through the client that carries it.
#[derive(Clone, Debug, Default)]
struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
    /// Operations it cannot replay: the template would then be less than the checkout.
    others: Arc<Mutex<Vec<String>>>,
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "BenchRecorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let call = match (input.downcast_ref::<BatchGetItemInput>(), input.downcast_ref::<TransactWriteItemsInput>()) {
            (Some(get), _) => Call::BatchGet(get.clone()),
            (_, Some(write)) => Call::Transact(write.clone()),
            _ => {
                self.others.lock().map_err(|_| "recorder poisoned")?.push(format!("{input:?}"));
                return Ok(());
            }
        };
        self.calls.lock().map_err(|_| "recorder poisoned")?.push(call);
        Ok(())
    }
}

/// A checkout's calls, recorded for one buyer (`user_id`).
pub struct Template {
    pub user_id: String,
    pub calls: Vec<Call>,
}

/// Runs a checkout for each buyer through the checkout handler (the gateway's own event, no
/// HTTP), with a store that records; the last buyer's calls are the template (the first
/// ones warm its cached settings and pickup points, as a warm container has them).
pub async fn record(
    stack: &local::Stack,
    buyers: &[(String, String)],
    body: &serde_json::Value,
) -> Result<Template, Box<dyn Error>> {
    let recorder = Recorder::default();
    let config = stack.app.store.client().config().to_builder().interceptor(recorder.clone()).build();
    let store = shared::store::Store::new(aws_sdk_dynamodb::Client::from_conf(config), stack.names.table());
    let app = shared::App { store, ..stack.app.clone() };
    let (last, _) = buyers.last().ok_or("no buyer to record a checkout with")?;
    for (user_id, token) in buyers {
        recorder.calls.lock().map_err(|_| "recorder poisoned")?.clear();
        recorder.others.lock().map_err(|_| "recorder poisoned")?.clear();
        let request = http::Request::builder()
            .method("POST")
            .uri("/checkout")
            .header("host", stack.base_url.trim_start_matches("http://"))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(())?;
        let (parts, ()) = request.into_parts();
        let event = local::gateway::event(&parts, "POST /checkout", &HashMap::new(), body.to_string().as_bytes());
        let request = lambda_http::request::from_str(&event.to_string())?;
        let response = local::routes::invoke_http("checkout", &app, request).await.ok_or("checkout is not wired")?;
        if response.status() != 201 {
            return Err(format!("the recorded checkout of {user_id} answered {}", response.status()).into());
        }
    }
    if let Some(other) = recorder.others.lock().map_err(|_| "recorder poisoned")?.first() {
        return Err(format!("a checkout made a call the replay does not know: {other}").into());
    }
    let calls = recorder.calls.lock().map_err(|_| "recorder poisoned")?.clone();
    Ok(Template { user_id: last.clone(), calls })
}

impl Template {
    /// The same calls for `user_id` (whose account and cart are in the table, as the
    /// recorded buyer's were): the recorded buyer's id becomes theirs, every other id
    /// (order, payment session, cart) a fresh one.
    pub fn for_buyer(&self, user_id: &str) -> Vec<Call> {
        let mut ids = HashMap::from([(self.user_id.clone(), user_id.to_string())]);
        let mut calls = self.calls.clone();
        for call in &mut calls {
            match call {
                Call::BatchGet(get) => {
                    for wanted in get.request_items.iter_mut().flat_map(HashMap::values_mut) {
                        wanted.keys.iter_mut().for_each(|key| swap_item(key, &mut ids));
                    }
                }
                Call::Transact(write) => {
                    for action in write.transact_items.iter_mut().flatten() {
                        // Each kind of write: the item or key it names, and its values.
                        let parts = [
                            action.put.as_mut().map(|w| (&mut w.item, &mut w.expression_attribute_values)),
                            action.update.as_mut().map(|w| (&mut w.key, &mut w.expression_attribute_values)),
                            action.condition_check.as_mut().map(|w| (&mut w.key, &mut w.expression_attribute_values)),
                            action.delete.as_mut().map(|w| (&mut w.key, &mut w.expression_attribute_values)),
                        ];
                        for (item, values) in parts.into_iter().flatten() {
                            swap_item(item, &mut ids);
                            values.iter_mut().for_each(|v| swap_item(v, &mut ids));
                        }
                    }
                    // A token would make the emulator answer a repeat from its cache.
                    write.client_request_token = None;
                }
            }
        }
        calls
    }
}

/// Sends `calls` one after the other, as the handler does; an error if one fails (a
/// refused condition would mean the replay is not the checkout's work).
pub async fn send(db: &aws_sdk_dynamodb::Client, calls: Vec<Call>) -> Result<(), String> {
    for call in calls {
        match call {
            Call::BatchGet(get) => {
                let answer = db
                    .batch_get_item()
                    .set_request_items(get.request_items)
                    .set_return_consumed_capacity(get.return_consumed_capacity)
                    .send()
                    .await
                    .map_err(crate::sdk_error)?;
                if answer.unprocessed_keys.is_some_and(|keys| !keys.is_empty()) {
                    return Err("the replayed BatchGetItem left keys unprocessed".into());
                }
            }
            Call::Transact(write) => {
                // In fidelity mode a transaction that overlaps another in flight is cancelled
                // (`TransactionConflict`): tried again after a random pause, as the stack does.
                let mut conflicts = 0;
                loop {
                    let sent = db
                        .transact_write_items()
                        .set_transact_items(write.transact_items.clone())
                        .set_return_consumed_capacity(write.return_consumed_capacity.clone())
                        .set_return_item_collection_metrics(write.return_item_collection_metrics.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(_) => break,
                        Err(e) if conflicts < 40 && conflicted(&e) => {
                            conflicts += 1;
                            let pause = rand::Rng::gen_range(&mut rand::thread_rng(), 0..40);
                            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                        }
                        Err(e) => return Err(crate::sdk_error(e)),
                    }
                }
            }
        }
    }
    Ok(())
}

fn conflicted<R>(
    error: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    matches!(error.as_service_error(), Some(E::TransactionCanceledException(e))
        if e.cancellation_reasons().iter().any(|r| r.code() == Some("TransactionConflict")))
}

fn swap_item(item: &mut Item, ids: &mut HashMap<String, String>) {
    item.values_mut().for_each(|value| swap_value(value, ids));
}

fn swap_value(value: &mut AttributeValue, ids: &mut HashMap<String, String>) {
    match value {
        AttributeValue::S(text) => *text = swap_ids(text, ids),
        AttributeValue::Ss(texts) => texts.iter_mut().for_each(|t| *t = swap_ids(t, ids)),
        AttributeValue::L(values) => values.iter_mut().for_each(|v| swap_value(v, ids)),
        AttributeValue::M(item) => swap_item(item, ids),
        _ => {}
    }
}

/// `text` with every id in it (a UUID, hyphenated or simple) replaced by its counterpart in
/// `ids`, a fresh one the first time it is met.
fn swap_ids(text: &str, ids: &mut HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        match id_at_start(rest) {
            Some(len) => {
                let id = &rest[..len];
                let fresh = || match len {
                    36 => uuid::Uuid::new_v4().to_string(),
                    _ => uuid::Uuid::new_v4().simple().to_string(),
                };
                out.push_str(ids.entry(id.to_string()).or_insert_with(fresh));
                rest = &rest[len..];
            }
            None => {
                // On to where an id may start: past a word of ASCII letters and digits, or one character.
                let word = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
                let take = if word > 0 { word } else { rest.chars().next().map_or(1, char::len_utf8) };
                out.push_str(&rest[..take]);
                rest = &rest[take..];
            }
        }
    }
    out
}

/// The length of the UUID `text` starts with (36 hyphenated, 32 simple), if it is one
/// followed by no other letter or digit.
fn id_at_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let hex = |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|b| b.iter().all(u8::is_ascii_hexdigit));
    let ends_at = |len: usize| bytes.get(len).is_none_or(|b| !b.is_ascii_alphanumeric());
    let hyphenated = hex(0..8)
        && [8, 13, 18, 23].iter().all(|&i| bytes.get(i) == Some(&b'-'))
        && hex(9..13)
        && hex(14..18)
        && hex(19..23)
        && hex(24..36);
    if hyphenated && ends_at(36) {
        Some(36)
    } else if hex(0..32) && ends_at(32) {
        Some(32)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_swapped_consistently_and_the_rest_kept() {
        let user = "0b5e7c1e-8f3a-4d7e-9a51-3c2f1e0d9b8a";
        let order = "7d1c9e4b-2a6f-4c3e-8b0d-5e9f1a2b3c4d";
        let session = "4f2a9c8e1b7d4e6f9a3c5b8d2e1f0a7c";
        let mut ids = HashMap::from([(user.to_string(), "NEW-USER".to_string())]);
        let key = swap_ids(&format!("USER#{user}#ORDERS"), &mut ids);
        let sort = swap_ids(&format!("2026-11-24T19:00:00Z#{order}"), &mut ids);
        let again = swap_ids(&format!("ORDER#{order}"), &mut ids);
        let page = swap_ids(&format!("/portal/sessions/{session}"), &mut ids);
        assert_eq!(key, "USER#NEW-USER#ORDERS");
        let new_order = &ids[order];
        assert_ne!(new_order, order);
        assert_eq!(sort, format!("2026-11-24T19:00:00Z#{new_order}"));
        assert_eq!(again, format!("ORDER#{new_order}"));
        assert_eq!(page, format!("/portal/sessions/{}", ids[session]));
        assert_eq!(ids[session].len(), 32);
        // Words that merely contain hex, and non-ASCII text, are left as they are.
        assert_eq!(swap_ids("cap-bench-1a2b3c Été decade", &mut ids), "cap-bench-1a2b3c Été decade");
        assert_eq!(ids.len(), 3);
    }
}
