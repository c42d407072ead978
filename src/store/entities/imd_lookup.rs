use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imd_lookup")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub postcode_index: String,
    pub imd_decile: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
