use lambda_runtime::LambdaEvent;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::with_app(|app| async move {
        lambda_runtime::run(lambda_runtime::service_fn(
            |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| {
                let app = app.clone();
                async move {
                    let deadline = event.context.deadline();
                    Ok::<_, lambda_runtime::Error>(payment_events::deliver(&app, event.payload, Some(deadline)).await)
                }
            },
        ))
        .await
    })
    .await
}
