//! Rate-limit counters in the database, so every instance on one database counts the same hits:
//! one row per counted hit (bucket, client address, time). A client that has used its allowance
//! adds no more rows, so the table holds at most `limit` rows per client and bucket per window;
//! housekeeping deletes rows older than a day.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, Statement};

use super::StoreResult;

/// Hits in `bucket` from `client` since `since`.
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    bucket: &str,
    client: &str,
    since: DateTime<Utc>,
) -> StoreResult<u64> {
    let n = super::count(
        conn,
        "SELECT COUNT(*) AS n FROM rate_hits WHERE bucket = $1 AND client = $2 AND at > $3",
        vec![bucket.into(), client.into(), since.into()],
    )
    .await?;
    Ok(n.max(0) as u64)
}

/// Records one hit.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    bucket: &str,
    client: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "INSERT INTO rate_hits (bucket, client, at) VALUES ($1, $2, $3)",
        [bucket.into(), client.into(), at.into()],
    ))
    .await?;
    Ok(())
}

/// Forgets hits older than a day (no window is longer); returns how many.
pub async fn sweep<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> StoreResult<u64> {
    let done = conn
        .execute_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "DELETE FROM rate_hits WHERE at < $1",
            [(now - TimeDelta::days(1)).into()],
        ))
        .await?;
    Ok(done.rows_affected())
}
