//! Carrying out approved destructions: one transaction per case, so a crash leaves each case
//! either untouched or fully destroyed, and running again finishes the rest. Inside each
//! transaction the guard row is locked and the case's holds are checked again: a hold placed
//! after approval (even while the batch runs) stops its case.

use std::time::Duration;

use crate::context::Context;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::retention::EntryStatus;
use crate::store::{self, audit, destruction, holds};

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestroyReport {
    /// (case reference, certificate number)
    pub destroyed: Vec<(String, String)>,
    /// Cases found under a hold, or no longer due, and withdrawn instead.
    pub withdrawn: Vec<String>,
}

/// Destroys every approved entry (at most `limit`, all when `None`), pausing `pause` after each
/// case (the command line's `--pause-ms`, used to stop a batch part-way in tests).
pub async fn destroy_approved(
    cx: &Context,
    actor: Actor,
    limit: Option<u64>,
    pause: Duration,
) -> anyhow::Result<DestroyReport> {
    // Due dates that changed since the cases were approved are computed first, so a case no
    // longer due is withdrawn below rather than destroyed early.
    crate::retention::refresh_due(cx, 200).await?;
    let mut report = DestroyReport::default();
    let mut left = limit.unwrap_or(u64::MAX);
    while left > 0 {
        let ids = destruction::approved_ids(&cx.db, left.min(100)).await?;
        if ids.is_empty() {
            break;
        }
        for id in ids {
            one(cx, &actor, id, &mut report).await?;
            left = left.saturating_sub(1);
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
    }
    Ok(report)
}

async fn one(cx: &Context, actor: &Actor, entry_id: i64, report: &mut DestroyReport) -> anyhow::Result<()> {
    let txn = store::begin_write(&cx.db).await?;
    destruction::lock_guard(&txn).await?;
    let Some(entry) = destruction::find(&txn, entry_id).await? else {
        txn.commit().await?;
        return Ok(());
    };
    // Another instance may have done it meanwhile.
    if entry.status() != Some(EntryStatus::Approved) {
        txn.commit().await?;
        return Ok(());
    }
    let event = |action, object_type, object_ref: String| {
        AuditEvent::new(actor.clone(), action, object_type, object_ref).area(entry.area_id)
    };
    // Held (even by a hold placed after approval), or no longer due (a policy lengthened or a
    // trigger changed after approval; due dates were computed first): withdrawn, not destroyed.
    let case = crate::store::cases::find(&txn, entry.case_id).await?;
    let today = cx.clock.today();
    let still_due = case.as_ref().is_some_and(|c| {
        c.destroyed_at.is_none() && !c.retention_stale && c.retention_due_on.is_some_and(|d| d <= today)
    });
    let withdraw = match (holds::is_held(&txn, entry.case_id).await?, still_due) {
        (true, _) => Some(("A legal hold was placed on the case", "held")),
        (false, false) => {
            Some(("No longer due: a policy or the case changed after it was queued", "not_due"))
        }
        (false, true) => None,
    };
    if let Some((reason, code)) = withdraw {
        destruction::close(&txn, entry.id, EntryStatus::Withdrawn, None, reason).await?;
        audit::append(
            &txn,
            &event(AuditAction::DestructionWithdrawn, "case", entry.reference.clone())
                .details(format!("entry={};at=destruction;reason={code}", entry.id)),
        )
        .await?;
        txn.commit().await?;
        report.withdrawn.push(entry.reference);
        return Ok(());
    }
    let policy_words = match entry.policy_id {
        Some(id) => crate::store::retention::policies(&txn)
            .await?
            .into_iter()
            .find(|p| p.policy.id == id)
            .map(|p| p.policy.rule_words()),
        None => None,
    };
    let at = cx.clock.now();
    let destroyed = destruction::destroy_case(
        &txn,
        entry.id,
        entry.case_id,
        &entry.reference,
        policy_words.as_deref(),
        at,
    )
    .await?;
    let certificate = entry.certificate();
    audit::append(
        &txn,
        &event(AuditAction::IdentityDestroyed, "case", entry.reference.clone()).details(format!(
            "entry={};policy={};records={}",
            entry.id,
            entry.policy_id.map(|p| p.to_string()).unwrap_or_else(|| "none".into()),
            destroyed.lines().iter().map(|(_, n)| n).sum::<u64>()
        )),
    )
    .await?;
    audit::append(
        &txn,
        &event(AuditAction::CertificateIssued, "certificate", certificate.clone())
            .details(format!("case={}", entry.reference)),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(case = %entry.reference, certificate = %certificate, "identifying data destroyed");
    report.destroyed.push((entry.reference, certificate));
    Ok(())
}
