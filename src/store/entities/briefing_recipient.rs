use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "briefing_recipients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub briefing_id: i64,
    pub recipient_id: i64,
    pub token_hash: String,
    pub sent_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
