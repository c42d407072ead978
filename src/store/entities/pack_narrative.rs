use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pack_narratives")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub request_id: i64,
    pub item_key: String,
    pub row_no: i32,
    pub status: String,
    #[sea_orm(column_type = "Blob")]
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    pub source_hash: String,
    pub redactions: i32,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
