//! Server-side sessions. The cookie holds a random token; the table holds its SHA-256, the user,
//! how far through sign-in the session is, its CSRF token and its timeouts. Any instance can read
//! any session, so several instances can share the load.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
};

use crate::crypto::secrets::{digest, random_token};
use crate::store::entities::session;
use crate::store::{StoreResult, now};

pub use crate::store::entities::session::Model as Session;

/// How far through sign-in a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; a two-factor code is still needed.
    Totp,
    /// Signed in, but must choose a new password first.
    ChangePassword,
    /// Signed in, but must set up two-factor authentication first.
    EnrolMfa,
    /// Fully signed in.
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Totp => "totp",
            Stage::ChangePassword => "change_password",
            Stage::EnrolMfa => "enrol_mfa",
            Stage::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        [Stage::Totp, Stage::ChangePassword, Stage::EnrolMfa, Stage::Full]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// A new session: the token for the cookie (never stored) and the row.
pub struct NewSession {
    pub token: String,
    pub session: Session,
}

/// How a session's user proved who they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    /// The single sign-on provider's id; None: the service's own password.
    pub provider: Option<String>,
    /// The provider said a second factor was used.
    pub provider_mfa: bool,
}

pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    stage: Stage,
    absolute: TimeDelta,
    proof: &Proof,
) -> StoreResult<NewSession> {
    let token = random_token();
    let t = now();
    let session = session::ActiveModel {
        id_hash: Set(digest(&token)),
        user_id: Set(user_id),
        stage: Set(stage.as_str().to_string()),
        csrf_token: Set(random_token()),
        created_at: Set(t),
        last_seen_at: Set(t),
        expires_at: Set(t + absolute),
        provider: Set(proof.provider.clone()),
        authenticated_at: Set(Some(t)),
        provider_mfa: Set(proof.provider_mfa),
    }
    .insert(conn)
    .await?;
    Ok(NewSession { token, session })
}

pub async fn find<C: ConnectionTrait>(conn: &C, token: &str) -> StoreResult<Option<Session>> {
    Ok(session::Entity::find_by_id(digest(token)).one(conn).await?)
}

/// Replaces a session with a new id (at each step of sign-in and on privilege change), keeping
/// its absolute expiry.
pub async fn rotate<C: ConnectionTrait>(conn: &C, old: &Session, stage: Stage) -> StoreResult<NewSession> {
    delete_by_hash(conn, &old.id_hash).await?;
    let token = random_token();
    let t = now();
    let session = session::ActiveModel {
        id_hash: Set(digest(&token)),
        user_id: Set(old.user_id),
        stage: Set(stage.as_str().to_string()),
        csrf_token: Set(random_token()),
        created_at: Set(old.created_at),
        last_seen_at: Set(t),
        expires_at: Set(old.expires_at),
        provider: Set(old.provider.clone()),
        authenticated_at: Set(old.authenticated_at),
        provider_mfa: Set(old.provider_mfa),
    }
    .insert(conn)
    .await?;
    Ok(NewSession { token, session })
}

/// Records a fresh proof of identity (re-authentication with the session's provider).
pub async fn reauthenticated<C: ConnectionTrait>(
    conn: &C,
    id_hash: &str,
    at: DateTime<Utc>,
    provider_mfa: bool,
) -> StoreResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::AuthenticatedAt, sea_orm::sea_query::Expr::value(Some(at)))
        .col_expr(session::Column::ProviderMfa, sea_orm::sea_query::Expr::value(provider_mfa))
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// When the session's user last proved who they are.
pub fn authenticated_at(session: &Session) -> DateTime<Utc> {
    session.authenticated_at.unwrap_or(session.created_at)
}

/// Records activity (for the idle timeout).
pub async fn touch<C: ConnectionTrait>(conn: &C, id_hash: &str, at: DateTime<Utc>) -> StoreResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, sea_orm::sea_query::Expr::value(at))
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_by_hash<C: ConnectionTrait>(conn: &C, id_hash: &str) -> StoreResult<()> {
    session::Entity::delete_many().filter(session::Column::IdHash.eq(id_hash)).exec(conn).await?;
    Ok(())
}

/// Ends every session of a user ("sign out everywhere", disabling, password resets).
pub async fn delete_for_user<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<u64> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Removes sessions past their absolute expiry or idle for longer than `idle`.
pub async fn sweep<C: ConnectionTrait>(conn: &C, idle: TimeDelta) -> StoreResult<u64> {
    let t = now();
    let result = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(t).or(session::Column::LastSeenAt.lte(t - idle)))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
