//! Staff pages for information gathering on one case: request information, the task list of
//! requests, one request (chase, resend, withdraw, complete on the agency's behalf), and moving the
//! case on to review.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::acting;
use super::respond::{self, Frame, lock_of};
use crate::app::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{AgencyType, CaseStatus, RequestStatus, WithdrawReason};
use crate::domain::dates::DateParts;
use crate::domain::email::EmailAddress;
use crate::domain::notification::Person;
use crate::domain::policy::{Action, Principal};
use crate::domain::workflow;
use crate::error::{WebError, WebResult};
use crate::forms::answers::{self, Completeness};
use crate::forms::definition::CaseFacts;
use crate::gathering::response;
use crate::gathering::{self, Ask, GatherError, date_words};
use crate::store::cases::Case;
use crate::store::form_requests::{self, FormRequest};
use crate::store::{self, audit};
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::{load_in_scope, open_one};
use crate::web::forms::{Choice, FormData, FormErrors};
use crate::web::page::Page;

/// One professional row of the request page, as typed.
pub struct AskRow {
    pub n: usize,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub email: String,
    pub agency_types: Vec<Choice>,
    pub forms: Vec<FormChoice>,
    pub from_notification: bool,
}

pub struct FormChoice {
    pub code: String,
    pub title: String,
    pub checked: bool,
    pub suggested: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "gathering/request.html")]
struct RequestTemplate {
    page: Page,
    reference: String,
    rows: Vec<AskRow>,
    suggestions: Vec<(String, String)>,
    due: DateParts,
    errors: FormErrors,
}

fn facts(case: &Case) -> CaseFacts {
    CaseFacts {
        expected: case.expected,
        age_band: case.age_band.clone(),
        place_category: case.place_category.clone(),
        jar_criteria: case.jar_criteria.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
    }
}

fn agency_choices(selected: &str) -> Vec<Choice> {
    AgencyType::ALL.iter().map(|a| Choice::new(a.code(), a.label(), a.code() == selected)).collect()
}

/// The forms offered to each professional: the Reporting Form, then the supplementary forms.
fn form_choices(state: &AppState, case: &Case, picked: Option<&[&str]>) -> Vec<FormChoice> {
    let today = state.clock.today();
    let suggestions = state.forms.suggest(&facts(case), today);
    let mut out = Vec::new();
    if let Some(v) = state.forms.current("reporting", today) {
        out.push(FormChoice {
            checked: picked.is_none_or(|p| p.contains(&"reporting")),
            code: v.code.clone(),
            title: v.title.clone(),
            suggested: String::new(),
        });
    }
    for v in state.forms.supplementary(today) {
        let reason =
            suggestions.iter().find(|s| s.code == v.code).map(|s| s.reason.clone()).unwrap_or_default();
        out.push(FormChoice {
            checked: match picked {
                Some(p) => p.contains(&v.code.as_str()),
                None => !reason.is_empty(),
            },
            code: v.code.clone(),
            title: v.title.clone(),
            suggested: reason,
        });
    }
    out
}

async fn professionals(state: &AppState, ctx: &AuthContext, case: &Case) -> WebResult<Vec<Person>> {
    let identity = open_one(state, case).await?;
    let txn = store::begin_write(&state.db).await?;
    audit::append(
        &txn,
        &ctx.event(AuditAction::CaseRevealed, "case", case.reference.clone())
            .area(case.area_id)
            .details("purpose=request_information"),
    )
    .await?;
    txn.commit().await?;
    Ok(identity.professionals)
}

/// `GET /cases/{reference}/requests/new`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let people = professionals(&state, &ctx, &case).await?;
    let mut rows: Vec<AskRow> = people
        .into_iter()
        .enumerate()
        .map(|(n, p)| AskRow {
            n,
            name: p.name,
            role: p.role,
            organisation: p.organisation,
            email: p.email,
            agency_types: agency_choices(""),
            forms: form_choices(&state, &case, None),
            from_notification: true,
        })
        .collect();
    let n = rows.len();
    rows.push(blank_row(&state, &case, n));
    let due = DateParts::from_date(gathering::default_due(&state));
    render_request(&state, &ctx, &case, rows, due, FormErrors::default())
}

fn blank_row(state: &AppState, case: &Case, n: usize) -> AskRow {
    AskRow {
        n,
        name: String::new(),
        role: String::new(),
        organisation: String::new(),
        email: String::new(),
        agency_types: agency_choices(""),
        forms: form_choices(state, case, Some(&[])),
        from_notification: false,
    }
}

