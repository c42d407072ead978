//! `cdop serve`.

use crate::app;
use crate::cli::CliResult;
use crate::config::LoadedConfig;

pub async fn run(loaded: LoadedConfig) -> CliResult {
    let state = app::prepare(&loaded).await?;
    if let Some(admin) = app::bootstrap(&state).await? {
        // Printed once, to the console only; stored as a hash.
        println!("First run: created the admin account.");
        println!("  email:    {}", admin.email);
        println!("  password: {}  (one-time: you choose your own at first sign-in)", admin.one_time_password);
    }
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
