//! The Notification Form in the browser: for signed-in designated doctors and coordinators at
//! `/cases/new`, and for professionals without an account at `/notify`.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::domain::codes::{Ethnicity, JarCriterion, PlaceOfDeath, Sex, Source, YesNoUnknown};
use crate::domain::notification::{
    self, DATE_FIELDS, DateParts, FieldProblem, NotificationInput, PersonInput,
};
use crate::error::{WebError, WebResult};
use crate::intake::{self, IntakeError};
use crate::store::{self, areas};
use crate::web::auth::{AuthContext, redirect_with_flash};
use crate::web::forms::{Choice, FormData, FormErrors};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "cases/notification_form.html")]
pub struct FormTemplate {
    page: Page,
    errors: FormErrors,
    v: FormData,
    public: bool,
    action: &'static str,
    areas: Vec<Choice>,
    sexes: Vec<Choice>,
    ethnicities: Vec<Choice>,
    places: Vec<Choice>,
    expected: Vec<Choice>,
    jar: Vec<Choice>,
    coroner: Vec<Choice>,
    looked_after: Vec<Choice>,
    professional_rows: Vec<usize>,
}

/// The anchor of the input a problem belongs to (`child.date_of_birth` → `child-date_of_birth-day`).
pub fn anchor(field: &str) -> String {
    let base = if field.starts_with("death.jar_criteria") { "death.jar_criteria" } else { field };
    let id = base.replace('.', "-");
    if DATE_FIELDS.contains(&field) { format!("{id}-day") } else { id }
}

pub fn form_errors(problems: &[FieldProblem]) -> FormErrors {
    let mut errors = FormErrors::default();
    for p in problems {
        errors.add(&anchor(&p.field), p.message.clone());
    }
    errors
}

fn date_parts(f: &FormData, name: &str) -> DateParts {
    DateParts {
        day: f.get(format!("{name}.day")).to_string(),
        month: f.get(format!("{name}.month")).to_string(),
        year: f.get(format!("{name}.year")).to_string(),
    }
}

