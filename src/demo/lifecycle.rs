//! Writes the review history of synthetic cases (`cdop demo seed`): agency requests and their
//! responses, CDRM and monthly panel meetings with their agendas and outcomes, pre-panel
//! categorisations, the Analysis Form signed off, actions, and each case's review dates and
//! status. What happened is drawn by [`super::review::plan`]; this writes it.
//!
//! Sealed parts are sealed as the service seals them (recipients, answers, analysis narratives,
//! actions), so every page opens them; coded parts land in the columns reports read. Cases are
//! written in batches of [`BATCH`], one transaction each, with one audit event per case.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;

use super::review::{self, CaseFacts, Plan};
use crate::context::Context;
use crate::domain::analysis as rules;
use crate::domain::anonymity::{Checked, SealedChecked};
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::codes::{AgendaOutcome, CaseStatus, JarCriterion, MeetingKind, MeetingStatus};
use crate::domain::email::EmailAddress;
use crate::domain::notification::Person;
use crate::domain::role::Role;
use crate::domain::uk_time;
use crate::forms::answers;
use crate::store::cases::{self, Case, Durations};
use crate::store::demo::{self as seeded, ReviewState, SeededRequest};
use crate::store::form_requests::NewRequest;
use crate::store::meetings::{self, NewMeeting};
use crate::store::{self, actions, analyses, audit, prepanel, users};

/// Cases written per transaction.
pub const BATCH: usize = 200;

/// The synthetic staff who chair, coordinate and sit on the synthetic panels: accounts without a
/// password (nobody can sign in as them), all named "Synthetic".
pub struct Staff {
    pub chair: i64,
    pub coordinator: i64,
    pub members: Vec<i64>,
}

/// Finds or creates the synthetic staff, with access to `area_ids`.
pub async fn staff(cx: &Context, area_ids: &[i64]) -> anyhow::Result<Staff> {
    let mut ids = Vec::new();
    let people = [
        ("chair", "Synthetic Panel Chair", Role::PanelChair),
        ("coordinator", "Synthetic Coordinator", Role::Coordinator),
        ("member1", "Synthetic Panel Member 1", Role::PanelMember),
        ("member2", "Synthetic Panel Member 2", Role::PanelMember),
        ("member3", "Synthetic Panel Member 3", Role::PanelMember),
        ("member4", "Synthetic Panel Member 4", Role::PanelMember),
    ];
    for (local, name, role) in people {
        let email = format!("{local}@synthetic.example.org");
        let id = match users::find_by_email(&cx.db, &email).await? {
            Some(u) => u.id,
            None => {
                let new = crate::accounts::NewAccount {
                    email: EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?,
                    name: name.into(),
                    roles: vec![role],
                    area_ids: area_ids.to_vec(),
                    service_account: false,
                    password: crate::accounts::FirstPassword::None,
                };
                crate::accounts::create(&cx.db, &crate::service::Acting::cli(), new)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .user
                    .id
            }
        };
        ids.push(id);
    }
    Ok(Staff { chair: ids[0], coordinator: ids[1], members: ids[2..].to_vec() })
}

/// What the writer keeps between batches: the panel meetings made so far, by area and date.
pub struct Writer<'a> {
    cx: &'a Context,
    staff: Staff,
    today: NaiveDate,
    panels: HashMap<(i64, NaiveDate), i64>,
    pub counts: Counts,
}

/// What was written, for the summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub requests: u64,
    pub meetings: u64,
    pub signed: u64,
    pub actions: u64,
}

/// 10:00 UK time on `d`.
fn at_ten(d: NaiveDate) -> DateTime<Utc> {
    uk_time::from_uk(d.and_hms_opt(10, 0, 0).unwrap_or_default())
}

fn days_between(from: NaiveDate, to: NaiveDate) -> Option<i32> {
    i32::try_from((to - from).num_days()).ok().filter(|d| *d >= 0)
}

