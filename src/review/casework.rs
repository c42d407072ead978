//! Moving a case to another area, and closing a reviewed case.

use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{CaseStatus, MoveReason};
use crate::service::{Acting, ServiceError, ServiceResult, invalid};
use crate::store::cases::{self, Case};
use crate::store::{self as db, audit};

/// Moves `case` to `to_area` for a coded reason. The one moving it must be able to move cases in
/// both areas (`areas_in_scope`). A case on a meeting's agenda stays where it is until the
/// meeting's outcome is recorded or it is moved off the agenda.
pub async fn move_area(
    cx: &Context,
    acting: &Acting<'_>,
    areas_in_scope: &[i64],
    case: &Case,
    to_area: Option<i64>,
    reason: Option<MoveReason>,
) -> ServiceResult<()> {
    let mut problems = Vec::new();
    match to_area {
        None => problems.push(("area".to_string(), "Choose the area to move the case to".to_string())),
        Some(a) if a == case.area_id => {
            problems.push(("area".into(), "The case is already in that area: choose another".into()))
        }
        Some(a) if !areas_in_scope.contains(&a) => {
            problems.push(("area".into(), "You can only move a case to an area you work in".into()))
        }
        Some(_) => {}
    }
    if reason.is_none() {
        problems.push(("reason".into(), "Choose why the case is moving".into()));
    }
    let (Some(to), Some(reason)) = (to_area, reason) else { return Err(ServiceError::Invalid(problems)) };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    if case.status == CaseStatus::ReviewScheduled.code() {
        return Err(invalid(
            "area",
            "The case is on a meeting's agenda: record its outcome or move it off the agenda before moving it to another area",
        ));
    }
    let txn = db::begin_write(&cx.db).await?;
    cases::set_area(&txn, case.id, case.version, to).await?;
    audit::append(
        &txn,
        &acting.case_event(AuditAction::CaseMovedArea, case).details(format!(
            "from_area={};to_area={to};reason={}",
            case.area_id,
            reason.code()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Closes a reviewed case; the closure date is recorded (a trigger for retention).
pub async fn close(cx: &Context, acting: &Acting<'_>, case: &Case) -> ServiceResult<()> {
    crate::workflow::transition(cx, acting, case, CaseStatus::Closed, "").await
}
