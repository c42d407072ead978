//! `cdop users …`, `cdop tokens create`, `cdop areas …`.

use std::io::Read;

use clap::Subcommand;

use crate::accounts::{self, FirstPassword, NewAccount};
use crate::cli::{CliError, CliResult};
use crate::clock::Clock;
use crate::config::LoadedConfig;
use crate::domain::email::EmailAddress;
use crate::domain::password::NewPassword;
use crate::domain::role::Role;
use crate::service::Acting;
use crate::store::{self, areas, audit, users};

/// The CLI's acts are audited as the CLI's.
const CLI: Acting<'static> = Acting::cli();

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user. Without --password-stdin a one-time password is printed, to be changed at
    /// first sign-in.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, coordinator, designated_doctor, panel_chair or panel_member (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<Role>,
        /// An area by name (repeatable).
        #[arg(long = "area")]
        areas: Vec<String>,
        /// Read the password from standard input (it must meet the password policy).
        #[arg(long)]
        password_stdin: bool,
        /// An integration account: no password, API tokens only.
        #[arg(long)]
        service_account: bool,
    },
    /// Disable a user (users are never deleted) and end their sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// List users with their roles, areas and status.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token for a user and print it (shown once).
    Create {
        #[arg(long)]
        email: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
        #[arg(long, default_value = "created with cdop tokens create")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// List areas.
    List,
    /// Add an area.
    Add { name: String },
}

fn fail(message: impl Into<String>) -> CliError {
    CliError::Failed(anyhow::anyhow!(message.into()))
}

pub async fn users(loaded: LoadedConfig, command: UsersCommand) -> CliResult {
    let db = store::connect(&loaded).await?;
    match command {
        UsersCommand::Create { email, name, roles, areas: area_names, password_stdin, service_account } => {
            let email = EmailAddress::parse(&email).map_err(|e| fail(format!("--email: {e}")))?;
            let name = crate::domain::text::one_line(&name, 200, "enter the person's full name", "the name")
                .map_err(|m| fail(format!("--name: {m}")))?;
            let all = areas::list(&db).await.map_err(anyhow::Error::from)?;
            let mut area_ids = Vec::new();
            for wanted in &area_names {
                match all.iter().find(|a| a.name.eq_ignore_ascii_case(wanted.trim())) {
                    Some(a) => area_ids.push(a.id),
                    None => {
                        let known = all.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ");
                        return Err(fail(format!("--area: no area named `{wanted}` (areas: {known})")));
                    }
                }
            }
            let password = if service_account {
                FirstPassword::None
            } else if password_stdin {
                let mut input = String::new();
                std::io::stdin().read_to_string(&mut input).map_err(anyhow::Error::from)?;
                let candidate = input.trim_end_matches(['\n', '\r']);
                let valid = NewPassword::parse(candidate, email.as_str())
                    .map_err(|e| fail(format!("password: {e}")))?;
                FirstPassword::Chosen(valid.expose().to_string())
            } else {
                FirstPassword::OneTime
            };
            let new = NewAccount { email, name, roles, area_ids, service_account, password };
            let created = accounts::create(&db, &CLI, new).await.map_err(|e| fail(e.to_string()))?;
            let (user, one_time) = (created.user, created.one_time_password);
            println!("Created user {} ({})", user.id, user.email);
            if let Some(p) = one_time {
                println!("One-time password: {p}  (to be changed at first sign-in)");
            }
        }
        UsersCommand::Disable { email } => {
            let user = users::find_by_email(&db, &email)
                .await
                .map_err(anyhow::Error::from)?
                .ok_or_else(|| fail(format!("no user with email {email}")))?;
            let ended =
                accounts::set_disabled(&db, &CLI, user.id, true).await.map_err(|e| fail(e.to_string()))?;
            println!(
                "Disabled {} and ended {}",
                user.email,
                crate::words::count(ended as i64, "session", "sessions")
            );
        }
        UsersCommand::List => {
            let all = areas::list(&db).await.map_err(anyhow::Error::from)?;
            println!("{:<6} {:<32} {:<28} {:<10} {:<40} areas", "id", "email", "name", "status", "roles");
            for s in users::list(&db).await.map_err(anyhow::Error::from)? {
                let status = if s.user.disabled {
                    "disabled"
                } else if s.user.service_account {
                    "service"
                } else {
                    "active"
                };
                let roles = s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
                let area_names = s
                    .area_ids
                    .iter()
                    .filter_map(|id| all.iter().find(|a| a.id == *id).map(|a| a.name.clone()))
                    .collect::<Vec<_>>()
                    .join(", ");
                println!(
                    "{:<6} {:<32} {:<28} {:<10} {:<40} {}",
                    s.user.id, s.user.email, s.user.name, status, roles, area_names
                );
            }
        }
    }
    db.close().await.map_err(anyhow::Error::from)?;
    Ok(())
}

pub async fn tokens(loaded: LoadedConfig, command: TokensCommand) -> CliResult {
    let db = store::connect(&loaded).await?;
    match command {
        TokensCommand::Create { email, expires_days, name } => {
            let user = users::find_by_email(&db, &email)
                .await
                .map_err(anyhow::Error::from)?
                .filter(|u| !u.disabled)
                .ok_or_else(|| fail(format!("no active user with email {email}")))?;
            let (token, _) = accounts::tokens::create(
                &db,
                &Clock::default(),
                &CLI,
                user.id,
                &name,
                expires_days.map(i64::from),
            )
            .await
            .map_err(|e| fail(e.to_string()))?;
            println!("{token}");
        }
    }
    db.close().await.map_err(anyhow::Error::from)?;
    Ok(())
}

pub async fn areas_cmd(loaded: LoadedConfig, command: AreasCommand) -> CliResult {
    let db = store::connect_current(&loaded).await?;
    match command {
        AreasCommand::List => {
            for a in areas::list(&db).await.map_err(anyhow::Error::from)? {
                println!("{:<6} {}", a.id, a.name);
            }
        }
        AreasCommand::Add { name } => {
            let area = accounts::areas::create(&db, &CLI, &name).await.map_err(|e| fail(e.to_string()))?;
            println!("Added area {} ({})", area.id, area.name);
        }
    }
    db.close().await.map_err(anyhow::Error::from)?;
    Ok(())
}

pub async fn audit_verify(loaded: LoadedConfig) -> CliResult {
    let db = store::connect(&loaded).await?;
    let report = audit::verify(&db).await.map_err(anyhow::Error::from)?;
    db.close().await.map_err(anyhow::Error::from)?;
    match report.broken {
        None => {
            println!("The audit trail is intact: {} events verified.", report.checked);
            Ok(())
        }
        Some(link) => Err(fail(format!(
            "the audit trail is broken at event {}: {} ({} events before it verified)",
            link.seq, link.reason, report.checked
        ))),
    }
}
