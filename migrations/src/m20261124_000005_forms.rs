//! Information gathering: requests for agency forms (each with its single-use link, stored as a
//! hash), the responses (coded answers as rows in clear, identifying answers sealed as one record
//! per response), reminders sent (one row per schedule point, so each is sent once), and the
//! case's information status for the case list.

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
                .table("form_requests")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                // The case's area, kept with the request (and moved with the case) so the
                // Outstanding page filters and groups in one index without joining cases.
                .col(big_integer("area_id"))
                .col(string_len("form_code", 60))
                .col(string_len("form_version", 60))
                .col(string_len("agency", 200))
                .col(string_len("agency_type", 32))
                // The professional asked (name, role, email, phone): sealed.
                .col(blob("recipient_sealed"))
                .col(string_len("token_hash", 64).unique_key())
                .col(timestamp_with_time_zone("token_expires_at"))
                .col(string_len("status", 16))
                .col(date("due_date"))
                .col(integer("reminders_sent").default(0))
                .col(timestamp_with_time_zone_null("last_reminder_at"))
                .col(boolean("escalated").default(false))
                // The identifying answers of the response: sealed, `None` until something is saved.
                .col(blob_null("answers_sealed"))
                .col(string_len("sealed_key", 100))
                .col(integer("answered").default(0))
                .col(integer("not_known").default(0))
                .col(integer("missing").default(0))
                .col(string_len_null("withdraw_reason", 32))
                .col(big_integer_null("requested_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("opened_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                // Whole days from request to submission (agency return times).
                .col(integer_null("return_days"))
                .col(big_integer_null("submitted_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("form_requests", "case_id").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_form_requests_case", vec!["case_id", "id"]),
            ("idx_form_requests_open", vec!["status", "due_date", "area_id", "agency"]),
            ("idx_form_requests_returned", vec!["submitted_at", "area_id", "agency", "return_days"]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("form_requests");
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }

        // Coded answers in clear: one row per value (a multiple choice gives one row per option;
        // a group's coded field `group.field`, one row per group row).
        m.create_table(
            Table::create()
                .table("form_answers")
                .col(big_pk_auto("id"))
                .col(big_integer("request_id"))
                .col(string_len("item_key", 121))
                .col(integer("row_no").default(0))
                .col(string_len("value", 500))
                .foreign_key(
                    ForeignKey::create().from("form_answers", "request_id").to("form_requests", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_form_answers_request")
                .table("form_answers")
                .col("request_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_form_answers_item")
                .table("form_answers")
                .col("item_key")
                .col("value")
                .to_owned(),
        )
        .await?;

        // Reminders: one row per request and schedule point; the unique index makes each point
        // send once, whichever instance gets there first.
        m.create_table(
            Table::create()
                .table("form_reminders")
                .col(big_pk_auto("id"))
                .col(big_integer("request_id"))
                .col(string_len("point", 32))
                .col(timestamp_with_time_zone("sent_at"))
                .foreign_key(
                    ForeignKey::create().from("form_reminders", "request_id").to("form_requests", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_form_reminders_point")
                .table("form_reminders")
                .col("request_id")
                .col("point")
                .unique()
                .to_owned(),
        )
        .await?;

        // The case list filters on whether the information asked for is complete.
        m.alter_table(
            Table::alter()
                .table("cases")
                .add_column(string_len("information_status", 16).default("none"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cases_information")
                .table("cases")
                .col("information_status")
                .col("area_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
