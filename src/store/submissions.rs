//! One-off submission keys: a form sent twice (Back and send again, a double click, a retry
//! after a timeout) makes one case. The key's hash is recorded with the case it made, in the same
//! transaction; a second send with the same key finds it and is told the reference given.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, Statement};

use super::StoreResult;

/// Records that `key_hash` made case `reference`, at `now`; keys older than a week are forgotten
/// first. `Some(earlier reference)` when the key was already used (the caller rolls back).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    key_hash: &str,
    reference: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<String>> {
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        "DELETE FROM submissions WHERE created_at < $1",
        [(now - TimeDelta::days(7)).into()],
    ))
    .await?;
    let inserted = conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO submissions (key_hash, reference, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key_hash) DO NOTHING",
            [key_hash.into(), reference.into(), now.into()],
        ))
        .await?
        .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT reference FROM submissions WHERE key_hash = $1",
            [key_hash.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<String>>("", "reference")?,
        None => None,
    })
}
