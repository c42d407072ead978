//! Admin: the areas the panel serves.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::accounts;
use crate::domain::audit::AuditAction;
use crate::service::ServiceError;
use crate::store::{self, StoreError, areas, audit};
use crate::web::AppState;
use crate::web::auth::{AuthContext, redirect_with_flash};
use crate::web::error::into_errors;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "admin/areas.html")]
pub struct AreasTemplate {
    page: Page,
    errors: FormErrors,
    areas: Vec<areas::Area>,
    name: String,
    /// The area whose rename failed, with what was typed.
    editing: Option<(i64, String)>,
    conflict: Option<String>,
}

async fn page(state: &AppState, ctx: &AuthContext, errors: FormErrors) -> WebResult<AreasTemplate> {
    Ok(AreasTemplate {
        page: Page::for_user(ctx, "Areas", "/admin/areas").with_errors(!errors.is_empty()),
        errors,
        areas: areas::list(&state.db).await?,
        name: String::new(),
        editing: None,
        conflict: None,
    })
}

pub async fn list(State(state): State<AppState>, ctx: AuthContext) -> WebResult<AreasTemplate> {
    page(&state, &ctx, FormErrors::default()).await
}

pub async fn create(State(state): State<AppState>, ctx: AuthContext, form: FormData) -> WebResult<Response> {
    let name = form.get("name").trim().to_string();
    let mut errors = FormErrors::default();
    match accounts::areas::create(&state.db, &ctx.acting(), &name).await {
        Ok(_) => return Ok(redirect_with_flash(&state, "/admin/areas", "Area added")),
        Err(e) => {
            into_errors(e, &mut errors)?;
        }
    }
    let mut p = page(&state, &ctx, errors).await?;
    p.name = name;
    Ok(p.into_response())
}

pub async fn rename(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let name = form.get("name").trim().to_string();
    let field = format!("area-{id}");
    let mut errors = FormErrors::default();
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    let mut conflict = None;
    match accounts::areas::rename(&state.db, &ctx.acting(), id, expected, &name, &field).await {
        Ok(()) => return Ok(redirect_with_flash(&state, "/admin/areas", "Area renamed")),
        Err(ServiceError::Conflict(message)) => conflict = Some(message),
        Err(e) => {
            into_errors(e, &mut errors)?;
        }
    }
    let mut p = page(&state, &ctx, errors).await?;
    p.editing = Some((id, name));
    p.conflict = conflict;
    let mut response = p.into_response();
    if response.status().is_success() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `POST /admin/areas/{id}/active`: deactivates (kept for history, gone from forms and filters)
/// or reactivates an area.
pub async fn set_active(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
    form: FormData,
) -> WebResult<Response> {
    let active = match form.get("active") {
        "true" => true,
        "false" => false,
        _ => return Err(WebError::BadRequest("Choose whether to deactivate or reactivate the area.".into())),
    };
    let expected: i64 = form.get("version").parse().unwrap_or(-1);
    let txn = store::begin_write(&state.db).await?;
    match areas::set_active(&txn, id, expected, active).await {
        Ok(area) => {
            audit::append(
                &txn,
                &ctx.acting()
                    .event(AuditAction::AreaStatusChanged, "area", id.to_string())
                    .area(id)
                    .details(format!("active={active}")),
            )
            .await?;
            txn.commit().await?;
            let message = if active {
                format!("{} reactivated", area.name)
            } else {
                format!(
                    "{} deactivated: it is kept for history, and no longer offered in forms and filters",
                    area.name
                )
            };
            Ok(redirect_with_flash(&state, "/admin/areas", &message))
        }
        Err(StoreError::Conflict(message)) => {
            let mut p = page(&state, &ctx, FormErrors::default()).await?;
            p.conflict = Some(message);
            Ok((axum::http::StatusCode::CONFLICT, p).into_response())
        }
        Err(StoreError::NotFound) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
