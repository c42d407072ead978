use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub template: String,
    pub case_reference: Option<String>,
    pub to_address: Option<String>,
    #[sea_orm(column_type = "Blob", nullable)]
    pub sealed_to: Option<Vec<u8>>,
    pub sealed_key: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// An `.ics` attachment (meeting invitations).
    #[sea_orm(column_type = "Text", nullable)]
    pub calendar: Option<String>,
    /// The token of the sender holding the claim (a random value per claim).
    pub claim_token: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
