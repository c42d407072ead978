//! Requesting information on one case: the page that asks professionals for their forms, and
//! what it sends. The task list is `tasks.rs`; one request's page is `request.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::domain::audit::AuditAction;
use crate::domain::codes::AgencyType;
use crate::domain::email::EmailAddress;
use crate::domain::notification::Person;
use crate::domain::policy::Action;
use crate::forms::definition::CaseFacts;
use crate::gathering::{self, Ask};
use crate::input::DateParts;
use crate::service::ServiceError;
use crate::store::cases::Case;
use crate::store::{self, audit};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash, redirect_with_problem};
use crate::web::cases::{load_in_scope, open_one};
use crate::web::error::WebResult;
use crate::web::form_body::{Choice, FormData, FormErrors};
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
    /// A row just added: the page focuses it.
    pub focus: bool,
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
    /// The page's one-off key: sending it again sends nothing twice.
    submission: String,
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
        &ctx.acting()
            .event(AuditAction::CaseRevealed, "case", case.reference.clone())
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
            focus: false,
        })
        .collect();
    let n = rows.len();
    rows.push(blank_row(&state, &case, n));
    let due = DateParts::from_date(gathering::default_due(&state));
    render_request(&state, &ctx, &case, rows, due, FormErrors::default(), "")
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
        focus: false,
    }
}

fn render_request(
    state: &AppState,
    ctx: &AuthContext,
    case: &Case,
    rows: Vec<AskRow>,
    due: DateParts,
    errors: FormErrors,
    submission: &str,
) -> WebResult<Response> {
    let submission = crate::crypto::secrets::form_key(submission);
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
            submission,
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
            focus: false,
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
                } else if crate::input::has_control_single_line(value) || value.chars().count() > max {
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
        // Adding a row is not sending: no problems are shown yet, and the new row takes focus.
        rows.push(AskRow { focus: true, ..blank_row(&state, &case, rows.len()) });
        return render_request(
            &state,
            &ctx,
            &case,
            rows,
            due_parts,
            FormErrors::default(),
            form.get("submission"),
        );
    }
    if asks.is_empty() && errors.is_empty() {
        errors.add("p0-name", "Choose at least one form for at least one professional");
    }
    let Some(due) = due.filter(|_| errors.is_empty()) else {
        return render_request(&state, &ctx, &case, rows, due_parts, errors, form.get("submission"));
    };
    let key = Some(form.get("submission")).filter(|k| !k.is_empty());
    match gathering::request_once(&state, &ctx.acting(), &case, &asks, due, key).await {
        Ok(ids) if ids.is_empty() => Ok(redirect_with_problem(
            &state,
            &format!("/cases/{}/requests", case.reference),
            "requests",
            "These requests were already sent: each professional has their email. Nothing was sent twice.",
        )),
        Ok(ids) => Ok(redirect_with_flash(
            &state,
            &format!("/cases/{}/requests", case.reference),
            &format!(
                "{} sent. Each professional has been emailed a link to their form.",
                crate::words::count(ids.len() as i64, "request", "requests")
            ),
        )),
        Err(ServiceError::Invalid(list)) => {
            for (field, message) in list {
                errors.add(if field == "due" { "due-day" } else { "p0-name" }, message);
            }
            render_request(&state, &ctx, &case, rows, due_parts, errors, form.get("submission"))
        }
        Err(e) => Err(e.into()),
    }
}
