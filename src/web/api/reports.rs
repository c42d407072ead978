//! Reports over the API: `GET /api/v1/reports/annual?year=&area=&mode=&format=` gives the annual
//! report as JSON (every table as rows of text, as the page shows them) or as a file (pdf, xlsx,
//! csv), with the same access rules and audit as the page's downloads; `GET
//! /api/v1/reports/themes` lists the thematic and saved reports, and `…/themes/{key}` and
//! `…/saved/{id}` (with `from=` for a window's first year) run one the same way.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::reports::annual::{self, Report};
use crate::reports::files::Format;
use crate::reports::thematic::{Theme, catalogue};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::{WebError, WebResult};
use crate::web::params::Q;
use crate::web::reports::annual::{AnnualQuery, choose, download, send_file};
use crate::web::reports::thematic::run_theme;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApiQuery {
    pub year: String,
    pub from: String,
    pub basis: String,
    pub area: String,
    pub mode: String,
    pub format: String,
}

impl ApiQuery {
    /// The choices, and the file format asked for (`None`: JSON).
    fn split(self) -> WebResult<(AnnualQuery, Option<Format>)> {
        let format = match self.format.as_str() {
            "" | "json" => None,
            other => Some(
                Format::parse(other)
                    .filter(|f| *f != Format::Html)
                    .ok_or_else(|| WebError::BadRequest("format must be json, pdf, xlsx or csv".into()))?,
            ),
        };
        let query = AnnualQuery {
            year: self.year,
            area: self.area,
            mode: self.mode,
            from: self.from,
            basis: self.basis,
        };
        Ok((query, format))
    }
}

/// The report as JSON: its heading facts and every section's tables and notes.
pub fn report_json(report: &Report) -> Value {
    let sections = report.sections_json(false);
    json!({
        "title": report.title, "year": report.year, "areas": report.areas,
        "mode": if report.mode == crate::reports::table::Mode::Internal { "internal" } else { "published" },
        "mode_words": report.mode_words, "generated_on": report.generated_on,
        "suppressed": report.suppressed, "sections": sections,
    })
}

/// `GET /api/v1/reports/annual`.
pub async fn annual(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<ApiQuery>,
) -> WebResult<Response> {
    let (query, format) = q.split()?;
    crate::web::reports::annual::one_year(&query)?;
    match format {
        None => {
            let chosen = choose(&state, &me, &query).await?;
            let report = annual::run(&state.db, &state.forms, &chosen.params).await?;
            Ok(Json(report_json(&report)).into_response())
        }
        Some(format) => download(state, ctx, me, query, format).await,
    }
}

/// `GET /api/v1/reports/themes`: the predefined themes and the saved reports the user may run.
pub async fn themes(State(state): State<AppState>, CurrentUser(me): CurrentUser) -> WebResult<Response> {
    let (_, holds_all) = crate::web::reports::custom::area_scope(&state, &me).await?;
    let theme = |t: &Theme, url: String| {
        json!({"key": t.key, "title": t.title, "description": t.description, "years": t.years,
            "per": t.per, "breakdowns": t.breakdowns.iter().map(|b| b.code()).collect::<Vec<_>>(), "url": url})
    };
    let predefined: Vec<Value> =
        state.themes.iter().map(|t| theme(t, format!("/api/v1/reports/themes/{}", t.key))).collect();
    let saved: Vec<Value> = crate::store::saved_reports::list(&state.db)
        .await?
        .iter()
        .filter(|s| s.visible_to(&me.area_ids, holds_all))
        .filter_map(|s| {
            let t = catalogue::saved_theme(s)?;
            let mut v = theme(&t, format!("/api/v1/reports/saved/{}", s.id));
            v["id"] = json!(s.id);
            v["area"] = json!(s.area_id);
            Some(v)
        })
        .collect();
    Ok(Json(json!({"themes": predefined, "saved": saved})).into_response())
}

/// A theme as JSON or a file.
async fn theme_answer(
    state: AppState,
    ctx: AuthContext,
    me: crate::domain::policy::Principal,
    q: ApiQuery,
    theme: &Theme,
    earlier: &[Theme],
) -> WebResult<Response> {
    let (query, format) = q.split()?;
    let run = run_theme(&state, &me, &query, theme, earlier).await?;
    match format {
        None => {
            let mut body = report_json(&run.report);
            body["window"] = json!({"from": run.first.0, "to": run.chosen.params.year.0});
            body["basis"] = json!(run.basis.code());
            body["notice"] = json!(run.notice);
            Ok(Json(body).into_response())
        }
        Some(format) => {
            let which = format!("theme:{}", theme.key);
            send_file(&state, &ctx, run.report, format, &which, &run.chosen.query).await
        }
    }
}

