//! Moving a case to another area, and closing a reviewed case.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::codes::MoveReason;
use crate::domain::policy::{Action, Principal};
use crate::review::casework as service;
use crate::service::ServiceError;
use crate::store::areas;
use crate::store::cases::Case;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash, redirect_with_problem};
use crate::web::cases::load_in_scope;
use crate::web::error::WebResult;
use crate::web::error::field_errors;
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "review/move.html")]
struct MoveTemplate {
    page: Page,
    reference: String,
    current_area: String,
    areas: Vec<Choice>,
    reasons: Vec<Choice>,
    errors: FormErrors,
}

async fn render(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    case: &Case,
    form: Option<&FormData>,
    errors: FormErrors,
) -> WebResult<Response> {
    let all = areas::list(&state.db).await?;
    let chosen = form.map(|f| f.get("area").to_string()).unwrap_or_default();
    let reason = form.map(|f| f.get("reason").to_string()).unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        MoveTemplate {
            page: Page::for_user(ctx, format!("Move {} to another area", case.reference), "/cases")
                .with_errors(!errors.is_empty()),
            reference: case.reference.clone(),
            current_area: all
                .iter()
                .find(|a| a.id == case.area_id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            areas: all
                .iter()
                .filter(|a| a.id != case.area_id && me.permits_in(Action::MoveCase, a.id))
                .map(|a| Choice::new(a.id.to_string(), a.name.clone(), a.id.to_string() == chosen))
                .collect(),
            reasons: MoveReason::ALL
                .iter()
                .map(|r| Choice::new(r.code(), r.label(), r.code() == reason))
                .collect(),
            errors,
        },
    )
        .into_response())
}

/// `GET /cases/{reference}/move`.
pub async fn move_form(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::MoveCase).await?;
    render(&state, &ctx, &me, &case, None, FormErrors::default()).await
}

/// `POST /cases/{reference}/move`.
pub async fn move_case(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::MoveCase).await?;
    let to = form.get("area").parse::<i64>().ok();
    let reason = MoveReason::parse(form.get("reason"));
    let scope: Vec<i64> =
        me.area_ids.iter().copied().filter(|a| me.permits_in(Action::MoveCase, *a)).collect();
    match service::move_area(&state, &ctx.acting(), &scope, &case, to, reason).await {
        Ok(()) => {
            let name = match to {
                Some(id) => areas::find(&state.db, id).await?.map(|a| a.name).unwrap_or_default(),
                None => String::new(),
            };
            Ok(redirect_with_flash(
                &state,
                &format!("/cases/{}", case.reference),
                &format!("Case {} moved to {name}. It keeps its reference.", case.reference),
            ))
        }
        Err(e) => render(&state, &ctx, &me, &case, Some(&form), field_errors(e)?).await,
    }
}

/// `POST /cases/{reference}/close`.
pub async fn close(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::EditAnalysis).await?;
    let back = format!("/cases/{}", case.reference);
    match service::close(&state, &ctx.acting(), &case).await {
        Ok(()) => Ok(redirect_with_flash(&state, &back, "Case closed. The closure date is recorded.")),
        Err(ServiceError::Refused(m)) => Ok(redirect_with_problem(&state, &back, "close-case", &m)),
        Err(e) => Err(e.into()),
    }
}
