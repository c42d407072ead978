//! The case workflow: which status may follow which, the rule each transition must meet, and who
//! may make it. Pure; the store records a transition and the audit trail names it.
//!
//! notified → gathering information → ready for review → review scheduled → reviewed → closed.
//! A case deferred at a meeting (or taken off its agenda) goes back to ready for review, onto the
//! coordinator's list. Triage moves a notification sent without an account from waiting to
//! notified or rejected; merging closes a duplicate as merged, and undoing the merge gives it back
//! the status it had. Those steps are not buttons on the case page ([`next`] leaves them out).

use crate::domain::codes::CaseStatus;
use crate::domain::role::Role;

/// What is known about a case when a transition is asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// At least one information request exists (withdrawn ones count).
    pub has_requests: bool,
    /// Every request is submitted or withdrawn.
    pub information_complete: bool,
    /// A reason was given.
    pub has_reason: bool,
    /// The case is on the agenda of a meeting still to happen (or happening).
    pub on_agenda: bool,
    /// The analysis is complete (every required answer given, the rules met).
    pub analysis_complete: bool,
    /// The step undoes a merge, giving back the status the case had before it.
    pub undoing_merge: bool,
}

/// Why a transition is refused, in words for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

struct Rule {
    from: CaseStatus,
    to: CaseStatus,
    roles: &'static [Role],
    check: fn(&Facts) -> Result<(), &'static str>,
}

const STAFF: &[Role] = &[Role::Coordinator, Role::DesignatedDoctor];
const REVIEWERS: &[Role] = &[Role::Coordinator, Role::DesignatedDoctor, Role::PanelChair];
const CHAIR: &[Role] = &[Role::PanelChair];
const TRIAGE: &[Role] = &[Role::Coordinator];

/// Triage's steps: not offered as buttons on the case page.
const TRIAGE_RULES: &[Rule] = &[
    Rule { from: CaseStatus::PendingTriage, to: CaseStatus::Notified, roles: TRIAGE, check: |_| Ok(()) },
    Rule {
        from: CaseStatus::PendingTriage,
        to: CaseStatus::Rejected,
        roles: TRIAGE,
        check: |f| if f.has_reason { Ok(()) } else { Err("Select why you are rejecting this notification") },
    },
];

/// The statuses a possible duplicate can be merged from (and, undoing the merge, return to).
const MERGEABLE: &[CaseStatus] = &[
    CaseStatus::PendingTriage,
    CaseStatus::Notified,
    CaseStatus::GatheringInformation,
    CaseStatus::ReadyForReview,
    CaseStatus::ReviewScheduled,
    CaseStatus::Reviewed,
    CaseStatus::Closed,
];

const MERGE: Rule =
    Rule { from: CaseStatus::Merged, to: CaseStatus::Merged, roles: TRIAGE, check: |_| Ok(()) };
const UNMERGE: Rule = Rule {
    from: CaseStatus::Merged,
    to: CaseStatus::Merged,
    roles: TRIAGE,
    check: |f| if f.undoing_merge { Ok(()) } else { Err("Only undoing the merge reopens a merged case") },
};

/// The rule for a step, if there is one.
fn rule(from: CaseStatus, to: CaseStatus) -> Option<&'static Rule> {
    if let Some(r) = RULES.iter().chain(TRIAGE_RULES).find(|r| r.from == from && r.to == to) {
        return Some(r);
    }
    if to == CaseStatus::Merged && MERGEABLE.contains(&from) {
        return Some(&MERGE);
    }
    if from == CaseStatus::Merged && MERGEABLE.contains(&to) {
        return Some(&UNMERGE);
    }
    None
}

