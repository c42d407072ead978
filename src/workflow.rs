//! Every change of a case's status, checked against `domain::workflow` in the transaction that
//! records it. Information gathering, the review stage, triage and merging all come here; nothing
//! else writes a case's status (the architecture test holds `store::cases::set_status` to this
//! file).

use sea_orm::ConnectionTrait;

use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{CaseStatus, RejectionReason};
use crate::domain::workflow::{self, Facts};
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::cases::{self, Case};
use crate::store::{self, audit, form_requests};

/// Moves the case (at `expected_version`) from `from` to `to` if the workflow allows it given
/// `facts`, recording a rejection reason with a rejection. Appends no audit event: the caller's
/// event names the step (accepted, rejected, merged).
pub(crate) async fn set<C: ConnectionTrait>(
    txn: &C,
    acting: &Acting<'_>,
    case: &Case,
    expected_version: i64,
    to: CaseStatus,
    facts: Facts,
    rejection: Option<RejectionReason>,
) -> ServiceResult<()> {
    let from = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Notified);
    workflow::check(from, to, acting.roles, &facts).map_err(|r| ServiceError::Refused(r.0))?;
    cases::set_status(txn, case.id, expected_version, to, rejection).await?;
    Ok(())
}

/// Moves the case to `to` if the workflow allows it (checked against the case as it is in `txn`),
/// with a `case.status_changed` event giving the reason.
pub(crate) async fn change_status<C: ConnectionTrait>(
    txn: &C,
    acting: &Acting<'_>,
    case: &Case,
    to: CaseStatus,
    reason: &str,
) -> ServiceResult<()> {
    change_status_knowing(txn, acting, case, to, reason, Facts::default()).await
}

/// [`change_status`] with facts the caller established (the review stage: on an agenda, analysis
/// complete); the information facts are read here.
pub(crate) async fn change_status_knowing<C: ConnectionTrait>(
    txn: &C,
    acting: &Acting<'_>,
    case: &Case,
    to: CaseStatus,
    reason: &str,
    known: Facts,
) -> ServiceResult<()> {
    let current = cases::find(txn, case.id).await?.ok_or(ServiceError::NotFound)?;
    let from = CaseStatus::parse(&current.status).unwrap_or(CaseStatus::Notified);
    let info = form_requests::information_status(txn, case.id).await?;
    let facts = Facts {
        has_requests: info != "none" || to == CaseStatus::GatheringInformation,
        information_complete: info == "complete",
        has_reason: !reason.trim().is_empty(),
        ..known
    };
    set(txn, acting, &current, current.version, to, facts, None).await?;
    audit::append(
        txn,
        &acting.case_event(AuditAction::CaseStatusChanged, case).details(format!(
            "from={};to={};why={}",
            from.code(),
            to.code(),
            reason.replace([';', '='], " ")
        )),
    )
    .await?;
    Ok(())
}

/// A staff decision to move a case on (ready for review, closed) or back (more information
/// needed).
pub async fn transition(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    to: CaseStatus,
    reason: &str,
) -> ServiceResult<()> {
    // The reason goes into the audit trail, which admins read without the case's identity: it
    // passes the identifier check like every other free text they can read.
    if !reason.trim().is_empty() {
        let ids = crate::anonymity::case_identifiers(cx, case).await?;
        crate::anonymity::check("reason", reason, &ids, &[])?;
    }
    let txn = store::begin_write(&cx.db).await?;
    change_status(&txn, acting, case, to, reason).await?;
    if to == CaseStatus::Closed {
        // The closure date: what retention policies count from.
        cases::set_closed_on(&txn, case.id, cx.clock.today()).await?;
    }
    txn.commit().await?;
    Ok(())
}
