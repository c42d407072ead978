//! Ad-hoc thematic reports: `GET /reports/custom` is the form (filters and breakdowns),
//! `POST /reports/custom` checks and saves it under its name and shows it; `GET
//! /reports/saved/{id}` (with `.pdf`, `.xlsx`, `.zip`) runs a saved report like a predefined
//! theme; `POST /reports/saved/{id}/delete` removes it. Saving and deleting are audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::codes::PlaceOfDeath;
use crate::domain::dates::AgeBand;
use crate::error::{WebError, WebResult};
use crate::reports::thematic::definition::{self, Breakdown, Codes, Theme};
use crate::store::{audit, saved_reports};
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::forms::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use crate::web::params::Q;
use crate::web::reports::annual::AnnualQuery;

#[derive(Template, WebTemplate)]
#[template(path = "reports/custom.html")]
struct CustomTemplate {
    page: Page,
    errors: FormErrors,
    report_name: String,
    categories: Vec<Choice>,
    themes: Vec<Choice>,
    places: Vec<Choice>,
    age_bands: Vec<Choice>,
    expected: Vec<Choice>,
    breakdowns: Vec<Choice>,
    years: Vec<Choice>,
    per: Vec<Choice>,
}

fn ticked(list: &[(String, String)], chosen: &[String]) -> Vec<Choice> {
    list.iter().map(|(c, l)| Choice::new(c.clone(), l.clone(), chosen.contains(c))).collect()
}

fn form(state: &AppState, ctx: &AuthContext, name: &str, t: &Theme, errors: FormErrors) -> CustomTemplate {
    let labels = crate::reports::annual::labels(&state.forms, state.clock.today());
    let places: Vec<(String, String)> =
        PlaceOfDeath::ALL.iter().map(|p| (p.code().into(), p.label().into())).collect();
    let bands: Vec<(String, String)> =
        AgeBand::ALL.iter().map(|a| (a.code().into(), a.label().into())).collect();
    let breakdowns: Vec<(String, String)> =
        Breakdown::ALL.iter().map(|b| (b.code().into(), b.label().into())).collect();
    let chosen_breakdowns: Vec<String> = t.breakdowns.iter().map(|b| b.code().to_string()).collect();
    let expected = match t.expected {
        None => "any",
        Some(true) => "expected",
        Some(false) => "unexpected",
    };
    CustomTemplate {
        page: Page::for_user(ctx, "Build a thematic report", "/reports/themes"),
        errors,
        report_name: name.into(),
        categories: ticked(&labels.categories, &t.categories),
        themes: ticked(&labels.themes, &t.themes),
        places: ticked(&places, &t.places),
        age_bands: ticked(&bands, &t.age_bands),
        expected: [
            ("any", "Both"),
            ("expected", "Expected deaths only"),
            ("unexpected", "Unexpected deaths only"),
        ]
        .iter()
        .map(|(c, l)| Choice::new(*c, *l, *c == expected))
        .collect(),
        breakdowns: ticked(&breakdowns, &chosen_breakdowns),
        years: (1..=10)
            .map(|y| {
                Choice::new(y.to_string(), format!("{y} year{}", if y == 1 { "" } else { "s" }), t.years == y)
            })
            .collect(),
        per: [(100_000u64, "100,000 children"), (1_000_000, "1,000,000 children")]
            .iter()
            .map(|(p, l)| Choice::new(p.to_string(), *l, t.per == *p))
            .collect(),
    }
}

fn blank() -> Theme {
    Theme {
        key: "custom".into(),
        title: String::new(),
        description: String::new(),
        categories: Vec::new(),
        themes: Vec::new(),
        places: Vec::new(),
        age_bands: Vec::new(),
        expected: None,
        per: 100_000,
        years: 5,
        breakdowns: vec![
            Breakdown::Year,
            Breakdown::AgeBand,
            Breakdown::Sex,
            Breakdown::Deprivation,
            Breakdown::Modifiable,
        ],
    }
}

