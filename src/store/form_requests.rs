//! Requests for agency forms and their responses: the request row (with the link's hash, the
//! sealed recipient and the sealed identifying answers), the coded answers as rows, and the
//! reminders sent.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::codes::RequestStatus;
use crate::forms::answers::{CodedValue, Completeness};
use crate::store::entities::{case, form_answer, form_reminder, form_request};
use crate::store::{StoreError, StoreResult};

pub use crate::store::entities::form_request::Model as FormRequest;

/// Statuses still waiting for the agency.
pub const OPEN: [&str; 2] = ["requested", "in_progress"];

pub struct NewRequest {
    pub case_id: i64,
    pub area_id: i64,
    pub form_code: String,
    pub form_version: String,
    pub agency: String,
    pub agency_type: String,
    pub recipient_sealed: Vec<u8>,
    pub sealed_key: String,
    pub token_hash: String,
    pub token_expires_at: DateTime<Utc>,
    pub due_date: NaiveDate,
    pub requested_by: Option<i64>,
    pub at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(conn: &C, r: NewRequest) -> StoreResult<i64> {
    Ok(form_request::Entity::insert(new_model(r)).exec(conn).await?.last_insert_id)
}

/// A new request's row: requested, nothing answered yet.
pub(crate) fn new_model(r: NewRequest) -> form_request::ActiveModel {
    form_request::ActiveModel {
        case_id: Set(r.case_id),
        area_id: Set(r.area_id),
        form_code: Set(r.form_code),
        form_version: Set(r.form_version),
        agency: Set(r.agency),
        agency_type: Set(r.agency_type),
        recipient_sealed: Set(r.recipient_sealed),
        token_hash: Set(r.token_hash),
        token_expires_at: Set(r.token_expires_at),
        status: Set(RequestStatus::Requested.code().into()),
        due_date: Set(r.due_date),
        reminders_sent: Set(0),
        last_reminder_at: Set(None),
        escalated: Set(false),
        answers_sealed: Set(None),
        sealed_key: Set(r.sealed_key),
        answered: Set(0),
        not_known: Set(0),
        missing: Set(0),
        withdraw_reason: Set(None),
        requested_by: Set(r.requested_by),
        created_at: Set(r.at),
        opened_at: Set(None),
        submitted_at: Set(None),
        return_days: Set(None),
        submitted_by: Set(None),
        updated_at: Set(r.at),
        version: Set(1),
        ..Default::default()
    }
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<FormRequest>> {
    Ok(form_request::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_token_hash<C: ConnectionTrait>(
    conn: &C,
    hash: &str,
) -> StoreResult<Option<FormRequest>> {
    Ok(form_request::Entity::find().filter(form_request::Column::TokenHash.eq(hash)).one(conn).await?)
}

/// A case's requests, oldest first.
pub async fn for_case<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<FormRequest>> {
    Ok(form_request::Entity::find()
        .filter(form_request::Column::CaseId.eq(case_id))
        .order_by_asc(form_request::Column::Id)
        .all(conn)
        .await?)
}

/// The coded answers of a response.
pub async fn coded_answers<C: ConnectionTrait>(conn: &C, request_id: i64) -> StoreResult<Vec<CodedValue>> {
    Ok(form_answer::Entity::find()
        .filter(form_answer::Column::RequestId.eq(request_id))
        .order_by_asc(form_answer::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|a| CodedValue { item_key: a.item_key, row: a.row_no, value: a.value })
        .collect())
}

/// A response's answers as saved: the coded rows (replacing the earlier ones), the sealed
/// identifying part and the completeness figures, if the request is still at `expected_version`.
pub struct SavedResponse<'a> {
    pub coded: &'a [CodedValue],
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    pub completeness: Completeness,
    pub status: RequestStatus,
    /// Set when this save submits the form: when, the staff member (None: the agency's link), and
    /// whole days since the request.
    pub submitted: Option<(DateTime<Utc>, Option<i64>, i32)>,
    pub at: DateTime<Utc>,
}

pub async fn save_response<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    s: SavedResponse<'_>,
) -> StoreResult<()> {
    let mut update = form_request::Entity::update_many()
        .col_expr(form_request::Column::AnswersSealed, Expr::value(Some(s.sealed)))
        .col_expr(form_request::Column::SealedKey, Expr::value(s.sealed_key))
        .col_expr(form_request::Column::Answered, Expr::value(s.completeness.answered as i32))
        .col_expr(form_request::Column::NotKnown, Expr::value(s.completeness.not_known as i32))
        .col_expr(form_request::Column::Missing, Expr::value(s.completeness.missing as i32))
        .col_expr(form_request::Column::Status, Expr::value(s.status.code()));
    if let Some((at, by, days)) = s.submitted {
        update = update
            .col_expr(form_request::Column::SubmittedAt, Expr::value(Some(at)))
            .col_expr(form_request::Column::ReturnDays, Expr::value(Some(days)))
            .col_expr(form_request::Column::SubmittedBy, Expr::value(by));
    }
    bump(conn, id, expected_version, update, s.at).await?;
    form_answer::Entity::delete_many().filter(form_answer::Column::RequestId.eq(id)).exec(conn).await?;
    if !s.coded.is_empty() {
        let rows = s.coded.iter().map(|c| form_answer::ActiveModel {
            request_id: Set(id),
            item_key: Set(c.item_key.clone()),
            row_no: Set(c.row),
            value: Set(c.value.clone()),
            ..Default::default()
        });
        form_answer::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Applies `update` if the request is still at `expected_version`, raising the version.
async fn bump<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    update: sea_orm::UpdateMany<form_request::Entity>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let result = update
        .col_expr(form_request::Column::Version, Expr::col(form_request::Column::Version).add(1))
        .col_expr(form_request::Column::UpdatedAt, Expr::value(at))
        .filter(form_request::Column::Id.eq(id))
        .filter(form_request::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::Conflict(
            "These answers were changed by someone else since this page was opened. Nothing has been saved."
                .into(),
        ));
    }
    Ok(())
}

/// Replaces the link (the old one stops working) and its expiry.
pub async fn replace_token<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    hash: &str,
    expires: DateTime<Utc>,
    recipient_sealed: &[u8],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    // The recipient is sealed to the current key; the row keeps its key label, which also covers
    // the answers (a rotation re-seals both, and every identity of the keyring opens either).
    let update = form_request::Entity::update_many()
        .col_expr(form_request::Column::TokenHash, Expr::value(hash))
        .col_expr(form_request::Column::TokenExpiresAt, Expr::value(expires))
        .col_expr(form_request::Column::RecipientSealed, Expr::value(recipient_sealed.to_vec()));
    bump(conn, id, expected_version, update, at).await
}

pub async fn withdraw<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    reason: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let update = form_request::Entity::update_many()
        .col_expr(form_request::Column::Status, Expr::value(RequestStatus::Withdrawn.code()))
        .col_expr(form_request::Column::WithdrawReason, Expr::value(Some(reason.to_string())));
    bump(conn, id, expected_version, update, at).await
}

