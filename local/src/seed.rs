//! What API.md says the local stack starts with: the bootstrap a deployed stack runs once
//! (`capsule-admin bootstrap`), then demo products. Idempotent: a restart keeps stock and
//! accounts as they were.
use shared::bootstrap::FirstAdmin;
use shared::domain::settings::{Settings, ShopIdentity, MAX_SIGNUPS_PER_ADDRESS_PER_HOUR};
use shared::domain::{Cents, Email, Locale, Name, Password};
use shared::store::{NewProduct, ProductRecord, StoreError};
use shared::{ApiError, App};

pub const ADMIN_EMAIL: &str = "admin@capsule.local";
pub const ADMIN_PASSWORD: &str = "capsule-admin";

/// (id, name, description, price in cents, stock, 5% product discount)
const CAPS: &[(&str, &str, &str, i64, i64, bool)] = &[
    (
        "cap-classic-noir",
        "Casquette Classique Noire",
        "Coton brossé, visière courbe, fermeture à boucle.",
        2490,
        120,
        false,
    ),
    (
        "cap-classic-blanc",
        "Casquette Classique Blanche",
        "Coton brossé, visière courbe, fermeture à boucle.",
        2490,
        80,
        false,
    ),
    ("cap-ete", "Casquette Été", "Toile légère et aérée pour les jours de chaleur.", 1990, 60, true),
    ("cap-hiver", "Casquette Hiver Laine", "Laine mérinos doublée, cache-oreilles repliables.", 3490, 40, false),
    ("cap-trucker-rouge", "Trucker Rouge", "Filet respirant à l'arrière, panneau avant en mousse.", 1890, 75, false),
    ("cap-trucker-bleu", "Trucker Bleu Nuit", "Filet respirant à l'arrière, panneau avant en mousse.", 1890, 75, true),
    ("cap-snapback-djoor", "Snapback Le Djoor", "Visière plate brodée du logo Le Djoor.", 2990, 50, false),
    ("cap-dad-beige", "Dad Cap Beige", "Coton délavé, six panneaux, coupe décontractée.", 2190, 90, false),
    ("cap-dad-kaki", "Dad Cap Kaki", "Coton délavé, six panneaux, coupe décontractée.", 2190, 90, false),
    ("cap-baseball-vert", "Casquette Baseball Verte", "Laine mélangée, visière pré-courbée.", 2790, 35, false),
    ("cap-velours-bordeaux", "Casquette Velours Bordeaux", "Velours côtelé, finition premium.", 3290, 25, true),
    ("cap-lin-sable", "Casquette Lin Sable", "Lin naturel, idéale pour l'été.", 2590, 45, false),
    ("cap-wax-abidjan", "Casquette Wax Abidjan", "Tissu wax imprimé, pièce de créateur.", 3990, 15, false),
    (
        "cap-sport-reflect",
        "Casquette Sport Réfléchissante",
        "Polyester technique, bandes réfléchissantes.",
        2290,
        100,
        false,
    ),
    ("cap-enfant-jaune", "Casquette Enfant Jaune", "Taille unique enfant, réglable.", 1490, 60, false),
    ("cap-collector-or", "Casquette Collector Or", "Série limitée numérotée.", 5990, 4, false),
];

pub async fn seed(app: &App) -> Result<(), StoreError> {
    let now = app.clock.now();
    for (id, name, description, price, stock, discounted) in CAPS {
        let product = ProductRecord::new(
            NewProduct {
                product_id: id.to_string(),
                name: name.to_string(),
                description: description.to_string(),
                price_cents: Cents::new(*price).map_err(|e| StoreError::Aws(e.to_string()))?,
                stock: *stock,
                stock_shards: shared::domain::stock::StockShards::for_stock(*stock),
                product_discount: *discounted,
            },
            now,
        );
        ignore_existing(app.store.create_product(&product).await)?;
    }
    // The deployed stack's bootstrap, with the local admin: the first run writes the admin,
    // the plans, the pickup points and settings allowing the simulators' signups (all from
    // 127.0.0.1), for Le Djoor, which speaks French; later runs are refused and change nothing.
    let admin = FirstAdmin {
        email: Email::parse(ADMIN_EMAIL).map_err(setup)?,
        name: Name::parse("Capsule Admin").map_err(setup)?,
        password: Password::parse(ADMIN_PASSWORD).map_err(setup)?,
    };
    let settings = Settings {
        signups_per_address_per_hour: MAX_SIGNUPS_PER_ADDRESS_PER_HOUR,
        shop: le_djoor(),
        default_locale: Locale::Fr,
        ..Settings::default()
    };
    match shared::bootstrap::bootstrap(app, admin, &settings).await {
        // `EmailTaken`: a stack seeded before the bootstrap existed, its admin made then.
        Ok(_) | Err(ApiError::AlreadyBootstrapped | ApiError::EmailTaken) => {}
        Err(e) => return Err(StoreError::Aws(format!("bootstrap: {e}"))),
    }
    // Stacks seeded before the setting existed allow as many signups too.
    let stored = app.store.get::<serde_json::Value>(shared::store::keys::settings()).await?;
    if stored.as_ref().is_none_or(|s| s.get("signups_per_address_per_hour").is_none()) {
        app.store
            .put_settings(&Settings {
                signups_per_address_per_hour: MAX_SIGNUPS_PER_ADDRESS_PER_HOUR,
                ..app.store.settings().await?
            })
            .await?;
    }
    // And Le Djoor's identity and language, on stacks seeded before these settings.
    if stored.is_none_or(|s| s.get("shop").is_none()) {
        let settings = Settings { shop: le_djoor(), default_locale: Locale::Fr, ..app.store.settings().await? };
        app.store.put_settings(&settings).await?;
    }
    Ok(())
}

fn setup(e: shared::domain::DomainError) -> StoreError {
    StoreError::Aws(e.to_string())
}

fn ignore_existing(result: Result<(), StoreError>) -> Result<(), StoreError> {
    match result {
        Err(StoreError::ConditionFailed) => Ok(()),
        other => other,
    }
}

/// The seed shop's identity, as its pages, emails and invoices name it.
fn le_djoor() -> ShopIdentity {
    ShopIdentity {
        name: "Le Djoor".to_string(),
        legal_name: "Le Djoor SAS".to_string(),
        address: "12 rue de la Roquette, 75011 Paris, France".to_string(),
        vat_number: "FR32123456789".to_string(),
    }
}
