//! Ad-hoc thematic reports: `GET /reports/custom` is the form (filters and breakdowns),
//! `POST /reports/custom` checks and saves it under its name and shows it; `GET
//! /reports/saved/{id}` (with `.pdf`, `.xlsx`, `.zip`) runs a saved report like a predefined
//! theme; `POST /reports/saved/{id}/delete` removes it. Saving and deleting are audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::audit::AuditAction;
use crate::domain::codes::PlaceOfDeath;
use crate::domain::dates::AgeBand;
use crate::domain::policy::Principal;
use crate::reports::thematic::catalogue;
use crate::reports::thematic::definition::{self, Breakdown, Codes, Theme};
use crate::store::{areas, audit, saved_reports};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;
use crate::web::params::Q;
use crate::web::reports::annual::AnnualQuery;

#[derive(Template, WebTemplate)]
#[template(path = "reports/custom.html")]
struct CustomTemplate {
    page: Page,
    errors: FormErrors,
    report_name: String,
    description: String,
    /// The areas the report may belong to (with every area, for those who hold them all).
    areas: Vec<Choice>,
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

/// Where a saved report may belong for this user: each of their areas, and every area when they
/// hold all of them. Returns (choices as (value, label), whether they hold every area).
pub async fn area_scope(state: &AppState, me: &Principal) -> WebResult<(Vec<(String, String)>, bool)> {
    let all = areas::list(&state.db).await?;
    let holds_all = all.iter().filter(|a| a.active).all(|a| me.area_ids.contains(&a.id));
    let mut out: Vec<(String, String)> = all
        .iter()
        .filter(|a| me.area_ids.contains(&a.id))
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect();
    if holds_all && out.len() > 1 {
        out.push(("all".into(), "Every area".into()));
    }
    Ok((out, holds_all))
}

/// What the person typed and chose, to show the form again.
struct Typed<'a> {
    name: &'a str,
    description: &'a str,
    area: &'a str,
}

async fn form(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    typed: Typed<'_>,
    t: &Theme,
    errors: FormErrors,
) -> WebResult<CustomTemplate> {
    let (scope, _) = area_scope(state, me).await?;
    let areas = scope.iter().map(|(v, l)| Choice::new(v.clone(), l.clone(), typed.area == v)).collect();
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
    Ok(CustomTemplate {
        page: Page::for_user(ctx, "Build a thematic report", "/reports/themes")
            .with_errors(!errors.is_empty()),
        errors,
        report_name: typed.name.into(),
        description: typed.description.into(),
        areas,
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
    })
}

fn blank() -> Theme {
    Theme::every_review("custom", "")
}

/// `GET /reports/custom`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    let typed = Typed { name: "", description: "", area: "" };
    Ok(form(&state, &ctx, &me, typed, &blank(), FormErrors::default()).await?.into_response())
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
    let description = data.get("description").trim().to_string();
    if description.chars().count() > 500 {
        errors.add("description", "The description must be 500 characters or fewer");
    } else if crate::input::has_control(&description) {
        errors.add("description", crate::input::control_message("The description"));
    }
    let (scope, _) = area_scope(&state, &me).await?;
    let area_choice = data.get("area").to_string();
    let area_id: Option<Option<i64>> = match area_choice.as_str() {
        "all" if scope.iter().any(|(v, _)| v == "all") => Some(None),
        v => scope.iter().find(|(c, _)| c == v && v != "all").and_then(|(c, _)| c.parse().ok()).map(Some),
    };
    let area_id = match area_id {
        Some(a) => a,
        None if scope.len() == 1 => scope[0].0.parse().ok(),
        None => {
            errors.add("area", "Choose which area the report belongs to");
            None
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
    let codes = Codes { categories: &labels.categories, themes: &labels.themes, items: &labels.items };
    for fault in definition::check(&theme, &codes) {
        // Faults the fields above do not already say: codes that are not offered.
        for field in ["categories", "themes", "places", "age_bands", "per"] {
            if fault.starts_with(field) && !errors.has(field) {
                errors.add(field, "Choose from the options shown");
            }
        }
    }
    // The name and description are read by everyone who runs reports in the area, panel members
    // included: nothing in them may identify a child the area knows, or anyone else.
    let checked = if errors.is_empty() {
        let scope_areas: Vec<i64> = match area_id {
            Some(a) => vec![a],
            None => me.area_ids.clone(),
        };
        let ids = crate::anonymity::area_identifiers(&state, &scope_areas).await?;
        match crate::anonymity::check_all(
            &[("name", &name), ("description", &description)],
            &ids,
            &data.confirmed(),
        ) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.merge(crate::web::error::field_errors(e)?);
                None
            }
        }
    } else {
        None
    };
    let (Some(checked), true) = (checked, errors.is_empty()) else {
        let typed = Typed { name: &name, description: &description, area: &area_choice };
        let page = form(&state, &ctx, &me, typed, &theme, errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let definition = serde_json::to_string(&theme).map_err(WebError::internal)?;
    let txn = crate::store::begin_write(&state.db).await?;
    let id = saved_reports::insert(
        &txn,
        saved_reports::NewSaved {
            name: &checked[0],
            description: &checked[1],
            definition: &definition,
            area_id,
            by: me.user_id,
        },
    )
    .await?;
    let confirmed = checked.iter().map(|c| c.confirmed()).sum::<usize>();
    audit::append(
        &txn,
        &ctx.acting().event(AuditAction::ReportSaved, "report", format!("saved:{id}")).details(format!(
            "area={};confirmed={confirmed}",
            area_id.map(|a| a.to_string()).unwrap_or("all".into())
        )),
    )
    .await?;
    txn.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(Redirect::to(&format!("/reports/saved/{id}")).into_response())
}

/// A saved report the user may see (not found otherwise), with its definition named by its
/// saved name.
pub async fn load(state: &AppState, me: &Principal, id: i64) -> WebResult<(saved_reports::Saved, Theme)> {
    let (saved, theme) = catalogue::find_saved(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let (_, holds_all) = area_scope(state, me).await?;
    if !saved.visible_to(&me.area_ids, holds_all) {
        return Err(WebError::NotFound);
    }
    Ok((saved, theme))
}

/// `GET /reports/saved/{id}` and its downloads: run over the report's own area (or every area).
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(file): Path<String>,
    Q(mut q): Q<AnnualQuery>,
) -> WebResult<Response> {
    let (id, format) = super::thematic::split_format(&file);
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let (saved, theme) = load(&state, &me, id).await?;
    if let Some(area) = saved.area_id {
        q.area = area.to_string();
    }
    let earlier = catalogue::earlier_than_saved(&state.db, &state.themes, id).await?;
    super::thematic::respond(&state, &ctx, &me, &q, &theme, &earlier, format, &format!("/reports/saved/{id}"))
        .await
}

/// `POST /reports/saved/{id}/delete`: only a report the user may see (not found otherwise).
pub async fn delete(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (_, theme) = load(&state, &me, id).await?;
    let txn = crate::store::begin_write(&state.db).await?;
    saved_reports::delete(&txn, id).await?;
    audit::append(&txn, &ctx.acting().event(AuditAction::ReportDeleted, "report", format!("saved:{id}")))
        .await?;
    txn.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(redirect_with_flash(
        &state,
        "/reports/themes",
        &format!("The saved report {} was deleted.", theme.title),
    ))
}
