//! Housekeeping: deletes expired drafts (sealed form contents), short-lived results, long-dead
//! sessions, rate-limit counts older than a day and background export files past their keeping time, and on SQLite keeps the query planner's statistics current (`PRAGMA optimize`, which
//! analyses only the tables that changed enough; PostgreSQL's autovacuum does this itself). Every
//! instance may run it: each statement is an idempotent `DELETE … WHERE expired`.
//!
//! A timed-out session is kept for a while after it times out (idle time plus the absolute
//! session length), so a form posted to it can still be kept as a draft for its user.

use std::time::Duration;

use chrono::TimeDelta;

use crate::context::Context;
use crate::store::{self, drafts, sessions};

const EVERY: Duration = Duration::from_secs(15 * 60);

pub async fn run(cx: Context, mut stop: tokio::sync::watch::Receiver<bool>) {
    cx.metrics.worker_started("housekeeping", EVERY);
    loop {
        let result = sweep(&cx).await;
        cx.metrics.pass("housekeeping", result.is_ok());
        if let Err(e) = result {
            tracing::warn!(error = %e, "housekeeping failed; trying again later");
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// One pass; returns (drafts, sessions) deleted.
pub async fn sweep(cx: &Context) -> anyhow::Result<(u64, u64)> {
    let drafts = drafts::sweep(&cx.db, store::now()).await?;
    store::short_results::sweep(&cx.db).await?;
    let auth = &cx.config.auth;
    let keep = TimeDelta::minutes(i64::from(auth.session_idle_minutes))
        + TimeDelta::hours(i64::from(auth.session_absolute_hours));
    let sessions = sessions::sweep(&cx.db, keep).await?;
    let exports = store::export_jobs::delete_expired(&cx.db, store::now()).await?;
    store::rate_limits::sweep(&cx.db, cx.clock.now()).await?;
    store::sso::sweep(&cx.db).await?;
    if drafts + sessions + exports > 0 {
        tracing::info!(drafts, sessions, exports, "expired drafts, sessions and export files deleted");
    }
    store::optimize(&cx.db).await;
    Ok((drafts, sessions))
}
