//! Merging a possible duplicate into the earlier case, and undoing it. The earlier case gains the
//! duplicate's professionals (and its notifier), its record as it was is kept as a version so the
//! merge can be undone, and the duplicate is closed as merged with its own sealed record kept.

use crate::context::Context;
use crate::domain::amendment::KeptVersion;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::codes::{CaseStatus, DuplicateStatus};
use crate::domain::notification::{Person, SealedIdentity};
use crate::domain::workflow::Facts;
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::cases::{self, Case};
use crate::store::{self, audit, case_versions};

/// Adds `extra` people to `into`, skipping anyone already listed (by email).
fn merge_people(into: &mut Vec<Person>, extra: impl IntoIterator<Item = Person>) {
    for p in extra {
        if !into.iter().any(|q| q.email.eq_ignore_ascii_case(&p.email)) {
            into.push(p);
        }
    }
}

/// Folds `dup` (at `expected` version) into `original`.
pub async fn merge(
    cx: &Context,
    acting: &Acting<'_>,
    dup: &Case,
    original: &Case,
    expected: i64,
) -> ServiceResult<()> {
    let before: SealedIdentity = cx.identity(original)?;
    let SealedIdentity { notifier, professionals, .. } = cx.identity(dup)?;
    let mut merged = before.clone();
    merge_people(&mut merged.professionals, std::iter::once(notifier).chain(professionals));
    let keyring = &cx.keys.keyring;
    let kept =
        KeptVersion { identity: before, reason: format!("Before {} was merged into it", dup.reference) };
    let kept_sealed = cx.seal_json(&kept)?;
    let merged_sealed = cx.seal_json(&merged)?;

    let txn = store::begin_write(&cx.db).await?;
    cases::set_duplicate_status(&txn, dup.id, expected, DuplicateStatus::Merged).await?;
    crate::workflow::set(&txn, acting, dup, expected + 1, CaseStatus::Merged, Facts::default(), None).await?;
    case_versions::insert(
        &txn,
        case_versions::NewVersion {
            case_id: original.id,
            version: original.version,
            kind: "merge",
            sealed: kept_sealed,
            sealed_key: keyring.key_id(),
            coded: cases::coded_snapshot(original),
            fields: format!(
                "merged={};duplicate_status={};status={}",
                dup.reference, dup.duplicate_status, dup.status
            ),
            changed_by: acting.actor.user_id(),
        },
    )
    .await?;
    cases::replace_sealed_versioned(&txn, original.id, original.version, merged_sealed, &keyring.key_id())
        .await?;
    let details = format!("merged={};into={}", dup.reference, original.reference);
    audit::append_many(&txn, &both_events(acting, AuditAction::DuplicateMerged, [dup, original], &details))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Undoes the merge of `dup` into `original`: the earlier case gets back its record as it was
/// before the merge — refused if it has changed since — and the duplicate is flagged again, with
/// the status it had.
pub async fn undo(cx: &Context, acting: &Acting<'_>, dup: &Case, original: &Case) -> ServiceResult<()> {
    if dup.status != CaseStatus::Merged.code() {
        return Err(ServiceError::Conflict("This case is not merged.".into()));
    }
    let marker = format!("merged={};", dup.reference);
    let versions = case_versions::for_case(&cx.db, original.id).await?;
    let Some(kept) = versions.iter().rev().find(|v| v.kind == "merge" && v.fields.starts_with(&marker))
    else {
        return Err(ServiceError::Conflict("There is no record of this merge to undo.".into()));
    };
    if original.version != kept.version + 1 {
        return Err(ServiceError::Conflict(format!(
            "{} has changed since the merge, so it cannot be undone automatically. Change {} to remove what the merge added.",
            original.reference, original.reference
        )));
    }
    let get = |key| crate::domain::audit::detail(&kept.fields, key);
    let status = CaseStatus::parse(get("status")).unwrap_or(CaseStatus::Notified);
    let dup_status = DuplicateStatus::parse(get("duplicate_status")).unwrap_or(DuplicateStatus::Flagged);
    let before: KeptVersion = cx.open_json(&kept.sealed)?;
    let restored = cx.seal_json(&before.identity)?;

    let txn = store::begin_write(&cx.db).await?;
    cases::replace_sealed_versioned(&txn, original.id, original.version, restored, &cx.keys.keyring.key_id())
        .await?;
    let undoing = Facts { undoing_merge: true, ..Facts::default() };
    crate::workflow::set(&txn, acting, dup, dup.version, status, undoing, None).await?;
    cases::set_duplicate_status(&txn, dup.id, dup.version + 1, dup_status).await?;
    let details = format!("unmerged={};from={}", dup.reference, original.reference);
    audit::append_many(
        &txn,
        &both_events(acting, AuditAction::DuplicateMergeUndone, [dup, original], &details),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One event on each of the two cases of a merge (or its undoing), appended together.
fn both_events(
    acting: &Acting<'_>,
    action: AuditAction,
    cases: [&Case; 2],
    details: &str,
) -> Vec<AuditEvent> {
    cases.iter().map(|c| acting.case_event(action, c).details(details)).collect()
}
