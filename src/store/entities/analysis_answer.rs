use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub analysis_id: i64,
    pub item_key: String,
    pub row_no: i32,
    pub value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
