//! Notification intake, shared by the browser form, the public form, the API and the demo seeder:
//! resolve the area, seal the identifying record, compute the blind index and deprivation decile,
//! detect duplicates, then in one transaction insert the case, its audit events and its emails.
//!
//! The reads before the transaction (who to email, the deprivation decile) run concurrently with
//! the sealing on the blocking pool, so the transaction itself holds only writes.
//!
//! After intake: amendments (`amend`), triage (`triage`) and merging duplicates (`merge`).

pub mod amend;
pub mod merge;
pub mod triage;

use crate::context::Context;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::codes::{CaseStatus, DuplicateStatus, Source};
use crate::domain::notification::{FieldProblem, Notification};
use crate::domain::role::Role;
use crate::mail::{self, PreparedRecipients, Recipient, RenderedEmail, render};
use crate::store::{self, areas, audit, cases, users};

/// What intake produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub reference: String,
    pub area_name: String,
    /// The earlier case with the same NHS number, or (when the NHS number is not known) with the
    /// same date of death in the same area.
    pub duplicate_of: Option<String>,
    /// Whether `duplicate_of` matched on the NHS number (otherwise it is a hint).
    pub duplicate_by_nhs_number: bool,
    /// The area of the `duplicate_of` case: it is named only to someone who works there.
    pub duplicate_area_id: Option<i64>,
    pub status: CaseStatus,
    /// This form was sent before: `reference` is the case that first send made, and nothing new
    /// was recorded.
    pub repeated: bool,
}

