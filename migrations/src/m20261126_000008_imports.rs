//! Historical import: which records of a panel's previous system have been imported, so that
//! importing the same file again creates no duplicates. The previous system's record id is kept
//! only as a blind index (HMAC under the service's index key), never in clear.

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
                .table("imported_records")
                .col(big_pk_auto("id"))
                .col(big_integer("area_id"))
                // HMAC-SHA256 (hex) of the previous system's record id.
                .col(string_len("record_index", 64))
                .col(big_integer("case_id"))
                .col(timestamp_with_time_zone("imported_at"))
                .foreign_key(ForeignKey::create().from("imported_records", "area_id").to("areas", "id"))
                .foreign_key(ForeignKey::create().from("imported_records", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_imported_records_key")
                .table("imported_records")
                .col("area_id")
                .col("record_index")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("imported_records").to_owned()).await
    }
}
