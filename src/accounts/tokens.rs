//! API tokens: made for a person (from their account page), a service account (by an admin) or
//! anyone from the CLI; revoked by their owner or an admin. The token itself is returned once and
//! only its digest is stored.

use chrono::TimeDelta;

use crate::clock::Clock;
use crate::domain::audit::AuditAction;
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::{self, Db, audit, tokens};

/// Creates a token named `name` for `user_id`, expiring `expires_days` from now by `clock` (never,
/// without). Returns the token (shown once) and its stored row.
pub async fn create(
    db: &Db,
    clock: &Clock,
    acting: &Acting<'_>,
    user_id: i64,
    name: &str,
    expires_days: Option<i64>,
) -> ServiceResult<(String, tokens::ApiToken)> {
    let expires = expires_days.map(|d| clock.now() + TimeDelta::days(d));
    let created_by = acting.actor.user_id().unwrap_or(user_id);
    let txn = store::begin_write(db).await?;
    let (token, row) = tokens::create(&txn, user_id, name, created_by, expires).await?;
    audit::append(
        &txn,
        &acting
            .event(AuditAction::TokenCreated, "token", row.id.to_string())
            .details(format!("user={user_id}")),
    )
    .await?;
    txn.commit().await?;
    Ok((token, row))
}

/// Revokes a token; returns it (its owner says where to go back to).
pub async fn revoke(db: &Db, acting: &Acting<'_>, id: i64) -> ServiceResult<tokens::ApiToken> {
    let token = tokens::find(db, id).await?.ok_or(ServiceError::NotFound)?;
    let txn = store::begin_write(db).await?;
    tokens::revoke(&txn, id).await?;
    audit::append(
        &txn,
        &acting
            .event(AuditAction::TokenRevoked, "token", id.to_string())
            .details(format!("user={}", token.user_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}
