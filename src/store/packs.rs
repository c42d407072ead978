//! Anonymised case packs: the summary staff write (sealed) and the agency narratives after
//! redaction (sealed), each checked by a person before it may enter a pack.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::anonymity::SealedChecked;
use crate::domain::codes::NarrativeStatus;
use crate::store::entities::{case_pack, pack_narrative};
use crate::store::{StoreError, StoreResult, update_versioned};

pub use crate::store::entities::case_pack::Model as CasePack;
pub use crate::store::entities::pack_narrative::Model as PackNarrative;

const CHANGED: &str = "Someone else changed this since you opened it. Your text is below, not yet saved.";

pub async fn summary<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Option<CasePack>> {
    Ok(case_pack::Entity::find().filter(case_pack::Column::CaseId.eq(case_id)).one(conn).await?)
}

/// Saves the summary: creates it when `version` is 0, else updates it if still at `version`.
pub async fn save_summary<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    version: i64,
    sealed: SealedChecked,
    key: &str,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let sealed = sealed.into_bytes();
    match summary(conn, case_id).await? {
        None if version == 0 => {
            case_pack::Entity::insert(case_pack::ActiveModel {
                case_id: Set(case_id),
                summary_sealed: Set(Some(sealed)),
                sealed_key: Set(key.into()),
                updated_by: Set(by),
                updated_at: Set(at),
                version: Set(1),
                ..Default::default()
            })
            .exec(conn)
            .await
            .map_err(|e| StoreError::unique_as_conflict(e, CHANGED))?;
            Ok(())
        }
        Some(p) => {
            let update = case_pack::Entity::update_many()
                .col_expr(case_pack::Column::SummarySealed, Expr::value(Some(sealed)))
                .col_expr(case_pack::Column::SealedKey, Expr::value(key))
                .col_expr(case_pack::Column::UpdatedBy, Expr::value(by));
            let cols = (case_pack::Column::Id, case_pack::Column::Version, case_pack::Column::UpdatedAt);
            update_versioned(conn, update, cols, p.id, version, CHANGED).await
        }
        None => Err(StoreError::Conflict(CHANGED.into())),
    }
}

pub async fn narratives<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<PackNarrative>> {
    Ok(pack_narrative::Entity::find()
        .filter(pack_narrative::Column::CaseId.eq(case_id))
        .order_by_asc(pack_narrative::Column::RequestId)
        .order_by_asc(pack_narrative::Column::Id)
        .all(conn)
        .await?)
}

pub async fn narrative<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<PackNarrative>> {
    Ok(pack_narrative::Entity::find_by_id(id).one(conn).await?)
}

/// A narrative as redacted from its source.
pub struct Redacted {
    pub case_id: i64,
    pub request_id: i64,
    pub item_key: String,
    pub row_no: i32,
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    pub source_hash: String,
    pub redactions: i32,
    pub at: DateTime<Utc>,
}

/// Stores a newly redacted narrative, or replaces one whose source changed (it must then be
/// checked again). One statement, so two coordinators preparing at once cannot both insert.
pub async fn upsert<C: ConnectionTrait>(conn: &C, r: Redacted) -> StoreResult<()> {
    let row = pack_narrative::ActiveModel {
        case_id: Set(r.case_id),
        request_id: Set(r.request_id),
        item_key: Set(r.item_key),
        row_no: Set(r.row_no),
        status: Set(NarrativeStatus::Pending.code().into()),
        sealed: Set(r.sealed),
        sealed_key: Set(r.sealed_key),
        source_hash: Set(r.source_hash),
        redactions: Set(r.redactions),
        confirmed_by: Set(None),
        confirmed_at: Set(None),
        updated_at: Set(r.at),
        version: Set(1),
        ..Default::default()
    };
    pack_narrative::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                pack_narrative::Column::CaseId,
                pack_narrative::Column::RequestId,
                pack_narrative::Column::ItemKey,
                pack_narrative::Column::RowNo,
            ])
            .update_columns([
                pack_narrative::Column::Status,
                pack_narrative::Column::Sealed,
                pack_narrative::Column::SealedKey,
                pack_narrative::Column::SourceHash,
                pack_narrative::Column::Redactions,
                pack_narrative::Column::ConfirmedBy,
                pack_narrative::Column::ConfirmedAt,
                pack_narrative::Column::UpdatedAt,
            ])
            .value(
                pack_narrative::Column::Version,
                Expr::col((pack_narrative::Entity, pack_narrative::Column::Version)).add(1),
            )
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A person's decision on a narrative: confirmed for the pack (its text passed the identifier
/// check, since panel members read it), or left out (kept sealed for staff only).
pub enum Decision {
    Confirmed(SealedChecked),
    Excluded(Vec<u8>),
}

/// Records a person's check of a narrative (the text as they left it, confirmed or left out).
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    version: i64,
    decision: Decision,
    key: &str,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let (status, sealed) = match decision {
        Decision::Confirmed(s) => (NarrativeStatus::Confirmed, s.into_bytes()),
        Decision::Excluded(s) => (NarrativeStatus::Excluded, s),
    };
    let update = pack_narrative::Entity::update_many()
        .col_expr(pack_narrative::Column::Status, Expr::value(status.code()))
        .col_expr(pack_narrative::Column::Sealed, Expr::value(sealed))
        .col_expr(pack_narrative::Column::SealedKey, Expr::value(key))
        .col_expr(pack_narrative::Column::ConfirmedBy, Expr::value(by))
        .col_expr(pack_narrative::Column::ConfirmedAt, Expr::value(Some(at)));
    let cols =
        (pack_narrative::Column::Id, pack_narrative::Column::Version, pack_narrative::Column::UpdatedAt);
    update_versioned(conn, update, cols, id, version, CHANGED).await
}
