//! Review: meetings (CDRM and panel) with their areas, attendees and agenda; anonymised case
//! packs with the redacted agency narratives a person confirmed; private pre-panel
//! categorisations; the Analysis Form (one row per revision: coded outcomes in clear columns and
//! answer rows, narratives sealed); the actions register; learning briefings with their
//! distribution lists and acknowledgements; the family's key worker and contact log; reminder
//! points sent (one row per subject and point, so each goes once); and the review dates and
//! durations on the case that reports count by.

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
                .table("meetings")
                .col(big_pk_auto("id"))
                .col(string_len("kind", 8))
                .col(timestamp_with_time_zone("starts_at"))
                .col(integer("duration_minutes"))
                // A room or a video link: about the meeting, never about a child.
                .col(string_len("location", 500))
                .col(big_integer("chair_id"))
                .col(string_len("status", 16))
                // Minutes name people: sealed.
                .col(blob_null("minutes_sealed"))
                .col(string_len("sealed_key", 100))
                // Calendar SEQUENCE: raised when an invitation is re-sent for a change.
                .col(integer("ics_sequence").default(0))
                .col(string_len("uid", 64).unique_key())
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("meetings", "chair_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_meetings_starts", "meetings", &["starts_at"], false).await?;
        m.create_table(
            Table::create()
                .table("meeting_areas")
                .col(big_integer("meeting_id"))
                .col(big_integer("area_id"))
                .primary_key(Index::create().col("meeting_id").col("area_id"))
                .foreign_key(ForeignKey::create().from("meeting_areas", "meeting_id").to("meetings", "id"))
                .foreign_key(ForeignKey::create().from("meeting_areas", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("meeting_attendees")
                .col(big_integer("meeting_id"))
                .col(big_integer("user_id"))
                .col(timestamp_with_time_zone_null("invited_at"))
                .primary_key(Index::create().col("meeting_id").col("user_id"))
                .foreign_key(
                    ForeignKey::create().from("meeting_attendees", "meeting_id").to("meetings", "id"),
                )
                .foreign_key(ForeignKey::create().from("meeting_attendees", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_meeting_attendees_user", "meeting_attendees", &["user_id", "meeting_id"], false)
            .await?;

        m.create_table(
            Table::create()
                .table("agenda_items")
                .col(big_pk_auto("id"))
                .col(big_integer("meeting_id"))
                .col(big_integer("case_id"))
                .col(integer("position"))
                // pending | reviewed | deferred | moved
                .col(string_len("outcome", 16))
                .col(string_len_null("reason", 32))
                .col(big_integer_null("moved_to"))
                // When the chair opened the case: pre-panel entries become visible.
                .col(timestamp_with_time_zone_null("opened_at"))
                .col(timestamp_with_time_zone_null("pack_published_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("agenda_items", "meeting_id").to("meetings", "id"))
                .foreign_key(ForeignKey::create().from("agenda_items", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_agenda_meeting_case", "agenda_items", &["meeting_id", "case_id"], true).await?;
        index(m, "idx_agenda_case", "agenda_items", &["case_id"], false).await?;

        // The anonymised summary staff write for the pack: sealed (free text).
        m.create_table(
            Table::create()
                .table("case_packs")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id").unique_key())
                .col(blob_null("summary_sealed"))
                .col(string_len("sealed_key", 100))
                .col(big_integer_null("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("case_packs", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        // Agency narratives after redaction; only `confirmed` ones enter a pack.
        m.create_table(
            Table::create()
                .table("pack_narratives")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                .col(big_integer("request_id"))
                .col(string_len("item_key", 121))
                .col(integer("row_no").default(0))
                // pending | confirmed | excluded
                .col(string_len("status", 16))
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                // SHA-256 of the agency's text it was made from: a changed source resets it.
                .col(string_len("source_hash", 64))
                .col(integer("redactions").default(0))
                .col(big_integer_null("confirmed_by"))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("pack_narratives", "case_id").to("cases", "id"))
                .foreign_key(
                    ForeignKey::create().from("pack_narratives", "request_id").to("form_requests", "id"),
                )
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_pack_narratives_source",
            "pack_narratives",
            &["case_id", "request_id", "item_key", "row_no"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table("prepanel_entries")
                .col(big_pk_auto("id"))
                .col(big_integer("agenda_item_id"))
                .col(big_integer("user_id"))
                .col(string_len("category", 60))
                .col(string_len("modifiable", 60))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create().from("prepanel_entries", "agenda_item_id").to("agenda_items", "id"),
                )
                .foreign_key(ForeignKey::create().from("prepanel_entries", "user_id").to("users", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_prepanel_item_user", "prepanel_entries", &["agenda_item_id", "user_id"], true).await?;

        m.create_table(
            Table::create()
                .table("analyses")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                .col(integer("revision"))
                .col(string_len("form_version", 60))
                // draft | signed | superseded
                .col(string_len("status", 16))
                .col(string_len_null("category", 60))
                .col(string_len_null("modifiable", 60))
                .col(blob_null("sealed"))
                .col(string_len("sealed_key", 100))
                .col(big_integer_null("signed_by"))
                .col(timestamp_with_time_zone_null("signed_at"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer_null("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("analyses", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_analyses_case_revision", "analyses", &["case_id", "revision"], true).await?;
        index(m, "idx_analyses_outcome", "analyses", &["status", "category", "modifiable"], false).await?;
        m.create_table(
            Table::create()
                .table("analysis_answers")
                .col(big_pk_auto("id"))
                .col(big_integer("analysis_id"))
                .col(string_len("item_key", 121))
                .col(integer("row_no").default(0))
                .col(string_len("value", 500))
                .foreign_key(
                    ForeignKey::create().from("analysis_answers", "analysis_id").to("analyses", "id"),
                )
                .to_owned(),
        )
        .await?;
        index(m, "idx_analysis_answers_analysis", "analysis_answers", &["analysis_id"], false).await?;
        index(m, "idx_analysis_answers_item", "analysis_answers", &["item_key", "value"], false).await?;

        m.create_table(
            Table::create()
                .table("actions")
                .col(big_pk_auto("id"))
                .col(string_len("reference", 32).unique_key())
                .col(big_integer("area_id"))
                // open | in_progress | implemented | closed_no_action
                .col(string_len("status", 24))
                .col(date("due_on"))
                .col(string_len("owner_org", 200))
                // Description, owner contact email, status note: sealed.
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                .col(date_null("completed_on"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("actions", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_actions_open", "actions", &["status", "due_on", "area_id"], false).await?;
        m.create_table(
            Table::create()
                .table("action_cases")
                .col(big_integer("action_id"))
                .col(big_integer("case_id"))
                .primary_key(Index::create().col("action_id").col("case_id"))
                .foreign_key(ForeignKey::create().from("action_cases", "action_id").to("actions", "id"))
                .foreign_key(ForeignKey::create().from("action_cases", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_action_cases_case", "action_cases", &["case_id"], false).await?;
        m.create_table(
            Table::create()
                .table("action_themes")
                .col(big_integer("action_id"))
                .col(string_len("theme", 60))
                .primary_key(Index::create().col("action_id").col("theme"))
                .foreign_key(ForeignKey::create().from("action_themes", "action_id").to("actions", "id"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("distribution_recipients")
                .col(big_pk_auto("id"))
                .col(big_integer("area_id"))
                .col(string_len("organisation", 200))
                // Name and email: sealed.
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create().from("distribution_recipients", "area_id").to("areas", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("briefings")
                .col(big_pk_auto("id"))
                .col(big_integer("area_id"))
                .col(string_len("title", 200))
                .col(date("period_from"))
                .col(date("period_to"))
                .col(string_len_null("theme", 60))
                // draft | sent
                .col(string_len("status", 16))
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("briefings", "area_id").to("areas", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("briefing_recipients")
                .col(big_pk_auto("id"))
                .col(big_integer("briefing_id"))
                .col(big_integer("recipient_id"))
                .col(string_len("token_hash", 64).unique_key())
                .col(timestamp_with_time_zone("sent_at"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .foreign_key(
                    ForeignKey::create().from("briefing_recipients", "briefing_id").to("briefings", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("briefing_recipients", "recipient_id")
                        .to("distribution_recipients", "id"),
                )
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_briefing_recipients_once",
            "briefing_recipients",
            &["briefing_id", "recipient_id"],
            true,
        )
        .await?;

        // Reminders for actions and briefings: one row per subject and schedule point.
        m.create_table(
            Table::create()
                .table("reminder_points")
                .col(big_pk_auto("id"))
                .col(string_len("subject", 24))
                .col(big_integer("subject_id"))
                .col(string_len("point", 32))
                .col(timestamp_with_time_zone("sent_at"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_reminder_points_once", "reminder_points", &["subject", "subject_id", "point"], true)
            .await?;

        m.create_table(
            Table::create()
                .table("family_contacts")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                .col(date("contact_on"))
                .col(big_integer_null("by_user"))
                // call | visit | letter | email | meeting | question | feedback
                .col(string_len("kind", 16))
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(ForeignKey::create().from("family_contacts", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "idx_family_contacts_case", "family_contacts", &["case_id", "contact_on"], false).await?;

        // The family's key worker (name, role, contact): sealed.
        m.create_table(
            Table::create()
                .table("key_workers")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id").unique_key())
                .col(blob("sealed"))
                .col(string_len("sealed_key", 100))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("key_workers", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;

        // The case: the dates and durations reports count by.
        let cols = [
            date_null("review_completed_on"),
            date_null("closed_on"),
            integer_null("days_to_notification"),
            integer_null("days_to_cdrm"),
            integer_null("days_to_panel"),
            integer_null("days_to_review"),
        ];
        for col in cols {
            let mut col = col;
            m.alter_table(Table::alter().table("cases").add_column(&mut col).to_owned()).await?;
        }
        index(m, "idx_cases_review_completed", "cases", &["review_completed_on", "area_id"], false).await?;

        // A meeting invitation's calendar file (no identifying data: references and the link).
        m.alter_table(Table::alter().table("mail_outbox").add_column(text_null("calendar")).to_owned())
            .await?;
        Ok(())
    }
}