/// How many professional rows the form has (the highest index seen, plus one).
fn professional_count(f: &FormData) -> usize {
    f.0.iter()
        .filter_map(|(k, _)| k.strip_prefix("professionals.")?.split('.').next()?.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
        .min(notification::MAX_PROFESSIONALS)
}

/// Reads the browser form into the same input the API produces.
pub fn input_from_form(f: &FormData) -> NotificationInput {
    let person = |prefix: &str| PersonInput {
        name: f.get(format!("{prefix}.name")).to_string(),
        role: f.get(format!("{prefix}.role")).to_string(),
        organisation: f.get(format!("{prefix}.organisation")).to_string(),
        email: f.get(format!("{prefix}.email")).to_string(),
        phone: f.get(format!("{prefix}.phone")).to_string(),
    };
    NotificationInput {
        area: f.get("area").to_string(),
        given_names: f.get("child.given_names").to_string(),
        family_name: f.get("child.family_name").to_string(),
        other_names: f.get("child.other_names").to_string(),
        date_of_birth: date_parts(f, "child.date_of_birth"),
        sex: f.get("child.sex").to_string(),
        nhs_number: f.get("child.nhs_number").to_string(),
        ethnicity: f.get("child.ethnicity").to_string(),
        address: f.get("child.address").to_string(),
        postcode: f.get("child.postcode").to_string(),
        gp_practice: f.get("child.gp_practice").to_string(),
        looked_after: f.get("child.looked_after").to_string(),
        date_of_death: date_parts(f, "death.date_of_death"),
        time_of_death: f.get("death.time_of_death").to_string(),
        place_category: f.get("death.place_category").to_string(),
        place_detail: f.get("death.place_detail").to_string(),
        expected: f.get("death.expected").to_string(),
        // JAR criteria only count when the death is unexpected (the question is shown under "No").
        jar_criteria: if f.get("death.expected") == "no" {
            f.all("death.jar_criteria").into_iter().map(str::to_string).collect()
        } else {
            Vec::new()
        },
        stillbirth: f.has("death.stillbirth"),
        suspected_home_stillbirth: f.has("death.stillbirth") && f.has("death.suspected_home_stillbirth"),
        coroner_informed: f.get("death.coroner_informed").to_string(),
        circumstances: f.get("death.circumstances").to_string(),
        notifier: person("notifier"),
        professionals: (0..professional_count(f)).map(|i| person(&format!("professionals.{i}"))).collect(),
    }
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    selected: &str,
) -> Vec<Choice> {
    all.iter().map(|v| Choice::new(code(*v), label(*v), code(*v) == selected)).collect()
}

async fn render(
    state: &AppState,
    ctx: &AuthContext,
    public: bool,
    v: FormData,
    errors: FormErrors,
    extra_rows: usize,
) -> WebResult<FormTemplate> {
    let all_areas = areas::list(&state.db).await?;
    let scope: Option<&[i64]> =
        if public { None } else { ctx.principal.as_ref().map(|p| p.area_ids.as_slice()) };
    let mut area_choices: Vec<Choice> = all_areas
        .iter()
        .filter(|a| a.active && scope.is_none_or(|s| s.contains(&a.id)))
        .map(|a| Choice::new(a.id.to_string(), a.name.clone(), v.get("area") == a.id.to_string()))
        .collect();
    if area_choices.len() == 1 && v.get("area").is_empty() {
        area_choices[0].checked = true;
    }
    let rows = (professional_count(&v).max(2) + extra_rows).min(notification::MAX_PROFESSIONALS);
    let title = "Notify a child death";
    let mut page = if public {
        Page::anonymous(title).with_csrf(&ctx.csrf_token)
    } else {
        Page::for_user(ctx, title, "/cases/new")
    };
    page.has_errors = !errors.is_empty();
    let jar_selected = v.all("death.jar_criteria");
    Ok(FormTemplate {
        page,
        public,
        action: if public { "/notify" } else { "/cases/new" },
        areas: area_choices,
        sexes: choices(Sex::ALL, Sex::code, Sex::label, v.get("child.sex")),
        ethnicities: choices(Ethnicity::ALL, Ethnicity::code, Ethnicity::label, v.get("child.ethnicity")),
        places: choices(
            PlaceOfDeath::ALL,
            PlaceOfDeath::code,
            PlaceOfDeath::label,
            v.get("death.place_category"),
        ),
        expected: vec![
            Choice::new(
                "yes",
                "Yes: the death was anticipated as a significant possibility",
                v.get("death.expected") == "yes",
            ),
            Choice::new("no", "No: the death was unexpected", v.get("death.expected") == "no"),
        ],
        jar: JarCriterion::ALL
            .iter()
            .filter(|j| **j != JarCriterion::HomeStillbirth)
            .map(|j| Choice::new(j.code(), j.label(), jar_selected.contains(&j.code())))
            .collect(),
        coroner: choices(
            YesNoUnknown::ALL,
            YesNoUnknown::code,
            YesNoUnknown::label,
            v.get("death.coroner_informed"),
        ),
        looked_after: choices(
            YesNoUnknown::ALL,
            YesNoUnknown::code,
            YesNoUnknown::label,
            v.get("child.looked_after"),
        ),
        professional_rows: (0..rows).collect(),
        errors,
        v,
    })
}

pub async fn show(State(state): State<AppState>, ctx: AuthContext) -> WebResult<FormTemplate> {
    render(&state, &ctx, false, FormData::default(), FormErrors::default(), 0).await
}

pub async fn submit(State(state): State<AppState>, ctx: AuthContext, form: FormData) -> WebResult<Response> {
    let me = ctx.require()?.clone();
    if form.get("action") == "add_professional" {
        return Ok(render(&state, &ctx, false, form, FormErrors::default(), 1).await?.into_response());
    }
    let input = input_from_form(&form);
    let parsed = match notification::parse(&input, store::now().date_naive()) {
        Ok(n) => n,
        Err(problems) => {
            return Ok(render(&state, &ctx, false, form, form_errors(&problems), 0).await?.into_response());
        }
    };
    let context = intake::Context {
        actor: me.actor(),
        source: Source::Form,
        request_id: &ctx.request_id,
        area_scope: Some(&me.area_ids),
        synthetic: false,
        notified_at: None,
    };
    match intake::notify(&state, parsed, context).await {
        Ok(outcome) => {
            let message = match &outcome.duplicate_of {
                Some(d) => format!(
                    "Notification recorded as {}. It has the same NHS number as {d}, so it is flagged for a coordinator to confirm or merge",
                    outcome.reference
                ),
                None => format!("Notification recorded as {}", outcome.reference),
            };
            Ok(redirect_with_flash(&state, &format!("/cases/{}", outcome.reference), &message))
        }
        Err(IntakeError::Invalid(problems)) => {
            Ok(render(&state, &ctx, false, form, form_errors(&problems), 0).await?.into_response())
        }
        Err(IntakeError::Other(e)) => Err(WebError::Internal(e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cases/notify_done.html")]
pub struct PublicDoneTemplate {
    page: Page,
    reference: String,
}

/// `GET /notify`: the form for professionals without an account (when enabled).
pub async fn show_public(State(state): State<AppState>, ctx: AuthContext) -> WebResult<FormTemplate> {
    if !state.config.notify.public_enabled {
        return Err(WebError::NotFound);
    }
    render(&state, &ctx, true, FormData::default(), FormErrors::default(), 0).await
}

pub async fn submit_public(
    State(state): State<AppState>,
    ctx: AuthContext,
    form: FormData,
) -> WebResult<Response> {
    if !state.config.notify.public_enabled {
        return Err(WebError::NotFound);
    }
    if form.get("action") == "add_professional" {
        return Ok(render(&state, &ctx, true, form, FormErrors::default(), 1).await?.into_response());
    }
    let input = input_from_form(&form);
    let parsed = match notification::parse(&input, store::now().date_naive()) {
        Ok(n) => n,
        Err(problems) => {
            return Ok(render(&state, &ctx, true, form, form_errors(&problems), 0).await?.into_response());
        }
    };
    // Only valid submissions count against the hourly allowance.
    let limit = state.config.notify.public_rate_per_hour;
    if !state.limiter.allow("notify", ctx.client_ip, limit, Duration::from_secs(3600)) {
        return Err(WebError::TooManyRequests);
    }
    let context = intake::Context {
        actor: crate::domain::audit::Actor::Anonymous,
        source: Source::Public,
        request_id: &ctx.request_id,
        area_scope: None,
        synthetic: false,
        notified_at: None,
    };
    match intake::notify(&state, parsed, context).await {
        Ok(outcome) => Ok(PublicDoneTemplate {
            page: Page::anonymous("Notification received").with_csrf(&ctx.csrf_token),
            reference: outcome.reference,
        }
        .into_response()),
        Err(IntakeError::Invalid(problems)) => {
            Ok(render(&state, &ctx, true, form, form_errors(&problems), 0).await?.into_response())
        }
        Err(IntakeError::Other(e)) => Err(WebError::Internal(e)),
    }
}
