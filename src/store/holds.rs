//! Legal holds: a case, or a set of cases (an area's notifications between two dates, or every
//! case with a theme), that must not be destroyed while the hold stands. Holds are evaluated
//! when asked (not copied onto cases), so a case that comes to match a set hold later is held too.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{StoreError, StoreResult, now};
use crate::domain::anonymity::Checked;
use crate::domain::retention::HoldScope;

use super::stmt;

/// SQL that is true when the hold aliased `h` covers the case aliased `c`.
macro_rules! hold_matches {
    () => {
        "((h.scope = 'case' AND h.case_id = c.id) \
         OR (h.scope = 'area_dates' AND h.area_id = c.area_id AND c.notified_at >= h.from_at AND c.notified_at < h.to_before) \
         OR (h.scope = 'theme' AND EXISTS (SELECT 1 FROM analyses ha JOIN analysis_answers ht ON ht.analysis_id = ha.id \
             WHERE ha.case_id = c.id AND ht.item_key = 'themes' AND ht.value = h.theme)))"
    };
}

/// SQL that is true when the case aliased `c` is under a hold that has not been released.
pub const HELD: &str =
    concat!("EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND ", hold_matches!(), ")");

/// A hold as shown to admins.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Hold {
    pub id: i64,
    pub scope: String,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub area_id: Option<i64>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
    pub theme: Option<String>,
    pub reason: String,
    pub external_ref: String,
    pub placed_by: i64,
    pub placed_at: DateTime<Utc>,
    pub released_by: Option<i64>,
    pub released_at: Option<DateTime<Utc>>,
    pub release_reason: Option<String>,
}

impl Hold {
    pub fn scope(&self) -> Option<HoldScope> {
        HoldScope::parse(&self.scope)
    }
}

/// A new hold.
#[derive(Debug, Clone)]
pub struct NewHold {
    pub scope: HoldScope,
    pub case_id: Option<i64>,
    pub area_id: Option<i64>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
    pub from_at: Option<DateTime<Utc>>,
    pub to_before: Option<DateTime<Utc>>,
    pub theme: Option<String>,
    /// Read by admins, who never see identities: checked for identifiers.
    pub reason: Checked,
    pub external_ref: Checked,
}

const COLUMNS: &str = "h.id, h.scope, h.case_id, c.reference AS case_reference, h.area_id, h.from_on, h.to_on, \
                       h.theme, h.reason, h.external_ref, h.placed_by, h.placed_at, h.released_by, h.released_at, \
                       h.release_reason";

/// Every hold, standing ones first, newest first.
pub async fn list<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Hold>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM legal_holds h LEFT JOIN cases c ON c.id = h.case_id \
         ORDER BY CASE WHEN h.released_at IS NULL THEN 0 ELSE 1 END, h.placed_at DESC, h.id DESC"
    );
    Ok(Hold::find_by_statement(stmt(conn, &sql, vec![])).all(conn).await?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Hold>> {
    let sql =
        format!("SELECT {COLUMNS} FROM legal_holds h LEFT JOIN cases c ON c.id = h.case_id WHERE h.id = $1");
    Ok(Hold::find_by_statement(stmt(conn, &sql, vec![id.into()])).one(conn).await?)
}

/// Bumps the guard row every destruction locks, so a hold placed while a destruction runs is
/// seen by it (see `destruction::lock_guard`).
async fn touch_guard<C: ConnectionTrait>(conn: &C) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn,
        "UPDATE retention_guard SET holds_placed = holds_placed + 1 WHERE id = 1",
        vec![],
    ))
    .await?;
    Ok(())
}

/// Places a hold; returns its id.
pub async fn insert<C: ConnectionTrait>(conn: &C, h: &NewHold, by: i64) -> StoreResult<i64> {
    touch_guard(conn).await?;
    let row = conn
        .query_one_raw(stmt(
            conn,
            "INSERT INTO legal_holds (scope, case_id, area_id, from_on, to_on, from_at, to_before, theme, reason, \
             external_ref, placed_by, placed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            vec![
                h.scope.code().into(),
                h.case_id.into(),
                h.area_id.into(),
                h.from_on.into(),
                h.to_on.into(),
                h.from_at.into(),
                h.to_before.into(),
                h.theme.clone().into(),
                h.reason.as_str().into(),
                h.external_ref.as_str().into(),
                by.into(),
                now().into(),
            ],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("", "id")?)
}

/// Releases a standing hold.
pub async fn release<C: ConnectionTrait>(conn: &C, id: i64, by: i64, reason: &Checked) -> StoreResult<()> {
    let result = conn
        .execute_raw(stmt(
            conn,
            "UPDATE legal_holds SET released_by = $1, released_at = $2, release_reason = $3 \
             WHERE id = $4 AND released_at IS NULL",
            vec![by.into(), now().into(), reason.as_str().into(), id.into()],
        ))
        .await?;
    if result.rows_affected() == 0 {
        return Err(StoreError::Conflict("This hold has already been released.".into()));
    }
    Ok(())
}

/// How many cases (with identifying data still held) a hold covers.
pub async fn covered<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<i64> {
    let sql = concat!(
        "SELECT COUNT(*) AS n FROM cases c, legal_holds h WHERE h.id = $1 AND c.destroyed_at IS NULL AND ",
        hold_matches!()
    );
    super::count(conn, sql, vec![id.into()]).await
}

/// Whether one case is held now.
pub async fn is_held<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<bool> {
    Ok(!on_case(conn, case_id).await?.is_empty())
}

/// The standing holds on one case (its own and the sets it falls in), as (id, external ref).
pub async fn on_case<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<(i64, String)>> {
    let sql = concat!(
        "SELECT h.id, h.external_ref FROM legal_holds h, cases c WHERE c.id = $1 AND h.released_at IS NULL AND ",
        hold_matches!(),
        " ORDER BY h.id"
    );
    let rows = conn.query_all_raw(stmt(conn, sql, vec![case_id.into()])).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push((r.try_get("", "id")?, r.try_get("", "external_ref")?));
    }
    Ok(out)
}
