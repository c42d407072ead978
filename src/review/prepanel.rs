//! Independent pre-panel categorisation: before the meeting each attendee records, privately,
//! their own category of death and modifiable determination for a case on the agenda. Nobody
//! sees another's entry until the chair opens the case at the meeting; then the chair (and the
//! attendees) see the spread, and the panel records its decision in the analysis.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::meeting_event;
use crate::context::Context;
use crate::domain::analysis::{CATEGORY, MODIFIABLE};
use crate::domain::audit::AuditAction;
use crate::domain::codes::AgendaOutcome;
use crate::reports::agreement::{self, Agreement};
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::meetings::{self, AgendaItem, Meeting};
use crate::store::prepanel::{self as store, Entry};
use crate::store::{self as db, audit};

/// The (code, label, hint) choices for `key` in the current analysis definition.
pub fn choices(cx: &Context, key: &str) -> ServiceResult<Vec<(String, String, String)>> {
    let v = super::analysis::current_version(cx)?;
    let item = v
        .item(key)
        .ok_or_else(|| ServiceError::Other(anyhow::anyhow!("the analysis form has no `{key}`")))?;
    Ok(item.options.iter().map(|o| (o.code.clone(), o.label.clone(), o.hint.clone())).collect())
}

/// Records the attendee's own entry. Closed once the chair has opened the case.
pub async fn record(
    cx: &Context,
    acting: &Acting<'_>,
    m: &Meeting,
    item: &AgendaItem,
    category: &str,
    modifiable: &str,
) -> ServiceResult<()> {
    let user_id = acting.actor.user_id().ok_or(ServiceError::NotFound)?;
    if !meetings::is_attendee(&cx.db, m.id, user_id).await? {
        return Err(ServiceError::NotFound);
    }
    if item.opened_at.is_some() || item.outcome != AgendaOutcome::Pending.code() {
        return Err(ServiceError::Refused(
            "The chair has opened this case: pre-panel entries are closed".into(),
        ));
    }
    let mut problems = Vec::new();
    if !choices(cx, CATEGORY)?.iter().any(|(c, _, _)| c == category) {
        problems.push(("category".to_string(), "Choose the category of death".to_string()));
    }
    if !choices(cx, MODIFIABLE)?.iter().any(|(c, _, _)| c == modifiable) {
        problems.push(("modifiable".to_string(), "Choose whether there were modifiable factors".to_string()));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let txn = db::begin_write(&cx.db).await?;
    store::record(&txn, item.id, user_id, category, modifiable, cx.clock.now()).await?;
    audit::append(
        &txn,
        &meeting_event(acting, AuditAction::PrepanelRecorded, m).details(format!("item={}", item.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What a user may see of an item's entries: their own before the chair opens the case, every
/// entry after.
pub async fn visible(cx: &Context, item: &AgendaItem, user_id: i64) -> ServiceResult<Vec<Entry>> {
    let all = store::for_item(&cx.db, item.id).await?;
    Ok(if item.opened_at.is_some() {
        all
    } else {
        all.into_iter().filter(|e| e.user_id == user_id).collect()
    })
}

/// The chair opens the case at the meeting: every entry becomes visible.
pub async fn open(cx: &Context, acting: &Acting<'_>, m: &Meeting, item: &AgendaItem) -> ServiceResult<()> {
    if acting.actor.user_id() != Some(m.chair_id) {
        return Err(ServiceError::Refused("Only the meeting's chair can open a case".into()));
    }
    let txn = db::begin_write(&cx.db).await?;
    if meetings::mark_opened(&txn, item.id, cx.clock.now()).await? {
        audit::append(
            &txn,
            &meeting_event(acting, AuditAction::PrepanelRevealed, m).details(format!("item={}", item.id)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// How many entries chose each code, in the definition's order: (code, label, count).
pub fn spread(
    options: &[(String, String, String)],
    picked: impl Iterator<Item = String>,
) -> Vec<(String, String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in picked {
        *counts.entry(p).or_default() += 1;
    }
    options.iter().map(|(c, l, _)| (c.clone(), l.clone(), counts.get(c).copied().unwrap_or(0))).collect()
}

/// Inter-rater agreement for reviews completed between `from` and `to` in `areas`: (category,
/// modifiable).
pub async fn agreement(
    cx: &Context,
    from: NaiveDate,
    to: NaiveDate,
    areas: &[i64],
) -> ServiceResult<(Agreement, Agreement)> {
    Ok(agreement::of_ratings(&store::ratings(&cx.db, from, to, areas).await?))
}
