//! The task list of a case's information requests, and moving the case on to review (or back
//! for more information).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::codes::{CaseStatus, RequestStatus};
use crate::domain::policy::Action;
use crate::domain::workflow;
use crate::forms::answers::Completeness;
use crate::gathering::date_words;
use crate::service::ServiceError;
use crate::store::cases::Case;
use crate::store::form_requests::{self, FormRequest};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::load_in_scope;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;
use crate::words::count;

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
    errors: FormErrors,
    /// The reason for more information, as typed (kept when refused).
    reason: String,
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
    render(&state, &ctx, &case, FormErrors::default(), String::new()).await
}

/// The task list; with `errors`, a 422 showing why the case did not move, by the button or field.
async fn render(
    state: &AppState,
    ctx: &AuthContext,
    case: &Case,
    errors: FormErrors,
    reason: String,
) -> WebResult<Response> {
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
            let (status, tag) = task_status(state, r);
            let title = state
                .forms
                .version(&r.form_code, &r.form_version)
                .map(|v| v.title.clone())
                .unwrap_or_else(|| r.form_code.clone());
            let mut hint =
                format!("Sent {} · due {}", date_words(r.created_at.date_naive()), date_words(r.due_date));
            if r.reminders_sent > 0 {
                hint.push_str(&format!(" · {}", count(r.reminders_sent, "reminder", "reminders")));
            }
            TaskRow { id: r.id, title, agency: r.agency.clone(), hint, status, tag }
        })
        .collect();
    let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Notified);
    let next = workflow::next(status);
    let refused = !errors.is_empty();
    let template = TasksTemplate {
        page: Page::for_user(ctx, format!("Information requested for {}", case.reference), "/cases")
            .with_errors(refused),
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
        errors,
        reason,
    };
    let code = if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((code, template).into_response())
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
    // Moving on is refused beside its button; going back, beside the reason typed.
    let field = match (to, CaseStatus::parse(&case.status)) {
        (CaseStatus::ReadyForReview, _) => "mark-ready",
        (CaseStatus::GatheringInformation, Some(CaseStatus::ReadyForReview)) => "reason",
        _ => "main",
    };
    let mut errors = FormErrors::default();
    if reason.chars().count() > 500 || crate::input::has_control(&reason) {
        errors.add(field, "The reason must be 500 characters or fewer, with no control characters");
        return render(&state, &ctx, &case, errors, reason).await;
    }
    let back = format!("/cases/{}/requests", case.reference);
    match crate::workflow::transition(&state, &ctx.acting(), &case, to, &reason).await {
        Ok(()) => Ok(redirect_with_flash(&state, &back, &format!("The case is now ‘{}’.", to.label()))),
        Err(ServiceError::Refused(m)) | Err(ServiceError::Conflict(m)) => {
            errors.add(field, m);
            render(&state, &ctx, &case, errors, reason).await
        }
        Err(ServiceError::Invalid(problems)) => {
            for (_, m) in problems {
                errors.add(field, m);
            }
            render(&state, &ctx, &case, errors, reason).await
        }
        Err(e) => Err(e.into()),
    }
}
