//! Reporting progress on an action: the owner through the link in their email (no account), or
//! staff from the action's page. Both show the action and ask for its status and a note; the
//! history is on the action's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::review::action_progress::{self as service, ACCOUNT, OWNER_LINK, REPORTABLE};
use crate::review::actions::{self, View};
use crate::service::{Acting, ServiceError};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::{WebError, WebResult, field_errors};
use crate::web::form_body::{Choice, FormData, FormErrors};
use crate::web::page::Page;

const LINK_BUCKET: &str = "action-link";

#[derive(Template, WebTemplate)]
#[template(path = "review/action_progress.html")]
struct ProgressTemplate {
    page: Page,
    /// Where the form posts.
    action: String,
    view: View,
    statuses: Vec<Choice>,
    note: String,
    errors: FormErrors,
    /// Reported just now (the owner's page thanks them).
    done: bool,
    owner: bool,
}

fn statuses(current: &str) -> Vec<Choice> {
    REPORTABLE.iter().map(|s| Choice::new(s.code(), s.label(), s.code() == current)).collect()
}

#[allow(clippy::too_many_arguments)]
fn render(
    page: Page,
    action: String,
    view: View,
    typed_status: &str,
    note: String,
    errors: FormErrors,
    done: bool,
    owner: bool,
) -> Response {
    let code = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = page.with_errors(!errors.is_empty());
    let statuses = statuses(typed_status);
    (code, ProgressTemplate { page, action, view, statuses, note, errors, done, owner }).into_response()
}

/// The action behind an owner's link, opened; "not found" (counted against the client's
/// allowance) for any link that does not open one.
async fn by_link(
    state: &AppState,
    ctx: &AuthContext,
    token: &str,
) -> WebResult<(crate::store::actions::Action, View)> {
    let Some(a) = service::by_link(state, token).await? else {
        crate::web::rate_limit::Limit::link(state, LINK_BUCKET).unknown(state, ctx.client_ip).await?;
        return Err(WebError::NotFound);
    };
    let view = actions::view(state, &[a.area_id], &a.reference).await?;
    Ok((a, view))
}

/// `GET /a/{token}`: the owner's page.
pub async fn owner_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let (_, view) = by_link(&state, &ctx, &token).await?;
    let page = Page::anonymous(format!("Action {}", view.reference)).with_csrf(&ctx.csrf_token);
    let status = view.status.clone();
    Ok(render(page, format!("/a/{token}"), view, &status, String::new(), FormErrors::default(), false, true))
}

/// `POST /a/{token}`: the owner reports progress.
pub async fn owner_report(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(token): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let (a, _) = by_link(&state, &ctx, &token).await?;
    let acting =
        Acting { actor: crate::domain::audit::Actor::Anonymous, roles: &[], request_id: &ctx.request_id };
    let result = service::record(
        &state,
        &acting,
        &a,
        form.get("status"),
        form.get("note"),
        &form.confirmed(),
        OWNER_LINK,
    )
    .await;
    let view = actions::view(&state, &[a.area_id], &a.reference).await?;
    let page = Page::anonymous(format!("Action {}", view.reference)).with_csrf(&ctx.csrf_token);
    match result {
        Ok(()) => {
            let status = view.status.clone();
            Ok(render(
                page,
                format!("/a/{token}"),
                view,
                &status,
                String::new(),
                FormErrors::default(),
                true,
                true,
            ))
        }
        Err(ServiceError::Refused(m)) => Err(WebError::Conflict(m)),
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(render(
                page,
                format!("/a/{token}"),
                view,
                form.get("status"),
                form.get("note").into(),
                errors,
                false,
                true,
            ))
        }
    }
}

/// `GET /actions/{reference}/progress`: staff record progress for the owner.
pub async fn staff_page(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let view = actions::view(&state, &me.area_ids, &reference).await?;
    let page = Page::for_user(&ctx, format!("Progress on action {}", view.reference), "/actions");
    let status = view.status.clone();
    let to = format!("/actions/{}/progress", view.reference);
    Ok(render(page, to, view, &status, String::new(), FormErrors::default(), false, false))
}

/// `POST /actions/{reference}/progress`.
pub async fn staff_record(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let a = actions::find(&state, &me.area_ids, &reference).await?;
    let result = service::record(
        &state,
        &ctx.acting(),
        &a,
        form.get("status"),
        form.get("note"),
        &form.confirmed(),
        ACCOUNT,
    )
    .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(&state, &format!("/actions/{reference}"), "Progress recorded.")),
        Err(e) => {
            let errors = field_errors(e)?;
            let view = actions::view(&state, &me.area_ids, &reference).await?;
            let page = Page::for_user(&ctx, format!("Progress on action {}", view.reference), "/actions");
            let to = format!("/actions/{}/progress", view.reference);
            Ok(render(page, to, view, form.get("status"), form.get("note").into(), errors, false, false))
        }
    }
}
