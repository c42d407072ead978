//! Adding and changing retention policies. Saving one makes the worker compute every case's due
//! date again (cases are never destroyed by a save: only the sweep lists, and two admins decide).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::domain::retention::{RetentionAction, Trigger, parse_policy};
use crate::store::{areas, retention as stored};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::into_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/policy.html")]
pub struct PolicyTemplate {
    page: Page,
    errors: FormErrors,
    /// `None` for a new policy.
    id: Option<i64>,
    version: i64,
    policy_name: String,
    triggers: Vec<Choice>,
    years: String,
    months: String,
    actions: Vec<Choice>,
    all_areas: bool,
    areas: Vec<Choice>,
    active: bool,
    conflict: Option<String>,
}

/// What the form holds (as typed, or as stored).
struct Typed {
    name: String,
    trigger: String,
    years: String,
    months: String,
    action: String,
    all_areas: bool,
    areas: Vec<i64>,
    active: bool,
}

async fn page(
    state: &AppState,
    ctx: &AuthContext,
    id: Option<(i64, i64)>,
    t: Typed,
    errors: FormErrors,
) -> WebResult<PolicyTemplate> {
    let title = if id.is_some() { "Change a retention policy" } else { "Add a retention policy" };
    let all = areas::list(&state.db).await?;
    Ok(PolicyTemplate {
        page: Page::for_user(ctx, title, "/admin/retention").with_errors(!errors.is_empty()),
        errors,
        id: id.map(|(i, _)| i),
        version: id.map(|(_, v)| v).unwrap_or(0),
        policy_name: t.name,
        triggers: Trigger::ALL
            .iter()
            .map(|x| Choice::new(x.code(), x.label(), x.code() == t.trigger))
            .collect(),
        years: t.years,
        months: t.months,
        actions: RetentionAction::ALL
            .iter()
            .map(|x| Choice::new(x.code(), x.label(), x.code() == t.action))
            .collect(),
        all_areas: t.all_areas,
        areas: all
            .iter()
            .filter(|a| a.active || t.areas.contains(&a.id))
            .map(|a| Choice::new(a.id.to_string(), a.name.clone(), t.areas.contains(&a.id)))
            .collect(),
        active: t.active,
        conflict: None,
    })
}

/// `GET /admin/retention/policies/new`
pub async fn new_form(State(state): State<AppState>, ctx: AuthContext) -> WebResult<PolicyTemplate> {
    let typed = Typed {
        name: String::new(),
        trigger: String::new(),
        years: String::new(),
        months: String::new(),
        action: String::new(),
        all_areas: true,
        areas: Vec::new(),
        active: true,
    };
    page(&state, &ctx, None, typed, FormErrors::default()).await
}

/// `GET /admin/retention/policies/{id}`
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
) -> WebResult<PolicyTemplate> {
    let p = stored::policies(&state.db)
        .await?
        .into_iter()
        .find(|p| p.policy.id == id)
        .ok_or(WebError::NotFound)?;
    let typed = Typed {
        name: p.policy.name.clone(),
        trigger: p.policy.trigger.code().into(),
        years: p.policy.years.to_string(),
        months: p.policy.months.to_string(),
        action: p.policy.action.code().into(),
        all_areas: p.policy.all_areas,
        areas: p.policy.areas.clone(),
        active: p.policy.active,
    };
    page(&state, &ctx, Some((id, p.version)), typed, FormErrors::default()).await
}

fn typed(form: &FormData) -> Typed {
    Typed {
        name: form.get("name").to_string(),
        trigger: form.get("trigger").to_string(),
        years: form.get("years").to_string(),
        months: form.get("months").to_string(),
        action: form.get("action").to_string(),
        all_areas: form.get("all_areas") == "true",
        areas: form.all("areas").iter().filter_map(|a| a.parse().ok()).collect(),
        active: form.has("id") && form.get("active") == "true" || !form.has("id"),
    }
}

async fn save(
    state: AppState,
    ctx: AuthContext,
    me: crate::domain::policy::Principal,
    form: FormData,
) -> WebResult<Response> {
    let t = typed(&form);
    let id: Option<(i64, i64)> = match form.get("id") {
        "" => None,
        s => Some((
            s.parse().map_err(|_| WebError::BadRequest("The form could not be read.".into()))?,
            form.get("version").parse().unwrap_or(-1),
        )),
    };
    let mut errors = FormErrors::default();
    let mut conflict = None;
    match parse_policy(&t.name, &t.trigger, &t.years, &t.months, &t.action, t.all_areas, &t.areas) {
        Ok(input) => {
            match crate::retention::save_policy(&state, &ctx.acting(), me.user_id, id, &input, t.active).await
            {
                Ok(_) => {
                    return Ok(redirect_with_flash(
                        &state,
                        "/admin/retention",
                        &format!(
                            "Policy ‘{}’ saved. Every case's due date is being worked out again.",
                            input.name
                        ),
                    ));
                }
                Err(e) => conflict = into_errors(e, &mut errors)?,
            }
        }
        Err(problems) => {
            for (field, message) in problems {
                errors.add(&field, message);
            }
        }
    }
    let mut p = page(&state, &ctx, id, t, errors).await?;
    p.conflict = conflict;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

/// `POST /admin/retention/policies` (new) and `POST /admin/retention/policies/{id}` (change).
pub async fn create(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    save(state, ctx, me, form).await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    mut form: FormData,
) -> WebResult<Response> {
    form.0.retain(|(k, _)| k != "id");
    form.0.push(("id".into(), id.to_string()));
    save(state, ctx, me, form).await
}
