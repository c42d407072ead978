//! Background exports: long reports and the statutory dataset are prepared by a worker while the
//! requester watches a progress page. A job lives in the database, so it survives a restart: a
//! job whose worker stopped (its claim expired) is claimed again.

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
                .table("export_jobs")
                .col(big_pk_auto("id"))
                // annual | dataset
                .col(string_len("kind", 32))
                // What to produce, as JSON (coded choices only): read whole, never queried into.
                .col(text("params"))
                .col(big_integer("requested_by"))
                // queued | running | done | failed
                .col(string_len("status", 16))
                // The step under way, in words (no identifying data), and how far along (0–100).
                .col(string_len("stage", 200))
                .col(integer("progress"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone_null("claimed_until"))
                // A safe message when the job failed.
                .col(text_null("error"))
                .col(string_len_null("file_name", 200))
                .col(string_len_null("content_type", 100))
                // The finished file: a report (aggregate counts), an anonymised dataset, or a full
                // dataset sealed with age to its recipient.
                .col(blob_null("file"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .foreign_key(ForeignKey::create().from("export_jobs", "requested_by").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_export_jobs_status")
                .table("export_jobs")
                .col("status")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_export_jobs_requester")
                .table("export_jobs")
                .col("requested_by")
                .col("id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("export_jobs").to_owned()).await
    }
}
