//! A response to a request: opening it by its link, loading and saving answers page by page,
//! submitting, and reading it back.

use std::sync::Arc;

use crate::context::Context;
use crate::domain::audit::AuditAction;
use crate::domain::codes::RequestStatus;
use crate::forms::answers::{self, Answers, FieldError, Raw};
use crate::forms::{FormVersion, Item};
use crate::mail::{self, render};
use crate::responses::Loaded;
use crate::store::cases::Case;
use crate::store::form_requests::{self, FormRequest, SavedResponse};
use crate::store::{self, audit};

use super::refresh_information_status;
use crate::service::{Acting, ServiceResult};

/// What a link leads to.
#[derive(Debug)]
pub enum LinkState {
    Open(Box<FormRequest>),
    /// Unknown (never issued, or replaced by a newer link).
    Unknown,
    /// Known but no longer usable: expired, withdrawn or already submitted.
    Gone,
}

/// A link token is 32 random bytes in unpadded base64url: 43 characters.
fn plausible(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Looks a link up by its hash.
pub async fn by_token(cx: &Context, token: &str) -> ServiceResult<LinkState> {
    if !plausible(token) {
        return Ok(LinkState::Unknown);
    }
    let hash = crate::crypto::secrets::digest(token);
    let Some(r) = form_requests::find_by_token_hash(&cx.db, &hash).await? else {
        return Ok(LinkState::Unknown);
    };
    let open = RequestStatus::parse(&r.status).is_some_and(RequestStatus::is_open);
    if !open || r.token_expires_at < cx.clock.now() {
        return Ok(LinkState::Gone);
    }
    Ok(LinkState::Open(Box::new(r)))
}

/// Records that the link was opened (every opening is an audit event).
pub async fn record_opening(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
) -> ServiceResult<()> {
    let txn = store::begin_write(&cx.db).await?;
    form_requests::mark_opened(&txn, r.id, cx.clock.now()).await?;
    audit::append(&txn, &request_event(acting, AuditAction::FormLinkOpened, case, r)).await?;
    txn.commit().await?;
    Ok(())
}

/// An audit event about one request of a case.
fn request_event(
    acting: &Acting<'_>,
    action: AuditAction,
    case: &Case,
    r: &FormRequest,
) -> crate::domain::audit::AuditEvent {
    acting.case_event(action, case).details(format!("request={}", r.id))
}

/// The answers after applying one page's posted fields (without saving), and its problems.
pub fn apply_page(loaded: &Loaded, section: usize, raw: &Raw) -> (Answers, Vec<FieldError>) {
    let sections = loaded.version.sections();
    let Some(s) = sections.get(section) else { return (loaded.answers.clone(), Vec::new()) };
    let (read, errors) = answers::read_items(&s.items, raw);
    let mut merged = loaded.answers.clone();
    for (key, answer) in read {
        match answer {
            Some(a) => {
                merged.insert(key, a);
            }
            None => {
                merged.remove(&key);
            }
        }
    }
    answers::prune(&loaded.version, &mut merged);
    (merged, errors)
}

/// A response being written: who acts, on which case and request, at which lock version.
pub struct Target<'a> {
    pub acting: &'a Acting<'a>,
    pub case: &'a Case,
    pub request: &'a FormRequest,
    pub expected_version: i64,
}

