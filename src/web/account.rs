//! The signed-in user's own account: password, two-factor authentication, API tokens, and signing
//! out everywhere.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts;
use crate::crypto::{password, secrets, totp};
use crate::domain::audit::AuditAction;
use crate::domain::password::NewPassword;
use crate::domain::policy::Action;
use crate::store::sessions::Stage;
use crate::store::{self, audit, sessions, tokens, users};
use crate::web::AppState;
use crate::web::auth::login::mfa_or_full;
use crate::web::auth::{
    AuthContext, CurrentUser, clear_cookie, redirect_with_flash, stage_home, start_session,
};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "account/overview.html")]
pub struct OverviewTemplate {
    page: Page,
    email: String,
    roles: Vec<&'static str>,
    areas: Vec<String>,
    mfa_enabled: bool,
    recovery_left: u64,
}

pub async fn overview(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<OverviewTemplate> {
    let user = users::find(&state.db, me.user_id).await?.ok_or(WebError::NotFound)?;
    let all_areas = store::areas::list(&state.db).await?;
    Ok(OverviewTemplate {
        page: Page::for_user(&ctx, "Your account", "/account"),
        email: me.email.clone(),
        roles: me.roles.iter().map(|r| r.label()).collect(),
        areas: all_areas.into_iter().filter(|a| me.area_ids.contains(&a.id)).map(|a| a.name).collect(),
        mfa_enabled: user.totp_secret.is_some(),
        recovery_left: users::unused_recovery_codes(&state.db, me.user_id).await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "account/password.html")]
pub struct PasswordTemplate {
    page: Page,
    errors: FormErrors,
    forced: bool,
}

pub async fn show_password(ctx: AuthContext) -> PasswordTemplate {
    let forced = ctx.stage() == Some(Stage::ChangePassword);
    PasswordTemplate {
        page: Page::for_user(&ctx, "Change your password", "/account"),
        errors: FormErrors::default(),
        forced,
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: AuthContext,
    form: FormData,
) -> WebResult<Response> {
    let session = ctx.session.clone().ok_or(WebError::Unauthenticated)?;
    let user = users::find(&state.db, session.user_id).await?.ok_or(WebError::Unauthenticated)?;
    let forced = ctx.stage() == Some(Stage::ChangePassword);
    let current = form.get("current_password").to_string();
    let new = form.get("new_password").to_string();
    let confirm = form.get("confirm_password").to_string();
    let mut errors = FormErrors::default();
    if current.is_empty() {
        errors.add("current_password", "Enter your current password");
    } else if !password::verify(current, user.password_hash.clone()).await {
        errors.add("current_password", "Your current password is not correct");
    }
    let parsed = NewPassword::parse(&new, &user.email);
    match &parsed {
        Err(e) => errors.add("new_password", e.to_string()),
        Ok(_) if confirm != new => errors.add("confirm_password", "The passwords do not match"),
        Ok(_) => {}
    }
    let (Ok(new_password), true) = (parsed, errors.is_empty()) else {
        let page = Page::for_user(&ctx, "Change your password", "/account").with_errors(true);
        return Ok(PasswordTemplate { page, errors, forced }.into_response());
    };
    let hash = password::hash(new_password.expose().to_string()).await.map_err(WebError::internal)?;
    let txn = store::begin_write(&state.db).await?;
    users::set_password(&txn, user.id, hash, false).await?;
    // Every other session of this user ends; this one continues under a new id.
    sessions::delete_for_user(&txn, user.id).await?;
    audit::append(&txn, &ctx.acting().event(AuditAction::PasswordChanged, "user", user.id.to_string()))
        .await?;
    txn.commit().await?;
    let roles = users::roles(&state.db, user.id).await?;
    let stage = mfa_or_full(&state, &user, &roles);
    let cookie = start_session(&state, None, user.id, stage).await?;
    let mut response = if stage == Stage::Full {
        let to = ctx.return_to.as_deref().unwrap_or("/account");
        redirect_with_flash(&state, to, "Your password has been changed")
    } else {
        Redirect::to(stage_home(stage)).into_response()
    };
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "account/two_factor.html")]
pub struct TwoFactorTemplate {
    page: Page,
    errors: FormErrors,
    enabled: bool,
    required: bool,
    secret: String,
    qr_svg: String,
    recovery_codes: Vec<String>,
    /// Where "Continue" goes after enrolment: the return path kept through sign-in, or home.
    continue_to: String,
}

fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build()
        }
        Err(_) => String::new(),
    }
}

