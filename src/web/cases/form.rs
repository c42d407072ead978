//! The Notification Form as a page: its template, the mapping between form fields and the
//! domain's input, the professional rows, and rendering. The handlers are in `new.rs` (staff,
//! with drafts and Check your answers), `public.rs` (`/notify`) and `edit.rs` (amendments).

use askama::Template;
use askama_web::WebTemplate;

use crate::domain::codes::{
    AgeUnit, Ethnicity, JarCriterion, NhsNumberStatus, PlaceOfDeath, Sex, YesNoUnknown,
};
use crate::domain::notification::{self, DATE_FIELDS, FieldProblem, NotificationInput, PersonInput};
use crate::store::areas;
use crate::web::AppState;
use crate::web::auth::AuthContext;
use crate::web::error::WebResult;
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use axum::response::{IntoResponse, Response};

#[derive(Template, WebTemplate)]
#[template(path = "cases/notification_form.html")]
pub struct FormTemplate {
    /// The form's one-off submission key (kept through "Change" and the check page), so sending
    /// the same notification twice makes one case.
    submission: String,
    page: Page,
    errors: FormErrors,
    v: FormData,
    public: bool,
    action: String,
    areas: Vec<Choice>,
    sexes: Vec<Choice>,
    ethnicities: Vec<Choice>,
    places: Vec<Choice>,
    expected: Vec<Choice>,
    jar: Vec<Choice>,
    coroner: Vec<Choice>,
    post_mortem: Vec<Choice>,
    looked_after: Vec<Choice>,
    nhs_statuses: Vec<Choice>,
    age_units: Vec<Choice>,
    professional_rows: Vec<usize>,
    focus_row: Option<usize>,
    /// Editing an existing notification: the version the edit started from.
    edit_version: Option<i64>,
    /// What Enter (the form's first submit button) does, and its label.
    main_action: &'static str,
    main_label: &'static str,
    /// A stale edit: what happened (the typed values are kept below it).
    pub conflict: Option<String>,
}

/// The anchor of the input a problem belongs to (`child.date_of_birth` → `child-date_of_birth-day`).
pub fn anchor(field: &str) -> String {
    let base = if field.starts_with("death.jar_criteria") { "death.jar_criteria" } else { field };
    let id = base.replace('.', "-");
    if DATE_FIELDS.contains(&field) { format!("{id}-day") } else { id }
}

/// The problems as form errors, in the order the fields appear on the page.
pub fn form_errors(problems: &[FieldProblem]) -> FormErrors {
    let mut sorted: Vec<&FieldProblem> = problems.iter().collect();
    sorted.sort_by_key(|p| notification::page_position(&p.field));
    let mut errors = FormErrors::default();
    for p in sorted {
        errors.add(&anchor(&p.field), p.message.clone());
    }
    errors
}

/// How many professional rows the form has (the highest index seen, plus one).
pub fn professional_count(f: &FormData) -> usize {
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
        date_of_birth: f.date_parts("child.date_of_birth"),
        sex: f.get("child.sex").to_string(),
        // A number typed under "Yes" counts; one left behind after choosing a reason does not.
        nhs_number: if matches!(f.get("child.nhs_number_status"), "" | "known") {
            f.get("child.nhs_number").to_string()
        } else {
            String::new()
        },
        nhs_number_status: f.get("child.nhs_number_status").to_string(),
        ethnicity: f.get("child.ethnicity").to_string(),
        address: f.get("child.address").to_string(),
        address_not_known: f.has("child.address_not_known"),
        postcode: f.get("child.postcode").to_string(),
        postcode_not_known: f.has("child.postcode_not_known"),
        date_of_birth_not_known: f.has("child.date_of_birth_not_known"),
        // Only asked for (and only kept) when the date of birth is not known.
        approximate_age: if f.has("child.date_of_birth_not_known") {
            f.get("child.approximate_age").to_string()
        } else {
            String::new()
        },
        approximate_age_unit: if f.has("child.date_of_birth_not_known") {
            f.get("child.approximate_age_unit").to_string()
        } else {
            String::new()
        },
        gp_practice: f.get("child.gp_practice").to_string(),
        looked_after: f.get("child.looked_after").to_string(),
        parental_responsibility: f.get("child.parental_responsibility").to_string(),
        date_of_death: f.date_parts("death.date_of_death"),
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
        post_mortem_planned: f.get("death.post_mortem_planned").to_string(),
        circumstances: f.get("death.circumstances").to_string(),
        notifier: person("notifier"),
        // Rows left empty are not professionals (the form always offers spare rows).
        professionals: (0..professional_count(f))
            .map(|i| person(&format!("professionals.{i}")))
            .filter(|p| *p != PersonInput::default())
            .collect(),
    }
}

