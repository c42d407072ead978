//! Review pages: meetings and their agendas, anonymised case packs, pre-panel categorisation, the
//! Analysis Form with sign-off and amendments, and review reports.

pub mod action_progress;
pub mod actions;
pub mod analysis;
pub mod briefings;
pub mod casework;
pub mod family;
pub mod meeting;
pub mod meetings;
pub mod packs;
pub mod reports;

use crate::domain::policy::{Action, Principal};
use crate::store::meetings::{self as meeting_store, Meeting};
use crate::web::AppState;
use crate::web::error::{WebError, WebResult};

/// A meeting the user may see: one they attend, or (for those who arrange meetings) one in their
/// areas. Anyone else gets "not found". Returns the meeting and whether they attend it.
pub async fn load_meeting(state: &AppState, me: &Principal, id: i64) -> WebResult<(Meeting, bool)> {
    let m = meeting_store::find(&state.db, id).await?.ok_or(WebError::NotFound)?;
    let attends = meeting_store::is_attendee(&state.db, id, me.user_id).await?;
    if attends {
        return Ok((m, true));
    }
    let areas = meeting_store::areas(&state.db, id).await?;
    if me.permits(Action::ManageMeetings) && areas.iter().any(|a| me.area_ids.contains(a)) {
        return Ok((m, false));
    }
    Err(WebError::NotFound)
}