const RULES: &[Rule] = &[
    Rule {
        from: CaseStatus::Notified,
        to: CaseStatus::GatheringInformation,
        roles: STAFF,
        check: |f| {
            if f.has_requests { Ok(()) } else { Err("Request information from at least one agency first") }
        },
    },
    Rule {
        from: CaseStatus::GatheringInformation,
        to: CaseStatus::ReadyForReview,
        roles: STAFF,
        check: |f| {
            if f.information_complete {
                Ok(())
            } else {
                Err(
                    "Every requested form must be submitted, or withdrawn with a reason, before the case is ready for review",
                )
            }
        },
    },
    Rule {
        from: CaseStatus::ReadyForReview,
        to: CaseStatus::GatheringInformation,
        roles: STAFF,
        check: |f| if f.has_reason { Ok(()) } else { Err("Say why more information is needed") },
    },
    Rule {
        from: CaseStatus::ReadyForReview,
        to: CaseStatus::ReviewScheduled,
        roles: REVIEWERS,
        check: |f| if f.on_agenda { Ok(()) } else { Err("Put the case on a meeting's agenda first") },
    },
    Rule {
        from: CaseStatus::ReviewScheduled,
        to: CaseStatus::ReadyForReview,
        roles: REVIEWERS,
        check: |f| {
            if f.has_reason { Ok(()) } else { Err("Choose why the case is deferred or taken off the agenda") }
        },
    },
    Rule {
        from: CaseStatus::ReviewScheduled,
        to: CaseStatus::Reviewed,
        roles: CHAIR,
        check: |f| {
            if f.analysis_complete {
                Ok(())
            } else {
                Err("Complete the analysis (every required answer) before signing it off")
            }
        },
    },
    Rule { from: CaseStatus::Reviewed, to: CaseStatus::Closed, roles: REVIEWERS, check: |_| Ok(()) },
];

/// Whether `roles` may move a case from `from` to `to` given `facts`.
pub fn check(from: CaseStatus, to: CaseStatus, roles: &[Role], facts: &Facts) -> Result<(), Refused> {
    let rule = rule(from, to).ok_or_else(|| {
        Refused(format!("A case that is ‘{}’ cannot become ‘{}’", from.label(), to.label()))
    })?;
    if !rule.roles.iter().any(|r| roles.contains(r)) {
        let who: Vec<&str> = rule.roles.iter().map(|r| r.label()).collect();
        return Err(Refused(format!("Only a {} can do this", who.join(" or ").to_lowercase())));
    }
    (rule.check)(facts).map_err(|m| Refused(m.to_string()))
}

/// The statuses a case can move to from `from` (for the case page's buttons).
pub fn next(from: CaseStatus) -> Vec<CaseStatus> {
    RULES.iter().filter(|r| r.from == from).map(|r| r.to).collect()
}

