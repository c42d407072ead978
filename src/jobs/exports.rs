//! The background export worker: claims one queued job at a time (or one whose worker stopped:
//! its claim expired), produces its file while recording each step and extending its claim, and
//! stores the file for the requester to download. Safe with several instances (claims use
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL); a job survives a restart because it lives in the
//! database, and a job that brings its worker down every time fails after three attempts.

use std::time::Duration;

use chrono::TimeDelta;

use crate::context::Context;
use crate::exports::{self, Request};
use crate::store::export_jobs::{self, Job};

/// How long a claim lasts without news from its worker.
pub const HOLD: TimeDelta = TimeDelta::seconds(60);
/// How often a running job's step and claim are written.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// How often the worker looks for work when there is none.
const IDLE: Duration = Duration::from_secs(1);
/// How long a finished file (or a failure notice) is kept.
pub const KEEP: TimeDelta = TimeDelta::days(7);

/// The longest a pass may take: one export of a whole dataset.
const LONGEST: Duration = Duration::from_secs(30 * 60);

pub async fn run(cx: Context, mut stop: tokio::sync::watch::Receiver<bool>) {
    cx.metrics.worker_started("exports", LONGEST);
    loop {
        let result = run_one(&cx).await;
        cx.metrics.pass("exports", result.is_ok());
        let worked = match result {
            Ok(worked) => worked,
            Err(e) => {
                tracing::warn!(error = %e, "background export worker failed; trying again later");
                false
            }
        };
        if worked {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(IDLE) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

/// Claims and runs one job; false when there was none.
pub async fn run_one(cx: &Context) -> anyhow::Result<bool> {
    let Some(job) = export_jobs::claim(&cx.db, HOLD).await? else {
        return Ok(false);
    };
    let expires = cx.clock.now() + KEEP;
    let Some(request) = Request::parse(&job.params) else {
        export_jobs::fail(&cx.db, job.id, "This export's request cannot be read. Ask for it again.", expires)
            .await?;
        return Ok(true);
    };
    tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, "background export started");
    match produce(cx, &job, &request).await {
        Ok(p) => {
            export_jobs::finish(&cx.db, job.id, &p.file_name, p.content_type, p.bytes, expires).await?;
            tracing::info!(job = job.id, "background export finished");
        }
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "background export failed");
            export_jobs::fail(
                &cx.db,
                job.id,
                "The export could not be produced. Try again; if it fails again, ask an admin to look at the service's log.",
                expires,
            )
            .await?;
        }
    }
    Ok(true)
}

/// Produces the file while a heartbeat writes the current step and extends the claim.
async fn produce(cx: &Context, job: &Job, request: &Request) -> anyhow::Result<exports::Produced> {
    let (tx, mut rx) = tokio::sync::watch::channel(("Starting", 0));
    let heartbeat = {
        let (db, id) = (cx.db.clone(), job.id);
        tokio::spawn(async move {
            loop {
                let (stage, percent) = *rx.borrow_and_update();
                if let Err(e) = export_jobs::progress(&db, id, stage, percent, HOLD).await {
                    tracing::warn!(job = id, error = %e, "could not record an export's progress");
                }
                tokio::select! {
                    _ = tokio::time::sleep(HEARTBEAT) => {}
                    changed = rx.changed() => if changed.is_err() { return },
                }
            }
        })
    };
    let mut step = |stage: &'static str, percent: i32| {
        let _ = tx.send((stage, percent));
    };
    let result = exports::produce(cx, request, &mut step).await;
    drop(tx);
    let _ = heartbeat.await;
    result
}
