//! The actions register: the list across the user's areas (filterable, with a CSV export), adding
//! an action (from a case or on its own) and the action's page, where it is edited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::codes::ActionStatus;
use crate::domain::policy::Principal;
use crate::input::DateParts;
use crate::reports::csv;
use crate::review::actions::{self as service, Input, View};
use crate::service::ServiceError;
use crate::store::actions::Filter;
use crate::store::areas;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::field_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use crate::web::params::Q;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub area: String,
    pub theme: String,
    /// The page of the list shown (from 1; empty means 1).
    pub page: String,
}

/// Actions shown per page of the register.
const PER_PAGE: u64 = 50;

impl ListQuery {
    /// The filter asked for; a status or area that is not one of the choices is a 400 naming the
    /// parameter (never silently the default), an area that is not the reader's is not found.
    pub fn filter(&self, me: &Principal) -> WebResult<Filter> {
        let status = match self.status.as_str() {
            "" => "open".to_string(),
            "open" | "overdue" | "done" | "all" => self.status.clone(),
            _ => {
                return Err(WebError::BadRequest(
                    "The query parameter `status` must be open, overdue, done or all.".into(),
                ));
            }
        };
        let area_ids = match crate::web::params::bounded("area", &self.area, 1, i64::MAX)? {
            None => me.area_ids.clone(),
            Some(a) if me.area_ids.contains(&a) => vec![a],
            Some(_) => return Err(WebError::NotFound),
        };
        let theme = (!self.theme.is_empty()).then(|| self.theme.clone());
        Ok(Filter { area_ids, status, theme, ..Default::default() })
    }

    fn query_string(&self) -> String {
        let enc = crate::web::form_body::encode_component;
        format!("status={}&area={}&theme={}", enc(&self.status), enc(&self.area), enc(&self.theme))
    }

    fn page_link(&self, page: u64) -> String {
        format!("/actions?{}&page={page}", self.query_string())
    }
}

/// An action as a list row: its theme labels in words.
pub struct Row {
    pub view: View,
    pub themes: String,
    /// Progress reported by the owner or staff, oldest first (on the action's own page).
    pub history: Vec<crate::review::action_progress::UpdateView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/actions.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    areas: Vec<Choice>,
    themes: Vec<Choice>,
    csv_link: String,
    heading: String,
    /// "Showing 51 to 100 of 2,134", when the list has more than one page.
    showing: String,
    total: u64,
    first_link: String,
    prev_link: Option<String>,
    next_link: Option<String>,
}

async fn area_choices(state: &AppState, me: &Principal, chosen: &str, any: bool) -> WebResult<Vec<Choice>> {
    let mut out = Vec::new();
    if any {
        out.push(Choice::new("", "All your areas", chosen.is_empty()));
    }
    for a in areas::list(&state.db).await?.into_iter().filter(|a| me.area_ids.contains(&a.id)) {
        out.push(Choice::new(a.id.to_string(), a.name, a.id.to_string() == chosen));
    }
    Ok(out)
}

fn theme_words(state: &AppState, codes: &[String]) -> String {
    codes.iter().map(|c| service::theme_label(state, c)).collect::<Vec<_>>().join(", ")
}

/// `GET /actions`: open actions in the user's areas, or as filtered.
pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<ListQuery>,
) -> WebResult<Response> {
    let filter = q.filter(&me)?;
    let page_number = crate::web::params::page("page", &q.page)?;
    let offset = (page_number - 1).saturating_mul(PER_PAGE);
    let (views, total) = service::page(&state, &filter, offset, PER_PAGE).await?;
    let rows = views
        .into_iter()
        .map(|v| Row { themes: theme_words(&state, &v.themes), view: v, history: Vec::new() })
        .collect::<Vec<_>>();
    let first = offset.saturating_add(1);
    let showing = if total > PER_PAGE && !rows.is_empty() {
        format!("Showing {first} to {} of {total}", first + rows.len() as u64 - 1)
    } else {
        String::new()
    };
    let statuses =
        [("open", "Open"), ("overdue", "Overdue"), ("done", "Implemented or closed"), ("all", "All")]
            .iter()
            .map(|(c, l)| Choice::new(*c, *l, filter.status == *c))
            .collect();
    let mut themes = vec![Choice::new("", "Any theme", q.theme.is_empty())];
    themes.extend(service::themes(&state).into_iter().map(|(c, l)| {
        let on = c == q.theme;
        Choice::new(c, l, on)
    }));
    let heading = match filter.status.as_str() {
        "overdue" => "Overdue actions",
        "done" => "Implemented or closed actions",
        "all" => "All actions",
        _ => "Open actions",
    };
    Ok(ListTemplate {
        page: Page::for_user(&ctx, "Actions", "/actions"),
        rows,
        statuses,
        areas: area_choices(&state, &me, &q.area, true).await?,
        themes,
        csv_link: format!("/actions.csv?{}", q.query_string()),
        heading: heading.into(),
        showing,
        total,
        first_link: q.page_link(1),
        prev_link: (page_number > 1).then(|| q.page_link(page_number - 1)),
        next_link: (page_number.saturating_mul(PER_PAGE) < total).then(|| q.page_link(page_number + 1)),
    }
    .into_response())
}

