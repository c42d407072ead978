//! Builds the application state and serves it. `cdop serve` and the integration tests both go
//! through [`prepare`] and [`serve`], so tests run the real application.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::{ConfigError, LoadedConfig};
use crate::context::Context;
use crate::crypto::envelope::CryptoError;
use crate::crypto::keys;
use crate::store;
use crate::web::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Form definitions that do not pass their checks: every fault, naming file and item.
    #[error("{}", forms_message(.0))]
    Forms(Vec<crate::forms::DefinitionError>),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

fn forms_message(errors: &[crate::forms::DefinitionError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    format!(
        "the form definitions (forms.dir) have {}:\n{}",
        crate::words::count(errors.len() as i64, "fault", "faults"),
        lines.join("\n")
    )
}

/// Loads and checks the form definitions: the files in `forms.dir`, or, when that is the default
/// `config/forms` and the service runs away from the repository, the same definitions built into
/// the binary. Also returns where they came from, in words.
pub fn load_forms(loaded: &LoadedConfig) -> Result<(crate::forms::Registry, String), StartupError> {
    let configured = &loaded.config.forms.dir;
    let dir = std::path::Path::new(configured);
    if dir.is_dir() {
        let registry = crate::forms::Registry::load_dir(dir).map_err(StartupError::Forms)?;
        return Ok((registry, format!("files in {configured}")));
    }
    if configured == crate::config::DEFAULT_FORMS_DIR {
        tracing::info!("no config/forms directory here: using the form definitions built into this binary");
        let registry = crate::forms::Registry::shipped().map_err(StartupError::Forms)?;
        return Ok((registry, "built into this binary (there is no config/forms directory here)".into()));
    }
    Err(StartupError::Config(loaded.error(
        "forms.dir",
        configured,
        "a directory of form definitions (a copy of the repository's config/forms)",
    )))
}

/// Loads and checks the thematic reports: `reports.themes_file`, or, when that is the default and
/// absent (the binary run away from the repository), the themes built into the binary. Every
/// code a theme names must be one of the current Analysis Form's or a notification code.
pub fn load_themes(
    loaded: &LoadedConfig,
    forms: &crate::forms::Registry,
) -> Result<Vec<crate::reports::thematic::Theme>, StartupError> {
    let configured = &loaded.config.reports.themes_file;
    let text = match std::fs::read_to_string(configured) {
        Ok(text) => text,
        Err(_) if configured == crate::config::DEFAULT_THEMES_FILE => {
            include_str!("../config/themes.toml").to_string()
        }
        Err(e) => {
            return Err(StartupError::Config(loaded.error(
                "reports.themes_file",
                configured,
                format!("a readable themes file ({e})"),
            )));
        }
    };
    let labels = crate::reports::annual::labels(forms, chrono::Utc::now().date_naive());
    let codes = crate::reports::thematic::definition::Codes {
        categories: &labels.categories,
        themes: &labels.themes,
        items: &labels.items,
    };
    crate::reports::thematic::definition::parse(&text, &codes).map_err(|faults| {
        StartupError::Config(loaded.error(
            "reports.themes_file",
            configured,
            format!("valid thematic reports; {}", faults.join("; ")),
        ))
    })
}

/// Connects to the database and applies pending migrations when `database.auto_migrate` is on.
pub async fn prepare(loaded: &LoadedConfig) -> Result<Context, StartupError> {
    let (forms, _) = load_forms(loaded)?;
    let themes = load_themes(loaded, &forms)?;
    let db = store::connect(loaded).await?;
    if loaded.config.database.auto_migrate {
        let applied = store::migrate(&db).await.map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
        for name in applied {
            tracing::info!(migration = %name, "applied migration");
        }
    }
    let keys = keys::load(&loaded.config).map_err(|e| key_error(loaded, e))?;
    if let Ok(p) = store::pending_migrations(&db).await
        && p.is_empty()
    {
        // First start: the configured retention policy (admins manage it afterwards).
        crate::retention::ensure_default_policy(&db, &loaded.config.retention).await?;
    }
    // Compute the dummy password hash now rather than during the first sign-in.
    tokio::task::spawn_blocking(crate::crypto::password::warm_up).await.map_err(anyhow::Error::from)?;
    Ok(Context::new(loaded.config.clone(), db, keys, forms, themes))
}

/// Key problems are configuration problems: name the key that points at the file.
fn key_error(loaded: &LoadedConfig, e: CryptoError) -> StartupError {
    match &e {
        CryptoError::KeyFile { path, reason } => {
            let key = if path.contains("index") || path == &loaded.config.crypto.index_key_file {
                "crypto.index_key_file"
            } else if path.starts_with("crypto.") {
                path.as_str()
            } else {
                "crypto.identity_file"
            };
            StartupError::Config(loaded.error(key, path.clone(), format!("a readable key file ({reason})")))
        }
        _ => StartupError::Other(anyhow::anyhow!(e.to_string())),
    }
}

/// Serves until `shutdown` completes, then stops accepting connections and lets in-flight
/// requests finish for up to `server.shutdown_grace_seconds` before closing the pool.
pub async fn serve(
    context: Context,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = AppState::new(context);
    serve_router(state.clone(), crate::web::router(state), listener, shutdown).await
}

/// [`serve`] with a router of the caller's making (see `web::router_with`).
pub async fn serve_router(
    state: AppState,
    router: axum::Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = Duration::from_secs(state.config.server.shutdown_grace_seconds);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mail_dir = state.config.data_path(&state.config.mail.file_dir, "mail");
    let transport = crate::mail::transport::Transport::from_config(&state.config.mail, mail_dir)?;
    let sender = tokio::spawn(crate::jobs::outbox::run(state.context.clone(), transport, stop_rx.clone()));
    tokio::spawn(crate::jobs::housekeeping::run(state.context.clone(), stop_rx.clone()));
    tokio::spawn(crate::jobs::reminders::run(state.context.clone(), stop_rx.clone()));
    tokio::spawn(crate::jobs::exports::run(state.context.clone(), stop_rx.clone()));
    tokio::spawn(crate::jobs::retention::run(state.context.clone(), stop_rx.clone()));
    let header_timeout = Duration::from_secs(state.config.server.header_timeout_seconds);
    if let Ok(addr) = state.config.server.metrics_bind.parse::<std::net::SocketAddr>() {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("server.metrics_bind: cannot listen on {addr}: {e}"))?;
        let mut stop = stop_rx.clone();
        let router = crate::web::metrics::router(state.context.clone());
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            crate::web::server::serve(listener, router, header_timeout, stopped, Duration::from_secs(1))
                .await;
        });
        tracing::info!(%addr, "metrics at /metrics");
    }
    let stopping = async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections; finishing requests in flight");
        let _ = stop_tx.send(true);
    };
    crate::web::server::serve(listener, router, header_timeout, stopping, grace).await;
    let sender_grace = Duration::from_secs(state.config.mail.send_timeout_seconds + 1);
    if tokio::time::timeout(sender_grace, sender).await.is_err() {
        tracing::warn!("the mail sender did not stop in time");
    }
    if let Err(e) = state.db.close_by_ref().await {
        tracing::warn!(error = %e, "closing the database pool");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
