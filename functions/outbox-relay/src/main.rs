#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::scheduled(|app| async move { outbox_relay::run(&app).await }).await
}