impl<'a> Writer<'a> {
    pub fn new(cx: &'a Context, staff: Staff) -> Writer<'a> {
        Writer { cx, staff, today: cx.clock.today(), panels: HashMap::new(), counts: Counts::default() }
    }

    /// Writes the review history of `batch` (cases as notified, each with its date of death) in
    /// one transaction.
    pub async fn write(&mut self, rng: &mut StdRng, batch: &[(Case, NaiveDate)]) -> anyhow::Result<()> {
        let txn = store::begin_write(&self.cx.db).await?;
        let mut events = Vec::with_capacity(batch.len());
        for (case, death) in batch {
            let facts = CaseFacts {
                age_band: case.age_band.clone(),
                expected: case.expected,
                sudden: case.jar_criteria.contains(JarCriterion::SuddenUnexplained.code()),
                imd_decile: case.imd_decile,
                death: *death,
                notified: case.notified_at.date_naive(),
            };
            let plan = review::plan(rng, &facts, self.today);
            let status = self.write_case(&txn, rng, case, &facts, &plan).await?;
            events.push(
                AuditEvent::new(Actor::Cli, AuditAction::DemoReviewSeeded, "case", case.reference.clone())
                    .area(case.area_id)
                    .request("demo-seed")
                    .details(format!("requests={};status={status}", plan.requests.len())),
            );
        }
        audit::append_many(&txn, &events).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn write_case(
        &mut self,
        txn: &store::Txn,
        rng: &mut StdRng,
        case: &Case,
        facts: &CaseFacts,
        plan: &Plan,
    ) -> anyhow::Result<&'static str> {
        self.write_requests(txn, rng, case, facts, plan).await?;
        let keyring = &self.cx.keys.keyring;
        let mut reviewed_at: Option<NaiveDate> = None;
        let mut scheduled = false;
        if let Some(cdrm) = plan.cdrm {
            let id = self.meeting(txn, MeetingKind::Cdrm, case.area_id, cdrm).await?;
            let item = meetings::add_item(txn, id, case.id).await?;
            meetings::set_outcome(txn, item, 1, AgendaOutcome::Reviewed, None, None).await?;
        }
        for (date, deferred) in &plan.panels {
            let id = match self.panels.get(&(case.area_id, *date)) {
                Some(id) => *id,
                None => {
                    let id = self.meeting(txn, MeetingKind::Panel, case.area_id, *date).await?;
                    self.panels.insert((case.area_id, *date), id);
                    id
                }
            };
            let item = meetings::add_item(txn, id, case.id).await?;
            if *date > self.today {
                scheduled = true;
                continue;
            }
            meetings::mark_published(txn, item, at_ten(*date - TimeDelta::days(7))).await?;
            match deferred {
                Some(why) => {
                    meetings::set_outcome(txn, item, 1, AgendaOutcome::Deferred, Some(why.code()), None)
                        .await?
                }
                None => {
                    for (rating, member) in plan.ratings.iter().zip(&self.staff.members) {
                        let at = at_ten(*date - TimeDelta::days(3));
                        prepanel::record(txn, item, *member, rating.category, rating.modifiable, at).await?;
                    }
                    meetings::mark_opened(txn, item, at_ten(*date) + TimeDelta::minutes(15)).await?;
                    meetings::set_outcome(txn, item, 1, AgendaOutcome::Reviewed, None, None).await?;
                    reviewed_at = Some(*date);
                }
            }
        }
        // The analysis is drafted once the panel (or a CDRM) has discussed the case.
        if let Some(drafted) = reviewed_at.or(plan.cdrm) {
            let version = self
                .cx
                .forms
                .current(rules::FORM, drafted)
                .filter(|v| !v.legacy)
                .or_else(|| self.cx.forms.current(rules::FORM, self.today))
                .ok_or_else(|| anyhow::anyhow!("no Analysis Form is configured"))?;
            // Sealed as every revision is, so the analysis page opens it.
            let (coded, sealed) = crate::review::analysis::seal(
                self.cx,
                &version,
                &plan.decision.answers,
                None,
                crate::review::analysis::Check::Synthetic,
            )?;
            let (category, modifiable) = rules::outcome(&plan.decision.answers);
            let id = analyses::insert(
                txn,
                analyses::NewRevision {
                    case_id: case.id,
                    revision: 1,
                    form_version: version.version.clone(),
                    sealed: Some(sealed),
                    sealed_key: keyring.key_id(),
                    category,
                    modifiable,
                    by: Some(self.staff.coordinator),
                    at: at_ten(drafted),
                },
                &coded,
            )
            .await?;
            if let Some(signed) = plan.signed {
                analyses::sign(txn, id, 1, self.staff.chair, at_ten(signed) + TimeDelta::hours(4)).await?;
                self.counts.signed += 1;
            }
        }
        if let (Some((due, status)), Some(signed)) = (plan.action, plan.signed) {
            self.write_action(txn, case, plan, due, status, signed).await?;
        }
        let status = if plan.closed.is_some() {
            CaseStatus::Closed
        } else if plan.signed.is_some() {
            CaseStatus::Reviewed
        } else if scheduled || reviewed_at.is_some() {
            CaseStatus::ReviewScheduled
        } else if plan.ready.is_some() {
            CaseStatus::ReadyForReview
        } else if !plan.requests.is_empty() {
            CaseStatus::GatheringInformation
        } else {
            CaseStatus::Notified
        };
        // As the service computes it from the requests (a case can have every form back and
        // still wait for the post-mortem report).
        let information_status = if plan.requests.is_empty() {
            "none"
        } else if plan.requests.iter().all(|r| r.closed.is_some()) {
            "complete"
        } else {
            "outstanding"
        };
        let durations = match plan.signed {
            Some(signed) => Durations {
                to_notification: days_between(facts.death, facts.notified),
                to_cdrm: plan.cdrm.and_then(|d| days_between(facts.death, d)),
                to_panel: reviewed_at.and_then(|d| days_between(facts.death, d)),
                to_review: days_between(facts.death, signed),
            },
            None => Durations::default(),
        };
        seeded::set_review_state(
            txn,
            case.id,
            ReviewState {
                status: status.code().into(),
                information_status: information_status.into(),
                review_completed_on: plan.signed,
                durations,
                closed_on: plan.closed,
            },
        )
        .await?;
        Ok(status.code())
    }

    async fn write_requests(
        &mut self,
        txn: &store::Txn,
        rng: &mut StdRng,
        case: &Case,
        facts: &CaseFacts,
        plan: &Plan,
    ) -> anyhow::Result<()> {
        let keyring = &self.cx.keys.keyring;
        let due_days = TimeDelta::days(i64::from(self.cx.config.forms.due_days));
        let suggested_for = crate::forms::definition::CaseFacts {
            expected: case.expected,
            age_band: case.age_band.clone(),
            place_category: case.place_category.clone(),
            jar_criteria: case
                .jar_criteria
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        };
        let mut rows = Vec::new();
        for (n, r) in plan.requests.iter().enumerate() {
            let mut versions: Vec<_> = self.cx.forms.current("reporting", r.requested).into_iter().collect();
            // The first agency (usually health) is also asked for the supplementary forms the
            // service suggests for the case.
            if n == 0 {
                for s in self.cx.forms.suggest(&suggested_for, r.requested) {
                    versions.extend(self.cx.forms.current(&s.code, r.requested));
                }
            }
            for version in versions {
                let person = Person {
                    name: "Synthetic Professional".into(),
                    role: "Named professional".into(),
                    organisation: r.agency.into(),
                    email: "forms@synthetic.example.org".into(),
                    phone: String::new(),
                };
                let created = at_ten(r.requested);
                let due = r.requested + due_days;
                let submitted = r.closed.filter(|_| !r.withdrawn);
                let (status, answered) = match (submitted, r.withdrawn && r.closed.is_some()) {
                    (Some(_), _) => ("submitted", true),
                    (None, true) => ("withdrawn", false),
                    // Open: some agencies have started the form.
                    (None, false) if n % 2 == 1 => ("in_progress", true),
                    (None, false) => ("requested", false),
                };
                let (answers_sealed, coded, completeness) = if answered {
                    let a = super::answers::form_answers(rng, &version, facts.death);
                    let (coded, identifying) = answers::split(&version, &a);
                    (
                        Some(keyring.seal(&serde_json::to_vec(&identifying)?)?),
                        coded,
                        answers::completeness(&version, &a),
                    )
                } else {
                    (None, Vec::new(), answers::Completeness::default())
                };
                let submitted_at = submitted.map(|d| at_ten(d) + TimeDelta::hours(3));
                rows.push(SeededRequest {
                    request: NewRequest {
                        case_id: case.id,
                        area_id: case.area_id,
                        form_code: version.code.clone(),
                        form_version: version.version.clone(),
                        agency: r.agency.into(),
                        agency_type: r.agency_type.code().into(),
                        recipient_sealed: keyring.seal(&serde_json::to_vec(&person)?)?,
                        sealed_key: keyring.key_id(),
                        // A link nobody holds: the token is never kept or sent.
                        token_hash: crate::crypto::secrets::digest(&crate::crypto::secrets::random_token()),
                        token_expires_at: crate::gathering::link_expiry(self.cx, due),
                        due_date: due,
                        requested_by: None,
                        at: created,
                    },
                    status: status.into(),
                    withdraw_reason: (status == "withdrawn").then(|| "no_involvement".to_string()),
                    answers_sealed,
                    coded,
                    completeness,
                    submitted_at,
                    return_days: submitted_at.map(|s| (s - created).num_days() as i32),
                });
            }
        }
        self.counts.requests += rows.len() as u64;
        seeded::insert_requests(txn, rows).await?;
        Ok(())
    }

    async fn meeting(
        &mut self,
        txn: &store::Txn,
        kind: MeetingKind,
        area_id: i64,
        on: NaiveDate,
    ) -> anyhow::Result<i64> {
        let (duration, location, attendees) = match kind {
            MeetingKind::Cdrm => (60, "Video call", vec![self.staff.chair, self.staff.coordinator]),
            MeetingKind::Panel => {
                let mut a = vec![self.staff.chair, self.staff.coordinator];
                a.extend(&self.staff.members);
                (180, "Synthetic Council Offices, Committee Room 2", a)
            }
        };
        let id = meetings::insert(
            txn,
            NewMeeting {
                kind: kind.code().into(),
                starts_at: at_ten(on),
                duration_minutes: duration,
                // The service's own synthetic wording: no person's words in it.
                location: crate::domain::anonymity::Checked::service_text(location),
                chair_id: self.staff.chair,
                uid: format!("{}@cdop", uuid::Uuid::new_v4()),
                created_by: Some(self.staff.coordinator),
            },
            &[area_id],
            &attendees,
        )
        .await?;
        if on <= self.today {
            meetings::set_status(txn, id, 1, MeetingStatus::Held.code()).await?;
        }
        self.counts.meetings += 1;
        Ok(id)
    }

    async fn write_action(
        &mut self,
        txn: &store::Txn,
        case: &Case,
        plan: &Plan,
        due: NaiveDate,
        status: &str,
        signed: NaiveDate,
    ) -> anyhow::Result<()> {
        let keyring = &self.cx.keys.keyring;
        let owner = plan.requests.first().map(|r| r.agency).unwrap_or("Synthetic Acute Hospital Trust");
        let sealed = crate::review::actions::Sealed {
            description: format!(
                "Act on the panel's learning: {}",
                review::learning_of(plan.decision.category)
            ),
            owner_email: "actions@synthetic.example.org".into(),
            owner_token: String::new(),
            note: String::new(),
        };
        let themes: Vec<String> = plan.decision.themes.iter().take(1).map(|t| t.to_string()).collect();
        let (id, _) = actions::insert(
            txn,
            actions::NewAction {
                area_id: case.area_id,
                due_on: due,
                owner_org: Checked::service_text(owner),
                sealed: synthetic_record(keyring, &sealed)?,
                sealed_key: keyring.key_id(),
                created_by: Some(self.staff.coordinator),
            },
            &[case.id],
            &themes,
        )
        .await?;
        if status != "open" {
            let done = matches!(status, "implemented" | "closed_no_action");
            let note = if status == "closed_no_action" {
                "The agency's existing work already covers this."
            } else {
                ""
            };
            let sealed = crate::review::actions::Sealed { note: note.into(), ..sealed };
            actions::update(
                txn,
                id,
                1,
                actions::Change {
                    status: status.into(),
                    due_on: due,
                    owner_org: Checked::service_text(owner),
                    sealed: synthetic_record(keyring, &sealed)?,
                    sealed_key: keyring.key_id(),
                    completed_on: done.then(|| (due - TimeDelta::days(10)).max(signed)),
                },
            )
            .await?;
        }
        self.counts.actions += 1;
        Ok(())
    }
}

/// Writes the review history of the given synthetic cases (by reference, with their dates of
/// death as generated: the sealed date is not opened again). `progress` hears the cases done.
pub async fn write_all(
    cx: &Context,
    rng: &mut StdRng,
    staff: Staff,
    deaths: Vec<(String, NaiveDate)>,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<Counts> {
    let by_reference: HashMap<String, NaiveDate> = deaths.into_iter().collect();
    let mut by_id = Vec::with_capacity(by_reference.len());
    let mut after = 0;
    loop {
        let batch = cases::batch_after(&cx.db, after, 2000).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        by_id.extend(batch.into_iter().filter_map(|c| by_reference.get(&c.reference).map(|d| (c.id, *d))));
    }
    let total = by_id.len();
    let mut writer = Writer::new(cx, staff);
    let mut done = 0;
    for chunk in by_id.chunks(BATCH) {
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        let batch: Vec<(Case, NaiveDate)> = cases::by_ids(&cx.db, &ids)
            .await?
            .into_iter()
            .filter_map(|c| chunk.iter().find(|(id, _)| *id == c.id).map(|(_, d)| (c, *d)))
            .filter(|(c, _)| c.synthetic && c.status == CaseStatus::Notified.code())
            .collect();
        writer.write(rng, &batch).await?;
        done += chunk.len();
        progress(done, total);
    }
    Ok(writer.counts)
}

/// An action's record of the service's own synthetic wording (no person's words), sealed.
fn synthetic_record(
    keyring: &crate::crypto::envelope::Keyring,
    sealed: &crate::review::actions::Sealed,
) -> anyhow::Result<SealedChecked> {
    let texts = [Checked::service_text(&sealed.description), Checked::service_text(&sealed.note)];
    Ok(SealedChecked::of_record(&texts, &serde_json::to_vec(sealed)?, |b| keyring.seal(b))?)
}
