//! The Analysis Form of a case: drafting (before or at the meetings), saving with optimistic
//! locking, the chair's sign-off with a fresh two-factor code, and amendments of a signed
//! analysis (a new revision with a reason; earlier revisions stay readable).

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::domain::analysis::{self as rules, FORM};
use crate::domain::anonymity::SealedChecked;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{AgendaOutcome, AnalysisStatus, CaseStatus, MeetingKind};
use crate::domain::redact::Identifier;
use crate::domain::workflow::Facts;
use crate::forms::FormVersion;
use crate::forms::answers::{self, Answers, FieldError, Raw};
use crate::service::{Acting, ServiceError, ServiceResult, invalid};
use crate::store::analyses::{self as store, Analysis, NewRevision, Saved};
use crate::store::cases::{self, Case};
use crate::store::{self as db, audit, meetings, users};
use crate::workflow::change_status_knowing;

/// What one revision seals: its identifying answers (narratives, factor descriptions, causes)
/// and, for an amendment, why it was made.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Sealed {
    answers: Answers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amendment_reason: Option<String>,
}

/// A revision (or the empty form when there is none yet) with its definition and answers.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub analysis: Option<Analysis>,
    pub version: Arc<FormVersion>,
    pub answers: Answers,
    pub amendment_reason: Option<String>,
}

impl Loaded {
    /// The lock the page posts back: the revision's version, 0 before the first save.
    pub fn lock(&self) -> i64 {
        self.analysis.as_ref().map(|a| a.version).unwrap_or(0)
    }

    pub fn is_signed(&self) -> bool {
        self.analysis.as_ref().is_some_and(|a| a.status != AnalysisStatus::Draft.code())
    }
}

/// Whether the analysis can be drafted or edited while the case is in `status`.
pub fn editable_in(status: &str) -> bool {
    [CaseStatus::ReadyForReview, CaseStatus::ReviewScheduled, CaseStatus::Reviewed]
        .iter()
        .any(|s| s.code() == status)
}

fn version_named(cx: &Context, name: &str) -> ServiceResult<Arc<FormVersion>> {
    cx.forms.version(FORM, name).ok_or_else(|| {
        ServiceError::Other(anyhow::anyhow!("analysis form version {name} is not installed (forms.dir)"))
    })
}

/// The definition new analyses use today.
pub fn current_version(cx: &Context) -> ServiceResult<Arc<FormVersion>> {
    cx.forms
        .current(FORM, cx.clock.today())
        .ok_or_else(|| ServiceError::Other(anyhow::anyhow!("no analysis form is installed (forms.dir)")))
}

/// Opens one revision.
pub fn open_revision(cx: &Context, a: &Analysis, coded: &[answers::CodedValue]) -> ServiceResult<Loaded> {
    let version = version_named(cx, &a.form_version)?;
    let sealed: Sealed = match &a.sealed {
        Some(s) => {
            serde_json::from_slice(&cx.keys.keyring.open(s)?).map_err(|e| ServiceError::Other(e.into()))?
        }
        None => Sealed::default(),
    };
    let answers = answers::join(&version, coded, sealed.answers);
    Ok(Loaded { analysis: Some(a.clone()), version, answers, amendment_reason: sealed.amendment_reason })
}

/// The case's latest revision, or the empty current form.
pub async fn load(cx: &Context, case: &Case) -> ServiceResult<Loaded> {
    match store::latest(&cx.db, case.id).await? {
        Some(a) => {
            let coded = store::coded_answers(&cx.db, a.id).await?;
            open_revision(cx, &a, &coded)
        }
        None => Ok(Loaded {
            analysis: None,
            version: current_version(cx)?,
            answers: Answers::new(),
            amendment_reason: None,
        }),
    }
}

/// Reads the whole form from posted fields: the answers and every problem (field checks and the
/// form's own rules).
pub fn read(version: &FormVersion, raw: &Raw) -> (Answers, Vec<FieldError>) {
    let items: Vec<_> = version.items.iter().collect();
    let (read, mut errors) = answers::read_items(&items, raw);
    let mut out: Answers = read.into_iter().filter_map(|(k, a)| a.map(|a| (k, a))).collect();
    answers::prune(version, &mut out);
    for (field, message) in rules::problems(version, &out) {
        errors.push(FieldError { field, message });
    }
    (out, errors)
}

