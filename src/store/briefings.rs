//! Learning briefings: the distribution list of each area (organisation in clear, name and email
//! sealed), briefings (title, period, theme in clear; content sealed) and who each was sent to,
//! with a hashed acknowledgement token and when it was acknowledged.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::anonymity::{Checked, SealedChecked};
use crate::store::entities::{
    analysis, analysis_answer, briefing, briefing_recipient, case, distribution_recipient,
};
use crate::store::{StoreResult, now, update_versioned};

pub type Briefing = briefing::Model;
pub type Recipient = distribution_recipient::Model;
pub type Sent = briefing_recipient::Model;

pub async fn add_recipient<C: ConnectionTrait>(
    conn: &C,
    area_id: i64,
    organisation: &str,
    sealed: Vec<u8>,
    sealed_key: &str,
) -> StoreResult<i64> {
    Ok(distribution_recipient::Entity::insert(distribution_recipient::ActiveModel {
        area_id: Set(area_id),
        organisation: Set(organisation.into()),
        sealed: Set(sealed),
        sealed_key: Set(sealed_key.into()),
        active: Set(true),
        created_at: Set(now()),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

pub async fn recipient<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Recipient>> {
    Ok(distribution_recipient::Entity::find_by_id(id).one(conn).await?)
}

/// Takes a recipient off the list (kept for the briefings already sent to them).
pub async fn deactivate_recipient<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<()> {
    distribution_recipient::Entity::update_many()
        .col_expr(distribution_recipient::Column::Active, Expr::value(false))
        .filter(distribution_recipient::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The active recipients of `area_ids`, by organisation.
pub async fn recipients<C: ConnectionTrait>(conn: &C, area_ids: &[i64]) -> StoreResult<Vec<Recipient>> {
    Ok(distribution_recipient::Entity::find()
        .filter(distribution_recipient::Column::AreaId.is_in(area_ids.to_vec()))
        .filter(distribution_recipient::Column::Active.eq(true))
        .order_by_asc(distribution_recipient::Column::Organisation)
        .order_by_asc(distribution_recipient::Column::Id)
        .all(conn)
        .await?)
}

/// Analyses signed off for cases of `area_id` whose review was completed between `from` and
/// `to` (inclusive), carrying `theme` when given: (case id, analysis).
pub async fn signed_analyses<C: ConnectionTrait>(
    conn: &C,
    area_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    theme: Option<&str>,
) -> StoreResult<Vec<analysis::Model>> {
    let cases = Query::select()
        .column(case::Column::Id)
        .from(case::Entity)
        .and_where(case::Column::AreaId.eq(area_id))
        .and_where(case::Column::ReviewCompletedOn.gte(from))
        .and_where(case::Column::ReviewCompletedOn.lte(to))
        .to_owned();
    let mut q = analysis::Entity::find()
        .filter(analysis::Column::Status.eq("signed"))
        .filter(analysis::Column::CaseId.in_subquery(cases));
    if let Some(theme) = theme {
        q = q.filter(
            analysis::Column::Id.in_subquery(
                Query::select()
                    .column(analysis_answer::Column::AnalysisId)
                    .from(analysis_answer::Entity)
                    .and_where(analysis_answer::Column::ItemKey.eq("themes"))
                    .and_where(analysis_answer::Column::Value.eq(theme))
                    .to_owned(),
            ),
        );
    }
    Ok(q.order_by_asc(analysis::Column::CaseId).all(conn).await?)
}

pub struct NewBriefing {
    pub area_id: i64,
    /// Read by chairs and partner agencies: checked for identifiers, like the sealed content.
    pub title: Checked,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub theme: Option<String>,
    pub sealed: SealedChecked,
    pub sealed_key: String,
    pub created_by: Option<i64>,
}

pub async fn insert<C: ConnectionTrait>(conn: &C, b: NewBriefing) -> StoreResult<i64> {
    let t = now();
    Ok(briefing::Entity::insert(briefing::ActiveModel {
        area_id: Set(b.area_id),
        title: Set(b.title.as_str().to_string()),
        period_from: Set(b.period_from),
        period_to: Set(b.period_to),
        theme: Set(b.theme),
        status: Set("draft".into()),
        sealed: Set(b.sealed.into_bytes()),
        sealed_key: Set(b.sealed_key),
        created_by: Set(b.created_by),
        created_at: Set(t),
        sent_at: Set(None),
        updated_at: Set(t),
        version: Set(1),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Briefing>> {
    Ok(briefing::Entity::find_by_id(id).one(conn).await?)
}

/// Briefings of `area_ids`, newest first.
pub async fn list<C: ConnectionTrait>(conn: &C, area_ids: &[i64]) -> StoreResult<Vec<Briefing>> {
    Ok(briefing::Entity::find()
        .filter(briefing::Column::AreaId.is_in(area_ids.to_vec()))
        .order_by_desc(briefing::Column::Id)
        .all(conn)
        .await?)
}

/// Saves a draft's title and sealed content if still at `version`.
pub async fn save<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    title: &Checked,
    sealed: SealedChecked,
    sealed_key: &str,
) -> StoreResult<()> {
    update_versioned(
        conn,
        briefing::Entity::update_many()
            .col_expr(briefing::Column::Title, Expr::value(title.as_str()))
            .col_expr(briefing::Column::Sealed, Expr::value(sealed.into_bytes()))
            .col_expr(briefing::Column::SealedKey, Expr::value(sealed_key))
            .filter(briefing::Column::Status.eq("draft")),
        (briefing::Column::Id, briefing::Column::Version, briefing::Column::UpdatedAt),
        id,
        version,
        "Someone else changed or sent this briefing while you were editing it.",
    )
    .await
}

/// Marks a draft sent if still at `version`.
pub async fn mark_sent<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    update_versioned(
        conn,
        briefing::Entity::update_many()
            .col_expr(briefing::Column::Status, Expr::value("sent"))
            .col_expr(briefing::Column::SentAt, Expr::value(Some(at)))
            .filter(briefing::Column::Status.eq("draft")),
        (briefing::Column::Id, briefing::Column::Version, briefing::Column::UpdatedAt),
        id,
        version,
        "Someone else changed or sent this briefing while you were looking at it.",
    )
    .await
}

pub async fn add_sent<C: ConnectionTrait>(
    conn: &C,
    briefing_id: i64,
    recipient_id: i64,
    token_hash: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    briefing_recipient::Entity::insert(briefing_recipient::ActiveModel {
        briefing_id: Set(briefing_id),
        recipient_id: Set(recipient_id),
        token_hash: Set(token_hash.into()),
        sent_at: Set(at),
        acknowledged_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Who a briefing went to.
pub async fn sent_to<C: ConnectionTrait>(conn: &C, briefing_id: i64) -> StoreResult<Vec<Sent>> {
    Ok(briefing_recipient::Entity::find()
        .filter(briefing_recipient::Column::BriefingId.eq(briefing_id))
        .order_by_asc(briefing_recipient::Column::Id)
        .all(conn)
        .await?)
}

pub async fn by_token_hash<C: ConnectionTrait>(conn: &C, hash: &str) -> StoreResult<Option<Sent>> {
    Ok(briefing_recipient::Entity::find()
        .filter(briefing_recipient::Column::TokenHash.eq(hash))
        .one(conn)
        .await?)
}

/// Records the acknowledgement; `false` when it had already been recorded.
pub async fn acknowledge<C: ConnectionTrait>(conn: &C, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
    let r = briefing_recipient::Entity::update_many()
        .col_expr(briefing_recipient::Column::AcknowledgedAt, Expr::value(Some(at)))
        .filter(briefing_recipient::Column::Id.eq(id))
        .filter(briefing_recipient::Column::AcknowledgedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Replaces a recipient's link (a reminder carries a new one; the old one stops working).
pub async fn replace_token<C: ConnectionTrait>(conn: &C, id: i64, hash: &str) -> StoreResult<()> {
    briefing_recipient::Entity::update_many()
        .col_expr(briefing_recipient::Column::TokenHash, Expr::value(hash))
        .filter(briefing_recipient::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Recipients who have not acknowledged, claimed for this transaction (other instances skip them).
pub async fn claim_unacknowledged<C: ConnectionTrait>(
    conn: &C,
    sent_before: DateTime<Utc>,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<Sent>> {
    let mut q = briefing_recipient::Entity::find()
        .filter(briefing_recipient::Column::AcknowledgedAt.is_null())
        .filter(briefing_recipient::Column::SentAt.lt(sent_before))
        .filter(briefing_recipient::Column::Id.gt(after_id))
        .order_by_asc(briefing_recipient::Column::Id)
        .limit(limit);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(q.all(conn).await?)
}
