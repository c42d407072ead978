//! `cdop retention …`: the sweep that lists cases due into the destruction queue, carrying out
//! approved destructions, and a summary of where cases stand. Queueing and approval are done by
//! two admins in the browser (Admin → Retention); the command line never approves.

use std::time::Duration;

use chrono::NaiveDate;
use clap::Subcommand;

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::domain::audit::Actor;
use crate::store::{destruction, retention as stored};

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// List every case due (and not under a legal hold) into the destruction queue, as the daily
    /// job does. Due dates that changed are computed first.
    Sweep {
        /// Say what would be listed; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: the day to look from (YYYY-MM-DD), to see what falls due by then.
        #[arg(long, value_name = "DATE", requires = "dry_run")]
        as_of: Option<String>,
    },
    /// Carry out approved destructions now (the service's worker does this by itself). One
    /// transaction per case: an interrupted run is finished by running it again.
    Destroy {
        /// Stop after this many cases.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// Wait this long after each case (to watch, or to stop a run part-way in tests).
        #[arg(long, value_name = "MS", default_value_t = 0, hide = true)]
        pause_ms: u64,
    },
    /// Where cases stand: due dates known, waiting for a trigger, due, held, in the queue.
    Status,
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

pub async fn run(loaded: LoadedConfig, command: RetentionCommand) -> CliResult {
    let state = super::migrated_context(&loaded).await?;
    let today = state.clock.today();
    match command {
        RetentionCommand::Sweep { dry_run, as_of } => {
            let day = match as_of {
                Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map_err(|_| fail(format!("--as-of {s}: write the date as YYYY-MM-DD")))?,
                None => today,
            };
            let r = crate::retention::queue::sweep(&state, day, dry_run).await?;
            let verb = if dry_run { "would be listed" } else { "listed" };
            println!(
                "{} case(s) due by {day} {verb} in the destruction queue; {} due but under a legal hold.",
                r.listed.len(),
                r.held
            );
            if !r.listed.is_empty() {
                let shown: Vec<&str> = r.listed.iter().take(50).map(String::as_str).collect();
                println!("  {}{}", shown.join(", "), if r.listed.len() > 50 { ", …" } else { "" });
            }
            if r.stale > 0 {
                println!(
                    "{} case(s) have a due date still to compute (a policy or a trigger changed); {}",
                    r.stale,
                    if dry_run {
                        "run without --dry-run to compute them"
                    } else {
                        "the worker computes them"
                    }
                );
            }
            if !dry_run && !r.listed.is_empty() {
                println!("Next: an admin queues them at Admin → Retention, and a second admin approves.");
            }
            Ok(())
        }
        RetentionCommand::Destroy { limit, pause_ms } => {
            let r = crate::retention::destroy::destroy_approved(
                &state,
                Actor::Cli,
                limit,
                Duration::from_millis(pause_ms),
            )
            .await?;
            println!("{} destroyed.", crate::words::count(r.destroyed.len() as i64, "case", "cases"));
            for (reference, certificate) in &r.destroyed {
                println!("  {reference}: certificate {certificate}");
            }
            if !r.withdrawn.is_empty() {
                println!("{} withdrawn under a legal hold: {}", r.withdrawn.len(), r.withdrawn.join(", "));
            }
            let left = destruction::approved_ids(&state.db, 1).await.map_err(anyhow::Error::from)?;
            if !left.is_empty() {
                println!("Approved cases remain: run the same command again.");
            }
            Ok(())
        }
        RetentionCommand::Status => {
            let (known, waiting, due) =
                stored::due_counts(&state.db, today).await.map_err(anyhow::Error::from)?;
            let held = destruction::held_due(&state.db, today).await.map_err(anyhow::Error::from)?;
            let stale = stored::count_stale(&state.db).await.map_err(anyhow::Error::from)?;
            println!(
                "Cases with identifying data: {} with a due date, {} waiting for a trigger.",
                known, waiting
            );
            println!("Due by {today}: {due} ({held} under a legal hold). Due dates to compute: {stale}.");
            for (status, n) in destruction::counts(&state.db).await.map_err(anyhow::Error::from)?.0 {
                println!("  queue entries {status}: {n}");
            }
            Ok(())
        }
    }
}
