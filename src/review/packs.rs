//! Anonymised case packs. For a case on a panel agenda, staff prepare a pack: the coded summary
//! (bands and intervals, never calendar dates), the coded answers of the submitted forms, an
//! anonymised summary they write, and the agencies' narratives after redaction. The service
//! replaces every known identifier of the case in each narrative with a role label; a person
//! then checks each one (editing it if needed) and confirms it or leaves it out. Unchecked
//! narratives never appear. A published pack opens only to the meeting's attendees, until a
//! configured number of days after the meeting, and every opening is audited.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::open_text;
use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{AgencyType, AgendaOutcome, NarrativeStatus, PlaceOfDeath, RequestStatus, Sex};
use crate::domain::dates::AgeBand;
use crate::domain::redact::{self, Identifier};
use crate::forms::answers::{self, Answer};
use crate::forms::{FormVersion, Kind};
use crate::service::{Acting, ServiceError, ServiceResult, invalid};
use crate::store::cases::Case;
use crate::store::form_requests::{self, FormRequest};
use crate::store::meetings::{self, AgendaItem, Meeting};
use crate::store::packs::{self as store, PackNarrative};
use crate::store::{self as db, areas, audit};

/// A submitted response with its definition and answers.
struct Response {
    request: FormRequest,
    version: std::sync::Arc<FormVersion>,
    answers: answers::Answers,
}

async fn submitted(cx: &Context, case: &Case) -> ServiceResult<Vec<Response>> {
    let mut out = Vec::new();
    for r in form_requests::for_case(&cx.db, case.id).await? {
        if r.status != RequestStatus::Submitted.code() {
            continue;
        }
        let loaded = crate::responses::load(cx, &r).await?;
        out.push(Response { request: r, version: loaded.version, answers: loaded.answers });
    }
    Ok(out)
}

