//! Records imported from a panel's previous system, by area and a blind index of their record
//! id there, so importing the same file again creates no duplicates.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};

use crate::store::StoreResult;

/// Of the `indexes` given, those already imported into the area, with their case reference.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    area_id: i64,
    indexes: &[String],
) -> StoreResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in indexes.chunks(500) {
        let mut values: Vec<Value> = vec![area_id.into()];
        let sql = format!(
            "SELECT i.record_index, c.reference FROM imported_records i JOIN cases c ON c.id = i.case_id \
             WHERE i.area_id = $1 AND i.record_index IN ({})",
            super::bind_list(&mut values, chunk)
        );
        for row in conn
            .query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values))
            .await?
        {
            out.insert(row.try_get::<String>("", "record_index")?, row.try_get::<String>("", "reference")?);
        }
    }
    Ok(out)
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    area_id: i64,
    record_index: &str,
    case_id: i64,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "INSERT INTO imported_records (area_id, record_index, case_id, imported_at) VALUES ($1, $2, $3, $4)",
        [area_id.into(), record_index.into(), case_id.into(), at.into()],
    ))
    .await?;
    Ok(())
}
