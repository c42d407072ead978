//! Thematic reports: `GET /reports/themes` lists the predefined themes (configuration), and
//! `GET /reports/themes/{key}` shows one over its window of years, for a year, area and version
//! chosen as for the annual report; `{key}.pdf`, `.xlsx` and `.zip` download it (audited).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::domain::policy::{Action, Principal};
use crate::error::{WebError, WebResult};
use crate::reports::thematic::{self, Theme};
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::page::Page;
use crate::web::params::Q;
use crate::web::reports::annual::{AnnualQuery, Format, ReportTemplate, choose, send_file};

#[derive(Template, WebTemplate)]
#[template(path = "reports/themes.html")]
struct ListTemplate {
    page: Page,
    themes: Vec<Theme>,
    saved: Vec<crate::store::saved_reports::Saved>,
    can_build: bool,
}

/// `GET /reports/themes`: the predefined themes and the saved ad-hoc reports.
pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    let (_, holds_all) = super::custom::area_scope(&state, &me).await?;
    let saved = crate::store::saved_reports::list(&state.db)
        .await?
        .into_iter()
        .filter(|s| s.visible_to(&me.area_ids, holds_all))
        .collect();
    Ok(ListTemplate {
        page: Page::for_user(&ctx, "Thematic reports", "/reports/themes"),
        themes: state.themes.to_vec(),
        saved,
        can_build: me.permits(Action::RunInternalReports),
    }
    .into_response())
}

/// `GET /reports/themes/{key}` and its downloads `{key}.pdf|.xlsx|.zip`.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(file): Path<String>,
    Q(q): Q<AnnualQuery>,
) -> WebResult<Response> {
    let (key, format) = split_format(&file);
    let theme = state.themes.iter().find(|t| t.key == key).cloned().ok_or(WebError::NotFound)?;
    respond(&state, &ctx, &me, &q, &theme, format, &format!("/reports/themes/{}", theme.key)).await
}

/// `name.pdf` → (`name`, PDF); a name without a known extension is the page.
pub fn split_format(file: &str) -> (&str, Option<Format>) {
    match file.rsplit_once('.') {
        Some((k, "pdf")) => (k, Some(Format::Pdf)),
        Some((k, "xlsx")) => (k, Some(Format::Xlsx)),
        Some((k, "zip")) => (k, Some(Format::Csv)),
        _ => (file, None),
    }
}

/// Runs a theme for the year, areas and version asked for, and shows it at `base` or sends it
/// as a file (audited).
pub async fn respond(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    q: &AnnualQuery,
    theme: &Theme,
    format: Option<Format>,
    base: &str,
) -> WebResult<Response> {
    let chosen = choose(state, me, q).await?;
    let params = thematic::Params {
        year: chosen.params.year,
        areas: chosen.params.areas.clone(),
        mode: chosen.params.mode.clone(),
        rate_rule: chosen.params.rate_rule,
        generated_on: chosen.params.generated_on,
    };
    let report = thematic::run(&state.db, &state.forms, theme, &params).await?;
    if let Some(format) = format {
        return send_file(state, ctx, report, format, &format!("theme:{}", theme.key), &chosen.query).await;
    }
    Ok(ReportTemplate::of(ctx, report, chosen, base, "/reports/themes", "Last reporting year of the window")
        .into_response())
}
