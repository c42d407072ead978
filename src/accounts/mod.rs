//! Accounts: people and service accounts, their access (roles and areas), their credentials, API
//! tokens and the areas themselves. The admin pages, the account page, the CLI and the first
//! start all come here, so an account is made, changed and audited one way. Each step takes only
//! the database (and the clock where time matters), so the CLI needs no service context.

pub mod areas;
pub mod sso;
pub mod tokens;

use crate::crypto::{password, secrets};
use crate::domain::audit::AuditAction;
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::service::{Acting, ServiceError, ServiceResult, invalid};
use crate::store::{self, Db, StoreError, audit, sessions, users};

/// How a new account gets its first password.
#[derive(Debug, Clone)]
pub enum FirstPassword {
    /// A random one-time password, returned once, to be changed at the first sign-in.
    OneTime,
    /// A password the person chose (already checked against the password rules).
    Chosen(String),
    /// None: a service account (API tokens only) or an account that never signs in.
    None,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: EmailAddress,
    pub name: String,
    pub roles: Vec<Role>,
    pub area_ids: Vec<i64>,
    pub service_account: bool,
    pub password: FirstPassword,
}

/// An account just made, with its one-time password when it got one.
pub struct Created {
    pub user: users::User,
    pub one_time_password: Option<String>,
}

pub(crate) fn codes<T>(items: &[T], code: impl Fn(&T) -> String) -> String {
    items.iter().map(code).collect::<Vec<_>>().join(",")
}

