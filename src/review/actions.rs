//! The actions register: recommendations turned into actions with an owner organisation, an
//! owner's email, a due date and a status, linked to cases and themes. Owners are emailed when an
//! action is assigned to them and reminded once per overdue point.
//!
//! An action goes to partner agencies by email, so its description must not identify anyone: it
//! is checked against every known identifier of the cases it is linked to, like a pack narrative.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::open_text;
use crate::context::Context;
use crate::domain::anonymity::SealedChecked;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::codes::ActionStatus;
use crate::domain::email::EmailAddress;
use crate::domain::reminders;
use crate::gathering::date_words;
use crate::mail::{self, Recipient, render};
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::actions::{self as store, Action, Change, Filter, NewAction};
use crate::store::{self as db, areas, audit, cases};

/// The sealed part of an action.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sealed {
    pub description: String,
    pub owner_email: String,
    #[serde(default)]
    pub note: String,
    /// The owner's link to report progress (sealed here so reminders can repeat it; its hash is on
    /// the action).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner_token: String,
}

/// An action as typed (by the page or the API).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Input {
    /// The area it belongs to; defaults to the first linked case's area.
    #[serde(default)]
    pub area_id: Option<i64>,
    pub description: String,
    pub owner_org: String,
    pub owner_email: String,
    pub due_on: NaiveDate,
    #[serde(default)]
    pub cases: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    /// For edits (new actions start open): `open`, `in_progress`, `implemented`,
    /// `closed_no_action`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Words the writer confirmed identify no one, after the identifier check listed them.
    #[serde(default)]
    pub confirmed: Vec<String>,
}

/// An action as the pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub reference: String,
    pub area: String,
    /// The status code, and in words.
    pub status: String,
    pub status_label: String,
    pub due_on: NaiveDate,
    pub overdue: bool,
    pub owner_org: String,
    pub owner_email: String,
    pub description: String,
    pub note: String,
    pub completed_on: Option<NaiveDate>,
    pub cases: Vec<String>,
    pub themes: Vec<String>,
    pub version: i64,
}

/// The themes an action can carry: the current Analysis Form's theme list (configuration).
pub fn themes(cx: &Context) -> Vec<(String, String)> {
    super::analysis::current_version(cx)
        .ok()
        .and_then(|v| {
            v.item("themes").map(|i| i.options.iter().map(|o| (o.code.clone(), o.label.clone())).collect())
        })
        .unwrap_or_default()
}

/// A theme's label (its code when unknown).
pub fn theme_label(cx: &Context, code: &str) -> String {
    themes(cx).into_iter().find(|(c, _)| c == code).map(|(_, l)| l).unwrap_or_else(|| code.to_string())
}

/// The status an input asks for (open when none).
fn status_of(input: &Input) -> ActionStatus {
    input.status.as_deref().and_then(ActionStatus::parse).unwrap_or(ActionStatus::Open)
}

struct Checked {
    area_id: i64,
    case_ids: Vec<i64>,
    sealed: Sealed,
    /// The description, note and owner organisation after the identifier check.
    texts: Vec<crate::domain::anonymity::Checked>,
}

impl Checked {
    /// The sealed record (description, note and the owner's address), built from checked text.
    fn seal(&self, cx: &Context) -> ServiceResult<SealedChecked> {
        let plain = serde_json::to_vec(&self.sealed).map_err(anyhow::Error::from)?;
        Ok(SealedChecked::of_record(&self.texts, &plain, |b| cx.keys.keyring.seal(b))?)
    }

    fn owner_org(&self) -> crate::domain::anonymity::Checked {
        self.texts.get(2).cloned().unwrap_or_default()
    }
}

/// Checks what was typed against the rules; every problem at once, by field.
/// The most cases one action may be linked to (and words confirmed at once).
pub const MAX_CASES: usize = 100;

