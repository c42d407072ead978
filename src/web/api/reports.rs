//! Reports over the API: `GET /api/v1/reports/annual?year=&area=&mode=&format=` gives the annual
//! report as JSON (every table as rows of text, as the page shows them) or as a file (pdf, xlsx,
//! csv), with the same access rules and audit as the page's downloads.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::reports::annual::{self, Report};
use crate::reports::files::Format;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::{WebError, WebResult};
use crate::web::params::Q;
use crate::web::reports::annual::{AnnualQuery, choose, download};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApiQuery {
    pub year: String,
    pub area: String,
    pub mode: String,
    pub format: String,
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
    let query = AnnualQuery { year: q.year, area: q.area, mode: q.mode };
    match q.format.as_str() {
        "" | "json" => {
            let chosen = choose(&state, &me, &query).await?;
            let report = annual::run(&state.db, &state.forms, &chosen.params).await?;
            Ok(Json(report_json(&report)).into_response())
        }
        other => match Format::parse(other).filter(|f| *f != Format::Html) {
            Some(format) => download(state, ctx, me, query, format).await,
            None => Err(WebError::BadRequest("format must be json, pdf, xlsx or csv".into())),
        },
    }
}

/// The OpenAPI entry.
pub fn openapi_paths(auth: &Value, problem_content: &Value) -> Value {
    let p = |d: &str| json!({"description": d, "content": problem_content});
    let q = |name: &str, description: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}, "description": description});
    json!({
        "/api/v1/reports/annual": {"get": {
            "summary": "The annual report for a reporting year: JSON tables, or a PDF, XLSX or zipped CSV file (downloads audited)",
            "security": auth,
            "parameters": [
                q("year", "the reporting year by its first year (2025 = 1 April 2025 to 31 March 2026); default the last complete one"),
                q("area", "an area id of yours; default all your areas combined"),
                q("mode", "internal (coordinators and chairs; true counts) or published (small numbers suppressed); default internal when allowed"),
                q("format", "json (default), pdf, xlsx or csv"),
            ],
            "responses": {"200": {"description": "the report", "content": {
                    "application/json": {"schema": {"type": "object"}}, "application/pdf": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}, "application/zip": {}}},
                "400": p("a parameter is not valid"), "401": p("no valid token"),
                "403": p("internal mode needs the coordinator or panel chair role"), "404": p("not one of your areas")}}}
    })
}
