//! `GET /reports/annual`: the annual report for a reporting year and one or all of the user's
//! areas, in internal mode (true counts: coordinators and chairs) or published mode (small
//! numbers suppressed: anyone who runs reports).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::audit::AuditAction;
use crate::domain::dates::ReportingYear;
use crate::domain::policy::{Action, Principal};
use crate::reports::annual::{self, Params, Report};
use crate::reports::files::{Format, ViewSection, file, view};
use crate::reports::table::Mode;
use crate::store::{areas, audit};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::Choice;
use crate::web::page::Page;
use crate::web::params::Q;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnnualQuery {
    pub year: String,
    pub area: String,
    pub mode: String,
    /// A thematic report's first year (internal versions; a published one's window is fixed).
    pub from: String,
    /// What a thematic report counts: `died` (deaths in the period) or `reviewed`.
    pub basis: String,
}

/// What the query asks for, checked against what the user may run.
pub struct Chosen {
    pub params: Params,
    pub year_choices: Vec<Choice>,
    pub area_choices: Vec<Choice>,
    pub internal_allowed: bool,
    /// The query as it is, for download links.
    pub query: String,
}

/// Parses the year, areas and mode: the year defaults to the last complete reporting year, the
/// areas to all the user's, the mode to internal for those allowed it. Asking for internal mode
/// without the right is refused, not quietly downgraded.
pub async fn choose(state: &AppState, me: &Principal, q: &AnnualQuery) -> WebResult<Chosen> {
    let today = state.clock.today();
    let current = ReportingYear::of(today);
    let last_complete = ReportingYear(current.0 - 1);
    let year = if q.year.trim().is_empty() {
        last_complete
    } else {
        match ReportingYear::parse(&q.year).filter(|y| *y <= current) {
            Some(y) => y,
            None => {
                return Err(WebError::BadRequest(format!(
                    "The query parameter `year` must be a reporting year like {} or {}, up to {current}.",
                    last_complete.0, last_complete
                )));
            }
        }
    };
    let internal_allowed = me.permits(Action::RunInternalReports);
    let mode = match q.mode.as_str() {
        "internal" if internal_allowed => Mode::Internal,
        "internal" => return Err(WebError::Forbidden),
        "published" => Mode::Published(crate::reports::disclosure::Rule::from(&state.config.reports)),
        "" if internal_allowed => Mode::Internal,
        "" => Mode::Published(crate::reports::disclosure::Rule::from(&state.config.reports)),
        _ => {
            return Err(WebError::BadRequest(
                "The query parameter `mode` must be internal or published.".into(),
            ));
        }
    };
    let mine: Vec<_> =
        areas::list(&state.db).await?.into_iter().filter(|a| me.area_ids.contains(&a.id)).collect();
    let chosen: Vec<(i64, String)> = match crate::web::params::bounded("area", &q.area, 1, i64::MAX)? {
        Some(a) => match mine.iter().find(|m| m.id == a) {
            Some(m) => vec![(m.id, m.name.clone())],
            None => return Err(WebError::NotFound),
        },
        None => mine.iter().map(|a| (a.id, a.name.clone())).collect(),
    };
    let mut area_choices =
        vec![Choice::new("", "All your areas combined", chosen.len() != 1 || mine.len() == 1)];
    if mine.len() > 1 {
        area_choices.extend(mine.iter().map(|a| {
            Choice::new(a.id.to_string(), a.name.clone(), chosen.len() == 1 && chosen[0].0 == a.id)
        }));
    }
    // Every year with data in the chosen areas (and at least the last complete one).
    let ids: Vec<i64> = chosen.iter().map(|(id, _)| *id).collect();
    let earliest = crate::store::cases::earliest_reporting_year(&state.db, &ids)
        .await?
        .unwrap_or(last_complete.0)
        .min(last_complete.0)
        .min(year.0);
    let mode_code = if mode == Mode::Internal { "internal" } else { "published" };
    let area_code = if chosen.len() == 1 && mine.len() > 1 { chosen[0].0.to_string() } else { String::new() };
    Ok(Chosen {
        query: format!("year={}&area={area_code}&mode={mode_code}", year.0),
        params: Params {
            year,
            areas: chosen,
            mode,
            rate_rule: crate::reports::rates::RateRule::from(&state.config.reports),
            generated_on: today,
        },
        year_choices: (earliest..=current.0)
            .rev()
            .map(|y| {
                let y = ReportingYear(y);
                let label = if y == current { format!("{y} (year to date)") } else { y.to_string() };
                Choice::new(y.0.to_string(), label, y == year)
            })
            .collect(),
        area_choices,
        internal_allowed,
    })
}

