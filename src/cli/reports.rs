//! `cdop reports annual --year 2025 …`, `cdop reports theme KEY [--from Y] --to Y …`, `cdop
//! reports saved ID …` and `cdop reports list`: the annual, thematic and saved reports written to
//! a file, the same figures as the page and the API. Every report written is audited.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::dates::ReportingYear;
use crate::forms::Registry;
use crate::reports::annual::{self, Params, Report};
use crate::reports::files::{Format, file};
use crate::reports::table::Mode;
use crate::reports::thematic::{self, Counting, Theme, catalogue};
use crate::store::{self, Db, areas, audit, saved_reports};

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// The annual report for one reporting year, for one or several areas combined.
    Annual {
        /// The reporting year, by the year it starts: 2025 (or 2025/26) is 1 April 2025 to 31 March 2026.
        #[arg(long)]
        year: String,
        #[command(flatten)]
        out: Output,
    },
    /// A predefined thematic report (`cdop reports list` names them) over a window of years.
    Theme {
        /// The theme's key, as `cdop reports list` shows it.
        key: String,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        out: Output,
    },
    /// A saved ad-hoc report, by its number (`cdop reports list`), over its own area.
    Saved {
        id: i64,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        out: Output,
    },
    /// The thematic and saved reports there are, with their keys and numbers.
    List,
}

/// The window of a thematic or saved report.
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// The window's last reporting year (2025 or 2025/26).
    #[arg(long)]
    to: String,
    /// The window's first reporting year (internal versions; without it, the report's own number
    /// of years). A published version covers one of its fixed windows.
    #[arg(long)]
    from: Option<String>,
    /// What to count: died (deaths in the period, by the month of death, once reviewed) or
    /// reviewed (reviews signed off in the period). Without it: the report's own.
    #[arg(long)]
    basis: Option<String>,
}

/// Which areas, which version, which format and where.
#[derive(Debug, Args)]
pub struct Output {
    /// An area by name; repeat it to combine several. Without it: every area.
    #[arg(long = "area", value_name = "NAME")]
    areas: Vec<String>,
    /// The published version: small numbers suppressed under `reports.suppress_*`.
    #[arg(long)]
    published: bool,
    /// html (one self-contained page), pdf, csv (a zip of one CSV file per table) or xlsx.
    #[arg(long, default_value = "html")]
    format: String,
    /// Where to write the report; its extension, if any, must be the format's (.html, .pdf,
    /// .zip for csv, .xlsx).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

/// A reporting year given as `flag`: strict, and not one that has not started.
fn year(flag: &str, given: &str, current: ReportingYear) -> Result<ReportingYear, CliError> {
    let year = ReportingYear::parse(given).ok_or_else(|| {
        fail(format!(
            "{flag} {given}: give a reporting year by the year it starts, like {0} or {current} (also {1}-{2:02}); a second year must follow the first",
            current.0,
            current.0,
            (current.0 + 1) % 100
        ))
    })?;
    if year > current {
        return Err(fail(format!(
            "{flag} {given}: that reporting year has not started; the latest is {current}"
        )));
    }
    Ok(year)
}

/// The format, checked against the output file's extension.
fn format(out: &Output) -> Result<Format, CliError> {
    let format = Format::parse(&out.format)
        .ok_or_else(|| fail(format!("--format {}: choose html, pdf, csv or xlsx", out.format)))?;
    if let Some(ext) = out.out.extension().and_then(|e| e.to_str())
        && !ext.eq_ignore_ascii_case(format.extension())
    {
        let what = if format == Format::Csv { "a zip of one CSV file per table" } else { "a file" };
        return Err(fail(format!(
            "--out {}: --format {} writes {what} ending .{}; name it {}",
            out.out.display(),
            format.code(),
            format.extension(),
            out.out.with_extension(format.extension()).display()
        )));
    }
    Ok(format)
}

/// The areas named (every area without a name).
async fn chosen_areas(db: &Db, names: &[String]) -> Result<Vec<(i64, String)>, CliError> {
    let all = areas::list(db).await.map_err(|e| fail(e.to_string()))?;
    if names.is_empty() {
        return Ok(all.iter().map(|a| (a.id, a.name.clone())).collect());
    }
    let mut chosen = Vec::new();
    for n in names {
        let a = all.iter().find(|a| a.name.eq_ignore_ascii_case(n.trim())).ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
            fail(format!("--area {n}: no such area (areas: {})", known.join(", ")))
        })?;
        chosen.push((a.id, a.name.clone()));
    }
    Ok(chosen)
}

/// What every report shares: the checked arguments, the forms and the database.
struct Setup {
    db: Db,
    forms: Registry,
    format: Format,
    params: Params,
    current: ReportingYear,
}

async fn setup(loaded: &LoadedConfig, out: &Output) -> Result<Setup, CliError> {
    let format = format(out)?;
    let (forms, _) = crate::app::load_forms(loaded)?;
    let db = store::connect_current(loaded).await?;
    let today = chrono::Utc::now().date_naive();
    let mode = if out.published {
        Mode::Published(crate::reports::disclosure::Rule::from(&loaded.config.reports))
    } else {
        Mode::Internal
    };
    let params = Params {
        year: ReportingYear::of(today),
        areas: chosen_areas(&db, &out.areas).await?,
        mode,
        rate_rule: crate::reports::rates::RateRule::from(&loaded.config.reports),
        generated_on: today,
    };
    Ok(Setup { db, forms, format, params, current: ReportingYear::of(today) })
}

