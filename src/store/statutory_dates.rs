//! The coded dates `cdop check dates` reads for every case (no sealed record is opened).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{StoreResult, stmt};

#[derive(Debug, Clone, FromQueryResult)]
pub struct CaseDates {
    pub id: i64,
    pub reference: String,
    pub source: String,
    pub notified_at: DateTime<Utc>,
    pub review_completed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub days_to_notification: Option<i32>,
    pub days_to_cdrm: Option<i32>,
    pub days_to_panel: Option<i32>,
    pub days_to_review: Option<i32>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct AgendaDate {
    pub case_id: i64,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub outcome: String,
}

/// Every case's dates, by id.
pub async fn cases<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<CaseDates>> {
    Ok(CaseDates::find_by_statement(stmt(
        conn,
        "SELECT id, reference, source, notified_at, review_completed_on, closed_on, days_to_notification, \
         days_to_cdrm, days_to_panel, days_to_review FROM cases ORDER BY id",
        vec![],
    ))
    .all(conn)
    .await?)
}

/// Every agenda entry of a meeting not cancelled, with the meeting's kind and start.
pub async fn agenda<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<AgendaDate>> {
    Ok(AgendaDate::find_by_statement(stmt(
        conn,
        "SELECT i.case_id, m.kind, m.starts_at, i.outcome FROM agenda_items i \
         JOIN meetings m ON m.id = i.meeting_id WHERE m.status <> 'cancelled' AND i.outcome <> 'moved'",
        vec![],
    ))
    .all(conn)
    .await?)
}
