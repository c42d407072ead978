//! Notifying a death without an account (`/notify`, when `notify.public_enabled`): the form,
//! Check your answers with the answers carried in the page, sending (rate-limited per address),
//! and the confirmation after a redirect.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::domain::codes::Source;
use crate::domain::notification;
use crate::intake::{self, IntakeError};
use crate::web::AppState;
use crate::web::auth::{AuthContext, redirect_with_flash};
use crate::web::cases::check::{self, CheckTemplate};
use crate::web::cases::form::{
    FormTemplate, Mode, Render, compact_professionals, form_errors, input_from_form, render, row_buttons,
};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "cases/notify_done.html")]
pub struct PublicDoneTemplate {
    page: Page,
    /// Shown once, right after sending (a refresh shows the page without it).
    reference: Option<String>,
}

/// `GET /notify/done`: the confirmation after a public notification (post/redirect/get: the
/// reference comes once, in the one-off message cookie, so a refresh never sends it again).
pub async fn public_done(State(state): State<AppState>, ctx: AuthContext) -> WebResult<PublicDoneTemplate> {
    if !state.config.notify.public_enabled {
        return Err(WebError::NotFound);
    }
    let reference =
        ctx.flash.as_deref().and_then(crate::domain::reference::CaseReference::parse).map(|r| r.to_string());
    let mut page = Page::anonymous("Notification received").with_csrf(&ctx.csrf_token);
    page.flash = None;
    Ok(PublicDoneTemplate { page, reference })
}

/// `GET /notify`: the form for professionals without an account (when enabled).
pub async fn show_public(State(state): State<AppState>, ctx: AuthContext) -> WebResult<FormTemplate> {
    if !state.config.notify.public_enabled {
        return Err(WebError::NotFound);
    }
    render(&state, &ctx, public_render(), FormData::default(), FormErrors::default()).await
}

fn public_render() -> Render {
    Render { mode: Mode::Public, action: "/notify".into(), focus_row: None, extra_rows: 0 }
}

pub async fn submit_public(
    State(state): State<AppState>,
    ctx: AuthContext,
    form: FormData,
) -> WebResult<Response> {
    if !state.config.notify.public_enabled {
        return Err(WebError::NotFound);
    }
    if let Some(response) = row_buttons(&state, &ctx, &form, public_render()).await? {
        return Ok(response);
    }
    let form = compact_professionals(&form, None);
    let input = input_from_form(&form);
    let parsed = match notification::parse(&input, state.clock.today()) {
        Ok(n) => n,
        Err(problems) => {
            return Ok(render(&state, &ctx, public_render(), form, form_errors(&problems))
                .await?
                .into_response());
        }
    };
    match form.get("action") {
        // "Change" on the check page: the form again, with everything typed.
        "change" => {
            return Ok(render(&state, &ctx, public_render(), form, FormErrors::default())
                .await?
                .into_response());
        }
        // Only "Send notification" on the check page sends; "Continue" (or Enter) shows the answers.
        "send" => {}
        _ => {
            // Without an account there is nowhere to keep a draft: the answers travel in the
            // check page's hidden fields (over TLS, never in a URL), and are checked again on sending.
            let area_name =
                intake::resolve_area(&state, &parsed.area).await.map(|a| a.name).unwrap_or_default();
            let mut hidden: Vec<(String, String)> = form
                .0
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "action"))
                .cloned()
                .collect();
            // The key that makes sending this page twice record one case (the form page gives
            // one; a form posted without it gets one here).
            if form.get("submission").is_empty() {
                hidden.push(("submission".into(), crate::crypto::secrets::random_token()));
            }
            return Ok(CheckTemplate {
                page: Page::anonymous("Check your answers before sending").with_csrf(&ctx.csrf_token),
                draft: 0,
                sections: check::sections(&parsed, &area_name, ""),
                public_fields: Some(hidden),
            }
            .into_response());
        }
    }
    // Only valid submissions count against the hourly allowance.
    if !crate::web::rate_limit::Limit::notify(&state).allow(&state, ctx.client_ip).await? {
        return Err(WebError::TooManyRequests);
    }
    let context = intake::Origin {
        actor: crate::domain::audit::Actor::Anonymous,
        source: Source::Public,
        request_id: &ctx.request_id,
        area_scope: None,
        synthetic: false,
        notified_at: None,
        submission: Some(form.get("submission")).filter(|k| !k.is_empty()),
    };
    match intake::notify(&state, parsed, context).await {
        Ok(outcome) => Ok(redirect_with_flash(&state, "/notify/done", &outcome.reference)),
        Err(IntakeError::Invalid(problems)) => {
            Ok(render(&state, &ctx, public_render(), form, form_errors(&problems)).await?.into_response())
        }
        Err(IntakeError::Other(e)) => Err(WebError::Internal(e)),
    }
}
