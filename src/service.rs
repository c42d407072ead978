//! What every service shares: the one error they fail with, and who is acting (with the audit
//! event that records it). The web turns a [`ServiceError`] into a page (`web::error`) or an API
//! problem (`web::api`); the CLI prints it.

use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::role::Role;
use crate::store::StoreError;
use crate::store::cases::Case;

/// What a service step can fail with, phrased for the person acting.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Field problems: (field, message).
    #[error("{}", messages(.0))]
    Invalid(Vec<(String, String)>),
    /// Not possible in the record's current state, or not allowed (e.g. approving one's own
    /// queueing).
    #[error("{0}")]
    Refused(String),
    /// Someone else changed the record first.
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Field problems in one line: the messages, joined.
fn messages(problems: &[(String, String)]) -> String {
    problems.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(". ")
}

/// One field problem.
pub fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(vec![(field.to_string(), message.into())])
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ServiceError::Conflict(m),
            StoreError::NotFound => ServiceError::NotFound,
            other => ServiceError::Other(anyhow::Error::new(other)),
        }
    }
}

impl From<crate::crypto::envelope::CryptoError> for ServiceError {
    fn from(e: crate::crypto::envelope::CryptoError) -> Self {
        ServiceError::Other(e.into())
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(e: sea_orm::DbErr) -> Self {
        ServiceError::Other(e.into())
    }
}

/// Who is acting: the actor audit events name, their roles, and the request they came with.
#[derive(Debug, Clone)]
pub struct Acting<'a> {
    pub actor: Actor,
    pub roles: &'a [Role],
    pub request_id: &'a str,
}

impl Acting<'static> {
    /// The service itself (start-up, workers), outside any request.
    pub const fn system() -> Acting<'static> {
        Acting { actor: Actor::System, roles: &[], request_id: "" }
    }

    /// A command run from the CLI.
    pub const fn cli() -> Acting<'static> {
        Acting { actor: Actor::Cli, roles: &[], request_id: "" }
    }
}

impl Acting<'_> {
    /// An audit event by the one acting about `object_type` `object_ref`, carrying the request id.
    pub fn event(
        &self,
        action: AuditAction,
        object_type: &'static str,
        object_ref: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent::new(self.actor.clone(), action, object_type, object_ref).request(self.request_id)
    }

    /// An audit event about a case (its area recorded with it).
    pub fn case_event(&self, action: AuditAction, case: &Case) -> AuditEvent {
        self.event(action, "case", case.reference.clone()).area(case.area_id)
    }
}

/// Rows a worker's pass skipped because they could not be processed (a record that does not
/// open): the first few are logged one by one by the caller, by reference; the pass ends with one
/// line counting them all, so thousands of bad rows do not flood the log every pass.
pub struct Skipped {
    what: &'static str,
    n: usize,
}

impl Skipped {
    /// How many are logged one by one in each pass.
    pub const SHOWN: usize = 10;

    pub fn new(what: &'static str) -> Skipped {
        Skipped { what, n: 0 }
    }

    /// Counts one; true while it should still be logged on its own.
    pub fn note(&mut self) -> bool {
        self.n += 1;
        self.n <= Self::SHOWN
    }

    /// The pass's summary line (nothing when none was skipped).
    pub fn report(&self) {
        if self.n > 0 {
            tracing::error!(
                worker = self.what,
                skipped = self.n,
                "rows skipped in this pass (their records could not be processed; `cdop keys verify` lists records that do not open); the others were done"
            );
        }
    }
}

#[cfg(test)]
mod skipped_tests {
    use super::Skipped;

    #[test]
    fn only_the_first_few_are_logged_one_by_one() {
        let mut s = Skipped::new("test");
        let shown = (0..25).filter(|_| s.note()).count();
        assert_eq!(shown, Skipped::SHOWN);
        assert_eq!(s.n, 25);
    }
}
