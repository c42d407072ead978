//! Single sign-on records: provider accounts linked to service accounts, and the sign-ins sent to
//! a provider and not yet come back (each used once, kept at most [`REQUEST_MINUTES`]).

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::crypto::secrets::digest;
use crate::store::entities::{sso_identity, sso_request};
use crate::store::{StoreResult, now};

pub use crate::store::entities::sso_identity::Model as Identity;
pub use crate::store::entities::sso_request::Model as Request;

/// How long a sign-in may take at the provider before its request is forgotten.
pub const REQUEST_MINUTES: i64 = 10;

/// The account linked to `subject` at `provider`, if any.
pub async fn find_identity<C: ConnectionTrait>(
    conn: &C,
    provider: &str,
    subject: &str,
) -> StoreResult<Option<Identity>> {
    Ok(sso_identity::Entity::find()
        .filter(sso_identity::Column::Provider.eq(provider))
        .filter(sso_identity::Column::Subject.eq(subject))
        .one(conn)
        .await?)
}

/// Every provider account linked to a service account (for the access review and account pages).
pub async fn identities<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Identity>> {
    Ok(sso_identity::Entity::find()
        .order_by_asc(sso_identity::Column::UserId)
        .order_by_asc(sso_identity::Column::Provider)
        .all(conn)
        .await?)
}

/// The provider accounts linked to one service account.
pub async fn identities_of<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<Vec<Identity>> {
    Ok(sso_identity::Entity::find()
        .filter(sso_identity::Column::UserId.eq(user_id))
        .order_by_asc(sso_identity::Column::Provider)
        .all(conn)
        .await?)
}

/// Links `subject` at `provider` to `user_id`.
pub async fn link<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    provider: &str,
    subject: &str,
    at: DateTime<Utc>,
) -> StoreResult<Identity> {
    Ok(sso_identity::ActiveModel {
        user_id: Set(user_id),
        provider: Set(provider.to_string()),
        subject: Set(subject.to_string()),
        linked_at: Set(at),
        last_sign_in_at: Set(None),
        last_mfa: Set(false),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Records a sign-in through a linked provider account.
pub async fn signed_in<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    at: DateTime<Utc>,
    mfa: bool,
) -> StoreResult<()> {
    sso_identity::Entity::update_many()
        .col_expr(sso_identity::Column::LastSignInAt, sea_orm::sea_query::Expr::value(Some(at)))
        .col_expr(sso_identity::Column::LastMfa, sea_orm::sea_query::Expr::value(mfa))
        .filter(sso_identity::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes a link (an admin's "unlink"); returns whether there was one.
pub async fn unlink<C: ConnectionTrait>(conn: &C, user_id: i64, provider: &str) -> StoreResult<bool> {
    Ok(sso_identity::Entity::delete_many()
        .filter(sso_identity::Column::UserId.eq(user_id))
        .filter(sso_identity::Column::Provider.eq(provider))
        .exec(conn)
        .await?
        .rows_affected
        > 0)
}

/// A sign-in about to be sent to a provider; `state` is what the provider will send back.
pub struct NewRequest<'a> {
    pub state: &'a str,
    pub provider: &'a str,
    pub purpose: &'a str,
    pub user_id: Option<i64>,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub return_to: &'a str,
}

pub async fn save_request<C: ConnectionTrait>(conn: &C, new: &NewRequest<'_>) -> StoreResult<()> {
    sso_request::ActiveModel {
        state_hash: Set(digest(new.state)),
        provider: Set(new.provider.to_string()),
        purpose: Set(new.purpose.to_string()),
        user_id: Set(new.user_id),
        nonce: Set(new.nonce.to_string()),
        pkce_verifier: Set(new.pkce_verifier.to_string()),
        return_to: Set(new.return_to.to_string()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Takes the request `state` names (deleting it, so a `state` is used once), if it is still fresh.
pub async fn take_request<C: ConnectionTrait>(conn: &C, state: &str) -> StoreResult<Option<Request>> {
    let hash = digest(state);
    let Some(found) = sso_request::Entity::find_by_id(hash.clone()).one(conn).await? else { return Ok(None) };
    let deleted =
        sso_request::Entity::delete_many().filter(sso_request::Column::StateHash.eq(hash)).exec(conn).await?;
    let fresh = found.created_at > now() - TimeDelta::minutes(REQUEST_MINUTES);
    Ok((deleted.rows_affected == 1 && fresh).then_some(found))
}

/// Forgets sign-ins that never came back.
pub async fn sweep<C: ConnectionTrait>(conn: &C) -> StoreResult<u64> {
    Ok(sso_request::Entity::delete_many()
        .filter(sso_request::Column::CreatedAt.lte(now() - TimeDelta::minutes(REQUEST_MINUTES)))
        .exec(conn)
        .await?
        .rows_affected)
}
