//! Short-lived results of POSTs shown after a redirect (post/redirect/get): an NHS-number search
//! (the matching case ids), a reveal (the case reference). The URL carries a random id; the
//! table keeps its SHA-256, the user it belongs to and coded data only.

use chrono::TimeDelta;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::crypto::secrets;
use crate::store::entities::short_result;
use crate::store::{StoreResult, now};

/// Stores a result for `user_id`; returns the id to put in the URL.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    kind: &str,
    payload: &str,
    keep_for: TimeDelta,
) -> StoreResult<String> {
    let t = now();
    short_result::Entity::delete_many().filter(short_result::Column::ExpiresAt.lte(t)).exec(conn).await?;
    let id = secrets::random_token();
    let model = short_result::ActiveModel {
        id_hash: Set(secrets::digest(&id)),
        user_id: Set(user_id),
        kind: Set(kind.to_string()),
        payload: Set(payload.to_string()),
        consumed: Set(false),
        created_at: Set(t),
        expires_at: Set(t + keep_for),
    };
    short_result::Entity::insert(model).exec_without_returning(conn).await?;
    Ok(id)
}

/// The payload of this user's unexpired result of `kind`.
pub async fn get<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    user_id: i64,
    kind: &str,
) -> StoreResult<Option<String>> {
    Ok(find(conn, id, user_id, kind).await?.map(|r| r.payload))
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    user_id: i64,
    kind: &str,
) -> StoreResult<Option<short_result::Model>> {
    if id.is_empty() || id.len() > 100 {
        return Ok(None);
    }
    Ok(short_result::Entity::find_by_id(secrets::digest(id))
        .filter(short_result::Column::UserId.eq(user_id))
        .filter(short_result::Column::Kind.eq(kind))
        .filter(short_result::Column::ExpiresAt.gt(now()))
        .one(conn)
        .await?)
}

/// Takes a one-time result: its payload the first time, `None` afterwards.
pub async fn take<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    user_id: i64,
    kind: &str,
) -> StoreResult<Option<String>> {
    let Some(found) = find(conn, id, user_id, kind).await? else { return Ok(None) };
    let r = short_result::Entity::update_many()
        .col_expr(short_result::Column::Consumed, true.into())
        .filter(short_result::Column::IdHash.eq(found.id_hash.as_str()))
        .filter(short_result::Column::Consumed.eq(false))
        .exec(conn)
        .await?;
    Ok((r.rows_affected == 1).then_some(found.payload))
}

/// Deletes expired results.
pub async fn sweep<C: ConnectionTrait>(conn: &C) -> StoreResult<u64> {
    Ok(short_result::Entity::delete_many()
        .filter(short_result::Column::ExpiresAt.lte(now()))
        .exec(conn)
        .await?
        .rows_affected)
}
