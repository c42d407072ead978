//! Earlier versions of a notification, kept when it is amended or a duplicate is merged into it.

use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::store::entities::case_version;
use crate::store::{StoreResult, now};

pub use crate::store::entities::case_version::Model as CaseVersion;

pub struct NewVersion<'a> {
    pub case_id: i64,
    pub version: i64,
    pub kind: &'a str,
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    pub coded: String,
    pub fields: String,
    pub changed_by: Option<i64>,
}

pub async fn insert<C: ConnectionTrait>(conn: &C, v: NewVersion<'_>) -> StoreResult<i64> {
    let model = case_version::ActiveModel {
        case_id: Set(v.case_id),
        version: Set(v.version),
        kind: Set(v.kind.to_string()),
        sealed: Set(v.sealed),
        sealed_key: Set(v.sealed_key),
        coded: Set(v.coded),
        fields: Set(v.fields.chars().take(1000).collect()),
        changed_by: Set(v.changed_by),
        changed_at: Set(now()),
        ..Default::default()
    };
    Ok(case_version::Entity::insert(model).exec(conn).await?.last_insert_id)
}

/// A case's kept versions, oldest first.
pub async fn for_case<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<CaseVersion>> {
    Ok(case_version::Entity::find()
        .filter(case_version::Column::CaseId.eq(case_id))
        .order_by_asc(case_version::Column::Version)
        .all(conn)
        .await?)
}

/// A batch of kept versions after `after_id` (for key rotation and verification).
pub async fn batch_after<C: ConnectionTrait>(
    conn: &C,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<CaseVersion>> {
    use sea_orm::QuerySelect;
    Ok(case_version::Entity::find()
        .filter(case_version::Column::Id.gt(after_id))
        .order_by_asc(case_version::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

pub async fn replace_sealed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    sealed: Vec<u8>,
    key: &str,
) -> StoreResult<()> {
    case_version::Entity::update_many()
        .col_expr(case_version::Column::Sealed, sea_orm::sea_query::Expr::value(sealed))
        .col_expr(case_version::Column::SealedKey, key.into())
        .filter(case_version::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Kept versions not sealed to `key` (for rotation), by id.
pub async fn not_sealed_to<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<CaseVersion>> {
    use sea_orm::QuerySelect;
    Ok(case_version::Entity::find()
        .filter(case_version::Column::SealedKey.ne(key))
        .filter(case_version::Column::Id.gt(after_id))
        .order_by_asc(case_version::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

pub async fn count_not_sealed_to<C: ConnectionTrait>(conn: &C, key: &str) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(case_version::Entity::find().filter(case_version::Column::SealedKey.ne(key)).count(conn).await?)
}
