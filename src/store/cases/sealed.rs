//! The sealed records of cases in bulk: for key rotation (records not yet sealed to a key, in
//! batches) and for the identifier check (the sealed records of a batch or an area).

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::Case;
use crate::store::StoreResult;
use crate::store::entities::case;

/// A batch of cases not sealed to `key` (for rotation), by id.
pub async fn not_sealed_to(
    db: &impl ConnectionTrait,
    key: &str,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<Case>> {
    Ok(not_sealed_to_query(key)
        .filter(case::Column::Id.gt(after_id))
        .order_by_asc(case::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Cases whose record exists and is sealed to another key than `key`.
fn not_sealed_to_query(key: &str) -> sea_orm::Select<case::Entity> {
    case::Entity::find()
        .filter(case::Column::SealedKey.ne(key))
        .filter(case::Column::SealedKey.ne(crate::store::retention::DESTROYED_KEY))
}

pub async fn count_not_sealed_to(db: &impl ConnectionTrait, key: &str) -> StoreResult<u64> {
    Ok(not_sealed_to_query(key).count(db).await?)
}

/// Every case still holding its sealed record, in id order, in batches (for `cdop keys verify`).
pub async fn batch_after(db: &impl ConnectionTrait, after_id: i64, limit: u64) -> StoreResult<Vec<Case>> {
    Ok(case::Entity::find()
        .filter(case::Column::SealedKey.ne(crate::store::retention::DESTROYED_KEY))
        .filter(case::Column::Id.gt(after_id))
        .order_by_asc(case::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The sealed identity of every case in the areas whose identifying data still exists, in id
/// order: for checking a text that is not about one case (a saved report's name) against every
/// child the areas know.
/// The sealed identity records of the cases `ids` (whose data was not destroyed), read in
/// chunks so a batch of thousands stays within every database's limit on parameters.
pub async fn sealed_of(db: &impl ConnectionTrait, ids: &[i64]) -> StoreResult<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            case::Entity::find()
                .select_only()
                .column(case::Column::Sealed)
                .filter(case::Column::Id.is_in(chunk.iter().copied()))
                .filter(case::Column::DestroyedAt.is_null())
                .into_tuple::<Vec<u8>>()
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

pub async fn sealed_in_areas(db: &impl ConnectionTrait, areas: &[i64]) -> StoreResult<Vec<Vec<u8>>> {
    Ok(case::Entity::find()
        .select_only()
        .column(case::Column::Sealed)
        .filter(case::Column::AreaId.is_in(areas.iter().copied()))
        .filter(case::Column::DestroyedAt.is_null())
        .order_by_asc(case::Column::Id)
        .into_tuple::<Vec<u8>>()
        .all(db)
        .await?)
}
