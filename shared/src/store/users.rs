use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{keys, n, s, to_item, tx, Item, Store, StoreError, Write};
use crate::domain::{Email, Locale};
use crate::http::Role;
use crate::retry::{Retries, CONTENDED};

/// The credentials item, keyed by email: its existence is what makes an email unique.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Credentials {
    pub user_id: String,
    pub email: Email,
    pub name: String,
    pub role: Role,
    /// The language the account chose, if it chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    pub password_hash: String,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
}

/// The user as other functions see them, keyed by user id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserProfile {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The language the account chose, if it chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    #[serde(with = "crate::clock::secs")]
    pub created_at: DateTime<Utc>,
}

/// Failed logins for one email in the current window.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginFailures {
    pub window_start: i64,
    pub failures: u32,
}

#[derive(Serialize)]
struct Keyed<'a, T> {
    pk: &'a str,
    sk: &'a str,
    #[serde(flatten)]
    value: &'a T,
}

fn keyed<T: Serialize>(key: &keys::Key, value: &T) -> Result<Item, StoreError> {
    to_item(&Keyed { pk: &key.pk, sk: &key.sk, value })
}

impl Store {
    /// Creates the account; `false` when the email is taken, whatever the concurrency (and
    /// only then: a signup that met other writes is sent again, any other refusal an error).
    pub async fn create_user(&self, credentials: &Credentials) -> Result<bool, StoreError> {
        match self.transact(self.account_writes(credentials)?).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.refused(0) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The two items of a new account, each on the condition that it does not exist yet:
    /// the credentials (email taken) first, then the profile.
    pub(super) fn account_writes(&self, credentials: &Credentials) -> Result<Vec<Write>, StoreError> {
        let profile = UserProfile {
            user_id: credentials.user_id.clone(),
            email: credentials.email.to_string(),
            name: credentials.name.clone(),
            role: credentials.role,
            locale: credentials.locale,
            created_at: credentials.created_at,
        };
        let not_exists = Some("attribute_not_exists(pk)");
        Ok(vec![
            tx::put(self.table(), keyed(&keys::email(&credentials.email), credentials)?, not_exists)?,
            tx::put(self.table(), keyed(&keys::user(&credentials.user_id), &profile)?, not_exists)?,
        ])
    }

    /// Sets the account's language on its profile and its credentials (which login reads)
    /// in one transaction; `false` when the account is gone.
    pub async fn set_locale(&self, profile: &UserProfile, email: &Email, locale: Locale) -> Result<bool, StoreError> {
        let values = || Item::from([(":locale".into(), s(locale.code()))]);
        let exists = Some("attribute_exists(pk)");
        let actions = vec![
            tx::update(
                self.table(),
                keys::user(&profile.user_id).item(),
                "SET locale = :locale",
                exists,
                values(),
                &[],
            )?,
            tx::update(self.table(), keys::email(email).item(), "SET locale = :locale", exists, values(), &[])?,
        ];
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(cancelled)) if cancelled.any_refused() => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn credentials(&self, email: &Email) -> Result<Option<Credentials>, StoreError> {
        self.get(keys::email(email)).await
    }

    pub async fn user(&self, user_id: &str) -> Result<Option<UserProfile>, StoreError> {
        self.get(keys::user(user_id)).await
    }

    pub async fn login_failures(&self, email: &Email) -> Result<Option<LoginFailures>, StoreError> {
        self.get(keys::login_failures(email)).await
    }

    /// Reserves one login attempt for `email` before its password is checked: counted in
    /// the window that started at or after `window_start_min` unless `max` are counted
    /// there already, or opens a new window at `now`. Every branch is one conditional
    /// write, so of any number of concurrent attempts at most `max` per window are let
    /// through (`false`: refused). A successful login clears the count.
    pub async fn reserve_login_attempt(
        &self,
        email: &Email,
        now: i64,
        window_start_min: i64,
        max: u32,
    ) -> Result<bool, StoreError> {
        let key = keys::login_failures(email);
        let mut tries = Retries::new(CONTENDED);
        while tries.next().await {
            let counted = self
                .update_if(
                    key.clone(),
                    "SET failures = failures + :one",
                    "window_start >= :min AND failures < :max",
                    Item::from([(":one".into(), n(1)), (":min".into(), n(window_start_min)), (":max".into(), n(max))]),
                    &[],
                )
                .await?;
            if counted {
                return Ok(true);
            }
            let open = self
                .client()
                .put_item()
                .table_name(self.table())
                .set_item(Some(Item::from([
                    ("pk".into(), s(&key.pk)),
                    ("sk".into(), s(&key.sk)),
                    ("window_start".into(), n(now)),
                    ("failures".into(), n(1)),
                    ("ttl".into(), n(now + 24 * 3600)),
                ])))
                .condition_expression("attribute_not_exists(pk) OR window_start < :min")
                .expression_attribute_values(":min", n(window_start_min));
            match self.send_write(open).await {
                Ok(_) => return Ok(true),
                Err(StoreError::ConditionFailed) => {}
                Err(e) => return Err(e),
            }
            // Neither: the window is current and full, unless it moved meanwhile.
            let current = self.login_failures(email).await?;
            if current.is_some_and(|f| f.window_start >= window_start_min && f.failures >= max) {
                return Ok(false);
            }
        }
        Err(StoreError::Busy("the login attempt counter kept changing".into()))
    }

    /// Counts one signup from `address` in the window `window` unless `max` are counted
    /// there already (`false`: refused). One conditional update: of any number of
    /// concurrent signups at most `max` per window get through. The counter expires with
    /// its window (`expires_at`, the table's TTL).
    pub async fn reserve_signup(
        &self,
        address: &str,
        window: i64,
        expires_at: i64,
        max: i64,
    ) -> Result<bool, StoreError> {
        self.update_if(
            keys::signups(address, window),
            "ADD signups :one SET #ttl = :ttl",
            "attribute_not_exists(signups) OR signups < :max",
            Item::from([(":one".into(), n(1)), (":max".into(), n(max)), (":ttl".into(), n(expires_at))]),
            &[("#ttl", "ttl")],
        )
        .await
    }

    pub async fn clear_login_failures(&self, email: &Email) -> Result<(), StoreError> {
        let key = keys::login_failures(email).item();
        self.send_write(self.client().delete_item().table_name(self.table()).set_key(Some(key))).await?;
        Ok(())
    }
}
