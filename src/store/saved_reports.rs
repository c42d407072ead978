//! Ad-hoc thematic reports saved by their name: the definition is kept whole (JSON) and read
//! whole; nothing queries into it. A saved report belongs to one area, or to every area
//! (`area_id` NULL), and only those who work in it see it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};

use super::StoreResult;
use crate::domain::anonymity::Checked;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub definition: String,
    /// The area it belongs to; `None`: every area.
    pub area_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Saved {
    /// Whether someone working in `areas` (and holding every area when `all_areas`) sees it.
    pub fn visible_to(&self, areas: &[i64], all_areas: bool) -> bool {
        match self.area_id {
            Some(a) => areas.contains(&a),
            None => all_areas,
        }
    }
}

/// A report to save: its name and description passed the identifier check.
pub struct NewSaved<'a> {
    pub name: &'a Checked,
    pub description: &'a Checked,
    pub definition: &'a str,
    pub area_id: Option<i64>,
    pub by: i64,
}

pub async fn insert<C: ConnectionTrait>(conn: &C, s: NewSaved<'_>) -> StoreResult<i64> {
    let backend = conn.get_database_backend();
    let description = Some(s.description.as_str().to_string()).filter(|d| !d.is_empty());
    let values: Vec<Value> = vec![
        s.name.as_str().into(),
        description.into(),
        s.definition.into(),
        s.area_id.into(),
        s.by.into(),
        super::now().into(),
    ];
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO saved_reports (name, description, definition, area_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            values,
        ))
        .await?
        .ok_or(super::StoreError::NotFound)?;
    Ok(row.try_get("", "id")?)
}

const COLUMNS: &str = "id, name, description, definition, area_id, created_by, created_at";

fn saved(r: &sea_orm::QueryResult) -> Result<Saved, sea_orm::DbErr> {
    Ok(Saved {
        id: r.try_get("", "id")?,
        name: r.try_get("", "name")?,
        description: r.try_get::<Option<String>>("", "description")?.unwrap_or_default(),
        definition: r.try_get("", "definition")?,
        area_id: r.try_get("", "area_id")?,
        created_by: r.try_get("", "created_by")?,
        created_at: r.try_get("", "created_at")?,
    })
}

/// Every saved report, by name (callers keep those the user may see).
pub async fn list<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Saved>> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT {COLUMNS} FROM saved_reports ORDER BY name, id"),
        ))
        .await?;
    Ok(rows.iter().map(saved).collect::<Result<Vec<_>, _>>()?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Saved>> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            format!("SELECT {COLUMNS} FROM saved_reports WHERE id = $1"),
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
