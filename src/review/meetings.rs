//! Meetings: arranging them (time, place, chair, attendees, areas), invitations with a calendar
//! file, the agenda (cases ready for review in the meeting's areas), moving a case to another
//! meeting, the outcome per case, and the sealed minutes.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::calendar::{self, Event};
use super::meeting_event;
use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{AgendaOutcome, CaseStatus, MeetingKind, MeetingStatus, ReviewDelay};
use crate::domain::redact;
use crate::domain::role::Role;
use crate::domain::uk_time;
use crate::domain::workflow::Facts;
use crate::mail::{self, Recipient, render};
use crate::service::{Acting, ServiceError, ServiceResult, invalid};
use crate::store::cases::{self, Case};
use crate::store::meetings::{self as store, AgendaItem, Meeting, NewMeeting};
use crate::store::{self as db, audit, users};
use crate::workflow::change_status_knowing;

/// A meeting as arranged on the page or through the API.
#[derive(Debug, Clone)]
pub struct Arrangement {
    pub kind: MeetingKind,
    /// Words in the place or link that the writer confirmed identify no one (a venue's postcode).
    pub confirmed: Vec<String>,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub location: String,
    pub chair_id: i64,
    pub area_ids: Vec<i64>,
    pub attendee_ids: Vec<i64>,
}

/// Roles that may chair each kind of meeting.
fn chair_roles(kind: MeetingKind) -> &'static [Role] {
    match kind {
        MeetingKind::Panel => &[Role::PanelChair],
        MeetingKind::Cdrm => &[Role::PanelChair, Role::DesignatedDoctor, Role::Coordinator],
    }
}

/// Checks the people and areas of an arrangement against the users as they are now; returns
/// the attendees with the chair among them.
async fn check_people(cx: &Context, acting_areas: &[i64], a: &Arrangement) -> ServiceResult<Vec<i64>> {
    let mut problems = Vec::new();
    if a.area_ids.is_empty() {
        problems.push(("areas".to_string(), "Choose at least one area".to_string()));
    } else if a.area_ids.iter().any(|id| !acting_areas.contains(id)) {
        problems.push(("areas".into(), "You can only arrange meetings in your own areas".into()));
    }
    if a.location.trim().is_empty() {
        problems.push(("location".into(), "Enter where the meeting is, or its video link".into()));
    } else if a.location.chars().count() > 500 {
        problems.push(("location".into(), "The place or link must be 500 characters or fewer".into()));
    }
    if !(15..=600).contains(&a.duration_minutes) {
        problems.push(("duration".into(), "The length must be between 15 minutes and 10 hours".into()));
    }
    let everyone = users::list(&cx.db).await?;
    let covers = |areas: &[i64]| a.area_ids.iter().all(|id| areas.contains(id));
    match everyone.iter().find(|u| u.user.id == a.chair_id && !u.user.disabled) {
        Some(u) if !u.roles.iter().any(|r| chair_roles(a.kind).contains(r)) => problems.push((
            "chair".into(),
            match a.kind {
                MeetingKind::Panel => "The chair of a panel meeting must be a panel chair".into(),
                MeetingKind::Cdrm => {
                    "The chair must be a panel chair, designated doctor or coordinator".into()
                }
            },
        )),
        Some(u) if !covers(&u.area_ids) => {
            problems.push(("chair".into(), "The chair must have access to every area of the meeting".into()))
        }
        Some(_) => {}
        None => problems.push(("chair".into(), "Choose the chair".into())),
    }
    let mut attendees = a.attendee_ids.clone();
    attendees.push(a.chair_id);
    attendees.sort_unstable();
    attendees.dedup();
    for id in &attendees {
        let ok = everyone.iter().any(|u| {
            u.user.id == *id
                && !u.user.disabled
                && u.roles.iter().any(|r| *r != Role::Admin)
                && u.area_ids.iter().any(|x| a.area_ids.contains(x))
        });
        if !ok && *id != a.chair_id {
            problems.push((
                "attendees".into(),
                "Every attendee must be an active user with access to one of the meeting's areas".into(),
            ));
            break;
        }
    }
    if problems.is_empty() { Ok(attendees) } else { Err(ServiceError::Invalid(problems)) }
}

