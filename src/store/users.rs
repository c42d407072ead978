//! Users, their roles and area scopes, sign-in counters, and two-factor secrets. Users are never
//! deleted, only disabled.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Statement,
};

use crate::domain::email::EmailAddress;
use crate::domain::policy::Principal;
use crate::domain::role::Role;
use crate::store::entities::{recovery_code, user, user_area, user_role};
use crate::store::{Db, StoreError, StoreResult, now};

pub use crate::store::entities::user::Model as User;

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: EmailAddress,
    pub name: String,
    /// An Argon2id hash; `None` for service accounts, which only use API tokens.
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub service_account: bool,
    pub roles: Vec<Role>,
    pub area_ids: Vec<i64>,
}

/// A user with roles and areas, for lists and the admin pages.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub user: User,
    pub roles: Vec<Role>,
    pub area_ids: Vec<i64>,
}

pub async fn create<C: ConnectionTrait>(conn: &C, new: &NewUser) -> StoreResult<User> {
    let t = now();
    let model = user::ActiveModel {
        email: Set(new.email.normalised()),
        name: Set(new.name.trim().to_string()),
        password_hash: Set(new.password_hash.clone()),
        must_change_password: Set(new.must_change_password),
        service_account: Set(new.service_account),
        disabled: Set(false),
        failed_attempts: Set(0),
        locked_until: Set(None),
        totp_secret: Set(None),
        totp_pending_secret: Set(None),
        totp_last_step: Set(None),
        last_login_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
        version: Set(1),
        ..Default::default()
    };
    let user = model.insert(conn).await.map_err(|e| {
        StoreError::unique_as_conflict(e, "An account with this email address already exists")
    })?;
    replace_roles(conn, user.id, &new.roles).await?;
    replace_areas(conn, user.id, &new.area_ids).await?;
    Ok(user)
}