/// `GET /actions.csv`: the filtered list as CSV (formula-safe), audited.
pub async fn export(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<ListQuery>,
) -> WebResult<Response> {
    let views = service::list(&state, &q.filter(&me)?).await?;
    let mut body = csv::row(&[
        "reference",
        "area",
        "status",
        "due_on",
        "overdue",
        "owner_organisation",
        "owner_email",
        "description",
        "note",
        "completed_on",
        "cases",
        "themes",
    ]);
    for v in &views {
        body.push_str(&csv::row(&[
            &v.reference,
            &v.area,
            &v.status_label,
            &v.due_on.to_string(),
            if v.overdue { "yes" } else { "no" },
            &v.owner_org,
            &v.owner_email,
            &v.description,
            &v.note,
            &v.completed_on.map(|d| d.to_string()).unwrap_or_default(),
            &v.cases.join(" "),
            &theme_words(&state, &v.themes),
        ]));
    }
    service::record_export(&state, &ctx.acting(), views.len()).await?;
    let filename = format!("actions-{}.csv", state.clock.today().format("%Y%m%d"));
    Ok(crate::web::documents::attachment("text/csv; charset=utf-8", &filename, body))
}

/// The action form as typed.
pub struct Typed {
    pub description: String,
    pub owner_org: String,
    pub owner_email: String,
    pub due: DateParts,
    pub cases: String,
    pub themes: Vec<Choice>,
    pub areas: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/action.html")]
struct ActionTemplate {
    page: Page,
    heading: String,
    action: String,
    /// The saved action (none while adding one).
    saved: Option<Row>,
    version: i64,
    typed: Typed,
    errors: FormErrors,
}

async fn typed(
    state: &AppState,
    me: &Principal,
    form: Option<&FormData>,
    saved: Option<&View>,
    case: &str,
) -> WebResult<Typed> {
    let (description, owner_org, owner_email, due, cases, themes, area, status, note) = match (form, saved) {
        (Some(f), _) => (
            f.get("description").to_string(),
            f.get("owner_org").to_string(),
            f.get("owner_email").to_string(),
            f.date_parts("due"),
            f.get("cases").to_string(),
            f.all("themes").iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            f.get("area").to_string(),
            f.get("status").to_string(),
            f.get("note").to_string(),
        ),
        (None, Some(v)) => (
            v.description.clone(),
            v.owner_org.clone(),
            v.owner_email.clone(),
            DateParts::from_date(v.due_on),
            v.cases.join(" "),
            v.themes.clone(),
            String::new(),
            v.status.clone(),
            v.note.clone(),
        ),
        (None, None) => Default::default(),
    };
    let cases = if form.is_none() && saved.is_none() { case.to_string() } else { cases };
    Ok(Typed {
        description,
        owner_org,
        owner_email,
        due,
        cases,
        themes: service::themes(state)
            .into_iter()
            .map(|(c, l)| {
                let on = themes.contains(&c);
                Choice::new(c, l, on)
            })
            .collect(),
        areas: area_choices(state, me, &area, false).await?,
        statuses: ActionStatus::ALL
            .iter()
            .map(|s| Choice::new(s.code(), s.label(), s.code() == status))
            .collect(),
        note,
    })
}

/// Reads the form into an input, or every problem with it: what cannot be read here (the due
/// date, the status) and, in the same round, what the service finds in the rest.
async fn input(
    state: &AppState,
    me: &Principal,
    form: &FormData,
    editing: bool,
) -> WebResult<Result<Input, FormErrors>> {
    let mut errors = FormErrors::default();
    let due_on = form.required_date("due", "due date", "Enter the date the action is due", &mut errors);
    let status = form.get("status");
    if editing && ActionStatus::parse(status).is_none() {
        errors.add("status", "Choose the action's status");
    }
    let input = Input {
        area_id: form.get("area").parse().ok(),
        description: form.get("description").to_string(),
        owner_org: form.get("owner_org").to_string(),
        owner_email: form.get("owner_email").to_string(),
        due_on: due_on.unwrap_or_else(|| state.clock.today()),
        cases: form.get("cases").split([',', ' ', ';', '\n']).map(|s| s.trim().to_uppercase()).collect(),
        themes: form.all("themes").iter().map(|s| s.to_string()).collect(),
        status: editing.then(|| status.to_string()),
        note: form.get("note").to_string(),
        confirmed: form.confirmed(),
    };
    if errors.is_empty() {
        return Ok(Ok(input));
    }
    for (field, message) in service::problems(state, &me.area_ids, &input).await? {
        if field != "status" {
            errors.add(&field, message);
        }
    }
    Ok(Err(errors))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    pub case: String,
}

/// `GET /actions/new` (`?case=REF` links the case).
pub async fn new_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<NewQuery>,
) -> WebResult<Response> {
    let case = q.case.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>();
    let typed = typed(&state, &me, None, None, &case).await?;
    Ok(ActionTemplate {
        page: Page::for_user(&ctx, "Add an action", "/actions"),
        heading: "Add an action".into(),
        action: "/actions/new".into(),
        saved: None,
        version: 0,
        typed,
        errors: FormErrors::default(),
    }
    .into_response())
}

