//! Triage: a coordinator accepts or rejects a notification sent without an account, or confirms
//! that a possible duplicate is a separate case. Each step is optimistically locked (the version
//! the page showed), checked by the workflow and audited in one transaction.

use crate::context::Context;
use crate::domain::amendment::KeptVersion;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{CaseStatus, DuplicateStatus, RejectionReason};
use crate::domain::role::Role;
use crate::domain::workflow::Facts;
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::cases::{self, Case};
use crate::store::{self, areas, audit, case_versions};

/// Accepts a waiting notification: it becomes notified and the area's designated doctors and
/// coordinators are told. Returns how many emails were queued.
pub async fn accept(cx: &Context, acting: &Acting<'_>, case: &Case, version: i64) -> ServiceResult<usize> {
    let area = areas::find(&cx.db, case.area_id).await?.ok_or(ServiceError::NotFound)?;
    let recipients =
        super::staff_recipients(cx, &[Role::Coordinator, Role::DesignatedDoctor], case.area_id).await?;
    let txn = store::begin_write(&cx.db).await?;
    crate::workflow::set(&txn, acting, case, version, CaseStatus::Notified, Facts::default(), None).await?;
    audit::append(&txn, &acting.case_event(AuditAction::NotificationAccepted, case)).await?;
    let queued =
        super::queue_new_notification_mail(cx, &txn, &recipients, &case.reference, &area.name).await?;
    txn.commit().await?;
    if queued > 0 {
        cx.mail_wakeup.notify_one();
    }
    Ok(queued)
}

/// Rejects a waiting notification with a coded reason; a described reason ("another reason") is
/// kept sealed with a copy of the record as it was.
pub async fn reject(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    version: i64,
    reason: RejectionReason,
    note: &str,
) -> ServiceResult<()> {
    let kept = if note.is_empty() {
        None
    } else {
        let identity = cx.identity(case)?;
        Some(cx.seal_json(&KeptVersion { identity, reason: note.to_string() })?)
    };
    let facts = Facts { has_reason: true, ..Facts::default() };
    let txn = store::begin_write(&cx.db).await?;
    crate::workflow::set(&txn, acting, case, version, CaseStatus::Rejected, facts, Some(reason)).await?;
    if let Some(sealed) = kept {
        case_versions::insert(
            &txn,
            case_versions::NewVersion {
                case_id: case.id,
                version: case.version,
                kind: "rejected",
                sealed,
                sealed_key: cx.keys.keyring.key_id(),
                coded: cases::coded_snapshot(case),
                fields: "status".into(),
                changed_by: acting.actor.user_id(),
            },
        )
        .await?;
    }
    audit::append(
        &txn,
        &acting
            .case_event(AuditAction::NotificationRejected, case)
            .details(format!("reason={}", reason.code())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A coordinator confirms that a possible duplicate is a separate case.
pub async fn confirm_distinct(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    version: i64,
) -> ServiceResult<()> {
    let txn = store::begin_write(&cx.db).await?;
    cases::set_duplicate_status(&txn, case.id, version, DuplicateStatus::ConfirmedDistinct).await?;
    audit::append(&txn, &acting.case_event(AuditAction::DuplicateConfirmedDistinct, case)).await?;
    txn.commit().await?;
    Ok(())
}
