//! An account's single sign-on links on its admin page, and unlinking one (a provider account
//! linked to the wrong person, or a person who left the organisation whose address was reused).

use axum::extract::{Path, State};
use axum::response::Response;

use crate::web::AppState;
use crate::web::admin::retention::long_date;
use crate::web::admin::users::confirm_first;
use crate::web::auth::{AuthContext, redirect_with_flash};
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::FormData;

/// (provider id, provider name, last sign-in) for each provider account linked to `user_id`.
pub async fn links(state: &AppState, user_id: i64) -> WebResult<Vec<(String, String, String)>> {
    Ok(crate::store::sso::identities_of(&state.db, user_id)
        .await?
        .into_iter()
        .map(|l| {
            let name = state.config.auth.sso_name(&l.provider);
            let last = match l.last_sign_in_at {
                Some(t) => format!(
                    "Last signed in {}{}",
                    long_date(t.date_naive()),
                    if l.last_mfa { ", with a second factor" } else { "" }
                ),
                None => "Not signed in yet".into(),
            };
            (l.provider, name, last)
        })
        .collect())
}

/// `POST /admin/users/{id}/sso/{provider}/unlink`, after a confirmation step.
pub async fn unlink(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path((id, provider)): Path<(i64, String)>,
    form: FormData,
) -> WebResult<Response> {
    if !provider.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(WebError::NotFound);
    }
    if let Some(confirm) = confirm_first(
        &state,
        &ctx,
        &form,
        id,
        (&format!("sso/{provider}/unlink"), "Unlink single sign-on"),
        "They are signed out everywhere. Their next sign-in with this provider links the provider account with the same email address again, or is refused if none matches.",
        "Unlink",
    )
    .await?
    {
        return Ok(confirm);
    }
    if !crate::accounts::sso::unlink(&state.db, &ctx.acting(), id, &provider).await? {
        return Err(WebError::NotFound);
    }
    Ok(redirect_with_flash(
        &state,
        &format!("/admin/users/{id}"),
        "Single sign-on unlinked; the user is signed out",
    ))
}
