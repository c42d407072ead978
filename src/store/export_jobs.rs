//! Background export jobs: queued by a request, claimed by a worker (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so several instances never run one job twice), kept alive by a claim the worker
//! extends at each step. A job whose worker stopped is claimed again once its claim expires, so
//! a job survives a restart.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};

use super::{Db, StoreError, StoreResult, begin_write, now};

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// Claims given up after this many attempts (a job that brings its worker down each time).
pub const MAX_ATTEMPTS: i32 = 3;

/// A job without its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub params: String,
    pub requested_by: i64,
    pub status: String,
    pub stage: String,
    pub progress: i32,
    pub attempts: i32,
    pub error: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, kind, params, requested_by, status, stage, progress, attempts, error, file_name, \
                       content_type, created_at, finished_at, expires_at";

fn job(r: &QueryResult) -> Result<Job, sea_orm::DbErr> {
    Ok(Job {
        id: r.try_get("", "id")?,
        kind: r.try_get("", "kind")?,
        params: r.try_get("", "params")?,
        requested_by: r.try_get("", "requested_by")?,
        status: r.try_get("", "status")?,
        stage: r.try_get("", "stage")?,
        progress: r.try_get("", "progress")?,
        attempts: r.try_get("", "attempts")?,
        error: r.try_get("", "error")?,
        file_name: r.try_get("", "file_name")?,
        content_type: r.try_get("", "content_type")?,
        created_at: r.try_get("", "created_at")?,
        finished_at: r.try_get("", "finished_at")?,
        expires_at: r.try_get("", "expires_at")?,
    })
}

use super::stmt;

/// Queues a job; returns its id.
pub async fn insert<C: ConnectionTrait>(conn: &C, kind: &str, params: &str, by: i64) -> StoreResult<i64> {
    let values: Vec<Value> =
        vec![kind.into(), params.into(), by.into(), QUEUED.into(), "Waiting to start".into(), now().into()];
    let row = conn
        .query_one_raw(stmt(
            conn,
            "INSERT INTO export_jobs (kind, params, requested_by, status, stage, progress, attempts, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, 0, $6) RETURNING id",
            values,
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("", "id")?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Job>> {
    let sql = format!("SELECT {COLUMNS} FROM export_jobs WHERE id = $1");
    Ok(conn.query_one_raw(stmt(conn, &sql, vec![id.into()])).await?.map(|r| job(&r)).transpose()?)
}

/// The user's jobs, newest first.
pub async fn for_user<C: ConnectionTrait>(conn: &C, user: i64, limit: u64) -> StoreResult<Vec<Job>> {
    let sql =
        format!("SELECT {COLUMNS} FROM export_jobs WHERE requested_by = $1 ORDER BY id DESC LIMIT {limit}");
    let rows = conn.query_all_raw(stmt(conn, &sql, vec![user.into()])).await?;
    Ok(rows.iter().map(job).collect::<Result<_, _>>()?)
}

/// A finished job's file.
pub async fn file<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Vec<u8>>> {
    let row = conn
        .query_one_raw(stmt(
            conn,
            "SELECT file FROM export_jobs WHERE id = $1 AND status = $2",
            vec![id.into(), DONE.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<Option<Vec<u8>>>("", "file")).transpose()?.flatten())
}

/// Claims the oldest job that is queued, or running under a claim that expired (its worker
/// stopped), for `hold`. Jobs that used up their attempts are marked failed instead.
pub async fn claim(db: &Db, hold: TimeDelta) -> StoreResult<Option<Job>> {
    let t = now();
    let txn = begin_write(db).await?;
    let lock = if txn.get_database_backend() == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM export_jobs WHERE status = $1 OR (status = $2 AND claimed_until <= $3) \
         ORDER BY id LIMIT 1{lock}"
    );
    let found = txn.query_one_raw(stmt(&txn, &sql, vec![QUEUED.into(), RUNNING.into(), t.into()])).await?;
    let Some(found) = found.map(|r| job(&r)).transpose()? else {
        txn.commit().await?;
        return Ok(None);
    };
    if found.attempts >= MAX_ATTEMPTS {
        txn.execute_raw(stmt(
            &txn,
            "UPDATE export_jobs SET status = $1, error = $2, finished_at = $3, claimed_until = NULL WHERE id = $4",
            vec![
                FAILED.into(),
                "The export stopped before it finished, several times. Try a smaller one, or ask an admin to look at the service's log."
                    .into(),
                t.into(),
                found.id.into(),
            ],
        ))
        .await?;
        txn.commit().await?;
        return Ok(None);
    }
    txn.execute_raw(stmt(
        &txn,
        "UPDATE export_jobs SET status = $1, attempts = attempts + 1, claimed_until = $2, stage = $3, progress = 0 \
         WHERE id = $4",
        vec![RUNNING.into(), (t + hold).into(), "Starting".into(), found.id.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(Some(Job { status: RUNNING.into(), attempts: found.attempts + 1, ..found }))
}

/// Records the step under way and extends the claim.
pub async fn progress(db: &Db, id: i64, stage: &str, percent: i32, hold: TimeDelta) -> StoreResult<()> {
    db.execute_raw(stmt(
        db,
        "UPDATE export_jobs SET stage = $1, progress = $2, claimed_until = $3 WHERE id = $4 AND status = $5",
        vec![stage.into(), percent.clamp(0, 100).into(), (now() + hold).into(), id.into(), RUNNING.into()],
    ))
    .await?;
    Ok(())
}

/// Stores the finished file, kept until `expires_at`.
pub async fn finish(
    db: &Db,
    id: i64,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    db.execute_raw(stmt(
        db,
        "UPDATE export_jobs SET status = $1, stage = $2, progress = 100, file_name = $3, content_type = $4, \
         file = $5, finished_at = $6, expires_at = $7, claimed_until = NULL WHERE id = $8",
        vec![
            DONE.into(),
            "Ready to download".into(),
            file_name.into(),
            content_type.into(),
            bytes.into(),
            now().into(),
            expires_at.into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Records that the job failed, with a safe message; the record is kept until `expires_at`.
pub async fn fail(db: &Db, id: i64, message: &str, expires_at: DateTime<Utc>) -> StoreResult<()> {
    db.execute_raw(stmt(
        db,
        "UPDATE export_jobs SET status = $1, stage = $2, error = $3, finished_at = $4, expires_at = $5, \
         claimed_until = NULL WHERE id = $6",
        vec![FAILED.into(), "Stopped".into(), message.into(), now().into(), expires_at.into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// Deletes finished jobs whose files have expired; returns how many.
pub async fn delete_expired(db: &Db, at: DateTime<Utc>) -> StoreResult<u64> {
    Ok(db
        .execute_raw(stmt(
            db,
            "DELETE FROM export_jobs WHERE expires_at IS NOT NULL AND expires_at <= $1",
            vec![at.into()],
        ))
        .await?
        .rows_affected())
}

/// Jobs waiting or running, and when the oldest of them was asked for (for `/metrics`).
pub async fn waiting<C: ConnectionTrait>(conn: &C) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
    super::queue_depth(conn, "export_jobs", &[QUEUED, RUNNING]).await
}
