//! Identity and audit: users with roles and area scopes, sessions, API tokens, recovery codes,
//! and the append-only, hash-chained audit trail.

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
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("email", 320))
                .col(string_len("name", 200))
                .col(text_null("password_hash"))
                .col(boolean("must_change_password").default(false))
                .col(boolean("service_account").default(false))
                .col(boolean("disabled").default(false))
                .col(integer("failed_attempts").default(0))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(string_len_null("totp_secret", 64))
                .col(string_len_null("totp_pending_secret", 64))
                .col(big_integer_null("totp_last_step"))
                .col(timestamp_with_time_zone_null("last_login_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("user_roles")
                .col(big_integer("user_id"))
                .col(string_len("role", 32))
                .primary_key(Index::create().col("user_id").col("role"))
                .foreign_key(ForeignKey::create().from("user_roles", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("user_areas")
                .col(big_integer("user_id"))
                .col(big_integer("area_id"))
                .primary_key(Index::create().col("user_id").col("area_id"))
                .foreign_key(ForeignKey::create().from("user_areas", "user_id").to("users", "id"))
                .foreign_key(ForeignKey::create().from("user_areas", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("recovery_codes")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("code_hash", 64))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(ForeignKey::create().from("recovery_codes", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_recovery_codes_user").table("recovery_codes").col("user_id").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sessions")
                .col(string_len("id_hash", 64).primary_key())
                .col(big_integer("user_id"))
                .col(string_len("stage", 32))
                .col(string_len("csrf_token", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(ForeignKey::create().from("sessions", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_sessions_user").table("sessions").col("user_id").to_owned())
            .await?;
        m.create_index(
            Index::create().name("idx_sessions_expires").table("sessions").col("expires_at").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("name", 120))
                .col(string_len_uniq("token_hash", 64))
                .col(string_len("prefix", 16))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .foreign_key(ForeignKey::create().from("api_tokens", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_api_tokens_user").table("api_tokens").col("user_id").to_owned(),
        )
        .await?;
        // The audit trail. `seq` comes from `audit_head`, so the chain has no gaps; each event's
        // hash covers its fields and the previous event's hash.
        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_events")
                .col(big_integer("seq").primary_key())
                .col(timestamp_with_time_zone("occurred_at"))
                .col(big_integer_null("actor_user_id"))
                .col(string_len("actor", 64))
                .col(string_len("action", 64))
                .col(string_len("object_type", 32))
                .col(string_len("object_ref", 64))
                .col(big_integer_null("area_id"))
                .col(string_len("request_id", 64))
                .col(string_len("details", 500))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_audit_actor", "actor_user_id"),
            ("idx_audit_action", "action"),
            ("idx_audit_object", "object_ref"),
            ("idx_audit_time", "occurred_at"),
        ] {
            m.create_index(Index::create().name(name).table("audit_events").col(col).to_owned()).await?;
        }
        let genesis = "0".repeat(64);
        m.exec_stmt(
            Query::insert()
                .into_table("audit_head")
                .columns(["id", "seq", "hash"])
                .values_panic([1.into(), 0i64.into(), genesis.into()])
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
