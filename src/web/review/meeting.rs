//! One meeting's page: its agenda (add, reorder, move, outcome), invitations and minutes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::load_meeting;
use super::meetings::roles_words;
use crate::domain::codes::{AgendaOutcome, CaseStatus, MeetingKind, MeetingStatus, ReviewDelay};
use crate::domain::policy::{Action, Principal};
use crate::domain::uk_time;
use crate::review::meetings::{self as service};
use crate::review::packs;
use crate::service::ServiceError;
use crate::store::cases::{self, CaseFilter, Sort};
use crate::store::meetings::{self, Meeting};
use crate::store::{areas, users};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::field_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

pub struct AgendaRow {
    pub id: i64,
    pub version: i64,
    pub reference: String,
    pub outcome: String,
    pub pending: bool,
    pub reason: String,
    pub published: bool,
    pub pack_open: bool,
    pub opened: bool,
    /// The outcome and deferral reason choices, with what was typed when refused.
    pub outcomes: Vec<Choice>,
    pub delays: Vec<Choice>,
    /// A refused outcome or move opens its section.
    pub outcome_open: bool,
    pub move_open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/meeting.html")]
struct MeetingTemplate {
    page: Page,
    m: Meeting,
    title: String,
    kind: String,
    status: String,
    when: String,
    areas: String,
    chair: String,
    attendees: Vec<(String, String, bool)>,
    agenda: Vec<AgendaRow>,
    ready: Vec<Choice>,
    other_meetings: Vec<Choice>,
    delays: Vec<Choice>,
    manage: bool,
    attending: bool,
    is_chair: bool,
    scheduled: bool,
    pack_closes: String,
    errors: FormErrors,
}

async fn render_meeting(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    m: Meeting,
    attending: bool,
    errors: FormErrors,
    typed: Option<&FormData>,
) -> WebResult<Response> {
    let everyone = users::list(&state.db).await?;
    let name =
        |id: i64| everyone.iter().find(|u| u.user.id == id).map(|u| u.user.name.clone()).unwrap_or_default();
    let area_ids = meetings::areas(&state.db, m.id).await?;
    let area_names: Vec<String> = areas::list(&state.db)
        .await?
        .into_iter()
        .filter(|a| area_ids.contains(&a.id))
        .map(|a| a.name)
        .collect();
    let attendees = meetings::attendees(&state.db, m.id)
        .await?
        .iter()
        .map(|a| {
            let roles = everyone.iter().find(|u| u.user.id == a.user_id).map(roles_words).unwrap_or_default();
            (name(a.user_id), roles, a.invited_at.is_some())
        })
        .collect();
    let items = meetings::agenda(&state.db, m.id).await?;
    let found = cases::by_ids(&state.db, &items.iter().map(|i| i.case_id).collect::<Vec<_>>()).await?;
    let mut agenda = Vec::new();
    for i in &items {
        let reference =
            found.iter().find(|c| c.id == i.case_id).map(|c| c.reference.clone()).unwrap_or_default();
        let outcome = AgendaOutcome::parse(&i.outcome).unwrap_or(AgendaOutcome::Pending);
        let typed_of = |name: String| typed.map(|f| f.get(name).to_string()).unwrap_or_default();
        let typed_outcome = typed_of(format!("outcome-{}", i.id));
        let typed_delay = typed_of(format!("reason-{}", i.id));
        let has = |name: String| errors.has(name);
        agenda.push(AgendaRow {
            outcomes: [AgendaOutcome::Reviewed, AgendaOutcome::Deferred]
                .iter()
                .map(|o| Choice::new(o.code(), o.label(), o.code() == typed_outcome))
                .collect(),
            delays: ReviewDelay::ALL
                .iter()
                .map(|d| Choice::new(d.code(), d.label(), d.code() == typed_delay))
                .collect(),
            outcome_open: has(format!("outcome-{}", i.id)) || has(format!("reason-{}", i.id)),
            move_open: has(format!("to-{}", i.id)) || has(format!("move-reason-{}", i.id)),
            id: i.id,
            version: i.version,
            reference,
            outcome: outcome.label().into(),
            pending: outcome == AgendaOutcome::Pending,
            reason: i
                .reason
                .as_deref()
                .and_then(ReviewDelay::parse)
                .map(|r| r.label().to_string())
                .unwrap_or_default(),
            published: i.pack_published_at.is_some(),
            pack_open: attending && packs::window_open(state, &m, i),
            opened: i.opened_at.is_some(),
        });
    }
    let manage = me.permits(Action::ManageMeetings) && area_ids.iter().any(|a| me.area_ids.contains(a));
    let scheduled = m.status == MeetingStatus::Scheduled.code();
    let mut ready = Vec::new();
    let mut other_meetings = Vec::new();
    if manage && scheduled {
        let filter = CaseFilter {
            area_ids: area_ids.iter().copied().filter(|a| me.area_ids.contains(a)).collect(),
            status: Some(CaseStatus::ReadyForReview.code().into()),
            ..CaseFilter::default()
        };
        let (list, _) = cases::list(&state.db, &filter, Sort::OldestFirst, 0, 200).await?;
        ready = list.iter().map(|c| Choice::new(c.reference.clone(), c.reference.clone(), false)).collect();
        for a in &area_ids {
            for o in meetings::scheduled_in_area(&state.db, *a).await? {
                if o.id != m.id && !other_meetings.iter().any(|c: &Choice| c.value == o.id.to_string()) {
                    other_meetings.push(Choice::new(o.id.to_string(), service::title(&o), false));
                }
            }
        }
    }
    let kind = MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::Panel);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        MeetingTemplate {
            page: Page::for_user(ctx, service::title(&m), "/meetings").with_errors(!errors.is_empty()),
            title: service::title(&m),
            kind: kind.label().into(),
            status: MeetingStatus::parse(&m.status).map(|s| s.label().to_string()).unwrap_or_default(),
            when: format!("{} ({} minutes)", uk_time::words(m.starts_at), m.duration_minutes),
            areas: area_names.join(", "),
            chair: name(m.chair_id),
            attendees,
            agenda,
            ready,
            other_meetings,
            delays: ReviewDelay::ALL.iter().map(|d| Choice::new(d.code(), d.label(), false)).collect(),
            manage,
            attending,
            is_chair: m.chair_id == me.user_id,
            scheduled,
            pack_closes: uk_time::words(packs::closes(state, &m)),
            m,
            errors,
        },
    )
        .into_response())
}