/// Changes the due date of an open request.
pub async fn set_due_date<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    due: NaiveDate,
    expires: DateTime<Utc>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let update = form_request::Entity::update_many()
        .col_expr(form_request::Column::DueDate, Expr::value(due))
        .col_expr(form_request::Column::TokenExpiresAt, Expr::value(expires));
    bump(conn, id, expected_version, update, at).await
}

/// Records the first opening of the link (later openings are audited only).
pub async fn mark_opened<C: ConnectionTrait>(conn: &C, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
    form_request::Entity::update_many()
        .col_expr(form_request::Column::OpenedAt, Expr::value(Some(at)))
        .filter(form_request::Column::Id.eq(id))
        .filter(form_request::Column::OpenedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Open requests of real (not synthetic) cases due on or before `until`, claimed for this
/// transaction: on PostgreSQL rows another instance holds are skipped (`FOR UPDATE SKIP LOCKED`),
/// so two instances never work on the same request at once.
pub async fn claim_open_due<C: ConnectionTrait>(
    conn: &C,
    until: NaiveDate,
    limit: u64,
) -> StoreResult<Vec<FormRequest>> {
    // Synthetic demonstration data never sends email: requests of synthetic cases are skipped.
    let synthetic = sea_orm::sea_query::Query::select()
        .column(case::Column::Id)
        .from(case::Entity)
        .and_where(Expr::col(case::Column::Synthetic).eq(true))
        .to_owned();
    let mut q = form_request::Entity::find()
        .filter(form_request::Column::Status.is_in(OPEN))
        .filter(form_request::Column::DueDate.lte(until))
        .filter(form_request::Column::CaseId.not_in_subquery(synthetic))
        .order_by_asc(form_request::Column::DueDate)
        .order_by_asc(form_request::Column::Id)
        .limit(limit);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(q.all(conn).await?)
}

/// Records that the reminder for `point` was sent; `false` when it already had been (by this
/// instance before a restart, or by another).
pub async fn record_reminder<C: ConnectionTrait>(
    conn: &C,
    request_id: i64,
    point: &str,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let row = form_reminder::ActiveModel {
        request_id: Set(request_id),
        point: Set(point.to_string()),
        sent_at: Set(at),
        ..Default::default()
    };
    let inserted = form_reminder::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([form_reminder::Column::RequestId, form_reminder::Column::Point])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted > 0)
}

/// Counts a reminder sent on the request.
pub async fn note_reminder<C: ConnectionTrait>(conn: &C, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
    form_request::Entity::update_many()
        .col_expr(form_request::Column::LastReminderAt, Expr::value(Some(at)))
        .col_expr(form_request::Column::RemindersSent, Expr::col(form_request::Column::RemindersSent).add(1))
        .filter(form_request::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records that the case's coordinators were told the request is still overdue.
pub async fn mark_escalated<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<()> {
    form_request::Entity::update_many()
        .col_expr(form_request::Column::Escalated, Expr::value(true))
        .filter(form_request::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// One overdue request for the Outstanding information page.
#[derive(Debug, Clone)]
pub struct Overdue {
    pub id: i64,
    pub reference: String,
    pub area_id: i64,
    pub agency: String,
    pub agency_type: String,
    pub form_code: String,
    pub due_date: NaiveDate,
    pub reminders_sent: i32,
}

/// (id, case id, area, agency, agency type, form, due date, reminders) as selected.
type OverdueColumns = (i64, i64, i64, String, String, String, NaiveDate, i32);

fn overdue_in(area_ids: &[i64], today: NaiveDate) -> sea_orm::Select<form_request::Entity> {
    form_request::Entity::find()
        .filter(form_request::Column::Status.is_in(OPEN))
        .filter(form_request::Column::DueDate.lt(today))
        .filter(form_request::Column::AreaId.is_in(area_ids.iter().copied()))
}

/// Open requests past their due date in the given areas, most overdue first (`limit` of them,
/// with their case references), and how many there are in all.
pub async fn overdue<C: ConnectionTrait>(
    conn: &C,
    area_ids: &[i64],
    today: NaiveDate,
    limit: u64,
) -> StoreResult<(Vec<Overdue>, u64)> {
    let total = sea_orm::PaginatorTrait::count(overdue_in(area_ids, today), conn).await?;
    let rows: Vec<OverdueColumns> = overdue_in(area_ids, today)
        .select_only()
        .column(form_request::Column::Id)
        .column(form_request::Column::CaseId)
        .column(form_request::Column::AreaId)
        .column(form_request::Column::Agency)
        .column(form_request::Column::AgencyType)
        .column(form_request::Column::FormCode)
        .column(form_request::Column::DueDate)
        .column(form_request::Column::RemindersSent)
        .order_by_asc(form_request::Column::DueDate)
        .order_by_asc(form_request::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    let case_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let references: Vec<(i64, String)> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::Reference)
        .filter(case::Column::Id.is_in(case_ids))
        .into_tuple()
        .all(conn)
        .await?;
    let reference_of =
        |id: i64| references.iter().find(|(c, _)| *c == id).map(|(_, r)| r.clone()).unwrap_or_default();
    Ok((
        rows.into_iter()
            .map(|(id, case_id, area_id, agency, agency_type, form_code, due_date, reminders_sent)| Overdue {
                id,
                reference: reference_of(case_id),
                area_id,
                agency,
                agency_type,
                form_code,
                due_date,
                reminders_sent,
            })
            .collect(),
        total,
    ))
}

/// Overdue requests per agency (all of them, not only the page shown), most first.
pub async fn overdue_by_agency<C: ConnectionTrait>(
    conn: &C,
    area_ids: &[i64],
    today: NaiveDate,
) -> StoreResult<Vec<(String, i64)>> {
    let mut rows: Vec<(String, i64)> = overdue_in(area_ids, today)
        .select_only()
        .column(form_request::Column::Agency)
        .column_as(form_request::Column::Id.count(), "n")
        .group_by(form_request::Column::Agency)
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(rows)
}

/// How many forms each agency returned since `since`, by whole days taken: (agency, days, count).
/// A histogram is small whatever the number of requests, and gives exact medians.
pub async fn return_days_since<C: ConnectionTrait>(
    conn: &C,
    area_ids: &[i64],
    since: DateTime<Utc>,
) -> StoreResult<Vec<(String, i32, i64)>> {
    let rows: Vec<(String, Option<i32>, i64)> = form_request::Entity::find()
        .select_only()
        .column(form_request::Column::Agency)
        .column(form_request::Column::ReturnDays)
        .column_as(form_request::Column::Id.count(), "n")
        .filter(form_request::Column::SubmittedAt.gte(since))
        .filter(form_request::Column::AreaId.is_in(area_ids.iter().copied()))
        .group_by(form_request::Column::Agency)
        .group_by(form_request::Column::ReturnDays)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(a, d, n)| d.map(|d| (a, d, n))).collect())
}

/// A case moved to another area: its requests move with it.
pub async fn move_area<C: ConnectionTrait>(conn: &C, case_id: i64, area_id: i64) -> StoreResult<()> {
    form_request::Entity::update_many()
        .col_expr(form_request::Column::AreaId, Expr::value(area_id))
        .filter(form_request::Column::CaseId.eq(case_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Requests not sealed to `key`, in batches (key rotation).
pub async fn not_sealed_to<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<FormRequest>> {
    Ok(form_request::Entity::find()
        .filter(form_request::Column::SealedKey.ne(key))
        .filter(form_request::Column::SealedKey.ne(super::retention::DESTROYED_KEY))
        .filter(form_request::Column::Id.gt(after_id))
        .order_by_asc(form_request::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

pub async fn count_not_sealed_to<C: ConnectionTrait>(conn: &C, key: &str) -> StoreResult<u64> {
    Ok(sea_orm::PaginatorTrait::count(
        form_request::Entity::find()
            .filter(form_request::Column::SealedKey.ne(key))
            .filter(form_request::Column::SealedKey.ne(super::retention::DESTROYED_KEY)),
        conn,
    )
    .await?)
}

/// Replaces both sealed records of a request (rotation), without touching its version.
pub async fn replace_sealed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    recipient: Vec<u8>,
    answers: Option<Vec<u8>>,
    key: &str,
) -> StoreResult<()> {
    form_request::Entity::update_many()
        .col_expr(form_request::Column::RecipientSealed, Expr::value(recipient))
        .col_expr(form_request::Column::AnswersSealed, Expr::value(answers))
        .col_expr(form_request::Column::SealedKey, Expr::value(key))
        .filter(form_request::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Whether every request on the case is submitted or withdrawn (and there is at least one).
pub async fn information_status<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<&'static str> {
    let statuses: Vec<String> = form_request::Entity::find()
        .select_only()
        .column(form_request::Column::Status)
        .filter(form_request::Column::CaseId.eq(case_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(if statuses.is_empty() {
        "none"
    } else if statuses.iter().any(|s| OPEN.contains(&s.as_str())) {
        "outstanding"
    } else {
        "complete"
    })
}
