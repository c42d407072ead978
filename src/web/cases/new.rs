//! Notifying a death as signed-in staff (`/cases/new`): the form (blank with the notifier's
//! details filled in, or a saved draft), "Save as draft", "Continue" to Check your answers
//! (`/cases/new/check`), and sending.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::codes::Source;
use crate::domain::notification;
use crate::intake::{self, IntakeError};
use crate::store;
use crate::web::AppState;
use crate::web::auth::{AuthContext, redirect_with_flash, redirect_with_problem};
use crate::web::cases::check::{self, CheckTemplate};
use crate::web::cases::form::{
    Mode, Render, compact_professionals, form_errors, input_from_form, render, row_buttons,
};
use crate::web::drafts;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};
use crate::web::page::Page;

#[derive(Debug, Default, serde::Deserialize)]
pub struct DraftQuery {
    #[serde(default)]
    draft: String,
}

/// `GET /cases/new[?draft=ID]`: an empty form with the signed-in notifier's details filled in, or
/// a saved draft.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    crate::web::params::Q(q): crate::web::params::Q<DraftQuery>,
) -> WebResult<Response> {
    let me = ctx.require()?.clone();
    let mut values = FormData::default();
    if let Some(id) = drafts::parse_id(&q.draft) {
        match drafts::load(&state, me.user_id, id).await? {
            Some((_, form)) => {
                values = form;
                values.0.push(("draft".into(), id.to_string()));
            }
            None => {
                return Ok(redirect_with_problem(
                    &state,
                    "/cases/new",
                    "main-content",
                    "That draft has expired or was already sent. Start a new notification",
                ));
            }
        }
    } else {
        values.0.push(("notifier.name".into(), me.name.clone()));
        values.0.push(("notifier.email".into(), me.email.clone()));
    }
    Ok(render(&state, &ctx, staff_render(0, None), values, FormErrors::default()).await?.into_response())
}

fn staff_render(extra_rows: usize, focus_row: Option<usize>) -> Render {
    Render { mode: Mode::Staff, action: "/cases/new".into(), focus_row, extra_rows }
}

/// `POST /cases/new`: "Continue" checks the answers and shows them for confirmation; "Save as
/// draft" keeps what was typed (sealed) for `notify.draft_days`.
pub async fn submit(State(state): State<AppState>, ctx: AuthContext, form: FormData) -> WebResult<Response> {
    let me = ctx.require()?.clone();
    if let Some(response) = row_buttons(&state, &ctx, &form, staff_render(0, None)).await? {
        return Ok(response);
    }
    let draft_id = drafts::parse_id(form.get("draft"));
    let form = compact_professionals(&form, None);
    if form.get("action") == "save_draft" {
        let id = drafts::save(&state, me.user_id, draft_id, drafts::NOTIFICATION, &form).await?;
        let message = format!(
            "Draft saved. It is kept for {} days; you can find it on your home page",
            state.config.notify.draft_days
        );
        return Ok(redirect_with_flash(&state, &format!("/cases/new?draft={id}"), &message));
    }
    let input = input_from_form(&form);
    if let Err(problems) = notification::parse(&input, state.clock.today()) {
        let mut form = form;
        if let Some(id) = draft_id {
            form.0.push(("draft".into(), id.to_string()));
        }
        return Ok(render(&state, &ctx, staff_render(0, None), form, form_errors(&problems))
            .await?
            .into_response());
    }
    let id = drafts::save(&state, me.user_id, draft_id, drafts::NOTIFICATION, &form).await?;
    Ok(Redirect::to(&format!("/cases/new/check?draft={id}")).into_response())
}

/// `GET /cases/new/check?draft=ID`: "Check your answers" before sending.
pub async fn show_check(
    State(state): State<AppState>,
    ctx: AuthContext,
    crate::web::params::Q(q): crate::web::params::Q<DraftQuery>,
) -> WebResult<Response> {
    let me = ctx.require()?.clone();
    let id = drafts::parse_id(&q.draft).ok_or(WebError::NotFound)?;
    let Some((_, form)) = drafts::load(&state, me.user_id, id).await? else {
        return Ok(redirect_with_problem(
            &state,
            "/cases/new",
            "main-content",
            "That draft has expired or was already sent",
        ));
    };
    let input = input_from_form(&form);
    let Ok(parsed) = notification::parse(&input, state.clock.today()) else {
        // Something changed (e.g. a date is now in the future): back to the form to correct it.
        return Ok(Redirect::to(&format!("/cases/new?draft={id}")).into_response());
    };
    let area_name = intake::resolve_area(&state, &parsed.area).await.map(|a| a.name).unwrap_or_default();
    Ok(CheckTemplate {
        page: Page::for_user(&ctx, "Check your answers before sending", "/cases/new"),
        draft: id,
        sections: check::sections(&parsed, &area_name, &format!("/cases/new?draft={id}")),
        public_fields: None,
    }
    .into_response())
}

