//! Meetings: the list, and arranging one (date, place, kind, attendees). The meeting page itself
//! (agenda, invitations, minutes) is `meeting.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveTime;

use super::load_meeting;
use crate::domain::codes::{MeetingKind, MeetingStatus};
use crate::domain::policy::{Action, Principal};
use crate::domain::role::Role;
use crate::domain::uk_time;
use crate::input::DateParts;
use crate::review::meetings::{self as service, Arrangement};
use crate::store::meetings::{self, Meeting};
use crate::store::{areas, users};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::WebResult;
use crate::web::error::field_errors;
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

pub struct MeetingRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub cases: usize,
    pub attending: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/meetings.html")]
struct ListTemplate {
    page: Page,
    upcoming: Vec<MeetingRow>,
    past: Vec<MeetingRow>,
    can_arrange: bool,
}

/// `GET /meetings`.
pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    let staff = me.permits(Action::ManageMeetings).then_some(me.area_ids.as_slice());
    let now = state.clock.now();
    let mut upcoming = Vec::new();
    let mut past = Vec::new();
    for m in meetings::visible(&state.db, me.user_id, staff).await? {
        let row = MeetingRow {
            id: m.id,
            title: service::title(&m),
            kind: MeetingKind::parse(&m.kind).map(|k| k.label().to_string()).unwrap_or_default(),
            status: MeetingStatus::parse(&m.status).map(|s| s.label().to_string()).unwrap_or_default(),
            cases: service::agenda_references(&state.db, m.id).await?.len(),
            attending: meetings::is_attendee(&state.db, m.id, me.user_id).await?,
        };
        if m.starts_at >= now - chrono::Duration::hours(12) && m.status == MeetingStatus::Scheduled.code() {
            upcoming.insert(0, row);
        } else {
            past.push(row);
        }
    }
    Ok(ListTemplate {
        page: Page::for_user(&ctx, "Meetings", "/meetings"),
        upcoming,
        past,
        can_arrange: me.permits(Action::ManageMeetings),
    }
    .into_response())
}

/// The arrangement form as typed.
pub struct Typed {
    pub kinds: Vec<Choice>,
    pub date: DateParts,
    pub time: String,
    pub duration: String,
    pub location: String,
    pub chairs: Vec<Choice>,
    pub areas: Vec<Choice>,
    pub people: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/meeting_form.html")]
struct FormTemplate {
    page: Page,
    action: String,
    heading: String,
    version: i64,
    typed: Typed,
    errors: FormErrors,
}

async fn typed(
    state: &AppState,
    me: &Principal,
    form: Option<&FormData>,
    m: Option<(&Meeting, Vec<i64>, Vec<i64>)>,
) -> WebResult<Typed> {
    let everyone = users::list(&state.db).await?;
    let my_areas: Vec<_> =
        areas::list(&state.db).await?.into_iter().filter(|a| me.area_ids.contains(&a.id)).collect();
    let (kind, date, time, duration, location, chair, area_ids, people): (
        String,
        DateParts,
        String,
        String,
        String,
        String,
        Vec<String>,
        Vec<String>,
    ) = match (form, m) {
        (Some(f), _) => (
            f.get("kind").into(),
            f.date_parts("date"),
            f.get("time").trim().into(),
            f.get("duration").trim().into(),
            f.get("location").trim().into(),
            f.get("chair").into(),
            f.all("areas").iter().map(|s| s.to_string()).collect(),
            f.all("attendees").iter().map(|s| s.to_string()).collect(),
        ),
        (None, Some((m, a, p))) => {
            let local = uk_time::to_uk(m.starts_at);
            (
                m.kind.clone(),
                DateParts::from_date(local.date()),
                local.format("%H:%M").to_string(),
                m.duration_minutes.to_string(),
                m.location.clone(),
                m.chair_id.to_string(),
                a.iter().map(|x| x.to_string()).collect(),
                p.iter().map(|x| x.to_string()).collect(),
            )
        }
        (None, None) => (
            MeetingKind::Panel.code().into(),
            DateParts::default(),
            "10:00".into(),
            "120".into(),
            String::new(),
            String::new(),
            if my_areas.len() == 1 {
                my_areas.iter().map(|a| a.id.to_string()).collect()
            } else {
                Vec::new()
            },
            Vec::new(),
        ),
    };
    let staff: Vec<_> = everyone
        .iter()
        .filter(|u| {
            !u.user.disabled
                && u.roles.iter().any(|r| *r != Role::Admin)
                && u.area_ids.iter().any(|a| me.area_ids.contains(a))
        })
        .collect();
    Ok(Typed {
        kinds: MeetingKind::ALL.iter().map(|k| Choice::new(k.code(), k.label(), k.code() == kind)).collect(),
        date,
        time,
        duration,
        location,
        chairs: staff
            .iter()
            .filter(|u| {
                u.roles
                    .iter()
                    .any(|r| matches!(r, Role::PanelChair | Role::DesignatedDoctor | Role::Coordinator))
            })
            .map(|u| {
                Choice::new(
                    u.user.id.to_string(),
                    format!("{} ({})", u.user.name, roles_words(u)),
                    u.user.id.to_string() == chair,
                )
            })
            .collect(),
        areas: my_areas
            .iter()
            .map(|a| Choice::new(a.id.to_string(), a.name.clone(), area_ids.contains(&a.id.to_string())))
            .collect(),
        people: staff
            .iter()
            .map(|u| {
                Choice::new(
                    u.user.id.to_string(),
                    format!("{} ({})", u.user.name, roles_words(u)),
                    people.contains(&u.user.id.to_string()),
                )
            })
            .collect(),
    })
}

/// A user's roles in words ("Panel chair, CDOP coordinator").
pub(super) fn roles_words(u: &crate::store::users::UserSummary) -> String {
    u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")
}

/// Reads the arrangement, or the field errors (what was typed stays on the page).
fn arrangement(form: &FormData) -> Result<Arrangement, FormErrors> {
    let mut errors = FormErrors::default();
    let kind = MeetingKind::parse(form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "Choose the kind of meeting");
    }
    let date = form.required_date("date", "date", "Enter the date of the meeting", &mut errors);
    let time = NaiveTime::parse_from_str(form.get("time").trim(), "%H:%M").ok();
    if time.is_none() {
        errors.add("time", "Enter the start time as hours and minutes on a 24-hour clock, like 14:30");
    }
    let duration = form.get("duration").trim().parse::<i32>().ok();
    if duration.is_none() {
        errors.add("duration", "Enter the length in minutes, like 120");
    }
    let chair = form.get("chair").parse::<i64>().ok();
    if chair.is_none() {
        errors.add("chair", "Choose the chair");
    }
    let ids = |name: &str| form.all(name).iter().filter_map(|s| s.parse::<i64>().ok()).collect::<Vec<_>>();
    match (kind, date, time, duration, chair) {
        (Some(kind), Some(d), Some(t), Some(duration_minutes), Some(chair_id)) if errors.is_empty() => {
            Ok(Arrangement {
                kind,
                starts_at: uk_time::from_uk(d.and_time(t)),
                duration_minutes,
                location: form.get("location").trim().to_string(),
                confirmed: form.confirmed(),
                chair_id,
                area_ids: ids("areas"),
                attendee_ids: ids("attendees"),
            })
        }
        _ => Err(errors),
    }
}

