//! Deprivation: the IMD decile of a case's postcode (looked up by its blind index), and backfilling
//! cases that were notified before the lookup table was loaded.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::Case;
use crate::store::StoreResult;
use crate::store::entities::case;

/// The deprivation decile for a postcode's blind index, when a lookup has been imported.
pub async fn imd_decile(conn: &impl ConnectionTrait, postcode_index: &str) -> StoreResult<Option<i32>> {
    use crate::store::entities::imd_lookup;
    Ok(imd_lookup::Entity::find_by_id(postcode_index.to_string()).one(conn).await?.map(|r| r.imd_decile))
}

/// Cases with no deprivation decile yet, by id.
pub async fn without_imd_after(
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<Case>> {
    Ok(case::Entity::find()
        .filter(case::Column::ImdDecile.is_null())
        .filter(case::Column::Id.gt(after_id))
        .order_by_asc(case::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn set_imd_decile(db: &impl ConnectionTrait, id: i64, decile: i32) -> StoreResult<()> {
    case::Entity::update_many()
        .col_expr(case::Column::ImdDecile, sea_orm::sea_query::Expr::value(Some(decile)))
        .filter(case::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Inserts or replaces deprivation deciles (postcode blind index → decile) in one statement.
pub async fn upsert_imd<C: ConnectionTrait>(conn: &C, rows: &[(String, i32)]) -> StoreResult<()> {
    use crate::store::entities::imd_lookup;
    use sea_orm::sea_query::OnConflict;
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows
        .iter()
        .map(|(idx, d)| imd_lookup::ActiveModel { postcode_index: Set(idx.clone()), imd_decile: Set(*d) });
    imd_lookup::Entity::insert_many(models)
        .on_conflict(
            OnConflict::column(imd_lookup::Column::PostcodeIndex)
                .update_column(imd_lookup::Column::ImdDecile)
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
