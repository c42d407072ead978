//! What is waiting, counted for the home page's work queues: coded columns only, in the areas
//! the person works in.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{StoreResult, bind_list, count, stmt};

/// Cases in `area_ids` with `status`.
pub async fn cases_with_status<C: ConnectionTrait>(
    conn: &C,
    area_ids: &[i64],
    status: &str,
) -> StoreResult<i64> {
    let mut v = vec![status.into()];
    let areas = bind_list(&mut v, area_ids);
    count(conn, &format!("SELECT COUNT(*) AS n FROM cases WHERE status = $1 AND area_id IN ({areas})"), v)
        .await
}

/// Cases on the agenda of a scheduled meeting whose pack is not yet published.
pub async fn packs_to_prepare<C: ConnectionTrait>(conn: &C, area_ids: &[i64]) -> StoreResult<i64> {
    let mut v = Vec::new();
    let areas = bind_list(&mut v, area_ids);
    count(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id \
             JOIN cases c ON c.id = i.case_id WHERE c.area_id IN ({areas}) AND m.status = 'scheduled' \
             AND i.outcome = 'pending' AND i.pack_published_at IS NULL"
        ),
        v,
    )
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct CaseRef {
    pub reference: String,
}

/// Cases whose panel has met and whose analysis is still to sign off (oldest first, at most 20).
pub async fn awaiting_sign_off<C: ConnectionTrait>(
    conn: &C,
    area_ids: &[i64],
    now: DateTime<Utc>,
) -> StoreResult<Vec<String>> {
    let mut v = vec![now.into()];
    let areas = bind_list(&mut v, area_ids);
    let rows = CaseRef::find_by_statement(stmt(
        conn,
        &format!(
            "SELECT c.reference FROM cases c WHERE c.area_id IN ({areas}) AND c.status = 'review_scheduled' \
             AND EXISTS (SELECT 1 FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id \
               WHERE i.case_id = c.id AND m.kind = 'panel' AND m.status <> 'cancelled' \
               AND i.outcome IN ('pending', 'reviewed') AND m.starts_at <= $1) \
             ORDER BY c.id LIMIT 20"
        ),
        v,
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.reference).collect())
}

/// Cases whose signed analysis has an amendment in draft (at most 20).
pub async fn amendments_in_draft<C: ConnectionTrait>(conn: &C, area_ids: &[i64]) -> StoreResult<Vec<String>> {
    let mut v = Vec::new();
    let areas = bind_list(&mut v, area_ids);
    let rows = CaseRef::find_by_statement(stmt(
        conn,
        &format!(
            "SELECT c.reference FROM analyses a JOIN cases c ON c.id = a.case_id \
             WHERE c.area_id IN ({areas}) AND a.status = 'draft' AND a.revision > 1 ORDER BY a.id LIMIT 20"
        ),
        v,
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.reference).collect())
}

/// A meeting still to hold that the person chairs or attends, with its agenda's state for them.
#[derive(Debug, Clone, FromQueryResult)]
pub struct NextMeeting {
    pub id: i64,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub chair_id: i64,
    /// Cases still to discuss.
    pub cases: i64,
    /// Of those, packs published (open to attendees).
    pub packs: i64,
    /// Published packs without the person's own pre-panel categorisation.
    pub prepanel_due: i64,
}

/// The next scheduled meetings `user_id` chairs or attends (soonest first, at most 5).
pub async fn next_meetings<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<Vec<NextMeeting>> {
    Ok(NextMeeting::find_by_statement(stmt(
        conn,
        "SELECT m.id, m.kind, m.starts_at, m.chair_id, \
           (SELECT COUNT(*) FROM agenda_items i WHERE i.meeting_id = m.id AND i.outcome = 'pending') AS cases, \
           (SELECT COUNT(*) FROM agenda_items i WHERE i.meeting_id = m.id AND i.outcome = 'pending' \
              AND i.pack_published_at IS NOT NULL AND i.pack_published_at <= $2) AS packs, \
           (SELECT COUNT(*) FROM agenda_items i WHERE i.meeting_id = m.id AND i.outcome = 'pending' \
              AND i.pack_published_at IS NOT NULL AND i.pack_published_at <= $2 \
              AND NOT EXISTS (SELECT 1 FROM prepanel_entries p WHERE p.agenda_item_id = i.id AND p.user_id = $1)) \
              AS prepanel_due \
         FROM meetings m WHERE m.status = 'scheduled' \
           AND (m.chair_id = $1 OR EXISTS (SELECT 1 FROM meeting_attendees a WHERE a.meeting_id = m.id AND a.user_id = $1)) \
         ORDER BY m.starts_at LIMIT 5",
        vec![user_id.into(), now.into()],
    ))
    .all(conn)
    .await?)
}

/// Destruction queue entries waiting for a second admin's approval.
pub async fn destructions_to_approve<C: ConnectionTrait>(conn: &C) -> StoreResult<i64> {
    count(conn, "SELECT COUNT(*) AS n FROM destruction_entries WHERE status = 'queued'", vec![]).await
}
