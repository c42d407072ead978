//! API tokens: shown once, stored as a SHA-256 digest, optionally expiring, revocable.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::crypto::secrets::{digest, random_token};
use crate::store::entities::api_token;
use crate::store::{StoreError, StoreResult, now};

pub use crate::store::entities::api_token::Model as ApiToken;

/// Every token starts with this, so leaked tokens are easy to recognise and scan for.
pub const PREFIX: &str = "cdop_";

pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    name: &str,
    created_by: i64,
    expires_at: Option<DateTime<Utc>>,
) -> StoreResult<(String, ApiToken)> {
    let token = format!("{PREFIX}{}", random_token());
    let model = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.trim().to_string()),
        token_hash: Set(digest(&token)),
        prefix: Set(token.chars().take(12).collect()),
        created_by: Set(created_by),
        created_at: Set(now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((token, model))
}

/// The live token matching `token`, if any (not revoked, not expired).
pub async fn authenticate<C: ConnectionTrait>(conn: &C, token: &str) -> StoreResult<Option<ApiToken>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(found) =
        api_token::Entity::find().filter(api_token::Column::TokenHash.eq(digest(token))).one(conn).await?
    else {
        return Ok(None);
    };
    let t = now();
    if found.revoked_at.is_some() || found.expires_at.is_some_and(|e| e <= t) {
        return Ok(None);
    }
    // Record use at most once a minute per token.
    if found.last_used_at.is_none_or(|u| (t - u).num_seconds() >= 60) {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, sea_orm::sea_query::Expr::value(Some(t)))
            .filter(api_token::Column::Id.eq(found.id))
            .exec(conn)
            .await?;
    }
    Ok(Some(found))
}

pub async fn list_for_user<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<Vec<ApiToken>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(conn)
        .await?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<ApiToken>> {
    Ok(api_token::Entity::find_by_id(id).one(conn).await?)
}

pub async fn revoke<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<()> {
    let Some(found) = find(conn, id).await? else { return Err(StoreError::NotFound) };
    if found.revoked_at.is_none() {
        let mut active: api_token::ActiveModel = found.into();
        active.revoked_at = Set(Some(now()));
        active.update(conn).await?;
    }
    Ok(())
}

/// Revokes every live token of `user_id` (a password or two-factor reset); how many.
pub async fn revoke_all_for_user<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<u64> {
    use sea_orm::sea_query::Expr;
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now())))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}
