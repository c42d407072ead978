//! One information request, for staff: its page (chase, resend, change the due date, withdraw)
//! and completing the form on the agency's behalf.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::respond::{self, Frame, lock_of};
use super::tasks::task_status;
use crate::domain::codes::{AgencyType, RequestStatus, WithdrawReason};
use crate::domain::notification::Person;
use crate::domain::policy::{Action, Principal};
use crate::forms::answers::{self, Completeness};
use crate::gathering::response;
use crate::gathering::{self, date_words};
use crate::input::DateParts;
use crate::service::ServiceError;
use crate::store::cases::Case;
use crate::store::form_requests::{self, FormRequest};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::load_in_scope;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

async fn request_in_case(state: &AppState, case: &Case, id: &str) -> WebResult<FormRequest> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    form_requests::find(&state.db, id).await?.filter(|r| r.case_id == case.id).ok_or(WebError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "gathering/request_detail.html")]
struct DetailTemplate {
    page: Page,
    reference: String,
    id: i64,
    title: String,
    version: String,
    agency: String,
    agency_type: String,
    recipient: Person,
    status: &'static str,
    tag: &'static str,
    open: bool,
    sent: String,
    due: String,
    due_parts: DateParts,
    opened: String,
    reminders: i32,
    submitted: String,
    withdrawn: String,
    completeness: Completeness,
    answers: Vec<respond::CheckSection>,
    lock: i64,
    reasons: Vec<Choice>,
    errors: FormErrors,
}

/// What was typed into the request page's forms, shown again with the problems when refused.
#[derive(Default)]
struct Typed {
    errors: FormErrors,
    due: Option<DateParts>,
    reason: String,
}

/// `GET /cases/{reference}/requests/{id}`: the request, its answers (audited) and its actions.
pub async fn detail(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id)): Path<(String, String)>,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let r = request_in_case(&state, &case, &id).await?;
    render_detail(&state, &ctx, &case, &r, Typed::default()).await
}

/// The request page; with `typed.errors`, a 422 with the problems by their fields and what was
/// typed kept.
async fn render_detail(
    state: &AppState,
    ctx: &AuthContext,
    case: &Case,
    r: &FormRequest,
    typed: Typed,
) -> WebResult<Response> {
    let loaded = crate::responses::load(state, r).await?;
    let recipient = gathering::recipient(state, r)?;
    response::record_read(state, &ctx.acting(), case, r).await?;
    let (status, tag) = task_status(state, r);
    let base = format!("/cases/{}/requests/{}/form", case.reference, r.id);
    let answers = respond::check_sections(&base, &loaded)
        .into_iter()
        .map(|mut s| {
            s.rows.retain(|row| row.answered);
            s
        })
        .filter(|s| !s.rows.is_empty())
        .collect();
    let refused = !typed.errors.is_empty();
    let template = DetailTemplate {
        page: Page::for_user(ctx, format!("{} – {}", loaded.version.title, r.agency), "/cases")
            .with_errors(refused),
        reference: case.reference.clone(),
        id: r.id,
        title: loaded.version.title.clone(),
        version: loaded.version.version.clone(),
        agency: r.agency.clone(),
        agency_type: AgencyType::parse(&r.agency_type).map(|a| a.label()).unwrap_or("").to_string(),
        recipient,
        status,
        tag,
        open: RequestStatus::parse(&r.status).is_some_and(RequestStatus::is_open),
        sent: date_words(r.created_at.date_naive()),
        due: date_words(r.due_date),
        due_parts: typed.due.unwrap_or_else(|| DateParts::from_date(r.due_date)),
        opened: r.opened_at.map(|t| date_words(t.date_naive())).unwrap_or_else(|| "Not yet".into()),
        reminders: r.reminders_sent,
        submitted: r.submitted_at.map(|t| date_words(t.date_naive())).unwrap_or_default(),
        withdrawn: r
            .withdraw_reason
            .as_deref()
            .and_then(WithdrawReason::parse)
            .map(|w| w.label().to_string())
            .unwrap_or_default(),
        completeness: answers::completeness(&loaded.version, &loaded.answers),
        answers,
        lock: r.version,
        reasons: WithdrawReason::ALL
            .iter()
            .map(|w| Choice::new(w.code(), w.label(), w.code() == typed.reason))
            .collect(),
        errors: typed.errors,
    };
    let status = if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, template).into_response())
}