/// Saves `answers` (already merged and pruned) as the response's draft, or as submitted.
async fn store_answers(
    cx: &Context,
    t: &Target<'_>,
    version: &FormVersion,
    answers: &Answers,
    submit: bool,
) -> ServiceResult<()> {
    let (acting, case, r, expected_version) = (t.acting, t.case, t.request, t.expected_version);
    let (coded, identifying) = answers::split(version, answers);
    let plain = serde_json::to_vec(&identifying).map_err(anyhow::Error::from)?;
    let sealed = cx.keys.keyring.seal(&plain).map_err(anyhow::Error::from)?;
    let now = cx.clock.now();
    let txn = store::begin_write(&cx.db).await?;
    form_requests::save_response(
        &txn,
        r.id,
        expected_version,
        SavedResponse {
            coded: &coded,
            sealed,
            sealed_key: cx.keys.keyring.key_id(),
            completeness: answers::completeness(version, answers),
            status: if submit { RequestStatus::Submitted } else { RequestStatus::InProgress },
            submitted: submit.then_some((
                now,
                acting.actor.user_id(),
                (now - r.created_at).num_days() as i32,
            )),
            at: now,
        },
    )
    .await?;
    let action = if submit { AuditAction::FormSubmitted } else { AuditAction::FormSaved };
    audit::append(
        &txn,
        &acting.case_event(action, case).details(format!("request={};form={}", r.id, r.form_code)),
    )
    .await?;
    if submit {
        refresh_information_status(&txn, case.id).await?;
        let words = super::MailWords::of(cx, &txn, case, r).await?;
        let email = render::form_submitted(&words.mail(case, r), &cx.config.public_url())
            .map_err(anyhow::Error::from)?;
        let staff = super::coordinators(cx, case.area_id).await?;
        let to = mail::prepare_recipients(&cx.keys.keyring, &staff)?;
        mail::enqueue(&txn, &email, Some(&case.reference), to).await?;
        // The receipt, to the professional asked: reference, date and what was sent.
        let c = answers::completeness(version, answers);
        let what = format!(
            "{} answered, {} answered ‘not known’.",
            crate::words::count(i64::from(c.answered), "question", "questions"),
            c.not_known
        );
        let receipt = render::form_receipt(&words.mail(case, r), &crate::domain::uk_time::long(now), &what)
            .map_err(anyhow::Error::from)?;
        let professional = super::recipient(cx, r)?.email;
        let to = mail::prepare_recipients(&cx.keys.keyring, &[mail::Recipient::External(professional)])?;
        mail::enqueue(&txn, &receipt, Some(&case.reference), to).await?;
    }
    txn.commit().await?;
    if submit {
        cx.mail_wakeup.notify_one();
        tracing::info!(case = %case.reference, request = r.id, "form submitted");
    }
    Ok(())
}

/// Saves `answers` (a page applied with [`apply_page`]) as the response's draft: the fields that
/// read cleanly are kept, so nothing valid is lost while the others come back as problems.
pub async fn save_draft(
    cx: &Context,
    t: &Target<'_>,
    version: &FormVersion,
    answers: &Answers,
) -> ServiceResult<()> {
    store_answers(cx, t, version, answers, false).await
}

/// Submits the response. `Ok(Err(items))`: required questions still unanswered.
pub async fn submit<'a>(
    cx: &Context,
    t: &Target<'_>,
    loaded: &'a Loaded,
) -> ServiceResult<Result<(), Vec<&'a Item>>> {
    let missing = answers::missing_required(&loaded.version, &loaded.answers);
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    store_answers(cx, t, &loaded.version, &loaded.answers, true).await?;
    Ok(Ok(()))
}

/// Submits a whole response at once (the API): every field checked, nothing saved unless all
/// are valid and every required question is answered.
pub async fn submit_all(
    cx: &Context,
    t: &Target<'_>,
    version: Arc<FormVersion>,
    raw: &Raw,
) -> ServiceResult<Result<(), Vec<FieldError>>> {
    let items: Vec<&Item> = version.items.iter().collect();
    let (read, mut errors) = answers::read_items(&items, raw);
    let mut merged = Answers::new();
    merged.extend(read.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    answers::prune(&version, &mut merged);
    for item in answers::missing_required(&version, &merged) {
        errors.push(FieldError { field: item.key.clone(), message: format!("Answer ‘{}’", item.label) });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    store_answers(cx, t, &version, &merged, true).await?;
    Ok(Ok(()))
}

/// Records that staff read a response's identifying answers.
pub async fn record_read(
    cx: &Context,
    acting: &Acting<'_>,
    case: &Case,
    r: &FormRequest,
) -> ServiceResult<()> {
    audit::append(&cx.db, &request_event(acting, AuditAction::FormResponseRead, case, r)).await?;
    Ok(())
}
