//! The home page's work queues: what is waiting for each person, by their roles and areas —
//! the coordinator's triage, overdue requests, cases ready for a panel, packs to prepare and
//! overdue actions; the chair's sign-offs, amendments and meetings; each attendee's next meetings
//! with their packs and the pre-panel categorisations still to record; the admin's approvals and
//! failed emails. Coded columns only: nothing here opens a sealed record.

use crate::context::Context;
use crate::domain::codes::{CaseStatus, MeetingKind};
use crate::domain::policy::{Action, Principal};
use crate::domain::uk_time;
use crate::service::ServiceResult;
use crate::store::{actions, cases, form_requests, outbox, work};
use crate::words::count;

/// A count of work waiting and where to do it: "3 notifications waiting for triage".
#[derive(Debug, Clone)]
pub struct Waiting {
    pub count: i64,
    /// The words after the count, singular or plural to agree with it.
    pub label: String,
    pub href: String,
}

impl Waiting {
    fn new(n: impl Into<i64>, one: &str, many: &str, href: &str) -> Waiting {
        let n = n.into();
        Waiting { count: n, label: if n == 1 { one.into() } else { many.into() }, href: href.into() }
    }
}

/// A meeting still to hold that the person chairs or attends.
#[derive(Debug, Clone)]
pub struct NextMeeting {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub chairing: bool,
    /// "4 cases; 3 packs published; 2 pre-panel categorisations to record".
    pub summary: String,
    pub prepanel_due: i64,
}

/// Everything waiting for one person.
#[derive(Debug, Clone, Default)]
pub struct Queues {
    pub waiting: Vec<Waiting>,
    pub meetings: Vec<NextMeeting>,
    /// Cases whose panel has met and whose analysis the chair is to sign off.
    pub sign_offs: Vec<String>,
    /// Cases with an amendment of their signed analysis in draft.
    pub amendments: Vec<String>,
}

pub async fn for_person(cx: &Context, p: &Principal) -> ServiceResult<Queues> {
    let mut q = Queues::default();
    let now = cx.clock.now();
    let areas = &p.area_ids;
    if p.permits(Action::TriageNotifications) {
        let (pending, duplicates, quality) = cases::work_counts(&cx.db, areas).await?;
        q.waiting.push(Waiting::new(
            pending as i64,
            "notification waiting for triage",
            "notifications waiting for triage",
            "/triage",
        ));
        q.waiting.push(Waiting::new(
            duplicates as i64,
            "possible duplicate to confirm or merge",
            "possible duplicates to confirm or merge",
            "/triage",
        ));
        q.waiting.push(Waiting::new(
            quality as i64,
            "open case with details not known at notification",
            "open cases with details not known at notification",
            "/cases",
        ));
    }
    if p.permits(Action::RequestInformation) {
        let (_, overdue) = form_requests::overdue(&cx.db, areas, cx.clock.today(), 0).await?;
        q.waiting.push(Waiting::new(
            overdue as i64,
            "agency request overdue",
            "agency requests overdue",
            "/outstanding",
        ));
    }
    if p.permits(Action::ManageMeetings) {
        let ready = work::cases_with_status(&cx.db, areas, CaseStatus::ReadyForReview.code()).await?;
        q.waiting.push(Waiting::new(
            ready,
            "case ready for a meeting's agenda",
            "cases ready for a meeting's agenda",
            "/cases?status=ready_for_review",
        ));
        let packs = work::packs_to_prepare(&cx.db, areas).await?;
        q.waiting.push(Waiting::new(
            packs,
            "pack to check and publish",
            "packs to check and publish",
            "/meetings",
        ));
    }
    if p.permits(Action::ManageActions) {
        let filter = actions::Filter {
            area_ids: areas.clone(),
            status: "overdue".into(),
            theme: None,
            case_id: None,
            today: Some(cx.clock.today()),
        };
        let overdue = actions::list(&cx.db, &filter).await?.len() as i64;
        q.waiting.push(Waiting::new(overdue, "action overdue", "actions overdue", "/actions?status=overdue"));
    }
    if p.permits(Action::SignOffAnalysis) {
        q.sign_offs = work::awaiting_sign_off(&cx.db, areas, now).await?;
        q.amendments = work::amendments_in_draft(&cx.db, areas).await?;
    }
    if p.permits(Action::ManageRetention) {
        let approvals = work::destructions_to_approve(&cx.db).await?;
        q.waiting.push(Waiting::new(
            approvals,
            "destruction waiting for a second admin's approval",
            "destructions waiting for a second admin's approval",
            "/admin/retention/queue",
        ));
    }
    if p.permits(Action::ManageMail) {
        let failed = outbox::count_with_status(&cx.db, "failed").await? as i64;
        q.waiting.push(Waiting::new(
            failed,
            "email that could not be sent",
            "emails that could not be sent",
            "/admin/mail",
        ));
    }
    for m in work::next_meetings(&cx.db, p.user_id, now).await? {
        let kind = MeetingKind::parse(&m.kind).unwrap_or(MeetingKind::Panel);
        let chairing = m.chair_id == p.user_id;
        let mut summary =
            format!("{}; {} published", count(m.cases, "case", "cases"), count(m.packs, "pack", "packs"));
        if m.prepanel_due > 0 {
            summary.push_str(&format!(
                "; {} to record",
                count(m.prepanel_due, "pre-panel categorisation", "pre-panel categorisations")
            ));
        }
        q.meetings.push(NextMeeting {
            id: m.id,
            title: kind.label().to_string(),
            when: uk_time::words(m.starts_at),
            chairing,
            summary,
            prepanel_due: m.prepanel_due,
        });
    }
    Ok(q)
}
