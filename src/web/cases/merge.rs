//! Merging a possible duplicate into the earlier case: a confirmation page with both cases' coded
//! summaries side by side, then the merge and its undoing (`intake::merge`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::domain::codes::{CaseStatus, DuplicateStatus};
use crate::domain::policy::{Action, Principal};
use crate::intake::merge;
use crate::store::areas;
use crate::store::cases::{self, Case};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::load_in_scope;
use crate::web::cases::show::{Row, summary};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::FormData;
use crate::web::page::Page;

/// The flagged duplicate and the earlier case it may duplicate, both in the coordinator's areas.
async fn pair(state: &AppState, me: &Principal, reference: &str) -> WebResult<(Case, Case)> {
    let dup = load_in_scope(state, me, reference, Action::TriageNotifications).await?;
    if !DuplicateStatus::is_open_code(&dup.duplicate_status) {
        return Err(WebError::Conflict("This case is not flagged as a possible duplicate.".into()));
    }
    let original = cases::find(&state.db, dup.duplicate_of.ok_or(WebError::NotFound)?)
        .await?
        .ok_or(WebError::NotFound)?;
    // A flag across areas exists only for someone who works in both: to anyone else the case is
    // simply not flagged (a refusal would reveal the other area's case).
    if !me.permits_in(Action::TriageNotifications, original.area_id) {
        return Err(WebError::Conflict("This case is not flagged as a possible duplicate.".into()));
    }
    Ok((dup, original))
}

async fn area_name(state: &AppState, id: i64) -> WebResult<String> {
    Ok(areas::find(&state.db, id).await?.map(|a| a.name).unwrap_or_default())
}

#[derive(Template, WebTemplate)]
#[template(path = "cases/merge.html")]
pub struct MergeTemplate {
    page: Page,
    duplicate: String,
    original: String,
    version: i64,
    /// (label, duplicate's value, earlier case's value), differing values marked.
    rows: Vec<(String, String, String, bool)>,
    /// The identifying details the earlier case lacks that the merge copies from the duplicate.
    carried: Vec<&'static str>,
}

/// `GET /cases/{reference}/duplicate/merge`: both cases side by side, and a confirmation.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<MergeTemplate> {
    let (dup, original) = pair(&state, &me, &reference).await?;
    let identified = |c: &Case| me.permits_in(Action::RevealIdentity, c.area_id);
    let left: Vec<Row> = summary(&dup, &area_name(&state, dup.area_id).await?, identified(&dup));
    let right: Vec<Row> =
        summary(&original, &area_name(&state, original.area_id).await?, identified(&original));
    let rows = left
        .into_iter()
        .filter(|r| r.label != "Reference")
        .map(|l| {
            let other =
                right.iter().find(|r| r.label == l.label).map(|r| r.value.clone()).unwrap_or_default();
            let differs = l.value != other && !matches!(l.label, "Notified" | "Received through" | "Status");
            (l.label.to_string(), l.value, other, differs)
        })
        .collect();
    Ok(MergeTemplate {
        page: Page::for_user(
            &ctx,
            format!("Merge {} into {}?", dup.reference, original.reference),
            "/triage",
        ),
        duplicate: dup.reference.clone(),
        original: original.reference.clone(),
        version: dup.version,
        rows,
        carried: merge::would_carry(&state, &dup, &original)?,
    })
}

/// `POST /cases/{reference}/duplicate/merge`: folds the duplicate into the earlier case. The
/// earlier case gains the duplicate's professionals (and its notifier), and its record as it was
/// is kept as a version so the merge can be undone; the duplicate is closed as merged, its own
/// sealed record kept.
pub async fn merge(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let (dup, original) = pair(&state, &me, &reference).await?;
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    merge::merge(&state, &ctx.acting(), &dup, &original, expected).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/cases/{}", original.reference),
        &format!(
            "{} merged into {}. You can undo this from {}'s page",
            dup.reference, original.reference, dup.reference
        ),
    ))
}

/// `POST /cases/{reference}/duplicate/unmerge`: undoes a merge, from the merged (duplicate)
/// case's page. The earlier case gets back its record as it was before the merge — refused if it
/// has changed since — and the duplicate is flagged again for a decision.
pub async fn undo(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let dup = load_in_scope(&state, &me, &reference, Action::TriageNotifications).await?;
    if dup.status != CaseStatus::Merged.code() {
        return Err(WebError::Conflict("This case is not merged.".into()));
    }
    let original = cases::find(&state.db, dup.duplicate_of.ok_or(WebError::NotFound)?)
        .await?
        .ok_or(WebError::NotFound)?;
    if !me.permits_in(Action::TriageNotifications, original.area_id) {
        return Err(WebError::Forbidden);
    }
    merge::undo(&state, &ctx.acting(), &dup, &original).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/cases/{}", dup.reference),
        &format!(
            "Merge undone: {} is open again and {} is as it was before the merge",
            dup.reference, original.reference
        ),
    )
    .into_response())
}
