use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reference: String,
    pub area_id: i64,
    pub status: String,
    pub source: String,
    #[sea_orm(column_type = "Blob")]
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    pub nhs_index: String,
    pub sex: String,
    pub ethnicity: String,
    pub age_at_death_days: i64,
    pub age_band: String,
    pub place_category: String,
    pub expected: bool,
    pub jar: bool,
    pub jar_criteria: String,
    pub stillbirth: bool,
    pub suspected_home_stillbirth: bool,
    pub coroner_informed: String,
    pub looked_after: String,
    pub imd_decile: Option<i32>,
    pub reporting_year: i32,
    pub notified_at: DateTimeUtc,
    pub created_by: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub duplicate_status: String,
    pub rejection_reason: Option<String>,
    pub synthetic: bool,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    pub nhs_number_status: String,
    pub age_approximate: bool,
    /// Comma-separated `DataQuality` codes.
    pub data_quality: String,
    pub post_mortem_planned: String,
    /// Blind index of the date of death (duplicate hints); `None` for cases notified before it.
    pub death_index: Option<String>,
    /// `none`, `outstanding` or `complete`: whether the information asked for has come in.
    pub information_status: String,
    /// The date the chair signed the analysis off: counts for "reviews completed in the year".
    pub review_completed_on: Option<Date>,
    pub closed_on: Option<Date>,
    /// Whole days from the death to notification, the CDRM, the panel and sign-off (set at
    /// sign-off, so reports need no sealed date).
    pub days_to_notification: Option<i32>,
    pub days_to_cdrm: Option<i32>,
    pub days_to_panel: Option<i32>,
    pub days_to_review: Option<i32>,
    /// The month of death as YYYYMM (202504 = April 2025), set at sign-off with the durations:
    /// deaths in a period are counted without opening a sealed record.
    pub death_month: Option<i32>,
    /// When the identifying data falls due under the retention policies (a coded date, never the
    /// trigger date itself); `None` while it cannot be known.
    pub retention_due_on: Option<Date>,
    pub retention_policy_id: Option<i64>,
    /// Set whenever a trigger or a policy changes; the retention worker computes the date again.
    pub retention_stale: bool,
    /// A date an approver set when excluding the case from destruction.
    pub retention_override_on: Option<Date>,
    /// When the identifying data was destroyed (the coded record stays).
    pub destroyed_at: Option<DateTimeUtc>,
    /// False when a previous system did not record whether the death was expected (imported
    /// history); `expected` then says nothing.
    pub expected_known: bool,
    /// False for a review imported without its notification: it counts as a review completed,
    /// not as a death notified (`notified_at` then holds the date of death, for ordering).
    pub notification_recorded: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
