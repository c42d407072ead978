//! A case's chronology: its audit events as a reader follows the statutory process — dated
//! events in words, grouped by stage, with who did what. Access history (who opened or read the
//! case) is left to the audit trail, which admins keep reading in full.

use super::audit::{AuditAction, detail};
use super::codes::{AgendaOutcome, CaseStatus, ReviewDelay, WithdrawReason};

/// The stages of the statutory process, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Notification,
    Information,
    Review,
    Closure,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Notification => "Notification",
            Stage::Information => "Information gathering",
            Stage::Review => "Review",
            Stage::Closure => "Closure and retention",
        }
    }
}

fn status_stage(code: &str) -> Stage {
    match CaseStatus::parse(code) {
        Some(CaseStatus::GatheringInformation | CaseStatus::ReadyForReview) => Stage::Information,
        Some(CaseStatus::ReviewScheduled | CaseStatus::Reviewed) => Stage::Review,
        Some(CaseStatus::Closed) => Stage::Closure,
        _ => Stage::Notification,
    }
}

/// The stage an event belongs to; `None` for access history (views, reads, downloads), which the
/// chronology leaves out.
pub fn stage(action: AuditAction, details: &str) -> Option<Stage> {
    use AuditAction::*;
    Some(match action {
        CaseViewed
        | CaseSearched
        | CaseListIdentities
        | CaseApiRead
        | FormResponseRead
        | AnalysisRead
        | MinutesRead
        | FamilyContactRead
        | CaseAccessReportViewed
        | PackPdfDownloaded
        | CaseRevealed
        | ReportDownloaded
        | CertificateDownloaded => return None,
        CaseCreated
        | CaseAmended
        | DuplicateFlagged
        | DuplicateConfirmedDistinct
        | DuplicateMerged
        | DuplicateMergeUndone
        | NotificationReceived
        | NotificationAccepted
        | NotificationRejected
        | CaseMovedArea
        | CaseExportedSealed => Stage::Notification,
        FormRequested | FormLinkOpened | FormSaved | FormSubmitted | FormReminderSent | FormEscalated
        | FormLinkResent | FormWithdrawn => Stage::Information,
        CaseStatusChanged => status_stage(detail(details, "to")),
        HoldPlaced | HoldReleased | RetentionSwept | DestructionQueued | DestructionApproved
        | DestructionExcluded | DestructionWithdrawn | IdentityDestroyed | CertificateIssued => {
            Stage::Closure
        }
        _ => Stage::Review,
    })
}

/// What names a case's events refer to by id: an information request ("Reporting Form from
/// Community Health Trust") and another case (its reference, or words when the reader may not
/// know of it).
pub trait Names {
    fn request(&self, id: &str) -> Option<String>;
    fn case(&self, reference: &str) -> String;
}

fn quoted_status(code: &str) -> String {
    CaseStatus::parse(code).map(|s| format!("‘{}’", s.label())).unwrap_or_else(|| "another status".into())
}

/// The event in words.
pub fn words(action: AuditAction, details: &str, names: &dyn Names) -> String {
    use AuditAction::*;
    let d = |key| detail(details, key);
    let request = || names.request(d("request")).unwrap_or_else(|| "an agency form".into());
    match action {
        CaseAmended => {
            let version = d("version");
            if version.is_empty() {
                "Notification changed".into()
            } else {
                format!("Notification changed (version {version})")
            }
        }
        DuplicateFlagged => format!("Flagged as a possible duplicate of {}", names.case(d("duplicate_of"))),
        DuplicateMerged => format!("{} merged into {}", names.case(d("merged")), names.case(d("into"))),
        DuplicateMergeUndone => {
            format!("Merge of {} into {} undone", names.case(d("unmerged")), names.case(d("from")))
        }
        CaseStatusChanged => {
            let why = d("why").trim();
            let to = quoted_status(d("to"));
            if why.is_empty() { format!("Moved to {to}") } else { format!("Moved to {to}: {why}") }
        }
        FormRequested if !d("due_changed").is_empty() => {
            format!("Due date of {} changed to {}", request(), d("due_changed"))
        }
        FormRequested => format!("{} requested, due {}", request(), d("due")),
        FormLinkOpened => format!("{} opened from its emailed link", request()),
        FormSaved => format!("{}: answers saved", request()),
        FormSubmitted => format!("{} submitted", request()),
        FormReminderSent => format!("Reminder sent for {}", request()),
        FormEscalated => format!("Coordinators told that {} is overdue", request()),
        FormLinkResent => format!("New link sent for {} (the old link stopped working)", request()),
        FormWithdrawn => {
            let why = WithdrawReason::parse(d("reason")).map(|w| w.label().to_lowercase());
            match why {
                Some(w) => format!("{} withdrawn: {w}", request()),
                None => format!("{} withdrawn", request()),
            }
        }
        AgendaOutcomeRecorded => match AgendaOutcome::parse(d("outcome")) {
            Some(AgendaOutcome::Reviewed) => "Reviewed at the meeting".into(),
            Some(AgendaOutcome::Deferred) => match ReviewDelay::parse(d("reason")) {
                Some(r) => format!("Deferred at the meeting: {}", r.label().to_lowercase()),
                None => "Deferred at the meeting".into(),
            },
            _ => action.label().into(),
        },
        AnalysisSigned => match d("revision") {
            "" | "1" => "Analysis signed off: the review is complete".into(),
            n => format!("Amended analysis signed off (revision {n})"),
        },
        _ => action.label().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Known;
    impl Names for Known {
        fn request(&self, id: &str) -> Option<String> {
            (id == "7").then(|| "Reporting Form from Community Health Trust".to_string())
        }
        fn case(&self, reference: &str) -> String {
            if reference == "CDOP-2026-0001" { reference.into() } else { "a case in another area".into() }
        }
    }

    #[test]
    fn events_read_as_words_in_their_stage() {
        let status = "from=gathering_information;to=ready_for_review;why=information complete";
        assert_eq!(stage(AuditAction::CaseStatusChanged, status), Some(Stage::Information));
        assert_eq!(
            words(AuditAction::CaseStatusChanged, status, &Known),
            "Moved to ‘Ready for review’: information complete"
        );
        assert_eq!(
            words(AuditAction::FormSubmitted, "request=7", &Known),
            "Reporting Form from Community Health Trust submitted"
        );
        assert_eq!(
            words(AuditAction::FormRequested, "request=7;form=reporting;version=x;due=2026-12-20", &Known),
            "Reporting Form from Community Health Trust requested, due 2026-12-20"
        );
        assert_eq!(
            words(AuditAction::DuplicateFlagged, "duplicate_of=CDOP-2026-0009;by=flagged", &Known),
            "Flagged as a possible duplicate of a case in another area"
        );
        assert_eq!(
            words(AuditAction::AgendaOutcomeRecorded, "meeting=3;outcome=reviewed;reason=-", &Known),
            "Reviewed at the meeting"
        );
        assert_eq!(stage(AuditAction::CaseViewed, ""), None, "access history is left out");
        assert_eq!(stage(AuditAction::PackNarrativeChecked, ""), Some(Stage::Review));
        assert_eq!(
            words(AuditAction::PackNarrativeChecked, "", &Known),
            "Redacted narrative checked for the case pack"
        );
        assert_eq!(stage(AuditAction::CaseStatusChanged, "to=closed"), Some(Stage::Closure));
    }
}