fn render_form(
    page: Page,
    action: String,
    heading: &str,
    version: i64,
    typed: Typed,
    errors: FormErrors,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (
        status,
        FormTemplate {
            page: page.with_errors(!errors.is_empty()),
            action,
            heading: heading.into(),
            version,
            typed,
            errors,
        },
    )
        .into_response()
}

/// `GET /meetings/new`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    let t = typed(&state, &me, None, None).await?;
    Ok(render_form(
        Page::for_user(&ctx, "Arrange a meeting", "/meetings"),
        "/meetings/new".into(),
        "Arrange a meeting",
        0,
        t,
        FormErrors::default(),
    ))
}

/// `POST /meetings/new`.
pub async fn create(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let result = match arrangement(&form) {
        Ok(a) => service::create(&state, &ctx.acting(), &me.area_ids, a).await.map_err(field_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(id) => Ok(redirect_with_flash(
            &state,
            &format!("/meetings/{id}"),
            "Meeting arranged. Add cases to its agenda, then send the invitations.",
        )),
        Err(e) => {
            let errors = e?;
            let t = typed(&state, &me, Some(&form), None).await?;
            Ok(render_form(
                Page::for_user(&ctx, "Arrange a meeting", "/meetings"),
                "/meetings/new".into(),
                "Arrange a meeting",
                0,
                t,
                errors,
            ))
        }
    }
}

/// `GET /meetings/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (m, _) = load_meeting(&state, &me, id).await?;
    let a = meetings::areas(&state.db, id).await?;
    let p: Vec<i64> = meetings::attendees(&state.db, id).await?.iter().map(|x| x.user_id).collect();
    let t = typed(&state, &me, None, Some((&m, a, p))).await?;
    Ok(render_form(
        Page::for_user(&ctx, "Change the meeting", "/meetings"),
        format!("/meetings/{id}/edit"),
        "Change the meeting",
        m.version,
        t,
        FormErrors::default(),
    ))
}

/// `POST /meetings/{id}/edit`.
pub async fn update(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let (m, _) = load_meeting(&state, &me, id).await?;
    let version = form.get("version").parse().unwrap_or(0);
    let result = match arrangement(&form) {
        Ok(a) => {
            service::update(&state, &ctx.acting(), &me.area_ids, &m, version, a).await.map_err(field_errors)
        }
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/meetings/{id}"),
            "Meeting changed. Send the invitations again so calendars update.",
        )),
        Err(e) => {
            let errors = e?;
            let t = typed(&state, &me, Some(&form), None).await?;
            Ok(render_form(
                Page::for_user(&ctx, "Change the meeting", "/meetings"),
                format!("/meetings/{id}/edit"),
                "Change the meeting",
                version,
                t,
                errors,
            ))
        }
    }
}
