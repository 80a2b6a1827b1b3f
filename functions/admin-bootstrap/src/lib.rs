//! The stack's bootstrap (`POST /bootstrap`), the one back-office route without a token: the
//! first admin, and the settings, plans and pickup points a new stack lacks. Refused once an
//! admin exists. A function of its own: it hashes a password (as `auth` does), which no other
//! back-office route needs, and only it may write the bootstrap's singleton.
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::bootstrap::FirstAdmin;
use shared::domain::settings::Settings;
use shared::domain::{Email, Name, Password};
use shared::http::{self, json_body, HttpResult, Route};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    match route {
        Route::Bootstrap => bootstrap(app, req).await,
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BootstrapBody {
    email: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Serialize)]
struct Bootstrapped {
    user_id: String,
    email: Email,
}

/// `POST /bootstrap`: the stack's first admin, with the default settings, plans and
/// pickup points it lacks. 409 `already_bootstrapped` once it has one.
async fn bootstrap(app: &App, req: &Request) -> HttpResult {
    let body: BootstrapBody = json_body(req)?;
    let admin = FirstAdmin {
        // Each parser names its own field (`/email`, `/name`, `/password`).
        email: Email::parse(&body.email)?,
        name: Name::parse(body.name.as_deref().unwrap_or("Admin"))?,
        password: Password::parse(&body.password)?,
    };
    let email = admin.email.clone();
    let user_id = shared::bootstrap::bootstrap(app, admin, &Settings::default()).await?;
    http::created(&Bootstrapped { user_id, email })
}
