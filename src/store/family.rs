//! The family's key worker (one per case, sealed) and the log of contacts with the family
//! (date, who, kind in clear; the note sealed).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::store::entities::{family_contact, key_worker};
use crate::store::{StoreError, StoreResult, now, update_versioned};

pub type KeyWorker = key_worker::Model;
pub type Contact = family_contact::Model;

pub async fn key_worker<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Option<KeyWorker>> {
    Ok(key_worker::Entity::find().filter(key_worker::Column::CaseId.eq(case_id)).one(conn).await?)
}

/// Names the key worker: a first one (`version` 0) or a change to the one at `version`.
pub async fn set_key_worker<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    version: i64,
    sealed: Vec<u8>,
    sealed_key: &str,
) -> StoreResult<()> {
    const STALE: &str = "Someone else changed the key worker while you were editing.";
    match key_worker(conn, case_id).await? {
        None if version == 0 => {
            key_worker::Entity::insert(key_worker::ActiveModel {
                case_id: Set(case_id),
                sealed: Set(sealed),
                sealed_key: Set(sealed_key.into()),
                updated_at: Set(now()),
                version: Set(1),
                ..Default::default()
            })
            .exec_without_returning(conn)
            .await?;
            Ok(())
        }
        Some(k) if version > 0 => {
            use sea_orm::sea_query::Expr;
            update_versioned(
                conn,
                key_worker::Entity::update_many()
                    .col_expr(key_worker::Column::Sealed, Expr::value(sealed))
                    .col_expr(key_worker::Column::SealedKey, Expr::value(sealed_key)),
                (key_worker::Column::Id, key_worker::Column::Version, key_worker::Column::UpdatedAt),
                k.id,
                version,
                STALE,
            )
            .await
        }
        _ => Err(StoreError::Conflict(STALE.into())),
    }
}

pub struct NewContact {
    pub case_id: i64,
    pub contact_on: NaiveDate,
    pub by_user: Option<i64>,
    pub kind: String,
    pub sealed: Vec<u8>,
    pub sealed_key: String,
    pub at: DateTime<Utc>,
}

pub async fn add_contact<C: ConnectionTrait>(conn: &C, c: NewContact) -> StoreResult<i64> {
    Ok(family_contact::Entity::insert(family_contact::ActiveModel {
        case_id: Set(c.case_id),
        contact_on: Set(c.contact_on),
        by_user: Set(c.by_user),
        kind: Set(c.kind),
        sealed: Set(c.sealed),
        sealed_key: Set(c.sealed_key),
        created_at: Set(c.at),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

/// The case's contacts, most recent first.
pub async fn contacts<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<Contact>> {
    Ok(family_contact::Entity::find()
        .filter(family_contact::Column::CaseId.eq(case_id))
        .order_by_desc(family_contact::Column::ContactOn)
        .order_by_desc(family_contact::Column::Id)
        .all(conn)
        .await?)
}
