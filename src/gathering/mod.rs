//! Information gathering: asking agencies for their forms, chasing them, and moving the case on.
//!
//! Each function does its work in one transaction (request rows, audit events, outbox rows and the
//! case's status together) and is called by the pages, the API and the reminder job alike.

pub mod response;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sea_orm::ConnectionTrait;

use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::{AgencyType, CaseStatus, RequestStatus, WithdrawReason};
use crate::domain::notification::Person;
use crate::domain::role::Role;
use crate::domain::workflow::{self};
use crate::mail::{self, Recipient, render};
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::cases::{self, Case};
use crate::store::form_requests::{self, FormRequest, NewRequest};
use crate::store::{self, areas, audit};

/// One professional to ask, and the forms to ask them for.
#[derive(Debug, Clone)]
pub struct Ask {
    pub person: Person,
    pub agency_type: AgencyType,
    pub forms: Vec<String>,
}

/// A new link: the token travels in the email only; its SHA-256 is stored.
fn new_link(cx: &Context, due: NaiveDate) -> (String, String, DateTime<Utc>) {
    let token = crate::crypto::secrets::random_token();
    let hash = crate::crypto::secrets::digest(&token);
    let expires = link_expiry(cx, due);
    (token, hash, expires)
}

/// The end of the day `link_grace_days` after the due date.
pub fn link_expiry(cx: &Context, due: NaiveDate) -> DateTime<Utc> {
    let last_day = due + TimeDelta::days(i64::from(cx.config.forms.link_grace_days));
    last_day.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).unwrap_or_else(|| cx.clock.now())
}

/// The due date a request gets unless another is chosen: today plus `forms.due_days`.
pub fn default_due(cx: &Context) -> NaiveDate {
    cx.clock.today() + TimeDelta::days(i64::from(cx.config.forms.due_days))
}

