//! Areas: the local authority areas the panel serves.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::store::entities::area;
use crate::store::{StoreError, StoreResult, now};

pub use crate::store::entities::area::Model as Area;

pub const DEFAULT_AREA: &str = "Default area";

pub async fn list<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Area>> {
    Ok(area::Entity::find().order_by_asc(area::Column::Name).all(conn).await?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Area>> {
    Ok(area::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_name<C: ConnectionTrait>(conn: &C, name: &str) -> StoreResult<Option<Area>> {
    Ok(area::Entity::find().filter(area::Column::Name.eq(name.trim())).one(conn).await?)
}

/// By name, ignoring case (areas are few, so this reads them all).
pub async fn find_by_name_any_case<C: ConnectionTrait>(conn: &C, name: &str) -> StoreResult<Option<Area>> {
    let name = name.trim();
    Ok(list(conn).await?.into_iter().find(|a| a.name.eq_ignore_ascii_case(name)))
}

pub async fn create<C: ConnectionTrait>(conn: &C, name: &str) -> StoreResult<Area> {
    area::ActiveModel {
        name: Set(name.trim().to_string()),
        active: Set(true),
        created_at: Set(now()),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        StoreError::unique_as_conflict(
            e,
            "An area with this name already exists (names are compared ignoring capitals)",
        )
    })
}

/// Renames an area if it is still at `expected_version`.
pub async fn rename<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    name: &str,
) -> StoreResult<Area> {
    let Some(current) = find(conn, id).await? else { return Err(StoreError::NotFound) };
    if current.version != expected_version {
        return Err(StoreError::Conflict(
            "Someone else changed this area since you opened the page. Your change has not been saved."
                .into(),
        ));
    }
    let mut active: area::ActiveModel = current.into();
    active.name = Set(name.trim().to_string());
    active.version = Set(expected_version + 1);
    active.update(conn).await.map_err(|e| {
        StoreError::unique_as_conflict(
            e,
            "An area with this name already exists (names are compared ignoring capitals)",
        )
    })
}

/// Deactivates or reactivates an area if it is still at `expected_version`.
pub async fn set_active<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    active: bool,
) -> StoreResult<Area> {
    let Some(current) = find(conn, id).await? else { return Err(StoreError::NotFound) };
    if current.version != expected_version {
        return Err(StoreError::Conflict(
            "Someone else changed this area since you opened the page. Nothing has been saved.".into(),
        ));
    }
    let mut model: area::ActiveModel = current.into();
    model.active = Set(active);
    model.version = Set(expected_version + 1);
    Ok(model.update(conn).await?)
}

/// Makes sure at least one area exists (a fresh installation gets `name`, by default "Default area").
pub async fn ensure_one<C: ConnectionTrait>(conn: &C, name: &str) -> StoreResult<Option<Area>> {
    if list(conn).await?.is_empty() {
        return Ok(Some(create(conn, name).await?));
    }
    Ok(None)
}
