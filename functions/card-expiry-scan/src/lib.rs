//! Scheduled daily: emails the owner of each saved card that expires within the notice
//! window (admin setting `card_expiry_notice_days`), once per card and expiry, and once
//! more when it has expired. It reads only the cards due: the expiry index holds a card
//! until both emails are sent, sorted by the end of its validity. Each email is recorded
//! with the card's new notice state in one conditional transaction, so two scans at once,
//! or one run twice, send nothing twice.
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use shared::domain::saved_method::{ExpiryNotice, ExpiryNotices};
use shared::notify::{self, templates, Voice};
use shared::outbox::{self, Effect, Outbox};
use shared::store::{keys, PaymentMethodRecord};
use shared::{ApiError, App};

/// Cards read per query page.
const PAGE: i32 = 100;

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Cards read from the expiry index: only those due.
    pub examined: usize,
    pub expiring_sent: usize,
    pub expired_sent: usize,
    /// Sent by a concurrent scan, or saved again or deleted meanwhile.
    pub skipped: usize,
    /// Could not be recorded (logged); the next scan tries them again.
    pub failed: usize,
}

pub async fn run(app: &App) -> Result<Report, ApiError> {
    let now = app.clock.now();
    let days = app.store.settings().await?.card_expiry_notice_days;
    let mut report = Report::default();
    // Not yet told: whatever ends within the window. Told it expires soon: what has ended.
    for (partition, until) in [(keys::CARDS_EXPIRING, now + Duration::days(days)), (keys::CARDS_EXPIRED, now)] {
        let mut after = None;
        loop {
            let (cards, next) = app.store.cards_ending(partition, until, after, PAGE).await?;
            for card in &cards {
                report.examined += 1;
                match notify(app, card, now, days).await {
                    Ok(Some(ExpiryNotice::Expiring)) => report.expiring_sent += 1,
                    Ok(Some(ExpiryNotice::Expired)) => report.expired_sent += 1,
                    Ok(None) => report.skipped += 1,
                    Err(error) => {
                        tracing::error!(payment_method_id = %card.payment_method_id, %error, "card expiry notice failed");
                        report.failed += 1;
                    }
                }
            }
            match next {
                Some(key) => after = Some(key),
                None => break,
            }
        }
    }
    if report != Report::default() {
        tracing::info!(
            examined = report.examined,
            expiring_sent = report.expiring_sent,
            expired_sent = report.expired_sent,
            skipped = report.skipped,
            failed = report.failed,
            "card expiry scan"
        );
    }
    Ok(report)
}

/// Sends the notice `card` is due, if it still is when recorded; the notice sent.
async fn notify(
    app: &App,
    card: &PaymentMethodRecord,
    now: DateTime<Utc>,
    days: i64,
) -> Result<Option<ExpiryNotice>, ApiError> {
    let Some(notice) = card.details.expiry().and_then(|expiry| card.expiry_notices.due(expiry, now, days)) else {
        return Ok(None);
    };
    // The subscriptions it pays for are named in the email.
    let plans: Vec<String> = match card.live_subscriptions {
        0 => Vec::new(),
        _ => app
            .store
            .user_subscriptions(&card.user_id)
            .await?
            .into_iter()
            .filter(|s| s.charged_method() == Some(card.payment_method_id.as_str()))
            .map(|s| s.plan_name)
            .collect(),
    };
    let settings = app.store.settings().await?;
    let voice = Voice { shop: &settings, locale: notify::account_locale(app, &card.user_id).await? };
    let email = match notice {
        ExpiryNotice::Expiring => templates::card_expiring(&voice, card, &plans),
        ExpiryNotice::Expired => templates::card_expired(&voice, card, &plans),
    };
    let cause = format!("payment_method:{}", card.payment_method_id);
    let effect = Outbox::new(cause, Effect::Email { email }, now);
    let write = outbox::puts(app, std::slice::from_ref(&effect))?.remove(0);
    if !app.store.record_card_notice(card, ExpiryNotices::after(notice), write).await? {
        return Ok(None);
    }
    tracing::info!(payment_method_id = %card.payment_method_id, user_id = %card.user_id, ?notice, "card expiry notice recorded");
    outbox::deliver_now(app, &[effect]).await;
    Ok(Some(notice))
}
