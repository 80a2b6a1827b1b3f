//! A new stack made able to trade in one step: its first admin (the operator's email and
//! password, never a default), the three plans, the pickup points and the settings. The
//! route `POST /bootstrap` and the local seed both come here, so they cannot drift.
use crate::domain::settings::Settings;
use crate::domain::{hash_password, Email, Name, Password};
use crate::http::Role;
use crate::store::{Bootstrap, Bootstrapped, Credentials, PickupPoint, Plan};
use crate::{ApiError, App};

/// The plans a shop starts with: (id, name, monthly price in cents).
pub const PLANS: &[(&str, &str, i64)] =
    &[("normal", "Normal", 1000), ("supplement", "Supplément", 1500), ("complet", "Complet", 2000)];

/// The pickup points a shop starts with: (id, name, address). Operators change them with
/// `/admin/pickup-points`.
pub const PICKUP_POINTS: &[(&str, &str, &str)] = &[
    ("pp-bastille", "Relais Bastille", "12 rue de la Roquette, 75011 Paris"),
    ("pp-part-dieu", "Relais Part-Dieu", "5 place Charles Béraudier, 69003 Lyon"),
    ("pp-vieux-port", "Relais Vieux-Port", "2 quai du Port, 13002 Marseille"),
];

/// The operator who becomes the first admin.
#[derive(Debug)]
pub struct FirstAdmin {
    pub email: Email,
    pub name: Name,
    pub password: Password,
}

/// Creates the first admin with the reference data the stack lacks; refused
/// (`already_bootstrapped`, nothing written) once the stack has its first admin. Returns
/// the admin's user id.
pub async fn bootstrap(app: &App, admin: FirstAdmin, settings: &Settings) -> Result<String, ApiError> {
    // Checked before the hash: a refused bootstrap costs one read, not a hash.
    if app.store.bootstrapped().await? {
        return Err(ApiError::AlreadyBootstrapped);
    }
    let password = admin.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let credentials = Credentials {
        user_id: uuid::Uuid::new_v4().to_string(),
        email: admin.email,
        name: admin.name.into_inner(),
        role: Role::Admin,
        locale: None,
        password_hash,
        created_at: app.clock.now(),
    };
    let plans: Vec<Plan> = PLANS
        .iter()
        .map(|(id, name, price)| Plan { plan_id: id.to_string(), name: name.to_string(), price_cents: *price })
        .collect();
    let pickup_points: Vec<PickupPoint> = PICKUP_POINTS
        .iter()
        .map(|(id, name, address)| PickupPoint {
            pickup_point_id: id.to_string(),
            name: name.to_string(),
            address: address.to_string(),
        })
        .collect();
    let bootstrap = Bootstrap { admin: &credentials, plans: &plans, pickup_points: &pickup_points, settings };
    match app.store.bootstrap(&bootstrap).await? {
        Bootstrapped::Done => {
            tracing::info!(user_id = %credentials.user_id, "stack bootstrapped");
            Ok(credentials.user_id)
        }
        Bootstrapped::Already => Err(ApiError::AlreadyBootstrapped),
        Bootstrapped::EmailTaken => Err(ApiError::EmailTaken),
    }
}
