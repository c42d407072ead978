//! Progress on actions: each update an owner reports (through their link or an account) is kept,
//! its note sealed; the owner's link is found by its hash on the action.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{StoreResult, stmt};
use crate::store::actions::Action;
use crate::store::entities::action;

#[derive(Debug, Clone, FromQueryResult)]
pub struct Update {
    pub id: i64,
    pub status: String,
    pub sealed: Option<Vec<u8>>,
    pub source: String,
    pub user_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub struct NewUpdate<'a> {
    pub action_id: i64,
    pub status: &'a str,
    pub sealed: Option<Vec<u8>>,
    pub sealed_key: &'a str,
    pub source: &'a str,
    pub user_id: Option<i64>,
    pub at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(conn: &C, u: NewUpdate<'_>) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn,
        "INSERT INTO action_updates (action_id, status, sealed, sealed_key, source, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            u.action_id.into(),
            u.status.into(),
            u.sealed.into(),
            u.sealed_key.into(),
            u.source.into(),
            u.user_id.into(),
            u.at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// An action's updates, oldest first.
pub async fn for_action<C: ConnectionTrait>(conn: &C, action_id: i64) -> StoreResult<Vec<Update>> {
    Ok(Update::find_by_statement(stmt(
        conn,
        "SELECT id, status, sealed, source, user_id, created_at FROM action_updates WHERE action_id = $1 ORDER BY id",
        vec![action_id.into()],
    ))
    .all(conn)
    .await?)
}

/// Sets the hash of the owner's link (a new owner gets a new link; the old one stops working).
pub async fn set_owner_token<C: ConnectionTrait>(conn: &C, action_id: i64, hash: &str) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn,
        "UPDATE actions SET owner_token_hash = $1 WHERE id = $2",
        vec![hash.into(), action_id.into()],
    ))
    .await?;
    Ok(())
}

/// The action whose owner's link has this hash.
pub async fn by_owner_token<C: ConnectionTrait>(conn: &C, hash: &str) -> StoreResult<Option<Action>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let id: Option<i64> = super::count(
        conn,
        "SELECT COALESCE(MAX(id), 0) AS n FROM actions WHERE owner_token_hash = $1",
        vec![hash.into()],
    )
    .await
    .map(|n| (n > 0).then_some(n))?;
    match id {
        Some(id) => Ok(action::Entity::find().filter(action::Column::Id.eq(id)).one(conn).await?),
        None => Ok(None),
    }
}
