#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::scheduled(|app| async move { invoice_numbering::run(&app).await }).await
}