/// The form's values for a notification (the inverse of [`input_from_form`]), to edit it.
pub fn form_from_input(i: &NotificationInput) -> FormData {
    let mut f: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            f.push((k.to_string(), v.to_string()));
        }
    };
    put("area", &i.area);
    put("child.given_names", &i.given_names);
    put("child.family_name", &i.family_name);
    put("child.other_names", &i.other_names);
    put("child.date_of_birth.day", &i.date_of_birth.day);
    put("child.date_of_birth.month", &i.date_of_birth.month);
    put("child.date_of_birth.year", &i.date_of_birth.year);
    put("child.date_of_birth_not_known", if i.date_of_birth_not_known { "yes" } else { "" });
    put("child.approximate_age", &i.approximate_age);
    put("child.approximate_age_unit", &i.approximate_age_unit);
    put("child.sex", &i.sex);
    put("child.nhs_number_status", &i.nhs_number_status);
    put("child.nhs_number", &i.nhs_number);
    put("child.ethnicity", &i.ethnicity);
    put("child.address", &i.address);
    put("child.address_not_known", if i.address_not_known { "yes" } else { "" });
    put("child.postcode", &i.postcode);
    put("child.postcode_not_known", if i.postcode_not_known { "yes" } else { "" });
    put("child.gp_practice", &i.gp_practice);
    put("child.parental_responsibility", &i.parental_responsibility);
    put("child.looked_after", &i.looked_after);
    put("death.date_of_death.day", &i.date_of_death.day);
    put("death.date_of_death.month", &i.date_of_death.month);
    put("death.date_of_death.year", &i.date_of_death.year);
    put("death.time_of_death", &i.time_of_death);
    put("death.place_category", &i.place_category);
    put("death.place_detail", &i.place_detail);
    put("death.expected", &i.expected);
    for j in &i.jar_criteria {
        put("death.jar_criteria", j);
    }
    put("death.stillbirth", if i.stillbirth { "yes" } else { "" });
    put("death.suspected_home_stillbirth", if i.suspected_home_stillbirth { "yes" } else { "" });
    put("death.coroner_informed", &i.coroner_informed);
    put("death.post_mortem_planned", &i.post_mortem_planned);
    put("death.circumstances", &i.circumstances);
    for (prefix, p) in std::iter::once(("notifier".to_string(), &i.notifier))
        .chain(i.professionals.iter().enumerate().map(|(n, p)| (format!("professionals.{n}"), p)))
    {
        put(&format!("{prefix}.name"), &p.name);
        put(&format!("{prefix}.role"), &p.role);
        put(&format!("{prefix}.organisation"), &p.organisation);
        put(&format!("{prefix}.email"), &p.email);
        put(&format!("{prefix}.phone"), &p.phone);
    }
    FormData(f)
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    selected: &str,
) -> Vec<Choice> {
    all.iter().map(|v| Choice::new(code(*v), label(*v), code(*v) == selected)).collect()
}

/// The form's values with the professional rows renumbered 0, 1, 2… and rows left empty (or
/// the one being removed) dropped, so row numbers in messages match what the person sees.
pub fn compact_professionals(f: &FormData, remove: Option<usize>) -> FormData {
    let fields = ["name", "role", "organisation", "email"];
    let rows = professional_count(f);
    let mut out: Vec<(String, String)> =
        f.0.iter().filter(|(k, _)| !k.starts_with("professionals.")).cloned().collect();
    let mut n = 0;
    for i in 0..rows {
        let values: Vec<&str> = fields.iter().map(|k| f.get(format!("professionals.{i}.{k}"))).collect();
        if Some(i) == remove || values.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        for (k, v) in fields.iter().zip(values) {
            out.push((format!("professionals.{n}.{k}"), v.to_string()));
        }
        n += 1;
    }
    FormData(out)
}