async fn two_factor_page(
    state: &AppState,
    ctx: &AuthContext,
    errors: FormErrors,
) -> WebResult<TwoFactorTemplate> {
    let session = ctx.session.clone().ok_or(WebError::Unauthenticated)?;
    let user = users::find(&state.db, session.user_id).await?.ok_or(WebError::Unauthenticated)?;
    let roles = users::roles(&state.db, user.id).await?;
    let required = roles.iter().any(|r| state.config.auth.mfa_required_roles.contains(r));
    let mut page =
        Page::for_user(ctx, "Two-factor authentication", "/account").with_errors(!errors.is_empty());
    if ctx.stage() == Some(Stage::EnrolMfa) {
        page.title = "Set up two-factor authentication".into();
    }
    if user.totp_secret.is_some() {
        return Ok(TwoFactorTemplate {
            page,
            errors,
            enabled: true,
            required,
            secret: String::new(),
            qr_svg: String::new(),
            recovery_codes: Vec::new(),
            continue_to: ctx.return_to.clone().unwrap_or_else(|| "/".into()),
        });
    }
    let secret = match user.totp_pending_secret {
        Some(s) => s,
        None => {
            let s = totp::new_secret();
            users::set_pending_totp(&state.db, user.id, Some(s.clone())).await?;
            s
        }
    };
    let uri = totp::provisioning_uri(&secret, &user.email, crate::web::page::SERVICE_NAME);
    Ok(TwoFactorTemplate {
        page,
        errors,
        enabled: false,
        required,
        qr_svg: qr_svg(&uri),
        secret: secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        recovery_codes: Vec::new(),
        continue_to: ctx.return_to.clone().unwrap_or_else(|| "/".into()),
    })
}

pub async fn show_two_factor(
    State(state): State<AppState>,
    ctx: AuthContext,
) -> WebResult<TwoFactorTemplate> {
    two_factor_page(&state, &ctx, FormErrors::default()).await
}

/// Confirms enrolment with a first code; shows the recovery codes once.
pub async fn enrol_two_factor(
    State(state): State<AppState>,
    ctx: AuthContext,
    form: FormData,
) -> WebResult<Response> {
    let session = ctx.session.clone().ok_or(WebError::Unauthenticated)?;
    let user = users::find(&state.db, session.user_id).await?.ok_or(WebError::Unauthenticated)?;
    let Some(pending) = user.totp_pending_secret.clone().filter(|_| user.totp_secret.is_none()) else {
        return Ok(Redirect::to("/account/two-factor").into_response());
    };
    let code = form.get("code");
    let Some(step) = totp::verify(&pending, code, store::now().timestamp(), None) else {
        let mut errors = FormErrors::default();
        errors.add(
            "code",
            if code.trim().is_empty() {
                "Enter the 6-digit code from your authenticator app"
            } else {
                "The code is not correct. Check the app shows this service and enter the current code"
            },
        );
        return Ok(two_factor_page(&state, &ctx, errors).await?.into_response());
    };
    let codes: Vec<String> = (0..10).map(|_| secrets::recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| secrets::digest(c)).collect();
    let txn = store::begin_write(&state.db).await?;
    users::enable_totp(&txn, user.id, &pending, step, &hashes).await?;
    audit::append(&txn, &ctx.acting().event(AuditAction::MfaEnabled, "user", user.id.to_string())).await?;
    txn.commit().await?;
    // Privilege change: a new session id.
    let cookie = start_session(&state, Some(&session), user.id, Stage::Full).await?;
    let new_ctx = AuthContext { flash: None, ..ctx.clone() };
    let mut page = two_factor_page(&state, &new_ctx, FormErrors::default()).await?;
    page.recovery_codes = codes;
    let mut response = page.into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Turns two-factor authentication off (only where no role requires it).
pub async fn disable_two_factor(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<Response> {
    let user = users::find(&state.db, me.user_id).await?.ok_or(WebError::NotFound)?;
    let required = me.roles.iter().any(|r| state.config.auth.mfa_required_roles.contains(r));
    if required {
        return Err(WebError::BadRequest(
            "Your role requires two-factor authentication, so it cannot be turned off.".into(),
        ));
    }
    if !password::verify(form.get("password").to_string(), user.password_hash.clone()).await {
        let mut errors = FormErrors::default();
        errors.add("password", "Enter your current password to turn two-factor authentication off");
        return Ok(two_factor_page(&state, &ctx, errors).await?.into_response());
    }
    let txn = store::begin_write(&state.db).await?;
    users::disable_totp(&txn, user.id).await?;
    audit::append(&txn, &ctx.acting().event(AuditAction::MfaDisabled, "user", user.id.to_string())).await?;
    txn.commit().await?;
    Ok(redirect_with_flash(&state, "/account", "Two-factor authentication is off"))
}

/// `POST /account/sign-out-everywhere`: ends every session of this user, this one included.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<Response> {
    let txn = store::begin_write(&state.db).await?;
    let ended = sessions::delete_for_user(&txn, me.user_id).await?;
    audit::append(
        &txn,
        &ctx.acting()
            .event(AuditAction::LogoutEverywhere, "user", me.user_id.to_string())
            .details(format!("sessions={ended}")),
    )
    .await?;
    txn.commit().await?;
    let mut response = redirect_with_flash(&state, "/login", "You have been signed out on every device");
    response.headers_mut().append(header::SET_COOKIE, clear_cookie(&state, "session"));
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "account/tokens.html")]
pub struct TokensTemplate {
    page: Page,
    errors: FormErrors,
    tokens: Vec<TokenRow>,
    name: String,
    expires_days: String,
    created: Option<String>,
    action: String,
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub status: &'static str,
}

