use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prepanel_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agenda_item_id: i64,
    pub user_id: i64,
    pub category: String,
    pub modifiable: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
