use lambda_http::Request;
use shared::domain::settings::Settings;
use shared::http::{self, json_body, HttpResult};
use shared::App;

pub async fn put_settings(app: &App, req: &Request) -> HttpResult {
    let settings: Settings = json_body(req)?;
    let settings = settings.validate()?;
    app.store.put_settings(&settings).await?;
    http::ok(&settings)
}
