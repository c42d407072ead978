//! The retention worker. Every `retention.worker_interval_seconds` (and when woken after an
//! approval) it: computes the due dates that changed; runs the day's sweep once, whichever
//! instance inserts the day's `retention_runs` row first; carries out approved destructions (each
//! case in its own transaction, safe with several instances); and reminds admins once when the
//! access review is due.

use std::time::Duration;

use crate::context::Context;
use crate::domain::audit::Actor;
use crate::store::{self, access_reviews, retention as stored};

/// Waits one interval (or a wake-up) before each pass, the first included: a service that has
/// just started has nothing urgent, and a restart loop never sweeps in a burst.
pub async fn run(cx: Context, mut stop: tokio::sync::watch::Receiver<bool>) {
    let every = Duration::from_secs(cx.config.retention.worker_interval_seconds.max(1));
    cx.metrics.worker_started("retention", every);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = cx.retention_wake.notified() => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
        let result = tick(&cx).await;
        cx.metrics.pass("retention", result.is_ok());
        if let Err(e) = result {
            tracing::warn!(error = %e, "retention worker failed; trying again later");
        }
    }
}

/// One pass of the worker. The sweep and the destruction run each compute the due dates that
/// changed first, so the pass needs no step of its own for them.
pub async fn tick(cx: &Context) -> anyhow::Result<()> {
    let today = cx.clock.today();
    if stored::claim_run(&cx.db, today).await? {
        let report = match crate::retention::queue::sweep(cx, today, false).await {
            Ok(r) => r,
            Err(e) => {
                // Let this or another instance try again on its next pass.
                stored::unclaim_run(&cx.db, today).await?;
                return Err(e);
            }
        };
        stored::finish_run(&cx.db, today, report.listed.len() as u64).await?;
        if !report.listed.is_empty() {
            tracing::info!(
                listed = report.listed.len(),
                held = report.held,
                "retention sweep listed cases due"
            );
        }
    }
    let done = crate::retention::destroy::destroy_approved(cx, Actor::System, None, Duration::ZERO).await?;
    if !done.destroyed.is_empty() || !done.withdrawn.is_empty() {
        tracing::info!(
            destroyed = done.destroyed.len(),
            withdrawn = done.withdrawn.len(),
            "approved destructions carried out"
        );
    }
    remind_access_review(cx).await
}

/// When the next access review is due: an interval after the last one, or, when none was ever
/// recorded, an interval after the first account was created.
pub async fn access_review_due(
    cx: &Context,
) -> anyhow::Result<(Option<access_reviews::Review>, chrono::NaiveDate)> {
    let last = access_reviews::last(&cx.db).await?;
    let every = chrono::TimeDelta::days(i64::from(cx.config.retention.access_review_every_days));
    let due = match &last {
        Some(r) => (r.reviewed_at + every).date_naive(),
        None => (access_reviews::first_account_at(&cx.db).await?.unwrap_or_else(|| cx.clock.now()) + every)
            .date_naive(),
    };
    Ok((last, due))
}

/// Emails every active admin once when the access review falls due.
async fn remind_access_review(cx: &Context) -> anyhow::Result<()> {
    let (last, due) = access_review_due(cx).await?;
    if due > cx.clock.today() {
        return Ok(());
    }
    let admins = store::users::emails_with_role(&cx.db, crate::domain::role::Role::Admin).await?;
    if admins.is_empty() {
        return Ok(());
    }
    let txn = store::begin_write(&cx.db).await?;
    let subject_id = last.map(|r| r.id).unwrap_or(0);
    if !store::actions::record_point(&txn, "access-review", subject_id, "due", cx.clock.now()).await? {
        txn.commit().await?;
        return Ok(());
    }
    let email = crate::mail::render::access_review_due(
        &cx.config.public_url(),
        &crate::domain::dates::long_date(due),
    )?;
    let recipients: Vec<crate::mail::Recipient> =
        admins.into_iter().map(crate::mail::Recipient::Staff).collect();
    let prepared = crate::mail::prepare_recipients(&cx.keys.keyring, &recipients)?;
    crate::mail::enqueue(&txn, &email, None, prepared).await?;
    txn.commit().await?;
    Ok(())
}
