//! Persistence: sea-orm entities and repositories. The only place that talks SQL.
//!
//! Every function here works on SQLite and PostgreSQL alike. Times are computed in Rust (UTC,
//! truncated to microseconds) and bound as parameters; write transactions on SQLite start with
//! `BEGIN IMMEDIATE` so two writers queue on the busy timeout instead of failing.

pub mod access_reviews;
pub mod action_updates;
pub mod actions;
pub mod analyses;
pub mod areas;
pub mod audit;
pub mod briefings;
pub mod case_versions;
pub mod cases;
pub mod dataset;
pub mod demo;
pub mod destruction;
pub mod drafts;
pub mod entities;
pub mod export_jobs;
pub mod family;
pub mod form_requests;
pub mod holds;
pub mod imported;
pub mod meetings;
pub mod outbox;
pub mod packs;
pub mod populations;
pub mod prepanel;
pub mod rate_limits;
pub mod reminders;
pub mod reports;
pub mod retention;
pub mod saved_reports;
pub mod sealed;
pub mod sessions;
pub mod short_results;
pub mod sso;
pub mod statutory_dates;
pub mod submissions;
pub mod tokens;
pub mod users;
pub mod work;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::{ConfigError, LoadedConfig, redact_url};

pub type Db = DatabaseConnection;
/// A write transaction, as [`begin_write`] opens it.
pub type Txn = DatabaseTransaction;

/// What the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is taken, or a record changed since it was read.
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(message)`, leaving other errors as they are.
    pub fn unique_as_conflict(e: DbErr, message: &str) -> StoreError {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(message.to_string()),
            _ => StoreError::Db(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The current time as stored: UTC, microsecond precision (what PostgreSQL keeps).
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The file behind a `sqlite:` URL (`sqlite://data/x.sqlite`, `sqlite:data/x.sqlite`, `sqlite:///abs`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

/// How long a statement waits for another connection's lock before failing with "database is
/// locked": above the longest write transaction (bulk work commits in batches of hundreds of
/// rows, each well under a second), so a writer waits its turn rather than failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

fn options(loaded: &LoadedConfig) -> ConnectOptions {
    let db = &loaded.config.database;
    let url = match sqlite_path(&db.url) {
        Some(path) => format!("sqlite://{}?mode=rwc", path.display()),
        None => db.url.clone(),
    };
    let mut opt = ConnectOptions::new(url);
    opt.max_connections(db.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(db.connect_timeout_seconds))
        .acquire_timeout(Duration::from_secs(db.connect_timeout_seconds.max(5)))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true)
                // After the log restarts from its beginning, its file is cut back to 64 MiB
                // (by default it stays at the largest it ever grew to).
                .pragma("journal_size_limit", "67108864")
                .create_if_missing(true)
        });
    opt
}

/// Binds `items` after `values` and returns their placeholders (`$3, $4, …`) for an `IN (…)` list.
pub(crate) fn bind_list<T: Clone + Into<sea_orm::Value>>(
    values: &mut Vec<sea_orm::Value>,
    items: &[T],
) -> String {
    let mut params = Vec::with_capacity(items.len());
    for i in items {
        values.push(i.clone().into());
        params.push(format!("${}", values.len()));
    }
    params.join(", ")
}

