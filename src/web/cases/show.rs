//! The case page: the coded summary for everyone allowed to see the case, the identifying details
//! behind an audited "show identifying details" action, and the case's timeline.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;

use crate::domain::audit::AuditAction;
use crate::domain::codes::expected_label;
use crate::domain::codes::{
    CaseStatus, DataQuality, DuplicateStatus, Ethnicity, JarCriterion, NhsNumberStatus, PlaceOfDeath,
    RejectionReason, Sex, Source, YesNoUnknown,
};
use crate::domain::dates::{AgeBand, ReportingYear};
use crate::domain::notification::SealedIdentity;
use crate::domain::policy::{Action, Principal};
use crate::store::cases::{self, Case};
use crate::store::{self, areas, audit, short_results, users};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::cases::{date_of_birth_words, load_in_scope, open_identities, or_not_known};
use crate::web::error::WebResult;
use crate::web::form_body::{Choice, FormErrors};
use crate::web::page::Page;

pub struct Row {
    pub label: &'static str,
    pub value: String,
}

fn row(label: &'static str, value: impl Into<String>) -> Row {
    Row { label, value: value.into() }
}

pub struct PersonView {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub email: String,
    pub phone: String,
}

pub struct TimelineRow {
    pub at: String,
    pub what: String,
    pub who: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "cases/show.html")]
pub struct ShowTemplate {
    /// Set when the case's identifying data was destroyed: what happened, in words.
    destroyed: Option<String>,
    /// When the identifying data falls due under the retention policies, in words.
    retention: Option<String>,
    can_analyse: bool,
    can_family: bool,
    can_act: bool,
    can_move: bool,
    can_close: bool,
    /// The meetings the case has been on, with what happened.
    meetings: Vec<MeetingRow>,
    can_prepare_pack: bool,
    pub page: Page,
    reference: String,
    /// Whether the information asked of agencies has come in, in words.
    information: &'static str,
    /// The user may see and make requests for agency information on this case.
    can_gather: bool,
    status_code: String,
    summary: Vec<Row>,
    duplicate_of: Option<String>,
    duplicate_flagged: bool,
    /// The possible duplicate was found by date of death and area (no NHS number to compare).
    duplicate_hint: bool,
    data_quality: Vec<&'static str>,
    identity: Option<Vec<Row>>,
    notifier: Option<PersonView>,
    professionals: Vec<PersonView>,
    identity_failed: bool,
    can_reveal: bool,
    can_triage: bool,
    can_amend: bool,
    version: i64,
    rejection_reasons: Vec<Choice>,
    chronology: Vec<ChronologyStage>,
    /// A reveal's one-time link was used again (refresh, back, a copied URL).
    hidden_again: bool,
    /// Problems with the triage form (a rejection without a reason), and what was typed.
    pub errors: FormErrors,
    pub reason_chosen: String,
    pub reason_other: String,
}

