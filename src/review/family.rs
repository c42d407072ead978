//! Contact with the bereaved family: the key worker (their single point of contact) and a log of
//! every contact, including the questions the family asked the panel and when the review's
//! outcome was fed back. Names and notes are sealed; reading them is audited.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::open_text;
use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::ContactKind;
use crate::domain::email::EmailAddress;
use crate::service::{Acting, ServiceError, ServiceResult};
use crate::store::cases::Case;
use crate::store::family::{self as store, NewContact};
use crate::store::{self as db, audit, users};

/// The key worker, as sealed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeyWorker {
    pub name: String,
    pub role: String,
    pub phone: String,
    pub email: String,
}

/// One logged contact, opened.
#[derive(Debug, Clone, Serialize)]
pub struct ContactView {
    pub contact_on: NaiveDate,
    pub by: String,
    pub kind: String,
    pub kind_label: String,
    pub note: String,
}

/// The family page's content.
#[derive(Debug, Clone, Serialize)]
pub struct Family {
    pub key_worker: Option<KeyWorker>,
    pub key_worker_version: i64,
    pub contacts: Vec<ContactView>,
    /// Questions the family asked the panel.
    pub questions: usize,
    /// The latest date the review's outcome was fed back to the family.
    pub fed_back_on: Option<NaiveDate>,
}

/// Opens the key worker and the contact log (an audited reading of sealed notes).
pub async fn read(cx: &Context, acting: &Acting<'_>, case: &Case) -> ServiceResult<Family> {
    let kw = store::key_worker(&cx.db, case.id).await?;
    let key_worker = match &kw {
        Some(k) => Some(serde_json::from_str(&open_text(cx, &k.sealed)?).map_err(anyhow::Error::from)?),
        None => None,
    };
    let rows = store::contacts(&cx.db, case.id).await?;
    let mut names = std::collections::HashMap::new();
    let mut contacts = Vec::with_capacity(rows.len());
    for c in rows {
        let by = match c.by_user {
            Some(id) => match names.get(&id) {
                Some(n) => Clone::clone(n),
                None => {
                    let n = users::find(&cx.db, id).await?.map(|u| u.name).unwrap_or_default();
                    names.insert(id, n.clone());
                    n
                }
            },
            None => String::new(),
        };
        let kind = ContactKind::parse(&c.kind);
        contacts.push(ContactView {
            contact_on: c.contact_on,
            by,
            kind: c.kind.clone(),
            kind_label: kind.map(|k| k.label().to_string()).unwrap_or_else(|| c.kind.clone()),
            note: open_text(cx, &c.sealed)?,
        });
    }
    if !contacts.is_empty() || key_worker.is_some() {
        audit::append(&cx.db, &acting.case_event(AuditAction::FamilyContactRead, case)).await?;
    }
    Ok(Family {
        key_worker,
        key_worker_version: kw.map(|k| k.version).unwrap_or(0),
        questions: contacts.iter().filter(|c| c.kind == ContactKind::Question.code()).count(),
        fed_back_on: contacts
            .iter()
            .filter(|c| c.kind == ContactKind::Feedback.code())
            .map(|c| c.contact_on)
            .max(),
        contacts,
    })
}

/// Names or changes the key worker (edited against `version`; 0 for the first).
pub async fn set_key_worker(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    version: i64,
    kw: KeyWorker,
) -> ServiceResult<()> {
    let mut problems = Vec::new();
    let kw = KeyWorker {
        name: kw.name.trim().into(),
        role: kw.role.trim().into(),
        phone: kw.phone.trim().into(),
        email: kw.email.trim().into(),
    };
    if kw.name.is_empty() {
        problems.push(("kw_name".to_string(), "Enter the key worker's name".to_string()));
    }
    for (field, value, what) in [
        ("kw_name", &kw.name, "name"),
        ("kw_role", &kw.role, "role"),
        ("kw_phone", &kw.phone, "phone number"),
    ] {
        if value.chars().count() > 200 {
            problems.push((field.into(), format!("The {what} must be 200 characters or fewer")));
        }
    }
    if !kw.email.is_empty()
        && let Err(e) = EmailAddress::parse(&kw.email)
    {
        problems.push(("kw_email".into(), e.to_string()));
    }
    if kw.phone.is_empty() && kw.email.is_empty() && !kw.name.is_empty() {
        problems
            .push(("kw_phone".into(), "Enter a phone number or an email address for the key worker".into()));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let sealed = cx.keys.keyring.seal(&serde_json::to_vec(&kw).map_err(anyhow::Error::from)?)?;
    let txn = db::begin_write(&cx.db).await?;
    store::set_key_worker(&txn, case.id, version, sealed, &cx.keys.keyring.key_id()).await?;
    audit::append(&txn, &acting.case_event(AuditAction::KeyWorkerSet, case)).await?;
    txn.commit().await?;
    Ok(())
}

/// Logs a contact with the family. A question or a feedback needs a note saying what was asked or
/// told; the date cannot be in the future.
pub async fn record_contact(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    on: NaiveDate,
    kind: ContactKind,
    note: &str,
) -> ServiceResult<()> {
    let note = note.trim();
    let mut problems = Vec::new();
    if on > cx.clock.today() {
        problems.push((
            "contact_on".to_string(),
            "The date of the contact must be today or in the past".to_string(),
        ));
    }
    if note.is_empty() && matches!(kind, ContactKind::Question | ContactKind::Feedback) {
        let m = if kind == ContactKind::Question {
            "Enter the family's question"
        } else {
            "Enter what was fed back to the family"
        };
        problems.push(("note".into(), m.into()));
    }
    if note.chars().count() > 5000 {
        problems.push(("note".into(), "The note must be 5,000 characters or fewer".into()));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let sealed = cx.keys.keyring.seal(note.as_bytes())?;
    let txn = db::begin_write(&cx.db).await?;
    store::add_contact(
        &txn,
        NewContact {
            case_id: case.id,
            contact_on: on,
            by_user: acting.actor.user_id(),
            kind: kind.code().into(),
            sealed,
            sealed_key: cx.keys.keyring.key_id(),
            at: cx.clock.now(),
        },
    )
    .await?;
    audit::append(
        &txn,
        &acting.case_event(AuditAction::FamilyContactRecorded, case).details(format!("kind={}", kind.code())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
