//! HTTP: the router, handlers by area, extractors and templates.

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::web::error::WebError;

pub mod account;
pub mod admin;
pub mod api;
pub mod assets;
pub mod auth;
pub mod cases;
pub mod documents;
pub mod drafts;
pub mod error;
pub mod form_body;
pub mod gathering;
pub mod health;
pub mod home;
pub mod info;
pub mod input_guard;
pub mod metrics;
pub mod middleware;
pub mod page;
pub mod params;
pub mod rate_limit;
pub mod reports;
pub mod review;
pub mod routes;
pub mod server;
pub mod state;

pub use state::AppState;

/// The application's routes with every cross-cutting layer applied.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] plus `extra` routes, which get the same outer layers (error pages, request ids,
/// security headers). Used by tests to exercise the layers with handlers of their own.
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let max_body = state.config.server.max_body_bytes;
    routes::routes(&state)
        .merge(extra)
        .fallback(|| async { WebError::NotFound })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), input_guard::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(state.config.server.request_timeout_seconds),
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_context))
        .with_state(state)
}