/// `GET /api/v1/reports/themes/{key}`.
pub async fn theme(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(key): Path<String>,
    Q(q): Q<ApiQuery>,
) -> WebResult<Response> {
    let themes = state.themes.clone();
    let (theme, earlier) = catalogue::predefined(&themes, &key).ok_or(WebError::NotFound)?;
    theme_answer(state, ctx, me, q, theme, earlier).await
}

/// `GET /api/v1/reports/saved/{id}`: run over the report's own area (or every area).
pub async fn saved(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    Q(mut q): Q<ApiQuery>,
) -> WebResult<Response> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let (saved, theme) = crate::web::reports::custom::load(&state, &me, id).await?;
    if let Some(area) = saved.area_id {
        q.area = area.to_string();
    }
    let earlier = catalogue::earlier_than_saved(&state.db, &state.themes, id).await?;
    theme_answer(state, ctx, me, q, &theme, &earlier).await
}

/// The OpenAPI entries.
pub fn openapi_paths(auth: &Value, problem_content: &Value) -> Value {
    let p = |d: &str| json!({"description": d, "content": problem_content});
    let q = |name: &str, description: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}, "description": description});
    let area = q("area", "an area id of yours; default all your areas combined");
    let mode = q(
        "mode",
        "internal (coordinators and chairs; true counts) or published (small numbers suppressed); default internal when allowed",
    );
    let format = q("format", "json (default), pdf, xlsx or csv (a zip of one CSV file per table)");
    let files = json!({"application/json": {"schema": {"type": "object"}}, "application/pdf": {},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}, "application/zip": {}});
    let window = [
        q(
            "year",
            "the window's last reporting year by its first calendar year (2025 = 2025/26); default the last complete one. A published version covers one of the theme's fixed windows: a year that ends none is moved to the window containing it, and `notice` says so",
        ),
        q(
            "from",
            "internal versions: the window's first reporting year (at most 25 years); default the theme's own number of years. A published version's first year must be its fixed window's",
        ),
        q(
            "basis",
            "died (deaths in the period, by the coded month of death, once reviewed) or reviewed (reviews signed off in the period); default the theme's own",
        ),
        area.clone(),
        mode.clone(),
        format.clone(),
    ];
    let theme_answer = |what: &str| {
        json!({"200": {"description": format!("{what}: JSON (with `window` and `notice`) or a file"), "content": files},
            "400": p("a parameter is not valid (the message names it, and for a published window names the fixed window)"),
            "401": p("no valid token"), "403": p("internal mode needs the coordinator or panel chair role"),
            "404": p("no such report, or not one of your areas")})
    };
    json!({
        "/api/v1/reports/annual": {"get": {
            "summary": "The annual report for a reporting year: JSON tables, or a PDF, XLSX or zipped CSV file (downloads audited)",
            "security": auth,
            "parameters": [
                q("year", "the reporting year by its first year (2025 = 1 April 2025 to 31 March 2026); default the last complete one"),
                area, mode, format,
            ],
            "responses": {"200": {"description": "the report", "content": files},
                "400": p("a parameter is not valid"), "401": p("no valid token"),
                "403": p("internal mode needs the coordinator or panel chair role"), "404": p("not one of your areas")}}},
        "/api/v1/reports/themes": {"get": {
            "summary": "The thematic reports: the predefined themes and the saved ad-hoc reports you may run, each with its URL",
            "security": auth,
            "responses": {"200": {"description": "the reports", "content": {"application/json": {"schema": {"type": "object",
                "required": ["themes", "saved"],
                "properties": {"themes": {"type": "array", "items": {"type": "object", "required": ["key", "title", "years", "url"]}},
                    "saved": {"type": "array", "items": {"type": "object", "required": ["id", "key", "title", "years", "url"]}}}}}}}}}},
        "/api/v1/reports/themes/{key}": {"get": {
            "summary": "A predefined thematic report over a window of reporting years (downloads audited)",
            "security": auth,
            "parameters": std::iter::once(json!({"name": "key", "in": "path", "required": true, "schema": {"type": "string"}})).chain(window.iter().cloned()).collect::<Vec<_>>(),
            "responses": theme_answer("the thematic report")}},
        "/api/v1/reports/saved/{id}": {"get": {
            "summary": "A saved ad-hoc report, over its own area (or every area), run like a theme (downloads audited)",
            "security": auth,
            "parameters": std::iter::once(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}})).chain(window.iter().cloned()).collect::<Vec<_>>(),
            "responses": theme_answer("the saved report")}},
    })
}
