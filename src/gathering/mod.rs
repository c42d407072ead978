//! Information gathering: asking agencies for their forms, chasing them, and moving the case on.
//!
//! Each function does its work in one transaction (request rows, audit events, outbox rows and the
//! case's status together) and is called by the pages, the API and the reminder job alike.

pub mod response;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sea_orm::ConnectionTrait;

use crate::app::AppState;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::codes::{AgencyType, CaseStatus, RequestStatus, WithdrawReason};
use crate::domain::notification::Person;
use crate::domain::role::Role;
use crate::domain::workflow::{self, Facts};
use crate::mail::{self, Recipient, render};
use crate::store::cases::{self, Case};
use crate::store::form_requests::{self, FormRequest, NewRequest};
use crate::store::{self, StoreError, areas, audit};

/// What can go wrong, phrased for the page.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// Field problems: (field, message).
    #[error("the answers need correcting")]
    Invalid(Vec<(String, String)>),
    /// Not possible in the record's current state.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for GatherError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => GatherError::Conflict(m),
            StoreError::NotFound => GatherError::NotFound,
            other => GatherError::Other(anyhow::Error::new(other)),
        }
    }
}

impl From<crate::crypto::envelope::CryptoError> for GatherError {
    fn from(e: crate::crypto::envelope::CryptoError) -> Self {
        GatherError::Other(e.into())
    }
}

impl From<sea_orm::DbErr> for GatherError {
    fn from(e: sea_orm::DbErr) -> Self {
        GatherError::Other(e.into())
    }
}

pub type GatherResult<T> = Result<T, GatherError>;

/// Who is acting, for audit events.
#[derive(Debug, Clone)]
pub struct Acting<'a> {
    pub actor: Actor,
    pub roles: &'a [Role],
    pub request_id: &'a str,
}

/// One professional to ask, and the forms to ask them for.
#[derive(Debug, Clone)]
pub struct Ask {
    pub person: Person,
    pub agency_type: AgencyType,
    pub forms: Vec<String>,
}

/// A new link: the token travels in the email only; its SHA-256 is stored.
fn new_link(state: &AppState, due: NaiveDate) -> (String, String, DateTime<Utc>) {
    let token = crate::crypto::secrets::random_token();
    let hash = crate::crypto::secrets::digest(&token);
    let expires = link_expiry(state, due);
    (token, hash, expires)
}

/// The end of the day `link_grace_days` after the due date.
pub fn link_expiry(state: &AppState, due: NaiveDate) -> DateTime<Utc> {
    let last_day = due + TimeDelta::days(i64::from(state.config.forms.link_grace_days));
    last_day.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).unwrap_or_else(|| state.clock.now())
}

/// The due date a request gets unless another is chosen: today plus `forms.due_days`.
pub fn default_due(state: &AppState) -> NaiveDate {
    state.clock.today() + TimeDelta::days(i64::from(state.config.forms.due_days))
}