/// The case's coded facts. `identified`: the reader may see the case's identity; for anyone
/// else (panel chairs and members) the notification is given by its month and the age by its
/// band (and completed weeks under one year), the grain of the anonymised dataset: an exact
/// time of notification and age in days, with the meeting's date, would give back the dates of
/// death and birth.
pub fn summary(case: &Case, area: &str, identified: bool) -> Vec<Row> {
    let jar: Vec<&str> =
        case.jar_criteria.split(',').filter_map(JarCriterion::parse).map(|j| j.label()).collect();
    let band = AgeBand::parse(&case.age_band).map(|b| b.label()).unwrap_or("—");
    let notified = if !case.notification_recorded {
        "Not recorded (a review imported without its notification)".to_string()
    } else if identified {
        crate::domain::uk_time::long(case.notified_at)
    } else {
        case.notified_at.format("%B %Y").to_string()
    };
    let age = match (case.age_at_death_days, identified) {
        // Removed with the identifying data (retention): the band stays.
        (d, _) if d < 0 => band.to_string(),
        (d, true) => format!("{band} ({}{d} days)", if case.age_approximate { "about " } else { "" }),
        (d, false) if d < 365 => {
            let weeks = d / 7;
            format!("{band} ({weeks} completed week{})", if weeks == 1 { "" } else { "s" })
        }
        (_, false) => band.to_string(),
    };
    let mut rows = vec![
        row("Reference", case.reference.clone()),
        row("Area", area),
        row("Status", CaseStatus::parse(&case.status).map(|s| s.label()).unwrap_or("—")),
        row("Notified", notified),
        row("Received through", Source::parse(&case.source).map(|s| s.label()).unwrap_or("—")),
        row("Reporting year notified", ReportingYear(case.reporting_year).to_string()),
        row("Age at death", age),
        row("Sex", Sex::parse(&case.sex).map(|s| s.label()).unwrap_or("—")),
        row("Ethnicity", Ethnicity::parse(&case.ethnicity).map(|e| e.label()).unwrap_or("—")),
        row(
            "Deprivation (IMD decile)",
            case.imd_decile
                .map(|d| format!("{d} (1 = most deprived)"))
                .unwrap_or_else(|| "Not known (no lookup for the postcode)".into()),
        ),
        row("Place of death", PlaceOfDeath::parse(&case.place_category).map(|p| p.label()).unwrap_or("—")),
        row("Expected death", expected_label(case.expected_known.then_some(case.expected))),
        row(
            "Joint Agency Response",
            if jar.is_empty() { "Not indicated".to_string() } else { jar.join("; ") },
        ),
        row(
            "Coroner informed",
            YesNoUnknown::parse(&case.coroner_informed).map(|v| v.label()).unwrap_or("—"),
        ),
        row("Looked after", YesNoUnknown::parse(&case.looked_after).map(|v| v.label()).unwrap_or("—")),
        row(
            "Post-mortem planned",
            YesNoUnknown::parse(&case.post_mortem_planned).map(|v| v.label()).unwrap_or("—"),
        ),
        row("NHS number", NhsNumberStatus::parse(&case.nhs_number_status).map(|v| v.label()).unwrap_or("—")),
    ];
    if case.stillbirth {
        rows.push(row("Stillbirth", "Suspected stillbirth at home with no healthcare professional present"));
    }
    if let Some(reason) = case.rejection_reason.as_deref().and_then(RejectionReason::parse) {
        rows.push(row("Rejected because", reason.label()));
    }
    if case.synthetic {
        rows.push(row("Synthetic", "Yes: demonstration data, not a real child"));
    }
    rows
}

/// The data-quality items of a case, as labels (for the coordinator to follow up).
pub fn data_quality(case: &Case) -> Vec<&'static str> {
    case.data_quality.split(',').filter_map(DataQuality::parse).map(|d| d.label()).collect()
}

fn identity_rows(i: &SealedIdentity) -> Vec<Row> {
    vec![
        row("First names", i.child.given_names.clone()),
        row("Last name", i.child.family_name.clone()),
        row("Other names", i.child.other_names.clone()),
        row("Date of birth", date_of_birth_words(&i.child)),
        row("NHS number", or_not_known(&i.child.nhs_number)),
        row("Address", or_not_known(&i.child.address)),
        row("Postcode", or_not_known(&i.child.postcode)),
        row("GP practice", i.child.gp_practice.clone()),
        row("Parental responsibility", i.child.parental_responsibility.clone()),
        row("Date of death", i.death.date_of_death.format("%-d %B %Y").to_string()),
        row("Time of death", i.death.time_of_death.clone()),
        row("Place details", i.death.place_detail.clone()),
        row("Circumstances", i.death.circumstances.clone()),
    ]
}

fn person_view(p: &crate::domain::notification::Person) -> PersonView {
    PersonView {
        name: p.name.clone(),
        role: p.role.clone(),
        organisation: p.organisation.clone(),
        email: p.email.clone(),
        phone: p.phone.clone(),
    }
}