/// Opens the database named by `database.url`, creating the SQLite file (and its directory) when
/// it is missing. A database that cannot be reached is a configuration error naming the key.
pub async fn connect(loaded: &LoadedConfig) -> Result<Db, ConfigError> {
    let url = &loaded.config.database.url;
    if let Some(path) = sqlite_path(url)
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            loaded.error(
                "database.url",
                redact_url(url),
                format!("a SQLite file in a writable directory ({e})"),
            )
        })?;
    }
    if sqlite_path(url).is_none() {
        // One direct attempt first: the pool would retry until its timeout and hide the cause.
        use sea_orm::sqlx::ConnectOptions as _;
        let opts: sea_orm::sqlx::postgres::PgConnectOptions = url.parse().map_err(|e| {
            loaded.error("database.url", redact_url(url), format!("a valid PostgreSQL URL ({e})"))
        })?;
        let timeout = Duration::from_secs(loaded.config.database.connect_timeout_seconds);
        match tokio::time::timeout(timeout, opts.connect()).await {
            Ok(Ok(conn)) => {
                let _ = sea_orm::sqlx::Connection::close(conn).await;
            }
            Ok(Err(e)) => {
                return Err(loaded.error(
                    "database.url",
                    redact_url(url),
                    format!("a reachable database ({e})"),
                ));
            }
            Err(_) => {
                return Err(loaded.error(
                    "database.url",
                    redact_url(url),
                    format!("a database that answers within {}s", timeout.as_secs()),
                ));
            }
        }
    }
    let db = Database::connect(options(loaded))
        .await
        .map_err(|e| loaded.error("database.url", redact_url(url), format!("a reachable database ({e})")))?;
    db.ping()
        .await
        .map_err(|e| loaded.error("database.url", redact_url(url), format!("a reachable database ({e})")))?;
    Ok(db)
}

/// On SQLite, refreshes the query planner's statistics for tables that changed enough since they
/// were last analysed (0x10002: also tables never analysed); without statistics SQLite guesses
/// join orders, and report queries over years of cases then scan whole tables. When that changed
/// the statistics, every pooled connection is made to load them ([`reload_statistics`]). Then
/// folds the write-ahead log back into the database ([`checkpoint`]). A no-op on PostgreSQL, whose
/// autovacuum analyses tables itself.
pub async fn optimize(db: &Db) {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    let before = statistics(db).await;
    if let Err(e) = db.execute_unprepared("PRAGMA optimize=0x10002").await {
        tracing::warn!(error = %e, "PRAGMA optimize failed");
    }
    if statistics(db).await != before
        && let Err(e) = reload_statistics(db).await
    {
        tracing::warn!(error = %e, "reloading the planner statistics failed");
    }
    match checkpoint(db).await {
        Ok(c) if c.complete => {
            tracing::debug!(frames = c.frames, "write-ahead log checkpointed and truncated")
        }
        Ok(c) => tracing::info!(
            frames = c.frames,
            copied = c.copied,
            "write-ahead log not fully checkpointed (a reader held an older snapshot); housekeeping tries again"
        ),
        Err(e) => tracing::warn!(error = %e, "write-ahead log checkpoint failed"),
    }
}

/// SQLite's planner statistics (`sqlite_stat1`) in one string, to tell whether `ANALYZE` changed
/// them; `None` before anything was ever analysed.
async fn statistics(db: &Db) -> Option<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = "SELECT group_concat(s, ';') AS s FROM (SELECT tbl || '.' || COALESCE(idx, '') || '=' || stat AS s \
               FROM sqlite_stat1 ORDER BY 1)";
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.ok()??;
    row.try_get::<Option<String>>("", "s").ok().flatten()
}

/// Makes every pooled connection plan with the statistics `ANALYZE` just wrote. SQLite loads them
/// into a connection when it reads the schema, and `ANALYZE` refreshes only the connection that
/// ran it: every other connection in the pool went on planning with the statistics it opened
/// with (none, for a service started on a new database and then given years of cases). At
/// 100,000 cases the annual report then took 811 ms at p95 in the process that had seeded them
/// and 287 ms in a new process on the same file. A schema change makes every connection read
/// the schema again, statistics included, before its next statement: a table created and
/// dropped in one transaction is one.
async fn reload_statistics(db: &Db) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = db.begin().await?;
    txn.execute_unprepared("CREATE TABLE IF NOT EXISTS planner_statistics_reload (x INTEGER)").await?;
    txn.execute_unprepared("DROP TABLE IF EXISTS planner_statistics_reload").await?;
    txn.commit().await
}

/// What a [`checkpoint`] did: the frames in the log and how many of them the passive pass copied
/// into the database, and whether the log was then emptied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checkpoint {
    frames: i64,
    copied: i64,
    complete: bool,
}

/// How long the truncating checkpoint waits for readers on older snapshots. It holds SQLite's
/// writer lock while it waits ("blocks new database writers while it is pending"), so every write
/// waits with it: with the connection's busy timeout (30 s) a long export held the service's
/// writes for 30 s, and a reader in another process that then wanted to write (a `cdop` command's
/// `PRAGMA optimize`) waited for it while it waited for that reader.
const CHECKPOINT_WAIT: Duration = Duration::from_secs(1);

