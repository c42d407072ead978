//! Triage: coordinators accept or reject notifications sent without an account, and confirm or
//! merge possible duplicates. Every action is optimistically locked and audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::domain::codes::{CaseStatus, DuplicateStatus, RejectionReason};
use crate::domain::policy::Action;
use crate::intake::triage;
use crate::store::cases;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::show;
use crate::web::cases::{CaseRow, load_in_scope, rows};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
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
    // A notification pending triage that is also a possible duplicate is listed in both: the
    // duplicates listed here are those the home page counts.
    let (pending, duplicates) = cases::needing_triage(&state.db, &me.area_ids).await?;
    Ok(TriageTemplate {
        page: Page::for_user(&ctx, "Triage", "/triage"),
        pending: rows(&state, &pending, true).await?,
        duplicates: rows(&state, &duplicates, true).await?,
    })
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
    // A flag across areas is resolved only by someone who works in both.
    let visible = super::visible_duplicate_of(state, me, &case).await?.is_some();
    if !DuplicateStatus::is_open_code(&case.duplicate_status) || !visible {
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
    triage::accept(&state, &ctx.acting(), &case, version(&form)).await?;
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
    triage::reject(&state, &ctx.acting(), &case, version(&form), reason, &note).await?;
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
    triage::confirm_distinct(&state, &ctx.acting(), &case, version(&form)).await?;
    Ok(redirect_with_flash(&state, &format!("/cases/{}", case.reference), "Confirmed as a separate case"))
}
