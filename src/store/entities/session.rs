use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// SHA-256 of the cookie value: a copy of the table opens no sessions.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub user_id: i64,
    pub stage: String,
    pub csrf_token: String,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// The single sign-on provider (`auth.sso` id) the user signed in through; None: a password.
    pub provider: Option<String>,
    /// When the user last proved who they are (sign-in or re-authentication); None: at
    /// `created_at`.
    pub authenticated_at: Option<DateTimeUtc>,
    /// The provider said that sign-in used a second factor (`amr` or a configured `acr`).
    pub provider_mfa: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
