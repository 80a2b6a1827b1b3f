#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::http(|app, req| async move { admin_catalogue::handle(&app, req).await }).await
}
