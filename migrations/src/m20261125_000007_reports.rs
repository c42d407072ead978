//! Reports: population denominators (ONS mid-year estimates of children by local authority, sex
//! and single year of age, per mid-year), which local authorities make up each area, and an
//! covering index for the agency-returns figures (form requests made in a year), and the ad-hoc reports
//! chairs save.

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
                .table("populations")
                .col(big_pk_auto("id"))
                // The local authority's GSS code (E06000063) and the geography vintage of the
                // file's code column (`ladcode23` → "23").
                .col(string_len("la_code", 12))
                .col(string_len("vintage", 8))
                // The mid-year (30 June) of the estimate.
                .col(integer("year"))
                // male | female
                .col(string_len("sex", 8))
                // Single year of age, 0 to 17.
                .col(integer("age"))
                .col(big_integer("population"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_populations_key")
                .table("populations")
                .col("la_code")
                .col("year")
                .col("sex")
                .col("age")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_form_requests_created")
                .table("form_requests")
                .col("created_at")
                .col("area_id")
                .col("agency_type")
                .col("status")
                .col("form_code")
                .col("return_days")
                .col("answered")
                .col("not_known")
                .col("missing")
                .to_owned(),
        )
        .await?;
        // Children (0 to 17) living in each deprivation decile of an area, per mid-year: the sum
        // over the area's LSOAs in the decile of the LSOA estimates (ONS), prepared outside.
        m.create_table(
            Table::create()
                .table("decile_populations")
                .col(big_integer("area_id"))
                .col(integer("year"))
                .col(integer("imd_decile"))
                .col(big_integer("population"))
                .primary_key(Index::create().col("area_id").col("year").col("imd_decile"))
                .foreign_key(ForeignKey::create().from("decile_populations", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("saved_reports")
                .col(big_pk_auto("id"))
                .col(string_len("name", 120))
                // The report's definition (filters, breakdowns, window, rate base) as JSON: read
                // whole, never queried into.
                .col(text("definition"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("area_authorities")
                .col(big_integer("area_id"))
                .col(string_len("la_code", 12))
                .primary_key(Index::create().col("area_id").col("la_code"))
                .foreign_key(ForeignKey::create().from("area_authorities", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("area_authorities").to_owned()).await?;
        m.drop_table(Table::drop().table("saved_reports").to_owned()).await?;
        m.drop_table(Table::drop().table("decile_populations").to_owned()).await?;
        m.drop_index(Index::drop().name("idx_form_requests_created").table("form_requests").to_owned())
            .await?;
        m.drop_table(Table::drop().table("populations").to_owned()).await
    }
}
