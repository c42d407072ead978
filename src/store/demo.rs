//! Bulk writes for synthetic demonstration data (`cdop demo seed`): a case's agency requests with
//! their responses as they stand, and the case's review state, written directly in one statement
//! each instead of replaying every step of the workflow. Real data never comes through here.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::forms::answers::{CodedValue, Completeness};
use crate::store::StoreResult;
use crate::store::cases::Durations;
use crate::store::entities::{case, form_answer, form_request};
use crate::store::form_requests::{self, NewRequest};

/// One agency's request and its response as it stands.
pub struct SeededRequest {
    pub request: NewRequest,
    pub status: String,
    pub withdraw_reason: Option<String>,
    pub answers_sealed: Option<Vec<u8>>,
    pub coded: Vec<CodedValue>,
    pub completeness: Completeness,
    pub submitted_at: Option<DateTime<Utc>>,
    pub return_days: Option<i32>,
}

/// Inserts the requests, then all their coded answers in a few multi-row statements.
pub async fn insert_requests<C: ConnectionTrait>(conn: &C, rows: Vec<SeededRequest>) -> StoreResult<()> {
    let mut answers = Vec::new();
    for r in rows {
        let updated = r.submitted_at.unwrap_or(r.request.at);
        let mut model = form_requests::new_model(r.request);
        model.status = Set(r.status);
        model.withdraw_reason = Set(r.withdraw_reason);
        model.answers_sealed = Set(r.answers_sealed);
        model.answered = Set(r.completeness.answered as i32);
        model.not_known = Set(r.completeness.not_known as i32);
        model.missing = Set(r.completeness.missing as i32);
        model.submitted_at = Set(r.submitted_at);
        model.return_days = Set(r.return_days);
        model.updated_at = Set(updated);
        let id = form_request::Entity::insert(model).exec(conn).await?.last_insert_id;
        answers.extend(r.coded.into_iter().map(|c| form_answer::ActiveModel {
            request_id: Set(id),
            item_key: Set(c.item_key),
            row_no: Set(c.row),
            value: Set(c.value),
            ..Default::default()
        }));
    }
    // Four bound values a row: well inside SQLite's limit of 32,766 per statement.
    while !answers.is_empty() {
        let rest = answers.split_off(answers.len().min(2_000));
        let chunk = std::mem::replace(&mut answers, rest);
        form_answer::Entity::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Where a synthetic case's review stands.
pub struct ReviewState {
    pub status: String,
    pub information_status: String,
    pub review_completed_on: Option<NaiveDate>,
    pub durations: Durations,
    pub closed_on: Option<NaiveDate>,
}

/// Sets a synthetic case's review state in one statement (raising its version, as an edit would).
pub async fn set_review_state<C: ConnectionTrait>(conn: &C, case_id: i64, s: ReviewState) -> StoreResult<()> {
    use sea_orm::ExprTrait;
    case::Entity::update_many()
        .col_expr(case::Column::Status, Expr::value(s.status))
        .col_expr(case::Column::InformationStatus, Expr::value(s.information_status))
        .col_expr(case::Column::ReviewCompletedOn, Expr::value(s.review_completed_on))
        .col_expr(case::Column::DaysToNotification, Expr::value(s.durations.to_notification))
        .col_expr(case::Column::DaysToCdrm, Expr::value(s.durations.to_cdrm))
        .col_expr(case::Column::DaysToPanel, Expr::value(s.durations.to_panel))
        .col_expr(case::Column::DaysToReview, Expr::value(s.durations.to_review))
        .col_expr(
            case::Column::DeathMonth,
            Expr::value(
                s.review_completed_on.and_then(|on| super::cases::death_month(on, s.durations.to_review)),
            ),
        )
        .col_expr(case::Column::ClosedOn, Expr::value(s.closed_on))
        .col_expr(case::Column::Version, Expr::col(case::Column::Version).add(1))
        .filter(case::Column::Id.eq(case_id))
        .filter(case::Column::Synthetic.eq(true))
        .exec(conn)
        .await?;
    Ok(())
}
