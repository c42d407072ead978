//! The month of death, coded: a reviewed death counts in the period it happened in, not only in
//! the one its review was signed off in, without opening a sealed record. Set at sign-off (the
//! date of death is open there), and filled here for reviews already signed off from their coded
//! sign-off date less the coded days from the death to sign-off.

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // YYYYMM (202504 = April 2025).
        m.alter_table(Table::alter().table("cases").add_column(integer_null("death_month")).to_owned())
            .await?;
        m.create_index(
            Index::create().name("cases_death_month").table("cases").col("death_month").to_owned(),
        )
        .await?;
        let fill = match m.get_database_backend() {
            DatabaseBackend::Postgres => {
                "UPDATE cases SET death_month = CAST(to_char(review_completed_on - days_to_review, 'YYYYMM') AS INTEGER) \
                 WHERE review_completed_on IS NOT NULL AND days_to_review IS NOT NULL"
            }
            _ => {
                "UPDATE cases SET death_month = CAST(strftime('%Y%m', review_completed_on, '-' || days_to_review || ' days') AS INTEGER) \
                 WHERE review_completed_on IS NOT NULL AND days_to_review IS NOT NULL"
            }
        };
        m.get_connection().execute_unprepared(fill).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("cases_death_month").table("cases").to_owned()).await?;
        m.alter_table(Table::alter().table("cases").drop_column(Alias::new("death_month")).to_owned())
            .await?;
        Ok(())
    }
}
