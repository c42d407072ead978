//! Drafts of forms: the typed values sealed as one age record, owned by one user, expiring.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::store::entities::draft;
use crate::store::{StoreResult, now};

pub use crate::store::entities::draft::Model as Draft;

/// Saves a sealed draft: updates `id` when it is this user's, otherwise inserts. Returns the id.
pub async fn save<C: ConnectionTrait>(
    conn: &C,
    id: Option<i64>,
    user_id: i64,
    kind: &str,
    sealed: Vec<u8>,
    sealed_key: String,
    keep_for: TimeDelta,
) -> StoreResult<i64> {
    let t = now();
    if let Some(id) = id
        && find(conn, id, user_id).await?.is_some()
    {
        draft::Entity::update_many()
            .col_expr(draft::Column::Sealed, sealed.into())
            .col_expr(draft::Column::SealedKey, sealed_key.into())
            .col_expr(draft::Column::UpdatedAt, t.into())
            .col_expr(draft::Column::ExpiresAt, (t + keep_for).into())
            .filter(draft::Column::Id.eq(id))
            .exec(conn)
            .await?;
        return Ok(id);
    }
    let model = draft::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_string()),
        sealed: Set(sealed),
        sealed_key: Set(sealed_key),
        created_at: Set(t),
        updated_at: Set(t),
        expires_at: Set(t + keep_for),
        ..Default::default()
    };
    Ok(draft::Entity::insert(model).exec(conn).await?.last_insert_id)
}

/// This user's draft, unless it has expired.
pub async fn find<C: ConnectionTrait>(conn: &C, id: i64, user_id: i64) -> StoreResult<Option<Draft>> {
    Ok(draft::Entity::find_by_id(id)
        .filter(draft::Column::UserId.eq(user_id))
        .filter(draft::Column::ExpiresAt.gt(now()))
        .one(conn)
        .await?)
}

/// This user's live drafts, newest first.
pub async fn for_user<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<Vec<Draft>> {
    Ok(draft::Entity::find()
        .filter(draft::Column::UserId.eq(user_id))
        .filter(draft::Column::ExpiresAt.gt(now()))
        .order_by_desc(draft::Column::UpdatedAt)
        .all(conn)
        .await?)
}

pub async fn delete<C: ConnectionTrait>(conn: &C, id: i64, user_id: i64) -> StoreResult<bool> {
    let r = draft::Entity::delete_many()
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Deletes drafts that expired before `at`; returns how many.
pub async fn sweep<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>) -> StoreResult<u64> {
    Ok(draft::Entity::delete_many().filter(draft::Column::ExpiresAt.lte(at)).exec(conn).await?.rows_affected)
}
