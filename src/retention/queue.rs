//! The sweep (cases due and not held enter the queue), queueing for approval, two-person approval
//! and exclusion.

use chrono::NaiveDate;

use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::retention::EntryStatus;
use crate::service::Acting;
use crate::service::{ServiceError, ServiceResult, invalid};
use crate::store::{self, audit, destruction, retention as stored};

/// What a sweep found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Cases listed in the queue by this sweep (or, in a dry run, that would be).
    pub listed: Vec<String>,
    /// Cases due but under a legal hold (never listed).
    pub held: i64,
    /// Cases whose due date is still to be computed (a dry run does not compute them).
    pub stale: i64,
}

/// Lists every case due by `today`, not held and not already in the queue. A dry run writes
/// nothing (not even due dates) and says what would be listed.
pub async fn sweep(cx: &Context, today: NaiveDate, dry_run: bool) -> anyhow::Result<SweepReport> {
    if !dry_run {
        super::refresh_due(cx, 500).await?;
    }
    let mut report = SweepReport {
        held: destruction::held_due(&cx.db, today).await?,
        stale: stored::count_stale(&cx.db).await?,
        ..SweepReport::default()
    };
    let mut after = 0;
    loop {
        let page = destruction::candidates(&cx.db, today, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        if dry_run {
            report.listed.extend(page.iter().map(|c| c.reference.clone()));
            continue;
        }
        let txn = store::begin_write(&cx.db).await?;
        // A hold placed since the page was read is respected: the insert re-checks nothing, so
        // withdraw what a hold now covers before committing.
        destruction::insert_due(&txn, &page).await?;
        destruction::withdraw_held(&txn).await?;
        txn.commit().await?;
        report.listed.extend(page.iter().map(|c| c.reference.clone()));
    }
    if !dry_run && !report.listed.is_empty() {
        audit::append(
            &cx.db,
            &crate::domain::audit::AuditEvent::new(
                crate::domain::audit::Actor::System,
                AuditAction::RetentionSwept,
                "retention",
                today.to_string(),
            )
            .details(format!("listed={};held={}", report.listed.len(), report.held)),
        )
        .await?;
    }
    Ok(report)
}

/// A reason as typed: one line, and (admins never see identities; certificates carry it) nothing
/// in it that identifies anyone (the children of `entries` by name, anyone by shape), suspected
/// words only once confirmed.
async fn reason_of(
    cx: &Context,
    entries: &[destruction::Entry],
    (field, reason, what): (&str, &str, &str),
    confirmed: &[String],
) -> ServiceResult<String> {
    let reason =
        crate::domain::text::one_line(reason, 500, &format!("Enter the reason {what}"), "The reason")
            .map_err(|m| invalid(field, m))?;
    let cases: Vec<i64> = entries.iter().map(|e| e.case_id).collect();
    let ids = crate::anonymity::batch_identifiers(cx, &cases).await?;
    crate::anonymity::checked(field, &reason, &ids, confirmed)
        .map(|c| c.as_str().to_string())
        .map_err(ServiceError::Invalid)
}

/// Puts due entries forward for approval as one batch; returns (batch id, how many).
pub async fn queue(
    cx: &Context,
    acting: &Acting<'_>,
    by: i64,
    ids: &[i64],
    reason: &str,
    confirmed: &[String],
) -> ServiceResult<(i64, u64)> {
    if ids.is_empty() {
        return Err(invalid("entries", "Choose at least one case to queue"));
    }
    let due = entries_in(&cx.db, ids, EntryStatus::Due).await?;
    let what = "for destroying these cases' identifying data";
    let reason = reason_of(cx, &due, ("reason", reason, what), confirmed).await?;
    let txn = store::begin_write(&cx.db).await?;
    let (batch, n) = destruction::queue(&txn, ids, by, &reason).await?;
    if n == 0 {
        return Err(ServiceError::Conflict(
            "None of those cases is waiting to be queued any more: someone else queued them, or a hold was placed."
                .into(),
        ));
    }
    let events: Vec<_> = entries_in(&txn, ids, EntryStatus::Queued)
        .await?
        .iter()
        .map(|e| {
            entry_event(acting, AuditAction::DestructionQueued, e)
                .details(format!("entry={};batch={batch}", e.id))
        })
        .collect();
    audit::append_many(&txn, &events).await?;
    txn.commit().await?;
    Ok((batch, n))
}

/// An audit event about the case of a queue entry.
fn entry_event(
    acting: &Acting<'_>,
    action: AuditAction,
    e: &destruction::Entry,
) -> crate::domain::audit::AuditEvent {
    acting.event(action, "case", e.reference.clone()).area(e.area_id)
}

async fn entries_in(
    conn: &impl sea_orm::ConnectionTrait,
    ids: &[i64],
    status: EntryStatus,
) -> ServiceResult<Vec<destruction::Entry>> {
    // Every entry in that status, kept when asked for: one indexed statement (an IN list of
    // thousands of ids joined to five tables made SQLite's planner take seconds).
    let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
    let out: Vec<destruction::Entry> = destruction::list(conn, &[status], u64::MAX >> 1)
        .await?
        .into_iter()
        .filter(|e| wanted.contains(&e.id))
        .collect();
    Ok(out)
}

/// Approves queued entries; the approver must not be the admin who queued them. Returns how many
/// were approved (the worker then destroys them).
pub async fn approve(
    cx: &Context,
    acting: &Acting<'_>,
    by: i64,
    ids: &[i64],
    reason: &str,
    confirmed: &[String],
) -> ServiceResult<u64> {
    if ids.is_empty() {
        return Err(invalid("approve_entries", "Choose at least one case to approve"));
    }
    let queued = entries_in(&cx.db, ids, EntryStatus::Queued).await?;
    let reason = reason_of(cx, &queued, ("approve_reason", reason, "for approving"), confirmed).await?;
    let txn = store::begin_write(&cx.db).await?;
    let queued = entries_in(&txn, ids, EntryStatus::Queued).await?;
    if queued.is_empty() {
        return Err(ServiceError::Conflict(
            "None of those cases is waiting for approval any more: it was approved, excluded or withdrawn."
                .into(),
        ));
    }
    if let Some(own) = queued.iter().find(|e| e.queued_by == Some(by)) {
        return Err(ServiceError::Refused(format!(
            "You queued {} for destruction, so another admin must approve it: destruction needs two people.",
            own.reference
        )));
    }
    let n = destruction::approve(&txn, ids, by, &reason).await?;
    let events: Vec<_> = queued
        .iter()
        .map(|e| entry_event(acting, AuditAction::DestructionApproved, e).details(format!("entry={}", e.id)))
        .collect();
    audit::append_many(&txn, &events).await?;
    txn.commit().await?;
    Ok(n)
}

/// Takes a case out of the queue with a reason and a new date to look at it again (a legal hold
/// is the other way to keep it).
pub async fn exclude(
    cx: &Context,
    acting: &Acting<'_>,
    by: i64,
    entry_id: i64,
    reason: &str,
    confirmed: &[String],
    review_on: Option<NaiveDate>,
) -> ServiceResult<()> {
    let entry = destruction::find(&cx.db, entry_id).await?.ok_or(ServiceError::NotFound)?;
    let what = "for keeping this case's identifying data";
    let reason =
        reason_of(cx, std::slice::from_ref(&entry), ("exclude_reason", reason, what), confirmed).await;
    let today = cx.clock.today();
    let date = match review_on {
        None => Err(invalid(
            "review_on",
            "Enter the date to look at the case again (or place a legal hold on it instead)",
        )),
        Some(d) if d <= today => {
            Err(invalid("review_on", "The date to look at the case again must be in the future"))
        }
        Some(d) => Ok(d),
    };
    let (reason, date) = match (reason, date) {
        (Ok(r), Ok(d)) => (r, d),
        (Err(ServiceError::Invalid(mut a)), Err(ServiceError::Invalid(b))) => {
            a.extend(b);
            return Err(ServiceError::Invalid(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let txn = store::begin_write(&cx.db).await?;
    if !destruction::close(&txn, entry_id, EntryStatus::Excluded, Some(by), &reason).await? {
        return Err(ServiceError::Conflict("This case is no longer in the queue.".into()));
    }
    stored::set_override(&txn, entry.case_id, Some(date)).await?;
    audit::append(
        &txn,
        &entry_event(acting, AuditAction::DestructionExcluded, &entry)
            .details(format!("entry={entry_id};review_on={date}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
