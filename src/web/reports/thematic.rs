//! Thematic reports: `GET /reports/themes` lists the predefined themes (configuration), and
//! `GET /reports/themes/{key}` shows one over its window of years, for a year, area and version
//! chosen as for the annual report; `{key}.pdf`, `.xlsx` and `.zip` download it (audited).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::domain::dates::ReportingYear;
use crate::domain::policy::{Action, Principal};
use crate::reports::annual::Report;
use crate::reports::files::Format;
use crate::reports::publication;
use crate::reports::table::Mode;
use crate::reports::thematic::{self, Counting, Theme, catalogue};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::Choice;
use crate::web::page::Page;
use crate::web::params::Q;
use crate::web::reports::annual::{AnnualQuery, Chosen, ReportTemplate, choose, send_file};

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
    let (theme, earlier) = catalogue::predefined(&state.themes, key).ok_or(WebError::NotFound)?;
    respond(&state, &ctx, &me, &q, theme, earlier, format, &format!("/reports/themes/{}", theme.key)).await
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

/// A theme run for a user: the report, what was chosen (the year moved to the window's end)
/// and what was changed from what was asked.
pub struct ThemeRun {
    pub report: Report,
    /// What the report counted.
    pub basis: Counting,
    /// The window's first year (its last is `chosen.params.year`).
    pub first: ReportingYear,
    pub chosen: Chosen,
    pub notice: String,
}

/// Runs a theme for the year (and first year), areas and version asked for, as the page, its
/// downloads and the API do: a published version covers one of the fixed windows
/// ([`catalogue::window`]).
pub async fn run_theme(
    state: &AppState,
    me: &Principal,
    q: &AnnualQuery,
    theme: &Theme,
    earlier: &[Theme],
) -> WebResult<ThemeRun> {
    let mut chosen = choose(state, me, q).await?;
    let from = match q.from.trim() {
        "" => None,
        f => Some(ReportingYear::parse(f).filter(|f| *f <= chosen.params.year).ok_or_else(|| {
            WebError::BadRequest(format!(
                "The query parameter `from` must be a reporting year like {0} or {1}, no later than `year` ({1}).",
                chosen.params.year.0, chosen.params.year
            ))
        })?),
    };
    let basis = match q.basis.trim() {
        "" => theme.basis,
        b => Counting::parse(b).ok_or_else(|| {
            WebError::BadRequest(
                "The query parameter `basis` must be died (deaths in the period) or reviewed (reviews completed in the period).".into(),
            )
        })?,
    };
    let mut window = catalogue::window(theme, from, chosen.params.year, &chosen.params.mode)
        .map_err(|e| WebError::BadRequest(format!("{}{}.", e[..1].to_uppercase(), &e[1..])))?;
    window.theme.basis = basis;
    let asked = chosen.params.year.0;
    if window.year.0 != asked {
        chosen.params.year = window.year;
        chosen.query = chosen.query.replacen(&format!("year={asked}"), &format!("year={}", window.year.0), 1);
    }
    if let Some(from) = from {
        chosen.query.push_str(&format!("&from={}", from.0));
    }
    if !q.basis.trim().is_empty() {
        chosen.query.push_str(&format!("&basis={}", basis.code()));
    }
    let report = thematic::run(&state.db, &state.forms, &window.theme, &chosen.params, earlier).await?;
    let first = thematic::first_year(&window.theme, window.year);
    Ok(ThemeRun { report, basis, first, chosen, notice: window.notice })
}

/// Runs a theme ([`run_theme`]) and shows it at `base` or sends it as a file (audited).
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
    let ThemeRun { report, basis, mut chosen, notice, .. } = run_theme(state, me, q, theme, earlier).await?;
    if let Some(format) = format {
        return send_file(state, ctx, report, format, &format!("theme:{}", theme.key), &chosen.query).await;
    }
    if let Mode::Published(rule) = &chosen.params.mode {
        let current = ReportingYear::of(state.clock.today()).0;
        let ends = publication::grid_ends(theme.years, rule.windows_from, current, 8);
        let end = chosen.params.year.0;
        let window = |e: i32| {
            let first = thematic::first_year(theme, ReportingYear(e));
            let to_date = if e > current { " (to date)" } else { "" };
            format!("{}{to_date}", catalogue::period(first, ReportingYear(e)))
        };
        chosen.year_choices =
            ends.iter().map(|e| Choice::new(e.to_string(), window(*e), *e == end)).collect();
    }
    let label = if notice.is_empty() && matches!(chosen.params.mode, Mode::Internal) {
        "Last reporting year of the window"
    } else {
        "Window (fixed for published versions)"
    };
    let mut page = ReportTemplate::of(ctx, report, chosen, base, "/reports/themes", label);
    page.notice = notice;
    page.bases = Counting::ALL.iter().map(|c| Choice::new(c.code(), c.label(), *c == basis)).collect();
    Ok(page.into_response())
}
