//! Meetings (CDRM and panel): their areas, attendees and agenda.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::anonymity::{Checked, SealedChecked};
use crate::domain::codes::AgendaOutcome;
use crate::store::entities::{agenda_item, meeting, meeting_area, meeting_attendee};
use crate::store::{StoreError, StoreResult, now, update_versioned};

pub use crate::store::entities::agenda_item::Model as AgendaItem;
pub use crate::store::entities::meeting::Model as Meeting;

pub struct NewMeeting {
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    /// Read by every attendee: passed the identifier check.
    pub location: Checked,
    pub chair_id: i64,
    pub uid: String,
    pub created_by: Option<i64>,
}

const CHANGED: &str = "Someone else changed this meeting since you opened it. Nothing has been saved.";

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    m: NewMeeting,
    areas: &[i64],
    attendees: &[i64],
) -> StoreResult<i64> {
    let t = now();
    let id = meeting::Entity::insert(meeting::ActiveModel {
        kind: Set(m.kind),
        starts_at: Set(m.starts_at),
        duration_minutes: Set(m.duration_minutes),
        location: Set(m.location.as_str().to_string()),
        chair_id: Set(m.chair_id),
        status: Set("scheduled".into()),
        minutes_sealed: Set(None),
        sealed_key: Set(String::new()),
        ics_sequence: Set(0),
        uid: Set(m.uid),
        created_by: Set(m.created_by),
        created_at: Set(t),
        updated_at: Set(t),
        version: Set(1),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    set_areas(conn, id, areas).await?;
    set_attendees(conn, id, attendees).await?;
    Ok(id)
}

/// Changes the meeting's time, place and chair (raising the calendar sequence, so calendars
/// update the event they already hold).
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    starts_at: DateTime<Utc>,
    duration_minutes: i32,
    location: &Checked,
    chair_id: i64,
) -> StoreResult<()> {
    let update = meeting::Entity::update_many()
        .col_expr(meeting::Column::StartsAt, Expr::value(starts_at))
        .col_expr(meeting::Column::DurationMinutes, Expr::value(duration_minutes))
        .col_expr(meeting::Column::Location, Expr::value(location.as_str()))
        .col_expr(meeting::Column::ChairId, Expr::value(chair_id))
        .col_expr(meeting::Column::IcsSequence, Expr::col(meeting::Column::IcsSequence).add(1));
    update_versioned(conn, update, cols(), id, version, CHANGED).await
}

fn cols() -> (meeting::Column, meeting::Column, meeting::Column) {
    (meeting::Column::Id, meeting::Column::Version, meeting::Column::UpdatedAt)
}

pub async fn set_areas<C: ConnectionTrait>(conn: &C, id: i64, areas: &[i64]) -> StoreResult<()> {
    meeting_area::Entity::delete_many().filter(meeting_area::Column::MeetingId.eq(id)).exec(conn).await?;
    if !areas.is_empty() {
        let rows = areas.iter().map(|a| meeting_area::ActiveModel { meeting_id: Set(id), area_id: Set(*a) });
        meeting_area::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Replaces the attendees, keeping when each one still listed was invited.
pub async fn set_attendees<C: ConnectionTrait>(conn: &C, id: i64, users: &[i64]) -> StoreResult<()> {
    let current = attendees(conn, id).await?;
    meeting_attendee::Entity::delete_many()
        .filter(meeting_attendee::Column::MeetingId.eq(id))
        .filter(meeting_attendee::Column::UserId.is_not_in(users.to_vec()))
        .exec(conn)
        .await?;
    let new: Vec<_> = users
        .iter()
        .filter(|u| !current.iter().any(|c| c.user_id == **u))
        .map(|u| meeting_attendee::ActiveModel {
            meeting_id: Set(id),
            user_id: Set(*u),
            invited_at: Set(None),
        })
        .collect();
    if !new.is_empty() {
        meeting_attendee::Entity::insert_many(new).exec_without_returning(conn).await?;
    }
    Ok(())
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Meeting>> {
    Ok(meeting::Entity::find_by_id(id).one(conn).await?)
}

pub async fn areas<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Vec<i64>> {
    Ok(meeting_area::Entity::find()
        .filter(meeting_area::Column::MeetingId.eq(id))
        .select_only()
        .column(meeting_area::Column::AreaId)
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn attendees<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Vec<meeting_attendee::Model>> {
    Ok(meeting_attendee::Entity::find().filter(meeting_attendee::Column::MeetingId.eq(id)).all(conn).await?)
}

pub async fn is_attendee<C: ConnectionTrait>(conn: &C, id: i64, user_id: i64) -> StoreResult<bool> {
    Ok(meeting_attendee::Entity::find_by_id((id, user_id)).one(conn).await?.is_some())
}

pub async fn mark_invited<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    users: &[i64],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    meeting_attendee::Entity::update_many()
        .col_expr(meeting_attendee::Column::InvitedAt, Expr::value(at))
        .filter(meeting_attendee::Column::MeetingId.eq(id))
        .filter(meeting_attendee::Column::UserId.is_in(users.to_vec()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Meetings a user may see: those in any of `areas` (staff), or those they attend.
pub async fn visible<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    areas: Option<&[i64]>,
) -> StoreResult<Vec<Meeting>> {
    let attending: Vec<i64> = meeting_attendee::Entity::find()
        .filter(meeting_attendee::Column::UserId.eq(user_id))
        .select_only()
        .column(meeting_attendee::Column::MeetingId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut ids = attending;
    if let Some(areas) = areas {
        let in_areas: Vec<i64> = meeting_area::Entity::find()
            .filter(meeting_area::Column::AreaId.is_in(areas.to_vec()))
            .select_only()
            .column(meeting_area::Column::MeetingId)
            .into_tuple()
            .all(conn)
            .await?;
        ids.extend(in_areas);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(ids))
        .order_by_desc(meeting::Column::StartsAt)
        .all(conn)
        .await?)
}

/// Scheduled meetings covering `area_id` (where a case can be put or moved).
pub async fn scheduled_in_area<C: ConnectionTrait>(conn: &C, area_id: i64) -> StoreResult<Vec<Meeting>> {
    let ids: Vec<i64> = meeting_area::Entity::find()
        .filter(meeting_area::Column::AreaId.eq(area_id))
        .select_only()
        .column(meeting_area::Column::MeetingId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(ids))
        .filter(meeting::Column::Status.eq("scheduled"))
        .order_by_asc(meeting::Column::StartsAt)
        .all(conn)
        .await?)
}

pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    status: &str,
) -> StoreResult<()> {
    let update = meeting::Entity::update_many().col_expr(meeting::Column::Status, Expr::value(status));
    update_versioned(conn, update, cols(), id, version, CHANGED).await
}

pub async fn set_minutes<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    sealed: SealedChecked,
    key: &str,
) -> StoreResult<()> {
    let update = meeting::Entity::update_many()
        .col_expr(meeting::Column::MinutesSealed, Expr::value(sealed.into_bytes()))
        .col_expr(meeting::Column::SealedKey, Expr::value(key));
    update_versioned(conn, update, cols(), id, version, CHANGED).await
}

pub async fn agenda<C: ConnectionTrait>(conn: &C, meeting_id: i64) -> StoreResult<Vec<AgendaItem>> {
    Ok(agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(meeting_id))
        .order_by_asc(agenda_item::Column::Position)
        .order_by_asc(agenda_item::Column::Id)
        .all(conn)
        .await?)
}

pub async fn item<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<AgendaItem>> {
    Ok(agenda_item::Entity::find_by_id(id).one(conn).await?)
}

/// The agenda items of a case, newest first.
pub async fn items_of_case<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<AgendaItem>> {
    Ok(agenda_item::Entity::find()
        .filter(agenda_item::Column::CaseId.eq(case_id))
        .order_by_desc(agenda_item::Column::Id)
        .all(conn)
        .await?)
}

/// Puts a case at the end of the agenda.
pub async fn add_item<C: ConnectionTrait>(conn: &C, meeting_id: i64, case_id: i64) -> StoreResult<i64> {
    let last: Option<i32> = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(meeting_id))
        .select_only()
        .column_as(agenda_item::Column::Position.max(), "p")
        .into_tuple::<Option<i32>>()
        .one(conn)
        .await?
        .flatten();
    let t = now();
    let model = agenda_item::ActiveModel {
        meeting_id: Set(meeting_id),
        case_id: Set(case_id),
        position: Set(last.unwrap_or(0) + 1),
        outcome: Set(AgendaOutcome::Pending.code().into()),
        reason: Set(None),
        moved_to: Set(None),
        opened_at: Set(None),
        pack_published_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
        version: Set(1),
        ..Default::default()
    };
    agenda_item::Entity::insert(model)
        .exec(conn)
        .await
        .map(|r| r.last_insert_id)
        .map_err(|e| StoreError::unique_as_conflict(e, "The case is already on this meeting's agenda."))
}

fn item_cols() -> (agenda_item::Column, agenda_item::Column, agenda_item::Column) {
    (agenda_item::Column::Id, agenda_item::Column::Version, agenda_item::Column::UpdatedAt)
}

const ITEM_CHANGED: &str =
    "Someone else changed this agenda item since you opened it. Nothing has been saved.";

pub async fn set_outcome<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    outcome: AgendaOutcome,
    reason: Option<&str>,
    moved_to: Option<i64>,
) -> StoreResult<()> {
    let update = agenda_item::Entity::update_many()
        .col_expr(agenda_item::Column::Outcome, Expr::value(outcome.code()))
        .col_expr(agenda_item::Column::Reason, Expr::value(reason.map(str::to_string)))
        .col_expr(agenda_item::Column::MovedTo, Expr::value(moved_to));
    update_versioned(conn, update, item_cols(), id, version, ITEM_CHANGED).await
}

pub async fn set_position<C: ConnectionTrait>(conn: &C, id: i64, position: i32) -> StoreResult<()> {
    agenda_item::Entity::update_many()
        .col_expr(agenda_item::Column::Position, Expr::value(position))
        .filter(agenda_item::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Marks the case opened by the chair (once): pre-panel entries become visible.
pub async fn mark_opened<C: ConnectionTrait>(conn: &C, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
    let r = agenda_item::Entity::update_many()
        .col_expr(agenda_item::Column::OpenedAt, Expr::value(at))
        .filter(agenda_item::Column::Id.eq(id))
        .filter(agenda_item::Column::OpenedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn mark_published<C: ConnectionTrait>(conn: &C, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
    agenda_item::Entity::update_many()
        .col_expr(agenda_item::Column::PackPublishedAt, Expr::value(at))
        .filter(agenda_item::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
