//! Live births by local authority and calendar year (ONS, by the mother's area of usual
//! residence): the denominator of the infant and neonatal mortality rates. Reference data only.

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
                .table("live_births")
                .col(string_len("la_code", 9))
                .col(integer("year"))
                .col(big_integer("births"))
                .primary_key(Index::create().col("la_code").col("year"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("live_births").to_owned()).await
    }
}