/// `GET /meetings/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (m, attending) = load_meeting(&state, &me, id).await?;
    render_meeting(&state, &ctx, &me, m, attending, FormErrors::default(), None).await
}

/// The service names an agenda item's fields (`outcome`, `reason`, `to`); on the page each item
/// has its own (`outcome-{item}`…). `fields` maps them; a refusal with no field is shown by the
/// first.
fn for_item(e: ServiceError, fields: &[(&str, String)]) -> ServiceError {
    let field = |f: &str| {
        fields
            .iter()
            .find(|(from, _)| *from == f)
            .or(fields.first())
            .map(|(_, to)| to.clone())
            .unwrap_or_default()
    };
    match e {
        ServiceError::Invalid(list) => {
            ServiceError::Invalid(list.into_iter().map(|(f, m)| (field(&f), m)).collect())
        }
        ServiceError::Refused(m) | ServiceError::Conflict(m) => ServiceError::Invalid(vec![(field(""), m)]),
        other => other,
    }
}

/// `POST /meetings/{id}/{action}`: invite, add, up, down, outcome, move, held, cancel.
pub async fn act(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    form: FormData,
) -> WebResult<Response> {
    let (m, attending) = load_meeting(&state, &me, id).await?;
    let areas = meetings::areas(&state.db, id).await?;
    if !(me.permits(Action::ManageMeetings) && areas.iter().any(|a| me.area_ids.contains(a))) {
        return Err(WebError::Forbidden);
    }
    let who = ctx.acting();
    let item = async |state: &AppState| -> WebResult<crate::store::meetings::AgendaItem> {
        let item_id: i64 = form
            .get("item")
            .parse()
            .map_err(|_| WebError::BadRequest("Choose a case on the agenda".into()))?;
        meetings::item(&state.db, item_id).await?.filter(|i| i.meeting_id == id).ok_or(WebError::NotFound)
    };
    let version: i64 = form.get("version").parse().unwrap_or(0);
    let back = format!("/meetings/{id}");
    let result = match action.as_str() {
        "invite" => service::invite(&state, &who, &m)
            .await
            .map(|n| format!("Invitations sent to {n} attendee{}", if n == 1 { "" } else { "s" })),
        "add" => {
            let reference = form.get("case").trim().to_string();
            match cases::find_by_reference(&state.db, &reference)
                .await?
                .filter(|c| me.area_ids.contains(&c.area_id))
            {
                Some(c) => service::add_case(&state, &who, &m, &c)
                    .await
                    .map(|_| format!("{} added to the agenda", c.reference)),
                None => Err(crate::service::invalid("case", "Choose a case that is ready for review")),
            }
        }
        "up" | "down" => {
            let i = item(&state).await?;
            service::reorder(&state, &who, &m, i.id, action == "up")
                .await
                .map(|_| "Agenda reordered".to_string())
        }
        "outcome" => {
            let i = item(&state).await?;
            let outcome = AgendaOutcome::parse(form.get(format!("outcome-{}", i.id)));
            let reason = ReviewDelay::parse(form.get(format!("reason-{}", i.id)));
            match outcome {
                Some(o @ (AgendaOutcome::Reviewed | AgendaOutcome::Deferred)) => {
                    service::record_outcome(&state, &who, &m, &i, version, o, reason)
                        .await
                        .map(|_| "Outcome recorded".to_string())
                        .map_err(|e| {
                            for_item(
                                e,
                                &[
                                    ("outcome", format!("outcome-{}", i.id)),
                                    ("reason", format!("reason-{}", i.id)),
                                ],
                            )
                        })
                }
                _ => {
                    Err(crate::service::invalid(&format!("outcome-{}", i.id), "Choose reviewed or deferred"))
                }
            }
        }
        "move" => {
            let i = item(&state).await?;
            let to = match form.get(format!("to-{}", i.id)).parse::<i64>() {
                Ok(to) => meetings::find(&state.db, to).await?,
                Err(_) => None,
            };
            match to {
                Some(to) => service::move_case(
                    &state,
                    &who,
                    &i,
                    version,
                    &to,
                    ReviewDelay::parse(form.get(format!("move-reason-{}", i.id))),
                )
                .await
                .map(|_| format!("Case moved to the {}", service::title(&to)))
                .map_err(|e| {
                    for_item(
                        e,
                        &[("to", format!("to-{}", i.id)), ("reason", format!("move-reason-{}", i.id))],
                    )
                }),
                None => Err(crate::service::invalid(
                    &format!("to-{}", i.id),
                    "Choose the meeting to move the case to",
                )),
            }
        }
        "held" => service::set_status(&state, &who, &m, version, MeetingStatus::Held)
            .await
            .map(|_| "Meeting marked as held".to_string())
            .map_err(|e| for_item(e, &[("", "mark-held".to_string())])),
        "cancel" => {
            service::set_status(&state, &who, &m, version, MeetingStatus::Cancelled).await.map(|_| {
                "Meeting cancelled; its cases are back on the list of cases ready for review".to_string()
            })
        }
        _ => return Err(WebError::NotFound),
    };
    match result {
        Ok(message) => Ok(redirect_with_flash(&state, &back, &message)),
        Err(e) => {
            let errors = field_errors(e)?;
            let m = meetings::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
            render_meeting(&state, &ctx, &me, m, attending, errors, Some(&form)).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/minutes.html")]
struct MinutesTemplate {
    page: Page,
    id: i64,
    title: String,
    text: String,
    version: i64,
    can_edit: bool,
    errors: FormErrors,
}

/// `GET /meetings/{id}/minutes`: attendees and those who arrange the meeting read them (audited).
pub async fn minutes(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (m, _) = load_meeting(&state, &me, id).await?;
    let text = service::minutes(&state, &ctx.acting(), &m).await?;
    let can_edit = me.permits(Action::ManageMeetings);
    Ok(MinutesTemplate {
        page: Page::for_user(&ctx, "Minutes", "/meetings"),
        id,
        title: service::title(&m),
        text,
        version: m.version,
        can_edit,
        errors: FormErrors::default(),
    }
    .into_response())
}

/// `POST /meetings/{id}/minutes`.
pub async fn save_minutes(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let (m, _) = load_meeting(&state, &me, id).await?;
    let text = form.get("minutes").to_string();
    let version = form.get("version").parse().unwrap_or(0);
    match service::save_minutes(&state, &ctx.acting(), &m, version, &text, &form.confirmed()).await {
        Ok(()) => Ok(redirect_with_flash(&state, &format!("/meetings/{id}"), "Minutes saved")),
        Err(crate::service::ServiceError::Conflict(msg)) => {
            let mut errors = FormErrors::default();
            errors.add("minutes", msg);
            Ok((
                StatusCode::CONFLICT,
                MinutesTemplate {
                    page: Page::for_user(&ctx, "Minutes", "/meetings").with_errors(true),
                    id,
                    title: service::title(&m),
                    text,
                    version: m.version,
                    can_edit: true,
                    errors,
                },
            )
                .into_response())
        }
        Err(e) => {
            let errors = field_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                MinutesTemplate {
                    page: Page::for_user(&ctx, "Minutes", "/meetings").with_errors(true),
                    id,
                    title: service::title(&m),
                    text,
                    version,
                    can_edit: true,
                    errors,
                },
            )
                .into_response())
        }
    }
}
