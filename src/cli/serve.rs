//! `cdop serve`.

use crate::app::{self, StartupError};
use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;

pub async fn run(loaded: LoadedConfig) -> CliResult {
    let state = app::prepare(&loaded).await.map_err(|e| match e {
        StartupError::Config(c) => CliError::Config(c),
        StartupError::Other(o) => CliError::Failed(o),
    })?;
    let bind = loaded.config.server.bind;
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        loaded.error("server.bind", bind.to_string(), format!("an address this machine can listen on ({e})"))
    })?;
    let local = listener.local_addr().map_err(anyhow::Error::from)?;
    println!("cdop is listening on http://{local}/");
    tracing::info!(address = %local, "listening");
    app::serve(state, listener, app::shutdown_signal()).await?;
    Ok(())
}
