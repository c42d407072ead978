//! Amending a notification after it was recorded (the browser's "Change the notification"): the
//! earlier version is kept (sealed, with the reason), the sealed record and every coded column,
//! blind index and deprivation decile are recomputed, duplicate detection runs again when the NHS
//! number or date of death changed, and an audit event names the fields changed (never values) —
//! all in one transaction, optimistically locked on the case's version.

use crate::context::Context;
use crate::domain::amendment::{self, KeptVersion};
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::notification::{Notification, SealedIdentity};
use crate::intake::{IntakeError, find_duplicate, resolve_area};
use crate::store::cases::{self, Amended, Case};
use crate::store::{self, StoreError, audit, case_versions};

/// Why an amendment was not saved.
#[derive(Debug, thiserror::Error)]
pub enum AmendError {
    #[error(transparent)]
    Intake(#[from] IntakeError),
    /// The case changed since the form was opened.
    #[error("{0}")]
    Conflict(String),
}

impl From<sea_orm::DbErr> for AmendError {
    fn from(e: sea_orm::DbErr) -> Self {
        AmendError::Intake(e.into())
    }
}

impl From<StoreError> for AmendError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AmendError::Conflict(m),
            other => AmendError::Intake(other.into()),
        }
    }
}

pub struct Amendment<'a> {
    pub case: &'a Case,
    /// The sealed record as it was when the form was opened (to keep as a version).
    pub before: SealedIdentity,
    pub after: Notification,
    pub expected_version: i64,
    pub fields: Vec<&'static str>,
    pub reason: String,
    pub actor: Actor,
    pub request_id: &'a str,
    pub area_scope: &'a [i64],
}

/// What the amendment did.
pub struct Outcome {
    pub version: i64,
    pub duplicate_of: Option<String>,
}

pub async fn amend(cx: &Context, a: Amendment<'_>) -> Result<Outcome, AmendError> {
    let area = resolve_area(cx, &a.after.area).await?;
    if !a.area_scope.contains(&area.id) {
        return Err(AmendError::Intake(IntakeError::Invalid(vec![
            crate::domain::notification::FieldProblem {
                field: "area".into(),
                message: "You can only move a case to an area you work in".into(),
            },
        ])));
    }
    let keys = &cx.keys;
    let nhs_index =
        a.after.nhs_number.as_ref().map(|n| keys.index.nhs_number(n.digits())).unwrap_or_default();
    let death_index = keys.index.date_of_death(&a.after.identity.death.date_of_death.to_string());
    let imd_decile = match &a.after.postcode {
        Some(p) => cases::imd_decile(&cx.db, &keys.index.postcode(p.as_str())).await?,
        None => None,
    };
    let kept = serde_json::to_vec(&KeptVersion { identity: a.before, reason: a.reason })
        .map_err(|e| AmendError::Intake(IntakeError::Other(e.into())))?;
    let current = serde_json::to_vec(&a.after.identity)
        .map_err(|e| AmendError::Intake(IntakeError::Other(e.into())))?;
    let seal =
        |plain: &[u8]| keys.keyring.seal(plain).map_err(|e| AmendError::Intake(IntakeError::Other(e.into())));
    let (kept_sealed, new_sealed) = (seal(&kept)?, seal(&current)?);
    let rerun_duplicates = a.case.nhs_index != nhs_index
        || a.case.death_index.as_deref() != Some(death_index.as_str())
        || a.case.area_id != area.id;

    let txn = store::begin_write(&cx.db).await?;
    let duplicate = if rerun_duplicates {
        Some(find_duplicate(&txn, &nhs_index, &death_index, area.id, Some(a.case.id)).await?)
    } else {
        None
    };
    case_versions::insert(
        &txn,
        case_versions::NewVersion {
            case_id: a.case.id,
            version: a.case.version,
            kind: "amended",
            sealed: kept_sealed,
            sealed_key: keys.keyring.key_id(),
            coded: cases::coded_snapshot(a.case),
            fields: a.fields.join(","),
            changed_by: a.actor.user_id(),
        },
    )
    .await?;
    cases::amend(
        &txn,
        a.case.id,
        a.expected_version,
        Amended {
            area_id: area.id,
            sealed: new_sealed,
            sealed_key: keys.keyring.key_id(),
            nhs_index,
            death_index,
            coded: &a.after.coded,
            imd_decile,
            duplicate: duplicate.as_ref().map(|d| d.as_ref().map(|d| (d.id, d.status))),
        },
    )
    .await?;
    let event = |action| {
        AuditEvent::new(a.actor.clone(), action, "case", a.case.reference.clone())
            .area(area.id)
            .request(a.request_id)
    };
    if a.case.area_id != area.id {
        crate::store::form_requests::move_area(&txn, a.case.id, area.id).await?;
    }
    let mut details = format!("version={};fields={}", a.case.version + 1, a.fields.join(","));
    if a.case.area_id != area.id {
        details.push_str(&format!(";area_from={}", a.case.area_id));
    }
    audit::append(&txn, &event(AuditAction::CaseAmended).details(details)).await?;
    if let Some(Some(d)) = &duplicate {
        audit::append(&txn, &d.flagged(event(AuditAction::DuplicateFlagged))).await?;
    }
    txn.commit().await?;
    tracing::info!(case = %a.case.reference, fields = a.fields.len(), "notification amended");
    // The earlier case is named only when it is in an area the person amending works in.
    let duplicate_of = duplicate.flatten().filter(|d| a.area_scope.contains(&d.area_id)).map(|d| d.reference);
    Ok(Outcome { version: a.case.version + 1, duplicate_of })
}

/// "Notification changed (version 3): NHS number, home address" from an amendment's audit details.
pub fn describe_event(details: &str) -> String {
    let detail = |key| crate::domain::audit::detail(details, key);
    let fields: Vec<&str> = detail("fields").split(',').filter(|f| !f.is_empty()).collect();
    let mut words = format!("Notification changed (version {}): {}", detail("version"), describe(&fields));
    if !detail("area_from").is_empty() {
        words.push_str("; moved from another area");
    }
    words
}

/// The fields changed, in words, for messages and the timeline.
pub fn describe(fields: &[&str]) -> String {
    let mut words: Vec<&str> = fields.iter().map(|f| amendment::field_label(f)).collect();
    words.dedup();
    words.join(", ")
}
