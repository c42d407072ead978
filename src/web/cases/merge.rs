//! Merging a possible duplicate into the earlier case: a confirmation page with both cases' coded
//! summaries side by side, the merge itself (the earlier case gains the duplicate's notifier and
//! professionals, and its record as it was is kept as a version), and undoing it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::domain::amendment::KeptVersion;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::codes::{CaseStatus, DuplicateStatus};
use crate::domain::notification::{Person, SealedIdentity};
use crate::domain::policy::{Action, Principal};
use crate::error::{WebError, WebResult};
use crate::store::cases::{self, Case};
use crate::store::{self, areas, audit, case_versions};
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::show::{Row, summary};
use crate::web::cases::{load_in_scope, open_identities, seal_json};
use crate::web::forms::FormData;
use crate::web::page::Page;

/// Adds `extra` people to `into`, skipping anyone already listed (by email).
fn merge_people(into: &mut Vec<Person>, extra: impl IntoIterator<Item = Person>) {
    for p in extra {
        if !into.iter().any(|q| q.email.eq_ignore_ascii_case(&p.email)) {
            into.push(p);
        }
    }
}

/// The flagged duplicate and the earlier case it may duplicate, both in the coordinator's areas.
async fn pair(state: &AppState, me: &Principal, reference: &str) -> WebResult<(Case, Case)> {
    let dup = load_in_scope(state, me, reference, Action::TriageNotifications).await?;
    if !DuplicateStatus::is_open_code(&dup.duplicate_status) {
        return Err(WebError::Conflict("This case is not flagged as a possible duplicate.".into()));
    }
    let original = cases::find(&state.db, dup.duplicate_of.ok_or(WebError::NotFound)?)
        .await?
        .ok_or(WebError::NotFound)?;
    if !me.permits_in(Action::TriageNotifications, original.area_id) {
        return Err(WebError::Forbidden);
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
    let opened = open_identities(&state, &[original.clone(), dup.clone()]).await?;
    let (Some(Some(before)), Some(Some(other))) = (opened.first().cloned(), opened.get(1).cloned()) else {
        return Err(WebError::internal(anyhow::anyhow!("a sealed record could not be opened for merging")));
    };
    let mut merged = before.clone();
    let SealedIdentity { notifier, professionals, .. } = other;
    merge_people(&mut merged.professionals, std::iter::once(notifier).chain(professionals));
    let keyring = &state.keys.keyring;
    let kept =
        KeptVersion { identity: before, reason: format!("Before {} was merged into it", dup.reference) };
    let kept_sealed = seal_json(&state, &kept)?;
    let merged_sealed = seal_json(&state, &merged)?;
    let expected: i64 = form.get("version").parse().unwrap_or(-1);

    let txn = store::begin_write(&state.db).await?;
    cases::set_duplicate_status(&txn, dup.id, expected, DuplicateStatus::Merged).await?;
    cases::set_status(&txn, dup.id, expected + 1, CaseStatus::Merged, None).await?;
    case_versions::insert(
        &txn,
        case_versions::NewVersion {
            case_id: original.id,
            version: original.version,
            kind: "merge",
            sealed: kept_sealed,
            sealed_key: keyring.key_id(),
            coded: cases::coded_snapshot(&original),
            fields: format!(
                "merged={};duplicate_status={};status={}",
                dup.reference, dup.duplicate_status, dup.status
            ),
            changed_by: Some(me.user_id),
        },
    )
    .await?;
    cases::replace_sealed_versioned(&txn, original.id, original.version, merged_sealed, &keyring.key_id())
        .await?;
    let details = format!("merged={};into={}", dup.reference, original.reference);
    audit::append_many(&txn, &both_events(&ctx, AuditAction::DuplicateMerged, [&dup, &original], &details))
        .await?;
    txn.commit().await?;
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
    let marker = format!("merged={};", dup.reference);
    let versions = case_versions::for_case(&state.db, original.id).await?;
    let Some(kept) = versions.iter().rev().find(|v| v.kind == "merge" && v.fields.starts_with(&marker))
    else {
        return Err(WebError::Conflict("There is no record of this merge to undo.".into()));
    };
    if original.version != kept.version + 1 {
        return Err(WebError::Conflict(format!(
            "{} has changed since the merge, so it cannot be undone automatically. Change {} to remove what the merge added.",
            original.reference, original.reference
        )));
    }
    let get = |key| crate::domain::audit::detail(&kept.fields, key);
    let status = CaseStatus::parse(get("status")).unwrap_or(CaseStatus::Notified);
    let dup_status = DuplicateStatus::parse(get("duplicate_status")).unwrap_or(DuplicateStatus::Flagged);
    let plain = state.keys.keyring.open(&kept.sealed).map_err(WebError::internal)?;
    let before: KeptVersion = serde_json::from_slice(&plain).map_err(WebError::internal)?;
    let restored = seal_json(&state, &before.identity)?;

    let txn = store::begin_write(&state.db).await?;
    cases::replace_sealed_versioned(
        &txn,
        original.id,
        original.version,
        restored,
        &state.keys.keyring.key_id(),
    )
    .await?;
    cases::set_status(&txn, dup.id, dup.version, status, None).await?;
    cases::set_duplicate_status(&txn, dup.id, dup.version + 1, dup_status).await?;
    let details = format!("unmerged={};from={}", dup.reference, original.reference);
    audit::append_many(
        &txn,
        &both_events(&ctx, AuditAction::DuplicateMergeUndone, [&dup, &original], &details),
    )
    .await?;
    txn.commit().await?;
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

/// One event on each of the two cases of a merge (or its undoing), appended together.
fn both_events(ctx: &AuthContext, action: AuditAction, cases: [&Case; 2], details: &str) -> Vec<AuditEvent> {
    cases
        .iter()
        .map(|c| ctx.event(action, "case", c.reference.clone()).area(c.area_id).details(details))
        .collect()
}
