//! `cdop export dataset --from 2023 --to 2025 [--area NAME]… --recipient NAME [--full] --out FILE`:
//! the statutory dataset for the national database. Anonymised: a zip of CSV files (cases, the
//! analyses' and forms' coded answers, a data dictionary) with a pseudonymous case key stable for
//! the recipient. Full: the same plus the identities, written only as an age ciphertext to the
//! recipient's public key (`exports.recipients`); the plaintext never reaches the disk. Audited.

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::crypto::keys;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::exports::dataset::Choice;
use crate::store::{self, areas, audit};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The statutory dataset: every case notified from `--from` to `--to` (reporting years).
    Dataset {
        #[arg(long, value_name = "YEAR")]
        from: i32,
        #[arg(long, value_name = "YEAR")]
        to: i32,
        /// An area by name; repeat for several. Without it: every area.
        #[arg(long = "area", value_name = "NAME")]
        areas: Vec<String>,
        /// A recipient named under `exports.recipients`.
        #[arg(long)]
        recipient: String,
        /// Include the identifiers (sealed to the recipient).
        #[arg(long)]
        full: bool,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

pub async fn run(loaded: LoadedConfig, command: ExportCommand) -> CliResult {
    let ExportCommand::Dataset { from, to, areas: names, recipient, full, out } = command;
    if from > to || !(1990..=2200).contains(&from) || !(1990..=2200).contains(&to) {
        return Err(fail(format!(
            "--from {from} --to {to}: give reporting years such as --from 2023 --to 2025"
        )));
    }
    let configured = &loaded.config.exports.recipients;
    // Checked before anything is read.
    crate::exports::dataset::recipient(configured, &recipient)
        .map_err(|e| fail(format!("--recipient {e}")))?;
    let db = store::connect_current(&loaded).await?;
    let (registry, _) = crate::app::load_forms(&loaded)?;
    let keys = keys::load(&loaded.config).map_err(|e| fail(e.to_string()))?;
    let all = areas::list(&db).await.map_err(|e| fail(e.to_string()))?;
    let mut ids = Vec::new();
    for n in &names {
        let a = all
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(n.trim()))
            .ok_or_else(|| fail(format!("--area {n}: no such area")))?;
        ids.push(a.id);
    }
    if names.is_empty() {
        ids = all.iter().map(|a| a.id).collect();
    }
    let choice = Choice { from, to, areas: ids, recipient, full };
    let (bytes, cases) =
        crate::exports::dataset::build(&db, &registry, &keys, configured, &choice, &mut |_, _| {}).await?;
    std::fs::write(&out, &bytes).map_err(|e| fail(format!("{}: {e}", out.display())))?;
    let variant = choice.variant();
    audit::append(
        &db,
        &AuditEvent::new(Actor::Cli, AuditAction::DatasetExported, "dataset", &choice.recipient)
            .details(format!("variant={variant} years={from}-{to} areas={:?} cases={cases}", choice.areas)),
    )
    .await
    .map_err(|e| fail(e.to_string()))?;
    println!(
        "Wrote the {variant} dataset for {} ({} cases, reporting years {from} to {to}) to {}{}.",
        choice.recipient,
        cases,
        out.display(),
        if full { ", encrypted to the recipient's age key (open it with `age -d -i IDENTITY`)" } else { "" }
    );
    Ok(())
}
