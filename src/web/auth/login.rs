//! Signing in (password, then a two-factor code when enrolled) and signing out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::crypto::{password, secrets, totp};
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::store::sessions::Stage;
use crate::store::{self, audit, sessions, users};
use crate::web::AppState;
use crate::web::auth::{
    AuthContext, clear_cookie, redirect_with_flash, remember_return_to, stage_home, start_session,
    start_session_with,
};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;
use crate::web::rate_limit::Limit;

/// The same words whatever went wrong, so the page reveals nothing about which accounts exist.
pub const SIGN_IN_FAILED: &str = "Enter a correct email address and password";

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginTemplate {
    page: Page,
    errors: FormErrors,
    email: String,
    next: String,
    lockout_minutes: u32,
    lockout_threshold: u32,
    /// Single sign-on buttons: (where it goes, what it says).
    providers: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.starts_with("/login")
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        next
    } else {
        "/"
    }
}

fn login_page(
    state: &AppState,
    ctx: &AuthContext,
    errors: FormErrors,
    email: String,
    next: String,
) -> LoginTemplate {
    let mut page = Page::anonymous("Sign in").with_csrf(&ctx.csrf_token).with_errors(!errors.is_empty());
    page.flash = ctx.flash.clone();
    let encoded = crate::domain::text::percent_encode_path(&next);
    let providers = state
        .config
        .auth
        .sso
        .iter()
        .map(|p| {
            let href = if next == "/" || next.is_empty() {
                format!("/login/sso/{}", p.id)
            } else {
                format!("/login/sso/{}?next={encoded}", p.id)
            };
            (href, format!("Sign in with {}", p.name))
        })
        .collect();
    LoginTemplate {
        page,
        errors,
        email,
        next,
        lockout_minutes: state.config.auth.lockout_minutes,
        lockout_threshold: state.config.auth.lockout_threshold,
        providers,
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    crate::web::params::Q(q): crate::web::params::Q<NextQuery>,
) -> Response {
    if let Some(stage) = ctx.stage() {
        return Redirect::to(stage_home(stage)).into_response();
    }
    login_page(&state, &ctx, FormErrors::default(), String::new(), safe_next(&q.next).to_string())
        .into_response()
}

pub async fn submit(State(state): State<AppState>, ctx: AuthContext, form: FormData) -> WebResult<Response> {
    let email = form.get("email").trim().to_string();
    let pass = form.get("password").to_string();
    let next = safe_next(form.get("next")).to_string();
    let mut errors = FormErrors::default();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    } else if crate::input::has_control_single_line(&email) || email.len() > 320 {
        errors.add("email", "Enter your email address as it was given to you, like name@example.org");
    }
    if pass.is_empty() {
        errors.add("password", "Enter your password");
    }
    if !errors.is_empty() {
        return Ok(login_page(&state, &ctx, errors, email, next).into_response());
    }
    // Failed sign-ins from this address (across every instance) within the last minute; a
    // successful sign-in uses up nothing, so colleagues behind one proxy are not locked out.
    let limit = Limit::login(&state);
    if limit.exhausted(&state, ctx.client_ip).await? {
        return Err(WebError::TooManyRequests);
    }

    let user = users::find_by_email(&state.db, &email).await?.filter(|u| !u.service_account);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = password::verify(pass, stored).await;
    let failed = |errors: &mut FormErrors| errors.add("email", SIGN_IN_FAILED);

    let Some(user) = user else {
        audit::append_now(
            &state.db,
            &ctx.acting()
                .event(AuditAction::LoginFailure, "user", "unknown")
                .details("reason=unknown_account"),
        )
        .await?;
        limit.hit(&state, ctx.client_ip).await?;
        failed(&mut errors);
        return Ok(login_page(&state, &ctx, errors, email, next).into_response());
    };
    let event = |action: AuditAction| {
        AuditEvent::new(Actor::Anonymous, action, "user", user.id.to_string()).request(&ctx.request_id)
    };
    let locked = user.locked_until.is_some_and(|until| until > store::now());
    if user.disabled || locked || !verified {
        let reason = if user.disabled {
            "disabled"
        } else if locked {
            "locked"
        } else {
            "wrong_password"
        };
        let txn = store::begin_write(&state.db).await?;
        audit::append(&txn, &event(AuditAction::LoginFailure).details(format!("reason={reason}"))).await?;
        if !user.disabled && !locked {
            let auth = &state.config.auth;
            if users::record_failure(&txn, user.id, auth.lockout_threshold, auth.lockout_minutes).await? {
                audit::append(
                    &txn,
                    &event(AuditAction::Lockout).details(format!("minutes={}", auth.lockout_minutes)),
                )
                .await?;
            }
        }
        txn.commit().await?;
        limit.hit(&state, ctx.client_ip).await?;
        failed(&mut errors);
        return Ok(login_page(&state, &ctx, errors, email, next).into_response());
    }

    let roles = users::roles(&state.db, user.id).await?;
    let stage =
        if user.totp_secret.is_some() { Stage::Totp } else { after_second_factor(&state, &user, &roles) };
    let txn = store::begin_write(&state.db).await?;
    users::record_success(&txn, user.id).await?;
    audit::append(
        &txn,
        &AuditEvent::new(Actor::User(user.id), AuditAction::LoginSuccess, "user", user.id.to_string())
            .request(&ctx.request_id)
            .details(format!("stage={}", stage.as_str())),
    )
    .await?;
    txn.commit().await?;
    // A password sign-in starts afresh: nothing carries over from a session already in the
    // browser (not even one of the same person signed in through a provider).
    let proof = crate::store::sessions::Proof::default();
    let cookie = start_session_with(&state, ctx.session.as_ref(), user.id, stage, &proof).await?;
    let to = if stage == Stage::Full { next.clone() } else { stage_home(stage).to_string() };
    let mut response = Redirect::to(&to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    if stage != Stage::Full && next != "/" {
        // Kept through the two-factor step (and any forced password change or enrolment).
        response.headers_mut().append(header::SET_COOKIE, remember_return_to(&state, &next));
    }
    Ok(response)
}

/// The step after the second factor: a forced password change, then two-factor enrolment when
/// a role requires it, then fully signed in.
pub fn after_second_factor(
    state: &AppState,
    user: &users::User,
    roles: &[crate::domain::role::Role],
) -> Stage {
    if user.must_change_password {
        return Stage::ChangePassword;
    }
    mfa_or_full(state, user, roles)
}

pub fn mfa_or_full(state: &AppState, user: &users::User, roles: &[crate::domain::role::Role]) -> Stage {
    let required = roles.iter().any(|r| state.config.auth.mfa_required_roles.contains(r));
    if required && user.totp_secret.is_none() { Stage::EnrolMfa } else { Stage::Full }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/two_factor.html")]
pub struct TwoFactorTemplate {
    page: Page,
    errors: FormErrors,
}

pub async fn show_two_factor(ctx: AuthContext) -> TwoFactorTemplate {
    TwoFactorTemplate {
        page: Page::anonymous("Enter your security code").with_csrf(&ctx.csrf_token),
        errors: FormErrors::default(),
    }
}

pub async fn submit_two_factor(
    State(state): State<AppState>,
    ctx: AuthContext,
    form: FormData,
) -> WebResult<Response> {
    let session = ctx.session.clone().ok_or(WebError::Unauthenticated)?;
    let user = users::find(&state.db, session.user_id).await?.ok_or(WebError::Unauthenticated)?;
    let code = form.get("code").trim().to_string();
    let recovery = form.get("recovery_code").trim().to_string();
    let mut errors = FormErrors::default();
    if code.is_empty() && recovery.is_empty() {
        errors.add("code", "Enter the 6-digit code from your authenticator app");
    }
    let limit = Limit::login(&state);
    if errors.is_empty() && limit.exhausted(&state, ctx.client_ip).await? {
        return Err(WebError::TooManyRequests);
    }
    let mut ok = false;
    let mut used_recovery = false;
    if errors.is_empty() {
        if !code.is_empty() {
            if let Some(secret) = &user.totp_secret
                && let Some(step) = totp::verify(secret, &code, store::now().timestamp(), user.totp_last_step)
            {
                ok = users::use_totp_step(&state.db, user.id, step).await?;
            }
        } else {
            let hash = secrets::digest(&secrets::normalise_recovery_code(&recovery));
            ok = users::use_recovery_code(&state.db, user.id, &hash).await?;
            used_recovery = ok;
        }
    }
    let event = |action| {
        AuditEvent::new(Actor::User(user.id), action, "user", user.id.to_string()).request(&ctx.request_id)
    };
    if !ok {
        if errors.is_empty() {
            limit.hit(&state, ctx.client_ip).await?;
            let txn = store::begin_write(&state.db).await?;
            audit::append(&txn, &event(AuditAction::MfaFailure)).await?;
            let auth = &state.config.auth;
            if users::record_failure(&txn, user.id, auth.lockout_threshold, auth.lockout_minutes).await? {
                audit::append(&txn, &event(AuditAction::Lockout)).await?;
                sessions::delete_by_hash(&txn, &session.id_hash).await?;
                txn.commit().await?;
                let mut response = redirect_with_flash(
                    &state,
                    "/login",
                    "Too many wrong codes. Your account is locked for a while; sign in again later.",
                );
                response.headers_mut().append(header::SET_COOKIE, clear_cookie(&state, "session"));
                return Ok(response);
            }
            txn.commit().await?;
            if recovery.is_empty() {
                errors.add(
                    "code",
                    "The code is wrong or has already been used. Enter the current code from your app",
                );
            } else {
                errors.add("recovery_code", "That recovery code is wrong or has already been used");
            }
        }
        let page = Page::anonymous("Enter your security code").with_csrf(&ctx.csrf_token).with_errors(true);
        return Ok(TwoFactorTemplate { page, errors }.into_response());
    }
    if used_recovery {
        audit::append_now(&state.db, &event(AuditAction::RecoveryCodeUsed)).await?;
    }
    users::record_success(&state.db, user.id).await?;
    let roles = users::roles(&state.db, user.id).await?;
    let stage = after_second_factor(&state, &user, &roles);
    let cookie = start_session(&state, Some(&session), user.id, stage).await?;
    let to = match (&ctx.return_to, stage) {
        (Some(next), Stage::Full) => next.as_str(),
        _ => stage_home(stage),
    };
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    if stage == Stage::Full && ctx.return_to.is_some() {
        response.headers_mut().append(header::SET_COOKIE, clear_cookie(&state, "next"));
    }
    Ok(response)
}

/// `POST /logout`: ends the session on the server, not just in the browser; a session signed in
/// through a provider that offers RP-initiated logout then ends the provider's session too (the
/// provider sends the browser back to the sign-in page).
pub async fn logout(
    State(state): State<AppState>,
    ctx: AuthContext,
    headers: axum::http::HeaderMap,
) -> WebResult<Response> {
    let mut provider_logout = None;
    if let Some(session) = &ctx.session {
        let txn = store::begin_write(&state.db).await?;
        sessions::delete_by_hash(&txn, &session.id_hash).await?;
        let mut event = ctx.acting().event(AuditAction::Logout, "user", session.user_id.to_string());
        if let Some(p) = &session.provider {
            event = event.details(format!("provider={p}"));
        }
        audit::append(&txn, &event).await?;
        txn.commit().await?;
        if let Some(provider) = session.provider.as_deref().and_then(|p| state.config.auth.sso_provider(p)) {
            let after = format!("{}/login", crate::web::auth::sso::base(&state, &headers));
            provider_logout = crate::accounts::sso::logout_url(&state.web.sso, provider, &after).await;
        }
    }
    // The provider's logout URL is a serialised URL (ASCII, percent-encoded): a valid Location.
    let to = provider_logout.unwrap_or_else(|| "/login".to_string());
    let mut response = redirect_with_flash(&state, &to, "You have signed out");
    response.headers_mut().append(header::SET_COOKIE, clear_cookie(&state, "session"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_next_paths() {
        assert_eq!(safe_next("/cases/CDOP-2026-0001"), "/cases/CDOP-2026-0001");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        assert_eq!(safe_next("/login"), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/ /evil.example"), "/");
    }
}
