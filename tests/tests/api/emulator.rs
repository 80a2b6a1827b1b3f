//! The oversell tests are only as trustworthy as the emulator's conditional writes: this
//! proves they are atomic under concurrency (moto must run single-threaded for that).
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use capsule_tests::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conditional_decrements_never_go_below_zero_under_concurrency() {
    let app = spawn_app().await;
    let db = app.stack.app.store.client().clone();
    let table = app.stack.names.table();
    let key = |db: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder| {
        db.table_name(&table)
            .key("pk", AttributeValue::S("ATOMICITY".into()))
            .key("sk", AttributeValue::S("COUNTER".into()))
    };
    key(db.update_item())
        .update_expression("SET stock = :stock")
        .expression_attribute_values(":stock", AttributeValue::N("100".into()))
        .send()
        .await
        .expect("counter set");

    let successes = Arc::new(AtomicUsize::new(0));
    let refusals = Arc::new(AtomicUsize::new(0));
    let attempts = 400;
    let limit = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::new();
    for _ in 0..attempts {
        let request = key(db.update_item())
            .update_expression("SET stock = stock - :one")
            .condition_expression("stock >= :one")
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        let (successes, refusals, limit) = (successes.clone(), refusals.clone(), limit.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.expect("semaphore open");
            match request.send().await {
                Ok(_) => successes.fetch_add(1, Ordering::SeqCst),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                    refusals.fetch_add(1, Ordering::SeqCst)
                }
                Err(e) => panic!("unexpected error: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)),
            };
        }));
    }
    for task in tasks {
        task.await.expect("task finished");
    }
    let stock = key(db.update_item())
        .update_expression("SET checked = :t")
        .expression_attribute_values(":t", AttributeValue::Bool(true))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await
        .expect("read back")
        .attributes
        .and_then(|a| a.get("stock").cloned());
    assert_eq!(successes.load(Ordering::SeqCst), 100, "exactly the stock is taken");
    assert_eq!(refusals.load(Ordering::SeqCst), attempts - 100);
    assert_eq!(stock, Some(AttributeValue::N("0".into())));
}
