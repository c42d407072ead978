//! The periodic access review: what each account can do and has done, and the reviews recorded.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{StoreError, StoreResult, now};
use crate::domain::retention::ReviewOutcome;

use super::stmt;

/// A recorded review.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Review {
    pub id: i64,
    pub reviewed_by: i64,
    pub reviewer: String,
    pub reviewed_at: DateTime<Utc>,
    pub outcome: String,
    pub notes: String,
    pub accounts: i32,
    pub flagged: i32,
}

/// Recorded reviews, newest first.
pub async fn list<C: ConnectionTrait>(conn: &C, limit: u64) -> StoreResult<Vec<Review>> {
    Ok(Review::find_by_statement(stmt(
        conn,
        "SELECT r.id, r.reviewed_by, u.name AS reviewer, r.reviewed_at, r.outcome, r.notes, r.accounts, r.flagged \
         FROM access_reviews r JOIN users u ON u.id = r.reviewed_by ORDER BY r.reviewed_at DESC, r.id DESC LIMIT $1",
        vec![(limit as i64).into()],
    ))
    .all(conn)
    .await?)
}

pub async fn last<C: ConnectionTrait>(conn: &C) -> StoreResult<Option<Review>> {
    Ok(list(conn, 1).await?.pop())
}

/// Records a review; returns its id.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    by: i64,
    outcome: ReviewOutcome,
    notes: &str,
    accounts: i32,
    flagged: i32,
) -> StoreResult<i64> {
    let row = conn
        .query_one_raw(stmt(
            conn,
            "INSERT INTO access_reviews (reviewed_by, reviewed_at, outcome, notes, accounts, flagged) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            vec![
                by.into(),
                now().into(),
                outcome.code().into(),
                notes.into(),
                accounts.into(),
                flagged.into(),
            ],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("", "id")?)
}

/// How many identity reveals (and identity lists shown) each user made since `since`, from the
/// audit trail: (user id, count).
pub async fn reveals_since<C: ConnectionTrait>(
    conn: &C,
    since: DateTime<Utc>,
) -> StoreResult<Vec<(i64, i64)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT actor_user_id AS user_id, COUNT(*) AS n FROM audit_events \
             WHERE occurred_at >= $1 AND action IN ('case.identity.revealed', 'case.list.identities_shown', \
             'case.api.read', 'case.exported_sealed') AND actor_user_id IS NOT NULL GROUP BY actor_user_id",
            vec![since.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push((r.try_get("", "user_id")?, r.try_get("", "n")?));
    }
    Ok(out)
}

/// One line of a case's access report.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Access {
    pub at: DateTime<Utc>,
    pub action: String,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub details: Option<String>,
}

/// Everyone who opened the case's identity, pack or forms (and when), from the audit trail.
pub async fn for_case<C: ConnectionTrait>(conn: &C, reference: &str, limit: u64) -> StoreResult<Vec<Access>> {
    Ok(Access::find_by_statement(stmt(
        conn,
        "SELECT e.occurred_at AS at, e.action, e.actor_user_id AS user_id, u.name AS user_name, e.details FROM audit_events e \
         LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE e.object_type = 'case' AND e.object_ref = $1 AND e.action IN ('case.viewed', 'case.identity.revealed', 'case.list.identities_shown', 'case.api.read', \
         'case.exported_sealed', 'pack.opened', 'pack.pdf.downloaded', 'form.response.read', 'analysis.read', \
         'family.contacts_read', 'case.amended') ORDER BY e.seq DESC LIMIT $2",
        vec![reference.into(), (limit as i64).into()],
    ))
    .all(conn)
    .await?)
}

/// When the first account was created (the access review's clock before any review).
pub async fn first_account_at<C: ConnectionTrait>(conn: &C) -> StoreResult<Option<DateTime<Utc>>> {
    let row = conn.query_one_raw(stmt(conn, "SELECT MIN(created_at) AS at FROM users", vec![])).await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<DateTime<Utc>>>("", "at")?,
        None => None,
    })
}
