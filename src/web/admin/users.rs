//! Admin: user accounts. Users are never deleted, only disabled.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::accounts::{self, FirstPassword};
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::service::{Acting, ServiceError};
use crate::store::{areas, tokens, users};
use crate::web::AppState;
use crate::web::account::{TokenRow, parse_token_form, token_rows};
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::{WebError, WebResult, into_errors};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub areas: String,
    pub status: &'static str,
    pub mfa: bool,
    pub last_login: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct ListTemplate {
    page: Page,
    users: Vec<UserRow>,
}

/// `linked`: the account has a single sign-on link (a disabled one never signed in, made at a
/// provider sign-in, is waiting for an admin to approve it).
fn status_of(u: &users::User, linked: bool) -> &'static str {
    if u.disabled && linked && u.last_login_at.is_none() {
        "Awaiting approval"
    } else if u.disabled {
        "Disabled"
    } else if u.locked_until.is_some_and(|t| t > crate::store::now()) {
        "Locked"
    } else if u.service_account {
        "Service account"
    } else {
        "Active"
    }
}

pub async fn list(State(state): State<AppState>, ctx: AuthContext) -> WebResult<ListTemplate> {
    let all_areas = areas::list(&state.db).await?;
    let area_name =
        |id: i64| all_areas.iter().find(|a| a.id == id).map(|a| a.name.clone()).unwrap_or_default();
    let linked: std::collections::HashSet<i64> =
        crate::store::sso::identities(&state.db).await?.into_iter().map(|l| l.user_id).collect();
    let rows = users::list(&state.db)
        .await?
        .into_iter()
        .map(|s| UserRow {
            id: s.user.id,
            status: status_of(&s.user, linked.contains(&s.user.id)),
            mfa: s.user.totp_secret.is_some(),
            last_login: s
                .user
                .last_login_at
                .map(crate::domain::uk_time::short)
                .unwrap_or_else(|| "Never".into()),
            roles: s.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
            areas: s.area_ids.iter().map(|a| area_name(*a)).collect::<Vec<_>>().join(", "),
            name: s.user.name,
            email: s.user.email,
        })
        .collect();
    Ok(ListTemplate { page: Page::for_user(&ctx, "Users", "/admin/users"), users: rows })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_form.html")]
pub struct FormTemplate {
    page: Page,
    errors: FormErrors,
    name: String,
    email: String,
    service_account: bool,
    roles: Vec<Choice>,
    areas: Vec<Choice>,
}

fn role_choices(selected: &[String]) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: r.label().into(),
            checked: selected.iter().any(|s| s == r.as_str()),
        })
        .collect()
}

fn area_choices(all: &[areas::Area], selected: &[String]) -> Vec<Choice> {
    all.iter()
        .map(|a| Choice {
            value: a.id.to_string(),
            label: a.name.clone(),
            checked: selected.contains(&a.id.to_string()),
        })
        .collect()
}

pub async fn new_form(State(state): State<AppState>, ctx: AuthContext) -> WebResult<FormTemplate> {
    let all = areas::list(&state.db).await?;
    let default_areas: Vec<String> = if all.len() == 1 { vec![all[0].id.to_string()] } else { Vec::new() };
    Ok(FormTemplate {
        page: Page::for_user(&ctx, "Add a user", "/admin/users"),
        errors: FormErrors::default(),
        name: String::new(),
        email: String::new(),
        service_account: false,
        roles: role_choices(&[]),
        areas: area_choices(&all, &default_areas),
    })
}