async fn replace_roles<C: ConnectionTrait>(conn: &C, user_id: i64, roles: &[Role]) -> StoreResult<()> {
    user_role::Entity::delete_many().filter(user_role::Column::UserId.eq(user_id)).exec(conn).await?;
    let rows =
        roles.iter().map(|r| user_role::ActiveModel { user_id: Set(user_id), role: Set(r.as_str().into()) });
    user_role::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

async fn replace_areas<C: ConnectionTrait>(conn: &C, user_id: i64, area_ids: &[i64]) -> StoreResult<()> {
    user_area::Entity::delete_many().filter(user_area::Column::UserId.eq(user_id)).exec(conn).await?;
    let rows = area_ids.iter().map(|a| user_area::ActiveModel { user_id: Set(user_id), area_id: Set(*a) });
    user_area::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<User>> {
    Ok(user::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_email<C: ConnectionTrait>(conn: &C, email: &str) -> StoreResult<Option<User>> {
    Ok(user::Entity::find().filter(user::Column::Email.eq(email.trim().to_lowercase())).one(conn).await?)
}

pub async fn roles<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<Vec<Role>> {
    let rows = user_role::Entity::find().filter(user_role::Column::UserId.eq(user_id)).all(conn).await?;
    let mut roles: Vec<Role> = rows.iter().filter_map(|r| r.role.parse().ok()).collect();
    roles.sort();
    Ok(roles)
}

pub async fn area_ids<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<Vec<i64>> {
    let rows = user_area::Entity::find().filter(user_area::Column::UserId.eq(user_id)).all(conn).await?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.area_id).collect();
    ids.sort();
    Ok(ids)
}

/// The principal a request acts for.
pub async fn principal<C: ConnectionTrait>(
    conn: &C,
    user: &User,
    token_id: Option<i64>,
) -> StoreResult<Principal> {
    Ok(Principal {
        user_id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        roles: roles(conn, user.id).await?,
        area_ids: area_ids(conn, user.id).await?,
        token_id,
    })
}

/// Every user with roles and areas, active first, then by name.
pub async fn list(db: &Db) -> StoreResult<Vec<UserSummary>> {
    let users = user::Entity::find()
        .order_by_asc(user::Column::Disabled)
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?;
    let mut roles: BTreeMap<i64, Vec<Role>> = BTreeMap::new();
    for r in user_role::Entity::find().all(db).await? {
        if let Ok(role) = r.role.parse() {
            roles.entry(r.user_id).or_default().push(role);
        }
    }
    let mut areas: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for a in user_area::Entity::find().all(db).await? {
        areas.entry(a.user_id).or_default().push(a.area_id);
    }
    Ok(users
        .into_iter()
        .map(|u| {
            let mut r = roles.remove(&u.id).unwrap_or_default();
            r.sort();
            UserSummary { roles: r, area_ids: areas.remove(&u.id).unwrap_or_default(), user: u }
        })
        .collect())
}

pub async fn count(db: &Db) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find().count(db).await?)
}

/// Emails of active users holding any of `roles` in `area_id`.
pub async fn emails_with_role_in_area<C: ConnectionTrait>(
    conn: &C,
    roles: &[Role],
    area_id: i64,
) -> StoreResult<Vec<String>> {
    let role_params: Vec<String> = (0..roles.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT DISTINCT u.email AS email FROM users u \
         JOIN user_roles r ON r.user_id = u.id \
         JOIN user_areas a ON a.user_id = u.id \
         WHERE a.area_id = $1 AND u.disabled = $2 AND r.role IN ({}) ORDER BY u.email",
        role_params.join(", ")
    );
    let mut values: Vec<sea_orm::Value> = vec![area_id.into(), false.into()];
    values.extend(roles.iter().map(|r| sea_orm::Value::from(r.as_str())));
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    rows.iter().map(|r| r.try_get::<String>("", "email").map_err(StoreError::from)).collect()
}

/// Emails of active users holding `role` (any area).
pub async fn emails_with_role<C: ConnectionTrait>(conn: &C, role: Role) -> StoreResult<Vec<String>> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT DISTINCT u.email AS email FROM users u JOIN user_roles r ON r.user_id = u.id \
             WHERE u.disabled = $1 AND r.role = $2 ORDER BY u.email",
            vec![false.into(), role.as_str().into()],
        ))
        .await?;
    rows.iter().map(|r| r.try_get::<String>("", "email").map_err(StoreError::from)).collect()
}

/// Records a failed sign-in; locks the account for `lock_minutes` once `threshold` consecutive
/// failures are reached. Returns true when this failure locked the account.
pub async fn record_failure<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    threshold: u32,
    lock_minutes: u32,
) -> StoreResult<bool> {
    let Some(u) = find(conn, user_id).await? else { return Err(StoreError::NotFound) };
    let attempts = u.failed_attempts + 1;
    let mut active: user::ActiveModel = u.into();
    if attempts >= threshold as i32 {
        active.failed_attempts = Set(0);
        active.locked_until = Set(Some(now() + TimeDelta::minutes(i64::from(lock_minutes))));
        active.update(conn).await?;
        Ok(true)
    } else {
        active.failed_attempts = Set(attempts);
        active.update(conn).await?;
        Ok(false)
    }
}

pub async fn record_success<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::FailedAttempts, 0.into())
        .col_expr(user::Column::LockedUntil, sea_orm::sea_query::Expr::value(None::<DateTime<Utc>>))
        .col_expr(user::Column::LastLoginAt, sea_orm::sea_query::Expr::value(now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_password<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    hash: String,
    must_change: bool,
) -> StoreResult<()> {
    let Some(u) = find(conn, user_id).await? else { return Err(StoreError::NotFound) };
    let version = u.version;
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(Some(hash));
    active.must_change_password = Set(must_change);
    active.failed_attempts = Set(0);
    active.locked_until = Set(None);
    active.updated_at = Set(now());
    active.version = Set(version + 1);
    active.update(conn).await?;
    Ok(())
}

/// Changes roles and areas if the user is still at `expected_version` (optimistic locking).
pub async fn update_access<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    expected_version: i64,
    roles: &[Role],
    area_ids: &[i64],
) -> StoreResult<()> {
    bump_version(conn, user_id, expected_version).await?;
    replace_roles(conn, user_id, roles).await?;
    replace_areas(conn, user_id, area_ids).await?;
    Ok(())
}

