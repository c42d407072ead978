//! Drafts of forms in the browser: what was typed, sealed with the service's age key like a case,
//! kept for `notify.draft_days`, owned by one user. Used by "Save as draft", by "Check your
//! answers", and to keep a form that arrives after the session timed out.

use chrono::TimeDelta;

use crate::store::drafts;
use crate::web::AppState;
use crate::web::error::{WebError, WebResult};
use crate::web::form_body::FormData;

pub const NOTIFICATION: &str = "notification";

/// Seals the form's values (less its CSRF token and button) and saves them as `id` (when it is
/// this user's) or as a new draft. Returns the draft's id.
pub async fn save(
    state: &AppState,
    user_id: i64,
    id: Option<i64>,
    kind: &str,
    form: &FormData,
) -> WebResult<i64> {
    let pairs: Vec<&(String, String)> = form
        .0
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "action" | "draft" | "version"))
        .collect();
    let sealed = state.seal_json(&pairs)?;
    let keep = TimeDelta::days(i64::from(state.config.notify.draft_days));
    Ok(drafts::save(&state.db, id, user_id, kind, sealed, state.keys.keyring.key_id(), keep).await?)
}

/// Opens this user's draft; `None` when it is not theirs, has expired or does not exist.
pub async fn load(state: &AppState, user_id: i64, id: i64) -> WebResult<Option<(drafts::Draft, FormData)>> {
    let Some(draft) = drafts::find(&state.db, id, user_id).await? else { return Ok(None) };
    let plain = state.keys.keyring.open(&draft.sealed).map_err(WebError::internal)?;
    let pairs: Vec<(String, String)> = serde_json::from_slice(&plain).map_err(WebError::internal)?;
    Ok(Some((draft, FormData(pairs))))
}

/// A draft id from a form field or query parameter.
pub fn parse_id(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|id| *id > 0)
}
