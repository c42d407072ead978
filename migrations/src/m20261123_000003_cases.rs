//! Cases (sealed identity + coded columns), case reference counters, the mail outbox and the
//! deprivation lookup.

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
                .table("cases")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("reference", 32))
                .col(big_integer("area_id"))
                .col(string_len("status", 32))
                .col(string_len("source", 16))
                // The identifying fields, serialised together and sealed as one age ciphertext.
                .col(blob("sealed"))
                // The public key of the service identity the record is sealed to (for rotation).
                .col(string_len("sealed_key", 100))
                // HMAC-SHA256 of the NHS number under the blind-index key.
                .col(string_len("nhs_index", 64))
                .col(string_len("sex", 16))
                .col(string_len("ethnicity", 4))
                .col(big_integer("age_at_death_days"))
                .col(string_len("age_band", 16))
                .col(string_len("place_category", 32))
                .col(boolean("expected"))
                .col(boolean("jar"))
                .col(string_len("jar_criteria", 200))
                .col(boolean("stillbirth"))
                .col(boolean("suspected_home_stillbirth"))
                .col(string_len("coroner_informed", 16))
                .col(string_len("looked_after", 16))
                .col(integer_null("imd_decile"))
                .col(integer("reporting_year"))
                .col(timestamp_with_time_zone("notified_at"))
                .col(big_integer_null("created_by"))
                .col(big_integer_null("duplicate_of"))
                .col(string_len("duplicate_status", 32))
                .col(string_len_null("rejection_reason", 32))
                .col(boolean("synthetic").default(false))
                .col(timestamp_with_time_zone("updated_at"))
                .col(big_integer("version").default(1))
                .foreign_key(ForeignKey::create().from("cases", "area_id").to("areas", "id"))
                .foreign_key(ForeignKey::create().from("cases", "duplicate_of").to("cases", "id"))
                .to_owned(),
        )
        .await?;
        // The case list pages through `idx_cases_list` in notification order, filtering inside
        // the index; the other sorts have an index each.
        for (name, cols) in [
            ("idx_cases_area_status", vec!["area_id", "status"]),
            ("idx_cases_list", vec!["notified_at", "id", "area_id", "status", "reporting_year", "age_band"]),
            ("idx_cases_age", vec!["age_at_death_days", "id"]),
            ("idx_cases_year", vec!["reporting_year"]),
            ("idx_cases_nhs_index", vec!["nhs_index"]),
            ("idx_cases_duplicate", vec!["duplicate_status"]),
            ("idx_cases_sealed_key", vec!["sealed_key"]),
        ] {
            let mut index = Index::create();
            index.name(name).table("cases");
            for c in cols {
                index.col(c);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("case_counters")
                .col(integer("year").primary_key())
                .col(big_integer("last"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("mail_outbox")
                .col(big_pk_auto("id"))
                .col(string_len("template", 64))
                .col(string_len_null("case_reference", 32))
                // Staff and team mailboxes in clear; anyone else's address (a notifier's receipt)
                // sealed like case data.
                .col(string_len_null("to_address", 320))
                .col(blob_null("sealed_to"))
                .col(string_len("sealed_key", 100))
                .col(string_len("subject", 300))
                .col(text("body_text"))
                .col(text("body_html"))
                .col(string_len("status", 16))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("claimed_until"))
                .col(string_len_null("last_error", 500))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_due")
                .table("mail_outbox")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        // Index of Multiple Deprivation decile by postcode. Postcodes are stored as blind-index
        // values, so the table holds no postcode in clear.
        m.create_table(
            Table::create()
                .table("imd_lookup")
                .col(string_len("postcode_index", 64).primary_key())
                .col(integer("imd_decile"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
