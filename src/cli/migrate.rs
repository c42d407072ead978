//! `cdop migrate` and `cdop migrate status`.

use clap::Subcommand;

use crate::cli::CliResult;
use crate::config::LoadedConfig;
use crate::store;

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// List applied and pending migrations.
    Status,
}

pub async fn run(loaded: LoadedConfig, action: Option<MigrateAction>) -> CliResult {
    let db = store::connect(&loaded).await?;
    match action {
        Some(MigrateAction::Status) => {
            let status = store::migration_status(&db).await.map_err(anyhow::Error::from)?;
            let pending = status.iter().filter(|(_, applied)| !applied).count();
            for (name, applied) in &status {
                println!("{}  {name}", if *applied { "applied" } else { "pending" });
            }
            println!("{} applied, {pending} pending", status.len() - pending);
        }
        None => {
            let applied = store::migrate(&db).await.map_err(anyhow::Error::from)?;
            if applied.is_empty() {
                println!("Nothing to do: the database is up to date.");
            }
            for name in &applied {
                println!("applied  {name}");
            }
        }
    }
    db.close().await.map_err(anyhow::Error::from)?;
    Ok(())
}