impl Outcome {
    /// The earlier case this may duplicate, when someone working in `area_ids` may know of it.
    pub fn duplicate_seen_from(&self, area_ids: &[i64]) -> Option<&str> {
        self.duplicate_of.as_deref().filter(|_| self.duplicate_area_id.is_some_and(|a| area_ids.contains(&a)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Problems the person can fix (e.g. an area they cannot notify for).
    #[error("invalid notification")]
    Invalid(Vec<FieldProblem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// An intake problem in a service step that is not intake itself (triage, information gathering).
impl From<IntakeError> for crate::service::ServiceError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::Invalid(p) => crate::service::ServiceError::Refused(
                p.into_iter().map(|p| p.message).collect::<Vec<_>>().join("; "),
            ),
            IntakeError::Other(e) => crate::service::ServiceError::Other(e),
        }
    }
}

impl From<store::StoreError> for IntakeError {
    fn from(e: store::StoreError) -> Self {
        IntakeError::Other(e.into())
    }
}

impl From<sea_orm::DbErr> for IntakeError {
    fn from(e: sea_orm::DbErr) -> Self {
        IntakeError::Other(e.into())
    }
}

/// Who is notifying, and how.
pub struct Origin<'a> {
    pub actor: Actor,
    pub source: Source,
    pub request_id: &'a str,
    /// Signed-in notifiers may only notify in their own areas; `None` for public notifiers.
    pub area_scope: Option<&'a [i64]>,
    /// Demo data: marked synthetic, and no email is sent.
    pub synthetic: bool,
    /// When the notification was received (demo data spreads cases over past years); `None`: now.
    pub notified_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The form's one-off submission key: sending the same form again makes no second case.
    pub submission: Option<&'a str>,
}

/// Finds an active area by name (any case) or by id.
pub async fn resolve_area(cx: &Context, wanted: &str) -> Result<areas::Area, IntakeError> {
    let wanted = wanted.trim();
    let found = match wanted.parse::<i64>() {
        Ok(id) => areas::find(&cx.db, id).await?,
        Err(_) => areas::find_by_name_any_case(&cx.db, wanted).await?,
    };
    found.filter(|a| a.active).ok_or_else(|| {
        IntakeError::Invalid(vec![FieldProblem {
            field: "area".into(),
            message: "Select one of the areas this panel serves".into(),
        }])
    })
}

/// Which email a group of recipients gets (rendered once the reference is known).
#[derive(Clone, Copy)]
pub enum MailKind {
    NewNotification,
    WaitingForTriage,
    Receipt,
}

impl MailKind {
    pub fn render(self, reference: &str, area: &str, base: &str) -> askama::Result<RenderedEmail> {
        match self {
            MailKind::NewNotification => render::new_notification(reference, area, base),
            MailKind::WaitingForTriage => render::waiting_for_triage(reference, area, base),
            MailKind::Receipt => render::receipt(reference, area),
        }
    }
}

struct Sealed {
    record: Vec<u8>,
    key_id: String,
    mails: Vec<(MailKind, PreparedRecipients)>,
}

/// Records a notification. Nothing is stored unless everything succeeds.
pub async fn notify(cx: &Context, n: Notification, origin: Origin<'_>) -> Result<Outcome, IntakeError> {
    let area = resolve_area(cx, &n.area).await?;
    if let Some(scope) = origin.area_scope
        && !scope.contains(&area.id)
    {
        return Err(IntakeError::Invalid(vec![FieldProblem {
            field: "area".into(),
            message: "You can only notify deaths in the areas you work in".into(),
        }]));
    }
    let status =
        if origin.source == Source::Public { CaseStatus::PendingTriage } else { CaseStatus::Notified };
    let nhs_index = n.nhs_number.as_ref().map(|x| cx.keys.index.nhs_number(x.digits())).unwrap_or_default();
    let postcode_index = n.postcode.as_ref().map(|p| cx.keys.index.postcode(p.as_str()));
    let death_index = cx.keys.index.date_of_death(&n.identity.death.date_of_death.to_string());

    // Who will be told (looked up while the record is sealed).
    let recipients = async {
        let mut mails: Vec<(MailKind, Vec<Recipient>)> = Vec::new();
        if origin.synthetic {
            return Ok::<_, IntakeError>(mails);
        }
        let (kind, roles): (MailKind, &[Role]) = if status == CaseStatus::PendingTriage {
            (MailKind::WaitingForTriage, &[Role::Coordinator])
        } else {
            (MailKind::NewNotification, &[Role::Coordinator, Role::DesignatedDoctor])
        };
        let staff = staff_recipients(cx, roles, area.id).await?;
        if !staff.is_empty() {
            mails.push((kind, staff));
        }
        if origin.source == Source::Public {
            mails.push((MailKind::Receipt, vec![Recipient::External(n.identity.notifier.email.clone())]));
        }
        Ok(mails)
    };
    let decile = async {
        match &postcode_index {
            Some(index) => cases::imd_decile(&cx.db, index).await.map_err(IntakeError::from),
            None => Ok(None),
        }
    };
    let identity = serde_json::to_vec(&n.identity).map_err(anyhow::Error::from)?;
    let keys = cx.keys.clone();
    let seal =
        tokio::task::spawn_blocking(move || keys.keyring.seal(&identity).map(|s| (s, keys.keyring.key_id())));
    let (mails, imd_decile, sealed) = tokio::join!(recipients, decile, seal);
    let (mails, imd_decile) = (mails?, imd_decile?);
    let (record, key_id) = sealed.map_err(anyhow::Error::from)?.map_err(anyhow::Error::from)?;
    let sealed = if mails.iter().any(|(_, r)| mail::needs_sealing(r)) {
        let keys = cx.keys.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<Sealed> {
            let mails = mails
                .into_iter()
                .map(|(kind, r)| Ok((kind, mail::prepare_recipients(&keys.keyring, &r)?)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(Sealed { record, key_id, mails })
        })
        .await
        .map_err(anyhow::Error::from)??
    } else {
        let mails = mails
            .into_iter()
            .map(|(kind, r)| Ok((kind, mail::prepare_recipients(&cx.keys.keyring, &r)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Sealed { record, key_id, mails }
    };

    let txn = store::begin_write(&cx.db).await?;
    // Taking the reference first locks the year's counter row, so concurrent notifications queue
    // here and the duplicate check below always sees the one committed just before.
    let notified_at = origin.notified_at.unwrap_or_else(|| cx.clock.now());
    let reference = cases::next_reference(&txn, chrono::Datelike::year(&notified_at)).await?;
    if let Some(key) = origin.submission {
        let hash = crate::crypto::secrets::digest(key);
        if let Some(earlier) =
            store::submissions::record(&txn, &hash, reference.as_str(), notified_at).await?
        {
            // Sent before: the first send's case stands, and this one records nothing.
            txn.rollback().await?;
            tracing::info!(case = %earlier, "notification sent again; the first send is kept");
            return Ok(Outcome {
                reference: earlier,
                area_name: area.name,
                duplicate_of: None,
                duplicate_by_nhs_number: false,
                duplicate_area_id: None,
                status,
                repeated: true,
            });
        }
    }
    let duplicate = find_duplicate(&txn, &nhs_index, &death_index, area.id, None).await?;
    cases::insert(
        &txn,
        cases::NewCase {
            reference: &reference,
            area_id: area.id,
            status,
            source: origin.source,
            sealed: sealed.record,
            sealed_key: sealed.key_id,
            nhs_index,
            death_index,
            coded: &n.coded,
            imd_decile,
            created_by: origin.actor.user_id(),
            duplicate: duplicate.as_ref().map(|d| (d.id, d.status)),
            synthetic: origin.synthetic,
            notified_at,
            gaps: cases::HistoryGaps::NONE,
        },
    )
    .await?;
    let event = |action: AuditAction| {
        AuditEvent::new(origin.actor.clone(), action, "case", reference.to_string())
            .area(area.id)
            .request(origin.request_id)
    };
    audit::append(
        &txn,
        &event(AuditAction::CaseCreated).details(format!(
            "source={};status={}",
            origin.source.code(),
            status.code()
        )),
    )
    .await?;
    if let Some(d) = &duplicate {
        audit::append(&txn, &d.flagged(event(AuditAction::DuplicateFlagged))).await?;
    }
    let base = cx.config.public_url();
    let mut queued = 0;
    for (kind, recipients) in sealed.mails {
        let email = kind.render(reference.as_str(), &area.name, &base).map_err(anyhow::Error::from)?;
        queued += mail::enqueue(&txn, &email, Some(reference.as_str()), recipients).await?;
    }
    txn.commit().await?;
    if queued > 0 {
        cx.mail_wakeup.notify_one();
    }
    tracing::info!(case = %reference, area = area.id, source = origin.source.code(), duplicate = duplicate.is_some(), emails = queued, "notification recorded");
    Ok(Outcome {
        reference: reference.to_string(),
        area_name: area.name,
        duplicate_of: duplicate.as_ref().map(|d| d.reference.clone()),
        duplicate_by_nhs_number: duplicate.as_ref().is_some_and(|d| d.status == DuplicateStatus::Flagged),
        duplicate_area_id: duplicate.as_ref().map(|d| d.area_id),
        status,
        repeated: false,
    })
}

/// An earlier case this one may duplicate.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub id: i64,
    pub reference: String,
    pub area_id: i64,
    /// `Flagged` (same NHS number) or `Possible` (no NHS number: same date of death and area).
    pub status: DuplicateStatus,
}

impl Duplicate {
    /// The `case.duplicate.flagged` event naming this earlier case.
    pub fn flagged(&self, event: AuditEvent) -> AuditEvent {
        event.details(format!("duplicate_of={};by={}", self.reference, self.status.code()))
    }
}

/// Duplicate detection: the same NHS number (blind index) in any live case; when the NHS number
/// is not known, a hint from the same date of death in the same area.
pub async fn find_duplicate<C: sea_orm::ConnectionTrait>(
    conn: &C,
    nhs_index: &str,
    death_index: &str,
    area_id: i64,
    except: Option<i64>,
) -> Result<Option<Duplicate>, IntakeError> {
    if !nhs_index.is_empty() {
        let found =
            cases::first_with_nhs_index(conn, nhs_index).await?.filter(|(id, _, _)| Some(*id) != except);
        return Ok(found.map(|(id, reference, area_id)| Duplicate {
            id,
            reference,
            area_id,
            status: DuplicateStatus::Flagged,
        }));
    }
    let found = cases::first_with_death_index(conn, death_index, area_id, except).await?;
    Ok(found.map(|(id, reference)| Duplicate { id, reference, area_id, status: DuplicateStatus::Possible }))
}

/// Active staff with `roles` in the area, plus `notify.extra_recipients` (team mailboxes).
pub async fn staff_recipients(
    cx: &Context,
    roles: &[Role],
    area_id: i64,
) -> Result<Vec<Recipient>, IntakeError> {
    let mut staff = users::emails_with_role_in_area(&cx.db, roles, area_id).await?;
    for extra in &cx.config.notify.extra_recipients {
        if !staff.iter().any(|s| s.eq_ignore_ascii_case(extra)) {
            staff.push(extra.clone());
        }
    }
    Ok(staff.into_iter().map(Recipient::Staff).collect())
}

/// Tells the area's designated doctors and coordinators about an accepted notification, using
/// `txn` (the transaction that accepted it). Returns how many emails were queued.
pub async fn queue_new_notification_mail<C: sea_orm::ConnectionTrait>(
    cx: &Context,
    txn: &C,
    recipients: &[Recipient],
    reference: &str,
    area_name: &str,
) -> Result<usize, IntakeError> {
    let prepared = mail::prepare_recipients(&cx.keys.keyring, recipients)?;
    let email = MailKind::NewNotification
        .render(reference, area_name, &cx.config.public_url())
        .map_err(anyhow::Error::from)?;
    Ok(mail::enqueue(txn, &email, Some(reference), prepared).await?)
}
