//! Retention and information governance: policies (as data), each case's computed retention due
//! date, legal holds, the destruction queue with its two-person approval and certificates, the
//! daily sweep's run marker, and the periodic access review.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(Alias::new(table));
    for c in cols {
        idx.col(Alias::new(*c));
    }
    if unique {
        idx.unique();
    }
    m.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("retention_policies")
                .col(big_pk_auto("id"))
                .col(string_len("name", 120))
                // date_of_birth | date_of_death | review_completed | case_closed
                .col(string_len("trigger_on", 24))
                .col(integer("years"))
                .col(integer("months"))
                // destroy | review
                .col(string_len("action", 16))
                // Applies to every area (true) or to those in retention_policy_areas.
                .col(boolean("all_areas"))
                .col(boolean("active"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("retention_policy_areas")
                .col(big_integer("policy_id"))
                .col(big_integer("area_id"))
                .primary_key(Index::create().col("policy_id").col("area_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("retention_policy_areas", "policy_id")
                        .to("retention_policies", "id"),
                )
                .foreign_key(ForeignKey::create().from("retention_policy_areas", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await?;

        // Each case's computed due date (a coded date: never the trigger date itself), the policy
        // it came from, whether it needs computing again, a date an approver set when excluding
        // the case from destruction, and when its identifying data was destroyed.
        let add = |col: ColumnDef| Table::alter().table("cases").add_column(col).to_owned();
        for col in [
            date_null("retention_due_on").to_owned(),
            big_integer_null("retention_policy_id").to_owned(),
            boolean("retention_stale").default(true).to_owned(),
            date_null("retention_override_on").to_owned(),
            timestamp_with_time_zone_null("destroyed_at").to_owned(),
        ] {
            m.alter_table(add(col)).await?;
        }
        index(m, "idx_cases_retention_due", "cases", &["retention_due_on"], false).await?;
        index(m, "idx_cases_retention_stale", "cases", &["retention_stale"], false).await?;
        // Destruction finds a case's emails and its merged duplicates by these.
        index(m, "idx_outbox_case", "mail_outbox", &["case_reference"], false).await?;
        index(m, "idx_cases_duplicate_of", "cases", &["duplicate_of"], false).await?;

        m.create_table(
            Table::create()
                .table("legal_holds")
                .col(big_pk_auto("id"))
                // case | area_dates | theme
                .col(string_len("scope", 16))
                .col(big_integer_null("case_id"))
                .col(big_integer_null("area_id"))
                // Notification dates (inclusive) for an area_dates hold, and the same as instants
                // (the start of the first UK day, the start of the UK day after the last) to
                // compare with cases.notified_at.
                .col(date_null("from_on"))
                .col(date_null("to_on"))
                .col(timestamp_with_time_zone_null("from_at"))
                .col(timestamp_with_time_zone_null("to_before"))
                .col(string_len_null("theme", 60))
                .col(string_len("reason", 500))
                .col(string_len("external_ref", 120))
                .col(big_integer("placed_by"))
                .col(timestamp_with_time_zone("placed_at"))
                .col(big_integer_null("released_by"))
                .col(timestamp_with_time_zone_null("released_at"))
                .col(string_len_null("release_reason", 500))
                .foreign_key(ForeignKey::create().from("legal_holds", "case_id").to("cases", "id"))
                .foreign_key(ForeignKey::create().from("legal_holds", "area_id").to("areas", "id"))
                .foreign_key(ForeignKey::create().from("legal_holds", "placed_by").to("users", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_legal_holds_open", "legal_holds", &["released_at", "scope"], false).await?;

        m.create_table(
            Table::create()
                .table("destruction_batches")
                .col(big_pk_auto("id"))
                .col(big_integer("queued_by"))
                .col(timestamp_with_time_zone("queued_at"))
                .col(string_len("reason", 500))
                .foreign_key(ForeignKey::create().from("destruction_batches", "queued_by").to("users", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("destruction_entries")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                // The case's id while the entry is open (due, queued, approved); NULL once it is
                // destroyed, excluded or withdrawn. Unique: one open entry per case.
                .col(big_integer_null("open_case_id").unique_key())
                // due | queued | approved | destroyed | excluded | withdrawn
                .col(string_len("status", 16))
                .col(date("due_on"))
                .col(big_integer_null("policy_id"))
                // destroy | review: what the policy asked for.
                .col(string_len("action", 16))
                .col(timestamp_with_time_zone("listed_at"))
                .col(big_integer_null("batch_id"))
                .col(big_integer_null("queued_by"))
                .col(timestamp_with_time_zone_null("queued_at"))
                .col(big_integer_null("approved_by"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(string_len_null("approve_reason", 500))
                .col(big_integer_null("closed_by"))
                .col(timestamp_with_time_zone_null("closed_at"))
                // Why an entry was excluded or withdrawn (an approver's words, or "legal hold").
                .col(string_len_null("close_reason", 500))
                .col(timestamp_with_time_zone_null("destroyed_at"))
                // What was destroyed: classes of data with counts, as JSON (coded).
                .col(text_null("classes"))
                // The policy's name and rule as they stood at destruction (for the certificate).
                .col(string_len_null("policy_words", 500))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("destruction_entries", "case_id").to("cases", "id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("destruction_entries", "batch_id")
                        .to("destruction_batches", "id"),
                )
                .to_owned(),
        )
        .await?;
        index(m, "idx_destruction_entries_status", "destruction_entries", &["status", "id"], false).await?;
        index(m, "idx_destruction_entries_case", "destruction_entries", &["case_id"], false).await?;

        // One row per day the sweep ran: the instance that inserts today's row runs it.
        m.create_table(
            Table::create()
                .table("retention_runs")
                .col(date("run_on").primary_key())
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .col(integer("listed").default(0))
                .to_owned(),
        )
        .await?;
        // One row, updated by every hold placed and locked by every destruction, so a hold and a
        // destruction of the same case can never both go through unseen by the other.
        m.create_table(
            Table::create()
                .table("retention_guard")
                .col(integer("id").primary_key())
                .col(big_integer("holds_placed").default(0))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("INSERT INTO retention_guard (id, holds_placed) VALUES (1, 0)")
            .await?;

        m.create_table(
            Table::create()
                .table("access_reviews")
                .col(big_pk_auto("id"))
                .col(big_integer("reviewed_by"))
                .col(timestamp_with_time_zone("reviewed_at"))
                // no_changes | changes_made | follow_up
                .col(string_len("outcome", 16))
                .col(string_len("notes", 2000))
                .col(integer("accounts"))
                .col(integer("flagged"))
                .foreign_key(ForeignKey::create().from("access_reviews", "reviewed_by").to("users", "id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "access_reviews",
            "retention_guard",
            "retention_runs",
            "destruction_entries",
            "destruction_batches",
            "legal_holds",
            "retention_policy_areas",
            "retention_policies",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        m.drop_index(Index::drop().name("idx_outbox_case").table(Alias::new("mail_outbox")).to_owned())
            .await?;
        for i in ["idx_cases_retention_due", "idx_cases_retention_stale", "idx_cases_duplicate_of"] {
            m.drop_index(Index::drop().name(i).table(Alias::new("cases")).to_owned()).await?;
        }
        for c in [
            "destroyed_at",
            "retention_override_on",
            "retention_stale",
            "retention_policy_id",
            "retention_due_on",
        ] {
            m.alter_table(Table::alter().table("cases").drop_column(Alias::new(c)).to_owned()).await?;
        }
        Ok(())
    }
}