/// Writes the report, audits it (`which` report, its years, areas, version and format) and says
/// what was written.
async fn write(s: &Setup, out: &Output, report: &Report, which: &str, years: &str) -> CliResult {
    let bytes = file(report, s.format).map_err(|e| fail(format!("the report could not be written: {e}")))?;
    std::fs::write(&out.out, &bytes).map_err(|e| fail(format!("{}: {e}", out.out.display())))?;
    audit::append(
        &s.db,
        &AuditEvent::new(Actor::Cli, AuditAction::ReportDownloaded, "report", which).details(format!(
            "{years}&areas={}&mode={}&format={}",
            s.params.areas.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(","),
            if out.published { "published" } else { "internal" },
            s.format.extension()
        )),
    )
    .await
    .map_err(|e| fail(e.to_string()))?;
    println!(
        "Wrote the {} version of {}{}, for {} to {} ({} bytes){}.",
        if out.published { "published" } else { "internal" },
        report.title,
        if report.title.contains(&report.year) { String::new() } else { format!(", {}", report.year) },
        report.areas,
        out.out.display(),
        bytes.len(),
        if out.published { format!("; {} figures suppressed", report.suppressed) } else { String::new() }
    );
    Ok(())
}

/// Runs a thematic or saved report over the window asked for and writes it.
async fn theme(
    mut s: Setup,
    out: &Output,
    window: &WindowArgs,
    theme: &Theme,
    earlier: &[Theme],
) -> CliResult {
    let to = year("--to", &window.to, s.current)?;
    let from = window.from.as_deref().map(|f| year("--from", f, s.current)).transpose()?;
    let basis = match window.basis.as_deref() {
        None => theme.basis,
        Some(b) => Counting::parse(b)
            .ok_or_else(|| fail(format!("--basis {b}: choose died (deaths in the period) or reviewed (reviews completed in the period)")))?,
    };
    let mut w = catalogue::window(theme, from, to, &s.params.mode).map_err(|e| {
        let (flag, value) = match &window.from {
            Some(f) => ("--from", f.as_str()),
            None => ("--to", window.to.as_str()),
        };
        fail(format!("{flag} {value}: {e}"))
    })?;
    w.theme.basis = basis;
    if !w.notice.is_empty() {
        println!("{}", w.notice);
    }
    s.params.year = w.year;
    let report = thematic::run(&s.db, &s.forms, &w.theme, &s.params, earlier)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let first = thematic::first_year(&w.theme, w.year).0;
    let which = format!("theme:{}", theme.key);
    write(&s, out, &report, &which, &format!("from={first}&year={}&basis={}", w.year.0, basis.code())).await
}

pub async fn run(loaded: LoadedConfig, command: ReportsCommand) -> CliResult {
    match command {
        ReportsCommand::Annual { year: given, out } => {
            let mut s = setup(&loaded, &out).await?;
            s.params.year = year("--year", &given, s.current)?;
            let report = annual::run(&s.db, &s.forms, &s.params).await.map_err(|e| fail(e.to_string()))?;
            write(&s, &out, &report, "annual", &format!("year={}", s.params.year.0)).await
        }
        ReportsCommand::Theme { key, window, out } => {
            let s = setup(&loaded, &out).await?;
            let themes = crate::app::load_themes(&loaded, &s.forms)?;
            let Some((t, earlier)) = catalogue::predefined(&themes, &key) else {
                let keys: Vec<&str> = themes.iter().map(|t| t.key.as_str()).collect();
                return Err(fail(format!("{key}: no such theme (themes: {})", keys.join(", "))));
            };
            theme(s, &out, &window, t, earlier).await
        }
        ReportsCommand::Saved { id, window, out } => {
            let mut s = setup(&loaded, &out).await?;
            let (saved, t) =
                catalogue::find_saved(&s.db, id).await.map_err(|e| fail(e.to_string()))?.ok_or_else(
                    || fail(format!("{id}: no such saved report (`cdop reports list` names them)")),
                )?;
            // A saved report runs over its own area, or every area.
            if let Some(area) = saved.area_id {
                if !out.areas.is_empty() && (s.params.areas.len() != 1 || s.params.areas[0].0 != area) {
                    return Err(fail(format!(
                        "--area: the saved report {id} belongs to one area; leave --area out"
                    )));
                }
                // Every area was chosen (or that one alone): keep the report's.
                s.params.areas.retain(|(a, _)| *a == area);
            }
            let themes = crate::app::load_themes(&loaded, &s.forms)?;
            let earlier =
                catalogue::earlier_than_saved(&s.db, &themes, id).await.map_err(|e| fail(e.to_string()))?;
            theme(s, &out, &window, &t, &earlier).await
        }
        ReportsCommand::List => {
            let (forms, _) = crate::app::load_forms(&loaded)?;
            let themes = crate::app::load_themes(&loaded, &forms)?;
            let db = store::connect_current(&loaded).await?;
            println!("Thematic reports (cdop reports theme KEY --to YEAR):");
            for t in &themes {
                println!("  {:<24} {} ({} years)", t.key, t.title, t.years);
            }
            let saved = saved_reports::list(&db).await.map_err(|e| fail(e.to_string()))?;
            if !saved.is_empty() {
                println!("Saved reports (cdop reports saved ID --to YEAR):");
            }
            let names = areas::list(&db).await.map_err(|e| fail(e.to_string()))?;
            for s in saved.iter() {
                let Some(t) = catalogue::saved_theme(s) else { continue };
                let area = match s.area_id {
                    Some(a) => names.iter().find(|n| n.id == a).map(|n| n.name.clone()).unwrap_or_default(),
                    None => "every area".into(),
                };
                println!("  {:<24} {} ({} years, {area})", s.id, t.title, t.years);
            }
            Ok(())
        }
    }
}