/// A date in words, as emails and pages show it.
pub fn date_words(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

pub fn link(cx: &Context, token: &str) -> String {
    format!("{}/f/{token}", cx.config.public_url())
}

/// Requests forms from professionals for a case: one request (and one emailed link) per
/// professional and form. The case moves to "gathering information" (or back to it).
/// The most professionals one call may ask (each may be asked for several forms).
pub const MAX_ASKS: usize = 50;

pub async fn request(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    asks: &[Ask],
    due: NaiveDate,
) -> ServiceResult<Vec<i64>> {
    request_once(cx, acting, case, asks, due, None).await
}

/// [`request`], made once for the page's one-off `submission` key: the same page sent again
/// (Back and "Send requests" again, a double click) sends nothing and returns no ids.
pub async fn request_once(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    asks: &[Ask],
    due: NaiveDate,
    submission: Option<&str>,
) -> ServiceResult<Vec<i64>> {
    let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Notified);
    if !workflow::can_request_information(status) {
        return Err(ServiceError::Refused(format!(
            "Information cannot be requested on a case that is ‘{}’",
            status.label()
        )));
    }
    let today = cx.clock.today();
    if due < today {
        return Err(ServiceError::Invalid(vec![(
            "due".into(),
            "The due date must be today or in the future".into(),
        )]));
    }
    if asks.len() > MAX_ASKS {
        return Err(ServiceError::Invalid(vec![(
            "requests".into(),
            format!("Ask at most {MAX_ASKS} professionals at a time ({} were listed)", asks.len()),
        )]));
    }
    let area = areas::find(&cx.db, case.area_id).await?.ok_or(ServiceError::NotFound)?;
    let now = cx.clock.now();
    let key = cx.keys.keyring.key_id();
    // Everything sealed and rendered before the transaction opens.
    let mut rows = Vec::new();
    for ask in asks {
        for code in &ask.forms {
            let version = cx.forms.current(code, today).ok_or_else(|| {
                ServiceError::Invalid(vec![("forms".into(), format!("There is no form `{code}`"))])
            })?;
            let (token, hash, expires) = new_link(cx, due);
            let sealed = seal_recipient(cx, &ask.person, &token)?;
            let m = render::FormMail {
                reference: &case.reference,
                area: &area.name,
                agency: &ask.person.organisation,
                form: &version.title,
                due: &date_words(due),
            };
            let (email, to) = link_email(cx, &m, &token, &ask.person.email)?;
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
        return Err(ServiceError::Invalid(vec![(
            "forms".into(),
            "Choose at least one form to request from at least one professional".into(),
        )]));
    }
    let txn = store::begin_write(&cx.db).await?;
    let limit = u64::from(cx.config.mail.max_per_case_per_day);
    let already =
        store::outbox::count_for_case_since(&txn, &case.reference, now - TimeDelta::hours(24)).await?;
    if already + rows.len() as u64 > limit {
        txn.rollback().await?;
        return Err(ServiceError::Invalid(vec![(
            "requests".into(),
            format!(
                "These requests would send {} about {} on top of the {} sent in the last 24 hours; at most {limit} a day are allowed (mail.max_per_case_per_day). Send fewer now and the rest tomorrow.",
                crate::words::count(rows.len() as i64, "email", "emails"),
                case.reference,
                already
            ),
        )]));
    }
    if let Some(key) = submission {
        let hash = crate::crypto::secrets::digest(key);
        if store::submissions::record(&txn, &hash, &case.reference, now).await?.is_some() {
            txn.rollback().await?;
            return Ok(Vec::new());
        }
    }
    let mut ids = Vec::new();
    for (row, email, to) in rows {
        let (code, version) = (row.form_code.clone(), row.form_version.clone());
        let id = form_requests::insert(&txn, row).await?;
        mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
        audit::append(
            &txn,
            &acting
                .case_event(AuditAction::FormRequested, case)
                .details(format!("request={id};form={code};version={version};due={due}")),
        )
        .await?;
        ids.push(id);
    }
    // The status as it is now (the case passed in may have been read before another request).
    let current = cases::find(&txn, case.id).await?.ok_or(ServiceError::NotFound)?;
    match CaseStatus::parse(&current.status) {
        Some(CaseStatus::Notified) => {
            crate::workflow::change_status(
                &txn,
                acting,
                case,
                CaseStatus::GatheringInformation,
                "information requested",
            )
            .await?
        }
        Some(CaseStatus::ReadyForReview) => {
            crate::workflow::change_status(
                &txn,
                acting,
                case,
                CaseStatus::GatheringInformation,
                "more information requested",
            )
            .await?
        }
        _ => {}
    }
    refresh_information_status(&txn, case.id).await?;
    txn.commit().await?;
    cx.mail_wakeup.notify_one();
    tracing::info!(case = %case.reference, requests = ids.len(), "information requested");
    Ok(ids)
}

/// Recomputes and stores whether the case's information is complete.
pub async fn refresh_information_status<C: ConnectionTrait>(conn: &C, case_id: i64) -> ServiceResult<()> {
    let status = form_requests::information_status(conn, case_id).await?;
    cases::set_information_status(conn, case_id, status).await?;
    Ok(())
}

/// A request's sealed recipient: who was asked, and the link they were sent, so a reminder can
/// repeat it (sealed like every identity, never in clear; requests made before links were kept
/// have none).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct SealedRecipient {
    #[serde(flatten)]
    person: Person,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    link_token: String,
}

fn seal_recipient(cx: &Context, person: &Person, token: &str) -> ServiceResult<Vec<u8>> {
    cx.seal_json(&SealedRecipient { person: person.clone(), link_token: token.to_string() })
}

fn open_recipient(cx: &Context, r: &FormRequest) -> ServiceResult<SealedRecipient> {
    cx.open_json(&r.recipient_sealed)
}

