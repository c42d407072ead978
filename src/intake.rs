//! Notification intake, shared by the browser form, the public form, the API and the demo seeder:
//! resolve the area, seal the identifying record, compute the blind index and deprivation decile,
//! detect duplicates, then in one transaction insert the case, its audit events and its emails.

use std::sync::atomic::Ordering;

use crate::app::AppState;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::codes::{CaseStatus, Source};
use crate::domain::notification::{FieldProblem, Notification};
use crate::domain::role::Role;
use crate::mail::{self, Outgoing, RenderedEmail, render};
use crate::store::{self, areas, audit, cases, users};

/// What intake produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub reference: String,
    pub area_name: String,
    /// The earlier case with the same NHS number, when there is one.
    pub duplicate_of: Option<String>,
    pub status: CaseStatus,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Problems the person can fix (e.g. an area they cannot notify for).
    #[error("invalid notification")]
    Invalid(Vec<FieldProblem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
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
pub struct Context<'a> {
    pub actor: Actor,
    pub source: Source,
    pub request_id: &'a str,
    /// Signed-in notifiers may only notify in their own areas; `None` for public notifiers.
    pub area_scope: Option<&'a [i64]>,
    /// Demo data: marked synthetic, and no email is sent.
    pub synthetic: bool,
    /// When the notification was received (demo data spreads cases over past years); `None`: now.
    pub notified_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Finds an area by name (any case) or by id.
pub async fn resolve_area(state: &AppState, wanted: &str) -> Result<areas::Area, IntakeError> {
    let all = areas::list(&state.db).await?;
    let wanted = wanted.trim();
    all.into_iter()
        .find(|a| a.active && (a.name.eq_ignore_ascii_case(wanted) || a.id.to_string() == wanted))
        .ok_or_else(|| {
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

struct Prepared {
    sealed: Vec<u8>,
    key_id: String,
    nhs_index: String,
    postcode_index: String,
    mails: Vec<(MailKind, Vec<String>, mail::SealedRecipients)>,
}

/// Records a notification. Nothing is stored unless everything succeeds.
pub async fn notify(state: &AppState, n: Notification, ctx: Context<'_>) -> Result<Outcome, IntakeError> {
    let area = resolve_area(state, &n.area).await?;
    if let Some(scope) = ctx.area_scope
        && !scope.contains(&area.id)
    {
        return Err(IntakeError::Invalid(vec![FieldProblem {
            field: "area".into(),
            message: "You can only notify deaths in the areas you work in".into(),
        }]));
    }
    let status = if ctx.source == Source::Public { CaseStatus::PendingTriage } else { CaseStatus::Notified };

    // Who will be told. Addresses are looked up now and sealed with the record, off the async threads.
    let base = state.config.public_url();
    let mut mails: Vec<(MailKind, Vec<String>)> = Vec::new();
    if !ctx.synthetic {
        let staff_roles: &[Role] = if status == CaseStatus::PendingTriage {
            &[Role::Coordinator]
        } else {
            &[Role::Coordinator, Role::DesignatedDoctor]
        };
        let staff = staff_recipients(state, staff_roles, area.id).await?;
        let kind = if status == CaseStatus::PendingTriage {
            MailKind::WaitingForTriage
        } else {
            MailKind::NewNotification
        };
        if !staff.is_empty() {
            mails.push((kind, staff));
        }
        if ctx.source == Source::Public {
            mails.push((MailKind::Receipt, vec![n.identity.notifier.email.clone()]));
        }
    }

    let keys = state.keys.clone();
    let identity = serde_json::to_vec(&n.identity).map_err(anyhow::Error::from)?;
    let nhs_digits = n.nhs_number.digits().to_string();
    let postcode = n.postcode.to_string();
    let prepared = tokio::task::spawn_blocking(move || -> anyhow::Result<Prepared> {
        let sealed = keys.keyring.seal(&identity)?;
        let mut sealed_mails = Vec::with_capacity(mails.len());
        for (kind, recipients) in mails {
            let sealed_to = mail::seal_recipients(&keys.keyring, &recipients)?;
            sealed_mails.push((kind, recipients, sealed_to));
        }
        Ok(Prepared {
            sealed,
            key_id: keys.keyring.key_id(),
            nhs_index: keys.index.nhs_number(&nhs_digits),
            postcode_index: keys.index.postcode(&postcode),
            mails: sealed_mails,
        })
    })
    .await
    .map_err(anyhow::Error::from)??;
    let imd_decile = cases::imd_decile(&state.db, &prepared.postcode_index).await?;

    let txn = store::begin_write(&state.db).await?;
    let duplicate = cases::first_with_nhs_index(&txn, &prepared.nhs_index).await?;
    let notified_at = ctx.notified_at.unwrap_or_else(store::now);
    let reference = cases::next_reference(&txn, chrono::Datelike::year(&notified_at)).await?;
    let case = cases::insert(
        &txn,
        cases::NewCase {
            reference: &reference,
            area_id: area.id,
            status,
            source: ctx.source,
            sealed: prepared.sealed,
            sealed_key: prepared.key_id,
            nhs_index: prepared.nhs_index,
            coded: &n.coded,
            imd_decile,
            created_by: ctx.actor.user_id(),
            duplicate_of: duplicate.as_ref().map(|d| d.id),
            synthetic: ctx.synthetic,
            notified_at,
        },
    )
    .await?;
    let event = |action: AuditAction| {
        AuditEvent::new(ctx.actor.clone(), action, "case", case.reference.clone())
            .area(area.id)
            .request(ctx.request_id)
    };
    audit::append(
        &txn,
        &event(AuditAction::CaseCreated).details(format!(
            "source={};status={}",
            ctx.source.code(),
            status.code()
        )),
    )
    .await?;
    if let Some(d) = &duplicate {
        audit::append(
            &txn,
            &event(AuditAction::DuplicateFlagged).details(format!("duplicate_of={}", d.reference)),
        )
        .await?;
    }
    let mut queued = 0;
    for (kind, recipients, sealed_to) in prepared.mails {
        let email = kind.render(reference.as_str(), &area.name, &base).map_err(anyhow::Error::from)?;
        queued += mail::enqueue(
            &txn,
            &Outgoing { email: &email, recipients: &recipients, case_reference: Some(reference.as_str()) },
            sealed_to,
        )
        .await?;
    }
    txn.commit().await?;
    if queued > 0 {
        state.mail_wakeup.notify_one();
    }
    if ctx.synthetic {
        state.synthetic_data.store(true, Ordering::Relaxed);
    }
    tracing::info!(case = %reference, area = area.id, source = ctx.source.code(), duplicate = duplicate.is_some(), emails = queued, "notification recorded");
    Ok(Outcome {
        reference: reference.to_string(),
        area_name: area.name,
        duplicate_of: duplicate.map(|d| d.reference),
        status,
    })
}

/// Active staff with `roles` in the area, plus `notify.extra_recipients`.
pub async fn staff_recipients(
    state: &AppState,
    roles: &[Role],
    area_id: i64,
) -> Result<Vec<String>, IntakeError> {
    let mut staff = users::emails_with_role_in_area(&state.db, roles, area_id).await?;
    for extra in &state.config.notify.extra_recipients {
        if !staff.iter().any(|s| s.eq_ignore_ascii_case(extra)) {
            staff.push(extra.clone());
        }
    }
    Ok(staff)
}

/// Tells the area's designated doctors and coordinators about an accepted notification, using
/// `txn` (the transaction that accepted it). Returns how many emails were queued.
pub async fn queue_new_notification_mail<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    txn: &C,
    sealed: mail::SealedRecipients,
    recipients: &[String],
    reference: &str,
    area_name: &str,
) -> Result<usize, IntakeError> {
    if recipients.is_empty() {
        return Ok(0);
    }
    let email = MailKind::NewNotification
        .render(reference, area_name, &state.config.public_url())
        .map_err(anyhow::Error::from)?;
    Ok(mail::enqueue(txn, &Outgoing { email: &email, recipients, case_reference: Some(reference) }, sealed)
        .await?)
}

/// Seals addresses on the blocking pool.
pub async fn seal_addresses(
    state: &AppState,
    recipients: Vec<String>,
) -> Result<mail::SealedRecipients, IntakeError> {
    let keys = state.keys.clone();
    Ok(tokio::task::spawn_blocking(move || mail::seal_recipients(&keys.keyring, &recipients))
        .await
        .map_err(anyhow::Error::from)??)
}
