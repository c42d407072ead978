use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analyses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub revision: i32,
    pub form_version: String,
    pub status: String,
    pub category: Option<String>,
    pub modifiable: Option<String>,
    #[sea_orm(column_type = "Blob", nullable)]
    pub sealed: Option<Vec<u8>>,
    pub sealed_key: String,
    pub signed_by: Option<i64>,
    pub signed_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