/// What the form is for: a new notification (signed in, or public) or an edit of one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Staff,
    Public,
    Edit { version: i64 },
}

pub struct Render {
    pub mode: Mode,
    pub action: String,
    /// Which professional row to focus (a row just added), if any.
    pub focus_row: Option<usize>,
    pub extra_rows: usize,
}

pub async fn render(
    state: &AppState,
    ctx: &AuthContext,
    r: Render,
    v: FormData,
    errors: FormErrors,
) -> WebResult<FormTemplate> {
    let public = r.mode == Mode::Public;
    let all_areas = areas::list(&state.db).await?;
    let scope: Option<&[i64]> =
        if public { None } else { ctx.principal.as_ref().map(|p| p.area_ids.as_slice()) };
    let mut area_choices: Vec<Choice> = all_areas
        .iter()
        .filter(|a| {
            (a.active || v.get("area") == a.id.to_string()) && scope.is_none_or(|s| s.contains(&a.id))
        })
        .map(|a| Choice::new(a.id.to_string(), a.name.clone(), v.get("area") == a.id.to_string()))
        .collect();
    if area_choices.len() == 1 && v.get("area").is_empty() {
        area_choices[0].checked = true;
    }
    let rows = (professional_count(&v).max(1) + r.extra_rows).min(notification::MAX_PROFESSIONALS);
    let title = match r.mode {
        Mode::Edit { .. } => "Change the notification",
        _ => "Notify a child death",
    };
    let mut page = if public {
        Page::anonymous(title).with_csrf(&ctx.csrf_token)
    } else {
        Page::for_user(ctx, title, "/cases/new")
    };
    page.has_errors = !errors.is_empty();
    let jar_selected = v.all("death.jar_criteria");
    let yes_no_unknown =
        |field: &str| choices(YesNoUnknown::ALL, YesNoUnknown::code, YesNoUnknown::label, v.get(field));
    let nhs_status = v.get("child.nhs_number_status");
    let (main_action, main_label) = match r.mode {
        Mode::Edit { .. } => ("submit", "Save changes"),
        _ => ("check", "Continue"),
    };
    let submission = crate::crypto::secrets::form_key(v.get("submission"));
    Ok(FormTemplate {
        submission,
        page,
        public,
        action: r.action,
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
        coroner: yes_no_unknown("death.coroner_informed"),
        post_mortem: yes_no_unknown("death.post_mortem_planned"),
        looked_after: yes_no_unknown("child.looked_after"),
        nhs_statuses: NhsNumberStatus::ALL
            .iter()
            .map(|s| {
                let label = match s {
                    NhsNumberStatus::Known => "Yes",
                    other => other.label(),
                };
                Choice::new(s.code(), label, nhs_status == s.code())
            })
            .collect(),
        age_units: AgeUnit::ALL
            .iter()
            .map(|u| Choice::new(u.code(), u.label(), v.get("child.approximate_age_unit") == u.code()))
            .collect(),
        professional_rows: (0..rows).collect(),
        focus_row: r.focus_row,
        edit_version: match r.mode {
            Mode::Edit { version } => Some(version),
            _ => None,
        },
        main_action,
        main_label,
        conflict: None,
        errors,
        v,
    })
}

/// Handles the form's secondary buttons (add or remove a professional) by showing the form
/// again; `None` for the main action.
pub async fn row_buttons(
    state: &AppState,
    ctx: &AuthContext,
    form: &FormData,
    base: Render,
) -> WebResult<Option<Response>> {
    let action = form.get("action");
    if action == "add_professional" {
        let compacted = compact_professionals(form, None);
        let focus = professional_count(&compacted);
        let r = Render { extra_rows: 1, focus_row: Some(focus), ..base };
        return Ok(Some(render(state, ctx, r, compacted, FormErrors::default()).await?.into_response()));
    }
    if let Some(row) = action.strip_prefix("remove_professional:").and_then(|i| i.parse::<usize>().ok()) {
        let compacted = compact_professionals(form, Some(row));
        let focus = Some(row.min(professional_count(&compacted)));
        let r = Render { focus_row: focus, ..base };
        return Ok(Some(render(state, ctx, r, compacted, FormErrors::default()).await?.into_response()));
    }
    Ok(None)
}