/// What the free text of a revision is checked against before it is sealed.
pub(crate) enum Check<'a> {
    /// The case's identifiers, and words the writer confirmed identify no one.
    Against { ids: &'a [Identifier], confirmed: &'a [String] },
    /// The service's own synthetic wording (`cdop demo seed`): nothing a person typed.
    Synthetic,
}

/// Splits `answers` into coded rows and the sealed record, as every revision is stored. The chair
/// reads every text of it, so each identifying answer (and the amendment's reason) passes the
/// identifier check first: a refusal names the field.
pub(crate) fn seal(
    cx: &Context,
    version: &FormVersion,
    answers: &Answers,
    reason: Option<String>,
    check: Check<'_>,
) -> ServiceResult<(Vec<answers::CodedValue>, SealedChecked)> {
    let checked = match check {
        Check::Against { ids, confirmed } => {
            let mut texts = answers::identifying_texts(version, answers);
            if let Some(r) = &reason {
                texts.push(("reason".into(), r.clone()));
            }
            let fields: Vec<(&str, &str)> = texts.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
            crate::anonymity::check_all(&fields, ids, confirmed)?
        }
        Check::Synthetic => Vec::new(),
    };
    let (coded, identifying) = answers::split(version, answers);
    let plain = serde_json::to_vec(&Sealed { answers: identifying, amendment_reason: reason })
        .map_err(|e| ServiceError::Other(e.into()))?;
    Ok((coded, SealedChecked::of_record(&checked, &plain, |b| cx.keys.keyring.seal(b))?))
}

