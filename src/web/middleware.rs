//! Cross-cutting request handling: request ids, the request log line, error pages, and the
//! security headers every response carries.

use std::time::Instant;

use askama::Template;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tracing::Instrument;

use crate::domain::text::percent_encode_path;
use crate::web::AppState;
use crate::web::error::ErrorPage;
use crate::web::page::Page;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request: the caller's `X-Request-Id` when it is sane, else a new UUID.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable_request_id(v: &str) -> bool {
    (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Assigns the request id, logs one line per request (route template, never the query string:
/// queries could carry identifying data), and renders error pages.
pub async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let method = req.method().clone();
    let is_api = req.uri().path().starts_with("/api/");
    let wants_html = !is_api;
    let path_for_login = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let started = Instant::now();
    let is_get = method == axum::http::Method::GET;
    let mut response = next.run(req).instrument(span.clone()).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED && is_get && !is_api {
        // A GET of an action that only takes a POST (back, refresh or a copied URL after a form
        // was sent): go to the page the action belongs to, never a blank 405.
        response = Redirect::to(&crate::web::routes::page_for_action(&path_for_login)).into_response();
    }
    if let Some(page) = response.extensions_mut().remove::<ErrorPage>() {
        response = render_error(page, &id, is_api, wants_html, &path_for_login);
    }
    let status = response.status().as_u16();
    state.metrics.request(&route, method.as_str(), status, started.elapsed());
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, elapsed_ms = format!("{elapsed_ms:.1}"), "handled"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorTemplate {
    page: Page,
    status: u16,
    title: String,
    detail: String,
    request_id: String,
}

fn render_error(page: ErrorPage, request_id: &str, is_api: bool, wants_html: bool, path: &str) -> Response {
    if is_api {
        let mut body = serde_json::json!({
            "type": "about:blank",
            "title": page.title,
            "status": page.status.as_u16(),
            "detail": page.detail,
            "request_id": request_id,
        });
        if page.status == StatusCode::UNAUTHORIZED {
            body["detail"] = "Send a valid API token as `Authorization: Bearer <token>`.".into();
        }
        let mut response = (page.status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if page.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        return response;
    }
    if wants_html && page.status == StatusCode::UNAUTHORIZED {
        // Browsers go to the sign-in page and come back afterwards.
        let next = if path.starts_with('/') && !path.starts_with("//") { path } else { "/" };
        let target = format!("/login?next={}", percent_encode_path(next));
        return Redirect::to(&target).into_response();
    }
    let template = ErrorTemplate {
        page: Page::anonymous(page.title.clone()),
        status: page.status.as_u16(),
        title: page.title,
        detail: page.detail,
        request_id: request_id.to_owned(),
    };
    match template.render() {
        Ok(html) => (page.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page failed");
            (page.status, format!("{} (request id {request_id})", page.status)).into_response()
        }
    }
}

/// The Content-Security-Policy. Forms post only to the service itself, and to the single sign-on
/// providers' origins: signing out, and a reveal or sign-off that needs a fresh sign-in, redirect
/// from a form to the provider, and browsers hold such redirects to `form-action` too.
pub fn content_security_policy(config: &crate::config::Config) -> String {
    let mut form_action = vec!["'self'".to_string()];
    for p in &config.auth.sso {
        if let Ok(url) = reqwest::Url::parse(&p.issuer) {
            let origin = url.origin().ascii_serialization();
            if !form_action.contains(&origin) {
                form_action.push(origin);
            }
        }
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; form-action {}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        form_action.join(" ")
    )
}

/// Security headers on every response; `Cache-Control: no-store` on everything but static assets,
/// so no page with case data is kept by a browser or proxy.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&state.web.content_security_policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if state.config.secure_cookies() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !is_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_restricted() {
        assert!(acceptable_request_id("abc-123_x.y:z"));
        assert!(!acceptable_request_id(""));
        assert!(!acceptable_request_id("has space"));
        assert!(!acceptable_request_id("line\nbreak"));
        assert!(!acceptable_request_id(&"a".repeat(65)));
    }
}