/// Whether information may be requested on a case in this status.
pub fn can_request_information(status: CaseStatus) -> bool {
    matches!(status, CaseStatus::Notified | CaseStatus::GatheringInformation | CaseStatus::ReadyForReview)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathering_needs_a_request_and_review_needs_complete_information() {
        let staff = [Role::Coordinator];
        let none = Facts::default();
        let asked = Facts { has_requests: true, ..Facts::default() };
        let complete = Facts { has_requests: true, information_complete: true, ..Facts::default() };
        assert!(check(CaseStatus::Notified, CaseStatus::GatheringInformation, &staff, &none).is_err());
        assert!(check(CaseStatus::Notified, CaseStatus::GatheringInformation, &staff, &asked).is_ok());
        assert!(check(CaseStatus::GatheringInformation, CaseStatus::ReadyForReview, &staff, &asked).is_err());
        assert!(
            check(CaseStatus::GatheringInformation, CaseStatus::ReadyForReview, &staff, &complete).is_ok()
        );
        assert!(
            check(CaseStatus::ReadyForReview, CaseStatus::GatheringInformation, &staff, &complete).is_err()
        );
        let with_reason = Facts { has_reason: true, ..complete };
        assert!(
            check(CaseStatus::ReadyForReview, CaseStatus::GatheringInformation, &staff, &with_reason).is_ok()
        );
    }

    #[test]
    fn only_staff_and_only_listed_steps() {
        let complete =
            Facts { has_requests: true, information_complete: true, has_reason: true, ..Facts::default() };
        let e = check(
            CaseStatus::GatheringInformation,
            CaseStatus::ReadyForReview,
            &[Role::PanelMember],
            &complete,
        );
        assert!(e.is_err());
        assert!(
            check(CaseStatus::Notified, CaseStatus::ReadyForReview, &[Role::Coordinator], &complete).is_err()
        );
        assert!(
            check(CaseStatus::Rejected, CaseStatus::GatheringInformation, &[Role::Coordinator], &complete)
                .is_err()
        );
        assert_eq!(next(CaseStatus::GatheringInformation), vec![CaseStatus::ReadyForReview]);
    }

    #[test]
    fn review_path_agenda_deferral_sign_off_and_closure() {
        let staff = [Role::Coordinator];
        let chair = [Role::PanelChair];
        let none = Facts::default();
        let agenda = Facts { on_agenda: true, ..none };
        assert!(check(CaseStatus::ReadyForReview, CaseStatus::ReviewScheduled, &staff, &none).is_err());
        assert!(check(CaseStatus::ReadyForReview, CaseStatus::ReviewScheduled, &staff, &agenda).is_ok());
        let deferred = Facts { has_reason: true, ..none };
        assert!(check(CaseStatus::ReviewScheduled, CaseStatus::ReadyForReview, &chair, &none).is_err());
        assert!(check(CaseStatus::ReviewScheduled, CaseStatus::ReadyForReview, &chair, &deferred).is_ok());
        let complete = Facts { analysis_complete: true, ..none };
        assert!(check(CaseStatus::ReviewScheduled, CaseStatus::Reviewed, &chair, &none).is_err());
        let e = check(CaseStatus::ReviewScheduled, CaseStatus::Reviewed, &staff, &complete);
        assert_eq!(e, Err(Refused("Only a panel chair can do this".into())));
        assert!(check(CaseStatus::ReviewScheduled, CaseStatus::Reviewed, &chair, &complete).is_ok());
        assert!(check(CaseStatus::Reviewed, CaseStatus::Closed, &staff, &none).is_ok());
        assert!(check(CaseStatus::ReadyForReview, CaseStatus::Reviewed, &chair, &complete).is_err());
    }

    #[test]
    fn triage_and_merging_are_coordinators_steps() {
        let co = [Role::Coordinator];
        let none = Facts::default();
        let why = Facts { has_reason: true, ..none };
        assert!(check(CaseStatus::PendingTriage, CaseStatus::Notified, &co, &none).is_ok());
        assert!(
            check(CaseStatus::PendingTriage, CaseStatus::Notified, &[Role::DesignatedDoctor], &none).is_err()
        );
        assert!(check(CaseStatus::PendingTriage, CaseStatus::Rejected, &co, &none).is_err());
        assert!(check(CaseStatus::PendingTriage, CaseStatus::Rejected, &co, &why).is_ok());
        assert!(check(CaseStatus::Notified, CaseStatus::Rejected, &co, &why).is_err());
        assert!(check(CaseStatus::GatheringInformation, CaseStatus::Merged, &co, &none).is_ok());
        assert!(check(CaseStatus::Rejected, CaseStatus::Merged, &co, &none).is_err());
        assert!(check(CaseStatus::Merged, CaseStatus::Notified, &co, &none).is_err());
        let undo = Facts { undoing_merge: true, ..none };
        assert!(check(CaseStatus::Merged, CaseStatus::Notified, &co, &undo).is_ok());
        assert!(check(CaseStatus::Merged, CaseStatus::Rejected, &co, &undo).is_err());
        assert_eq!(next(CaseStatus::PendingTriage), Vec::<CaseStatus>::new(), "triage is not a button");
    }
}
