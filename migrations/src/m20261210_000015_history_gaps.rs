//! What a previous system did not record, kept as such: whether the death was expected may be
//! not known (`expected_known` false; `expected` then says nothing), and a review may be imported
//! without its notification (`notification_recorded` false), so it counts as a review completed
//! but not as a death notified in any year. Every case recorded here has both.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 2] = ["expected_known", "notification_recorded"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            m.alter_table(Table::alter().table("cases").add_column(boolean(column).default(true)).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            m.alter_table(Table::alter().table("cases").drop_column(Alias::new(column)).to_owned()).await?;
        }
        Ok(())
    }
}
