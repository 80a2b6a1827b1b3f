#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::http(|app, req| async move { orders::handle(&app, req).await }).await
}
