#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::http(|app, req| async move { subscribe::handle(&app, req).await }).await
}