/// The case's chronology: what has happened, in words, grouped by stage (access history is
/// left to the audit trail). `identified`: the reader may see the case's identity; anyone else
/// reads each event's month, the grain of the notification elsewhere (the notification's minute,
/// with the interval to the death a pack gives, would give the date of death back). Cases named
/// by a duplicate's events are named only to a reader who works in their area (`area_ids`).
async fn chronology(
    state: &AppState,
    case: &Case,
    identified: bool,
    area_ids: &[i64],
) -> WebResult<Vec<ChronologyStage>> {
    use crate::domain::audit::detail;
    use crate::domain::chronology;
    let when = if identified { "%-d %b %Y %H:%M" } else { "%B %Y" };
    let events = audit::for_object(&state.db, "case", &case.reference).await?;
    let people = users::list(&state.db).await?;
    let mut readable: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    for e in &events {
        for key in ["duplicate_of", "merged", "into", "unmerged", "from"] {
            let r = detail(&e.details, key);
            if r.starts_with("CDOP-") && !readable.contains_key(r) {
                let known = cases::find_by_reference(&state.db, r).await?;
                readable.insert(r.to_string(), known.is_some_and(|c| area_ids.contains(&c.area_id)));
            }
        }
    }
    let requests: Vec<(String, String)> = crate::store::form_requests::for_case(&state.db, case.id)
        .await?
        .into_iter()
        .map(|r| {
            let title = state
                .forms
                .version(&r.form_code, &r.form_version)
                .map(|v| v.title.clone())
                .unwrap_or_else(|| r.form_code.clone());
            (r.id.to_string(), format!("{title} from {}", r.agency))
        })
        .collect();
    let names = CaseNames { readable, requests };
    let mut stages: Vec<ChronologyStage> = Vec::new();
    for e in events {
        let Some(action) = AuditAction::parse(&e.action) else { continue };
        let Some(stage) = chronology::stage(action, &e.details) else { continue };
        let who = e
            .actor_user_id
            .and_then(|id| people.iter().find(|p| p.user.id == id))
            .map(|p| p.user.name.clone())
            .unwrap_or_else(|| match e.actor.as_str() {
                "anonymous" => "a professional without an account".to_string(),
                "system" => "the service".to_string(),
                "cli" => "an operator (command line)".to_string(),
                other => other.to_string(),
            });
        let row = TimelineRow {
            at: crate::domain::uk_time::to_uk(e.occurred_at).format(when).to_string(),
            what: match action {
                AuditAction::CaseAmended => crate::intake::amend::describe_event(&e.details),
                _ => chronology::words(action, &e.details, &names),
            },
            who,
        };
        // Events in time order; a stage seen again (more information after review) starts a
        // new group, so the story reads as it happened.
        match stages.last_mut() {
            Some(s) if s.stage == stage => s.rows.push(row),
            _ => stages.push(ChronologyStage { stage, label: stage.label(), rows: vec![row] }),
        }
    }
    Ok(stages)
}

/// One stage of the chronology and its events.
pub struct ChronologyStage {
    pub stage: crate::domain::chronology::Stage,
    pub label: &'static str,
    pub rows: Vec<TimelineRow>,
}

struct CaseNames {
    readable: std::collections::HashMap<String, bool>,
    requests: Vec<(String, String)>,
}

impl crate::domain::chronology::Names for CaseNames {
    fn request(&self, id: &str) -> Option<String> {
        self.requests.iter().find(|(r, _)| r == id).map(|(_, words)| words.clone())
    }
    fn case(&self, reference: &str) -> String {
        if self.readable.get(reference).copied().unwrap_or(false) {
            reference.to_string()
        } else {
            "a case in another area".to_string()
        }
    }
}

