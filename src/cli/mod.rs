//! The `cdop` command line: argument definitions and dispatch. Each command group has its own
//! module; all of them go through the same library code as the web service.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError, LoadedConfig};

mod demo;
mod export;
mod import;
mod keys;
mod migrate;
mod reference;
mod reports;
mod retention;
mod serve;
mod users;

#[derive(Debug, Parser)]
#[command(
    name = "cdop",
    version,
    about = "Case management for a Child Death Overview Panel (England)",
    long_about = "Case management for a Child Death Overview Panel (England).\n\n\
        Configuration is layered: built-in defaults, config/default.toml, the file given by \
        --config or CDOP_CONFIG, then environment variables CDOP__SECTION__KEY \
        (e.g. CDOP__DATABASE__URL). Exit codes: 0 success, 1 failure, 2 invalid configuration \
        or usage."
)]
pub struct Cli {
    /// A TOML configuration file layered over the defaults (also: CDOP_CONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (applies pending migrations unless database.auto_migrate = false).
    Serve {
        /// On first run, the name of the first area (the partnership this panel serves). Without
        /// it, an interactive terminal is asked; otherwise it is called "Default area".
        #[arg(long, value_name = "NAME")]
        area: Option<String>,
    },
    /// Apply pending database migrations; `cdop migrate status` lists applied and pending ones.
    Migrate {
        #[command(subcommand)]
        action: Option<migrate::MigrateAction>,
    },
    /// Print the effective configuration with secrets redacted; exits 2 when it is invalid.
    CheckConfig,
    /// Manage user accounts.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Manage API tokens.
    Tokens {
        #[command(subcommand)]
        command: users::TokensCommand,
    },
    /// Manage the areas the panel serves.
    Areas {
        #[command(subcommand)]
        command: users::AreasCommand,
    },
    /// Manage the keys that seal case data.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Case data tools.
    Cases {
        #[command(subcommand)]
        command: keys::CasesCommand,
    },
    /// Reference data (deprivation lookup).
    Reference {
        #[command(subcommand)]
        command: reference::ReferenceCommand,
    },
    /// Reports: `cdop reports annual --year 2025 --format html --out report.html`.
    Reports {
        #[command(subcommand)]
        command: reports::ReportsCommand,
    },
    /// The statutory dataset export: `cdop export dataset --from 2023 --to 2025 --recipient ncmd --out FILE`.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Historical reviews from a previous system: `cdop import reviews FILE --area NAME`.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Retention: `cdop retention sweep [--dry-run]`, `cdop retention destroy`, `cdop retention status`.
    Retention {
        #[command(subcommand)]
        command: retention::RetentionCommand,
    },
    /// Synthetic demonstration data.
    Demo {
        #[command(subcommand)]
        command: demo::DemoCommand,
    },
    /// Form definitions: `cdop forms check` loads and checks every file under forms.dir.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check the record: `cdop check dates` lists cases whose statutory dates are out of order.
    Check {
        #[command(subcommand)]
        command: CheckCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// List every case whose recorded dates are out of order (death, notification, CDRM, panel,
    /// sign-off, closure; nothing held in the future), by case reference (exit 1 if any).
    Dates,
}

#[derive(Debug, Subcommand)]
pub enum FormsCommand {
    /// Load and check every form definition; list forms and versions (exit 2 naming each fault).
    Check,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first broken link (exit 1 if any).
    Verify,
}

/// How a command failed: configuration problems exit with 2, everything else with 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Invalid form definitions (exit 2, like any configuration fault).
    #[error("{0}")]
    Forms(String),
    #[error("{0:#}")]
    Failed(#[from] anyhow::Error),
}

impl From<crate::app::StartupError> for CliError {
    fn from(e: crate::app::StartupError) -> Self {
        match e {
            crate::app::StartupError::Config(c) => CliError::Config(c),
            e @ crate::app::StartupError::Forms(_) => CliError::Forms(e.to_string()),
            crate::app::StartupError::Other(o) => CliError::Failed(o),
        }
    }
}

pub type CliResult = Result<(), CliError>;

/// `cdop check dates`: each case whose dates are out of order, with what is wrong; exit 1 if any.
async fn check_dates(loaded: &LoadedConfig) -> CliResult {
    let cx = migrated_context(loaded).await?;
    let found = crate::review::dates::check(&cx.db, cx.clock.today()).await.map_err(anyhow::Error::from)?;
    for (reference, problems) in &found {
        for p in problems {
            println!("{reference}: {p}");
        }
    }
    if found.is_empty() {
        println!("Every case's dates are in order.");
        return Ok(());
    }
    Err(CliError::Failed(anyhow::anyhow!(
        "{} with dates out of order",
        crate::words::count(found.len() as i64, "case", "cases")
    )))
}

/// `cdop forms check`: every file is read and checked; the forms and versions are listed.
fn forms_check(loaded: &LoadedConfig) -> CliResult {
    let (registry, source) = crate::app::load_forms(loaded)?;
    let today = chrono::Utc::now().date_naive();
    for (code, versions) in registry.forms() {
        let current = registry.current(code, today).map(|v| v.version.clone()).unwrap_or_default();
        for v in versions {
            let mark = if v.version == current {
                "current"
            } else if v.legacy {
                "legacy"
            } else {
                ""
            };
            println!(
                "{:<24} {:<16} from {}  {:>3} questions  {:>3} unconfirmed  {}",
                code,
                v.version,
                v.applies_from,
                v.question_count(),
                v.unconfirmed(),
                mark
            );
        }
    }
    println!("form definitions OK: {source}");
    Ok(())
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> ExitCode {
    let loaded = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&loaded.config.log);
    // One TLS crypto provider for the whole process (SMTP and PostgreSQL TLS).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(cli.command, loaded));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Config(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(CliError::Forms(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(CliError::Failed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command, loaded: LoadedConfig) -> CliResult {
    match command {
        Command::Serve { area } => serve::run(loaded, area).await,
        Command::Migrate { action } => migrate::run(loaded, action).await,
        Command::Users { command } => users::users(loaded, command).await,
        Command::Tokens { command } => users::tokens(loaded, command).await,
        Command::Areas { command } => users::areas_cmd(loaded, command).await,
        Command::Keys { command } => keys::keys_cmd(loaded, command).await,
        Command::Cases { command } => keys::cases_cmd(loaded, command).await,
        Command::Reference { command } => reference::run(loaded, command).await,
        Command::Demo { command } => demo::run(loaded, command).await,
        Command::Reports { command } => reports::run(loaded, command).await,
        Command::Export { command } => export::run(loaded, command).await,
        Command::Import { command } => import::run(loaded, command).await,
        Command::Retention { command } => retention::run(loaded, command).await,
        Command::Audit { command: AuditCommand::Verify } => users::audit_verify(loaded).await,
        Command::Forms { command: FormsCommand::Check } => forms_check(&loaded),
        Command::Check { command: CheckCommand::Dates } => check_dates(&loaded).await,
        Command::CheckConfig => {
            // Reaching the database is part of a valid configuration.
            crate::store::check(&loaded).await?;
            print!("{}", loaded.describe());
            Ok(())
        }
    }
}

/// The first admin account's one-time password: printed once, to the console only (stored as a
/// hash), by whichever command created it.
/// The service context for a command that needs the database as migrated: refused, with the
/// way out, while migrations are pending.
pub async fn migrated_context(loaded: &LoadedConfig) -> Result<crate::context::Context, CliError> {
    let cx = crate::app::prepare(loaded).await?;
    let pending = crate::store::pending_migrations(&cx.db).await.map_err(anyhow::Error::from)?;
    if !pending.is_empty() {
        return Err(CliError::Failed(anyhow::anyhow!(
            "the database has {} pending migration(s): run `cdop migrate` first",
            pending.len()
        )));
    }
    Ok(cx)
}

pub fn print_first_admin(admin: &crate::accounts::areas::BootstrapAdmin) {
    println!("First run: created the admin account.");
    println!("  email:    {}", admin.email);
    println!("  password: {}  (one-time: you choose your own at first sign-in)", admin.one_time_password);
    println!("  area:     {} (rename it under Admin → Areas)", admin.area);
}