fn render_request(
    state: &AppState,
    ctx: &AuthContext,
    case: &Case,
    rows: Vec<AskRow>,
    due: DateParts,
    errors: FormErrors,
) -> WebResult<Response> {
    let today = state.clock.today();
    let suggestions = state
        .forms
        .suggest(&facts(case), today)
        .into_iter()
        .map(|s| (state.forms.title(&s.code).unwrap_or(&s.code).to_string(), s.reason))
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        RequestTemplate {
            page: Page::for_user(ctx, "Request information", "/cases").with_errors(!errors.is_empty()),
            reference: case.reference.clone(),
            rows,
            suggestions,
            due,
            errors,
        },
    )
        .into_response())
}

/// `POST /cases/{reference}/requests/new`: checks every row, then sends the requests.
pub async fn create(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let count: usize = form.get("rows").parse::<usize>().unwrap_or(0).min(60);
    let mut errors = FormErrors::default();
    let mut rows = Vec::new();
    let mut asks = Vec::new();
    for n in 0..count {
        let get = |f: &str| form.get(format!("p{n}-{f}")).trim().to_string();
        let picked = form.all(&format!("p{n}-forms"));
        let row = AskRow {
            n,
            name: get("name"),
            role: get("role"),
            organisation: get("organisation"),
            email: get("email"),
            agency_types: agency_choices(&get("agency_type")),
            forms: form_choices(&state, &case, Some(&picked)),
            from_notification: form.get(format!("p{n}-known")) == "1",
        };
        if !picked.is_empty() {
            let label =
                if row.name.is_empty() { format!("professional {}", n + 1) } else { row.name.clone() };
            let mut ok = true;
            for (field, value, what, max) in [
                ("name", &row.name, "name", 200),
                ("organisation", &row.organisation, "organisation", 200),
                ("role", &row.role, "role", 200),
            ] {
                if what != "role" && value.is_empty() {
                    errors.add(&format!("p{n}-{field}"), format!("Enter the {what} of {label}"));
                    ok = false;
                } else if crate::domain::text::has_control_single_line(value) || value.chars().count() > max {
                    errors.add(
                        &format!("p{n}-{field}"),
                        format!("The {what} of {label} must be one line of {max} characters or fewer"),
                    );
                    ok = false;
                }
            }
            if EmailAddress::parse(&row.email).is_err() {
                errors.add(
                    &format!("p{n}-email"),
                    format!("Enter an email address for {label}, like name@example.org"),
                );
                ok = false;
            }
            let agency_type = AgencyType::parse(&get("agency_type"));
            if agency_type.is_none() {
                errors.add(
                    &format!("p{n}-agency_type"),
                    format!("Choose the kind of agency {label} works for"),
                );
                ok = false;
            }
            if let (true, Some(agency_type)) = (ok, agency_type) {
                asks.push(Ask {
                    person: Person {
                        name: row.name.clone(),
                        role: row.role.clone(),
                        organisation: row.organisation.clone(),
                        email: row.email.clone(),
                        phone: String::new(),
                    },
                    agency_type,
                    forms: picked.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        rows.push(row);
    }
    let due_parts = form.date_parts("due");
    let due = match due_parts.parse("due date") {
        Ok(Some(d)) if d >= state.clock.today() => Some(d),
        Ok(Some(_)) => {
            errors.add("due-day", "The due date must be today or in the future");
            None
        }
        Ok(None) => {
            errors.add("due-day", "Enter the date the forms are due");
            None
        }
        Err(m) => {
            errors.add("due-day", m);
            None
        }
    };
    if form.get("action") == "add" {
        rows.push(blank_row(&state, &case, rows.len()));
        return render_request(&state, &ctx, &case, rows, due_parts, errors);
    }
    if asks.is_empty() && errors.is_empty() {
        errors.add("p0-name", "Choose at least one form for at least one professional");
    }
    let Some(due) = due.filter(|_| errors.is_empty()) else {
        return render_request(&state, &ctx, &case, rows, due_parts, errors);
    };
    match gathering::request(&state, &acting(&me, &ctx), &case, &asks, due).await {
        Ok(ids) => Ok(redirect_with_flash(
            &state,
            &format!("/cases/{}/requests", case.reference),
            &format!(
                "{} request(s) sent. Each professional has been emailed a link to their form.",
                ids.len()
            ),
        )),
        Err(GatherError::Invalid(list)) => {
            for (field, message) in list {
                errors.add(if field == "due" { "due-day" } else { "p0-name" }, message);
            }
            render_request(&state, &ctx, &case, rows, due_parts, errors)
        }
        Err(e) => Err(e.into()),
    }
}

/// One row of the task list.
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub agency: String,
    pub hint: String,
    pub status: &'static str,
    pub tag: &'static str,
}

pub fn task_status(state: &AppState, r: &FormRequest) -> (&'static str, &'static str) {
    let status = RequestStatus::parse(&r.status).unwrap_or(RequestStatus::Requested);
    if status.is_open() && r.due_date < state.clock.today() {
        return ("Overdue", "red");
    }
    match status {
        RequestStatus::Requested => ("Not started", "grey"),
        RequestStatus::InProgress => ("In progress", "light-blue"),
        RequestStatus::Submitted => ("Submitted", ""),
        RequestStatus::Withdrawn => ("Withdrawn", "grey"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "gathering/tasks.html")]
struct TasksTemplate {
    page: Page,
    reference: String,
    case_status: String,
    information: String,
    tasks: Vec<TaskRow>,
    totals: Completeness,
    submitted: usize,
    can_ready: bool,
    can_reopen: bool,
    can_request: bool,
}

/// `GET /cases/{reference}/requests`: every request of the case (GOV.UK task list), completeness,
/// and the step to review.
pub async fn tasks(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let requests = form_requests::for_case(&state.db, case.id).await?;
    let mut totals = Completeness::default();
    let mut submitted = 0;
    let tasks = requests
        .iter()
        .map(|r| {
            if r.status == RequestStatus::Submitted.code() {
                submitted += 1;
                totals.add(Completeness {
                    answered: r.answered as u32,
                    not_known: r.not_known as u32,
                    missing: r.missing as u32,
                });
            }
            let (status, tag) = task_status(&state, r);
            let title = state
                .forms
                .version(&r.form_code, &r.form_version)
                .map(|v| v.title.clone())
                .unwrap_or_else(|| r.form_code.clone());
            let mut hint =
                format!("Sent {} · due {}", date_words(r.created_at.date_naive()), date_words(r.due_date));
            if r.reminders_sent > 0 {
                hint.push_str(&format!(" · {} reminder(s)", r.reminders_sent));
            }
            TaskRow { id: r.id, title, agency: r.agency.clone(), hint, status, tag }
        })
        .collect();
    let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Notified);
    let next = workflow::next(status);
    Ok(TasksTemplate {
        page: Page::for_user(&ctx, format!("Information requested for {}", case.reference), "/cases"),
        reference: case.reference.clone(),
        case_status: status.label().to_string(),
        information: crate::domain::codes::InformationStatus::parse(&case.information_status)
            .map(|s| s.label())
            .unwrap_or("")
            .to_string(),
        tasks,
        totals,
        submitted,
        can_ready: next.contains(&CaseStatus::ReadyForReview),
        can_reopen: next.contains(&CaseStatus::GatheringInformation) && status == CaseStatus::ReadyForReview,
        can_request: workflow::can_request_information(status),
    }
    .into_response())
}

/// `POST /cases/{reference}/status`: ready for review, or back to gathering with a reason.
pub async fn change_status(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let to = CaseStatus::parse(form.get("to"))
        .ok_or_else(|| WebError::BadRequest("Choose what to do with the case".into()))?;
    let reason = form.get("reason").trim().to_string();
    if reason.chars().count() > 500 || crate::domain::text::has_control(&reason) {
        return Err(WebError::BadRequest(
            "The reason must be 500 characters or fewer, with no control characters".into(),
        ));
    }
    let back = format!("/cases/{}/requests", case.reference);
    match gathering::transition(&state, &acting(&me, &ctx), &case, to, &reason).await {
        Ok(()) => Ok(redirect_with_flash(&state, &back, &format!("The case is now ‘{}’.", to.label()))),
        Err(GatherError::Refused(m)) => Ok(redirect_with_flash(&state, &back, &format!("Not changed: {m}"))),
        Err(GatherError::Invalid(problems)) => {
            let m = problems.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" ");
            Ok(redirect_with_flash(&state, &back, &format!("Not changed: {m}")))
        }
        Err(e) => Err(e.into()),
    }
}

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
    let loaded = response::load(&state, &r).await?;
    let recipient = gathering::recipient(&state, &r)?;
    response::record_read(&state, &acting(&me, &ctx), &case, &r).await?;
    let (status, tag) = task_status(&state, &r);
    let base = format!("/cases/{}/requests/{}/form", case.reference, r.id);
    let answers = respond::check_sections(&base, &loaded)
        .into_iter()
        .map(|mut s| {
            s.rows.retain(|row| row.answered);
            s
        })
        .filter(|s| !s.rows.is_empty())
        .collect();
    Ok(DetailTemplate {
        page: Page::for_user(&ctx, format!("{} – {}", loaded.version.title, r.agency), "/cases"),
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
        due_parts: DateParts::from_date(r.due_date),
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
        reasons: WithdrawReason::ALL.iter().map(|w| Choice::new(w.code(), w.label(), false)).collect(),
    }
    .into_response())
}

/// `POST /cases/{reference}/requests/{id}/{action}`: remind, resend, withdraw, due.
pub async fn act(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id, action)): Path<(String, String, String)>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RequestInformation).await?;
    let r = request_in_case(&state, &case, &id).await?;
    let a = acting(&me, &ctx);
    let back = format!("/cases/{}/requests/{}", case.reference, r.id);
    let result = match action.as_str() {
        "remind" => gathering::remind_now(&state, &a, &case, &r).await.map(|_| "Reminder sent.".to_string()),
        "resend" => gathering::resend(&state, &a, &case, &r, lock_of(&form)?)
            .await
            .map(|_| "A new link has been sent. The old link no longer works.".to_string()),
        "withdraw" => {
            let reason = WithdrawReason::parse(form.get("reason"))
                .ok_or_else(|| WebError::BadRequest("Choose why the request is withdrawn".into()))?;
            gathering::withdraw(&state, &a, &case, &r, lock_of(&form)?, reason)
                .await
                .map(|_| "Request withdrawn.".to_string())
        }
        "due" => {
            let due: NaiveDate = match form.date_parts("due").parse("due date") {
                Ok(Some(d)) => d,
                Ok(None) => {
                    return Ok(redirect_with_flash(&state, &back, "Not changed: enter the new due date"));
                }
                Err(m) => return Ok(redirect_with_flash(&state, &back, &format!("Not changed: {m}"))),
            };
            gathering::change_due(&state, &a, &case, &r, lock_of(&form)?, due)
                .await
                .map(|_| format!("The due date is now {}.", date_words(due)))
        }
        _ => return Err(WebError::NotFound),
    };
    match result {
        Ok(message) => Ok(redirect_with_flash(&state, &back, &message)),
        Err(GatherError::Refused(m)) | Err(GatherError::Conflict(m)) => {
            Ok(redirect_with_flash(&state, &back, &format!("Not done: {m}")))
        }
        Err(GatherError::Invalid(list)) => Ok(redirect_with_flash(
            &state,
            &back,
            &format!("Not done: {}", list.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(". ")),
        )),
        Err(e) => Err(e.into()),
    }
}