/// The annual report covers one reporting year: a `from` (a thematic report's first year) is
/// refused, not ignored.
pub fn one_year(q: &AnnualQuery) -> WebResult<()> {
    if !q.from.trim().is_empty() {
        return Err(WebError::BadRequest(
            "The annual report covers one reporting year (`year`); `from` is for thematic reports.".into(),
        ));
    }
    if !q.basis.trim().is_empty() {
        return Err(WebError::BadRequest(
            "The annual report counts deaths notified and reviews completed in the year, table by table; `basis` is for thematic reports.".into(),
        ));
    }
    Ok(())
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/report.html")]
pub struct ReportTemplate {
    pub(crate) page: Page,
    pub(crate) report: Report,
    pub(crate) published: bool,
    pub(crate) sections: Vec<ViewSection>,
    pub(crate) years: Vec<Choice>,
    pub(crate) areas: Vec<Choice>,
    pub(crate) internal_allowed: bool,
    pub(crate) query: String,
    /// The page's path: the choices form posts back to it and the downloads add an extension.
    pub(crate) base: String,
    pub(crate) year_label: &'static str,
    /// Said above the report when what was asked for was adjusted (a published window).
    pub(crate) notice: String,
    /// A thematic report's counting bases to choose from (none for the annual report).
    pub(crate) bases: Vec<Choice>,
}

/// `GET /reports/annual`.
pub async fn page(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<AnnualQuery>,
) -> WebResult<Response> {
    one_year(&q)?;
    let chosen = choose(&state, &me, &q).await?;
    let report = annual::run(&state.db, &state.forms, &chosen.params).await?;
    Ok(ReportTemplate::of(
        &ctx,
        report,
        chosen,
        "/reports/annual",
        "/reports/annual",
        "Reporting year (1 April to 31 March)",
    )
    .into_response())
}

impl ReportTemplate {
    /// A report's page at `base` (the choices form comes back to it; downloads add an
    /// extension), with `nav` marked in the navigation.
    pub fn of(
        ctx: &AuthContext,
        report: Report,
        chosen: Chosen,
        base: &str,
        nav: &str,
        year_label: &'static str,
    ) -> ReportTemplate {
        ReportTemplate {
            page: Page::for_user(ctx, report.title.clone(), nav),
            base: base.into(),
            year_label,
            published: report.mode != Mode::Internal,
            sections: view(&report),
            report,
            years: chosen.year_choices,
            areas: chosen.area_choices,
            internal_allowed: chosen.internal_allowed,
            query: chosen.query,
            notice: String::new(),
            bases: Vec::new(),
        }
    }
}

pub async fn download(
    state: AppState,
    ctx: AuthContext,
    me: Principal,
    q: AnnualQuery,
    format: Format,
) -> WebResult<Response> {
    one_year(&q)?;
    let chosen = choose(&state, &me, &q).await?;
    let report = annual::run(&state.db, &state.forms, &chosen.params).await?;
    send_file(&state, &ctx, report, format, "annual", &chosen.query).await
}

/// Renders a report as a file (off the async threads), audits the download (which report, the
/// query that chose it and the format) and sends it as an attachment.
pub async fn send_file(
    state: &AppState,
    ctx: &AuthContext,
    report: Report,
    format: Format,
    which: &str,
    query: &str,
) -> WebResult<Response> {
    let (bytes, report) = tokio::task::spawn_blocking(move || file(&report, format).map(|b| (b, report)))
        .await
        .map_err(WebError::internal)?
        .map_err(WebError::internal)?;
    audit::append(
        &state.db,
        &ctx.acting()
            .event(AuditAction::ReportDownloaded, "report", which)
            .details(format!("{query}&format={}", format.extension())),
    )
    .await?;
    let name = format!("{}.{}", crate::reports::files::stem(&report), format.extension());
    Ok(crate::web::documents::attachment(format.content_type(), &name, bytes))
}

/// `GET /reports/annual.zip`: every table as a CSV file (formula-safe), zipped; audited with the
/// year, areas, mode and format.
pub async fn csv_zip(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<AnnualQuery>,
) -> WebResult<Response> {
    download(state, ctx, me, q, Format::Csv).await
}

/// `GET /reports/annual.xlsx`: one sheet per table; audited.
pub async fn xlsx(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<AnnualQuery>,
) -> WebResult<Response> {
    download(state, ctx, me, q, Format::Xlsx).await
}

/// `GET /reports/annual.pdf`: the report for publication as tagged PDF; audited.
pub async fn pdf(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<AnnualQuery>,
) -> WebResult<Response> {
    download(state, ctx, me, q, Format::Pdf).await
}
