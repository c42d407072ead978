//! Analyses: one row per revision of a case's Analysis Form (a signed revision is never changed;
//! an amendment is a new revision), with the coded outcome in clear columns, the coded answers as
//! rows (factor domains and grades, themes, ICD-10 codes) and the narratives sealed.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::anonymity::SealedChecked;
use crate::domain::codes::AnalysisStatus;
use crate::forms::answers::CodedValue;
use crate::store::entities::{analysis, analysis_answer};
use crate::store::{StoreResult, update_versioned};

pub use crate::store::entities::analysis::Model as Analysis;

const CHANGED: &str =
    "Someone else saved this analysis since you opened it. Your answers are below, not yet saved.";

fn cols() -> (analysis::Column, analysis::Column, analysis::Column) {
    (analysis::Column::Id, analysis::Column::Version, analysis::Column::UpdatedAt)
}

/// The case's latest revision.
pub async fn latest<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Option<Analysis>> {
    Ok(analysis::Entity::find()
        .filter(analysis::Column::CaseId.eq(case_id))
        .order_by_desc(analysis::Column::Revision)
        .one(conn)
        .await?)
}

/// Every revision of the case's analysis, oldest first.
pub async fn revisions<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<Analysis>> {
    Ok(analysis::Entity::find()
        .filter(analysis::Column::CaseId.eq(case_id))
        .order_by_asc(analysis::Column::Revision)
        .all(conn)
        .await?)
}

pub struct NewRevision {
    pub case_id: i64,
    pub revision: i32,
    pub form_version: String,
    /// The narratives, read by the chair: checked for identifiers before sealing.
    pub sealed: Option<SealedChecked>,
    pub sealed_key: String,
    pub category: Option<String>,
    pub modifiable: Option<String>,
    pub by: Option<i64>,
    pub at: DateTime<Utc>,
}

/// Starts a draft revision (the first, or an amendment carrying the signed answers over).
pub async fn insert<C: ConnectionTrait>(conn: &C, r: NewRevision, coded: &[CodedValue]) -> StoreResult<i64> {
    let id = analysis::Entity::insert(analysis::ActiveModel {
        case_id: Set(r.case_id),
        revision: Set(r.revision),
        form_version: Set(r.form_version),
        status: Set(AnalysisStatus::Draft.code().into()),
        category: Set(r.category),
        modifiable: Set(r.modifiable),
        sealed: Set(r.sealed.map(SealedChecked::into_bytes)),
        sealed_key: Set(r.sealed_key),
        signed_by: Set(None),
        signed_at: Set(None),
        created_by: Set(r.by),
        created_at: Set(r.at),
        updated_by: Set(r.by),
        updated_at: Set(r.at),
        version: Set(1),
        ..Default::default()
    })
    .exec(conn)
    .await
    .map_err(|e| {
        crate::store::StoreError::unique_as_conflict(
            e,
            "Someone else started this analysis at the same time. Open it again.",
        )
    })?
    .last_insert_id;
    replace_answers(conn, id, coded).await?;
    Ok(id)
}

pub async fn coded_answers<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Vec<CodedValue>> {
    Ok(analysis_answer::Entity::find()
        .filter(analysis_answer::Column::AnalysisId.eq(id))
        .order_by_asc(analysis_answer::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|a| CodedValue { item_key: a.item_key, row: a.row_no, value: a.value })
        .collect())
}

async fn replace_answers<C: ConnectionTrait>(conn: &C, id: i64, coded: &[CodedValue]) -> StoreResult<()> {
    analysis_answer::Entity::delete_many()
        .filter(analysis_answer::Column::AnalysisId.eq(id))
        .exec(conn)
        .await?;
    if !coded.is_empty() {
        let rows = coded.iter().map(|c| analysis_answer::ActiveModel {
            analysis_id: Set(id),
            item_key: Set(c.item_key.clone()),
            row_no: Set(c.row),
            value: Set(c.value.clone()),
            ..Default::default()
        });
        analysis_answer::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

pub struct Saved<'a> {
    pub coded: &'a [CodedValue],
    pub sealed: SealedChecked,
    pub sealed_key: String,
    pub category: Option<String>,
    pub modifiable: Option<String>,
    pub by: Option<i64>,
}

/// Saves a draft revision if it is still a draft at `version`.
pub async fn save<C: ConnectionTrait>(conn: &C, id: i64, version: i64, s: Saved<'_>) -> StoreResult<()> {
    let update = analysis::Entity::update_many()
        .col_expr(analysis::Column::Sealed, Expr::value(Some(s.sealed.into_bytes())))
        .col_expr(analysis::Column::SealedKey, Expr::value(s.sealed_key))
        .col_expr(analysis::Column::Category, Expr::value(s.category))
        .col_expr(analysis::Column::Modifiable, Expr::value(s.modifiable))
        .col_expr(analysis::Column::UpdatedBy, Expr::value(s.by))
        .filter(analysis::Column::Status.eq(AnalysisStatus::Draft.code()));
    update_versioned(conn, update, cols(), id, version, CHANGED).await?;
    replace_answers(conn, id, s.coded).await
}

/// Marks a revision imported from a panel's previous system as signed off there on `at`
/// (no signer in this service).
pub async fn sign_imported<C: ConnectionTrait>(conn: &C, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
    analysis::Entity::update_many()
        .col_expr(analysis::Column::Status, Expr::value(AnalysisStatus::Signed.code()))
        .col_expr(analysis::Column::SignedAt, Expr::value(Some(at)))
        .filter(analysis::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Signs a draft revision off at `version`.
pub async fn sign<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    by: i64,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let update = analysis::Entity::update_many()
        .col_expr(analysis::Column::Status, Expr::value(AnalysisStatus::Signed.code()))
        .col_expr(analysis::Column::SignedBy, Expr::value(Some(by)))
        .col_expr(analysis::Column::SignedAt, Expr::value(Some(at)))
        .filter(analysis::Column::Status.eq(AnalysisStatus::Draft.code()));
    update_versioned(conn, update, cols(), id, version, CHANGED).await
}

/// Marks the earlier signed revisions of a case superseded by a newly signed amendment.
pub async fn supersede_before<C: ConnectionTrait>(conn: &C, case_id: i64, revision: i32) -> StoreResult<()> {
    analysis::Entity::update_many()
        .col_expr(analysis::Column::Status, Expr::value(AnalysisStatus::Superseded.code()))
        .filter(analysis::Column::CaseId.eq(case_id))
        .filter(analysis::Column::Revision.lt(revision))
        .filter(analysis::Column::Status.eq(AnalysisStatus::Signed.code()))
        .exec(conn)
        .await?;
    Ok(())
}
