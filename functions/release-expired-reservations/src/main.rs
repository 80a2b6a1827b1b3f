#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::scheduled(|app| async move { release_expired_reservations::run(&app).await }).await
}
