//! Part 5 of the benchmark: the annual report at `--cases` cases with their review histories.
//!
//! - the whole report over HTTP (`GET /reports/annual`: every query, the tables, suppression in
//!   the published version, the SVG charts and the page), internal and published;
//! - against the raw SQL of the same figures alone (`reports::annual::gather`: the GROUP BY
//!   queries, and the pre-panel entries for the agreement figures; no building, no rendering),
//!   the baseline the target is set against;
//! - the PDF for publication (report and typst rendering), in process;
//! - a thematic report over ten reporting years (`GET /reports/themes/{key}?from=…`), by deaths
//!   in the period and by reviews completed, against its own raw SQL (`thematic::gather`).

use std::time::Instant;

use cdop::domain::dates::ReportingYear;
use cdop::reports::annual::{self, Params};
use cdop::reports::table::Mode;
use cdop::web::AppState;

use super::{summary, time_gets};

pub async fn run(
    state: &AppState,
    base_url: &str,
    client: &reqwest::Client,
    runs: usize,
) -> anyhow::Result<()> {
    let year = ReportingYear(ReportingYear::of(chrono::Utc::now().date_naive()).0 - 1);
    let areas: Vec<(i64, String)> =
        cdop::store::areas::list(&state.db).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let ids: Vec<i64> = areas.iter().map(|(id, _)| *id).collect();
    let runs = runs.clamp(20, 200);
    let mut raw = Vec::new();
    let mut sizes = (0, 0);
    for i in 0..runs + 5 {
        let started = Instant::now();
        let data = annual::gather(&state.db, year, &ids).await?;
        std::hint::black_box(
            cdop::store::prepanel::ratings(&state.db, year.start(), year.end(), &ids).await?,
        );
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if i == 0 {
            sizes = (
                data.notified.iter().map(|c| c.n).sum::<u64>(),
                data.reviewed.iter().map(|c| c.n).sum::<u64>(),
            );
        }
        if i >= 5 {
            raw.push(ms);
        }
    }
    let internal: Vec<String> =
        (0..runs).map(|_| format!("{base_url}/reports/annual?year={}&mode=internal", year.0)).collect();
    let published: Vec<String> =
        (0..runs).map(|_| format!("{base_url}/reports/annual?year={}&mode=published", year.0)).collect();
    let _ = time_gets(client, &internal[..5]).await?;
    let internal = summary(time_gets(client, &internal).await?);
    let published = summary(time_gets(client, &published).await?);
    let raw = summary(raw);
    let params = Params {
        year,
        areas,
        mode: Mode::Published(cdop::reports::disclosure::Rule::from(&state.config.reports)),
        rate_rule: cdop::reports::rates::RateRule::from(&state.config.reports),
        generated_on: chrono::Utc::now().date_naive(),
    };
    let mut pdf = Vec::new();
    let mut bytes = 0;
    for i in 0..12 {
        let started = Instant::now();
        let report = annual::run(&state.db, &state.forms, &params).await?;
        let file = tokio::task::spawn_blocking(move || cdop::reports::pdf::render(&report)).await??;
        bytes = file.len();
        if i >= 2 {
            pdf.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let pdf = summary(pdf);
    println!(
        "annual report {year} over every area ({} deaths notified, {} reviews completed in the year), milliseconds p50 / p95 / p99:",
        sizes.0, sizes.1
    );
    println!(
        "  page, internal (queries, tables, charts, HTML): {:.1} / {:.1} / {:.1}  (target p95 < 500)",
        internal.0, internal.1, internal.2
    );
    println!(
        "  page, published (with suppression across the report): {:.1} / {:.1} / {:.1}",
        published.0, published.1, published.2
    );
    println!("  raw SQL aggregates alone (baseline): {:.1} / {:.1} / {:.1}", raw.0, raw.1, raw.2);
    println!(
        "  ratio of p95s, internal page to raw SQL: {:.2}; published: {:.2}  (target <= 2)",
        internal.1 / raw.1.max(0.001),
        published.1 / raw.1.max(0.001)
    );
    println!("  PDF for publication ({} KB): {:.1} / {:.1} / {:.1}", bytes / 1024, pdf.0, pdf.1, pdf.2);
    themes(state, base_url, client, runs, year, &ids).await
}

/// A thematic report over the ten reporting years ending `year`: the shipped infection theme
/// (a filter on a category, a theme and a coded answer) by deaths in the period and by reviews
/// completed, each against its own aggregate queries alone.
async fn themes(
    state: &AppState,
    base_url: &str,
    client: &reqwest::Client,
    runs: usize,
    year: ReportingYear,
    ids: &[i64],
) -> anyhow::Result<()> {
    use cdop::reports::thematic::{self, Counting};
    let Some(theme) = state.themes.iter().find(|t| t.key == "infection") else {
        anyhow::bail!("the shipped infection theme is not configured");
    };
    let from = year.0 - 9;
    println!(
        "thematic report `{}` over ten years ({from} to {}), milliseconds p50 / p95 / p99:",
        theme.key, year.0
    );
    for basis in [Counting::Died, Counting::Reviewed] {
        let t = thematic::Theme { years: 10, basis, ..theme.clone() };
        let mut raw = Vec::new();
        let mut matched = 0;
        for i in 0..runs + 5 {
            let started = Instant::now();
            let data = thematic::gather(&state.db, &t, year, ids).await?;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            matched = data.per_year.iter().map(|(_, n)| n).sum::<u64>();
            if i >= 5 {
                raw.push(ms);
            }
        }
        let urls: Vec<String> = (0..runs)
            .map(|_| {
                format!(
                    "{base_url}/reports/themes/{}?from={from}&year={}&mode=internal&basis={}",
                    theme.key,
                    year.0,
                    basis.code()
                )
            })
            .collect();
        let _ = time_gets(client, &urls[..5]).await?;
        let page = summary(time_gets(client, &urls).await?);
        let raw = summary(raw);
        println!(
            "  {} ({matched} matching): page {:.1} / {:.1} / {:.1}  (target p95 < 500 on PostgreSQL); raw SQL {:.1} / {:.1} / {:.1}; ratio of p95s {:.2}",
            basis.label().to_lowercase(),
            page.0,
            page.1,
            page.2,
            raw.0,
            raw.1,
            raw.2,
            page.1 / raw.1.max(0.001)
        );
    }
    Ok(())
}