fn staff_frame<'a>(ctx: &'a AuthContext, me: &'a Principal, case: &'a Case, r: &'a FormRequest) -> Frame<'a> {
    Frame {
        page: Page::for_user(ctx, "Complete a form", "/cases"),
        base: format!("/cases/{}/requests/{}/form", case.reference, r.id),
        case,
        request: r,
        acting: acting(me, ctx),
    }
}

async fn open_for_staff(
    state: &AppState,
    me: &Principal,
    reference: &str,
    id: &str,
) -> WebResult<(Case, FormRequest, response::Loaded)> {
    let case = load_in_scope(state, me, reference, Action::RequestInformation).await?;
    let r = request_in_case(state, &case, id).await?;
    if !RequestStatus::parse(&r.status).is_some_and(RequestStatus::is_open) {
        return Err(WebError::BadRequest(
            "This request is no longer open: it was submitted or withdrawn.".into(),
        ));
    }
    let loaded = response::load(state, &r).await?;
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
    Ok(respond::start(staff_frame(&ctx, &me, &case, &r), &loaded, None, q.saved == "1"))
}

pub async fn staff_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id, n)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let (case, r, loaded) = open_for_staff(&state, &me, &reference, &id).await?;
    respond::show_page(staff_frame(&ctx, &me, &case, &r), &loaded, n.parse().map_err(|_| WebError::NotFound)?)
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
    respond::save_page(&state, staff_frame(&ctx, &me, &case, &r), &loaded, n, form).await
}

pub async fn staff_check(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path((reference, id)): Path<(String, String)>,
) -> WebResult<Response> {
    let (case, r, loaded) = open_for_staff(&state, &me, &reference, &id).await?;
    Ok(respond::show_check(staff_frame(&ctx, &me, &case, &r), &loaded, &[]))
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
    respond::submit(&state, staff_frame(&ctx, &me, &case, &r), &loaded, form, back).await
}