/// SQLite: copies the write-ahead log into the database file and truncates the log.
///
/// SQLite's automatic checkpoint is passive: it never waits for readers, and it can only start
/// the log again from its beginning at a moment no reader is using it. Under a burst of writes
/// with readers always present (a large import, the benchmark's seeding) it never finds that
/// moment, the log grows to gigabytes (2.4 GB after seeding 100,000 cases), and every read then
/// searches the log's index before the database. So housekeeping (when the service starts, then
/// every 15 minutes) and `cdop import reviews` checkpoint it themselves: a `PASSIVE` checkpoint first copies the
/// bulk without holding up writers, then a `TRUNCATE` checkpoint (which waits up to
/// [`CHECKPOINT_WAIT`] for readers on older snapshots, holding up writers meanwhile) copies what
/// was written meanwhile, restarts the log and truncates the file; when a reader outlasts the
/// wait, the next round tries again. `journal_size_limit` (set on connecting) keeps the file from
/// staying large after the log restarts on its own.
async fn checkpoint(db: &Db) -> Result<Checkpoint, sea_orm::DbErr> {
    use sea_orm::sqlx::{self, Row};
    let to_db_err = |e: sqlx::Error| sea_orm::DbErr::Custom(format!("checkpoint: {e}"));
    let mut conn = db.get_sqlite_connection_pool().acquire().await.map_err(to_db_err)?;
    // Built from this module's constants and fixed words only.
    let busy_timeout = |d: Duration| sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {}", d.as_millis()));
    sqlx::query(busy_timeout(CHECKPOINT_WAIT)).execute(&mut *conn).await.map_err(to_db_err)?;
    let mut run = async |mode: &str| {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA wal_checkpoint({mode})")))
            .fetch_one(&mut *conn)
            .await?;
        Ok::<_, sqlx::Error>((
            row.try_get::<i64, _>(0)?,
            row.try_get::<i64, _>(1)?,
            row.try_get::<i64, _>(2)?,
        ))
    };
    let passive = run("PASSIVE").await;
    let truncate = run("TRUNCATE").await;
    // The connection goes back to the pool with the busy timeout every other statement relies
    // on; one that cannot be given it back is closed instead.
    if sqlx::query(busy_timeout(BUSY_TIMEOUT)).execute(&mut *conn).await.is_err() {
        conn.detach();
    }
    let (_, frames, copied) = passive.map_err(to_db_err)?;
    let (busy, _, _) = truncate.map_err(to_db_err)?;
    Ok(Checkpoint { frames, copied, complete: busy == 0 })
}

/// Checks that `database.url` could be used without creating or changing anything.
pub async fn check(loaded: &LoadedConfig) -> Result<(), ConfigError> {
    let url = &loaded.config.database.url;
    if let Some(path) = sqlite_path(url) {
        if path.exists() {
            let db = connect(loaded).await?;
            let _ = db.close().await;
            return Ok(());
        }
        let mut ancestor = path.parent();
        while let Some(dir) = ancestor {
            if dir.as_os_str().is_empty() || dir.is_dir() {
                return Ok(());
            }
            if dir.exists() {
                break;
            }
            ancestor = dir.parent();
        }
        return Err(loaded.error(
            "database.url",
            redact_url(url),
            "a SQLite file in a directory that can be created",
        ));
    }
    let db = connect(loaded).await?;
    let _ = db.close().await;
    Ok(())
}

/// Names of migrations not yet applied (creates nothing).
pub async fn pending_migrations(db: &Db) -> Result<Vec<String>, DbErr> {
    Ok(Migrator::get_pending_migrations_read_only(db).await?.iter().map(|m| m.name().to_string()).collect())
}