/// Saves the answers as the case's draft analysis (creating it on first save). `lock` is what
/// the page was given ([`Loaded::lock`]); a stale lock is a conflict and nothing is saved.
pub async fn save(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    lock: i64,
    answers: &Answers,
    confirmed: &[String],
) -> ServiceResult<()> {
    if !editable_in(&case.status) {
        return Err(ServiceError::Refused(format!(
            "The analysis can be drafted once the case is ready for review (it is ‘{}’)",
            CaseStatus::parse(&case.status).map(|s| s.label()).unwrap_or("unknown")
        )));
    }
    let loaded = load(cx, case).await?;
    if loaded.is_signed() {
        return Err(ServiceError::Refused(
            "This analysis is signed off and locked. Start an amendment, with a reason, to change it.".into(),
        ));
    }
    if loaded.lock() != lock {
        return Err(ServiceError::Conflict(
            "Someone else saved this analysis since you opened it. Your answers are below, not yet saved."
                .into(),
        ));
    }
    let problems = rules::problems(&loaded.version, answers);
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let (category, modifiable) = rules::outcome(answers);
    let ids = crate::anonymity::case_identifiers(cx, case).await?;
    let check = Check::Against { ids: &ids, confirmed };
    let (coded, sealed) = seal(cx, &loaded.version, answers, loaded.amendment_reason.clone(), check)?;
    let key = cx.keys.keyring.key_id();
    let by = acting.actor.user_id();
    let txn = db::begin_write(&cx.db).await?;
    let revision = match &loaded.analysis {
        Some(a) => {
            store::save(
                &txn,
                a.id,
                lock,
                Saved { coded: &coded, sealed, sealed_key: key, category, modifiable, by },
            )
            .await?;
            a.revision
        }
        None => {
            let r = NewRevision {
                case_id: case.id,
                revision: 1,
                form_version: loaded.version.version.clone(),
                sealed: Some(sealed),
                sealed_key: key,
                category,
                modifiable,
                by,
                at: cx.clock.now(),
            };
            store::insert(&txn, r, &coded).await?;
            1
        }
    };
    audit::append(
        &txn,
        &acting.case_event(AuditAction::AnalysisSaved, case).details(format!("revision={revision}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Required answers still missing, by label.
pub fn missing(loaded: &Loaded) -> Vec<String> {
    answers::missing_required(&loaded.version, &loaded.answers).iter().map(|i| i.label.clone()).collect()
}

/// Whole days between two dates, when both are known and in order.
fn days(from: NaiveDate, to: NaiveDate) -> Option<i32> {
    i32::try_from((to - from).num_days()).ok().filter(|d| *d >= 0)
}

/// The chair signs the latest draft revision off with a fresh two-factor code. The first
/// sign-off makes the case "reviewed" and sets the review completion date and the durations
/// reports count by; an amendment's sign-off replaces the earlier revision.
pub async fn sign_off(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    lock: i64,
    confirmation: Confirmation<'_>,
) -> ServiceResult<()> {
    let user_id = acting.actor.user_id().ok_or(ServiceError::NotFound)?;
    let user = users::find(&cx.db, user_id).await?.ok_or(ServiceError::NotFound)?;
    let loaded = load(cx, case).await?;
    let Some(a) = loaded.analysis.clone() else {
        return Err(ServiceError::Refused("There is no analysis to sign off yet".into()));
    };
    if loaded.is_signed() {
        return Err(ServiceError::Refused("This analysis is already signed off".into()));
    }
    if a.version != lock {
        return Err(ServiceError::Conflict(
            "Someone saved this analysis since you opened it. Check it again before signing off.".into(),
        ));
    }
    let missing = missing(&loaded);
    if !missing.is_empty() {
        return Err(ServiceError::Refused(format!(
            "Answer every required question before signing off: {}",
            missing.join("; ")
        )));
    }
    let problems = rules::problems(&loaded.version, &loaded.answers);
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    // Checked before the code, so a refused sign-off does not use up the user's code.
    let today = cx.clock.today();
    let first = case.status == CaseStatus::ReviewScheduled.code();
    if !first && case.status != CaseStatus::Reviewed.code() {
        return Err(ServiceError::Refused("Only a case on a meeting's agenda can be signed off".into()));
    }
    // The first sign-off follows the panel's meeting, never precedes it.
    let panel = if first {
        Some(crate::review::meetings::panel_review(&cx.db, case, cx.clock.now()).await?)
    } else {
        None
    };
    let now = cx.clock.now();
    let confirmed = match confirmation {
        Confirmation::ProviderSignIn(provider) => format!("provider:{provider}"),
        Confirmation::Code(code) => {
            confirm_code(cx, acting, &user, code, now).await?;
            "code".to_string()
        }
    };
    let durations = match &panel {
        Some((item, _)) => Some(durations(cx, case, today, item.id).await?),
        None => None,
    };
    let txn = db::begin_write(&cx.db).await?;
    store::sign(&txn, a.id, lock, user.id, now).await?;
    store::supersede_before(&txn, case.id, a.revision).await?;
    // Signing off completes the panel's review: a case still pending on the agenda of the panel
    // that has met is recorded as reviewed there.
    if let Some((item, m)) = &panel
        && item.outcome == AgendaOutcome::Pending.code()
    {
        meetings::set_outcome(&txn, item.id, item.version, AgendaOutcome::Reviewed, None, None).await?;
        audit::append(
            &txn,
            &acting
                .case_event(AuditAction::AgendaOutcomeRecorded, case)
                .details(format!("meeting={};outcome=reviewed;reason=signed off", m.id)),
        )
        .await?;
    }
    if let Some(d) = durations {
        let facts = Facts { analysis_complete: true, ..Facts::default() };
        change_status_knowing(&txn, acting, case, CaseStatus::Reviewed, "signed off", facts).await?;
        cases::set_review_completed(&txn, case.id, today, d).await?;
    }
    audit::append(
        &txn,
        &acting.case_event(AuditAction::AnalysisSigned, case).details(format!(
            "revision={};category={};modifiable={};confirmed={}",
            a.revision,
            a.category.as_deref().unwrap_or("-"),
            a.modifiable.as_deref().unwrap_or("-"),
            confirmed
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// How the person signing off confirmed it is them.
#[derive(Debug, Clone, Copy)]
pub enum Confirmation<'a> {
    /// A current code from their authenticator app, used once.
    Code(&'a str),
    /// A sign-in with this single sign-on provider that used a second factor, recent enough
    /// (`auth.reauthenticate_after_minutes`; the web layer checks the session).
    ProviderSignIn(&'a str),
}

/// Checks a sign-off's two-factor code (each code once; a wrong one is audited).
async fn confirm_code(
    cx: &Context,
    acting: &Acting<'_>,
    user: &users::User,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<()> {
    let Some(secret) = &user.totp_secret else {
        return Err(invalid("code", "Set up two-factor authentication (Your account) before signing off"));
    };
    let step = crate::crypto::totp::verify(secret, code.trim(), now.timestamp(), user.totp_last_step);
    let fresh = match step {
        Some(s) => users::use_totp_step(&cx.db, user.id, s).await?,
        None => false,
    };
    if !fresh {
        let e = crate::domain::audit::AuditEvent::new(
            acting.actor.clone(),
            AuditAction::MfaFailure,
            "user",
            user.id.to_string(),
        )
        .request(acting.request_id);
        audit::append(&cx.db, &e).await?;
        return Err(invalid(
            "code",
            "The code is wrong or was already used: enter the current 6-digit code from your authenticator app",
        ));
    }
    Ok(())
}

/// Days from the death to notification, to the CDRM and panel meetings where the case was
/// reviewed (`signed_at`: the panel's agenda item this sign-off completes), and to sign-off (the date of death is opened here and never stored in clear).
async fn durations(
    cx: &Context,
    case: &Case,
    today: NaiveDate,
    signed_at: i64,
) -> ServiceResult<cases::Durations> {
    let death = cx.identity(case)?.death.date_of_death;
    let mut cdrm = None;
    let mut panel = None;
    for item in meetings::items_of_case(&cx.db, case.id).await? {
        if item.outcome != AgendaOutcome::Reviewed.code() && item.id != signed_at {
            continue;
        }
        if let Some(m) = meetings::find(&cx.db, item.meeting_id).await? {
            let on = crate::domain::uk_time::to_uk(m.starts_at).date();
            let slot = if m.kind == MeetingKind::Cdrm.code() { &mut cdrm } else { &mut panel };
            if slot.is_none_or(|d: NaiveDate| on < d) {
                *slot = Some(on);
            }
        }
    }
    Ok(cases::Durations {
        to_notification: days(death, case.notified_at.date_naive()),
        to_cdrm: cdrm.and_then(|d| days(death, d)),
        to_panel: panel.and_then(|d| days(death, d)),
        to_review: days(death, today),
    })
}

/// Starts an amendment of a signed analysis: a new draft revision carrying the signed answers,
/// with the reason sealed in it. The signed revision stays in force until the amendment is signed.
pub async fn amend(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    reason: &str,
    confirmed: &[String],
) -> ServiceResult<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "Say why the signed analysis needs to change"));
    }
    if reason.chars().count() > 2_000 {
        return Err(invalid("reason", "The reason must be 2,000 characters or fewer"));
    }
    let loaded = load(cx, case).await?;
    let Some(a) = loaded.analysis.clone().filter(|a| a.status == AnalysisStatus::Signed.code()) else {
        return Err(ServiceError::Refused(
            "Only a signed analysis is amended; a draft can be edited directly".into(),
        ));
    };
    let (category, modifiable) = rules::outcome(&loaded.answers);
    let ids = crate::anonymity::case_identifiers(cx, case).await?;
    let check = Check::Against { ids: &ids, confirmed };
    let (coded, sealed) = seal(cx, &loaded.version, &loaded.answers, Some(reason.to_string()), check)?;
    let txn = db::begin_write(&cx.db).await?;
    store::insert(
        &txn,
        NewRevision {
            case_id: case.id,
            revision: a.revision + 1,
            form_version: a.form_version.clone(),
            sealed: Some(sealed),
            sealed_key: cx.keys.keyring.key_id(),
            category,
            modifiable,
            by: acting.actor.user_id(),
            at: cx.clock.now(),
        },
        &coded,
    )
    .await?;
    audit::append(
        &txn,
        &acting
            .case_event(AuditAction::AnalysisAmendmentStarted, case)
            .details(format!("revision={}", a.revision + 1)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One line of the side-by-side view of two revisions.
#[derive(Debug, Clone)]
pub struct Difference {
    pub label: String,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

/// Every question of either revision, with both answers in words.
pub fn compare(before: &Loaded, after: &Loaded) -> Vec<Difference> {
    let words = |l: &Loaded, key: &str| {
        l.version
            .item(key)
            .and_then(|i| l.answers.get(key).map(|a| answers::display(i, a)))
            .unwrap_or_default()
    };
    after
        .version
        .items
        .iter()
        .filter(|i| i.is_question())
        .map(|i| {
            let (b, a) = (words(before, &i.key), words(after, &i.key));
            Difference { label: i.label.clone(), changed: a != b, before: b, after: a }
        })
        .collect()
}
