//! `cdop serve`.

use std::io::{BufRead, IsTerminal, Write};

use crate::app;
use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;

pub async fn run(loaded: LoadedConfig, area: Option<String>) -> CliResult {
    // Bind first: an address that cannot be used stops the process before anything (database,
    // keys, first admin) is created.
    let bind = loaded.config.server.bind;
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        loaded.error("server.bind", bind.to_string(), format!("an address this machine can listen on ({e})"))
    })?;
    let area = match area {
        Some(name) => Some(
            crate::domain::text::one_line(&name, 120, "the area's name is empty", "the area's name")
                .map_err(|m| CliError::Failed(anyhow::anyhow!("--area: {m}")))?,
        ),
        None => None,
    };
    let state = app::prepare(&loaded).await?;
    let area = match area {
        Some(a) => Some(a),
        None if crate::accounts::areas::needs_first_area(&state.db).await?
            && std::io::stdin().is_terminal() =>
        {
            ask_first_area()
        }
        None => None,
    };
    if let Some(admin) = crate::accounts::areas::bootstrap(&state.db, area.as_deref()).await? {
        super::print_first_admin(&admin);
    }
    let local = listener.local_addr().map_err(anyhow::Error::from)?;
    println!("cdop is listening on http://{local}/");
    tracing::info!(address = %local, "listening");
    app::serve(state, listener, app::shutdown_signal()).await?;
    Ok(())
}

fn ask_first_area() -> Option<String> {
    print!("Name of the first area (the partnership this panel serves) [Default area]: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    crate::domain::text::one_line(&line, 120, "", "").ok()
}