/// Connects for a command that reads or writes the schema as this release knows it: refuses,
/// naming the fix, when migrations are pending (a database last served by an older release).
pub async fn connect_current(loaded: &LoadedConfig) -> Result<Db, anyhow::Error> {
    let db = connect(loaded).await?;
    let pending = pending_migrations(&db).await?;
    if !pending.is_empty() {
        anyhow::bail!(
            "the database needs {} migration(s) this release brings ({}): run `cdop migrate` (or `cdop serve`, which applies them) first",
            pending.len(),
            pending.join(", ")
        );
    }
    Ok(db)
}

/// Every migration with whether it is applied.
pub async fn migration_status(db: &Db) -> Result<Vec<(String, bool)>, DbErr> {
    let pending = pending_migrations(db).await?;
    Ok(Migrator::migrations()
        .iter()
        .map(|m| {
            let name = m.name().to_string();
            let applied = !pending.contains(&name);
            (name, applied)
        })
        .collect())
}

/// Applies pending migrations; returns the names applied.
pub async fn migrate(db: &Db) -> Result<Vec<String>, DbErr> {
    let pending = pending_migrations(db).await?;
    if !pending.is_empty() {
        Migrator::up(db, None).await?;
    }
    Ok(pending)
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once.
/// Applies `update` to the row `id` of `E` if it is still at `version`, raising the version and
/// stamping `updated_at`; a stale version is a `Conflict` with `message`.
pub async fn update_versioned<E, C>(
    conn: &C,
    update: sea_orm::UpdateMany<E>,
    cols: (E::Column, E::Column, E::Column),
    id: i64,
    version: i64,
    message: &str,
) -> StoreResult<()>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{ColumnTrait, ExprTrait, QueryFilter};
    let (id_col, version_col, updated_col) = cols;
    let result = update
        .col_expr(version_col, sea_orm::sea_query::Expr::col(version_col).add(1))
        .col_expr(updated_col, sea_orm::sea_query::Expr::value(now()))
        .filter(id_col.eq(id))
        .filter(version_col.eq(version))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::Conflict(message.to_string()));
    }
    Ok(())
}

/// A raw statement for the connection's database, with `$1`-style parameters.
pub(crate) fn stmt(
    conn: &impl sea_orm::ConnectionTrait,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> sea_orm::Statement {
    sea_orm::Statement::from_sql_and_values(conn.get_database_backend(), sql, values)
}

/// The number a `SELECT COUNT(*) AS n …` statement returns (0 when it returns no row).
pub(crate) async fn count<C: sea_orm::ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> StoreResult<i64> {
    let row = conn.query_one_raw(stmt(conn, sql, values)).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

/// How many rows of `table` have one of `statuses`, and the earliest `created_at` among them (the
/// depth and age of a queue, for `/metrics`). `table` is one of ours, never input.
pub(crate) async fn queue_depth<C: sea_orm::ConnectionTrait>(
    conn: &C,
    table: &'static str,
    statuses: &[&str],
) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
    let marks: Vec<String> = (1..=statuses.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM {table} WHERE status IN ({})",
        marks.join(", ")
    );
    let values = statuses.iter().map(|s| (*s).into()).collect();
    Ok(match conn.query_one_raw(stmt(conn, &sql, values)).await? {
        Some(r) => (r.try_get("", "n")?, r.try_get("", "oldest")?),
        None => (0, None),
    })
}

pub async fn begin_write(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    }
}

/// Runs `work` in a savepoint of `txn`: its changes kept when it succeeds, undone when it fails
/// (its error returned inside `Ok`), so a worker can skip one row that cannot be processed and
/// carry on with the rest of its transaction.
pub async fn savepoint<T, E>(
    txn: &DatabaseTransaction,
    work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, E>,
) -> Result<Result<T, E>, DbErr> {
    let one = txn.begin().await?;
    match work(&one).await {
        Ok(v) => {
            one.commit().await?;
            Ok(Ok(v))
        }
        Err(e) => {
            one.rollback().await?;
            Ok(Err(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://data/cdop.sqlite"), Some(PathBuf::from("data/cdop.sqlite")));
        assert_eq!(sqlite_path("sqlite:///tmp/x.sqlite?mode=rwc"), Some(PathBuf::from("/tmp/x.sqlite")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x"), None);
    }

    #[test]
    fn now_has_microsecond_precision() {
        assert_eq!(now().timestamp_subsec_nanos() % 1000, 0);
    }
}
