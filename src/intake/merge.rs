//! Merging a possible duplicate into the earlier case, and undoing it. The earlier case gains the
//! duplicate's professionals (and its notifier), its record as it was is kept as a version so the
//! merge can be undone, and the duplicate is closed as merged with its own sealed record kept.

use crate::context::Context;
use crate::domain::amendment::KeptVersion;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::codes::{CaseStatus, DataQuality, DuplicateStatus};
use crate::domain::dates::AgeBand;
use crate::domain::notification::{Person, SealedIdentity};
use crate::domain::postcode::Postcode;
use crate::domain::workflow::Facts;
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::cases::{self, Amended, Case};
use crate::store::{self, audit, case_versions};

pub const DATE_OF_BIRTH: &str = "date of birth";
pub const ADDRESS: &str = "address";
pub const POSTCODE: &str = "postcode";

/// The identifying details the earlier case lacks and the duplicate has, carried across by a merge:
/// the merged identity and what was carried, in words.
pub fn carry(original: &SealedIdentity, dup: &SealedIdentity) -> (SealedIdentity, Vec<&'static str>) {
    let mut merged = original.clone();
    let mut carried = Vec::new();
    if merged.child.date_of_birth.is_none()
        && let Some(dob) = dup.child.date_of_birth
    {
        merged.child.date_of_birth = Some(dob);
        merged.child.approximate_age = None;
        carried.push(DATE_OF_BIRTH);
    }
    if merged.child.address.trim().is_empty() && !dup.child.address.trim().is_empty() {
        merged.child.address = dup.child.address.clone();
        carried.push(ADDRESS);
    }
    if merged.child.postcode.trim().is_empty() && !dup.child.postcode.trim().is_empty() {
        merged.child.postcode = dup.child.postcode.clone();
        carried.push(POSTCODE);
    }
    (merged, carried)
}

/// What merging `dup` into `original` would carry across (for the confirmation page; names of
/// fields only, never their values).
pub fn would_carry(cx: &Context, dup: &Case, original: &Case) -> ServiceResult<Vec<&'static str>> {
    Ok(carry(&cx.identity(original)?, &cx.identity(dup)?).1)
}

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
    let duplicate = cx.identity(dup)?;
    let (mut merged, carried) = carry(&before, &duplicate);
    let SealedIdentity { notifier, professionals, .. } = duplicate;
    merge_people(&mut merged.professionals, std::iter::once(notifier).chain(professionals));
    // The coded columns follow what was carried: the age from the date of birth, the deprivation
    // decile from the postcode, and the data-quality items no longer outstanding.
    let mut coded = cases::coded_of(original).ok_or_else(|| {
        ServiceError::Other(anyhow::anyhow!("case {} has an unknown code", original.reference))
    })?;
    let mut imd_decile = original.imd_decile;
    if carried.contains(&DATE_OF_BIRTH)
        && let Some(dob) = merged.child.date_of_birth
    {
        let dod = merged.death.date_of_death;
        coded.age_at_death_days = (dod - dob).num_days();
        coded.age_band = AgeBand::at(dob, dod);
        coded.age_approximate = false;
        coded.data_quality.retain(|d| *d != DataQuality::DateOfBirth);
    }
    if carried.contains(&ADDRESS) {
        coded.data_quality.retain(|d| *d != DataQuality::Address);
    }
    if carried.contains(&POSTCODE) {
        coded.data_quality.retain(|d| *d != DataQuality::Postcode);
        if let Ok(p) = Postcode::parse(&merged.child.postcode) {
            imd_decile = cases::imd_decile(&cx.db, &cx.keys.index.postcode(p.as_str())).await?;
        }
    }
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
                "merged={};duplicate_status={};status={};carried={}",
                dup.reference,
                dup.duplicate_status,
                dup.status,
                carried.join(",").replace(' ', "_")
            ),
            changed_by: acting.actor.user_id(),
        },
    )
    .await?;
    if carried.is_empty() {
        cases::replace_sealed_versioned(
            &txn,
            original.id,
            original.version,
            merged_sealed,
            &keyring.key_id(),
        )
        .await?;
    } else {
        let death_index = match &original.death_index {
            Some(d) => d.clone(),
            None => cx.keys.index.date_of_death(&merged.death.date_of_death.to_string()),
        };
        cases::amend(
            &txn,
            original.id,
            original.version,
            Amended {
                area_id: original.area_id,
                sealed: merged_sealed,
                sealed_key: keyring.key_id(),
                nhs_index: original.nhs_index.clone(),
                death_index,
                coded: &coded,
                imd_decile,
                duplicate: None,
            },
        )
        .await?;
    }
    let mut details = format!("merged={};into={}", dup.reference, original.reference);
    if !carried.is_empty() {
        details.push_str(&format!(";carried={}", carried.join(",").replace(' ', "_")));
    }
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
    if !get("carried").is_empty() {
        cases::restore_merged_columns(&txn, original.id, &kept.coded).await?;
    }
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
