//! Ad-hoc thematic reports saved by their name: the definition is kept whole (JSON) and read
//! whole; nothing queries into it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub name: String,
    pub definition: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(conn: &C, name: &str, definition: &str, by: i64) -> StoreResult<i64> {
    let backend = conn.get_database_backend();
    let values: Vec<Value> = vec![name.into(), definition.into(), by.into(), super::now().into()];
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO saved_reports (name, definition, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            values,
        ))
        .await?
        .ok_or(super::StoreError::NotFound)?;
    Ok(row.try_get("", "id")?)
}

fn saved(r: &sea_orm::QueryResult) -> Result<Saved, sea_orm::DbErr> {
    Ok(Saved {
        id: r.try_get("", "id")?,
        name: r.try_get("", "name")?,
        definition: r.try_get("", "definition")?,
        created_by: r.try_get("", "created_by")?,
        created_at: r.try_get("", "created_at")?,
    })
}

pub async fn list<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Saved>> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT id, name, definition, created_by, created_at FROM saved_reports ORDER BY name, id",
        ))
        .await?;
    Ok(rows.iter().map(saved).collect::<Result<Vec<_>, _>>()?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Saved>> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT id, name, definition, created_by, created_at FROM saved_reports WHERE id = $1",
            vec![id.into()],
        ))
        .await?;
    Ok(row.as_ref().map(saved).transpose()?)
}

pub async fn delete<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<()> {
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "DELETE FROM saved_reports WHERE id = $1",
        vec![id.into()],
    ))
    .await?;
    Ok(())
}