/// Opens the sealed recipient of a request.
pub fn recipient(cx: &Context, r: &FormRequest) -> ServiceResult<Person> {
    Ok(open_recipient(cx, r)?.person)
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
        cx: &Context,
        conn: &C,
        case: &Case,
        r: &FormRequest,
    ) -> ServiceResult<Self> {
        Ok(MailWords {
            area: areas::find(conn, case.area_id).await?.map(|a| a.name).unwrap_or_default(),
            form: cx
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
    cx: &Context,
    m: &render::FormMail<'_>,
    token: &str,
    to: &str,
) -> ServiceResult<(mail::RenderedEmail, mail::PreparedRecipients)> {
    let email = render::form_request(m, &link(cx, token)).map_err(anyhow::Error::from)?;
    Ok(mail::prepare_private(&cx.keys.keyring, &email, &[to.to_string()])?)
}

fn open_request(r: &FormRequest) -> ServiceResult<()> {
    if RequestStatus::parse(&r.status).is_some_and(RequestStatus::is_open) {
        Ok(())
    } else {
        Err(ServiceError::Refused("This request is no longer open: it was submitted or withdrawn".into()))
    }
}

/// Sends a new link (the old one stops working) with the request's due date.
pub async fn resend(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
    version: i64,
) -> ServiceResult<()> {
    open_request(r)?;
    let (token, hash, expires) = new_link(cx, r.due_date);
    let words = MailWords::of(cx, &cx.db, case, r).await?;
    let person = recipient(cx, r)?;
    let (email, to) = link_email(cx, &words.mail(case, r), &token, &person.email)?;
    let sealed = seal_recipient(cx, &person, &token)?;
    let now = cx.clock.now();
    let txn = store::begin_write(&cx.db).await?;
    form_requests::replace_token(&txn, r.id, version, &hash, expires, &sealed, now).await?;
    mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
    audit::append(
        &txn,
        &acting.case_event(AuditAction::FormLinkResent, case).details(format!("request={}", r.id)),
    )
    .await?;
    txn.commit().await?;
    cx.mail_wakeup.notify_one();
    Ok(())
}

/// A reminder to the professional asked, ready to queue, carrying the link sealed with the
/// request (its body is sealed in the outbox like the first email's).
async fn reminder_email<C: ConnectionTrait>(
    cx: &Context,
    conn: &C,
    case: &Case,
    r: &FormRequest,
    overdue: bool,
) -> ServiceResult<(mail::RenderedEmail, mail::PreparedRecipients)> {
    let words = MailWords::of(cx, conn, case, r).await?;
    let sealed = open_recipient(cx, r)?;
    let link = (!sealed.link_token.is_empty()).then(|| link(cx, &sealed.link_token));
    let email = render::form_reminder(
        &words.mail(case, r),
        &date_words(r.created_at.date_naive()),
        overdue,
        link.as_deref(),
    )
    .map_err(anyhow::Error::from)?;
    // A reminder with the link is private like the first email: its body is sealed with the address.
    if link.is_some() {
        return Ok(mail::prepare_private(&cx.keys.keyring, &email, &[sealed.person.email])?);
    }
    let to = mail::prepare_recipients(&cx.keys.keyring, &[Recipient::External(sealed.person.email)])?;
    Ok((email, to))
}

/// Sends a reminder now (staff's "send reminder now").
pub async fn remind_now(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
) -> ServiceResult<()> {
    open_request(r)?;
    let overdue = r.due_date < cx.clock.today();
    let (email, to) = reminder_email(cx, &cx.db, case, r, overdue).await?;
    let now = cx.clock.now();
    let txn = store::begin_write(&cx.db).await?;
    mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
    form_requests::note_reminder(&txn, r.id, now).await?;
    audit::append(
        &txn,
        &acting
            .case_event(AuditAction::FormReminderSent, case)
            .details(format!("request={};point=manual", r.id)),
    )
    .await?;
    txn.commit().await?;
    cx.mail_wakeup.notify_one();
    Ok(())
}

/// Withdraws a request with a coded reason; its link stops working.
pub async fn withdraw(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
    version: i64,
    reason: WithdrawReason,
) -> ServiceResult<()> {
    open_request(r)?;
    let txn = store::begin_write(&cx.db).await?;
    form_requests::withdraw(&txn, r.id, version, reason.code(), cx.clock.now()).await?;
    audit::append(
        &txn,
        &acting.case_event(AuditAction::FormWithdrawn, case).details(format!(
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
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
    version: i64,
    due: NaiveDate,
) -> ServiceResult<()> {
    open_request(r)?;
    if due < cx.clock.today() {
        return Err(ServiceError::Invalid(vec![(
            "due".into(),
            "The due date must be today or in the future".into(),
        )]));
    }
    let txn = store::begin_write(&cx.db).await?;
    form_requests::set_due_date(&txn, r.id, version, due, link_expiry(cx, due), cx.clock.now()).await?;
    audit::append(
        &txn,
        &acting
            .case_event(AuditAction::FormRequested, case)
            .details(format!("request={};due_changed={due}", r.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The email to the case's coordinators when a form comes in or stays overdue.
pub async fn coordinators(cx: &Context, area_id: i64) -> ServiceResult<Vec<Recipient>> {
    Ok(crate::intake::staff_recipients(cx, &[Role::Coordinator], area_id).await?)
}

/// The reminder schedule from configuration.
pub fn schedule(cx: &Context) -> crate::domain::reminders::Schedule {
    let f = &cx.config.forms;
    crate::domain::reminders::Schedule {
        before_days: f.remind_before_days.clone(),
        on_due: f.remind_on_due,
        overdue_every_days: f.remind_overdue_every_days,
        escalate_after: f.escalate_after,
    }
}

/// Sends every reminder due now, once each: returns how many were sent.
pub async fn send_due_reminders(cx: &Context) -> ServiceResult<usize> {
    let schedule = schedule(cx);
    let today = cx.clock.today();
    let horizon = today + TimeDelta::days(i64::from(schedule.before_days.iter().copied().max().unwrap_or(0)));
    let mut sent = 0;
    let mut after_id = 0;
    let mut skipped = crate::service::Skipped::new("form reminders");
    loop {
        let txn = store::begin_write(&cx.db).await?;
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
            // Each request in a savepoint: one that cannot be reminded (its record does not open)
            // is rolled back, reported by reference and skipped; the others still go.
            match store::savepoint(&txn, async |one| remind(cx, one, &schedule, today, r).await).await? {
                Ok(done) => queued += usize::from(done),
                Err(e) => {
                    if skipped.note() {
                        let case =
                            cases::find(&txn, r.case_id).await?.map(|c| c.reference).unwrap_or_default();
                        tracing::error!(case = %case, request = r.id, error = %e, "form reminder skipped: this request could not be reminded; the others carry on");
                    }
                }
            }
        }
        txn.commit().await?;
        sent += queued;
    }
    skipped.report();
    if sent > 0 {
        cx.mail_wakeup.notify_one();
        tracing::info!(reminders = sent, "form reminders queued");
    }
    Ok(sent)
}

/// Queues request `r`'s reminder for today's schedule point (and the escalation to the
/// coordinators when it is due); false when there is none to send.
async fn remind<C: ConnectionTrait>(
    cx: &Context,
    txn: &C,
    schedule: &crate::domain::reminders::Schedule,
    today: NaiveDate,
    r: &FormRequest,
) -> ServiceResult<bool> {
    let Some(point) = schedule.latest(r.created_at.date_naive(), r.due_date, today) else { return Ok(false) };
    if !form_requests::record_reminder(txn, r.id, &point.name, cx.clock.now()).await? {
        return Ok(false);
    }
    let Some(case) = cases::find(txn, r.case_id).await? else { return Ok(false) };
    let (email, to) = reminder_email(cx, txn, &case, r, point.overdue > 0).await?;
    mail::enqueue(txn, &email, Some(&case.reference), to).await?;
    form_requests::note_reminder(txn, r.id, cx.clock.now()).await?;
    let system = Acting::system();
    audit::append(
        txn,
        &system
            .case_event(AuditAction::FormReminderSent, &case)
            .details(format!("request={};point={}", r.id, point.name)),
    )
    .await?;
    if schedule.escalates(point.overdue) && !r.escalated {
        let words = MailWords::of(cx, txn, &case, r).await?;
        let email = render::form_overdue(&words.mail(&case, r), point.overdue, &cx.config.public_url())
            .map_err(anyhow::Error::from)?;
        let staff = coordinators(cx, case.area_id).await?;
        let to = mail::prepare_recipients(&cx.keys.keyring, &staff)?;
        mail::enqueue(txn, &email, Some(&case.reference), to).await?;
        form_requests::mark_escalated(txn, r.id).await?;
        audit::append(
            txn,
            &system.case_event(AuditAction::FormEscalated, &case).details(format!("request={}", r.id)),
        )
        .await?;
    }
    Ok(true)
}