/// Roles and areas from a form, with errors for anything unknown or missing.
fn parse_access(form: &FormData, all: &[areas::Area], errors: &mut FormErrors) -> (Vec<Role>, Vec<i64>) {
    let roles: Vec<Role> = form.all("role").iter().filter_map(|r| r.parse().ok()).collect();
    if roles.is_empty() {
        errors.add("role", "Select at least one role");
    }
    let area_ids: Vec<i64> = form
        .all("area")
        .iter()
        .filter_map(|a| a.parse().ok())
        .filter(|id| all.iter().any(|a| a.id == *id))
        .collect();
    let needs_area = roles.iter().any(|r| *r != Role::Admin);
    if needs_area && area_ids.is_empty() {
        errors.add("area", "Select the areas this user works in");
    }
    (roles, area_ids)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_created.html")]
pub struct CreatedTemplate {
    page: Page,
    id: i64,
    email: String,
    one_time_password: Option<String>,
}

pub async fn create(State(state): State<AppState>, ctx: AuthContext, form: FormData) -> WebResult<Response> {
    let all = areas::list(&state.db).await?;
    let mut errors = FormErrors::default();
    let name = form.get("name").trim().to_string();
    if let Err(message) = crate::domain::text::one_line(&name, 200, "Enter the person's full name", "Name") {
        errors.add("name", message);
    }
    let email = match EmailAddress::parse(form.get("email")) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.add("email", e.to_string());
            None
        }
    };
    let service_account = form.has("service_account");
    let (roles, area_ids) = parse_access(&form, &all, &mut errors);
    let render_again = |errors: FormErrors| FormTemplate {
        page: Page::for_user(&ctx, "Add a user", "/admin/users").with_errors(true),
        errors,
        name: name.clone(),
        email: form.get("email").to_string(),
        service_account,
        roles: role_choices(&form.all("role").iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        areas: area_choices(&all, &form.all("area").iter().map(|s| s.to_string()).collect::<Vec<_>>()),
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Ok(render_again(errors).into_response());
    };
    let new = accounts::NewAccount {
        email,
        name: name.clone(),
        roles,
        area_ids,
        service_account,
        password: if service_account { FirstPassword::None } else { FirstPassword::OneTime },
    };
    let created = match accounts::create(&state.db, &ctx.acting(), new).await {
        Ok(c) => c,
        Err(e) => {
            let mut errors = FormErrors::default();
            into_errors(e, &mut errors)?;
            return Ok(render_again(errors).into_response());
        }
    };
    Ok(CreatedTemplate {
        page: Page::for_user(&ctx, "User added", "/admin/users"),
        id: created.user.id,
        email: created.user.email,
        one_time_password: created.one_time_password,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
pub struct ShowTemplate {
    page: Page,
    errors: FormErrors,
    user: users::User,
    status: &'static str,
    roles: Vec<Choice>,
    areas: Vec<Choice>,
    version: i64,
    conflict: Option<String>,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    one_time_password: Option<String>,
    token_name: String,
    token_days: String,
    /// The name and email as typed (kept when they do not validate).
    name_typed: String,
    email_typed: String,
    /// Linked single sign-on accounts: (provider id, provider name, last sign-in).
    links: Vec<(String, String, String)>,
    /// The linked provider that sets this account's roles at each sign-in, if any.
    roles_set_by: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/confirm.html")]
pub struct ConfirmTemplate {
    page: Page,
    action: String,
    question: String,
    consequence: &'static str,
    button: &'static str,
    back: String,
}

/// The GOV.UK confirmation step for an action that ends sessions or resets credentials: shown
/// when the form did not say `confirm=yes`.
pub(super) async fn confirm_first(
    state: &AppState,
    ctx: &AuthContext,
    form: &FormData,
    id: i64,
    (action, what): (&str, &str),
    consequence: &'static str,
    button: &'static str,
) -> WebResult<Option<Response>> {
    if form.get("confirm") == "yes" {
        return Ok(None);
    }
    let user = users::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    Ok(Some(
        ConfirmTemplate {
            page: Page::for_user(ctx, format!("{what} for {}?", user.name), "/admin/users"),
            action: format!("/admin/users/{id}/{action}"),
            question: format!("{what} for {}?", user.name),
            consequence,
            button,
            back: format!("/admin/users/{id}"),
        }
        .into_response(),
    ))
}

async fn show_page(state: &AppState, ctx: &AuthContext, id: i64) -> WebResult<ShowTemplate> {
    let user = users::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let all = areas::list(&state.db).await?;
    let role_names: Vec<String> =
        users::roles(&state.db, id).await?.iter().map(|r| r.as_str().to_string()).collect();
    let area_ids: Vec<String> = users::area_ids(&state.db, id).await?.iter().map(|a| a.to_string()).collect();
    let links = crate::web::admin::user_sso::links(state, id).await?;
    Ok(ShowTemplate {
        page: Page::for_user(ctx, user.name.clone(), "/admin/users"),
        errors: FormErrors::default(),
        status: status_of(&user, !links.is_empty()),
        roles: role_choices(&role_names),
        areas: area_choices(&all, &area_ids),
        version: user.version,
        conflict: None,
        tokens: token_rows(tokens::list_for_user(&state.db, id).await?),
        new_token: None,
        one_time_password: None,
        token_name: String::new(),
        token_days: "365".into(),
        name_typed: user.name.clone(),
        email_typed: user.email.clone(),
        roles_set_by: links.iter().find_map(|(id, name, _)| {
            state.config.auth.sso_provider(id).is_some_and(|p| p.maps_roles()).then(|| name.clone())
        }),
        links,
        user,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
) -> WebResult<ShowTemplate> {
    show_page(&state, &ctx, id).await
}

/// Changes roles and areas, refusing a stale form (the page opened before someone else's change).
pub async fn update_access(
    State(state): State<AppState>,
    ctx: AuthContext,
    _: CurrentUser,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let mut page = show_page(&state, &ctx, id).await?;
    let all = areas::list(&state.db).await?;
    let mut errors = FormErrors::default();
    let (roles, area_ids) = parse_access(&form, &all, &mut errors);
    let typed_roles: Vec<String> = form.all("role").iter().map(|s| s.to_string()).collect();
    let typed_areas: Vec<String> = form.all("area").iter().map(|s| s.to_string()).collect();
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    if errors.is_empty() {
        match accounts::set_access(&state.db, &ctx.acting(), id, expected, &roles, &area_ids).await {
            Ok(()) => {
                return Ok(redirect_with_flash(&state, &format!("/admin/users/{id}"), "Access updated"));
            }
            Err(ServiceError::Conflict(message)) => {
                // Keep what the admin chose; offer the current version so they can save it knowingly.
                page.roles = role_choices(&typed_roles);
                page.areas = area_choices(&all, &typed_areas);
                page.conflict = Some(message);
                let mut response = page.into_response();
                *response.status_mut() = axum::http::StatusCode::CONFLICT;
                return Ok(response);
            }
            Err(e) => {
                into_errors(e, &mut errors)?;
            }
        }
    }
    page.roles = role_choices(&typed_roles);
    page.areas = area_choices(&all, &typed_areas);
    page.page.has_errors = true;
    page.errors = errors;
    Ok(page.into_response())
}

async fn set_disabled(state: &AppState, acting: &Acting<'_>, id: i64, disabled: bool) -> WebResult<Response> {
    accounts::set_disabled(&state.db, acting, id, disabled).await?;
    let message = if disabled {
        "The account is disabled and its sessions have ended"
    } else {
        "The account is enabled"
    };
    Ok(redirect_with_flash(state, &format!("/admin/users/{id}"), message))
}

pub async fn disable(
    State(state): State<AppState>,
    ctx: AuthContext,
    _: CurrentUser,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    if let Some(confirm) = confirm_first(
        &state,
        &ctx,
        &form,
        id,
        ("disable", "Disable the account"),
        "They are signed out everywhere at once and cannot sign in until an admin enables the account again. Their records and history are kept.",
        "Disable the account",
    )
    .await?
    {
        return Ok(confirm);
    }
    set_disabled(&state, &ctx.acting(), id, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    ctx: AuthContext,
    _: CurrentUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    set_disabled(&state, &ctx.acting(), id, false).await
}

/// Sets a one-time password for the admin to pass on; the user must change it at sign-in.
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    if let Some(confirm) = confirm_first(
        &state,
        &ctx,
        &form,
        id,
        ("reset-password", "Reset password"),
        "Their current password stops working and they are signed out everywhere. You will be shown a one-time password to pass on by phone or in person.",
        "Reset the password",
    )
    .await?
    {
        return Ok(confirm);
    }
    let one_time = accounts::reset_password(&state.db, &ctx.acting(), id).await?;
    let mut page = show_page(&state, &ctx, id).await?;
    page.one_time_password = Some(one_time);
    Ok(page.into_response())
}

pub async fn reset_two_factor(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    if let Some(confirm) = confirm_first(
        &state,
        &ctx,
        &form,
        id,
        ("reset-two-factor", "Reset two-factor authentication"),
        "Their authenticator app and recovery codes stop working and they are signed out everywhere. They set two-factor authentication up again at their next sign-in.",
        "Reset two-factor authentication",
    )
    .await?
    {
        return Ok(confirm);
    }
    accounts::reset_two_factor(&state.db, &ctx.acting(), id).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/admin/users/{id}"),
        "Two-factor authentication is reset; the user sets it up again at their next sign-in",
    ))
}

/// Creates an API token for a service account.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: AuthContext,
    _: CurrentUser,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let mut page = show_page(&state, &ctx, id).await?;
    if !page.user.service_account {
        return Err(WebError::BadRequest("People create their own tokens from their account page.".into()));
    }
    let mut errors = FormErrors::default();
    let Some((name, days)) = parse_token_form(&form, &mut errors) else {
        page.token_name = form.get("name").to_string();
        page.token_days = form.get("expires_days").to_string();
        page.page.has_errors = true;
        page.errors = errors;
        return Ok(page.into_response());
    };
    let (token, _) =
        accounts::tokens::create(&state.db, &state.clock, &ctx.acting(), id, &name, days).await?;
    let mut page = show_page(&state, &ctx, id).await?;
    page.new_token = Some(token);
    Ok(page.into_response())
}

/// `POST /admin/users/{id}/details`: corrects a user's name and email (audited; optimistically
/// locked like access changes).
pub async fn update_details(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let mut page = show_page(&state, &ctx, id).await?;
    let mut errors = FormErrors::default();
    let name =
        match crate::domain::text::one_line(form.get("name"), 200, "Enter the person's full name", "Name") {
            Ok(n) => Some(n),
            Err(m) => {
                errors.add("name", m);
                None
            }
        };
    let email = match EmailAddress::parse(form.get("email")) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.add("email", e.to_string());
            None
        }
    };
    page.name_typed = form.get("name").to_string();
    page.email_typed = form.get("email").to_string();
    let (Some(name), Some(email)) = (name, email) else {
        page.page.has_errors = true;
        page.errors = errors;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    let before = page.user.clone();
    match accounts::set_details(&state.db, &ctx.acting(), &before, expected, &name, &email).await {
        Ok(fields) if fields.is_empty() => {
            Ok(redirect_with_flash(&state, &format!("/admin/users/{id}"), "Nothing was changed"))
        }
        Ok(_) => Ok(redirect_with_flash(&state, &format!("/admin/users/{id}"), "Name and email updated")),
        Err(ServiceError::Conflict(message)) => {
            page.conflict = Some(message);
            Ok((axum::http::StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => {
            into_errors(e, &mut page.errors)?;
            page.page.has_errors = true;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
