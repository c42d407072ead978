use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub starts_at: DateTimeUtc,
    pub duration_minutes: i32,
    pub location: String,
    pub chair_id: i64,
    pub status: String,
    #[sea_orm(column_type = "Blob", nullable)]
    pub minutes_sealed: Option<Vec<u8>>,
    pub sealed_key: String,
    pub ics_sequence: i32,
    pub uid: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
