//! Areas: the local authority areas (partnerships) the panel serves. Every case, and every user's
//! scope, refers to one.

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
                .table("areas")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("name", 120))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer("version").default(1))
                .to_owned(),
        )
        .await
    }
}
