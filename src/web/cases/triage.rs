//! Triage: coordinators accept or reject notifications sent without an account, and confirm or
//! merge possible duplicates. Every action is optimistically locked and audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::app::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{CaseStatus, DuplicateStatus, RejectionReason};
use crate::domain::notification::{Person, SealedIdentity};
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::error::{WebError, WebResult};
use crate::intake::{self, IntakeError};
use crate::store::{self, areas, audit, cases};
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::{CaseRow, load_in_scope, open_identities, rows};
use crate::web::forms::FormData;
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "cases/triage.html")]
pub struct TriageTemplate {
    page: Page,
    pending: Vec<CaseRow>,
    duplicates: Vec<CaseRow>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<TriageTemplate> {
    let waiting = cases::needing_triage(&state.db, &me.area_ids).await?;
    let (pending, duplicates): (Vec<_>, Vec<_>) =
        waiting.into_iter().partition(|c| c.status == CaseStatus::PendingTriage.code());
    let duplicates: Vec<_> =
        duplicates.into_iter().filter(|c| DuplicateStatus::is_open_code(&c.duplicate_status)).collect();
    Ok(TriageTemplate {
        page: Page::for_user(&ctx, "Triage", "/triage"),
        pending: rows(&state, &pending, true).await?,
        duplicates: rows(&state, &duplicates, true).await?,
    })
}

fn intake_error(e: IntakeError) -> WebError {
    match e {
        IntakeError::Invalid(p) => {
            WebError::BadRequest(p.into_iter().map(|p| p.message).collect::<Vec<_>>().join("; "))
        }
        IntakeError::Other(e) => WebError::Internal(e),
    }
}

/// A case in the principal's areas that is still waiting for triage.
async fn pending_case(
    state: &AppState,
    me: &crate::domain::policy::Principal,
    reference: &str,
) -> WebResult<cases::Case> {
    let case = load_in_scope(state, me, reference, Action::TriageNotifications).await?;
    if case.status != CaseStatus::PendingTriage.code() {
        return Err(WebError::Conflict("This notification has already been triaged.".into()));
    }
    Ok(case)
}

/// A case in the principal's areas that is flagged as a possible duplicate.
async fn flagged_case(
    state: &AppState,
    me: &crate::domain::policy::Principal,
    reference: &str,
) -> WebResult<cases::Case> {
    let case = load_in_scope(state, me, reference, Action::TriageNotifications).await?;
    if !DuplicateStatus::is_open_code(&case.duplicate_status) {
        return Err(WebError::Conflict("This case is not flagged as a possible duplicate.".into()));
    }
    Ok(case)
}

fn version(form: &FormData) -> i64 {
    form.get("version").parse().unwrap_or(-1)
}

/// `POST /cases/{reference}/accept`.
pub async fn accept(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = pending_case(&state, &me, &reference).await?;
    let area = areas::find(&state.db, case.area_id).await?.ok_or(WebError::NotFound)?;
    let recipients =
        intake::staff_recipients(&state, &[Role::Coordinator, Role::DesignatedDoctor], case.area_id)
            .await
            .map_err(intake_error)?;
    let txn = store::begin_write(&state.db).await?;
    cases::set_status(&txn, case.id, version(&form), CaseStatus::Notified, None).await?;
    audit::append(
        &txn,
        &ctx.event(AuditAction::NotificationAccepted, "case", case.reference.clone()).area(case.area_id),
    )
    .await?;
    let queued = intake::queue_new_notification_mail(&state, &txn, &recipients, &case.reference, &area.name)
        .await
        .map_err(intake_error)?;
    txn.commit().await?;
    if queued > 0 {
        state.mail_wakeup.notify_one();
    }
    Ok(redirect_with_flash(
        &state,
        &format!("/cases/{}", case.reference),
        "Notification accepted; the designated doctors and coordinators have been told",
    ))
}

/// `POST /cases/{reference}/reject` with a coded reason.
pub async fn reject(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = pending_case(&state, &me, &reference).await?;
    let Some(reason) = RejectionReason::parse(form.get("reason")) else {
        return Ok(redirect_with_flash(
            &state,
            &format!("/cases/{}", case.reference),
            "Nothing changed: select a reason for rejecting",
        ));
    };
    let txn = store::begin_write(&state.db).await?;
    cases::set_status(&txn, case.id, version(&form), CaseStatus::Rejected, Some(reason)).await?;
    audit::append(
        &txn,
        &ctx.event(AuditAction::NotificationRejected, "case", case.reference.clone())
            .area(case.area_id)
            .details(format!("reason={}", reason.code())),
    )
    .await?;
    txn.commit().await?;
    Ok(redirect_with_flash(&state, "/triage", &format!("{} rejected", case.reference)))
}

/// `POST /cases/{reference}/duplicate/distinct`: a coordinator confirms it is a separate case.
pub async fn confirm_distinct(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = flagged_case(&state, &me, &reference).await?;
    let txn = store::begin_write(&state.db).await?;
    cases::set_duplicate_status(&txn, case.id, version(&form), DuplicateStatus::ConfirmedDistinct).await?;
    audit::append(
        &txn,
        &ctx.event(AuditAction::DuplicateConfirmedDistinct, "case", case.reference.clone())
            .area(case.area_id),
    )
    .await?;
    txn.commit().await?;
    Ok(redirect_with_flash(&state, &format!("/cases/{}", case.reference), "Confirmed as a separate case"))
}

/// Adds `extra` people to `into`, skipping anyone already listed (by email).
fn merge_people(into: &mut Vec<Person>, extra: impl IntoIterator<Item = Person>) {
    for p in extra {
        if !into.iter().any(|q| q.email.eq_ignore_ascii_case(&p.email)) {
            into.push(p);
        }
    }
}

/// `POST /cases/{reference}/duplicate/merge`: folds the duplicate into the earlier case. The
/// earlier case gains the duplicate's professionals (and its notifier); the duplicate is closed as
/// merged, its own sealed record kept.
pub async fn merge(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let dup = flagged_case(&state, &me, &reference).await?;
    let original_id = dup.duplicate_of.ok_or(WebError::NotFound)?;
    let original = cases::find(&state.db, original_id).await?.ok_or(WebError::NotFound)?;
    if !me.permits_in(Action::TriageNotifications, original.area_id) {
        return Err(WebError::Forbidden);
    }
    let opened = open_identities(&state, &[original.clone(), dup.clone()]).await?;
    let (Some(Some(mut kept)), Some(Some(other))) = (opened.first().cloned(), opened.get(1).cloned()) else {
        return Err(WebError::internal(anyhow::anyhow!("a sealed record could not be opened for merging")));
    };
    let SealedIdentity { notifier, professionals, .. } = other;
    merge_people(&mut kept.professionals, std::iter::once(notifier).chain(professionals));
    let keys = state.keys.clone();
    let (sealed, key_id) = tokio::task::spawn_blocking(move || -> anyhow::Result<(Vec<u8>, String)> {
        let bytes = serde_json::to_vec(&kept)?;
        Ok((keys.keyring.seal(&bytes)?, keys.keyring.key_id()))
    })
    .await
    .map_err(WebError::internal)?
    .map_err(WebError::Internal)?;
    let txn = store::begin_write(&state.db).await?;
    cases::set_duplicate_status(&txn, dup.id, version(&form), DuplicateStatus::Merged).await?;
    cases::set_status(&txn, dup.id, dup.version + 1, CaseStatus::Merged, None).await?;
    cases::replace_sealed(&txn, original.id, sealed, &key_id).await?;
    let details = format!("merged={};into={}", dup.reference, original.reference);
    audit::append(
        &txn,
        &ctx.event(AuditAction::DuplicateMerged, "case", dup.reference.clone())
            .area(dup.area_id)
            .details(details.clone()),
    )
    .await?;
    audit::append(
        &txn,
        &ctx.event(AuditAction::DuplicateMerged, "case", original.reference.clone())
            .area(original.area_id)
            .details(details),
    )
    .await?;
    txn.commit().await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/cases/{}", original.reference),
        &format!("{} merged into {}", dup.reference, original.reference),
    ))
}
