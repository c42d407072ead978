//! Daily work: a notification sent once however often its page is sent again (each form carries
//! a one-off submission key; the key's hash is recorded with the case it made), and destruction
//! certificates numbered 1, 2, 3… in the order cases were destroyed (not by queue entry), and
//! action owners reporting progress through their own link (its hash on the action; each
//! update kept, its note sealed).

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
                .table("submissions")
                // SHA-256 of the form's submission key, hex.
                .col(string_len("key_hash", 64).primary_key())
                // The case reference the submission made.
                .col(string_len("reference", 32))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("destruction_entries")
                .add_column(big_integer_null("certificate_no"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("actions").add_column(string_len_null("owner_token_hash", 64)).to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("actions_owner_token").table("actions").col("owner_token_hash").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("action_updates")
                .col(big_pk_auto("id"))
                .col(big_integer("action_id"))
                // The status the update set (in_progress, implemented).
                .col(string_len("status", 24))
                // The progress note (checked for identifiers), sealed; NULL when none was written.
                .col(blob_null("sealed"))
                .col(string_len("sealed_key", 120))
                // owner_link | account
                .col(string_len("source", 16))
                .col(big_integer_null("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(ForeignKey::create().from("action_updates", "action_id").to("actions", "id"))
                .to_owned(),
        )
        .await?;
        // Certificates already issued keep their numbers (they were the entry's id).
        m.get_connection()
            .execute_unprepared(
                "UPDATE destruction_entries SET certificate_no = id WHERE destroyed_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("action_updates").to_owned()).await?;
        m.drop_index(Index::drop().name("actions_owner_token").table("actions").to_owned()).await?;
        m.alter_table(Table::alter().table("actions").drop_column(Alias::new("owner_token_hash")).to_owned())
            .await?;
        m.alter_table(
            Table::alter().table("destruction_entries").drop_column(Alias::new("certificate_no")).to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("submissions").to_owned()).await
    }
}
