//! HTTP: the router, handlers by area, extractors and templates.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

use crate::app::AppState;
use crate::error::WebError;

pub mod assets;
pub mod health;
pub mod home;
pub mod middleware;
pub mod page;

/// The application's routes with every cross-cutting layer applied.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] plus `extra` routes, which get the same layers (error pages, request ids,
/// security headers). Used by tests to exercise the layers with handlers of their own.
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let max_body = state.config.server.max_body_bytes;
    Router::new()
        .route("/", get(home::show))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/assets/{name}", get(assets::serve))
        .merge(extra)
        .fallback(|| async { WebError::NotFound })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), self::middleware::security_headers))
        .layer(axum::middleware::from_fn(self::middleware::request_context))
        .with_state(state)
}
