//! Triage: coordinators accept or reject notifications sent without an account, and confirm or
//! merge possible duplicates. Every action is optimistically locked and audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{CaseStatus, DuplicateStatus, RejectionReason};
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::error::{WebError, WebResult};
use crate::intake::{self, IntakeError};
use crate::store::{self, areas, audit, cases};
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::show;
use crate::web::cases::{CaseRow, load_in_scope, open_one, rows, seal_json};
use crate::web::forms::{FormData, FormErrors};
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

/// `POST /cases/{reference}/reject` with a coded reason ("another reason" needs a description,
/// kept sealed with a copy of the record as it was). A missing reason is an error on the case
/// page, next to the field; nothing changes.
pub async fn reject(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = pending_case(&state, &me, &reference).await?;
    let mut errors = FormErrors::default();
    let reason = RejectionReason::parse(form.get("reason"));
    if reason.is_none() {
        errors.add("reason", "Select why you are rejecting this notification");
    }
    let mut note = String::new();
    if reason == Some(RejectionReason::Other) {
        match crate::domain::amendment::reason(form.get("reason_other")) {
            Ok(n) => note = n,
            Err(_) if form.get("reason_other").trim().is_empty() => {
                errors.add("reason_other", "Describe the reason for rejecting it")
            }
            Err(m) => errors.add("reason_other", m),
        }
    }
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        let mut page = show::page(&state, &ctx, &me, &case, None).await?;
        page.errors = errors;
        page.reason_other = form.get("reason_other").to_string();
        page.reason_chosen = form.get("reason").to_string();
        page.page.has_errors = true;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let kept = if note.is_empty() {
        None
    } else {
        let identity = open_one(&state, &case).await?;
        Some(seal_json(&state, &crate::domain::amendment::KeptVersion { identity, reason: note })?)
    };
    let txn = store::begin_write(&state.db).await?;
    cases::set_status(&txn, case.id, version(&form), CaseStatus::Rejected, Some(reason)).await?;
    if let Some(sealed) = kept {
        store::case_versions::insert(
            &txn,
            store::case_versions::NewVersion {
                case_id: case.id,
                version: case.version,
                kind: "rejected",
                sealed,
                sealed_key: state.keys.keyring.key_id(),
                coded: cases::coded_snapshot(&case),
                fields: "status".into(),
                changed_by: Some(me.user_id),
            },
        )
        .await?;
    }
    audit::append(
        &txn,
        &ctx.event(AuditAction::NotificationRejected, "case", case.reference.clone())
            .area(case.area_id)
            .details(format!("reason={}", reason.code())),
    )
    .await?;
    txn.commit().await?;
    Ok(redirect_with_flash(&state, "/triage", &format!("{} rejected: {}", case.reference, reason.label())))
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
