//! Several instances on one database: each mail claim carries its sender's token, so a sender
//! marks (and renews) only the messages it still holds; and the rate limits' counters live in
//! the database, where every instance sees them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table("mail_outbox").add_column(string_len_null("claim_token", 40)).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("rate_hits")
                .col(big_pk_auto("id"))
                // The limit counted: login, form-link, briefing-link, owner-link, notify.
                .col(string_len("bucket", 24))
                // The client's address as text (an IP address; never a person's details).
                .col(string_len("client", 64))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("rate_hits_bucket_client_at")
                .table("rate_hits")
                .col("bucket")
                .col("client")
                .col("at")
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("rate_hits_at").table("rate_hits").col("at").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("rate_hits").to_owned()).await?;
        m.alter_table(Table::alter().table("mail_outbox").drop_column(Alias::new("claim_token")).to_owned())
            .await?;
        Ok(())
    }
}