pub async fn create(
    cx: &Context,
    acting: &Acting<'_>,
    acting_areas: &[i64],
    a: Arrangement,
) -> ServiceResult<i64> {
    if a.starts_at < cx.clock.now() {
        return Err(invalid("starts", "The meeting must be in the future"));
    }
    let attendees = check_people(cx, acting_areas, &a).await?;
    // Every attendee reads the place: nothing in it may identify anyone (no case is on the agenda
    // yet, so the check is by the identifiers' shapes).
    let location = crate::anonymity::check("location", a.location.trim(), &[], &a.confirmed)?;
    let txn = db::begin_write(&cx.db).await?;
    let id = store::insert(
        &txn,
        NewMeeting {
            kind: a.kind.code().into(),
            starts_at: a.starts_at,
            duration_minutes: a.duration_minutes,
            location,
            chair_id: a.chair_id,
            uid: format!("{}@cdop", uuid::Uuid::new_v4()),
            created_by: acting.actor.user_id(),
        },
        &a.area_ids,
        &attendees,
    )
    .await?;
    let m = store::find(&txn, id).await?.ok_or(ServiceError::NotFound)?;
    audit::append(
        &txn,
        &meeting_event(acting, AuditAction::MeetingCreated, &m).details(format!(
            "kind={};attendees={}",
            a.kind.code(),
            attendees.len()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Changes a scheduled meeting; attendees already invited get the change when invitations are
/// sent again (the calendar sequence is raised).
pub async fn update(
    cx: &Context,
    acting: &Acting<'_>,
    acting_areas: &[i64],
    m: &Meeting,
    version: i64,
    a: Arrangement,
) -> ServiceResult<()> {
    scheduled(m)?;
    let attendees = check_people(cx, acting_areas, &a).await?;
    for item in store::agenda(&cx.db, m.id).await? {
        if let Some(case) = cases::find(&cx.db, item.case_id).await? {
            not_before_notification(a.starts_at, &case, "date")?;
        }
    }
    let ids = agenda_identifiers(cx, m.id).await?;
    let location = crate::anonymity::check("location", a.location.trim(), &ids, &a.confirmed)?;
    let txn = db::begin_write(&cx.db).await?;
    store::update(&txn, m.id, version, a.starts_at, a.duration_minutes, &location, a.chair_id).await?;
    store::set_areas(&txn, m.id, &a.area_ids).await?;
    store::set_attendees(&txn, m.id, &attendees).await?;
    audit::append(&txn, &meeting_event(acting, AuditAction::MeetingChanged, m)).await?;
    txn.commit().await?;
    Ok(())
}

/// A meeting reviews a case only on or after the day it was notified (and so after the death).
fn not_before_notification(starts_at: DateTime<Utc>, case: &Case, field: &str) -> ServiceResult<()> {
    let meets = uk_time::to_uk(starts_at).date();
    let notified = uk_time::to_uk(case.notified_at).date();
    if meets < notified {
        return Err(invalid(
            field,
            format!(
                "The meeting is on {}, before {} was notified on {}: choose a meeting on or after that day",
                meets.format("%-d %B %Y"),
                case.reference,
                notified.format("%-d %B %Y")
            ),
        ));
    }
    Ok(())
}

/// An event is recorded as having happened only once it has started.
fn started(cx: &Context, m: &Meeting, what: &str) -> ServiceResult<()> {
    if m.starts_at > cx.clock.now() {
        return Err(ServiceError::Refused(format!(
            "This meeting starts on {}: {what} once it has taken place",
            uk_time::words(m.starts_at)
        )));
    }
    Ok(())
}

/// The panel meeting whose review a first sign-off completes: a panel meeting that has started
/// with the case on its agenda, pending or reviewed. Refused, with the reason, when the panel has
/// not met yet or the case is on no panel's agenda.
pub async fn panel_review<C: ConnectionTrait>(
    conn: &C,
    case: &Case,
    now: DateTime<Utc>,
) -> ServiceResult<(AgendaItem, Meeting)> {
    let mut later = None;
    for item in store::items_of_case(conn, case.id).await? {
        let open =
            item.outcome == AgendaOutcome::Pending.code() || item.outcome == AgendaOutcome::Reviewed.code();
        let Some(m) =
            store::find(conn, item.meeting_id).await?.filter(|m| m.kind == MeetingKind::Panel.code())
        else {
            continue;
        };
        if !open || m.status == MeetingStatus::Cancelled.code() {
            continue;
        }
        if m.starts_at <= now {
            return Ok((item, m));
        }
        later = Some(m);
    }
    Err(ServiceError::Refused(match later {
        Some(m) => format!(
            "The panel reviews this case on {}: sign the analysis off once the panel has met",
            uk_time::words(m.starts_at)
        ),
        None => "Sign-off follows the panel's review: put the case on a panel meeting's agenda first".into(),
    }))
}

fn scheduled(m: &Meeting) -> ServiceResult<()> {
    if m.status == MeetingStatus::Scheduled.code() {
        Ok(())
    } else {
        Err(ServiceError::Refused("This meeting has already been held or was cancelled".into()))
    }
}

/// The meeting's title: "CDOP panel meeting, Tuesday 1 December 2026 at 10:00".
pub fn title(m: &Meeting) -> String {
    let kind = MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::Panel);
    format!("{}, {}", kind.label(), uk_time::words(m.starts_at))
}

/// Sends every attendee an invitation (or an update) with the calendar file: the meeting's
/// kind, time, place, the case references on the agenda and the meeting's link.
pub async fn invite(cx: &Context, acting: &Acting<'_>, m: &Meeting) -> ServiceResult<usize> {
    scheduled(m)?;
    let attendees = store::attendees(&cx.db, m.id).await?;
    let everyone = users::list(&cx.db).await?;
    let emails: Vec<(i64, String)> = attendees
        .iter()
        .filter_map(|a| everyone.iter().find(|u| u.user.id == a.user_id && !u.user.disabled))
        .map(|u| (u.user.id, u.user.email.clone()))
        .collect();
    let references = agenda_references(&cx.db, m.id).await?;
    let meeting_areas = store::areas(&cx.db, m.id).await?;
    let kind = MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::Panel);
    let link = format!("{}/meetings/{}", cx.config.public_url(), m.id);
    let when = uk_time::words(m.starts_at);
    let cases_line = if references.is_empty() {
        "No cases are on the agenda yet.".to_string()
    } else {
        format!("Cases on the agenda: {}.", references.join(", "))
    };
    let addresses: Vec<String> = emails.iter().map(|(_, e)| e.clone()).collect();
    let ics = calendar::invitation(&Event {
        uid: &m.uid,
        sequence: m.ics_sequence,
        stamp: cx.clock.now(),
        starts_at: m.starts_at,
        minutes: m.duration_minutes,
        summary: kind.label(),
        location: &m.location,
        description: &format!("{cases_line} Agenda and case packs: {link}"),
        url: &link,
        organiser: &cx.config.mail.from,
        attendees: &addresses,
    });
    let area_names = crate::store::areas::list(&cx.db)
        .await?
        .into_iter()
        .filter(|a| meeting_areas.contains(&a.id))
        .map(|a| a.name)
        .collect::<Vec<_>>()
        .join(", ");
    let refs = if references.is_empty() { "none yet".to_string() } else { references.join(", ") };
    let mut email = render::meeting_invitation(kind.label(), &when, &m.location, &refs, &area_names, &link)
        .map_err(anyhow::Error::from)?;
    email.calendar = Some(ics);
    let recipients: Vec<Recipient> = addresses.iter().cloned().map(Recipient::Staff).collect();
    let prepared = mail::prepare_recipients(&cx.keys.keyring, &recipients)?;
    let txn = db::begin_write(&cx.db).await?;
    let sent = mail::enqueue(&txn, &email, None, prepared).await?;
    let ids: Vec<i64> = emails.iter().map(|(id, _)| *id).collect();
    store::mark_invited(&txn, m.id, &ids, cx.clock.now()).await?;
    audit::append(
        &txn,
        &meeting_event(acting, AuditAction::MeetingInvitationsSent, m)
            .details(format!("recipients={sent};sequence={}", m.ics_sequence)),
    )
    .await?;
    txn.commit().await?;
    cx.mail_wakeup.notify_one();
    Ok(sent)
}

/// References of the cases still on the agenda (not moved away), in agenda order.
pub async fn agenda_references<C: ConnectionTrait>(conn: &C, meeting_id: i64) -> ServiceResult<Vec<String>> {
    let items = store::agenda(conn, meeting_id).await?;
    let ids: Vec<i64> =
        items.iter().filter(|i| i.outcome != AgendaOutcome::Moved.code()).map(|i| i.case_id).collect();
    let found = cases::by_ids(conn, &ids).await?;
    Ok(ids.iter().filter_map(|id| found.iter().find(|c| c.id == *id)).map(|c| c.reference.clone()).collect())
}

/// Whether the case is on the agenda of a meeting not yet held, and which item.
pub async fn pending_item<C: ConnectionTrait>(conn: &C, case_id: i64) -> ServiceResult<Option<AgendaItem>> {
    Ok(store::items_of_case(conn, case_id)
        .await?
        .into_iter()
        .find(|i| i.outcome == AgendaOutcome::Pending.code()))
}

/// Puts a case that is ready for review on a scheduled meeting's agenda; the case becomes
/// "review scheduled".
pub async fn add_case(cx: &Context, acting: &Acting<'_>, m: &Meeting, case: &Case) -> ServiceResult<i64> {
    scheduled(m)?;
    let areas = store::areas(&cx.db, m.id).await?;
    if !areas.contains(&case.area_id) {
        return Err(invalid("case", "The case is not in one of the meeting's areas"));
    }
    if case.status != CaseStatus::ReadyForReview.code() {
        return Err(invalid("case", format!("{} is not ready for review", case.reference)));
    }
    not_before_notification(m.starts_at, case, "case")?;
    let txn = db::begin_write(&cx.db).await?;
    if pending_item(&txn, case.id).await?.is_some() {
        return Err(invalid("case", format!("{} is already on another meeting's agenda", case.reference)));
    }
    let id = store::add_item(&txn, m.id, case.id).await?;
    let on = Facts { on_agenda: true, ..Facts::default() };
    change_status_knowing(&txn, acting, case, CaseStatus::ReviewScheduled, "on agenda", on).await?;
    audit::append(
        &txn,
        &acting.case_event(AuditAction::AgendaCaseAdded, case).details(format!("meeting={}", m.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Moves a case still pending on one agenda to the end of another scheduled meeting's agenda.
pub async fn move_case(
    cx: &Context,
    acting: &Acting<'_>,
    item: &AgendaItem,
    version: i64,
    to: &Meeting,
    reason: Option<ReviewDelay>,
) -> ServiceResult<i64> {
    let reason = reason.ok_or_else(|| invalid("reason", "Choose why the case is moving"))?;
    if item.outcome != AgendaOutcome::Pending.code() {
        return Err(ServiceError::Refused("Only a case not yet discussed can be moved".into()));
    }
    if to.id == item.meeting_id {
        return Err(invalid("to", "Choose a different meeting"));
    }
    scheduled(to).map_err(|_| invalid("to", "Choose a meeting that is still to happen"))?;
    let case = cases::find(&cx.db, item.case_id).await?.ok_or(ServiceError::NotFound)?;
    if !store::areas(&cx.db, to.id).await?.contains(&case.area_id) {
        return Err(invalid("to", "That meeting does not cover the case's area"));
    }
    not_before_notification(to.starts_at, &case, "to")?;
    let txn = db::begin_write(&cx.db).await?;
    store::set_outcome(&txn, item.id, version, AgendaOutcome::Moved, Some(reason.code()), Some(to.id))
        .await?;
    let id = store::add_item(&txn, to.id, case.id).await?;
    audit::append(
        &txn,
        &acting.case_event(AuditAction::AgendaCaseMoved, &case).details(format!(
            "from={};to={};reason={}",
            item.meeting_id,
            to.id,
            reason.code()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Moves an agenda item one place up or down.
pub async fn reorder(
    cx: &Context,
    acting: &Acting<'_>,
    m: &Meeting,
    item_id: i64,
    up: bool,
) -> ServiceResult<()> {
    let txn = db::begin_write(&cx.db).await?;
    let mut items = store::agenda(&txn, m.id).await?;
    let Some(at) = items.iter().position(|i| i.id == item_id) else { return Err(ServiceError::NotFound) };
    let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|n| *n < items.len()) };
    if let Some(o) = other {
        items.swap(at, o);
        for (n, i) in items.iter().enumerate() {
            store::set_position(&txn, i.id, n as i32 + 1).await?;
        }
        audit::append(&txn, &meeting_event(acting, AuditAction::AgendaReordered, m)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The outcome for a case at the meeting. Deferral (with its reason) puts the case back on the
/// coordinator's list as ready for review; a case reviewed at a CDRM goes back to wait for the
/// panel; a case reviewed at the panel waits for the chair's sign-off.
pub async fn record_outcome(
    cx: &Context,
    acting: &Acting<'_>,
    m: &Meeting,
    item: &AgendaItem,
    version: i64,
    outcome: AgendaOutcome,
    reason: Option<ReviewDelay>,
) -> ServiceResult<()> {
    if item.outcome != AgendaOutcome::Pending.code() && item.outcome != AgendaOutcome::Reviewed.code() {
        return Err(ServiceError::Refused("This case has already left the agenda".into()));
    }
    let case = cases::find(&cx.db, item.case_id).await?.ok_or(ServiceError::NotFound)?;
    if outcome == AgendaOutcome::Reviewed {
        started(cx, m, "record that it reviewed the case")?;
    }
    let reason_code = match (outcome, reason) {
        (AgendaOutcome::Deferred, None) => return Err(invalid("reason", "Choose why the case is deferred")),
        (AgendaOutcome::Deferred, Some(r)) => Some(r.code()),
        (AgendaOutcome::Reviewed, _) => None,
        _ => return Err(invalid("outcome", "Choose reviewed or deferred")),
    };
    let kind = MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::Panel);
    let txn = db::begin_write(&cx.db).await?;
    store::set_outcome(&txn, item.id, version, outcome, reason_code, None).await?;
    let back = match outcome {
        AgendaOutcome::Deferred => reason_code,
        AgendaOutcome::Reviewed if kind == MeetingKind::Cdrm => Some("cdrm_held"),
        _ => None,
    };
    if let Some(why) = back
        && case.status == CaseStatus::ReviewScheduled.code()
    {
        change_status_knowing(&txn, acting, &case, CaseStatus::ReadyForReview, why, Facts::default()).await?;
    }
    audit::append(
        &txn,
        &acting.case_event(AuditAction::AgendaOutcomeRecorded, &case).details(format!(
            "meeting={};outcome={};reason={}",
            m.id,
            outcome.code(),
            reason_code.unwrap_or("-")
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Marks a meeting held (outcomes can still be recorded) or cancelled (its pending cases go back
/// to ready for review).
pub async fn set_status(
    cx: &Context,
    acting: &Acting<'_>,
    m: &Meeting,
    version: i64,
    to: MeetingStatus,
) -> ServiceResult<()> {
    scheduled(m)?;
    if to == MeetingStatus::Held {
        started(cx, m, "mark it held")?;
    }
    let txn = db::begin_write(&cx.db).await?;
    store::set_status(&txn, m.id, version, to.code()).await?;
    if to == MeetingStatus::Cancelled {
        for item in store::agenda(&txn, m.id).await? {
            if item.outcome != AgendaOutcome::Pending.code() {
                continue;
            }
            let case = cases::find(&txn, item.case_id).await?.ok_or(ServiceError::NotFound)?;
            store::set_outcome(
                &txn,
                item.id,
                item.version,
                AgendaOutcome::Deferred,
                Some("meeting_cancelled"),
                None,
            )
            .await?;
            change_status_knowing(
                &txn,
                acting,
                &case,
                CaseStatus::ReadyForReview,
                "meeting_cancelled",
                Facts::default(),
            )
            .await?;
        }
    }
    audit::append(
        &txn,
        &meeting_event(acting, AuditAction::MeetingChanged, m).details(format!("status={}", to.code())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Every known identifier of the cases on a meeting's agenda (and their merged duplicates).
pub async fn agenda_identifiers(cx: &Context, meeting_id: i64) -> ServiceResult<Vec<redact::Identifier>> {
    let case_ids: Vec<i64> = store::agenda(&cx.db, meeting_id).await?.iter().map(|i| i.case_id).collect();
    crate::anonymity::cases_identifiers(cx, &case_ids).await
}

/// Seals and saves the minutes. Every attendee reads them, panel members included: they must not
/// identify any case on the agenda, or anyone else (checked like a pack narrative).
pub async fn save_minutes(
    cx: &Context,
    acting: &Acting<'_>,
    m: &Meeting,
    version: i64,
    text: &str,
    confirmed: &[String],
) -> ServiceResult<()> {
    if text.chars().count() > 100_000 {
        return Err(invalid("minutes", "The minutes must be 100,000 characters or fewer"));
    }
    if crate::input::has_control(text) {
        return Err(invalid("minutes", "The minutes must not contain control characters"));
    }
    let ids = agenda_identifiers(cx, m.id).await?;
    let checked = crate::anonymity::check("minutes", text, &ids, confirmed)?;
    let sealed = checked.seal(|b| cx.keys.keyring.seal(b))?;
    let key = cx.keys.keyring.key_id();
    let txn = db::begin_write(&cx.db).await?;
    store::set_minutes(&txn, m.id, version, sealed, &key).await?;
    audit::append(
        &txn,
        &meeting_event(acting, AuditAction::MinutesSaved, m)
            .details(format!("confirmed={}", checked.confirmed())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Opens the minutes (an audited read); empty when none were written.
pub async fn minutes(cx: &Context, acting: &Acting<'_>, m: &Meeting) -> ServiceResult<String> {
    let Some(sealed) = &m.minutes_sealed else { return Ok(String::new()) };
    let text = super::open_text(cx, sealed)?;
    audit::append(&cx.db, &meeting_event(acting, AuditAction::MinutesRead, m)).await?;
    Ok(text)
}
