//! Intake fit for real use: the audit head holds the newest event's hash (so appenders serialise
//! on the head row's lock on PostgreSQL too), "not known" answers and data-quality flags on cases,
//! notification versions (amendments), sealed drafts, short-lived search results, area
//! deactivation bookkeeping.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The head used to hold the newest event's *previous* hash; it now holds the newest
        // event's own hash, written after the insert while the head row is locked.
        m.get_connection()
            .execute_unprepared(
                "UPDATE audit_head SET hash = COALESCE((SELECT e.hash FROM audit_events e WHERE e.seq = audit_head.seq), hash) WHERE id = 1",
            )
            .await?;

        // Cases: "not known" answers, data-quality flags, the post-mortem question, the blind
        // index of the date of death (duplicate hints when the NHS number is not known).
        let add = |col: ColumnDef| Table::alter().table("cases").add_column(col).to_owned();
        for col in [
            string_len("nhs_number_status", 16).default("known").to_owned(),
            boolean("age_approximate").default(false).to_owned(),
            string_len("data_quality", 200).default("").to_owned(),
            string_len("post_mortem_planned", 16).default("not_known").to_owned(),
            string_len_null("death_index", 64).to_owned(),
        ] {
            m.alter_table(add(col)).await?;
        }
        m.create_index(
            Index::create().name("idx_cases_death_index").table("cases").col("death_index").to_owned(),
        )
        .await?;
        // The list filtered by reporting year and age band (the commonest combination), in
        // notification order, without walking the whole notification-order index.
        let mut year_band = Index::create();
        year_band.name("idx_cases_year_band").table("cases");
        for c in ["reporting_year", "age_band", "notified_at", "id", "area_id", "status"] {
            year_band.col(c);
        }
        m.create_index(year_band.to_owned()).await?;

        // Earlier versions of a notification, kept when it is amended (or merged into): the
        // sealed record as it was (with the amendment's reason), and the coded columns as JSON.
        m.create_table(
            Table::create()
                .table("case_versions")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                .col(big_integer("version"))
                .col(string_len("kind", 16))
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                .col(text("coded"))
                .col(string_len("fields", 1000))
                .col(big_integer_null("changed_by"))
                .col(timestamp_with_time_zone("changed_at"))
                .foreign_key(ForeignKey::create().from("case_versions", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_versions_case")
                .table("case_versions")
                .col("case_id")
                .col("version")
                .unique()
                .to_owned(),
        )
        .await?;

        // Drafts of forms (sealed like cases), per user, expiring.
        m.create_table(
            Table::create()
                .table("drafts")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("kind", 32))
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(ForeignKey::create().from("drafts", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_drafts_user").table("drafts").col("user_id").to_owned())
            .await?;

        // Short-lived results of POSTs (an NHS-number search, a reveal) that a redirect shows
        // once, so no number is put in a URL and a refresh never repeats the action.
        m.create_table(
            Table::create()
                .table("short_results")
                .col(string_len("id_hash", 64).primary_key())
                .col(big_integer("user_id"))
                .col(string_len("kind", 16))
                .col(string_len("payload", 2000))
                .col(boolean("consumed").default(false))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_short_results_expiry")
                .table("short_results")
                .col("expires_at")
                .to_owned(),
        )
        .await?;

        // Area names are unique ignoring case.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX idx_areas_name_ci ON areas (lower(name))")
            .await?;
        Ok(())
    }
}
