//! Authentication and authorisation for every request, in one place.
//!
//! Each route is registered with an [`Access`] (see `web::routes`); [`guard`] runs before the
//! handler and decides: it resolves who is asking (session cookie for pages, bearer token under
//! `/api/`), applies idle and absolute session timeouts, sends people part-way through sign-in to
//! the right step, consults the policy for the route's action, and checks CSRF on every unsafe
//! method (synchronizer token compared in constant time, plus `Origin` / `Sec-Fetch-Site`).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;

use crate::crypto::secrets::{constant_time_eq, random_token};
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::policy::{Action, Principal};
use crate::service::Acting;
use crate::store::sessions::{self, Session, Stage};
use crate::store::{self, audit, tokens, users};
use crate::web::AppState;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, form_urlencoded_pairs};
use crate::web::middleware::RequestId;

pub mod login;
pub mod sso;

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (health checks, assets, the start page, public forms).
    Public,
    /// A session at exactly this sign-in step (e.g. the two-factor code page).
    SignInStep(Stage),
    /// A signed-in session, even one that must still change its password or set up two-factor
    /// authentication (the pages that do those things, and signing out).
    Account,
    /// A fully signed-in user whose roles permit the action.
    Action(Action),
}

/// Who is asking, resolved by [`guard`] and available to handlers as an extractor.
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub principal: Option<Principal>,
    pub session: Option<Session>,
    /// The token forms must echo back: the session's, or the anonymous cookie's.
    pub csrf_token: String,
    pub flash: Option<String>,
    /// A refusal carried across a redirect: (the id of the field or button it concerns, why).
    pub problem: Option<(String, String)>,
    /// Where to go once sign-in completes (a validated local path kept across the sign-in steps).
    pub return_to: Option<String>,
    /// A session that had timed out when this request came (its user), so a form posted after the
    /// timeout can be kept as a draft for that user.
    pub expired_session_user: Option<(i64, String)>,
    pub request_id: String,
    /// The session idle timeout in seconds (for the timeout warning).
    pub idle_seconds: u32,
    pub client_ip: IpAddr,
    /// Synthetic demonstration cases are present (the layout says so).
    pub synthetic: bool,
}

impl AuthContext {
    pub fn stage(&self) -> Option<Stage> {
        self.session.as_ref().and_then(|s| Stage::parse(&s.stage))
    }

    /// The principal, or 401.
    pub fn require(&self) -> Result<&Principal, WebError> {
        self.principal.as_ref().ok_or(WebError::Unauthenticated)
    }

    /// Who acts in this request, for a service's audit events (anonymous when not signed in).
    pub fn acting(&self) -> Acting<'_> {
        match &self.principal {
            Some(p) => Acting { actor: p.actor(), roles: &p.roles, request_id: &self.request_id },
            None => Acting { actor: Actor::Anonymous, roles: &[], request_id: &self.request_id },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthContext {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AuthContext>()
            .cloned()
            .ok_or_else(|| WebError::internal(anyhow::anyhow!("route registered without an access guard")))
    }
}

/// The signed-in principal, for handlers of routes that require one.
pub struct CurrentUser(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = AuthContext::from_request_parts(parts, state).await?;
        ctx.principal.map(CurrentUser).ok_or(WebError::Unauthenticated)
    }
}

/// Cookie names: `__Host-` prefixed (Secure, Path=/, no Domain) when cookies are secure.
pub fn cookie_name(state: &AppState, base: &str) -> String {
    if state.config.secure_cookies() { format!("__Host-cdop_{base}") } else { format!("cdop_{base}") }
}

