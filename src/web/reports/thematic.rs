//! Thematic reports: `GET /reports/themes` lists the predefined themes (configuration), and
//! `GET /reports/themes/{key}` shows one over its window of years, for a year, area and version
//! chosen as for the annual report; `{key}.pdf`, `.xlsx` and `.zip` download it (audited).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::domain::dates::ReportingYear;
use crate::domain::policy::{Action, Principal};
use crate::reports::files::Format;
use crate::reports::publication;
use crate::reports::table::Mode;
use crate::reports::thematic::{self, Theme};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::Choice;
use crate::web::page::Page;
use crate::web::params::Q;
use crate::web::reports::annual::{AnnualQuery, ReportTemplate, choose, send_file};

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
    let at = state.themes.iter().position(|t| t.key == key).ok_or(WebError::NotFound)?;
    let theme = state.themes[at].clone();
    let earlier = state.themes[..at].to_vec();
    respond(&state, &ctx, &me, &q, &theme, &earlier, format, &format!("/reports/themes/{}", theme.key)).await
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
/// as a file (audited). A published version covers one of the fixed windows: a year that ends
/// none is moved back to the last window that ends before it, and the page says so.
#[allow(clippy::too_many_arguments)]
pub async fn respond(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    q: &AnnualQuery,
    theme: &Theme,
    earlier: &[Theme],
    format: Option<Format>,
    base: &str,
) -> WebResult<Response> {
    let mut chosen = choose(state, me, q).await?;
    let mut notice = String::new();
    if let Mode::Published(rule) = &chosen.params.mode {
        let current = crate::domain::dates::ReportingYear::of(state.clock.today()).0;
        let ends = publication::grid_ends(theme.years, rule.windows_from, current, 8);
        let asked = chosen.params.year.0;
        let end = publication::containing_end(theme.years, asked, rule.windows_from);
        let window = |e: i32| {
            let first = ReportingYear(e - theme.years.max(1) as i32 + 1);
            let to_date = if e > current { " (to date)" } else { "" };
            if theme.years <= 1 {
                format!("{}{to_date}", ReportingYear(e))
            } else {
                format!("{first} to {}{to_date}", ReportingYear(e))
            }
        };
        if end != asked {
            notice = format!(
                "Published versions cover fixed periods of {} year{}, so that no two published windows can be set against each other: this is the one containing {}, {}.",
                theme.years,
                if theme.years == 1 { "" } else { "s" },
                ReportingYear(asked),
                window(end)
            );
            chosen.params.year = ReportingYear(end);
            chosen.query = chosen.query.replacen(&format!("year={asked}"), &format!("year={end}"), 1);
        }
        chosen.year_choices =
            ends.iter().map(|e| Choice::new(e.to_string(), window(*e), *e == end)).collect();
    }
    let params = thematic::Params {
        year: chosen.params.year,
        areas: chosen.params.areas.clone(),
        mode: chosen.params.mode.clone(),
        rate_rule: chosen.params.rate_rule,
        generated_on: chosen.params.generated_on,
    };
    let report = thematic::run(&state.db, &state.forms, theme, &params, earlier).await?;
    if let Some(format) = format {
        return send_file(state, ctx, report, format, &format!("theme:{}", theme.key), &chosen.query).await;
    }
    let label = if notice.is_empty() && matches!(chosen.params.mode, Mode::Internal) {
        "Last reporting year of the window"
    } else {
        "Window (fixed for published versions)"
    };
    let mut page = ReportTemplate::of(ctx, report, chosen, base, "/reports/themes", label);
    page.notice = notice;
    Ok(page.into_response())
}
