//! The review stage: meetings (CDRM and panel) and their agendas, anonymised case packs, private
//! pre-panel categorisation, the Analysis Form with sign-off and amendments, the actions register,
//! learning briefings, and contact with the family.
//!
//! Like `gathering`, each function does its work in one transaction (rows, audit events, outbox
//! rows and the case's status together) and is called by the pages and the API alike.

pub mod action_progress;
pub mod actions;
pub mod analysis;
pub mod briefings;
pub mod calendar;
pub mod casework;
pub mod dates;
pub mod family;
pub mod meetings;
pub mod packs;
pub mod prepanel;

use crate::domain::audit::{AuditAction, AuditEvent};
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::meetings::Meeting;

/// An audit event about a meeting.
pub(crate) fn meeting_event(acting: &Acting<'_>, action: AuditAction, m: &Meeting) -> AuditEvent {
    acting.event(action, "meeting", m.id.to_string())
}

/// Opens a sealed UTF-8 text (minutes, summaries, narratives).
pub(crate) fn open_text(cx: &crate::context::Context, sealed: &[u8]) -> ServiceResult<String> {
    String::from_utf8(cx.keys.keyring.open(sealed)?).map_err(|e| ServiceError::Other(e.into()))
}
