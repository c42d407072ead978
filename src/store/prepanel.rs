//! Pre-panel categorisations: each attendee's own category of death and modifiable
//! determination for a case on the agenda, recorded privately before the meeting.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement,
};

use crate::store::StoreResult;
use crate::store::entities::prepanel_entry;

pub use crate::store::entities::prepanel_entry::Model as Entry;

/// Records (or replaces) a user's entry for an agenda item.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    item_id: i64,
    user_id: i64,
    category: &str,
    modifiable: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let row = prepanel_entry::ActiveModel {
        agenda_item_id: Set(item_id),
        user_id: Set(user_id),
        category: Set(category.into()),
        modifiable: Set(modifiable.into()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    prepanel_entry::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([prepanel_entry::Column::AgendaItemId, prepanel_entry::Column::UserId])
                .update_columns([
                    prepanel_entry::Column::Category,
                    prepanel_entry::Column::Modifiable,
                    prepanel_entry::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Every entry for an agenda item (callers decide who may see them).
pub async fn for_item<C: ConnectionTrait>(conn: &C, item_id: i64) -> StoreResult<Vec<Entry>> {
    Ok(prepanel_entry::Entity::find()
        .filter(prepanel_entry::Column::AgendaItemId.eq(item_id))
        .order_by_asc(prepanel_entry::Column::Id)
        .all(conn)
        .await?)
}

/// One user's entry for an agenda item.
pub async fn own<C: ConnectionTrait>(conn: &C, item_id: i64, user_id: i64) -> StoreResult<Option<Entry>> {
    Ok(prepanel_entry::Entity::find()
        .filter(prepanel_entry::Column::AgendaItemId.eq(item_id))
        .filter(prepanel_entry::Column::UserId.eq(user_id))
        .one(conn)
        .await?)
}

/// One pre-panel rating of a case whose review was completed in the period, with the final
/// (signed) decision: (case id, user id, rated category, rated modifiable, final category, final
/// modifiable).
#[derive(Debug, Clone)]
pub struct RatingRow {
    pub case_id: i64,
    pub user_id: i64,
    pub category: String,
    pub modifiable: String,
    pub final_category: String,
    pub final_modifiable: String,
}

/// Ratings of cases whose review was completed between `from` and `to` (inclusive) in `areas`.
pub async fn ratings<C: ConnectionTrait>(
    conn: &C,
    from: NaiveDate,
    to: NaiveDate,
    areas: &[i64],
) -> StoreResult<Vec<RatingRow>> {
    if areas.is_empty() {
        return Ok(Vec::new());
    }
    let area_params: Vec<String> = (0..areas.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT c.id AS case_id, p.user_id AS user_id, p.category AS category, p.modifiable AS modifiable, \
         a.category AS final_category, a.modifiable AS final_modifiable \
         FROM prepanel_entries p \
         JOIN agenda_items i ON i.id = p.agenda_item_id \
         JOIN cases c ON c.id = i.case_id \
         JOIN analyses a ON a.case_id = c.id AND a.status = $3 \
         WHERE c.review_completed_on >= $1 AND c.review_completed_on <= $2 AND c.area_id IN ({}) \
         ORDER BY c.id, p.user_id",
        area_params.join(", ")
    );
    let mut values: Vec<sea_orm::Value> = vec![from.into(), to.into(), "signed".into()];
    values.extend(areas.iter().map(|a| sea_orm::Value::from(*a)));
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok(RatingRow {
                case_id: r.try_get("", "case_id")?,
                user_id: r.try_get("", "user_id")?,
                category: r.try_get("", "category")?,
                modifiable: r.try_get("", "modifiable")?,
                final_category: r.try_get::<Option<String>>("", "final_category")?.unwrap_or_default(),
                final_modifiable: r.try_get::<Option<String>>("", "final_modifiable")?.unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()
        .map_err(Into::into)
}