/// Narratives of a response, as (item key, row, question, text), groups included.
fn narratives_of(r: &Response) -> Vec<(String, i32, String, String)> {
    let mut out = Vec::new();
    for item in &r.version.items {
        match (item.kind, r.answers.get(&item.key)) {
            (Kind::Narrative, Some(Answer::Text(t))) => {
                out.push((item.key.clone(), 0, item.label.clone(), t.clone()))
            }
            (Kind::Group, Some(Answer::Rows(rows))) => {
                for (n, row) in rows.iter().enumerate() {
                    for f in item.fields.iter().filter(|f| f.kind == Kind::Narrative) {
                        if let Some(Answer::Text(t)) = row.get(&f.key) {
                            out.push((
                                format!("{}.{}", item.key, f.key),
                                n as i32,
                                f.label.clone(),
                                t.clone(),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Short identifying (non-narrative) text answers, as (label, text): names the agencies gave.
fn identifying_texts(responses: &[Response]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in responses {
        for item in r.version.items.iter().filter(|i| i.kind == Kind::Text && !i.is_coded()) {
            if let Some(Answer::Text(t)) = r.answers.get(&item.key) {
                out.push((item.label.to_lowercase(), t.clone()));
            }
        }
    }
    out
}

/// The case's identifiers as the redactor uses them (its merged duplicates' too).
pub async fn case_identifiers(cx: &Context, case: &Case) -> ServiceResult<Vec<Identifier>> {
    crate::anonymity::case_identifiers(cx, case).await
}

/// The case's identifiers, given its submitted responses.
async fn identifiers_with(
    cx: &Context,
    case: &Case,
    responses: &[Response],
) -> ServiceResult<Vec<Identifier>> {
    crate::anonymity::case_identifiers_with(cx, case, &identifying_texts(responses)).await
}

/// Redacts every narrative of the submitted forms that is new or changed since it was last
/// redacted (an earlier check stands while its source is unchanged).
pub async fn prepare(cx: &Context, case: &Case) -> ServiceResult<()> {
    let responses = submitted(cx, case).await?;
    let ids = identifiers_with(cx, case, &responses).await?;
    let existing = store::narratives(&cx.db, case.id).await?;
    let key = cx.keys.keyring.key_id();
    let mut fresh = Vec::new();
    for r in &responses {
        for (item_key, row, _, text) in narratives_of(r) {
            let hash = crate::crypto::secrets::digest(&text);
            let same = existing.iter().any(|e| {
                e.request_id == r.request.id
                    && e.item_key == item_key
                    && e.row_no == row
                    && e.source_hash == hash
            });
            if same {
                continue;
            }
            let red = redact::redact(&text, &ids);
            fresh.push(store::Redacted {
                case_id: case.id,
                request_id: r.request.id,
                item_key,
                row_no: row,
                sealed: cx.keys.keyring.seal(red.text.as_bytes())?,
                sealed_key: key.clone(),
                source_hash: hash,
                redactions: red.total() as i32,
                at: cx.clock.now(),
            });
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    let txn = db::begin_write(&cx.db).await?;
    for f in fresh {
        store::upsert(&txn, f).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A redacted narrative as the checking page shows it.
#[derive(Debug, Clone)]
pub struct NarrativeView {
    pub id: i64,
    pub version: i64,
    pub agency_type: String,
    pub form: String,
    pub question: String,
    pub status: NarrativeStatus,
    pub redactions: i32,
    pub text: String,
}

fn view(cx: &Context, n: &PackNarrative, requests: &[FormRequest]) -> ServiceResult<NarrativeView> {
    let r = requests.iter().find(|r| r.id == n.request_id);
    let version = r.and_then(|r| cx.forms.version(&r.form_code, &r.form_version));
    let question = version
        .as_ref()
        .and_then(|v| {
            let (top, field) = n.item_key.split_once('.').unwrap_or((&n.item_key, ""));
            let item = v.item(top)?;
            Some(if field.is_empty() {
                item.label.clone()
            } else {
                let f = item.fields.iter().find(|f| f.key == field)?;
                format!("{} (row {}): {}", item.label, n.row_no + 1, f.label)
            })
        })
        .unwrap_or_else(|| n.item_key.clone());
    Ok(NarrativeView {
        id: n.id,
        version: n.version,
        agency_type: r
            .and_then(|r| AgencyType::parse(&r.agency_type))
            .map(|a| a.label().to_string())
            .unwrap_or_default(),
        form: version.map(|v| v.title.clone()).unwrap_or_default(),
        question,
        status: NarrativeStatus::parse(&n.status).unwrap_or(NarrativeStatus::Pending),
        redactions: n.redactions,
        text: open_text(cx, &n.sealed)?,
    })
}

/// The case's redacted narratives, for checking.
pub async fn narratives(cx: &Context, case: &Case) -> ServiceResult<Vec<NarrativeView>> {
    let requests = form_requests::for_case(&cx.db, case.id).await?;
    store::narratives(&cx.db, case.id).await?.iter().map(|n| view(cx, n, &requests)).collect()
}

/// A coordinator's decision on one redacted narrative: confirm it for the pack (as edited) or
/// leave it out.
#[derive(Debug, Clone)]
pub struct NarrativeDecision {
    pub id: i64,
    pub version: i64,
    pub text: String,
    pub confirm: bool,
}

/// Checks the case's narratives together: each text is checked first — every problem named by
/// its narrative (`text-{id}`), all in one round — then every decision is stored in one
/// transaction, or none is. Returns how many were confirmed.
pub async fn check_all(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    decisions: &[NarrativeDecision],
    confirmed: &[String],
) -> ServiceResult<usize> {
    let ids = case_identifiers(cx, case).await?;
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for d in decisions {
        let field = format!("text-{}", d.id);
        let n = store::narrative(&cx.db, d.id)
            .await?
            .filter(|n| n.case_id == case.id)
            .ok_or(ServiceError::NotFound)?;
        let text = d.text.trim();
        if text.chars().count() > 20_000 {
            problems.push((field, "The narrative must be 20,000 characters or fewer".to_string()));
            continue;
        }
        if !d.confirm {
            checked.push((
                n.id,
                d.version,
                store::Decision::Excluded(cx.keys.keyring.seal(text.as_bytes())?),
                0,
            ));
            continue;
        }
        if text.is_empty() {
            problems.push((field, "The narrative is empty: leave it out instead".to_string()));
            continue;
        }
        match crate::anonymity::check(&field, text, &ids, confirmed) {
            Ok(c) => {
                let count = c.confirmed();
                checked.push((
                    n.id,
                    d.version,
                    store::Decision::Confirmed(c.seal(|b| cx.keys.keyring.seal(b))?),
                    count,
                ));
            }
            Err(ServiceError::Invalid(list)) => problems.extend(list),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let txn = db::begin_write(&cx.db).await?;
    let mut confirmed_narratives = 0;
    for (id, version, decision, count) in checked {
        let status = match decision {
            store::Decision::Confirmed(_) => NarrativeStatus::Confirmed,
            store::Decision::Excluded(_) => NarrativeStatus::Excluded,
        };
        confirmed_narratives += usize::from(status == NarrativeStatus::Confirmed);
        store::check(
            &txn,
            id,
            version,
            decision,
            &cx.keys.keyring.key_id(),
            acting.actor.user_id(),
            cx.clock.now(),
        )
        .await?;
        audit::append(
            &txn,
            &acting
                .case_event(AuditAction::PackNarrativeChecked, case)
                .details(format!("narrative={id};status={};confirmed={count}", status.code())),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(confirmed_narratives)
}

/// The anonymised summary (empty when not written yet) and its lock.
pub async fn summary(cx: &Context, case: &Case) -> ServiceResult<(String, i64)> {
    Ok(match store::summary(&cx.db, case.id).await? {
        Some(p) => {
            let text = match &p.summary_sealed {
                Some(s) => open_text(cx, s)?,
                None => String::new(),
            };
            (text, p.version)
        }
        None => (String::new(), 0),
    })
}

pub async fn save_summary(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    version: i64,
    text: &str,
    confirmed: &[String],
) -> ServiceResult<()> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("summary", "Write the anonymised summary"));
    }
    if text.chars().count() > 20_000 {
        return Err(invalid("summary", "The summary must be 20,000 characters or fewer"));
    }
    let checked = crate::anonymity::check("summary", text, &case_identifiers(cx, case).await?, confirmed)?;
    let sealed = checked.seal(|b| cx.keys.keyring.seal(b))?;
    let txn = db::begin_write(&cx.db).await?;
    store::save_summary(
        &txn,
        case.id,
        version,
        sealed,
        &cx.keys.keyring.key_id(),
        acting.actor.user_id(),
        cx.clock.now(),
    )
    .await?;
    audit::append(
        &txn,
        &acting
            .case_event(AuditAction::PackSummarySaved, case)
            .details(format!("confirmed={}", checked.confirmed())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What is still to do before the pack can be published, in words (empty: ready).
pub async fn still_to_do(cx: &Context, case: &Case) -> ServiceResult<Vec<String>> {
    let mut out = Vec::new();
    if summary(cx, case).await?.0.is_empty() {
        out.push("Write the anonymised summary".to_string());
    }
    let pending = store::narratives(&cx.db, case.id)
        .await?
        .iter()
        .filter(|n| n.status == NarrativeStatus::Pending.code())
        .count();
    if pending > 0 {
        out.push(format!("Check {pending} redacted narrative{}", if pending == 1 { "" } else { "s" }));
    }
    Ok(out)
}

/// Publishes the pack for this agenda item: attendees can open it from now until the configured
/// days after the meeting.
pub async fn publish(
    cx: &Context,
    acting: &Acting<'_>,
    m: &Meeting,
    item: &AgendaItem,
    case: &Case,
) -> ServiceResult<()> {
    prepare(cx, case).await?;
    let todo = still_to_do(cx, case).await?;
    if !todo.is_empty() {
        return Err(ServiceError::Refused(format!("The pack is not ready: {}", todo.join("; "))));
    }
    build(cx, m, case).await?; // refuses a pack in which an identifier is still found
    let txn = db::begin_write(&cx.db).await?;
    meetings::mark_published(&txn, item.id, cx.clock.now()).await?;
    audit::append(
        &txn,
        &acting.case_event(AuditAction::PackPublished, case).details(format!("meeting={}", m.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The last moment attendees can open the meeting's packs.
pub fn closes(cx: &Context, m: &Meeting) -> chrono::DateTime<chrono::Utc> {
    m.starts_at + Duration::days(i64::from(cx.config.review.pack_days_after_meeting))
}

/// Whether `user_id` may open the pack of `item` now: an attendee, once published, until the
/// window closes.
pub async fn may_open(cx: &Context, m: &Meeting, item: &AgendaItem, user_id: i64) -> ServiceResult<bool> {
    Ok(window_open(cx, m, item) && meetings::is_attendee(&cx.db, m.id, user_id).await?)
}

/// Whether the pack of `item` is published and its window still open (attendance aside).
pub fn window_open(cx: &Context, m: &Meeting, item: &AgendaItem) -> bool {
    let now = cx.clock.now();
    item.pack_published_at.is_some_and(|p| p <= now)
        && now <= closes(cx, m)
        && item.outcome != AgendaOutcome::Moved.code()
}

/// The pack as plain data: every output (page, PDF) is made from this.
#[derive(Debug, Clone, Serialize)]
pub struct Pack {
    pub reference: String,
    pub meeting: String,
    pub summary_rows: Vec<(String, String)>,
    pub summary: String,
    pub forms: Vec<PackForm>,
    pub narratives: Vec<PackText>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackForm {
    pub title: String,
    pub agency_type: String,
    pub answers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackText {
    pub heading: String,
    pub text: String,
}

/// The time from the death to an event, never in days. The notification: in completed weeks,
/// or months past eight weeks. The meeting, whose date members know: in months only (a week
/// count from a known date would put the death in a seven-day window).
fn interval_words(from: NaiveDate, to: NaiveDate, weeks: bool) -> String {
    let d = (to - from).num_days().max(0);
    let plural = |n: i64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    match d {
        0..7 if weeks => "less than a week".into(),
        7..56 if weeks => plural(d / 7, "week"),
        0..46 => "less than two months".into(),
        _ => format!("about {}", plural((d * 12 + 182) / 365, "month")),
    }
}

/// A coded answer as members read it: a date by its month (a day would anchor the intervals the
/// pack gives), anything else as the form shows it.
fn pack_answer(item: &crate::forms::Item, a: &Answer) -> String {
    match a {
        Answer::Date(d) => d.format("%B %Y").to_string(),
        _ => answers::display(item, a),
    }
}

/// The coded answers of a response, in words (identifying items left out).
fn coded_lines(version: &FormVersion, answers: &answers::Answers) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in version.items.iter().filter(|i| i.is_question()) {
        match (item.kind, answers.get(&item.key)) {
            (Kind::Group, Some(Answer::Rows(rows))) => {
                for (n, row) in rows.iter().enumerate() {
                    let words: Vec<String> = item
                        .fields
                        .iter()
                        .filter(|f| f.is_coded())
                        .filter_map(|f| {
                            row.get(&f.key).map(|a| format!("{}: {}", f.label, pack_answer(f, a)))
                        })
                        .collect();
                    if !words.is_empty() {
                        out.push((format!("{} ({})", item.label, n + 1), words.join("; ")));
                    }
                }
            }
            (_, Some(a)) if item.is_coded() => out.push((item.label.clone(), pack_answer(item, a))),
            _ => {}
        }
    }
    out
}

/// Builds the pack of `case` for meeting `m`. Refuses (rather than shows) a pack whose summary or
/// narratives still hold an identifier of the case as the redactor finds them.
pub async fn build(cx: &Context, m: &Meeting, case: &Case) -> ServiceResult<Pack> {
    let responses = submitted(cx, case).await?;
    let who = cx.identity(case)?;
    let ids = identifiers_with(cx, case, &responses).await?;
    let death = who.death.date_of_death;
    let area = areas::find(&cx.db, case.area_id).await?.map(|a| a.name).unwrap_or_default();
    let yes_no = |b: bool| if b { "Yes" } else { "No" }.to_string();
    let meeting_day = crate::domain::uk_time::to_uk(m.starts_at).date();
    let summary_rows = vec![
        ("Area".to_string(), area),
        (
            "Age at death".into(),
            AgeBand::parse(&case.age_band).map(|b| b.label().to_string()).unwrap_or_default(),
        ),
        ("Sex".into(), Sex::parse(&case.sex).map(|s| s.label().to_string()).unwrap_or_default()),
        (
            "Place of death".into(),
            PlaceOfDeath::parse(&case.place_category).map(|p| p.label().to_string()).unwrap_or_default(),
        ),
        (
            "Death expected".into(),
            crate::domain::codes::expected_label(case.expected_known.then_some(case.expected)).to_string(),
        ),
        ("Joint agency response".into(), yes_no(case.jar)),
        (
            "Notified".into(),
            format!("{} after the death", interval_words(death, case.notified_at.date_naive(), true)),
        ),
        ("This meeting".into(), format!("{} after the death", interval_words(death, meeting_day, false))),
    ];
    let requests: Vec<FormRequest> = responses.iter().map(|r| r.request.clone()).collect();
    let forms = responses
        .iter()
        .map(|r| PackForm {
            title: r.version.title.clone(),
            agency_type: AgencyType::parse(&r.request.agency_type)
                .map(|a| a.label().to_string())
                .unwrap_or_default(),
            answers: coded_lines(&r.version, &r.answers),
        })
        .collect();
    let mut narratives = Vec::new();
    for n in store::narratives(&cx.db, case.id).await? {
        if n.status != NarrativeStatus::Confirmed.code() {
            continue;
        }
        let v = view(cx, &n, &requests)?;
        narratives.push(PackText {
            heading: format!("{} – {}: {}", v.agency_type, v.form, v.question),
            text: v.text,
        });
    }
    let pack = Pack {
        reference: case.reference.clone(),
        meeting: super::meetings::title(m),
        summary_rows,
        summary: summary(cx, case).await?.0,
        forms,
        narratives,
    };
    // The free text people wrote or checked (the rest is the service's own wording and codes),
    // checked again for anything certain: suspected words were confirmed when the text was saved.
    let certain = |text: &str| -> Vec<String> {
        redact::findings(text, &ids)
            .into_iter()
            .filter(|f| f.certainty != redact::Certainty::Suspected)
            .map(|f| f.label)
            .collect()
    };
    let mut left = certain(&pack.summary);
    for n in &pack.narratives {
        left.extend(certain(&n.text));
    }
    left.sort();
    left.dedup();
    if !left.is_empty() {
        tracing::warn!(case = %case.reference, "a case pack still held identifiers; refused");
        return Err(ServiceError::Refused(format!(
            "The pack still contains identifying details ({}). Check the summary and narratives again.",
            left.join(", ")
        )));
    }
    Ok(pack)
}

/// Records an opening of the pack (page or PDF).
pub async fn record_opening(
    cx: &Context,
    acting: &Acting<'_>,
    m: &Meeting,
    case: &Case,
    pdf: bool,
) -> ServiceResult<()> {
    let action = if pdf { AuditAction::PackPdfDownloaded } else { AuditAction::PackOpened };
    audit::append(&cx.db, &acting.case_event(action, case).details(format!("meeting={}", m.id))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::interval_words;
    use chrono::NaiveDate;

    #[test]
    fn intervals_are_never_in_days() {
        let death = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap_or_default();
        let after = |d: i64| interval_words(death, death + chrono::TimeDelta::days(d), true);
        assert_eq!(after(0), "less than a week");
        assert_eq!(after(6), "less than a week");
        assert_eq!(after(7), "1 week");
        assert_eq!(after(20), "2 weeks");
        assert_eq!(after(55), "7 weeks");
        assert_eq!(after(56), "about 2 months");
        assert_eq!(after(200), "about 7 months");
        // The meeting (members know its date): months only.
        let meeting = |d: i64| interval_words(death, death + chrono::TimeDelta::days(d), false);
        assert_eq!(meeting(10), "less than two months");
        assert_eq!(meeting(45), "less than two months");
        assert_eq!(meeting(46), "about 2 months");
        assert_eq!(meeting(120), "about 4 months");
    }
}