/// `POST /actions/new`.
pub async fn create(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let result = match input(&state, &me, &form, false).await? {
        Ok(i) => service::create(&state, &ctx.acting(), &me.area_ids, &i).await.map_err(field_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(reference) => Ok(redirect_with_flash(
            &state,
            &format!("/actions/{reference}"),
            &format!("Action {reference} added. Its owner has been emailed."),
        )),
        Err(e) => {
            let errors = e?;
            let typed = typed(&state, &me, Some(&form), None, "").await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                ActionTemplate {
                    page: Page::for_user(&ctx, "Add an action", "/actions").with_errors(true),
                    heading: "Add an action".into(),
                    action: "/actions/new".into(),
                    saved: None,
                    version: 0,
                    typed,
                    errors,
                },
            )
                .into_response())
        }
    }
}

/// `GET /actions/{reference}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let v = service::view(&state, &me.area_ids, &reference).await?;
    let typed = typed(&state, &me, None, Some(&v), "").await?;
    Ok(ActionTemplate {
        page: Page::for_user(&ctx, format!("Action {}", v.reference), "/actions"),
        heading: format!("Action {}", v.reference),
        action: format!("/actions/{}", v.reference),
        version: v.version,
        saved: Some(Row {
            themes: theme_words(&state, &v.themes),
            history: history(&state, &me, &v.reference).await?,
            view: v,
        }),
        typed,
        errors: FormErrors::default(),
    }
    .into_response())
}

/// The action's progress updates.
async fn history(
    state: &AppState,
    me: &Principal,
    reference: &str,
) -> WebResult<Vec<crate::review::action_progress::UpdateView>> {
    let a = service::find(state, &me.area_ids, reference).await?;
    Ok(crate::review::action_progress::history(state, &a).await?)
}

/// `POST /actions/{reference}`: saves an edit (a stale edit gets the conflict message and keeps
/// what was typed).
pub async fn update(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let version = form.get("version").parse::<i64>().unwrap_or(0);
    let result = match input(&state, &me, &form, true).await? {
        Ok(i) => match service::update(&state, &ctx.acting(), &me.area_ids, &reference, version, &i).await {
            Ok(()) => Ok(()),
            Err(ServiceError::Conflict(m)) => {
                let mut errors = FormErrors::default();
                errors.add(
                    "main",
                    format!("{m} Check the action as it is now (below), then save your changes again."),
                );
                Err(Ok(errors))
            }
            Err(e) => Err(field_errors(e)),
        },
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(&state, &format!("/actions/{reference}"), "Action saved.")),
        Err(e) => {
            let errors = e?;
            let v = service::view(&state, &me.area_ids, &reference).await?;
            let typed = typed(&state, &me, Some(&form), Some(&v), "").await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                ActionTemplate {
                    page: Page::for_user(&ctx, format!("Action {}", v.reference), "/actions")
                        .with_errors(true),
                    heading: format!("Action {}", v.reference),
                    action: format!("/actions/{}", v.reference),
                    version: v.version,
                    saved: Some(Row {
                        themes: theme_words(&state, &v.themes),
                        history: history(&state, &me, &v.reference).await?,
                        view: v,
                    }),
                    typed,
                    errors,
                },
            )
                .into_response())
        }
    }
}