/// `GET /reports/custom`.
pub async fn new_form(State(state): State<AppState>, ctx: AuthContext) -> WebResult<Response> {
    Ok(form(&state, &ctx, "", &blank(), FormErrors::default()).into_response())
}

/// `POST /reports/custom`.
pub async fn save(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    body: Bytes,
) -> WebResult<Response> {
    let data = FormData::parse(&body);
    let all = |k: &str| data.all(k).into_iter().map(str::to_string).collect::<Vec<_>>();
    let mut errors = FormErrors::default();
    let typed = data.get("name").trim().to_string();
    let name = match crate::domain::text::one_line(&typed, 120, "Enter a name for the report", "Name") {
        Ok(n) => n,
        Err(message) => {
            errors.add("name", message);
            typed
        }
    };
    let breakdowns: Vec<Breakdown> =
        data.all("breakdowns").into_iter().filter_map(Breakdown::parse).collect();
    let theme = Theme {
        title: name.clone(),
        description: String::new(),
        categories: all("categories"),
        themes: all("themes"),
        places: all("places"),
        age_bands: all("age_bands"),
        expected: match data.get("expected") {
            "expected" => Some(true),
            "unexpected" => Some(false),
            _ => None,
        },
        per: data.get("per").parse().unwrap_or(100_000),
        years: data.get("years").parse().unwrap_or(0),
        breakdowns,
        ..blank()
    };
    if theme.breakdowns.is_empty() {
        errors.add("breakdowns", "Choose at least one way to break the deaths down");
    }
    if !(1..=10).contains(&theme.years) {
        errors.add("years", "Choose how many reporting years the window covers");
    }
    let labels = crate::reports::annual::labels(&state.forms, state.clock.today());
    let codes = Codes { categories: &labels.categories, themes: &labels.themes };
    for fault in definition::check(&theme, &codes) {
        // Faults the fields above do not already say: codes that are not offered.
        for field in ["categories", "themes", "places", "age_bands", "per"] {
            if fault.starts_with(field) && !errors.has(field) {
                errors.add(field, "Choose from the options shown");
            }
        }
    }
    if !errors.is_empty() {
        return Ok(form(&state, &ctx, &name, &theme, errors).into_response());
    }
    let definition = serde_json::to_string(&theme).map_err(WebError::internal)?;
    let txn = crate::store::begin_write(&state.db).await?;
    let id = saved_reports::insert(&txn, &name, &definition, me.user_id).await?;
    audit::append(&txn, &ctx.event(AuditAction::ReportSaved, "report", format!("saved:{id}"))).await?;
    txn.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(Redirect::to(&format!("/reports/saved/{id}")).into_response())
}

/// A saved report's definition, named by its saved name.
async fn load(state: &AppState, id: i64) -> WebResult<Theme> {
    let saved = saved_reports::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let mut theme: Theme = serde_json::from_str(&saved.definition).map_err(WebError::internal)?;
    theme.key = format!("saved-{id}");
    theme.title = saved.name;
    theme.description = "An ad-hoc report saved by a member of staff.".into();
    Ok(theme)
}

/// `GET /reports/saved/{id}` and its downloads.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(file): Path<String>,
    Q(q): Q<AnnualQuery>,
) -> WebResult<Response> {
    let (id, format) = super::thematic::split_format(&file);
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let theme = load(&state, id).await?;
    super::thematic::respond(&state, &ctx, &me, &q, &theme, format, &format!("/reports/saved/{id}")).await
}

/// `POST /reports/saved/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let theme = load(&state, id).await?;
    let txn = crate::store::begin_write(&state.db).await?;
    saved_reports::delete(&txn, id).await?;
    audit::append(&txn, &ctx.event(AuditAction::ReportDeleted, "report", format!("saved:{id}"))).await?;
    txn.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(redirect_with_flash(
        &state,
        "/reports/themes",
        &format!("The saved report {} was deleted.", theme.title),
    ))
}
