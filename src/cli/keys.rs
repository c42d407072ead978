//! `cdop keys generate|rotate|verify` and `cdop cases export-sealed`.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::crypto::envelope::{Keyring, new_identity_file, open_with};
use crate::crypto::keys;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::reference::CaseReference;
use crate::key_rotation as rotate;
use crate::store::{self, audit, cases, outbox};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new age X25519 identity file (mode 0600), like `age-keygen -o FILE`.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
    /// Re-seal every record to a new identity (plus the recovery recipients), verifying each.
    /// Resumable: run it again after an interruption and it continues where it stopped.
    Rotate {
        /// The new identity file (from `cdop keys generate` or `age-keygen`).
        #[arg(long)]
        new_identity: PathBuf,
        /// Records per transaction.
        #[arg(long, default_value_t = 500)]
        batch_size: u64,
        /// Re-seal at most this many records in this run (e.g. to spread a rotation over several
        /// maintenance windows); run again to continue.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Open every record with the configured identities and report any that fail (exit 1).
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Write a case's raw sealed record (binary age ciphertext) for opening with the `age` CLI and
    /// a recovery identity: `age -d -i recovery.txt record.age`.
    ExportSealed {
        reference: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

pub async fn keys_cmd(loaded: LoadedConfig, command: KeysCommand) -> CliResult {
    match command {
        KeysCommand::Generate { out } => {
            if out.exists() {
                return Err(fail(format!("{} already exists; refusing to overwrite a key", out.display())));
            }
            let (id, text) = new_identity_file();
            write_private(&out, &text)?;
            println!("Wrote {} (public key {})", out.display(), id.to_public());
            Ok(())
        }
        KeysCommand::Rotate { new_identity, batch_size, limit } => {
            let db = store::connect(&loaded).await?;
            let current = keys::load(&loaded.config).map_err(|e| fail(e.to_string()))?;
            let old = Keyring::load_identities(&current.identity_path).map_err(|e| fail(e.to_string()))?;
            let new = Keyring::load_identities(&new_identity)
                .map_err(|e| fail(format!("--new-identity: {e}")))?
                .remove(0);
            let recovery = current.keyring.recovery().to_vec();
            let total = rotate::count_not_sealed_to(&db, &new.to_public().to_string()).await?;
            println!("Re-sealing {total} record(s) to {} …", new.to_public());
            let report = rotate::rotate(&db, old, new.clone(), recovery, batch_size.max(1), limit, |r| {
                eprint!(
                    "\r  {} case(s), {} email(s), {} kept version(s), {} draft(s), {} form request(s), {} review record(s) re-sealed",
                    r.cases_resealed, r.mail_resealed, r.versions_resealed, r.drafts_resealed, r.forms_resealed, r.review_resealed
                );
            })
            .await?;
            eprintln!();
            audit::append_now(
                &db,
                &AuditEvent::new(Actor::Cli, AuditAction::KeysRotated, "keys", new.to_public().to_string())
                    .details(format!(
                        "cases={};mail={};versions={};drafts={};forms={};review={};failed={};remaining={}",
                        report.cases_resealed,
                        report.mail_resealed,
                        report.versions_resealed,
                        report.drafts_resealed,
                        report.forms_resealed,
                        report.review_resealed,
                        report.failed.len(),
                        report.remaining
                    )),
            )
            .await
            .map_err(anyhow::Error::from)?;
            db.close().await.map_err(anyhow::Error::from)?;
            println!(
                "Re-sealed {} case(s), {} unsent email(s), {} kept version(s), {} draft(s), {} form request(s) and {} review record(s); each verified to open with the new identity and not the old.",
                report.cases_resealed,
                report.mail_resealed,
                report.versions_resealed,
                report.drafts_resealed,
                report.forms_resealed,
                report.review_resealed
            );
            if report.remaining > 0 {
                println!("{} record(s) remain: run the same command again to continue.", report.remaining);
            }
            if !report.failed.is_empty() {
                return Err(fail(format!(
                    "{} record(s) could not be opened with the current identity and were left as they are: {}",
                    report.failed.len(),
                    report.failed.join(", ")
                )));
            }
            if report.remaining == 0 {
                println!(
                    "Rotation complete. Now make {} the service identity (crypto.identity_file), restart, and then retire the old key. \
                     Anything sealed by a running service since the rotation started is picked up by running this command once more.",
                    new_identity.display()
                );
            }
            Ok(())
        }
        KeysCommand::Verify => {
            let db = store::connect(&loaded).await?;
            let current = keys::load(&loaded.config).map_err(|e| fail(e.to_string()))?;
            let identities =
                Keyring::load_identities(&current.identity_path).map_err(|e| fail(e.to_string()))?;
            let key_id = current.keyring.key_id();
            let (mut opened, mut other_key, mut failed) = (0u64, 0u64, Vec::new());
            let mut after = 0;
            loop {
                let batch = cases::batch_after(&db, after, 1000).await.map_err(anyhow::Error::from)?;
                let Some(last) = batch.last() else { break };
                after = last.id;
                for c in &batch {
                    match open_with(&identities, &c.sealed) {
                        Ok(_) => opened += 1,
                        Err(_) => failed.push(c.reference.clone()),
                    }
                    if c.sealed_key != key_id {
                        other_key += 1;
                    }
                }
            }
            let mut after = 0;
            loop {
                let batch = outbox::unsent_after(&db, after, 1000).await.map_err(anyhow::Error::from)?;
                let Some(last) = batch.last() else { break };
                after = last.id;
                for m in &batch {
                    let Some(sealed) = &m.sealed_to else { continue };
                    match open_with(&identities, sealed) {
                        Ok(_) => opened += 1,
                        Err(_) => failed.push(format!("mail #{}", m.id)),
                    }
                }
            }
            let mut after = 0;
            loop {
                // Every request (no key is empty): its recipient and its answers.
                let batch = crate::store::form_requests::not_sealed_to(&db, "", after, 1000)
                    .await
                    .map_err(anyhow::Error::from)?;
                let Some(last) = batch.last() else { break };
                after = last.id;
                for r in &batch {
                    for sealed in std::iter::once(&r.recipient_sealed).chain(r.answers_sealed.as_ref()) {
                        match open_with(&identities, sealed) {
                            Ok(_) => opened += 1,
                            Err(_) => failed.push(format!("form request #{}", r.id)),
                        }
                    }
                }
            }
            let tables = [&crate::store::sealed::CASE_VERSIONS, &crate::store::sealed::DRAFTS];
            for t in tables.into_iter().chain(crate::store::sealed::TABLES) {
                let mut after = 0;
                loop {
                    let batch = crate::store::sealed::not_sealed_to(&db, t, "", after, 1000)
                        .await
                        .map_err(anyhow::Error::from)?;
                    let Some(last) = batch.last() else { break };
                    after = last.0;
                    for (id, sealed) in &batch {
                        match open_with(&identities, sealed) {
                            Ok(_) => opened += 1,
                            Err(_) => failed.push(format!("{} #{id}", t.label)),
                        }
                    }
                }
            }
            db.close().await.map_err(anyhow::Error::from)?;
            println!(
                "{} open with the configured identities.",
                crate::words::count(opened as i64, "record", "records")
            );
            if other_key > 0 {
                println!(
                    "{other_key} case(s) are sealed to an identity other than the first in the file (a rotation in progress?)."
                );
            }
            if failed.is_empty() {
                Ok(())
            } else {
                Err(fail(format!("{} record(s) do not open: {}", failed.len(), failed.join(", "))))
            }
        }
    }
}

fn write_private(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| fail(format!("{}: {e}", path.display())))?;
        f.write_all(text.as_bytes()).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    }
    #[cfg(not(unix))]
    std::fs::write(path, text).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    Ok(())
}