/// `POST /cases/new/check`: sends the checked notification.
pub async fn submit_check(
    State(state): State<AppState>,
    ctx: AuthContext,
    form: FormData,
) -> WebResult<Response> {
    let me = ctx.require()?.clone();
    let id = drafts::parse_id(form.get("draft")).ok_or(WebError::NotFound)?;
    let Some((_, values)) = drafts::load(&state, me.user_id, id).await? else {
        return Ok(redirect_with_problem(
            &state,
            "/cases",
            "main-content",
            "That notification was already sent, or its draft expired. Check the case list before notifying again",
        ));
    };
    let input = input_from_form(&values);
    let parsed = match notification::parse(&input, state.clock.today()) {
        Ok(n) => n,
        Err(_) => return Ok(Redirect::to(&format!("/cases/new?draft={id}")).into_response()),
    };
    let context = intake::Origin {
        actor: me.actor(),
        source: Source::Form,
        request_id: &ctx.request_id,
        area_scope: Some(&me.area_ids),
        synthetic: false,
        notified_at: None,
        submission: Some(values.get("submission")).filter(|k| !k.is_empty()),
    };
    match intake::notify(&state, parsed, context).await {
        Ok(outcome) if outcome.repeated => Ok(redirect_with_problem(
            &state,
            &format!("/cases/{}", outcome.reference),
            "main-content",
            &format!("This notification was already sent: it is {}", outcome.reference),
        )),
        Ok(outcome) => {
            store::drafts::delete(&state.db, id, me.user_id).await?;
            Ok(redirect_with_flash(
                &state,
                &format!("/cases/{}", outcome.reference),
                &recorded_message(&outcome, &me.area_ids),
            ))
        }
        Err(IntakeError::Invalid(problems)) => {
            let mut values = values;
            values.0.push(("draft".into(), id.to_string()));
            Ok(render(&state, &ctx, staff_render(0, None), values, form_errors(&problems))
                .await?
                .into_response())
        }
        Err(IntakeError::Other(e)) => Err(WebError::Internal(e)),
    }
}

/// What the person is told once a notification is recorded.
/// `area_ids`: the areas the person works in (a flag naming a case elsewhere is not shown).
pub fn recorded_message(outcome: &intake::Outcome, area_ids: &[i64]) -> String {
    match (outcome.duplicate_seen_from(area_ids), outcome.duplicate_by_nhs_number) {
        (Some(d), true) => format!(
            "Notification recorded as {}. It has the same NHS number as {d}, so it is flagged for a coordinator to confirm or merge",
            outcome.reference
        ),
        (Some(d), false) => format!(
            "Notification recorded as {}. {d} has the same date of death in the same area, so it is flagged for a coordinator to check",
            outcome.reference
        ),
        (None, _) => format!("Notification recorded as {}", outcome.reference),
    }
}

/// What the sign-in guard keeps of a notification posted to `/cases/new` after the session timed
/// out: the form, as a draft (see `web::auth::KeepTyped`).
pub fn keep_typed(
    state: AppState,
    user_id: i64,
    form: FormData,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = WebResult<i64>> + Send>> {
    Box::pin(async move {
        let previous = drafts::parse_id(form.get("draft"));
        let form = crate::web::cases::form::compact_professionals(&form, None);
        drafts::save(&state, user_id, previous, drafts::NOTIFICATION, &form).await
    })
}

/// [`keep_typed`] for "Check your answers", which already has its draft: only the way back is
/// needed.
pub fn keep_checked(
    state: AppState,
    user_id: i64,
    form: FormData,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = WebResult<i64>> + Send>> {
    match drafts::parse_id(form.get("draft")) {
        Some(id) => Box::pin(async move { Ok(id) }),
        None => keep_typed(state, user_id, form),
    }
}
