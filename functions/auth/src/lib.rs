//! `POST /auth/signup` and `POST /auth/login`.
use std::sync::OnceLock;

use chrono::Duration;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use shared::domain::settings::SIGNUP_WINDOW_SECONDS;
use shared::domain::{hash_password, verify_password, Email, Locale, Name, Password};
use shared::http::{self, issue_token, json_body, Caller, HttpResult, Role, Route};
use shared::store::{Credentials, UserProfile};
use shared::{cart, ApiError, App};

const MAX_FAILURES: u32 = 10;
const FAILURE_WINDOW_MINUTES: i64 = 15;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let req = &req;
    http::serve(req, |route| async move {
        match route {
            Route::Signup => signup(app, req).await,
            Route::Login => login(app, req).await,
            Route::GetAccount => account(app, req).await,
            Route::UpdateAccount => update_account(app, req).await,
            other => Err(ApiError::RouteNotFound(other.to_string())),
        }
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBody {
    email: String,
    password: String,
    name: String,
    /// `fr` or `en`: the language of the account's emails and pages.
    #[serde(default)]
    locale: Option<String>,
}

#[derive(Serialize)]
struct SignedUp {
    user_id: String,
    token: String,
}

async fn signup(app: &App, req: &Request) -> HttpResult {
    let body: SignupBody = json_body(req)?;
    let email = Email::parse(&body.email)?;
    let name = Name::parse(&body.name)?;
    let password = Password::parse(&body.password)?;
    let locale = body.locale.as_deref().map(Locale::parse).transpose()?;
    let now = app.clock.now();
    // Counted before the hash, like login attempts: a burst from one address is refused
    // before it costs a hash or an account each.
    let limit = app.store.settings().await?.signups_per_address_per_hour;
    let window = now.timestamp().div_euclid(SIGNUP_WINDOW_SECONDS);
    let expires_at = (window + 2) * SIGNUP_WINDOW_SECONDS;
    if !app.store.reserve_signup(&source_address(req), window, expires_at, limit).await? {
        return Err(ApiError::TooManySignups);
    }
    let password_hash = blocking(move || hash_password(&password)).await??;
    let credentials = Credentials {
        user_id: uuid::Uuid::new_v4().to_string(),
        email,
        name: name.into_inner(),
        role: Role::Customer,
        locale,
        password_hash,
        created_at: now,
    };
    if !app.store.create_user(&credentials).await? {
        return Err(ApiError::EmailTaken);
    }
    tracing::info!(user_id = %credentials.user_id, "account created");
    let token = issue_token(app.config.secrets.jwt()?, &credentials.user_id, Role::Customer, now)?;
    http::created(&SignedUp { user_id: credentials.user_id, token })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct User {
    user_id: String,
    email: Email,
    name: String,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<Locale>,
}

#[derive(Serialize)]
struct LoggedIn {
    token: String,
    user: User,
    cart: cart::Cart,
}

async fn login(app: &App, req: &Request) -> HttpResult {
    let body: LoginBody = json_body(req)?;
    // Parsed as at signup: a malformed one names no account (and never reaches a key).
    let email = Email::parse(&body.email)?;
    let now = app.clock.now();
    let window_start_min = (now - Duration::minutes(FAILURE_WINDOW_MINUTES)).timestamp();
    // The attempt is counted before the password is checked: a burst of guesses cannot
    // all reach the hash before the first failures are recorded.
    if !app.store.reserve_login_attempt(&email, now.timestamp(), window_start_min, MAX_FAILURES).await? {
        return Err(ApiError::TooManyAttempts);
    }
    let credentials = app.store.credentials(&email).await?;
    // Unknown emails still pay for one hash, so timing does not tell which emails exist.
    let phc = credentials.as_ref().map_or_else(|| dummy_hash().to_string(), |c| c.password_hash.clone());
    let candidate = body.password;
    let matches = blocking(move || verify_password(&candidate, &phc)).await?;
    let Some(credentials) = credentials.filter(|_| matches) else {
        return Err(ApiError::InvalidCredentials);
    };
    app.store.clear_login_failures(&email).await?;
    let token = issue_token(app.config.secrets.jwt()?, &credentials.user_id, credentials.role, now)?;
    let cart = cart::current(app, &credentials.user_id).await?;
    http::ok(&LoggedIn {
        token,
        user: User {
            user_id: credentials.user_id,
            email: credentials.email,
            name: credentials.name,
            role: credentials.role,
            locale: credentials.locale,
        },
        cart,
    })
}

/// `GET /account`: the caller's profile.
async fn account(app: &App, req: &Request) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let profile = app.store.user(&caller.user_id).await?.ok_or(ApiError::Unauthorized)?;
    http::ok(&user_of(profile)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountChange {
    /// `fr` or `en`.
    locale: String,
}

/// `PATCH /account`: the account's language (its emails and pages from now on).
async fn update_account(app: &App, req: &Request) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let change: AccountChange = json_body(req)?;
    let locale = Locale::parse(&change.locale)?;
    let mut profile = app.store.user(&caller.user_id).await?.ok_or(ApiError::Unauthorized)?;
    let email = Email::parse(&profile.email)?;
    if !app.store.set_locale(&profile, &email, locale).await? {
        return Err(ApiError::Unauthorized);
    }
    tracing::info!(user_id = %caller.user_id, %locale, "account language set");
    profile.locale = Some(locale);
    http::ok(&user_of(profile)?)
}

fn user_of(profile: UserProfile) -> Result<User, ApiError> {
    Ok(User {
        email: Email::parse(&profile.email)?,
        user_id: profile.user_id,
        name: profile.name,
        role: profile.role,
        locale: profile.locale,
    })
}

/// The client's address as API Gateway saw it (`requestContext.http.sourceIp`), not a
/// header the client could set.
fn source_address(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".to_string())
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| Password::parse("not-a-real-password").and_then(|p| hash_password(&p)).unwrap_or_default())
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::Internal(e.to_string()))
}
