//! Covering indexes for the report queries. The coded columns the reports count sit after the
//! sealed record in a case's row (and an analysis' coded outcome beside its sealed answers), so
//! every counted row read its whole record, on SQLite often through overflow pages: the annual
//! report over 100,000 cases took a second. Each cohort now reads one index alone: deaths notified
//! by reporting year, reviews by sign-off date, reviewed deaths by month of death, the signed
//! analysis of a case, and an analysis' coded answers. The narrower indexes three of them begin
//! with are dropped, so a write to a case maintains one index more than before, to an analysis
//! one more, and to its answers as many as before (a wider one).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Filters first (the cohort's range, then status, stillbirth and area, tested inside the
/// index), then every column a report groups on for that cohort.
const COVERING: [(&str, &str, &[&str]); 5] = [
    (
        "idx_cases_report_notified",
        "cases",
        &[
            "reporting_year",
            "status",
            "stillbirth",
            "area_id",
            "notification_recorded",
            "age_band",
            "sex",
            "ethnicity",
            "imd_decile",
            "place_category",
            "expected",
            "expected_known",
            "jar",
            "coroner_informed",
            "looked_after",
            "post_mortem_planned",
        ],
    ),
    (
        "idx_cases_report_reviewed",
        "cases",
        &[
            "review_completed_on",
            "status",
            "stillbirth",
            "area_id",
            "age_band",
            "sex",
            "ethnicity",
            "imd_decile",
            "place_category",
            "expected",
            "expected_known",
            "reporting_year",
            "days_to_notification",
            "days_to_cdrm",
            "days_to_panel",
            "days_to_review",
            "death_month",
            "closed_on",
        ],
    ),
    (
        "idx_cases_report_died",
        "cases",
        &[
            "death_month",
            "status",
            "stillbirth",
            "area_id",
            "age_band",
            "sex",
            "ethnicity",
            "imd_decile",
            "place_category",
            "expected",
            "expected_known",
            "review_completed_on",
        ],
    ),
    ("idx_analyses_report", "analyses", &["case_id", "status", "category", "modifiable"]),
    ("idx_analysis_answers_report", "analysis_answers", &["analysis_id", "item_key", "row_no", "value"]),
];

/// The indexes the covering ones begin with: (name, table, columns).
const REPLACED: [(&str, &str, &[&str]); 3] = [
    ("idx_cases_review_completed", "cases", &["review_completed_on", "area_id"]),
    ("cases_death_month", "cases", &["death_month"]),
    ("idx_analysis_answers_analysis", "analysis_answers", &["analysis_id"]),
];

async fn create(m: &SchemaManager<'_>, name: &str, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(Alias::new(table));
    for c in cols {
        idx.col(Alias::new(*c));
    }
    m.create_index(idx.to_owned()).await
}

async fn drop(m: &SchemaManager<'_>, name: &str, table: &str) -> Result<(), DbErr> {
    m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in COVERING {
            create(m, name, table, cols).await?;
        }
        for (name, table, _) in REPLACED {
            drop(m, name, table).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in REPLACED {
            create(m, name, table, cols).await?;
        }
        for (name, table, _) in COVERING {
            drop(m, name, table).await?;
        }
        Ok(())
    }
}
