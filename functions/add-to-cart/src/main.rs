#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::entry::http(|app, req| async move { add_to_cart::handle(&app, req).await }).await
}
