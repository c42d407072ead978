use sea_orm::entity::prelude::*;

/// A sign-in sent to a provider and not yet come back.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_requests")]
pub struct Model {
    /// SHA-256 of the `state` sent to the provider (the browser holds the value in a cookie).
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub provider: String,
    /// `sign_in` or `reauthenticate`.
    pub purpose: String,
    /// Who must come back (re-authentication only).
    pub user_id: Option<i64>,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The local path to go to afterwards.
    pub return_to: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
