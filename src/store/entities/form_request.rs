use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub area_id: i64,
    pub form_code: String,
    pub form_version: String,
    pub agency: String,
    pub agency_type: String,
    #[sea_orm(column_type = "Blob")]
    pub recipient_sealed: Vec<u8>,
    pub token_hash: String,
    pub token_expires_at: DateTimeUtc,
    pub status: String,
    pub due_date: Date,
    pub reminders_sent: i32,
    pub last_reminder_at: Option<DateTimeUtc>,
    pub escalated: bool,
    #[sea_orm(column_type = "Blob", nullable)]
    pub answers_sealed: Option<Vec<u8>>,
    pub sealed_key: String,
    pub answered: i32,
    pub not_known: i32,
    pub missing: i32,
    pub withdraw_reason: Option<String>,
    pub requested_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub opened_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub return_days: Option<i32>,
    pub submitted_by: Option<i64>,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::case::Entity", from = "Column::CaseId", to = "super::case::Column::Id")]
    Case,
}

impl ActiveModelBehavior for ActiveModel {}