/// `POST /cases/{reference}/requests/{id}/{action}`: remind, resend, withdraw, due. A refusal
/// shows the page again with the reason by the field it concerns and what was typed.
pub async fn act(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id, action)): Path<(String, String, String)>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let r = request_in_case(&state, &case, &id).await?;
    let a = ctx.acting();
    let back = format!("/cases/{}/requests/{}", case.reference, r.id);
    let mut typed = Typed { reason: form.get("reason").to_string(), ..Typed::default() };
    // The field a refusal of this action is shown beside.
    let field = match action.as_str() {
        "remind" => "remind-now",
        "resend" => "resend-link",
        "withdraw" => "withdraw-reason",
        "due" => "due-day",
        _ => return Err(WebError::NotFound),
    };
    let result = match action.as_str() {
        "remind" => gathering::remind_now(&state, &a, &case, &r).await.map(|_| "Reminder sent.".to_string()),
        "resend" => gathering::resend(&state, &a, &case, &r, lock_of(&form)?)
            .await
            .map(|_| "A new link has been sent. The old link no longer works.".to_string()),
        "withdraw" => match WithdrawReason::parse(form.get("reason")) {
            None => Err(ServiceError::Refused("Choose why the request is withdrawn".into())),
            Some(reason) => gathering::withdraw(&state, &a, &case, &r, lock_of(&form)?, reason)
                .await
                .map(|_| "Request withdrawn.".to_string()),
        },
        _ => {
            let parts = form.date_parts("due");
            let parsed = parts.parse("due date");
            typed.due = Some(parts);
            match parsed {
                Ok(Some(due)) => gathering::change_due(&state, &a, &case, &r, lock_of(&form)?, due)
                    .await
                    .map(|_| format!("The due date is now {}.", date_words(due))),
                Ok(None) => Err(ServiceError::Refused("Enter the new due date".into())),
                Err(m) => Err(ServiceError::Refused(m)),
            }
        }
    };
    match result {
        Ok(message) => Ok(redirect_with_flash(&state, &back, &message)),
        Err(ServiceError::Refused(m)) | Err(ServiceError::Conflict(m)) => {
            typed.errors.add(field, m);
            render_detail(&state, &ctx, &case, &r, typed).await
        }
        Err(ServiceError::Invalid(list)) => {
            for (_, m) in list {
                typed.errors.add(field, m);
            }
            render_detail(&state, &ctx, &case, &r, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

fn staff_frame<'a>(ctx: &'a AuthContext, case: &'a Case, r: &'a FormRequest) -> Frame<'a> {
    Frame {
        page: Page::for_user(ctx, "Complete a form", "/cases"),
        base: format!("/cases/{}/requests/{}/form", case.reference, r.id),
        case,
        request: r,
        acting: ctx.acting(),
    }
}

async fn open_for_staff(
    state: &AppState,
    me: &Principal,
    reference: &str,
    id: &str,
) -> WebResult<(Case, FormRequest, crate::responses::Loaded)> {
    let case = load_in_scope(state, me, reference, Action::RequestInformation).await?;
    let r = request_in_case(state, &case, id).await?;
    if !RequestStatus::parse(&r.status).is_some_and(RequestStatus::is_open) {
        return Err(WebError::BadRequest(
            "This request is no longer open: it was submitted or withdrawn.".into(),
        ));
    }
    let loaded = crate::responses::load(state, &r).await?;
    Ok((case, r, loaded))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// `GET /cases/{reference}/requests/{id}/form`: staff completing a form for an agency.
pub async fn staff_start(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> WebResult<Response> {
    let (case, r, loaded) = open_for_staff(&state, &me, &reference, &id).await?;
    Ok(respond::start(staff_frame(&ctx, &case, &r), &loaded, None, q.saved == "1"))
}

pub async fn staff_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id, n)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let (case, r, loaded) = open_for_staff(&state, &me, &reference, &id).await?;
    respond::show_page(staff_frame(&ctx, &case, &r), &loaded, n.parse().map_err(|_| WebError::NotFound)?)
}

pub async fn staff_save(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id, n)): Path<(String, String, String)>,
    form: FormData,
) -> WebResult<Response> {
    let (case, r, loaded) = open_for_staff(&state, &me, &reference, &id).await?;
    let n = n.parse().map_err(|_| WebError::NotFound)?;
    respond::save_page(&state, staff_frame(&ctx, &case, &r), &loaded, n, form).await
}

pub async fn staff_check(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id)): Path<(String, String)>,
) -> WebResult<Response> {
    let (case, r, loaded) = open_for_staff(&state, &me, &reference, &id).await?;
    Ok(respond::show_check(staff_frame(&ctx, &case, &r), &loaded, &[]))
}

pub async fn staff_submit(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id)): Path<(String, String)>,
    form: FormData,
) -> WebResult<Response> {
    let (case, r, loaded) = open_for_staff(&state, &me, &reference, &id).await?;
    let back = format!("/cases/{}/requests", case.reference);
    respond::submit(&state, staff_frame(&ctx, &case, &r), &loaded, form, back).await
}
