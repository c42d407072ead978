//! Signing in through an OpenID Connect provider (`[[auth.sso]]`), signing in again with it
//! before a sensitive step, and the pages that say why a sign-in was refused. The flow itself is
//! `accounts::sso`; here are its routes, cookies and pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;
use serde::Deserialize;

use crate::accounts::sso::{self, Purpose, Refusal};
use crate::config::SsoProvider;
use crate::crypto::secrets::constant_time_eq;
use crate::domain::audit::AuditAction;
use crate::store::sessions::{self, Proof, Stage};
use crate::store::users;
use crate::web::AppState;
use crate::web::auth::login::{mfa_or_full, safe_next};
use crate::web::auth::{
    AuthContext, clear_cookie, cookie_name, read_cookie, redirect_with_flash, remember_return_to, set_cookie,
    stage_home, start_session_with,
};
use crate::web::error::{WebError, WebResult};
use crate::web::page::Page;
use crate::web::params::Q;
use crate::web::rate_limit::Limit;

/// The cookie holding the `state` of the sign-in this browser started (ten minutes).
const STATE_COOKIE: &str = "sso_state";

fn provider<'a>(state: &'a AppState, id: &str) -> Result<&'a SsoProvider, WebError> {
    state.config.auth.sso_provider(id).ok_or(WebError::NotFound)
}

