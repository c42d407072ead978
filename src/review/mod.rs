//! The review stage: meetings (CDRM and panel) and their agendas, anonymised case packs, private
//! pre-panel categorisation, the Analysis Form with sign-off and amendments, the actions register,
//! learning briefings, and contact with the family.
//!
//! Like `gathering`, each function does its work in one transaction (rows, audit events, outbox
//! rows and the case's status together) and is called by the pages and the API alike.

pub mod actions;
pub mod analysis;
pub mod briefings;
pub mod calendar;
pub mod casework;
pub mod family;
pub mod meetings;
pub mod packs;
pub mod prepanel;

pub use crate::gathering::{Acting, GatherError as ReviewError, GatherResult as ReviewResult};

use crate::domain::audit::{AuditAction, AuditEvent};
use crate::store::meetings::Meeting;

/// A field problem, as the pages show it next to the field.
pub(crate) fn invalid(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::Invalid(vec![(field.to_string(), message.into())])
}

/// An audit event about a meeting.
pub(crate) fn meeting_event(acting: &Acting<'_>, action: AuditAction, m: &Meeting) -> AuditEvent {
    AuditEvent::new(acting.actor.clone(), action, "meeting", m.id.to_string()).request(acting.request_id)
}

/// Opens a case's sealed identity (for redaction, and the durations set at sign-off). Callers
/// never show it to anonymised roles.
pub(crate) fn identity(
    state: &crate::app::AppState,
    case: &crate::store::cases::Case,
) -> ReviewResult<crate::domain::notification::SealedIdentity> {
    let plain = state.keys.keyring.open(&case.sealed)?;
    serde_json::from_slice(&plain).map_err(|e| ReviewError::Other(e.into()))
}

/// Opens a sealed UTF-8 text (minutes, summaries, narratives).
pub(crate) fn open_text(state: &crate::app::AppState, sealed: &[u8]) -> ReviewResult<String> {
    String::from_utf8(state.keys.keyring.open(sealed)?).map_err(|e| ReviewError::Other(e.into()))
}