/// Creates an account, audited with its roles and areas. An email already in use is a field
/// problem on `email`.
pub async fn create(db: &Db, acting: &Acting<'_>, new: NewAccount) -> ServiceResult<Created> {
    let (hash, one_time) = match new.password {
        FirstPassword::OneTime => {
            let p = secrets::one_time_password();
            (Some(password::hash(p.clone()).await?), Some(p))
        }
        FirstPassword::Chosen(p) => (Some(password::hash(p).await?), None),
        FirstPassword::None => (None, None),
    };
    let txn = store::begin_write(db).await?;
    let record = users::NewUser {
        email: new.email,
        name: new.name,
        password_hash: hash,
        must_change_password: one_time.is_some(),
        service_account: new.service_account,
        roles: new.roles.clone(),
        area_ids: new.area_ids.clone(),
    };
    let user = match users::create(&txn, &record).await {
        Ok(u) => u,
        Err(StoreError::Conflict(message)) => return Err(invalid("email", message)),
        Err(e) => return Err(e.into()),
    };
    audit::append(
        &txn,
        &acting.event(AuditAction::UserCreated, "user", user.id.to_string()).details(format!(
            "roles={};areas={};service_account={}",
            codes(&new.roles, |r| r.as_str().to_string()),
            codes(&new.area_ids, i64::to_string),
            new.service_account
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(Created { user, one_time_password: one_time })
}

/// Sets an account's roles and areas (optimistically locked: `expected` is the version the admin
/// saw). A change of privilege ends the account's sessions, unless it is the admin's own.
pub async fn set_access(
    db: &Db,
    acting: &Acting<'_>,
    id: i64,
    expected: i64,
    roles: &[Role],
    area_ids: &[i64],
) -> ServiceResult<()> {
    if acting.actor.user_id() == Some(id) && !roles.contains(&Role::Admin) {
        return Err(invalid("role", "You cannot remove your own admin role. Ask another admin to do it"));
    }
    let before_roles = users::roles(db, id).await?;
    let before_areas = users::area_ids(db, id).await?;
    let txn = store::begin_write(db).await?;
    users::update_access(&txn, id, expected, roles, area_ids).await?;
    if before_roles != roles {
        let details = format!(
            "from={};to={}",
            codes(&before_roles, |r| r.as_str().to_string()),
            codes(roles, |r| r.as_str().to_string())
        );
        audit::append(
            &txn,
            &acting.event(AuditAction::UserRolesChanged, "user", id.to_string()).details(details),
        )
        .await?;
    }
    if before_areas != area_ids {
        let details =
            format!("from={};to={}", codes(&before_areas, i64::to_string), codes(area_ids, i64::to_string));
        audit::append(
            &txn,
            &acting.event(AuditAction::UserAreasChanged, "user", id.to_string()).details(details),
        )
        .await?;
    }
    if acting.actor.user_id() != Some(id) && (before_roles != roles || before_areas != area_ids) {
        sessions::delete_for_user(&txn, id).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Corrects an account's name and email (optimistically locked). Returns the fields changed
/// (none: nothing was written). An email in use by another account is a problem on `email`.
pub async fn set_details(
    db: &Db,
    acting: &Acting<'_>,
    before: &users::User,
    expected: i64,
    name: &str,
    email: &EmailAddress,
) -> ServiceResult<Vec<&'static str>> {
    let mut fields = Vec::new();
    if before.name != name {
        fields.push("name");
    }
    if !before.email.eq_ignore_ascii_case(email.as_str()) {
        fields.push("email");
    }
    if fields.is_empty() {
        return Ok(fields);
    }
    let txn = store::begin_write(db).await?;
    match users::update_details(&txn, before.id, expected, name, email.as_str()).await {
        Ok(()) => {}
        Err(StoreError::Conflict(message)) if message.starts_with("Someone") => {
            return Err(ServiceError::Conflict(message));
        }
        Err(StoreError::Conflict(message)) => return Err(invalid("email", message)),
        Err(e) => return Err(e.into()),
    }
    audit::append(
        &txn,
        &acting
            .event(AuditAction::UserDetailsChanged, "user", before.id.to_string())
            .details(format!("fields={}", fields.join(","))),
    )
    .await?;
    txn.commit().await?;
    Ok(fields)
}

/// Disables (ending its sessions) or enables an account; returns how many sessions ended. Nobody
/// disables their own.
pub async fn set_disabled(db: &Db, acting: &Acting<'_>, id: i64, disabled: bool) -> ServiceResult<u64> {
    if disabled && acting.actor.user_id() == Some(id) {
        return Err(ServiceError::Refused("You cannot disable your own account.".into()));
    }
    users::find(db, id).await?.ok_or(ServiceError::NotFound)?;
    let txn = store::begin_write(db).await?;
    users::set_disabled(&txn, id, disabled).await?;
    let ended = if disabled { sessions::delete_for_user(&txn, id).await? } else { 0 };
    let action = if disabled { AuditAction::UserDisabled } else { AuditAction::UserEnabled };
    audit::append(&txn, &acting.event(action, "user", id.to_string())).await?;
    txn.commit().await?;
    Ok(ended)
}

/// Gives a person's account a new one-time password (returned once), ending their sessions and
/// revoking their API tokens.
pub async fn reset_password(db: &Db, acting: &Acting<'_>, id: i64) -> ServiceResult<String> {
    let user = users::find(db, id).await?.ok_or(ServiceError::NotFound)?;
    if user.service_account {
        return Err(ServiceError::Refused("Service accounts have no password; they use API tokens.".into()));
    }
    let one_time = secrets::one_time_password();
    let hash = password::hash(one_time.clone()).await?;
    let txn = store::begin_write(db).await?;
    users::set_password(&txn, id, hash, true).await?;
    sessions::delete_for_user(&txn, id).await?;
    // A reset ends every way in: sessions and API tokens alike.
    let revoked = crate::store::tokens::revoke_all_for_user(&txn, id).await?;
    audit::append(
        &txn,
        &acting
            .event(AuditAction::PasswordReset, "user", id.to_string())
            .details(format!("tokens_revoked={revoked}")),
    )
    .await?;
    txn.commit().await?;
    Ok(one_time)
}

/// Turns off an account's two-factor authentication (set up again at the next sign-in), ending
/// its sessions and revoking its API tokens.
pub async fn reset_two_factor(db: &Db, acting: &Acting<'_>, id: i64) -> ServiceResult<()> {
    users::find(db, id).await?.ok_or(ServiceError::NotFound)?;
    let txn = store::begin_write(db).await?;
    users::disable_totp(&txn, id).await?;
    sessions::delete_for_user(&txn, id).await?;
    let revoked = crate::store::tokens::revoke_all_for_user(&txn, id).await?;
    audit::append(
        &txn,
        &acting
            .event(AuditAction::MfaReset, "user", id.to_string())
            .details(format!("tokens_revoked={revoked}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
