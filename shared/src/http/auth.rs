use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::Request;
use serde::{Deserialize, Serialize};

use crate::http::error::ApiError;
use crate::App;

const TOKEN_SECONDS: i64 = 3600;
/// Who issues Capsule's tokens, and for whom: a token signed with the same key for
/// another purpose (or by another service sharing it) is refused.
pub const ISSUER: &str = "capsule";
pub const AUDIENCE: &str = "capsule-api";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Admin,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    role: Role,
    iat: i64,
    exp: i64,
}

/// The authenticated caller of a route.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub role: Role,
}

/// A signed HS256 token valid one hour from `now` (the app clock).
pub fn issue_token(secret: &str, user_id: &str, role: Role, now: DateTime<Utc>) -> Result<String, ApiError> {
    let claims = Claims {
        iss: ISSUER.to_string(),
        aud: AUDIENCE.to_string(),
        sub: user_id.to_string(),
        role,
        iat: now.timestamp(),
        exp: now.timestamp() + TOKEN_SECONDS,
    };
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))
}

impl Caller {
    /// The bearer token's caller, or 401. Only HS256 is accepted and expiry is checked
    /// against the app clock, so the local clock can expire tokens too.
    pub fn from_request(app: &App, req: &Request) -> Result<Self, ApiError> {
        let token = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "sub", "iss", "aud"].iter().map(|s| s.to_string()).collect();
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        let data =
            decode::<Claims>(token, &DecodingKey::from_secret(app.config.secrets.jwt()?.as_bytes()), &validation)
                .map_err(|_| ApiError::Unauthorized)?;
        if data.claims.exp <= app.clock.now().timestamp() {
            return Err(ApiError::Unauthorized);
        }
        Ok(Self { user_id: data.claims.sub, role: data.claims.role })
    }

    /// The caller if an admin: 401 without a valid token, 403 for a customer.
    pub fn admin(app: &App, req: &Request) -> Result<Self, ApiError> {
        let caller = Self::from_request(app, req)?;
        if caller.role != Role::Admin {
            return Err(ApiError::Forbidden);
        }
        Ok(caller)
    }
}
