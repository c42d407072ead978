use sea_orm::entity::prelude::*;

/// A provider account linked to a service account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// The provider's `id` in `auth.sso`.
    pub provider: String,
    /// The provider's `sub` for this person (stable, never reassigned).
    pub subject: String,
    pub linked_at: DateTimeUtc,
    pub last_sign_in_at: Option<DateTimeUtc>,
    /// Whether the provider said the last sign-in used a second factor.
    pub last_mfa: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
