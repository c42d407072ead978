//! Tables holding one sealed column each (with `id` and `sealed_key`) — the review stage's
//! records, kept versions of amended notifications and drafts — read and re-sealed generically for
//! key rotation and `cdop keys verify`, so a new sealed table is one line here.

use sea_orm::{ConnectionTrait, Statement, Value};

use crate::store::StoreResult;

/// A table with one sealed column.
#[derive(Debug, Clone, Copy)]
pub struct SealedTable {
    pub table: &'static str,
    pub column: &'static str,
    /// How a record is named in reports ("analysis #12").
    pub label: &'static str,
}

/// Kept versions of amended (or merged, or rejected) notifications.
pub const CASE_VERSIONS: SealedTable =
    SealedTable { table: "case_versions", column: "sealed", label: "case version" };
/// Drafts of forms typed in the browser.
pub const DRAFTS: SealedTable = SealedTable { table: "drafts", column: "sealed", label: "draft" };

/// Every review-stage table.
pub const TABLES: &[SealedTable] = &[
    SealedTable { table: "meetings", column: "minutes_sealed", label: "meeting minutes" },
    SealedTable { table: "case_packs", column: "summary_sealed", label: "pack summary" },
    SealedTable { table: "pack_narratives", column: "sealed", label: "pack narrative" },
    SealedTable { table: "analyses", column: "sealed", label: "analysis" },
    SealedTable { table: "actions", column: "sealed", label: "action" },
    SealedTable { table: "action_updates", column: "sealed", label: "action progress update" },
    SealedTable { table: "distribution_recipients", column: "sealed", label: "distribution recipient" },
    SealedTable { table: "briefings", column: "sealed", label: "learning briefing" },
    SealedTable { table: "family_contacts", column: "sealed", label: "family contact" },
    SealedTable { table: "key_workers", column: "sealed", label: "key worker" },
];

/// Records of `t` holding a sealed value not sealed to `key` (`""`: every record), after `after`,
/// as (id, ciphertext).
pub async fn not_sealed_to<C: ConnectionTrait>(
    conn: &C,
    t: &SealedTable,
    key: &str,
    after: i64,
    take: u64,
) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let sql = format!(
        "SELECT id, {c} AS sealed FROM {t} WHERE {c} IS NOT NULL AND sealed_key <> $1 AND id > $2 ORDER BY id LIMIT $3",
        c = t.column,
        t = t.table
    );
    let values: Vec<Value> = vec![key.into(), after.into(), (take as i64).into()];
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get::<i64>("", "id")?, r.try_get::<Vec<u8>>("", "sealed")?)))
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?)
}

pub async fn count_not_sealed_to<C: ConnectionTrait>(
    conn: &C,
    t: &SealedTable,
    key: &str,
) -> StoreResult<u64> {
    let sql =
        format!("SELECT COUNT(*) AS n FROM {} WHERE {} IS NOT NULL AND sealed_key <> $1", t.table, t.column);
    Ok(super::count(conn, &sql, vec![key.into()]).await?.max(0) as u64)
}

pub async fn replace<C: ConnectionTrait>(
    conn: &C,
    t: &SealedTable,
    id: i64,
    sealed: Vec<u8>,
    key: &str,
) -> StoreResult<()> {
    let sql = format!("UPDATE {} SET {} = $1, sealed_key = $2 WHERE id = $3", t.table, t.column);
    let values: Vec<Value> = vec![sealed.into(), key.into(), id.into()];
    conn.execute_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    Ok(())
}