pub fn token_rows(list: Vec<tokens::ApiToken>) -> Vec<TokenRow> {
    let now = store::now();
    let date = |d: chrono::DateTime<chrono::Utc>| d.format("%-d %b %Y").to_string();
    list.into_iter()
        .map(|t| TokenRow {
            id: t.id,
            status: if t.revoked_at.is_some() {
                "Revoked"
            } else if t.expires_at.is_some_and(|e| e <= now) {
                "Expired"
            } else {
                "Active"
            },
            name: t.name,
            prefix: t.prefix,
            created: date(t.created_at),
            expires: t.expires_at.map(date).unwrap_or_else(|| "Never".into()),
            last_used: t.last_used_at.map(date).unwrap_or_else(|| "Not yet".into()),
        })
        .collect()
}

/// Parses the token form: a name and an optional lifetime in days (1–730).
pub fn parse_token_form(form: &FormData, errors: &mut FormErrors) -> Option<(String, Option<i64>)> {
    let name = form.get("name").trim().to_string();
    if let Err(message) =
        crate::domain::text::one_line(&name, 120, "Enter a name that says what the token is for", "Name")
    {
        errors.add("name", message);
    }
    let days_text = form.get("expires_days").trim();
    let days = if days_text.is_empty() {
        None
    } else {
        match days_text.parse::<i64>() {
            Ok(d) if (1..=730).contains(&d) => Some(d),
            _ => {
                errors.add(
                    "expires_days",
                    "Enter a number of days between 1 and 730, or leave it empty for no expiry",
                );
                None
            }
        }
    };
    errors.is_empty().then_some((name, days))
}

pub async fn list_tokens(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<TokensTemplate> {
    Ok(TokensTemplate {
        page: Page::for_user(&ctx, "API tokens", "/account"),
        errors: FormErrors::default(),
        tokens: token_rows(tokens::list_for_user(&state.db, me.user_id).await?),
        name: String::new(),
        expires_days: "90".into(),
        created: None,
        action: "/account/tokens".into(),
    })
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    form: FormData,
) -> WebResult<TokensTemplate> {
    let mut errors = FormErrors::default();
    let parsed = parse_token_form(&form, &mut errors);
    let mut created = None;
    if let Some((name, days)) = &parsed {
        let (token, _) =
            accounts::tokens::create(&state.db, &state.clock, &ctx.acting(), me.user_id, name, *days).await?;
        created = Some(token);
    }
    Ok(TokensTemplate {
        page: Page::for_user(&ctx, "API tokens", "/account").with_errors(!errors.is_empty()),
        tokens: token_rows(tokens::list_for_user(&state.db, me.user_id).await?),
        name: if created.is_some() { String::new() } else { form.get("name").to_string() },
        expires_days: if created.is_some() { "90".into() } else { form.get("expires_days").to_string() },
        errors,
        created,
        action: "/account/tokens".into(),
    })
}

/// Revokes one of your own tokens (admins may revoke anyone's).
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let token = tokens::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    if token.user_id != me.user_id && !me.permits(Action::ManageUsers) {
        return Err(WebError::NotFound);
    }
    accounts::tokens::revoke(&state.db, &ctx.acting(), id).await?;
    let back = if token.user_id == me.user_id {
        "/account/tokens".to_string()
    } else {
        format!("/admin/users/{}", token.user_id)
    };
    Ok(redirect_with_flash(&state, &back, "The token has been revoked"))
}
