//! The outbox sender: claims due messages, opens each sealed recipient, sends, and records the
//! outcome. Failures are retried with exponential backoff up to `mail.max_attempts`, then the
//! message is marked failed, audited, and listed for admins at `/admin/mail` — never dropped.

use std::time::Duration;

use chrono::TimeDelta;

use crate::context::Context;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::mail::transport::Transport;
use crate::store::outbox::{self, OutboxMessage};
use crate::store::{self, audit};

/// After a wake-up the sender waits this long, so a burst of notifications is claimed as one batch
/// rather than one claim each.
const SETTLE: Duration = Duration::from_millis(250);

const NAME: &str = "mail";

/// Messages claimed at once.
const BATCH: u64 = 50;

/// Runs until `stop` turns true.
pub async fn run(cx: Context, transport: Transport, mut stop: tokio::sync::watch::Receiver<bool>) {
    let poll = Duration::from_millis(cx.config.mail.poll_interval_ms.max(50));
    // A pass may send a whole batch through a slow relay.
    let longest = poll + Duration::from_secs(cx.config.mail.send_timeout_seconds) * BATCH as u32;
    cx.metrics.worker_started(NAME, longest);
    loop {
        if *stop.borrow() {
            break;
        }
        let result = send_due(&cx, &transport).await;
        cx.metrics.pass(NAME, result.is_ok());
        match result {
            Ok(0) => {}
            Ok(_) => continue,
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "mail sender: a round failed"),
        }
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = cx.mail_wakeup.notified() => {
                tokio::time::sleep(SETTLE).await;
            }
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Sends one batch of due messages; returns how many were claimed. Each message is sent under a
/// claim renewed just before it goes (a message whose claim expired while earlier ones were slow
/// to send, and that another instance took, is left to that instance) and marked sent the moment
/// the relay accepts it, so a message is never sent twice while several instances run, and one
/// killed mid-batch loses nothing: its unsent claims expire and are taken by another.
pub async fn send_due(cx: &Context, transport: &Transport) -> anyhow::Result<usize> {
    let timeout = Duration::from_secs(cx.config.mail.send_timeout_seconds);
    let hold = TimeDelta::seconds(cx.config.mail.send_timeout_seconds as i64 * 2 + 10);
    let claim = outbox::claim_due(&cx.db, BATCH, hold).await?;
    let n = claim.messages.len();
    for message in claim.messages {
        if !outbox::renew(&cx.db, message.id, &claim.token, hold).await? {
            tracing::info!(mail_id = message.id, "email left to the sender that now holds it");
            continue;
        }
        let id = message.id;
        if send_one(cx, transport, message, timeout).await? {
            outbox::mark_sent(&cx.db, id, &claim.token).await?;
        }
    }
    Ok(n)
}

/// Sends one message; true when it went (a failure is recorded here).
async fn send_one(
    cx: &Context,
    transport: &Transport,
    m: OutboxMessage,
    timeout: Duration,
) -> anyhow::Result<bool> {
    let attempts = m.attempts + 1;
    let to = match (&m.to_address, &m.sealed_to) {
        (Some(address), _) => Some((address.clone(), None)),
        (None, Some(sealed)) => {
            let keys = cx.keys.clone();
            let sealed = sealed.clone();
            let opened = tokio::task::spawn_blocking(move || keys.keyring.open(&sealed)).await?;
            opened.ok().and_then(|b| crate::mail::opened_recipient(&b))
        }
        (None, None) => None,
    };
    let result = match to {
        Some((to, body)) => {
            let (text, html) = body.unwrap_or_else(|| (m.body_text.clone(), m.body_html.clone()));
            transport
                .send(
                    &cx.config.mail.from,
                    &to,
                    &crate::mail::transport::Outgoing {
                        subject: &m.subject,
                        text: &text,
                        html: &html,
                        calendar: m.calendar.as_deref(),
                    },
                    timeout,
                )
                .await
                .map_err(|e| e.to_string())
        }
        None => Err("the recipient could not be opened with the service's keys".to_string()),
    };
    match result {
        Ok(()) => {
            tracing::info!(mail_id = m.id, template = %m.template, case = m.case_reference.as_deref().unwrap_or("-"), "email sent");
            return Ok(true);
        }
        Err(error) => {
            let max = cx.config.mail.max_attempts as i32;
            if attempts >= max {
                let txn = store::begin_write(&cx.db).await?;
                outbox::mark_attempt_failed(&txn, m.id, attempts, None, &error).await?;
                audit::append(
                    &txn,
                    &AuditEvent::new(Actor::System, AuditAction::MailFailed, "mail", m.id.to_string())
                        .details(format!(
                            "template={};case={};attempts={attempts}",
                            m.template,
                            m.case_reference.as_deref().unwrap_or("-")
                        )),
                )
                .await?;
                txn.commit().await?;
                tracing::error!(mail_id = m.id, attempts, error = %error, "email failed for good; shown to admins");
            } else {
                let delay = backoff(cx.config.mail.retry_base_seconds, attempts);
                outbox::mark_attempt_failed(&cx.db, m.id, attempts, Some(store::now() + delay), &error)
                    .await?;
                tracing::warn!(mail_id = m.id, attempts, retry_in_s = delay.num_seconds(), error = %error, "email not sent; will retry");
            }
        }
    }
    Ok(false)
}

/// `base × 2^(attempt−1)`, at most six hours.
pub fn backoff(base_seconds: u64, attempt: i32) -> TimeDelta {
    let factor = 1u64 << (attempt.clamp(1, 20) - 1);
    TimeDelta::seconds(base_seconds.saturating_mul(factor).min(6 * 3600) as i64)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(30, 1).num_seconds(), 30);
        assert_eq!(backoff(30, 2).num_seconds(), 60);
        assert_eq!(backoff(30, 4).num_seconds(), 240);
        assert_eq!(backoff(30, 30).num_seconds(), 6 * 3600);
    }
}
