//! Historical import: a panel moving to this service brings its previous system's reviews as a
//! CSV (`cdop import reviews FILE --area NAME`), so its trends are there from the first day.
//!
//! The whole file is checked first ([`crate::domain::historical`]); nothing is written while any
//! row has a problem, unless the caller chose to skip invalid rows. Each clean record becomes a
//! case as intake makes one (identity sealed, NHS number and postcode blind-indexed, duplicates
//! flagged), and a completed review becomes a signed Analysis Form revision pinned to the
//! version in force, with the sign-off date and the review durations. The previous system's
//! record id is kept only as a blind index, so importing the same file again finds what it
//! already brought in and adds nothing. Records are written in batches, each in one transaction
//! with its import markers: a run cut short is finished by running it again.

use chrono::{Datelike, NaiveTime};

use crate::context::Context;
use crate::domain::analysis::FORM;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::codes::{CaseStatus, Source};
use crate::domain::historical::{self, Record, Vocabulary};
use crate::domain::lines::Problem;
use crate::forms::FormVersion;
use crate::store::analyses::{self, NewRevision};
use crate::store::cases::{self, Durations};
use crate::store::{self, areas::Area, audit, imported};

/// Records written per transaction.
const BATCH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems and invalid rows were not to be skipped: nothing was imported.
    #[error("the file has {} problem(s); nothing was imported", .0.len())]
    Refused(Vec<Problem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<store::StoreError> for ImportError {
    fn from(e: store::StoreError) -> Self {
        ImportError::Other(e.into())
    }
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(e: sea_orm::DbErr) -> Self {
        ImportError::Other(e.into())
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Import the clean rows and list the others, instead of refusing the file.
    pub skip_invalid: bool,
    /// Check the file and say what would happen; write nothing.
    pub dry_run: bool,
    /// Leave out columns that are not known (naming them) instead of refusing the file.
    pub ignore_unknown: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Default)]
pub struct Outcome {
    /// Rows read (not counting blank lines).
    pub rows: usize,
    /// (line, case reference) of each record imported now (empty references in a dry run).
    pub imported: Vec<(u64, String)>,
    /// (line, case reference) of records an earlier import brought in, left as they are.
    pub already: Vec<(u64, String)>,
    /// Lines not imported because of a problem (with `skip_invalid`), and the problems.
    pub skipped: Vec<u64>,
    pub problems: Vec<Problem>,
    /// Of the records imported, how many carry a completed review.
    pub reviews: usize,
    /// Of the records imported, how many were flagged as possible duplicates of a case here.
    pub duplicates: usize,
    /// Of the reviews imported, how many were recorded on the legacy Analysis Form.
    pub legacy: usize,
    /// Columns left out, not being known (with `ignore_unknown`).
    pub ignored: Vec<String>,
}

/// Checks `text` and imports its records into `area`.
pub async fn import(
    cx: &Context,
    text: &str,
    area: &Area,
    options: Options,
    actor: Actor,
) -> Result<Outcome, ImportError> {
    // Reviews are pinned to the Analysis Form in force, whose codes the file must use.
    let version = cx
        .forms
        .current(FORM, cx.clock.today())
        .ok_or_else(|| anyhow::anyhow!("no analysis form is installed (forms.dir)"))?;
    // Reviews completed before it applied are recorded on the legacy form, when one is shipped.
    let legacy = cx.forms.forms().find(|(code, _)| *code == FORM).and_then(|(_, versions)| {
        versions.iter().rfind(|v| v.legacy && v.applies_from < version.applies_from).cloned()
    });
    let vocabulary = Vocabulary::of(&version).with_legacy(&version, legacy.as_deref());
    let parsed = historical::parse(text, &vocabulary, cx.clock.today(), options.ignore_unknown);
    if !parsed.problems.is_empty() && !options.skip_invalid {
        return Err(ImportError::Refused(parsed.problems));
    }
    let mut outcome = Outcome {
        rows: parsed.records.len() + parsed.bad_lines.iter().filter(|l| **l > 1).count(),
        skipped: parsed.bad_lines,
        problems: parsed.problems,
        ignored: parsed.ignored,
        ..Outcome::default()
    };
    let indexes: Vec<String> =
        parsed.records.iter().map(|r| cx.keys.index.historical_record(&r.record_id)).collect();
    let existing = imported::find(&cx.db, area.id, &indexes).await?;
    let mut todo = Vec::new();
    for (record, index) in parsed.records.into_iter().zip(indexes) {
        match existing.get(&index) {
            Some(reference) => outcome.already.push((record.line, reference.clone())),
            None => todo.push((record, index)),
        }
    }
    if options.dry_run {
        outcome.reviews = todo.iter().filter(|(r, _)| r.review.is_some()).count();
        outcome.legacy =
            todo.iter().filter(|(r, _)| r.review.as_ref().is_some_and(|v| v.legacy.is_some())).count();
        outcome.imported = todo.iter().map(|(r, _)| (r.line, String::new())).collect();
        return Ok(outcome);
    }
    for batch in todo.chunks(BATCH) {
        write_batch(cx, area, &version, legacy.as_deref(), batch, &actor, &mut outcome).await?;
    }
    audit::append(
        &cx.db,
        &AuditEvent::new(actor, AuditAction::HistoricalImported, "area", area.id.to_string())
            .area(area.id)
            .details(format!(
                "imported={};reviews={};already={};skipped={}",
                outcome.imported.len(),
                outcome.reviews,
                outcome.already.len(),
                outcome.skipped.len()
            )),
    )
    .await?;
    tracing::info!(
        area = area.id,
        imported = outcome.imported.len(),
        already = outcome.already.len(),
        skipped = outcome.skipped.len(),
        "historical import"
    );
    Ok(outcome)
}

/// What one record needs that is worked out before its transaction.
struct Prepared {
    sealed: Vec<u8>,
    nhs_index: String,
    death_index: String,
    decile: Option<i32>,
}

async fn write_batch(
    cx: &Context,
    area: &Area,
    current: &FormVersion,
    legacy: Option<&FormVersion>,
    batch: &[(Record, String)],
    actor: &Actor,
    outcome: &mut Outcome,
) -> Result<(), ImportError> {
    let keys = cx.keys.clone();
    let identities = batch
        .iter()
        .map(|(r, _)| serde_json::to_vec(&r.identity))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::from)?;
    let sealed = tokio::task::spawn_blocking(move || {
        identities.iter().map(|i| keys.keyring.seal(i)).collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(anyhow::Error::from)?;
    let key_id = cx.keys.keyring.key_id();
    let mut prepared = Vec::with_capacity(batch.len());
    for ((r, _), sealed) in batch.iter().zip(sealed) {
        // A decile given in the file wins; otherwise the postcode's, as at intake.
        let decile = match (r.imd_decile, &r.postcode) {
            (Some(d), _) => Some(d),
            (None, Some(p)) => cases::imd_decile(&cx.db, &cx.keys.index.postcode(p.as_str())).await?,
            (None, None) => None,
        };
        prepared.push(Prepared {
            sealed,
            nhs_index: r
                .nhs_number
                .as_ref()
                .map(|n| cx.keys.index.nhs_number(n.digits()))
                .unwrap_or_default(),
            death_index: cx.keys.index.date_of_death(&r.date_of_death().to_string()),
            decile,
        });
    }

    let at = store::now();
    let txn = store::begin_write(&cx.db).await?;
    let mut done = Vec::with_capacity(batch.len());
    for ((r, index), p) in batch.iter().zip(prepared) {
        // A review without its notification is numbered and ordered by the date of death.
        let notified_on = r.notified_on.unwrap_or(r.date_of_death());
        let reference = cases::next_reference(&txn, notified_on.year()).await?;
        // A review from the previous system is flagged only by its NHS number: sharing a date of
        // death with a live case is no reason to doubt closed history.
        let duplicate = if p.nhs_index.is_empty() {
            None
        } else {
            crate::intake::find_duplicate(&txn, &p.nhs_index, &p.death_index, area.id, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
        };
        let status = if r.review.is_some() { CaseStatus::Closed } else { CaseStatus::Notified };
        let notified_at = notified_on.and_time(NaiveTime::MIN).and_utc();
        let id = cases::insert(
            &txn,
            cases::NewCase {
                reference: &reference,
                area_id: area.id,
                status,
                source: Source::Import,
                sealed: p.sealed,
                sealed_key: key_id.clone(),
                nhs_index: p.nhs_index,
                death_index: p.death_index,
                coded: &r.coded,
                imd_decile: p.decile,
                created_by: actor.user_id(),
                duplicate: duplicate.as_ref().map(|d| (d.id, d.status)),
                synthetic: false,
                notified_at,
                gaps: cases::HistoryGaps {
                    expected_known: r.expected_known,
                    notification_recorded: r.notified_on.is_some(),
                },
            },
        )
        .await?;
        if let Some(review) = &r.review {
            cases::set_review_completed(
                &txn,
                id,
                review.completed_on,
                Durations {
                    to_notification: r.notified_on.map(|n| r.days_to(n)),
                    to_cdrm: review.cdrm_on.map(|d| r.days_to(d)),
                    to_panel: review.panel_on.map(|d| r.days_to(d)),
                    to_review: Some(r.days_to(review.completed_on)),
                },
            )
            .await?;
            cases::set_closed_on(&txn, id, review.completed_on).await?;
            let version = match (&review.legacy, legacy) {
                (Some(_), Some(l)) => l,
                _ => current,
            };
            let (coded, _) = crate::forms::answers::split(version, &review.answers());
            let signed_at = review.completed_on.and_time(NaiveTime::MIN).and_utc();
            let analysis = analyses::insert(
                &txn,
                NewRevision {
                    case_id: id,
                    revision: 1,
                    form_version: version.version.clone(),
                    sealed: None,
                    sealed_key: String::new(),
                    category: Some(review.category.clone()),
                    modifiable: Some(review.modifiable.clone()),
                    by: actor.user_id(),
                    at,
                },
                &coded,
            )
            .await?;
            analyses::sign_imported(&txn, analysis, signed_at).await?;
        }
        imported::insert(&txn, area.id, index, id, at).await?;
        audit::append(
            &txn,
            &AuditEvent::new(actor.clone(), AuditAction::CaseCreated, "case", reference.to_string())
                .area(area.id)
                .details(format!(
                    "source=import;status={};line={}{}",
                    status.code(),
                    r.line,
                    duplicate.as_ref().map(|d| format!(";duplicate_of={}", d.reference)).unwrap_or_default()
                )),
        )
        .await?;
        let on_legacy = r.review.as_ref().is_some_and(|v| v.legacy.is_some());
        done.push((r.line, reference.to_string(), r.review.is_some(), duplicate.is_some(), on_legacy));
    }
    txn.commit().await?;
    for (line, reference, reviewed, duplicate, on_legacy) in done {
        outcome.imported.push((line, reference));
        outcome.reviews += usize::from(reviewed);
        outcome.duplicates += usize::from(duplicate);
        outcome.legacy += usize::from(on_legacy);
    }
    Ok(())
}
