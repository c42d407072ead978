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