async fn check(cx: &Context, areas_in_scope: &[i64], input: &Input) -> ServiceResult<Checked> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut problem = |f: &str, m: &str| problems.push((f.to_string(), m.to_string()));
    let description = input.description.trim();
    if description.is_empty() {
        problem("description", "Enter what is to be done");
    } else if description.chars().count() > 2000 {
        problem("description", "The description must be 2,000 characters or fewer");
    }
    let owner_org = input.owner_org.trim();
    if owner_org.is_empty() {
        problem("owner_org", "Enter the organisation that owns the action");
    } else if owner_org.chars().count() > 200 {
        problem("owner_org", "The organisation must be 200 characters or fewer");
    }
    let email = EmailAddress::parse(&input.owner_email);
    if let Err(e) = &email {
        problem("owner_email", &e.to_string());
    }
    let status = status_of(input);
    if input.status.as_deref().is_some_and(|s| ActionStatus::parse(s).is_none()) {
        problem("status", "Choose the action's status");
    }
    if status == ActionStatus::ClosedNoAction && input.note.trim().is_empty() {
        problem("note", "Say why the action is closed with no action");
    }
    if input.note.chars().count() > 2000 {
        problem("note", "The note must be 2,000 characters or fewer");
    }
    let known: Vec<String> = themes(cx).into_iter().map(|(c, _)| c).collect();
    if input.themes.iter().any(|t| !known.contains(t)) {
        problem("themes", "Choose themes from the list");
    }
    if input.cases.len() > MAX_CASES {
        problem(
            "cases",
            &format!("Link an action to at most {MAX_CASES} cases ({} were listed)", input.cases.len()),
        );
    }
    if input.confirmed.len() > MAX_CASES {
        problem("confirmed", &format!("Confirm at most {MAX_CASES} words"));
    }
    let mut case_ids = Vec::new();
    let mut case_areas = Vec::new();
    let mut ids = Vec::new();
    for reference in input.cases.iter().take(MAX_CASES).map(|r| r.trim()).filter(|r| !r.is_empty()) {
        match cases::find_by_reference(&cx.db, reference).await? {
            Some(c) if areas_in_scope.contains(&c.area_id) => {
                ids.extend(super::packs::case_identifiers(cx, &c).await?);
                case_ids.push(c.id);
                case_areas.push(c.area_id);
            }
            _ => problems.push((
                "cases".into(),
                format!("There is no case {reference} in your areas: check the reference"),
            )),
        }
    }
    case_ids.sort_unstable();
    case_ids.dedup();
    // An action about no one case is checked against every child of its area.
    if case_ids.is_empty()
        && let Some(area) = input.area_id.filter(|a| areas_in_scope.contains(a))
    {
        ids = crate::anonymity::area_identifiers(cx, &[area]).await?;
    }
    // Read by panel chairs and shared with partner agencies by email: no identifier of a linked
    // case, nor anything shaped like one, may remain.
    let texts = match crate::anonymity::check_all(
        &[("description", description), ("note", input.note.trim()), ("owner_org", owner_org)],
        &ids,
        &input.confirmed,
    ) {
        Ok(t) => t,
        Err(ServiceError::Invalid(list)) => {
            problems.extend(list);
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    let area_id = input
        .area_id
        .or_else(|| case_areas.first().copied())
        .or_else(|| if areas_in_scope.len() == 1 { areas_in_scope.first().copied() } else { None });
    match area_id {
        Some(a) if areas_in_scope.contains(&a) => {}
        _ => problems.push(("area".into(), "Choose the area the action belongs to".into())),
    }
    match (email, area_id) {
        (Ok(email), Some(area_id)) if problems.is_empty() => Ok(Checked {
            area_id,
            case_ids,
            sealed: Sealed {
                description: description.to_string(),
                owner_email: email.as_str().to_string(),
                note: input.note.trim().to_string(),
                owner_token: String::new(),
            },
            texts,
        }),
        _ => Err(ServiceError::Invalid(problems)),
    }
}

fn action_event(acting: &Acting<'_>, action: AuditAction, reference: &str) -> AuditEvent {
    AuditEvent::new(acting.actor.clone(), action, "action", reference.to_string()).request(acting.request_id)
}

/// Queues the "assigned to you" email to the owner (their address sealed in the outbox).
async fn email_owner<C: sea_orm::ConnectionTrait>(
    cx: &Context,
    conn: &C,
    reference: &str,
    area_id: i64,
    sealed: &Sealed,
    due_on: NaiveDate,
    overdue: bool,
) -> ServiceResult<()> {
    let area = areas::find(conn, area_id).await?.map(|a| a.name).unwrap_or_default();
    let link =
        (!sealed.owner_token.is_empty()).then(|| super::action_progress::owner_link(cx, &sealed.owner_token));
    let email = render::action_email(
        reference,
        &area,
        &sealed.description,
        &date_words(due_on),
        overdue,
        link.as_deref(),
    )
    .map_err(anyhow::Error::from)?;
    // With the link the body is private: sealed with the address, like an agency's form link.
    let (email, to) = match link {
        Some(_) => {
            mail::prepare_private(&cx.keys.keyring, &email, std::slice::from_ref(&sealed.owner_email))?
        }
        None => {
            let to = mail::prepare_recipients(
                &cx.keys.keyring,
                &[Recipient::External(sealed.owner_email.clone())],
            )?;
            (email, to)
        }
    };
    mail::enqueue(conn, &email, None, to).await?;
    Ok(())
}

/// Every problem with `input` (by field), without saving: a form that could not read one field
/// (the due date) still shows the problems with all the others in the same round.
pub async fn problems(
    cx: &Context,
    areas_in_scope: &[i64],
    input: &Input,
) -> ServiceResult<Vec<(String, String)>> {
    match check(cx, areas_in_scope, input).await {
        Ok(_) => Ok(Vec::new()),
        Err(ServiceError::Invalid(list)) => Ok(list),
        Err(e) => Err(e),
    }
}

/// Records a new action and emails its owner (with the link to report progress); returns its
/// reference.
pub async fn create(
    cx: &Context,
    acting: &Acting<'_>,
    areas_in_scope: &[i64],
    input: &Input,
) -> ServiceResult<String> {
    let mut c = check(cx, areas_in_scope, input).await?;
    let (token, hash) = super::action_progress::new_owner_link();
    c.sealed.owner_token = token;
    let sealed = c.seal(cx)?;
    let txn = db::begin_write(&cx.db).await?;
    let (id, reference) = store::insert(
        &txn,
        NewAction {
            area_id: c.area_id,
            due_on: input.due_on,
            owner_org: c.owner_org(),
            sealed,
            sealed_key: cx.keys.keyring.key_id(),
            created_by: acting.actor.user_id(),
        },
        &c.case_ids,
        &input.themes,
    )
    .await?;
    crate::store::action_updates::set_owner_token(&txn, id, &hash).await?;
    email_owner(cx, &txn, &reference, c.area_id, &c.sealed, input.due_on, false).await?;
    audit::append(
        &txn,
        &action_event(acting, AuditAction::ActionCreated, &reference)
            .details(format!("cases={}", c.case_ids.len())),
    )
    .await?;
    txn.commit().await?;
    cx.mail_wakeup.notify_one();
    Ok(reference)
}

/// Saves an edit made against `version`; a new owner's email address gets the "assigned" email.
pub async fn update(
    cx: &Context,
    acting: &Acting<'_>,
    areas_in_scope: &[i64],
    reference: &str,
    version: i64,
    input: &Input,
) -> ServiceResult<()> {
    let current = find(cx, areas_in_scope, reference).await?;
    let before: Sealed = open_sealed(cx, &current)?;
    let input = Input { area_id: Some(current.area_id), ..input.clone() };
    let mut c = check(cx, areas_in_scope, &input).await?;
    let status = status_of(&input);
    // The owner's link stays with the owner: a new owner gets a new link, the old one stops.
    let reassigned = before.owner_email != c.sealed.owner_email && status.is_open();
    let new_link = reassigned.then(super::action_progress::new_owner_link);
    c.sealed.owner_token = match &new_link {
        Some((token, _)) => token.clone(),
        None => before.owner_token.clone(),
    };
    let completed_on =
        if status.is_open() { None } else { current.completed_on.or_else(|| Some(cx.clock.today())) };
    let sealed = c.seal(cx)?;
    let txn = db::begin_write(&cx.db).await?;
    store::update(
        &txn,
        current.id,
        version,
        Change {
            status: status.code().into(),
            due_on: input.due_on,
            owner_org: c.owner_org(),
            sealed,
            sealed_key: cx.keys.keyring.key_id(),
            completed_on,
        },
    )
    .await?;
    store::set_links(&txn, current.id, &c.case_ids, &input.themes).await?;
    if let Some((_, hash)) = &new_link {
        crate::store::action_updates::set_owner_token(&txn, current.id, hash).await?;
    }
    if reassigned {
        email_owner(cx, &txn, reference, current.area_id, &c.sealed, input.due_on, false).await?;
    }
    audit::append(
        &txn,
        &action_event(acting, AuditAction::ActionUpdated, reference)
            .details(format!("status={};reassigned={reassigned}", status.code())),
    )
    .await?;
    txn.commit().await?;
    if reassigned {
        cx.mail_wakeup.notify_one();
    }
    Ok(())
}

/// An action in one of `areas_in_scope` (not found otherwise).
pub async fn find(cx: &Context, areas_in_scope: &[i64], reference: &str) -> ServiceResult<Action> {
    store::find_by_reference(&cx.db, reference)
        .await?
        .filter(|a| areas_in_scope.contains(&a.area_id))
        .ok_or(ServiceError::NotFound)
}

fn open_sealed(cx: &Context, a: &Action) -> ServiceResult<Sealed> {
    serde_json::from_str(&open_text(cx, &a.sealed)?).map_err(|e| ServiceError::Other(e.into()))
}

/// The actions `filter` selects, opened for display.
pub async fn list(cx: &Context, filter: &Filter) -> ServiceResult<Vec<View>> {
    let rows = store::list(&cx.db, &Filter { today: Some(cx.clock.today()), ..filter.clone() }).await?;
    opened(cx, rows).await
}

/// One page of the actions `filter` selects, opened for display, and how many there are in all:
/// only the page is opened, however long the register.
pub async fn page(cx: &Context, filter: &Filter, offset: u64, limit: u64) -> ServiceResult<(Vec<View>, u64)> {
    let filter = Filter { today: Some(cx.clock.today()), ..filter.clone() };
    let (rows, total) = store::page(&cx.db, &filter, offset, limit).await?;
    Ok((opened(cx, rows).await?, total))
}

/// One action, opened.
pub async fn view(cx: &Context, areas_in_scope: &[i64], reference: &str) -> ServiceResult<View> {
    let a = find(cx, areas_in_scope, reference).await?;
    opened(cx, vec![a]).await?.pop().ok_or(ServiceError::NotFound)
}

/// Opens `rows` for display, with their cases, themes and area names.
async fn opened(cx: &Context, rows: Vec<Action>) -> ServiceResult<Vec<View>> {
    let today = cx.clock.today();
    let mut links = store::links(&cx.db, &rows.iter().map(|a| a.id).collect::<Vec<_>>()).await?;
    let names: std::collections::HashMap<i64, String> =
        areas::list(&cx.db).await?.into_iter().map(|a| (a.id, a.name)).collect();
    rows.into_iter()
        .map(|a| {
            let sealed = open_sealed(cx, &a)?;
            let (cases, themes) = links.remove(&a.id).unwrap_or_default();
            let status = ActionStatus::parse(&a.status).unwrap_or(ActionStatus::Open);
            Ok(View {
                area: names.get(&a.area_id).cloned().unwrap_or_default(),
                overdue: status.is_open() && a.due_on < today,
                status: status.code().into(),
                status_label: status.label().into(),
                reference: a.reference,
                due_on: a.due_on,
                owner_org: a.owner_org,
                owner_email: sealed.owner_email,
                description: sealed.description,
                note: sealed.note,
                completed_on: a.completed_on,
                cases,
                themes,
                version: a.version,
            })
        })
        .collect()
}

/// Records an export of the register in the audit trail.
pub async fn record_export(cx: &Context, acting: &Acting<'_>, rows: usize) -> ServiceResult<()> {
    audit::append(
        &cx.db,
        &AuditEvent::new(acting.actor.clone(), AuditAction::ActionsExported, "action", "register")
            .request(acting.request_id)
            .details(format!("rows={rows}")),
    )
    .await?;
    Ok(())
}

/// Emails the owner of each overdue action at each schedule point (the day after the due date,
/// then every `review.action_remind_overdue_every_days`), once per point: the point is recorded
/// under a unique index in the same transaction as its outbox row, so a restart or a second
/// instance never sends it twice.
pub async fn send_due_reminders(cx: &Context) -> ServiceResult<usize> {
    let every = cx.config.review.action_remind_overdue_every_days;
    if every == 0 {
        return Ok(0);
    }
    let today = cx.clock.today();
    let mut sent = 0;
    let mut after_id = 0;
    let mut skipped = crate::service::Skipped::new("action reminders");
    loop {
        let txn = db::begin_write(&cx.db).await?;
        let batch = store::claim_overdue(&txn, today, after_id, 200).await?;
        let Some(last) = batch.last() else {
            txn.commit().await?;
            break;
        };
        after_id = last.id;
        for a in &batch {
            // One action that cannot be reminded (its record does not open) is skipped and
            // reported; the others still go.
            match db::savepoint(&txn, async |one| remind(cx, one, today, every, a).await).await? {
                Ok(done) => sent += usize::from(done),
                Err(e) => {
                    if skipped.note() {
                        tracing::error!(action = %a.reference, error = %e, "action reminder skipped: this action could not be reminded; the others carry on");
                    }
                }
            }
        }
        txn.commit().await?;
    }
    skipped.report();
    if sent > 0 {
        cx.mail_wakeup.notify_one();
        tracing::info!(reminders = sent, "action reminders queued");
    }
    Ok(sent)
}

/// Queues action `a`'s reminder for today's schedule point; false when there is none to send.
async fn remind<C: sea_orm::ConnectionTrait>(
    cx: &Context,
    txn: &C,
    today: chrono::NaiveDate,
    every: u32,
    a: &store::Action,
) -> ServiceResult<bool> {
    let Some(point) = reminders::overdue_point(a.due_on, today, every) else { return Ok(false) };
    if !store::record_point(txn, "action", a.id, &point.name, cx.clock.now()).await? {
        return Ok(false);
    }
    let sealed = open_sealed(cx, a)?;
    email_owner(cx, txn, &a.reference, a.area_id, &sealed, a.due_on, true).await?;
    audit::append(
        txn,
        &AuditEvent::new(Actor::System, AuditAction::ActionReminderSent, "action", a.reference.clone())
            .details(format!("point={}", point.name)),
    )
    .await?;
    Ok(true)
}
