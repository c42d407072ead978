//! "Change the notification": staff who may amend (coordinators and designated doctors, in the
//! case's area) correct a recorded notification. Opening the form is an audited reveal; saving
//! needs a reason, keeps the earlier version, and a stale edit gets the conflict page with what
//! was typed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::amendment;
use crate::domain::audit::AuditAction;
use crate::domain::codes::CaseStatus;
use crate::domain::notification::{self, Coded, SealedIdentity};
use crate::domain::policy::{Action, Principal};
use crate::intake::IntakeError;
use crate::intake::amend::{self, AmendError, Amendment};
use crate::store::audit;
use crate::store::cases::Case;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::cases::form::{
    Mode, Render, compact_professionals, form_errors, form_from_input, input_from_form, render, row_buttons,
};
use crate::web::cases::{load_in_scope, open_one};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::{FormData, FormErrors};

fn edit_render(reference: &str, version: i64) -> Render {
    Render {
        mode: Mode::Edit { version },
        action: format!("/cases/{reference}/edit"),
        focus_row: None,
        extra_rows: 0,
    }
}

/// A case that may be amended, with its sealed record opened and its coded columns read.
async fn load(state: &AppState, me: &Principal, reference: &str) -> WebResult<(Case, SealedIdentity, Coded)> {
    let case = load_in_scope(state, me, reference, Action::AmendNotification).await?;
    if matches!(CaseStatus::parse(&case.status), Some(CaseStatus::Merged | CaseStatus::Rejected)) {
        return Err(WebError::BadRequest(
            "This notification was merged or rejected, so it cannot be changed. Change the case it was merged into."
                .into(),
        ));
    }
    let identity = open_one(state, &case).await?;
    let coded = crate::store::cases::coded_of(&case)
        .ok_or_else(|| WebError::internal(anyhow::anyhow!("coded columns unreadable")))?;
    Ok((case, identity, coded))
}

/// `GET /cases/{reference}/edit`.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let (case, identity, coded) = load(&state, &me, &reference).await?;
    // Opening the identity to correct it is a reveal: a single sign-on session signed in a while
    // ago signs in again with its provider first.
    let page = format!("/cases/{}/edit", case.reference);
    if let Some(again) = crate::web::auth::sso::reauthentication_needed(&state, &ctx, &page) {
        return Ok(again);
    }
    audit::append_now(
        &state.db,
        &ctx.acting()
            .event(AuditAction::CaseRevealed, "case", case.reference.clone())
            .area(case.area_id)
            .details("for=amendment"),
    )
    .await?;
    let values = form_from_input(&notification::to_input(&case.area_id.to_string(), &identity, &coded));
    Ok(render(&state, &ctx, edit_render(&case.reference, case.version), values, FormErrors::default())
        .await?
        .into_response())
}

/// `POST /cases/{reference}/edit`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    form: FormData,
) -> WebResult<Response> {
    let expected: i64 = form.get("version").trim().parse().unwrap_or(-1);
    let (case, before, coded) = load(&state, &me, &reference).await?;
    let base = edit_render(&case.reference, expected);
    if let Some(response) = row_buttons(&state, &ctx, &form, base).await? {
        return Ok(response);
    }
    let form = compact_professionals(&form, None);
    let input = input_from_form(&form);
    let parsed = notification::parse(&input, state.clock.today());
    let reason = amendment::reason(form.get("reason"));
    let mut problems = parsed.as_ref().err().cloned().unwrap_or_default();
    if let Err(message) = &reason {
        problems.push(notification::FieldProblem { field: "reason".into(), message: message.clone() });
    }
    let (Ok(after), Ok(reason)) = (parsed, reason) else {
        let page = render(&state, &ctx, edit_render(&case.reference, expected), form, form_errors(&problems))
            .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let old_input = notification::to_input(&case.area_id.to_string(), &before, &coded);
    let fields = amendment::changed_fields(&old_input, &input);
    if fields.is_empty() {
        return Ok(redirect_with_flash(&state, &format!("/cases/{}", case.reference), "Nothing was changed"));
    }
    let amendment = Amendment {
        case: &case,
        before,
        after,
        expected_version: expected,
        fields: fields.clone(),
        reason,
        actor: me.actor(),
        request_id: &ctx.request_id,
        area_scope: &me.area_ids,
    };
    match amend::amend(&state, amendment).await {
        Ok(outcome) => {
            let mut message = format!(
                "Notification changed ({}). This is version {}; the earlier version is kept",
                amend::describe(&fields),
                outcome.version
            );
            if let Some(d) = outcome.duplicate_of {
                message.push_str(&format!(". It may duplicate {d}: a coordinator should check"));
            }
            Ok(redirect_with_flash(&state, &format!("/cases/{}", case.reference), &message))
        }
        Err(AmendError::Conflict(_)) => {
            // Keep what was typed; the form now carries the current version, so sending it again
            // is a deliberate overwrite after reading the case's timeline.
            let mut page =
                render(&state, &ctx, edit_render(&case.reference, case.version), form, FormErrors::default())
                    .await?;
            page.conflict = Some(format!(
                "Someone else changed this case (now version {}) since you opened it. Nothing has been saved. Your changes are below: check the case's timeline, then save again to replace their version, or cancel.",
                case.version
            ));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(AmendError::Intake(IntakeError::Invalid(problems))) => {
            let page =
                render(&state, &ctx, edit_render(&case.reference, expected), form, form_errors(&problems))
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AmendError::Intake(IntakeError::Other(e))) => Err(WebError::Internal(e)),
    }
}