/// The service's own address, for the redirect URI: `server.public_url`, or (for running on one
/// machine) the address the browser used. The provider accepts only redirect URIs registered
/// with it, so a forged `Host` only sends the sign-in nowhere.
pub fn base(state: &AppState, headers: &HeaderMap) -> String {
    if !state.config.server.public_url.is_empty() {
        return state.config.public_url();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/sso_refused.html")]
pub struct RefusedTemplate {
    page: Page,
    heading: String,
    paragraphs: Vec<String>,
    provider_id: String,
    provider_name: String,
    /// Offer to start again (the sign-in itself failed, not the account).
    again: bool,
}

/// The page for a refused sign-in: what happened, in words, and what to do next.
fn refused(state: &AppState, provider: &SsoProvider, why: &Refusal, email: Option<&str>) -> Response {
    let name = provider.name.clone();
    let ask = "Ask an administrator of this service (your CDOP coordinator can tell you who).";
    let (status, heading, paragraphs, again) = match why {
        Refusal::UnknownAccount => (
            StatusCode::FORBIDDEN,
            "You do not have an account in this service".to_string(),
            vec![
                match email {
                    Some(e) => format!("You signed in with {name} as {e}, but no account in this service has that email address."),
                    None => format!("You signed in with {name}, but no account in this service matches it."),
                },
                format!("{ask} Once they have added you, sign in again."),
            ],
            false,
        ),
        Refusal::AwaitingApproval => (
            StatusCode::FORBIDDEN,
            "Your account is waiting for approval".to_string(),
            vec![
                format!("We have set up an account for you from your {name} sign-in. An administrator must approve it and give it a role before you can use the service."),
                format!("{ask} You do not need to do anything else: sign in again once it is approved."),
            ],
            false,
        ),
        Refusal::Disabled => (
            StatusCode::FORBIDDEN,
            "Your account is not active".to_string(),
            vec![format!("Your account in this service is disabled, or has not been approved yet. {ask}")],
            false,
        ),
        Refusal::NoEmail | Refusal::UnverifiedEmail | Refusal::WrongDomain => (
            StatusCode::FORBIDDEN,
            format!("{name} did not confirm an email address this service accepts"),
            vec![
                "To match you to your account, the service needs a verified email address in one of the domains this sign-in option is for.".to_string(),
                "If you have more than one organisation account, sign out of the other one and try again, or use another sign-in option.".to_string(),
            ],
            true,
        ),
        Refusal::LinkedElsewhere => (
            StatusCode::FORBIDDEN,
            "Your account is linked to a different sign-in".to_string(),
            vec![format!("The account with this email address already signs in with a different {name} account. {ask}")],
            false,
        ),
        Refusal::DifferentPerson => (
            StatusCode::FORBIDDEN,
            "You signed in as someone else".to_string(),
            vec![format!("To carry on you must sign in to {name} as yourself, the person signed in to this service.")],
            true,
        ),
        Refusal::NoRole => (
            StatusCode::FORBIDDEN,
            "Your organisation has not given you a role in this service".to_string(),
            vec![
                format!("{name} decides what each person may do in this service, and it gave you no role here."),
                "Ask your organisation's IT service desk, or an administrator of this service, to give you the role you need, then sign in again.".to_string(),
            ],
            false,
        ),
        Refusal::NotFresh => (
            StatusCode::FORBIDDEN,
            "You need to sign in again".to_string(),
            vec![format!("{name} did not ask you to sign in again, so the service cannot be sure it is still you.")],
            true,
        ),
        Refusal::StaleRequest => (
            StatusCode::BAD_REQUEST,
            "This sign-in has expired".to_string(),
            vec!["Sign-in must be finished within 10 minutes, in the browser it was started in. Start again.".to_string()],
            true,
        ),
        Refusal::Cancelled(_) => (
            StatusCode::FORBIDDEN,
            "Sign-in was not completed".to_string(),
            vec![format!("{name} said the sign-in was cancelled or not allowed.")],
            true,
        ),
        Refusal::InvalidToken(_) => (
            StatusCode::BAD_GATEWAY,
            "Sign-in could not be checked".to_string(),
            vec![format!("What {name} sent back failed the service's checks, so you have not been signed in. Try again; if it happens again, tell an administrator.")],
            true,
        ),
        Refusal::Provider(_) => (
            StatusCode::BAD_GATEWAY,
            format!("Sign-in with {name} is not working"),
            vec![format!("The service could not complete sign-in with {name}. Try again in a few minutes, or sign in with your email address and password if you have them.")],
            true,
        ),
    };
    let page = Page::anonymous(heading.clone());
    let template = RefusedTemplate {
        page,
        heading,
        paragraphs,
        provider_id: provider.id.clone(),
        provider_name: name,
        again,
    };
    let mut response = (status, template).into_response();
    response.headers_mut().append(header::SET_COOKIE, clear_cookie(state, STATE_COOKIE));
    response
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login/sso/{id}`: sends the browser to the provider to sign in.
pub async fn start(
    State(state): State<AppState>,
    ctx: AuthContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Q(q): Q<StartQuery>,
) -> WebResult<Response> {
    let provider = provider(&state, &id)?;
    if ctx.stage() == Some(Stage::Full) {
        return Ok(Redirect::to(safe_next(&q.next)).into_response());
    }
    // Refused provider sign-ins count against the address's allowance, as wrong passwords do.
    if Limit::login(&state).exhausted(&state, ctx.client_ip).await? {
        return Err(WebError::TooManyRequests);
    }
    let base = base(&state, &headers);
    let begun = sso::begin(
        &state.context,
        &state.web.sso,
        provider,
        Purpose::SignIn,
        None,
        safe_next(&q.next),
        &base,
    )
    .await;
    send_to_provider(&state, provider, begun)
}

/// `GET /login/sso/{id}/reauthenticate?next=`: a fresh sign-in with the session's provider.
pub async fn reauthenticate(
    State(state): State<AppState>,
    ctx: AuthContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Q(q): Q<StartQuery>,
) -> WebResult<Response> {
    let provider = provider(&state, &id)?;
    let session = ctx.session.as_ref().ok_or(WebError::Unauthenticated)?;
    if session.provider.as_deref() != Some(provider.id.as_str()) {
        return Err(WebError::NotFound);
    }
    let user = users::find(&state.db, session.user_id).await?.ok_or(WebError::Unauthenticated)?;
    let base = base(&state, &headers);
    let next = safe_next(&q.next);
    let begun = sso::begin(
        &state.context,
        &state.web.sso,
        provider,
        Purpose::Reauthenticate,
        Some(&user),
        next,
        &base,
    )
    .await;
    send_to_provider(&state, provider, begun)
}

fn send_to_provider(
    state: &AppState,
    provider: &SsoProvider,
    begun: Result<sso::Begun, Refusal>,
) -> WebResult<Response> {
    match begun {
        Ok(b) => {
            let mut response = Redirect::to(&b.url).into_response();
            let max_age = crate::store::sso::REQUEST_MINUTES * 60;
            response
                .headers_mut()
                .append(header::SET_COOKIE, set_cookie(state, STATE_COOKIE, &b.state, Some(max_age)));
            Ok(response)
        }
        Err(why) => {
            tracing::warn!(provider = %provider.id, reason = why.code(), detail = %detail(&why), "single sign-on could not start");
            Ok(refused(state, provider, &why, None))
        }
    }
}

/// What went wrong in detail, for the log (never personal data: provider and protocol errors).
fn detail(why: &Refusal) -> String {
    match why {
        Refusal::Provider(d) | Refusal::InvalidToken(d) | Refusal::Cancelled(d) => d.clone(),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
    /// The issuer that answered (RFC 9207), when the provider says.
    #[serde(default)]
    iss: String,
}

/// `GET /login/sso/{id}/callback`: where the provider sends the browser back.
pub async fn callback(
    State(state): State<AppState>,
    ctx: AuthContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Q(q): Q<CallbackQuery>,
) -> WebResult<Response> {
    let provider = provider(&state, &id)?;
    let cx = &state.context;
    // The browser must hold the state it was given when it set off: a sign-in started elsewhere
    // (login CSRF, a link sent to someone) goes no further.
    let held = read_cookie(&headers, &cookie_name(&state, STATE_COOKIE)).unwrap_or_default();
    let outcome = if q.state.is_empty() || !constant_time_eq(&held, &q.state) {
        Err(Refusal::StaleRequest)
    } else if !q.iss.is_empty() && q.iss.trim_end_matches('/') != provider.issuer.trim_end_matches('/') {
        // An answer from another provider than the one this sign-in was sent to (a mix-up).
        let _ = crate::store::sso::take_request(&cx.db, &q.state).await?;
        Err(Refusal::InvalidToken("the answer names another issuer than this provider".into()))
    } else if !q.error.is_empty() {
        let _ = crate::store::sso::take_request(&cx.db, &q.state).await?;
        let code: String =
            q.error.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
        Err(Refusal::Cancelled(code))
    } else {
        sso::complete(cx, &state.web.sso, provider, &q.state, &q.code, &base(&state, &headers)).await
    };
    let returned = match outcome {
        Ok(r) => r,
        Err(why) => {
            tracing::warn!(provider = %provider.id, reason = why.code(), detail = %detail(&why), "single sign-on refused");
            sso::audit_refusal(&cx.db, &provider.id, None, &why, &ctx.request_id).await?;
            Limit::login(&state).hit(&state, ctx.client_ip).await?;
            return Ok(refused(&state, provider, &why, None));
        }
    };
    match returned.purpose {
        Purpose::SignIn => signed_in(&state, &ctx, provider, returned).await,
        Purpose::Reauthenticate => signed_in_again(&state, &ctx, provider, returned).await,
    }
}

async fn signed_in(
    state: &AppState,
    ctx: &AuthContext,
    provider: &SsoProvider,
    returned: sso::Returned,
) -> WebResult<Response> {
    let cx = &state.context;
    let claims = &returned.claims;
    let matched = match sso::account(cx, provider, claims, &ctx.request_id).await {
        Ok(m) => m,
        Err(why) => {
            Limit::login(state).hit(state, ctx.client_ip).await?;
            return Ok(refused(state, provider, &why, claims.email.as_deref()));
        }
    };
    let (user, linked) = (matched.user, matched.linked);
    sso::record_sign_in(cx, provider, user.id, claims, &ctx.request_id, AuditAction::LoginSuccess).await?;
    // The provider's second factor counts as the service's; without it, the service's own code.
    let roles = users::roles(&state.db, user.id).await?;
    let stage = if claims.mfa {
        Stage::Full
    } else if user.totp_secret.is_some() {
        Stage::Totp
    } else {
        mfa_or_full(state, &user, &roles)
    };
    let proof = Proof { provider: Some(provider.id.clone()), provider_mfa: claims.mfa };
    let cookie = start_session_with(state, ctx.session.as_ref(), user.id, stage, &proof).await?;
    // Checked when the sign-in started; checked again, as every return path is when it is read.
    let next = safe_next(&returned.return_to).to_string();
    let to = if stage == Stage::Full { next.clone() } else { stage_home(stage).to_string() };
    let mut response = Redirect::to(&to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response.headers_mut().append(header::SET_COOKIE, clear_cookie(state, STATE_COOKIE));
    if stage != Stage::Full && next != "/" {
        response.headers_mut().append(header::SET_COOKIE, remember_return_to(state, &next));
    }
    if linked {
        let said =
            format!("Signing in with {} is now linked to your account: use it from now on", provider.name);
        let encoded = crate::domain::text::percent_encode_path(&said);
        response.headers_mut().append(header::SET_COOKIE, set_cookie(state, "flash", &encoded, Some(60)));
    }
    Ok(response)
}

async fn signed_in_again(
    state: &AppState,
    ctx: &AuthContext,
    provider: &SsoProvider,
    returned: sso::Returned,
) -> WebResult<Response> {
    let cx = &state.context;
    let claims = &returned.claims;
    let Some(session) = ctx.session.as_ref().filter(|s| Some(s.user_id) == returned.user_id) else {
        return Err(WebError::Unauthenticated);
    };
    let linked = crate::store::sso::find_identity(&cx.db, &provider.id, &claims.subject).await?;
    if linked.map(|l| l.user_id) != Some(session.user_id) {
        let why = Refusal::DifferentPerson;
        sso::audit_refusal(&cx.db, &provider.id, Some(session.user_id), &why, &ctx.request_id).await?;
        return Ok(refused(state, provider, &why, None));
    }
    sessions::reauthenticated(&state.db, &session.id_hash, cx.clock.now(), claims.mfa).await?;
    sso::record_sign_in(cx, provider, session.user_id, claims, &ctx.request_id, AuditAction::Reauthenticated)
        .await?;
    let mut response = redirect_with_flash(
        state,
        safe_next(&returned.return_to),
        &format!("You have signed in again with {}. Carry on where you were", provider.name),
    );
    response.headers_mut().append(header::SET_COOKIE, clear_cookie(state, STATE_COOKIE));
    Ok(response)
}

/// Whether this request's session must sign in again with its provider before a sensitive step
/// (revealing identities, signing off): a single sign-on session whose user last proved who they
/// are longer ago than `auth.reauthenticate_after_minutes`. Returns where to send them (coming
/// back to `resume`).
pub fn reauthentication_needed(state: &AppState, ctx: &AuthContext, resume: &str) -> Option<Response> {
    let session = ctx.session.as_ref()?;
    let provider = session.provider.as_ref()?;
    if proved_recently(state, session) {
        return None;
    }
    let next = crate::domain::text::percent_encode_path(safe_next(resume));
    Some(Redirect::to(&format!("/login/sso/{provider}/reauthenticate?next={next}")).into_response())
}

/// Whether the session's provider sign-in used a second factor recently enough to stand in for
/// the service's own code at sign-off.
pub fn fresh_provider_mfa(state: &AppState, ctx: &AuthContext) -> Option<String> {
    let session = ctx.session.as_ref()?;
    let provider = session.provider.clone()?;
    (session.provider_mfa && proved_recently(state, session)).then_some(provider)
}

/// Whether the session's user proved who they are within `auth.reauthenticate_after_minutes`.
fn proved_recently(state: &AppState, session: &sessions::Session) -> bool {
    let fresh_for = TimeDelta::minutes(i64::from(state.config.auth.reauthenticate_after_minutes));
    state.context.clock.now() - sessions::authenticated_at(session) <= fresh_for
}
