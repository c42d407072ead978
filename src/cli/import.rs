//! `cdop import reviews FILE --area NAME [--skip-invalid] [--dry-run] [--ignore-unknown-columns]`: historical reviews from a
//! panel's previous system (the columns are in the README, "Importing historical reviews").
//! The file is checked as a whole first: any problem refuses it, naming each line and column,
//! unless `--skip-invalid` imports the clean rows and lists the others. Running it again with the
//! same file adds nothing.

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::domain::audit::Actor;
use crate::domain::lines::Problem;
use crate::historical::{self, ImportError, Options};
use crate::store::areas;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Historical reviews (CSV, one row per child death, reviewed or still open).
    Reviews {
        file: PathBuf,
        /// The area the records belong to.
        #[arg(long, value_name = "NAME")]
        area: String,
        /// Import the clean rows and list the rows left out, instead of refusing the file.
        #[arg(long)]
        skip_invalid: bool,
        /// Check the file and say what would be imported; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Leave out columns that are not known (naming them) instead of refusing the file.
        #[arg(long)]
        ignore_unknown_columns: bool,
    },
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

/// At most this many problems are printed (the count is always given).
const SHOWN: usize = 200;

fn listed(problems: &[Problem]) -> String {
    let mut lines: Vec<String> = problems.iter().take(SHOWN).map(|p| format!("  {p}")).collect();
    if problems.len() > SHOWN {
        lines.push(format!("  … and {} more", problems.len() - SHOWN));
    }
    lines.join("\n")
}

pub async fn run(loaded: LoadedConfig, command: ImportCommand) -> CliResult {
    let ImportCommand::Reviews { file, area, skip_invalid, dry_run, ignore_unknown_columns } = command;
    let text = std::fs::read(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let text = String::from_utf8(text).map_err(|_| {
        fail(format!("{}: not UTF-8 text; save the spreadsheet as CSV UTF-8", file.display()))
    })?;
    let state = super::migrated_context(&loaded).await?;
    let all = areas::list(&state.db).await.map_err(anyhow::Error::from)?;
    let area = all
        .into_iter()
        .find(|a| a.name.eq_ignore_ascii_case(area.trim()))
        .ok_or_else(|| fail(format!("--area {area}: no such area")))?;
    let options = Options { skip_invalid, dry_run, ignore_unknown: ignore_unknown_columns };
    let outcome = match historical::import(&state, &text, &area, options, Actor::Cli).await {
        Ok(o) => o,
        Err(ImportError::Refused(problems)) => {
            return Err(fail(format!(
                "{}: nothing was imported; {} problem(s) (fix them, or use --skip-invalid to import the other rows):\n{}",
                file.display(),
                problems.len(),
                listed(&problems)
            )));
        }
        Err(ImportError::Other(e)) => return Err(CliError::Failed(e)),
    };
    if !dry_run {
        // Statistics for the new rows, and (SQLite) the write-ahead log folded back, so the
        // reports that follow an import are as fast as before it.
        crate::store::optimize(&state.db).await;
    }
    if !outcome.ignored.is_empty() {
        println!("Left out the columns that are not known: {}.", outcome.ignored.join(", "));
    }
    if !outcome.skipped.is_empty() {
        println!(
            "Skipped {} row(s) with problems ({} {}):\n{}",
            outcome.skipped.len(),
            if outcome.skipped.len() == 1 { "line" } else { "lines" },
            outcome.skipped.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            listed(&outcome.problems)
        );
    }
    let verb = if dry_run { "Would import" } else { "Imported" };
    println!(
        "{verb} {} record(s) into {} ({} with a completed review{}{}); {} already imported, left as they were; {} row(s) read.",
        outcome.imported.len(),
        area.name,
        outcome.reviews,
        if outcome.legacy > 0 {
            format!(
                ", {} of them completed before April 2019 and recorded on the legacy Analysis Form",
                outcome.legacy
            )
        } else {
            String::new()
        },
        if outcome.duplicates > 0 {
            format!(", {} flagged as possible duplicates for a coordinator to check", outcome.duplicates)
        } else {
            String::new()
        },
        outcome.already.len(),
        outcome.rows,
    );
    if let (Some(first), Some(last)) = (outcome.imported.first(), outcome.imported.last())
        && !dry_run
    {
        println!("Case references {} to {}.", first.1, last.1);
    }
    Ok(())
}