/// A `Set-Cookie` value. `max_age` None: a browser-session cookie.
pub fn set_cookie(state: &AppState, base: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{}={value}; Path=/; HttpOnly; SameSite=Lax", cookie_name(state, base));
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if state.config.secure_cookies() {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_cookie(state: &AppState, base: &str) -> HeaderValue {
    set_cookie(state, base, "", Some(0))
}

pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Where a session part-way through sign-in must go next.
pub fn stage_home(stage: Stage) -> &'static str {
    match stage {
        Stage::Totp => "/login/two-factor",
        Stage::ChangePassword => "/account/password",
        Stage::EnrolMfa => "/account/two-factor",
        Stage::Full => "/",
    }
}

/// Keeps a form posted after the session timed out as a draft of the user whose session it was
/// (given the user's id and the form; returns the draft's id). The route table names one for the
/// routes whose typing must survive a timeout, so the guard knows no form of its own.
pub type KeepTyped = fn(AppState, i64, FormData) -> Pin<Box<dyn Future<Output = WebResult<i64>> + Send>>;

/// The guard's state: the app, the route's access rule and what keeps its form on a timeout.
#[derive(Clone)]
pub struct Guarded {
    pub state: AppState,
    pub access: Access,
    pub keep_on_expiry: Option<KeepTyped>,
}

/// Runs before every routed handler. See the module documentation.
pub async fn guard(State(g): State<Guarded>, req: Request, next: Next) -> Response {
    match guard_inner(&g, req, next).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn guard_inner(g: &Guarded, mut req: Request, next: Next) -> Result<Response, WebError> {
    let state = &g.state;
    let is_api = req.uri().path().starts_with("/api/");
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let client_ip = crate::net::client_ip(peer, forwarded, &state.web.trusted_proxies);
    let mut set_cookies: Vec<HeaderValue> = Vec::new();

    let mut ctx = AuthContext {
        principal: None,
        session: None,
        csrf_token: String::new(),
        flash: None,
        problem: None,
        return_to: None,
        expired_session_user: None,
        request_id: request_id.clone(),
        idle_seconds: state.config.auth.session_idle_minutes.saturating_mul(60),
        client_ip,
        synthetic: false,
    };

    // Health checks and static files need no identity (and get no cookies).
    let path = req.uri().path();
    let machine_route = path.starts_with("/assets/") || path == "/healthz" || path == "/readyz";
    if machine_route && g.access == Access::Public {
        req.extensions_mut().insert(ctx);
        return Ok(next.run(req).await);
    }
    // Only pages show the banner: health checks and assets never ask.
    ctx.synthetic = state.synthetic_present().await;
    if is_api {
        if let Some(token) = bearer(req.headers())
            && let Some(found) = tokens::authenticate(&state.db, &token).await?
            && let Some(user) = users::find(&state.db, found.user_id).await?.filter(|u| !u.disabled)
        {
            let principal = users::principal(&state.db, &user, Some(found.id)).await?;
            // A token is no way round two-factor: an account whose role requires it answers
            // nothing until it has enrolled (service accounts sign in with tokens alone).
            let required = principal.roles.iter().any(|r| state.config.auth.mfa_required_roles.contains(r));
            if user.service_account || !required || user.totp_secret.is_some() {
                ctx.principal = Some(principal);
            }
        }
    } else {
        resolve_session(state, req.headers(), &mut ctx, &mut set_cookies).await?;
        let flash_name = cookie_name(state, "flash");
        if let Some(flash) = read_cookie(req.headers(), &flash_name) {
            ctx.flash = Some(crate::web::form_body::decode_component(&flash)).filter(|f| !f.is_empty());
            set_cookies.push(clear_cookie(state, "flash"));
        }
        if let Some(problem) = read_cookie(req.headers(), &cookie_name(state, "problem")) {
            let decoded = crate::web::form_body::decode_component(&problem);
            ctx.problem = decoded
                .split_once('\n')
                .filter(|(field, message)| {
                    !message.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                .map(|(field, message)| (field.to_string(), message.to_string()));
            set_cookies.push(clear_cookie(state, "problem"));
        }
        if let Some(next) = read_cookie(req.headers(), &cookie_name(state, "next")) {
            let next = crate::web::form_body::decode_component(&next);
            let safe = login::safe_next(&next);
            ctx.return_to = (safe != "/").then(|| safe.to_string());
        }
        if ctx.session.is_none() {
            let name = cookie_name(state, "csrf");
            match read_cookie(req.headers(), &name).filter(|v| v.len() >= 32) {
                Some(v) => ctx.csrf_token = v,
                None => {
                    let token = random_token();
                    set_cookies.push(set_cookie(state, "csrf", &token, None));
                    ctx.csrf_token = token;
                }
            }
        }
    }

    // A form posted after the session timed out: keep what was typed as a sealed draft of the
    // user whose session it was, and carry on from it after they sign in again.
    if ctx.principal.is_none()
        && !is_api
        && *req.method() == Method::POST
        && let Some((user_id, csrf)) = ctx.expired_session_user.clone()
        && let Some(keep) = g.keep_on_expiry
    {
        let resume = req.uri().path().to_string();
        let (_, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, state.config.server.max_body_bytes)
            .await
            .map_err(|_| WebError::BadRequest("The form was too large to accept.".into()))?;
        let form = FormData::parse(&bytes);
        if !constant_time_eq(form.get("csrf_token"), &csrf) {
            return Ok(with_cookies(WebError::Unauthenticated.into_response(), set_cookies));
        }
        let id = keep(state.clone(), user_id, form).await?;
        let next = crate::domain::text::percent_encode_path(&format!("{resume}?draft={id}"));
        let response = redirect_with_flash(
            state,
            &format!("/login?next={next}"),
            "Your session timed out, so you have been signed out. Sign in again to carry on: what you typed has been kept",
        );
        return Ok(with_cookies(response, set_cookies));
    }

    // Access rules.
    let stage = ctx.stage();
    let full = is_api && ctx.principal.is_some() || stage == Some(Stage::Full);
    match g.access {
        Access::Public => {}
        Access::SignInStep(wanted) => {
            if stage.is_none() {
                return Ok(with_cookies(WebError::Unauthenticated.into_response(), set_cookies));
            }
            if stage != Some(wanted) {
                return Ok(with_cookies(
                    Redirect::to(stage.map(stage_home).unwrap_or("/login")).into_response(),
                    set_cookies,
                ));
            }
        }
        Access::Account => match stage {
            Some(Stage::ChangePassword | Stage::EnrolMfa | Stage::Full) => {}
            Some(Stage::Totp) => {
                return Ok(with_cookies(Redirect::to("/login/two-factor").into_response(), set_cookies));
            }
            None => return Ok(with_cookies(WebError::Unauthenticated.into_response(), set_cookies)),
        },
        Access::Action(action) => {
            let Some(principal) = ctx.principal.as_ref() else {
                return Ok(with_cookies(WebError::Unauthenticated.into_response(), set_cookies));
            };
            if !full {
                let to = stage.map(stage_home).unwrap_or("/login");
                return Ok(with_cookies(Redirect::to(to).into_response(), set_cookies));
            }
            if !principal.permits(action) {
                return Ok(with_cookies(WebError::Forbidden.into_response(), set_cookies));
            }
        }
    }

    // CSRF on unsafe methods (API calls with bearer tokens carry no ambient credentials).
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !is_api {
        check_origin(req.headers())?;
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, state.config.server.max_body_bytes)
            .await
            .map_err(|_| WebError::BadRequest("The form was too large to accept.".into()))?;
        let supplied = form_urlencoded_pairs(&bytes)
            .into_iter()
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v)
            .unwrap_or_default();
        if ctx.csrf_token.is_empty() || !constant_time_eq(&supplied, &ctx.csrf_token) {
            tracing::warn!("CSRF token missing or wrong");
            return Ok(with_cookies(
                WebError::CsrfRejected(
                    "This form has expired or did not come from this service. Go back, reload the page and try again.",
                )
                .into_response(),
                set_cookies,
            ));
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    req.extensions_mut().insert(ctx);
    let response = next.run(req).await;
    Ok(with_cookies(response, set_cookies))
}

/// Forms whose contents are kept as a draft when they arrive after the session timed out, and
/// the page that carries on from such a draft.
fn with_cookies(mut response: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// Refuses cross-site form posts: `Sec-Fetch-Site` must be same-origin (or `none`, a typed
/// navigation) when the browser sends it, and an `Origin` header must name this host. Browsers
/// send `Origin: null` for form posts from pages with `Referrer-Policy: no-referrer` (ours), so a
/// null origin defers to `Sec-Fetch-Site` and the synchronizer token.
fn check_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let refused = || WebError::CsrfRejected("Forms can only be sent from pages of this service.");
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(refused());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != "null"
    {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if !origin_host.eq_ignore_ascii_case(host) {
            return Err(refused());
        }
    }
    Ok(())
}

/// Loads the session named by the cookie, ending it if it has timed out or its user is disabled.
async fn resolve_session(
    state: &AppState,
    headers: &HeaderMap,
    ctx: &mut AuthContext,
    set_cookies: &mut Vec<HeaderValue>,
) -> Result<(), WebError> {
    let name = cookie_name(state, "session");
    let Some(token) = read_cookie(headers, &name) else { return Ok(()) };
    let Some(session) = sessions::find(&state.db, &token).await? else {
        set_cookies.push(clear_cookie(state, "session"));
        return Ok(());
    };
    let now = store::now();
    let idle = TimeDelta::minutes(i64::from(state.config.auth.session_idle_minutes));
    let expired = session.expires_at <= now || session.last_seen_at + idle <= now;
    if expired {
        ctx.expired_session_user = Some((session.user_id, session.csrf_token.clone()));
    }
    let user = users::find(&state.db, session.user_id).await?;
    let user = match user {
        Some(u) if !u.disabled && !expired => u,
        _ => {
            sessions::delete_by_hash(&state.db, &session.id_hash).await?;
            set_cookies.push(clear_cookie(state, "session"));
            if expired {
                audit::append_now(
                    &state.db,
                    &AuditEvent::new(
                        Actor::User(session.user_id),
                        AuditAction::SessionExpired,
                        "user",
                        session.user_id.to_string(),
                    )
                    .request(&ctx.request_id),
                )
                .await?;
            }
            return Ok(());
        }
    };
    if (now - session.last_seen_at).num_seconds() >= 15 {
        sessions::touch(&state.db, &session.id_hash, now).await?;
    }
    ctx.principal = Some(users::principal(&state.db, &user, None).await?);
    ctx.csrf_token = session.csrf_token.clone();
    ctx.session = Some(session);
    Ok(())
}

/// Remembers where to go after the remaining sign-in steps (validated again when read).
pub fn remember_return_to(state: &AppState, next: &str) -> HeaderValue {
    let encoded = crate::domain::text::percent_encode_path(login::safe_next(next));
    set_cookie(state, "next", &encoded, Some(15 * 60))
}

/// A redirect that also shows `message` once on the next page.
pub fn redirect_with_flash(state: &AppState, to: &str, message: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let encoded = crate::domain::text::percent_encode_path(message);
    response.headers_mut().append(header::SET_COOKIE, set_cookie(state, "flash", &encoded, Some(60)));
    response
}

/// Redirects to `to` with a refusal shown there as an error summary linking to `field` (the
/// button or field it concerns): a refused action never looks like a success.
pub fn redirect_with_problem(state: &AppState, to: &str, field: &str, message: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let encoded = crate::domain::text::percent_encode_path(&format!("{field}\n{message}"));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(state, "problem", &encoded, Some(60)));
    response
}

/// Starts a fresh session for `user_id` at `stage` after a password sign-in, ending `previous`
/// (the id always changes; a session of the same user keeps how it was proved).
pub async fn start_session(
    state: &AppState,
    previous: Option<&Session>,
    user_id: i64,
    stage: Stage,
) -> Result<HeaderValue, WebError> {
    match previous {
        Some(old) if old.user_id == user_id => {
            Ok(set_cookie(state, "session", &sessions::rotate(&state.db, old, stage).await?.token, None))
        }
        _ => start_session_with(state, previous, user_id, stage, &sessions::Proof::default()).await,
    }
}

/// Starts a fresh session for `user_id` at `stage`, proved by `proof`, ending `previous`.
pub async fn start_session_with(
    state: &AppState,
    previous: Option<&Session>,
    user_id: i64,
    stage: Stage,
    proof: &sessions::Proof,
) -> Result<HeaderValue, WebError> {
    if let Some(old) = previous {
        sessions::delete_by_hash(&state.db, &old.id_hash).await?;
    }
    let absolute = TimeDelta::hours(i64::from(state.config.auth.session_absolute_hours));
    let new = sessions::create(&state.db, user_id, stage, absolute, proof).await?;
    Ok(set_cookie(state, "session", &new.token, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_checks() {
        let host = ("host", "cdop.example.org");
        assert!(check_origin(&headers(&[host])).is_ok());
        assert!(
            check_origin(&headers(&[
                host,
                ("origin", "https://cdop.example.org"),
                ("sec-fetch-site", "same-origin")
            ]))
            .is_ok()
        );
        // What Chromium sends for a same-origin form post under Referrer-Policy: no-referrer.
        assert!(
            check_origin(&headers(&[host, ("origin", "null"), ("sec-fetch-site", "same-origin")])).is_ok()
        );
        assert!(
            check_origin(&headers(&[host, ("origin", "null"), ("sec-fetch-site", "cross-site")])).is_err()
        );
        assert!(check_origin(&headers(&[host, ("origin", "https://evil.example")])).is_err());
        assert!(check_origin(&headers(&[host, ("sec-fetch-site", "same-site")])).is_err());
    }
}