/// A date in words, as emails and pages show it.
pub fn date_words(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

pub fn link(state: &AppState, token: &str) -> String {
    format!("{}/f/{token}", state.config.public_url())
}

/// Requests forms from professionals for a case: one request (and one emailed link) per
/// professional and form. The case moves to "gathering information" (or back to it).
pub async fn request(
    state: &AppState,
    acting: &Acting<'_>,
    case: &Case,
    asks: &[Ask],
    due: NaiveDate,
) -> GatherResult<Vec<i64>> {
    let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Notified);
    if !workflow::can_request_information(status) {
        return Err(GatherError::Refused(format!(
            "Information cannot be requested on a case that is ‘{}’",
            status.label()
        )));
    }
    let today = state.clock.today();
    if due < today {
        return Err(GatherError::Invalid(vec![(
            "due".into(),
            "The due date must be today or in the future".into(),
        )]));
    }
    let area = areas::find(&state.db, case.area_id).await?.ok_or(GatherError::NotFound)?;
    let now = state.clock.now();
    let key = state.keys.keyring.key_id();
    // Everything sealed and rendered before the transaction opens.
    let mut rows = Vec::new();
    for ask in asks {
        for code in &ask.forms {
            let version = state.forms.current(code, today).ok_or_else(|| {
                GatherError::Invalid(vec![("forms".into(), format!("There is no form `{code}`"))])
            })?;
            let (token, hash, expires) = new_link(state, due);
            let recipient = serde_json::to_vec(&ask.person).map_err(anyhow::Error::from)?;
            let sealed = state.keys.keyring.seal(&recipient).map_err(anyhow::Error::from)?;
            let m = render::FormMail {
                reference: &case.reference,
                area: &area.name,
                agency: &ask.person.organisation,
                form: &version.title,
                due: &date_words(due),
            };
            let (email, to) = link_email(state, &m, &token, &ask.person.email)?;
            rows.push((
                NewRequest {
                    case_id: case.id,
                    area_id: case.area_id,
                    form_code: version.code.clone(),
                    form_version: version.version.clone(),
                    agency: ask.person.organisation.clone(),
                    agency_type: ask.agency_type.code().into(),
                    recipient_sealed: sealed,
                    sealed_key: key.clone(),
                    token_hash: hash,
                    token_expires_at: expires,
                    due_date: due,
                    requested_by: acting.actor.user_id(),
                    at: now,
                },
                email,
                to,
            ));
        }
    }
    if rows.is_empty() {
        return Err(GatherError::Invalid(vec![(
            "forms".into(),
            "Choose at least one form to request from at least one professional".into(),
        )]));
    }
    let txn = store::begin_write(&state.db).await?;
    let mut ids = Vec::new();
    for (row, email, to) in rows {
        let (code, version) = (row.form_code.clone(), row.form_version.clone());
        let id = form_requests::insert(&txn, row).await?;
        mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
        audit::append(
            &txn,
            &event(acting, AuditAction::FormRequested, case)
                .details(format!("request={id};form={code};version={version};due={due}")),
        )
        .await?;
        ids.push(id);
    }
    // The status as it is now (the case passed in may have been read before another request).
    let current = cases::find(&txn, case.id).await?.ok_or(GatherError::NotFound)?;
    match CaseStatus::parse(&current.status) {
        Some(CaseStatus::Notified) => {
            change_status(&txn, acting, case, CaseStatus::GatheringInformation, "information requested")
                .await?
        }
        Some(CaseStatus::ReadyForReview) => {
            change_status(&txn, acting, case, CaseStatus::GatheringInformation, "more information requested")
                .await?
        }
        _ => {}
    }
    refresh_information_status(&txn, case.id).await?;
    txn.commit().await?;
    state.mail_wakeup.notify_one();
    tracing::info!(case = %case.reference, requests = ids.len(), "information requested");
    Ok(ids)
}

pub(crate) fn event(acting: &Acting<'_>, action: AuditAction, case: &Case) -> AuditEvent {
    AuditEvent::new(acting.actor.clone(), action, "case", case.reference.clone())
        .area(case.area_id)
        .request(acting.request_id)
}

/// Moves the case to `to` if the workflow allows it (checked against the case as it is in `txn`).
async fn change_status<C: ConnectionTrait>(
    txn: &C,
    acting: &Acting<'_>,
    case: &Case,
    to: CaseStatus,
    reason: &str,
) -> GatherResult<()> {
    change_status_knowing(txn, acting, case, to, reason, Facts::default()).await
}

/// `change_status` with facts the caller established (the review stage: on an agenda, analysis
/// complete); the information facts are read here.
pub(crate) async fn change_status_knowing<C: ConnectionTrait>(
    txn: &C,
    acting: &Acting<'_>,
    case: &Case,
    to: CaseStatus,
    reason: &str,
    known: Facts,
) -> GatherResult<()> {
    let current = cases::find(txn, case.id).await?.ok_or(GatherError::NotFound)?;
    let from = CaseStatus::parse(&current.status).unwrap_or(CaseStatus::Notified);
    let info = form_requests::information_status(txn, case.id).await?;
    let facts = Facts {
        has_requests: info != "none" || to == CaseStatus::GatheringInformation,
        information_complete: info == "complete",
        has_reason: !reason.trim().is_empty(),
        ..known
    };
    workflow::check(from, to, acting.roles, &facts).map_err(|r| GatherError::Refused(r.0))?;
    cases::set_status(txn, case.id, current.version, to, None).await?;
    audit::append(
        txn,
        &event(acting, AuditAction::CaseStatusChanged, case).details(format!(
            "from={};to={};why={}",
            from.code(),
            to.code(),
            reason.replace([';', '='], " ")
        )),
    )
    .await?;
    Ok(())
}

