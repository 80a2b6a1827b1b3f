#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::scheduled(|app| async move { card_expiry_scan::run(&app).await }).await
}
