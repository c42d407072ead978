//! `cdop reports annual --year 2025 [--area NAME]… [--published] --format html|pdf|csv|xlsx --out FILE`:
//! the annual report written to a file, the same figures as the page. Audited.

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::dates::ReportingYear;
use crate::reports::annual::{self, Params};
use crate::reports::files::{Format, file};
use crate::reports::table::Mode;
use crate::store::{self, areas, audit};

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// The annual report for one reporting year, for one or several areas combined.
    Annual {
        /// The reporting year, by the year it starts: 2025 (or 2025/26) is 1 April 2025 to 31 March 2026.
        #[arg(long)]
        year: String,
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
    },
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

pub async fn run(loaded: LoadedConfig, command: ReportsCommand) -> CliResult {
    let ReportsCommand::Annual { year, areas: names, published, format, out } = command;
    let current = ReportingYear::of(chrono::Utc::now().date_naive());
    let year = ReportingYear::parse(&year).ok_or_else(|| {
        fail(format!(
            "--year {year}: give a reporting year by the year it starts, like {0} or {current} (also {1}-{2:02}); a second year must follow the first",
            current.0,
            current.0,
            (current.0 + 1) % 100
        ))
    })?;
    if year > current {
        return Err(fail(format!(
            "--year {year}: that reporting year has not started; the latest is {current}"
        )));
    }
    let format = Format::parse(&format)
        .ok_or_else(|| fail(format!("--format {format}: choose html, pdf, csv or xlsx")))?;
    if let Some(ext) = out.extension().and_then(|e| e.to_str())
        && !ext.eq_ignore_ascii_case(format.extension())
    {
        let what = if format == Format::Csv { "a zip of one CSV file per table" } else { "a file" };
        return Err(fail(format!(
            "--out {}: --format {} writes {what} ending .{}; name it {}",
            out.display(),
            format.code(),
            format.extension(),
            out.with_extension(format.extension()).display()
        )));
    }
    let (forms, _) = crate::app::load_forms(&loaded)?;
    let db = store::connect_current(&loaded).await?;
    let all = areas::list(&db).await.map_err(|e| fail(e.to_string()))?;
    let chosen: Vec<(i64, String)> = if names.is_empty() {
        all.iter().map(|a| (a.id, a.name.clone())).collect()
    } else {
        let mut chosen = Vec::new();
        for n in &names {
            let a = all.iter().find(|a| a.name.eq_ignore_ascii_case(n.trim())).ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
                fail(format!("--area {n}: no such area (areas: {})", known.join(", ")))
            })?;
            chosen.push((a.id, a.name.clone()));
        }
        chosen
    };
    let mode = if published {
        Mode::Published(crate::reports::disclosure::Rule::from(&loaded.config.reports))
    } else {
        Mode::Internal
    };
    let params = Params {
        year,
        areas: chosen,
        mode,
        rate_rule: crate::reports::rates::RateRule::from(&loaded.config.reports),
        generated_on: chrono::Utc::now().date_naive(),
    };
    let report = annual::run(&db, &forms, &params).await.map_err(|e| fail(e.to_string()))?;
    let bytes = file(&report, format).map_err(|e| fail(format!("the report could not be written: {e}")))?;
    std::fs::write(&out, &bytes).map_err(|e| fail(format!("{}: {e}", out.display())))?;
    audit::append(
        &db,
        &AuditEvent::new(Actor::Cli, AuditAction::ReportDownloaded, "report", "annual").details(format!(
            "year={}&areas={}&mode={}&format={}",
            year.0,
            params.areas.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(","),
            if published { "published" } else { "internal" },
            format.extension()
        )),
    )
    .await
    .map_err(|e| fail(e.to_string()))?;
    println!(
        "Wrote the {} annual report {} for {} to {} ({} bytes){}.",
        if published { "published" } else { "internal" },
        year,
        report.areas,
        out.display(),
        bytes.len(),
        if published { format!("; {} figures suppressed", report.suppressed) } else { String::new() }
    );
    Ok(())
}
