//! Retention: computing each case's due date from the policies, the sweep that lists cases due
//! into the destruction queue, two-person approval, legal holds, and destruction itself
//! (crypto-shredding plus deletion, one transaction per case, certificate and audit events).
//!
//! The sweep and reports never open sealed records. Only [`refresh_due`] does, for a case whose
//! applicable policy counts from its date of birth or death, because those dates are sealed.

use crate::context::Context;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::notification::SealedIdentity;
use crate::domain::retention::{self as rules, PolicyInput, Triggers};
use crate::service::{Acting, ServiceResult, invalid};
use crate::store::{self, audit, retention as stored};

pub mod destroy;
pub mod holds;
pub mod queue;

/// Installs the configured default policy when the database has none (first start).
pub async fn ensure_default_policy(db: &store::Db, c: &crate::config::RetentionConfig) -> anyhow::Result<()> {
    if stored::count_policies(db).await? > 0 {
        return Ok(());
    }
    let input = PolicyInput {
        name: c.default_name.clone(),
        trigger: c.default_trigger,
        years: c.default_years,
        months: c.default_months,
        action: c.default_action,
        all_areas: true,
        areas: Vec::new(),
    };
    let txn = store::begin_write(db).await?;
    let id = stored::insert_policy(&txn, &input, None).await?;
    audit::append(
        &txn,
        &AuditEvent::new(
            crate::domain::audit::Actor::System,
            AuditAction::RetentionPolicySaved,
            "retention_policy",
            id.to_string(),
        )
        .details("source=config"),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(policy = id, "default retention policy installed from configuration");
    Ok(())
}

/// Saves a new policy (`id` None) or changes one; every case's due date is then computed again by
/// the worker. Returns the policy id.
pub async fn save_policy(
    cx: &Context,
    acting: &Acting<'_>,
    by: i64,
    id: Option<(i64, i64)>,
    input: &PolicyInput,
    active: bool,
) -> ServiceResult<i64> {
    if !stored::areas_exist(&cx.db, &input.areas).await? {
        return Err(invalid("areas", "Choose areas from the list"));
    }
    let txn = store::begin_write(&cx.db).await?;
    let id = match id {
        None => stored::insert_policy(&txn, input, Some(by)).await?,
        Some((id, version)) => {
            stored::update_policy(&txn, id, version, input, active).await?;
            id
        }
    };
    audit::append(
        &txn,
        &acting.event(AuditAction::RetentionPolicySaved, "retention_policy", id.to_string()).details(
            format!(
                "trigger={};period={}y{}m;action={};active={active}",
                input.trigger.code(),
                input.years,
                input.months,
                input.action.code()
            ),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// The sealed trigger dates of a case (opening its record): `None` when it does not open.
fn sealed_triggers(
    keys: &crate::crypto::keys::Keys,
    sealed: &[u8],
) -> Option<(Option<chrono::NaiveDate>, chrono::NaiveDate)> {
    let plain = keys.keyring.open(sealed).ok()?;
    let identity: SealedIdentity = serde_json::from_slice(&plain).ok()?;
    Some((identity.child.date_of_birth, identity.death.date_of_death))
}

/// Computes the due date of every case marked stale (a trigger or a policy changed), in batches
/// of `batch`; returns how many were computed. Records are opened (on the blocking pool) only for
/// cases a date-of-birth or date-of-death policy applies to.
pub async fn refresh_due(cx: &Context, batch: u64) -> anyhow::Result<u64> {
    let (mut done, mut after) = (0, 0);
    loop {
        // Read and opened outside any transaction: on SQLite a write transaction holds the one
        // write lock, and opening hundreds of records inside it kept the mail sender and the
        // export worker waiting.
        let policies = stored::active_rules(&cx.db).await?;
        let stale = stored::stale_batch(&cx.db, after, batch).await?;
        if stale.is_empty() {
            return Ok(done);
        }
        let to_open: Vec<(usize, Vec<u8>)> = stale
            .iter()
            .enumerate()
            .filter(|(_, c)| rules::needs_sealed(&policies, c.area_id))
            .map(|(i, c)| (i, c.sealed.clone()))
            .collect();
        let keys = cx.keys.clone();
        let n = stale.len();
        // Per case: None (not opened), Some(None) (did not open), Some(Some(dates)).
        let opened = tokio::task::spawn_blocking(move || {
            let mut out = vec![None; n];
            for (i, sealed) in to_open {
                out[i] = Some(sealed_triggers(&keys, &sealed));
            }
            out
        })
        .await?;
        let mut decided = Vec::with_capacity(stale.len());
        for (i, c) in stale.iter().enumerate() {
            let mut known = Triggers {
                review_completed: c.review_completed_on,
                closed: c.closed_on,
                ..Triggers::default()
            };
            match opened.get(i).copied().flatten() {
                Some(Some((born, died))) => {
                    known.date_of_birth = born;
                    known.date_of_death = Some(died);
                }
                // Not known, so not due: kept until someone looks (the keys may be wrong).
                Some(None) => tracing::warn!(case = c.id, "sealed record did not open: no retention date"),
                None => {}
            }
            let d = rules::decide(&policies, c.area_id, &known, c.retention_override_on);
            decided.push((c.id, d.due_on, d.policy_id));
        }
        // Written in a short transaction, unless a policy changed meanwhile (then computed again).
        let txn = store::begin_write(&cx.db).await?;
        if stored::active_rules(&txn).await? != policies {
            txn.rollback().await?;
            continue;
        }
        stored::set_due_many(&txn, &decided).await?;
        after = stale.last().map_or(after, |c| c.id);
        txn.commit().await?;
        done += stale.len() as u64;
    }
}
