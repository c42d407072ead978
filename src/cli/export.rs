//! `cdop export dataset --from 2023 --to 2025 [--area NAME]… --recipient NAME [--full] --out FILE`:
//! the statutory dataset for the national database. Anonymised: a zip of CSV files (cases, the
//! analyses' and forms' coded answers, a data dictionary) with a pseudonymous case key stable for
//! the recipient. Full: the same plus the identities, written only as an age ciphertext to the
//! recipient's public key (`exports.recipients`); the plaintext never reaches the disk. Audited.

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::crypto::{envelope, keys};
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::notification::SealedIdentity;
use crate::reports::csv;
use crate::store::{self, areas, audit, dataset};

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
    let Some(target) = configured.iter().find(|r| r.name == recipient) else {
        let known: Vec<&str> = configured.iter().map(|r| r.name.as_str()).collect();
        return Err(fail(if known.is_empty() {
            format!(
                "--recipient {recipient}: no export recipients are configured (add one under [exports] recipients)"
            )
        } else {
            format!("--recipient {recipient}: not configured (recipients: {})", known.join(", "))
        }));
    };
    let public: age::x25519::Recipient =
        target.recipient.trim().parse().map_err(|_| fail("the recipient's key is not an age1 recipient"))?;
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
    let err = |e: store::StoreError| fail(e.to_string());
    let cases = dataset::cases(&db, from, to, &ids).await.map_err(err)?;
    let analysis = dataset::analysis_answers(&db, from, to, &ids).await.map_err(err)?;
    let forms = dataset::form_answers(&db, from, to, &ids).await.map_err(err)?;
    let key = |id: i64| keys.index.pseudonym(&target.name, id);
    let mut files = crate::reports::dataset::anonymised(&cases, &analysis, &forms, &key, &registry).0;
    let bytes = if full {
        let mut identities = csv::row(&[
            "case_key",
            "reference",
            "given_names",
            "family_name",
            "other_names",
            "date_of_birth",
            "nhs_number",
            "address",
            "postcode",
            "gp_practice",
            "date_of_death",
            "time_of_death",
            "place_of_death",
        ]);
        for (id, reference, sealed) in dataset::sealed(&db, from, to, &ids).await.map_err(err)? {
            let plain = keys.keyring.open(&sealed).map_err(|e| fail(format!("case {reference}: {e}")))?;
            let i: SealedIdentity =
                serde_json::from_slice(&plain).map_err(|e| fail(format!("case {reference}: {e}")))?;
            let c = &i.child;
            identities.push_str(&csv::row(&[
                &key(id),
                &reference,
                &c.given_names,
                &c.family_name,
                &c.other_names,
                &c.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
                &c.nhs_number.replace(' ', ""),
                &c.address,
                &c.postcode,
                &c.gp_practice,
                &i.death.date_of_death.to_string(),
                &i.death.time_of_death,
                &i.death.place_detail,
            ]));
        }
        files.push(("identities.csv".into(), identities));
        let zip = crate::reports::files::zip_files(&files).map_err(|e| fail(e.to_string()))?;
        envelope::seal_to(&public, &[], &zip).map_err(|e| fail(e.to_string()))?
    } else {
        crate::reports::files::zip_files(&files).map_err(|e| fail(e.to_string()))?
    };
    std::fs::write(&out, &bytes).map_err(|e| fail(format!("{}: {e}", out.display())))?;
    let variant = if full { "full" } else { "anonymised" };
    audit::append(
        &db,
        &AuditEvent::new(Actor::Cli, AuditAction::DatasetExported, "dataset", &target.name)
            .details(format!("variant={variant} years={from}-{to} areas={ids:?} cases={}", cases.len())),
    )
    .await
    .map_err(|e| fail(e.to_string()))?;
    println!(
        "Wrote the {variant} dataset for {} ({} cases, reporting years {from} to {to}) to {}{}.",
        target.name,
        cases.len(),
        out.display(),
        if full { ", encrypted to the recipient's age key (open it with `age -d -i IDENTITY`)" } else { "" }
    );
    Ok(())
}
