//! Independent pre-panel categorisation: before the meeting each attendee records, privately,
//! their own category of death and modifiable determination for a case on the agenda. Nobody
//! sees another's entry until the chair opens the case at the meeting; then the chair (and the
//! attendees) see the spread, and the panel records its decision in the analysis.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Acting, ReviewError, ReviewResult, meeting_event};
use crate::app::AppState;
use crate::domain::analysis::{CATEGORY, MODIFIABLE};
use crate::domain::audit::AuditAction;
use crate::domain::codes::AgendaOutcome;
use crate::reports::agreement::{self, Agreement};
use crate::store::meetings::{self, AgendaItem, Meeting};
use crate::store::prepanel::{self as store, Entry};
use crate::store::{self as db, audit};

/// The (code, label, hint) choices for `key` in the current analysis definition.
pub fn choices(state: &AppState, key: &str) -> ReviewResult<Vec<(String, String, String)>> {
    let v = super::analysis::current_version(state)?;
    let item =
        v.item(key).ok_or_else(|| ReviewError::Other(anyhow::anyhow!("the analysis form has no `{key}`")))?;
    Ok(item.options.iter().map(|o| (o.code.clone(), o.label.clone(), o.hint.clone())).collect())
}

/// Records the attendee's own entry. Closed once the chair has opened the case.
pub async fn record(
    state: &AppState,
    acting: &Acting<'_>,
    m: &Meeting,
    item: &AgendaItem,
    category: &str,
    modifiable: &str,
) -> ReviewResult<()> {
    let user_id = acting.actor.user_id().ok_or(ReviewError::NotFound)?;
    if !meetings::is_attendee(&state.db, m.id, user_id).await? {
        return Err(ReviewError::NotFound);
    }
    if item.opened_at.is_some() || item.outcome != AgendaOutcome::Pending.code() {
        return Err(ReviewError::Refused(
            "The chair has opened this case: pre-panel entries are closed".into(),
        ));
    }
    let mut problems = Vec::new();
    if !choices(state, CATEGORY)?.iter().any(|(c, _, _)| c == category) {
        problems.push(("category".to_string(), "Choose the category of death".to_string()));
    }
    if !choices(state, MODIFIABLE)?.iter().any(|(c, _, _)| c == modifiable) {
        problems.push(("modifiable".to_string(), "Choose whether there were modifiable factors".to_string()));
    }
    if !problems.is_empty() {
        return Err(ReviewError::Invalid(problems));
    }
    let txn = db::begin_write(&state.db).await?;
    store::record(&txn, item.id, user_id, category, modifiable, state.clock.now()).await?;
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
pub async fn visible(state: &AppState, item: &AgendaItem, user_id: i64) -> ReviewResult<Vec<Entry>> {
    let all = store::for_item(&state.db, item.id).await?;
    Ok(if item.opened_at.is_some() {
        all
    } else {
        all.into_iter().filter(|e| e.user_id == user_id).collect()
    })
}

/// The chair opens the case at the meeting: every entry becomes visible.
pub async fn open(state: &AppState, acting: &Acting<'_>, m: &Meeting, item: &AgendaItem) -> ReviewResult<()> {
    if acting.actor.user_id() != Some(m.chair_id) {
        return Err(ReviewError::Refused("Only the meeting's chair can open a case".into()));
    }
    let txn = db::begin_write(&state.db).await?;
    if meetings::mark_opened(&txn, item.id, state.clock.now()).await? {
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
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
    areas: &[i64],
) -> ReviewResult<(Agreement, Agreement)> {
    Ok(agreement::of_ratings(&store::ratings(&state.db, from, to, areas).await?))
}
