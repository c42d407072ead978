//! `GET /healthz` (the process is alive) and `GET /readyz` (every background worker has completed
//! a pass within twice its interval, and the database is reachable and fully migrated). Both answer JSON and need no sign-in, so load balancers can use them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::context::Context;
use crate::store;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Needs only the service context (`State<Context>`, taken from the web state by `FromRef`).
pub async fn readyz(State(state): State<Context>) -> (StatusCode, Json<Value>) {
    let late = state.metrics.late_workers();
    if !late.is_empty() {
        tracing::warn!(workers = ?late, "readiness: a background worker has not completed a pass in time");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "late_workers": late })),
        );
    }
    if let Err(e) = state.db.ping().await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "database": "unreachable" })),
        );
    }
    match store::pending_migrations(&state.db).await {
        Ok(pending) if pending.is_empty() => {
            (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok", "pending_migrations": 0 })))
        }
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unavailable",
                "database": "ok",
                "pending_migrations": pending.len(),
                "hint": "run `cdop migrate`",
            })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: reading migration state failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": "error" })))
        }
    }
}