pub async fn cases_cmd(loaded: LoadedConfig, command: CasesCommand) -> CliResult {
    match command {
        CasesCommand::ExportSealed { reference, out } => {
            let reference = CaseReference::parse(&reference)
                .ok_or_else(|| fail(format!("`{reference}` is not a case reference like CDOP-2026-0042")))?;
            let db = store::connect(&loaded).await?;
            let case = cases::find_by_reference(&db, reference.as_str())
                .await
                .map_err(anyhow::Error::from)?
                .ok_or_else(|| fail(format!("no case {reference}")))?;
            if let Some(at) = case.destroyed_at {
                return Err(fail(format!(
                    "{reference}: its identifying data was destroyed on {} under the retention policy; there is nothing to export",
                    at.date_naive()
                )));
            }
            match &out {
                Some(path) => std::fs::write(path, &case.sealed)
                    .map_err(|e| fail(format!("{}: {e}", path.display())))?,
                None => std::io::stdout().write_all(&case.sealed).map_err(anyhow::Error::from)?,
            }
            audit::append_now(
                &db,
                &AuditEvent::new(Actor::Cli, AuditAction::CaseExportedSealed, "case", case.reference.clone())
                    .area(case.area_id),
            )
            .await
            .map_err(anyhow::Error::from)?;
            db.close().await.map_err(anyhow::Error::from)?;
            if let Some(path) = out {
                eprintln!(
                    "Wrote {} bytes to {}. Open it with: age -d -i RECOVERY_IDENTITY {}",
                    case.sealed.len(),
                    path.display(),
                    path.display()
                );
            }
            Ok(())
        }
    }
}
