//! Who may do what, where: one table of role × action, plus area scope. Deny by default.
//!
//! Every route names the [`Action`] it needs (see `web::routes`); handlers that touch an object
//! in an area also check [`Principal::permits_in`]. Admins manage users, areas, keys and the
//! audit trail but are not given case data.

use crate::domain::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Anything every signed-in user may do: the dashboard, their own account and tokens.
    UseService,
    ManageUsers,
    ManageAreas,
    ReadAudit,
    /// See failed emails and send them again.
    ManageMail,
    /// Record a new notification of a death.
    NotifyDeath,
    /// Change a recorded notification (an audited amendment with a reason, kept as a version).
    AmendNotification,
    /// See the case list and coded case summaries.
    ViewCases,
    /// Open the sealed identifying details of a case, and find cases by NHS number (anonymised
    /// roles may not even learn how many cases match a number).
    RevealIdentity,
    /// Accept or reject public notifications; confirm or merge duplicates.
    TriageNotifications,
    /// Request agency forms, chase them, complete them on an agency's behalf, read the answers,
    /// and move a case on to review.
    RequestInformation,
    /// See which form definitions and versions are installed.
    ViewFormDefinitions,
    /// See the meetings one attends (and, for staff, every meeting in their areas).
    AttendMeetings,
    /// Arrange meetings: attendees, agenda, invitations, outcomes, minutes.
    ManageMeetings,
    /// Prepare anonymised case packs: confirm redacted narratives, write the summary, publish.
    PreparePacks,
    /// Draft and edit a case's analysis.
    EditAnalysis,
    /// Sign an analysis off (and amend a signed one).
    SignOffAnalysis,
    /// The actions register and learning briefings.
    ManageActions,
    /// The family's key worker and the contact log.
    RecordFamilyContact,
    /// Move a case to another area (with access to both).
    MoveCase,
    /// Review reports: inter-rater agreement of pre-panel categorisation.
    ViewReviewReports,
    /// Run the annual and thematic reports in published mode (small numbers suppressed).
    RunPublishedReports,
    /// Run them in internal mode: true counts, for the partners' confidential report.
    RunInternalReports,
    /// Export the statutory dataset. Only roles that may see identities: its intervals between
    /// events in days, with the meeting and sign-off dates a chair knows, would give back the
    /// date of death.
    ExportDataset,
    /// Retention policies, legal holds, the destruction queue (queue and approve: two different
    /// admins) and destruction certificates. Never the identities themselves.
    ManageRetention,
    /// The periodic access review and a case's access report (who opened what, from the audit trail).
    ReviewAccess,
}

impl Action {
    /// The single role × action table.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::UseService => &[Admin, Coordinator, DesignatedDoctor, PanelChair, PanelMember],
            Action::ManageUsers
            | Action::ManageAreas
            | Action::ReadAudit
            | Action::ManageMail
            | Action::ManageRetention
            | Action::ReviewAccess => &[Admin],
            Action::NotifyDeath | Action::AmendNotification => &[Coordinator, DesignatedDoctor],
            Action::ViewCases => &[Coordinator, DesignatedDoctor, PanelChair],
            Action::RevealIdentity => &[Coordinator, DesignatedDoctor],
            Action::TriageNotifications => &[Coordinator],
            Action::RequestInformation => &[Coordinator, DesignatedDoctor],
            Action::ViewFormDefinitions => &[Admin, Coordinator],
            Action::AttendMeetings => &[Coordinator, DesignatedDoctor, PanelChair, PanelMember],
            Action::ManageMeetings | Action::EditAnalysis | Action::ManageActions => {
                &[Coordinator, DesignatedDoctor, PanelChair]
            }
            Action::PreparePacks | Action::RecordFamilyContact => &[Coordinator, DesignatedDoctor],
            Action::SignOffAnalysis => &[PanelChair],
            Action::MoveCase => &[Coordinator],
            Action::ViewReviewReports | Action::RunInternalReports => &[Coordinator, PanelChair],
            Action::ExportDataset => &[Coordinator],
            Action::RunPublishedReports => &[Coordinator, DesignatedDoctor, PanelChair, PanelMember],
        }
    }
}

/// The signed-in user (or API token) a request acts for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub area_ids: Vec<i64>,
    /// Set when the request came with an API token.
    pub token_id: Option<i64>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn permits(&self, action: Action) -> bool {
        action.roles().iter().any(|r| self.roles.contains(r))
    }

    /// `permits` and the object's area is one of the user's.
    pub fn permits_in(&self, action: Action, area_id: i64) -> bool {
        self.permits(action) && self.area_ids.contains(&area_id)
    }

    pub fn actor(&self) -> crate::domain::audit::Actor {
        match self.token_id {
            Some(token_id) => crate::domain::audit::Actor::Token { token_id, user_id: self.user_id },
            None => crate::domain::audit::Actor::User(self.user_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role], areas: &[i64]) -> Principal {
        Principal {
            user_id: 1,
            name: "x".into(),
            email: "x@example.org".into(),
            roles: roles.to_vec(),
            area_ids: areas.to_vec(),
            token_id: None,
        }
    }

    #[test]
    fn deny_by_default_and_area_scope() {
        let coordinator = principal(&[Role::Coordinator], &[1]);
        assert!(coordinator.permits(Action::TriageNotifications));
        assert!(coordinator.permits_in(Action::ViewCases, 1));
        assert!(!coordinator.permits_in(Action::ViewCases, 2));
        assert!(!coordinator.permits(Action::ManageUsers));
        let admin = principal(&[Role::Admin], &[1]);
        assert!(!admin.permits(Action::ViewCases), "admins do not read cases");
        assert!(!admin.permits(Action::RevealIdentity));
        let nobody = principal(&[], &[1]);
        assert!(!nobody.permits(Action::UseService));
    }
}