/// The case's retention in words: (destroyed notice, due date). `identified`: the reader may see
/// the case's identity; anyone else is not told the due date (a policy counting from the date of
/// birth would give its month and year).
async fn retention_words(
    state: &AppState,
    case: &Case,
    identified: bool,
) -> WebResult<(Option<String>, Option<String>)> {
    let long = crate::domain::dates::long_date;
    if let Some(at) = case.destroyed_at {
        let entry = crate::store::destruction::for_case(&state.db, case.id)
            .await?
            .into_iter()
            .find(|e| e.destroyed_at.is_some());
        let policy = entry.as_ref().and_then(|e| e.policy_name.clone());
        let certificate = entry.map(|e| e.certificate()).unwrap_or_default();
        return Ok((
            Some(format!(
                "The identifying data of this case was destroyed on {}{}, after approval by two admins (certificate {certificate}). The coded record is kept, so reports do not change.",
                long(at.date_naive()),
                policy.map(|p| format!(" under the retention policy ‘{p}’")).unwrap_or_default(),
            )),
            None,
        ));
    }
    let held = !crate::store::holds::on_case(&state.db, case.id).await?.is_empty();
    let words = match (case.retention_due_on, held) {
        (_, true) => "Under a legal hold: never destroyed while the hold stands".to_string(),
        (Some(d), false) if identified => format!("Identifying data due for review on {}", long(d)),
        (Some(_), false) => "Identifying data kept under the retention policies (the date is shown to staff who may see the case's identity)".to_string(),
        (None, false) if case.retention_stale => "Being worked out".to_string(),
        (None, false) => "Not known yet: the date the policy counts from has not happened".to_string(),
    };
    Ok((None, Some(words)))
}

