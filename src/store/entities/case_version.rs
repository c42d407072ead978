use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    /// The case's version number this row preserves (what it was before the change).
    pub version: i64,
    /// `amended`, `merged_into` (a duplicate's details were added to it).
    pub kind: String,
    /// The sealed record as it was, with the change's reason (one age ciphertext).
    #[sea_orm(column_type = "Blob")]
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    /// The coded columns as they were (JSON of codes).
    #[sea_orm(column_type = "Text")]
    pub coded: String,
    /// The names of the fields the change altered (comma-separated paths; no values).
    pub fields: String,
    pub changed_by: Option<i64>,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
