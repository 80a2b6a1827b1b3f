#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::sqs(|app, event| async move { payment_events::handle(&app, event).await }).await
}
