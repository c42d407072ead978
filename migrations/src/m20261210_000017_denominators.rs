//! Rate denominators, reference data only: live births by local authority and calendar year (ONS,
//! by the mother's area of usual residence), for the infant and neonatal mortality rates; and the
//! children of an area by broad ethnic group per year, for rates by ethnic group.

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
        .await?;
        m.create_table(
            Table::create()
                .table("ethnicity_populations")
                .col(big_integer("area_id"))
                .col(integer("year"))
                .col(string_len("ethnic_group", 16))
                .col(big_integer("population"))
                .primary_key(Index::create().col("area_id").col("year").col("ethnic_group"))
                .foreign_key(ForeignKey::create().from("ethnicity_populations", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("ethnicity_populations").to_owned()).await?;
        m.drop_table(Table::drop().table("live_births").to_owned()).await
    }
}