/// A staff decision to move a case on (ready for review) or back (more information needed).
pub async fn transition(
    state: &AppState,
    acting: &Acting<'_>,
    case: &Case,
    to: CaseStatus,
    reason: &str,
) -> GatherResult<()> {
    // The reason goes into the audit trail, which admins read without the case's identity: it
    // passes the identifier check like every other free text they can read.
    if !reason.trim().is_empty() {
        let ids = crate::anonymity::case_identifiers(state, case).await?;
        crate::anonymity::check("reason", reason, &ids, &[])?;
    }
    let txn = store::begin_write(&state.db).await?;
    change_status(&txn, acting, case, to, reason).await?;
    if to == CaseStatus::Closed {
        // The closure date: what retention policies count from.
        cases::set_closed_on(&txn, case.id, state.clock.today()).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Recomputes and stores whether the case's information is complete.
pub async fn refresh_information_status<C: ConnectionTrait>(conn: &C, case_id: i64) -> GatherResult<()> {
    let status = form_requests::information_status(conn, case_id).await?;
    cases::set_information_status(conn, case_id, status).await?;
    Ok(())
}

/// Opens the sealed recipient of a request.
pub fn recipient(state: &AppState, r: &FormRequest) -> GatherResult<Person> {
    let plain = state.keys.keyring.open(&r.recipient_sealed).map_err(anyhow::Error::from)?;
    Ok(serde_json::from_slice(&plain).map_err(anyhow::Error::from)?)
}

/// The words a form email about request `r` needs besides the case reference and the agency:
/// the area's name, the form's title and the due date.
pub struct MailWords {
    area: String,
    form: String,
    due: String,
}

impl MailWords {
    pub async fn of<C: ConnectionTrait>(
        state: &AppState,
        conn: &C,
        case: &Case,
        r: &FormRequest,
    ) -> GatherResult<Self> {
        Ok(MailWords {
            area: areas::find(conn, case.area_id).await?.map(|a| a.name).unwrap_or_default(),
            form: state
                .forms
                .version(&r.form_code, &r.form_version)
                .map(|v| v.title.clone())
                .unwrap_or_else(|| r.form_code.clone()),
            due: date_words(r.due_date),
        })
    }

    pub fn mail<'a>(&'a self, case: &'a Case, r: &'a FormRequest) -> render::FormMail<'a> {
        render::FormMail {
            reference: &case.reference,
            area: &self.area,
            agency: &r.agency,
            form: &self.form,
            due: &self.due,
        }
    }
}

/// The email carrying a form link, its body sealed with the address (the token never rests in
/// clear), ready to queue.
fn link_email(
    state: &AppState,
    m: &render::FormMail<'_>,
    token: &str,
    to: &str,
) -> GatherResult<(mail::RenderedEmail, mail::PreparedRecipients)> {
    let email = render::form_request(m, &link(state, token)).map_err(anyhow::Error::from)?;
    Ok(mail::prepare_private(&state.keys.keyring, &email, &[to.to_string()])?)
}

fn open_request(r: &FormRequest) -> GatherResult<()> {
    if RequestStatus::parse(&r.status).is_some_and(RequestStatus::is_open) {
        Ok(())
    } else {
        Err(GatherError::Refused("This request is no longer open: it was submitted or withdrawn".into()))
    }
}

/// Sends a new link (the old one stops working) with the request's due date.
pub async fn resend(
    state: &AppState,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
    version: i64,
) -> GatherResult<()> {
    open_request(r)?;
    let (token, hash, expires) = new_link(state, r.due_date);
    let words = MailWords::of(state, &state.db, case, r).await?;
    let (email, to) = link_email(state, &words.mail(case, r), &token, &recipient(state, r)?.email)?;
    let now = state.clock.now();
    let txn = store::begin_write(&state.db).await?;
    form_requests::replace_token(&txn, r.id, version, &hash, expires, now).await?;
    mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
    audit::append(
        &txn,
        &event(acting, AuditAction::FormLinkResent, case).details(format!("request={}", r.id)),
    )
    .await?;
    txn.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(())
}

/// A reminder to the professional asked, ready to queue. It cannot carry the link (only its hash
/// is kept): it points to the first email, and says whom to ask for a new one.
async fn reminder_email<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    case: &Case,
    r: &FormRequest,
    overdue: bool,
) -> GatherResult<(mail::RenderedEmail, mail::PreparedRecipients)> {
    let words = MailWords::of(state, conn, case, r).await?;
    let email = render::form_reminder(&words.mail(case, r), &date_words(r.created_at.date_naive()), overdue)
        .map_err(anyhow::Error::from)?;
    let to =
        mail::prepare_recipients(&state.keys.keyring, &[Recipient::External(recipient(state, r)?.email)])?;
    Ok((email, to))
}

/// Sends a reminder now (staff's "send reminder now").
pub async fn remind_now(
    state: &AppState,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
) -> GatherResult<()> {
    open_request(r)?;
    let overdue = r.due_date < state.clock.today();
    let (email, to) = reminder_email(state, &state.db, case, r, overdue).await?;
    let now = state.clock.now();
    let txn = store::begin_write(&state.db).await?;
    mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
    form_requests::note_reminder(&txn, r.id, now).await?;
    audit::append(
        &txn,
        &event(acting, AuditAction::FormReminderSent, case).details(format!("request={};point=manual", r.id)),
    )
    .await?;
    txn.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(())
}

