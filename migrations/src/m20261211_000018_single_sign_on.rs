//! Single sign-on through OpenID Connect providers: which provider accounts (`provider`,
//! `subject`) are linked to which service account, and when each last signed in there; the sign-ins
//! under way (one row per authorization request, for its `state`, `nonce` and PKCE verifier, gone
//! once used or after ten minutes); and, on each session, how it was authenticated (the provider,
//! when, and whether the provider said a second factor was used).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sso_identities")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("provider", 32))
                .col(string_len("subject", 255))
                .col(timestamp_with_time_zone("linked_at"))
                .col(timestamp_with_time_zone_null("last_sign_in_at"))
                .col(boolean("last_mfa").default(false))
                .foreign_key(ForeignKey::create().from("sso_identities", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sso_identities_subject")
                .table("sso_identities")
                .col("provider")
                .col("subject")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_sso_identities_user").table("sso_identities").col("user_id").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sso_requests")
                .col(string_len("state_hash", 64).primary_key())
                .col(string_len("provider", 32))
                .col(string_len("purpose", 16))
                .col(big_integer_null("user_id"))
                .col(string_len("nonce", 64))
                .col(string_len("pkce_verifier", 128))
                .col(string_len("return_to", 2048))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sso_requests_created")
                .table("sso_requests")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("sessions").add_column(string_len_null("provider", 32)).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(timestamp_with_time_zone_null("authenticated_at"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("sessions").add_column(boolean("provider_mfa").default(false)).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["provider_mfa", "authenticated_at", "provider"] {
            m.alter_table(Table::alter().table("sessions").drop_column(Alias::new(column)).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table("sso_requests").to_owned()).await?;
        m.drop_table(Table::drop().table("sso_identities").to_owned()).await
    }
}
