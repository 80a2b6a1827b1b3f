#![recursion_limit = "256"]
//! One function, two triggers: the schedule (find what is due, queue it) and the renewals
//! queue (charge it).
use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::with_app(|app| async move {
        lambda_runtime::run(lambda_runtime::service_fn(|event: LambdaEvent<Value>| {
            let app = app.clone();
            async move {
                if event.payload.get("Records").is_some() {
                    let batch: SqsEvent = serde_json::from_value(event.payload)?;
                    Ok::<Value, lambda_runtime::Error>(serde_json::to_value(charge_renewal::handle(&app, batch).await)?)
                } else {
                    Ok(serde_json::to_value(charge_renewal::run(&app).await?)?)
                }
            }
        }))
        .await
    })
    .await
}
