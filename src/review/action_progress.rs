//! Action owners report progress: through the link emailed with the action (no account needed,
//! like an agency's form link) or, for staff, from the action's page. Each update is kept — the
//! status it set, its note (checked for identifiers like the action itself, then sealed), who and
//! when — so the coordinator sees the history.

use chrono::{DateTime, Utc};

use super::open_text;
use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::ActionStatus;
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::action_updates::{self as store, NewUpdate};
use crate::store::actions::Action;
use crate::store::{self as db, audit, cases, users};

/// Where an update came from.
pub const OWNER_LINK: &str = "owner_link";
pub const ACCOUNT: &str = "account";

/// The statuses an owner may report.
pub const REPORTABLE: [ActionStatus; 2] = [ActionStatus::InProgress, ActionStatus::Implemented];

/// A new link for an action's owner: (token, its hash). Only the hash is stored in clear; the
/// token itself is sealed in the action's record so reminders can repeat the link.
pub fn new_owner_link() -> (String, String) {
    let token = crate::crypto::secrets::random_token();
    let hash = crate::crypto::secrets::digest(&token);
    (token, hash)
}

/// The owner's link to report progress.
pub fn owner_link(cx: &Context, token: &str) -> String {
    format!("{}/a/{token}", cx.config.public_url())
}

/// The action an owner's link opens (`None` for an unknown or replaced link, or a closed action).
pub async fn by_link(cx: &Context, token: &str) -> ServiceResult<Option<Action>> {
    if !crate::crypto::secrets::is_token_shaped(token) {
        return Ok(None);
    }
    let found = store::by_owner_token(&cx.db, &crate::crypto::secrets::digest(token)).await?;
    Ok(found.filter(|a| ActionStatus::parse(&a.status).is_some_and(ActionStatus::is_open)))
}

/// Records progress on `action`: the status it now has and a note, from the owner's link or an
/// account. The note is checked against every identifier of the linked cases (it is read by
/// panel chairs and partner agencies).
#[allow(clippy::too_many_arguments)]
pub async fn record(
    cx: &Context,
    acting: &Acting<'_>,
    action: &Action,
    status: &str,
    note: &str,
    confirmed: &[String],
    source: &str,
) -> ServiceResult<()> {
    let mut problems = Vec::new();
    let status = match ActionStatus::parse(status).filter(|s| REPORTABLE.contains(s)) {
        Some(s) => Some(s),
        None => {
            problems.push(("status".to_string(), "Choose in progress or implemented".to_string()));
            None
        }
    };
    let note = note.trim();
    if note.chars().count() > 2000 {
        problems.push(("note".into(), "The note must be 2,000 characters or fewer".into()));
    }
    if status == Some(ActionStatus::Implemented) && note.is_empty() {
        problems.push(("note".into(), "Say what was done to implement the action".into()));
    }
    if !ActionStatus::parse(&action.status).is_some_and(ActionStatus::is_open) {
        return Err(ServiceError::Refused("This action is closed: its progress can no longer change".into()));
    }
    let mut ids = Vec::new();
    for case_id in crate::store::actions::case_ids(&cx.db, action.id).await? {
        if let Some(c) = cases::find(&cx.db, case_id).await? {
            ids.extend(crate::anonymity::case_identifiers(cx, &c).await?);
        }
    }
    if ids.is_empty() {
        ids = crate::anonymity::area_identifiers(cx, &[action.area_id]).await?;
    }
    let sealed = if note.is_empty() {
        None
    } else {
        match crate::anonymity::check("note", note, &ids, confirmed) {
            Ok(checked) => Some(checked.seal(|b| cx.keys.keyring.seal(b))?.into_bytes()),
            Err(ServiceError::Invalid(list)) => {
                problems.extend(list);
                None
            }
            Err(e) => return Err(e),
        }
    };
    let (Some(status), true) = (status, problems.is_empty()) else {
        return Err(ServiceError::Invalid(problems));
    };
    let now = cx.clock.now();
    let txn = db::begin_write(&cx.db).await?;
    store::insert(
        &txn,
        NewUpdate {
            action_id: action.id,
            status: status.code(),
            sealed,
            sealed_key: &cx.keys.keyring.key_id(),
            source,
            user_id: acting.actor.user_id(),
            at: now,
        },
    )
    .await?;
    let completed_on = (status == ActionStatus::Implemented).then(|| cx.clock.today());
    crate::store::actions::set_progress(&txn, action.id, status.code(), completed_on).await?;
    audit::append(
        &txn,
        &acting
            .event(AuditAction::ActionUpdated, "action", action.reference.clone())
            .details(format!("status={};source={source}", status.code())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One update as the action's page shows it.
#[derive(Debug, Clone)]
pub struct UpdateView {
    pub at: DateTime<Utc>,
    pub status: String,
    pub note: String,
    /// "The owner (through their link)", or the account's name.
    pub by: String,
}

/// An action's progress updates, oldest first.
pub async fn history(cx: &Context, action: &Action) -> ServiceResult<Vec<UpdateView>> {
    let people = users::list(&cx.db).await?;
    store::for_action(&cx.db, action.id)
        .await?
        .into_iter()
        .map(|u| {
            let note = match &u.sealed {
                Some(s) => open_text(cx, s)?,
                None => String::new(),
            };
            let by = match (u.source.as_str(), u.user_id) {
                (OWNER_LINK, _) => format!("{} (through the owner's link)", action.owner_org),
                (_, Some(id)) => {
                    people.iter().find(|p| p.user.id == id).map(|p| p.user.name.clone()).unwrap_or_default()
                }
                _ => String::new(),
            };
            Ok(UpdateView {
                at: u.created_at,
                status: ActionStatus::parse(&u.status).map(|s| s.label().to_string()).unwrap_or(u.status),
                note,
                by,
            })
        })
        .collect()
}