/// Withdraws a request with a coded reason; its link stops working.
pub async fn withdraw(
    state: &AppState,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
    version: i64,
    reason: WithdrawReason,
) -> GatherResult<()> {
    open_request(r)?;
    let txn = store::begin_write(&state.db).await?;
    form_requests::withdraw(&txn, r.id, version, reason.code(), state.clock.now()).await?;
    audit::append(
        &txn,
        &event(acting, AuditAction::FormWithdrawn, case).details(format!(
            "request={};reason={}",
            r.id,
            reason.code()
        )),
    )
    .await?;
    refresh_information_status(&txn, case.id).await?;
    txn.commit().await?;
    Ok(())
}

/// Changes an open request's due date (the link's expiry follows).
pub async fn change_due(
    state: &AppState,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
    version: i64,
    due: NaiveDate,
) -> GatherResult<()> {
    open_request(r)?;
    if due < state.clock.today() {
        return Err(GatherError::Invalid(vec![(
            "due".into(),
            "The due date must be today or in the future".into(),
        )]));
    }
    let txn = store::begin_write(&state.db).await?;
    form_requests::set_due_date(&txn, r.id, version, due, link_expiry(state, due), state.clock.now()).await?;
    audit::append(
        &txn,
        &event(acting, AuditAction::FormRequested, case)
            .details(format!("request={};due_changed={due}", r.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The email to the case's coordinators when a form comes in or stays overdue.
pub async fn coordinators(state: &AppState, area_id: i64) -> GatherResult<Vec<Recipient>> {
    crate::intake::staff_recipients(state, &[Role::Coordinator], area_id)
        .await
        .map_err(|e| GatherError::Other(anyhow::anyhow!("{e}")))
}

/// The reminder schedule from configuration.
pub fn schedule(state: &AppState) -> crate::domain::reminders::Schedule {
    let f = &state.config.forms;
    crate::domain::reminders::Schedule {
        before_days: f.remind_before_days.clone(),
        on_due: f.remind_on_due,
        overdue_every_days: f.remind_overdue_every_days,
        escalate_after: f.escalate_after,
    }
}

/// Sends every reminder due now, once each: returns how many were sent.
pub async fn send_due_reminders(state: &AppState) -> GatherResult<usize> {
    let schedule = schedule(state);
    let today = state.clock.today();
    let horizon = today + TimeDelta::days(i64::from(schedule.before_days.iter().copied().max().unwrap_or(0)));
    let mut sent = 0;
    let mut after_id = 0;
    loop {
        let txn = store::begin_write(&state.db).await?;
        // Claimed in this transaction: another instance skips these rows until it commits.
        let batch: Vec<FormRequest> = form_requests::claim_open_due(&txn, horizon, 200)
            .await?
            .into_iter()
            .filter(|r| r.id > after_id)
            .collect();
        if batch.is_empty() {
            txn.commit().await?;
            break;
        }
        after_id = batch.iter().map(|r| r.id).max().unwrap_or(after_id);
        let mut queued = 0;
        for r in &batch {
            let Some(point) = schedule.latest(r.created_at.date_naive(), r.due_date, today) else { continue };
            if !form_requests::record_reminder(&txn, r.id, &point.name, state.clock.now()).await? {
                continue;
            }
            let Some(case) = cases::find(&txn, r.case_id).await? else { continue };
            let (email, to) = reminder_email(state, &txn, &case, r, point.overdue > 0).await?;
            mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
            form_requests::note_reminder(&txn, r.id, state.clock.now()).await?;
            let system = Acting { actor: Actor::System, roles: &[], request_id: "" };
            audit::append(
                &txn,
                &event(&system, AuditAction::FormReminderSent, &case)
                    .details(format!("request={};point={}", r.id, point.name)),
            )
            .await?;
            if schedule.escalates(point.overdue) && !r.escalated {
                let words = MailWords::of(state, &txn, &case, r).await?;
                let email =
                    render::form_overdue(&words.mail(&case, r), point.overdue, &state.config.public_url())
                        .map_err(anyhow::Error::from)?;
                let staff = coordinators(state, case.area_id).await?;
                let to = mail::prepare_recipients(&state.keys.keyring, &staff)?;
                mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
                form_requests::mark_escalated(&txn, r.id).await?;
                audit::append(
                    &txn,
                    &event(&system, AuditAction::FormEscalated, &case).details(format!("request={}", r.id)),
                )
                .await?;
            }
            queued += 1;
        }
        txn.commit().await?;
        sent += queued;
    }
    if sent > 0 {
        state.mail_wakeup.notify_one();
        tracing::info!(reminders = sent, "form reminders queued");
    }
    Ok(sent)
}
