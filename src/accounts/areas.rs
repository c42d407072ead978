//! Areas (the local authorities a panel covers), and the first start: the first area and the
//! first admin account.

use crate::domain::audit::AuditAction;
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::service::{Acting, ServiceError, ServiceResult, invalid};
use crate::store::{self, Db, StoreError, areas, audit, users};

use super::{FirstPassword, NewAccount};

/// Checks an area's name: one line, at most 120 characters.
pub fn name(typed: &str, field: &str) -> ServiceResult<String> {
    crate::domain::text::one_line(typed, 120, "Enter the area's name", "Name").map_err(|m| invalid(field, m))
}

/// Adds an area. A name in use is a problem on `name`.
pub async fn create(db: &Db, acting: &Acting<'_>, typed: &str) -> ServiceResult<areas::Area> {
    let name = name(typed, "name")?;
    let txn = store::begin_write(db).await?;
    let area = match areas::create(&txn, &name).await {
        Ok(a) => a,
        Err(StoreError::Conflict(message)) => return Err(invalid("name", message)),
        Err(e) => return Err(e.into()),
    };
    audit::append(&txn, &acting.event(AuditAction::AreaCreated, "area", area.id.to_string()).area(area.id))
        .await?;
    txn.commit().await?;
    Ok(area)
}

/// Renames an area (optimistically locked). A name in use is a problem on `field`; someone
/// else's change first is a conflict.
pub async fn rename(
    db: &Db,
    acting: &Acting<'_>,
    id: i64,
    expected: i64,
    typed: &str,
    field: &str,
) -> ServiceResult<()> {
    let name = name(typed, field)?;
    let txn = store::begin_write(db).await?;
    match areas::rename(&txn, id, expected, &name).await {
        Ok(_) => {}
        Err(StoreError::Conflict(message)) if message.starts_with("Someone") => {
            return Err(ServiceError::Conflict(message));
        }
        Err(StoreError::Conflict(message)) => return Err(invalid(field, message)),
        Err(e) => return Err(e.into()),
    }
    audit::append(&txn, &acting.event(AuditAction::AreaRenamed, "area", id.to_string()).area(id)).await?;
    txn.commit().await?;
    Ok(())
}

/// The first admin account, created on the first `cdop serve` of an empty database.
pub struct BootstrapAdmin {
    pub email: String,
    pub one_time_password: String,
    /// The name of the area the installation started with.
    pub area: String,
}

pub const BOOTSTRAP_EMAIL: &str = "admin@localhost";

/// Whether this is a first run that will create the first area.
pub async fn needs_first_area(db: &Db) -> anyhow::Result<bool> {
    if !store::pending_migrations(db).await?.is_empty() {
        return Ok(false);
    }
    Ok(areas::list(db).await?.is_empty())
}

/// Makes sure an area exists and, when there are no users at all, creates an admin of every area
/// with a random one-time password (returned so the caller can print it once; it is stored only
/// as a hash).
pub async fn bootstrap(db: &Db, first_area: Option<&str>) -> anyhow::Result<Option<BootstrapAdmin>> {
    if !store::pending_migrations(db).await?.is_empty() {
        return Ok(None);
    }
    let system = Acting::system();
    let txn = store::begin_write(db).await?;
    if let Some(area) = areas::ensure_one(&txn, first_area.unwrap_or(areas::DEFAULT_AREA)).await? {
        audit::append(
            &txn,
            &system.event(AuditAction::AreaCreated, "area", area.id.to_string()).area(area.id),
        )
        .await?;
    }
    txn.commit().await?;
    if users::count(db).await? > 0 {
        return Ok(None);
    }
    let email = EmailAddress::parse(BOOTSTRAP_EMAIL).map_err(|e| anyhow::anyhow!("bootstrap email: {e}"))?;
    let all = areas::list(db).await?;
    let created = super::create(
        db,
        &system,
        NewAccount {
            email,
            name: "Administrator".into(),
            roles: vec![Role::Admin],
            area_ids: all.iter().map(|a| a.id).collect(),
            service_account: false,
            password: FirstPassword::OneTime,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the first admin: {e}"))?;
    let area = all.first().map(|a| a.name.clone()).unwrap_or_default();
    let one_time_password = created.one_time_password.unwrap_or_default();
    Ok(Some(BootstrapAdmin { email: created.user.email, one_time_password, area }))
}