/// Corrects a user's name and email if the user is still at `expected_version`; a taken email
/// is a conflict naming it.
pub async fn update_details<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    expected_version: i64,
    name: &str,
    email: &str,
) -> StoreResult<()> {
    bump_version(conn, user_id, expected_version).await?;
    user::Entity::update_many()
        .col_expr(user::Column::Name, name.into())
        .col_expr(user::Column::Email, email.into())
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await
        .map_err(|e| StoreError::unique_as_conflict(e, "Another account already uses this email address"))?;
    Ok(())
}

/// Increments the version if it is still `expected`; otherwise someone else changed the user.
async fn bump_version<C: ConnectionTrait>(conn: &C, user_id: i64, expected: i64) -> StoreResult<()> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::Version, sea_orm::sea_query::Expr::col(user::Column::Version).add(1))
        .col_expr(user::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::Version.eq(expected))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::Conflict(
            "Someone else changed this user since you opened the page. Your changes have not been saved."
                .into(),
        ));
    }
    Ok(())
}

pub async fn set_disabled<C: ConnectionTrait>(conn: &C, user_id: i64, disabled: bool) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::Disabled, disabled.into())
        .col_expr(user::Column::Version, sea_orm::sea_query::Expr::col(user::Column::Version).add(1))
        .col_expr(user::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_pending_totp<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    secret: Option<String>,
) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::TotpPendingSecret, sea_orm::sea_query::Expr::value(secret))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Turns two-factor authentication on with `secret`, replacing the recovery codes.
pub async fn enable_totp<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    secret: &str,
    used_step: i64,
    recovery_hashes: &[String],
) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::TotpSecret, sea_orm::sea_query::Expr::value(Some(secret.to_string())))
        .col_expr(user::Column::TotpPendingSecret, sea_orm::sea_query::Expr::value(None::<String>))
        .col_expr(user::Column::TotpLastStep, sea_orm::sea_query::Expr::value(Some(used_step)))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user_id)).exec(conn).await?;
    let rows = recovery_hashes.iter().map(|h| recovery_code::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(h.clone()),
        used_at: Set(None),
        ..Default::default()
    });
    recovery_code::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

pub async fn disable_totp<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::TotpSecret, sea_orm::sea_query::Expr::value(None::<String>))
        .col_expr(user::Column::TotpPendingSecret, sea_orm::sea_query::Expr::value(None::<String>))
        .col_expr(user::Column::TotpLastStep, sea_orm::sea_query::Expr::value(None::<i64>))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user_id)).exec(conn).await?;
    Ok(())
}

/// Records the TOTP step just used, if it is newer than the last (so a code cannot be replayed
/// even by two requests racing). Returns false if another request used it first.
pub async fn use_totp_step<C: ConnectionTrait>(conn: &C, user_id: i64, step: i64) -> StoreResult<bool> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::TotpLastStep, sea_orm::sea_query::Expr::value(Some(step)))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::TotpLastStep.is_null().or(user::Column::TotpLastStep.lt(step)))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks an unused recovery code as used; false if no such unused code.
pub async fn use_recovery_code<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    code_hash: &str,
) -> StoreResult<bool> {
    let result = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, sea_orm::sea_query::Expr::value(Some(now())))
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::CodeHash.eq(code_hash))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn unused_recovery_codes<C: ConnectionTrait>(conn: &C, user_id: i64) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(conn)
        .await?)
}
