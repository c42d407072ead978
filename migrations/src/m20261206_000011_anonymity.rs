//! Anonymity: a saved ad-hoc report belongs to an area (or to every area, for those who hold them
//! all) and may carry a description; both texts pass the identifier check before they are stored.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // NULL: every area. Reports saved before areas were recorded stay with every area, so
        // only users who hold every area see them.
        m.alter_table(
            Table::alter().table("saved_reports").add_column(big_integer_null("area_id")).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("saved_reports").add_column(string_len_null("description", 500)).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ["description", "area_id"] {
            m.alter_table(Table::alter().table("saved_reports").drop_column(Alias::new(c)).to_owned())
                .await?;
        }
        Ok(())
    }
}
