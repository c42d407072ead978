//! The one migration set for SQLite and PostgreSQL.
//!
//! Rules (see DESIGN.md §5): times are bound from Rust, never `CURRENT_TIMESTAMP`; enums are
//! strings; one change per `alter_table`; foreign keys declared in `create_table`; every
//! migration runs in a transaction on both databases.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_areas;
mod m20261123_000002_identity;
mod m20261123_000003_cases;
mod m20261124_000004_intake_v2;
mod m20261124_000005_forms;
mod m20261124_000006_review;
mod m20261125_000007_reports;
mod m20261126_000008_imports;
mod m20261126_000009_export_jobs;
mod m20261127_000010_retention;
mod m20261206_000011_anonymity;
mod m20261207_000012_daily_work;
mod m20261208_000013_instances;
mod m20261209_000014_death_month;
mod m20261210_000015_history_gaps;
mod m20261210_000016_report_indexes;
mod m20261210_000017_denominators;
mod m20261211_000018_single_sign_on;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_areas::Migration),
            Box::new(m20261123_000002_identity::Migration),
            Box::new(m20261123_000003_cases::Migration),
            Box::new(m20261124_000004_intake_v2::Migration),
            Box::new(m20261124_000005_forms::Migration),
            Box::new(m20261124_000006_review::Migration),
            Box::new(m20261125_000007_reports::Migration),
            Box::new(m20261126_000008_imports::Migration),
            Box::new(m20261126_000009_export_jobs::Migration),
            Box::new(m20261127_000010_retention::Migration),
            Box::new(m20261206_000011_anonymity::Migration),
            Box::new(m20261207_000012_daily_work::Migration),
            Box::new(m20261208_000013_instances::Migration),
            Box::new(m20261209_000014_death_month::Migration),
            Box::new(m20261210_000015_history_gaps::Migration),
            Box::new(m20261210_000016_report_indexes::Migration),
            Box::new(m20261210_000017_denominators::Migration),
            Box::new(m20261211_000018_single_sign_on::Migration),
        ]
    }
}