pub async fn page(
    state: &AppState,
    ctx: &AuthContext,
    me: &Principal,
    case: &Case,
    identity: Option<Option<SealedIdentity>>,
) -> WebResult<ShowTemplate> {
    let all_areas = areas::list(&state.db).await?;
    let area = all_areas.iter().find(|a| a.id == case.area_id).map(|a| a.name.clone()).unwrap_or_default();
    // The earlier case a duplicate points to is named only to someone who may see it.
    let duplicate_of = super::visible_duplicate_of(state, me, case).await?.map(|d| d.reference);
    let resolvable = duplicate_of.is_some()
        && case.status != CaseStatus::Rejected.code()
        && case.status != CaseStatus::Merged.code();
    let identity_failed = matches!(identity, Some(None)) && case.destroyed_at.is_none();
    let opened = identity.flatten();
    let identified = me.permits_in(Action::RevealIdentity, case.area_id);
    let (destroyed, retention) = retention_words(state, case, identified).await?;
    let live = destroyed.is_none();
    Ok(ShowTemplate {
        destroyed,
        retention,
        page: Page::for_user(ctx, case.reference.clone(), "/cases"),
        reference: case.reference.clone(),
        information: crate::domain::codes::InformationStatus::parse(&case.information_status)
            .map(|s| s.label())
            .unwrap_or(""),
        can_gather: live
            && me.permits_in(Action::RequestInformation, case.area_id)
            && crate::domain::workflow::can_request_information(
                CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Notified),
            ),
        can_analyse: live
            && me.permits_in(Action::EditAnalysis, case.area_id)
            && crate::review::analysis::editable_in(&case.status),
        can_prepare_pack: live
            && me.permits_in(Action::PreparePacks, case.area_id)
            && case.status == CaseStatus::ReviewScheduled.code(),
        can_family: live && me.permits_in(Action::RecordFamilyContact, case.area_id),
        can_act: me.permits_in(Action::ManageActions, case.area_id),
        can_move: live
            && me.permits_in(Action::MoveCase, case.area_id)
            && !matches!(CaseStatus::parse(&case.status), Some(CaseStatus::Merged | CaseStatus::Rejected)),
        can_close: me.permits_in(Action::EditAnalysis, case.area_id)
            && case.status == CaseStatus::Reviewed.code(),
        meetings: meeting_rows(state, case).await?,
        status_code: case.status.clone(),
        summary: summary(case, &area, identified),
        duplicate_flagged: resolvable && DuplicateStatus::is_open_code(&case.duplicate_status),
        duplicate_hint: case.duplicate_status == DuplicateStatus::Possible.code(),
        data_quality: data_quality(case),
        duplicate_of,
        identity: opened.as_ref().map(identity_rows),
        notifier: opened.as_ref().map(|i| person_view(&i.notifier)),
        professionals: opened
            .as_ref()
            .map(|i| i.professionals.iter().map(person_view).collect())
            .unwrap_or_default(),
        identity_failed,
        can_reveal: live && me.permits_in(Action::RevealIdentity, case.area_id),
        can_triage: live && me.permits_in(Action::TriageNotifications, case.area_id),
        can_amend: live
            && me.permits_in(Action::AmendNotification, case.area_id)
            && !matches!(CaseStatus::parse(&case.status), Some(CaseStatus::Merged | CaseStatus::Rejected)),
        version: case.version,
        rejection_reasons: RejectionReason::ALL
            .iter()
            .map(|r| Choice::new(r.code(), r.label(), false))
            .collect(),
        chronology: chronology(state, case, identified, &me.area_ids).await?,
        hidden_again: false,
        errors: FormErrors::default(),
        reason_chosen: String::new(),
        reason_other: String::new(),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ShowQuery {
    /// The one-time id a reveal redirects with.
    #[serde(default)]
    shown: String,
}

/// `GET /cases/{reference}`: the coded summary; with `?shown=ID` right after an audited reveal,
/// the identifying details too (once: a refresh or a copied URL shows them hidden again). The
/// view is audited.
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
    crate::web::params::Q(q): crate::web::params::Q<ShowQuery>,
) -> WebResult<ShowTemplate> {
    let case = load_in_scope(&state, &me, &reference, Action::ViewCases).await?;
    audit::append_now(
        &state.db,
        &ctx.acting().event(AuditAction::CaseViewed, "case", case.reference.clone()).area(case.area_id),
    )
    .await?;
    let mut identity = None;
    let mut hidden_again = false;
    if !q.shown.is_empty() && me.permits_in(Action::RevealIdentity, case.area_id) {
        match short_results::take(&state.db, &q.shown, me.user_id, REVEAL).await? {
            Some(r) if r == case.reference => {
                let opened = open_identities(&state, std::slice::from_ref(&case)).await?.pop().flatten();
                if opened.is_none() {
                    tracing::error!(case = %case.reference, "the sealed record could not be opened with the configured identities");
                }
                identity = Some(opened);
            }
            _ => hidden_again = true,
        }
    }
    let mut page = page(&state, &ctx, &me, &case, identity).await?;
    page.hidden_again = hidden_again;
    Ok(page)
}

const REVEAL: &str = "reveal";

/// `POST /cases/{reference}/reveal`: records the (audited) reveal, then redirects to the case page
/// with a one-time id that shows the identifying details once. A POST, so the reveal is deliberate
/// (never a prefetch) and CSRF-protected; the redirect means back and refresh never reveal again.
pub async fn reveal(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Path(reference): Path<String>,
) -> WebResult<Response> {
    let case = load_in_scope(&state, &me, &reference, Action::RevealIdentity).await?;
    // A single sign-on session signed in a while ago signs in again with its provider first.
    let page = format!("/cases/{}", case.reference);
    if let Some(again) = crate::web::auth::sso::reauthentication_needed(&state, &ctx, &page) {
        return Ok(again);
    }
    let txn = store::begin_write(&state.db).await?;
    audit::append(
        &txn,
        &ctx.acting().event(AuditAction::CaseRevealed, "case", case.reference.clone()).area(case.area_id),
    )
    .await?;
    let id = short_results::create(&txn, me.user_id, REVEAL, &case.reference, TimeDelta::minutes(5)).await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("/cases/{}?shown={id}#identifying-details", case.reference)).into_response())
}

/// A meeting the case was on, and what happened to it there.
pub struct MeetingRow {
    pub id: i64,
    pub title: String,
    pub outcome: String,
}

async fn meeting_rows(state: &AppState, case: &Case) -> WebResult<Vec<MeetingRow>> {
    use crate::domain::codes::{AgendaOutcome, ReviewDelay};
    let mut out = Vec::new();
    for item in crate::store::meetings::items_of_case(&state.db, case.id).await? {
        let Some(m) = crate::store::meetings::find(&state.db, item.meeting_id).await? else { continue };
        let outcome = AgendaOutcome::parse(&item.outcome).map(|o| o.label()).unwrap_or_default();
        let reason = item.reason.as_deref().and_then(ReviewDelay::parse).map(|r| r.label());
        out.push(MeetingRow {
            id: m.id,
            title: crate::review::meetings::title(&m),
            outcome: match reason {
                Some(r) => format!("{outcome}: {r}"),
                None => outcome.to_string(),
            },
        });
    }
    Ok(out)
}
