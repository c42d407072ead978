//! Sharing the learning: a learning briefing is compiled from the learning points of the
//! analyses signed off in a period (optionally for one theme), redacted automatically and edited
//! by staff, then emailed to the area's distribution list. Each recipient acknowledges receipt
//! through their own link (a random token; only its digest is stored); those who have not are
//! reminded a configured number of times, each reminder carrying a fresh link.
//!
//! A briefing is shared outside the service, so no text in it may identify anyone: every save is
//! checked against the known identifiers of every case it was compiled from.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::crypto::secrets;
use crate::domain::anonymity::SealedChecked;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::email::EmailAddress;
use crate::domain::redact::{self, Identifier};
use crate::domain::reminders;
use crate::forms::answers::Answer;
use crate::mail::{self, render};
use crate::service::{Acting, ServiceError, ServiceResult, invalid};
use crate::store::briefings::{self as store, Briefing, NewBriefing};
use crate::store::{self as db, areas, audit, cases};

/// A distribution-list entry, as sealed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
}

/// A distribution-list entry, opened.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientView {
    pub id: i64,
    pub area: String,
    pub organisation: String,
    pub name: String,
    pub email: String,
}

/// A briefing's sealed content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Content {
    pub introduction: String,
    pub points: Vec<String>,
    /// The cases it was compiled from (their identifiers are what it is checked against).
    pub sources: Vec<i64>,
}

/// Who a sent briefing went to, and whether they acknowledged it.
#[derive(Debug, Clone, Serialize)]
pub struct SentView {
    pub organisation: String,
    pub name: String,
    pub email: String,
    pub sent_at: chrono::DateTime<chrono::Utc>,
    pub acknowledged_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A briefing, opened.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub id: i64,
    pub area: String,
    pub title: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub theme: Option<String>,
    pub sent: bool,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i64,
    pub content: Content,
    pub recipients: Vec<SentView>,
}

fn audit_event(acting: &Acting<'_>, action: AuditAction, id: i64) -> AuditEvent {
    AuditEvent::new(acting.actor.clone(), action, "briefing", id.to_string()).request(acting.request_id)
}

async fn area_name(cx: &Context, id: i64) -> ServiceResult<String> {
    Ok(areas::find(&cx.db, id).await?.map(|a| a.name).unwrap_or_default())
}

// ---- The distribution list ----

/// The distribution lists of `area_ids`, opened.
pub async fn recipients(cx: &Context, area_ids: &[i64]) -> ServiceResult<Vec<RecipientView>> {
    let names: std::collections::HashMap<i64, String> =
        areas::list(&cx.db).await?.into_iter().map(|a| (a.id, a.name)).collect();
    store::recipients(&cx.db, area_ids)
        .await?
        .into_iter()
        .map(|r| {
            let c: Contact = cx.open_json(&r.sealed)?;
            Ok(RecipientView {
                id: r.id,
                area: names.get(&r.area_id).cloned().unwrap_or_default(),
                organisation: r.organisation,
                name: c.name,
                email: c.email,
            })
        })
        .collect()
}

/// Adds someone to an area's distribution list.
pub async fn add_recipient(
    cx: &Context,
    acting: &Acting<'_>,
    area_ids: &[i64],
    area_id: Option<i64>,
    organisation: &str,
    contact: Contact,
) -> ServiceResult<()> {
    let mut problems = Vec::new();
    let area_id = area_id.or_else(|| (area_ids.len() == 1).then(|| area_ids[0]));
    if !area_id.is_some_and(|a| area_ids.contains(&a)) {
        problems.push(("area".to_string(), "Choose the area whose list this is".to_string()));
    }
    let organisation = organisation.trim();
    if organisation.is_empty() || organisation.chars().count() > 200 {
        problems.push(("organisation".into(), "Enter the organisation, in 200 characters or fewer".into()));
    }
    let name = contact.name.trim().to_string();
    if name.chars().count() > 200 {
        problems.push(("name".into(), "The name must be 200 characters or fewer".into()));
    }
    let email = EmailAddress::parse(&contact.email);
    if let Err(e) = &email {
        problems.push(("email".into(), e.to_string()));
    }
    let (Some(area_id), Ok(email)) = (area_id, email) else { return Err(ServiceError::Invalid(problems)) };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let plain =
        serde_json::to_vec(&Contact { name, email: email.as_str().into() }).map_err(anyhow::Error::from)?;
    let sealed = cx.keys.keyring.seal(&plain)?;
    let txn = db::begin_write(&cx.db).await?;
    let id = store::add_recipient(&txn, area_id, organisation, sealed, &cx.keys.keyring.key_id()).await?;
    audit::append(
        &txn,
        &AuditEvent::new(acting.actor.clone(), AuditAction::RecipientAdded, "distribution", id.to_string())
            .request(acting.request_id)
            .area(area_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Takes someone off a distribution list of `area_ids`.
pub async fn remove_recipient(
    cx: &Context,
    acting: &Acting<'_>,
    area_ids: &[i64],
    id: i64,
) -> ServiceResult<()> {
    let r = store::recipient(&cx.db, id)
        .await?
        .filter(|r| area_ids.contains(&r.area_id) && r.active)
        .ok_or(ServiceError::NotFound)?;
    let txn = db::begin_write(&cx.db).await?;
    store::deactivate_recipient(&txn, r.id).await?;
    audit::append(
        &txn,
        &AuditEvent::new(acting.actor.clone(), AuditAction::RecipientRemoved, "distribution", id.to_string())
            .request(acting.request_id)
            .area(r.area_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---- Briefings ----

/// What a new briefing covers.
#[derive(Debug, Clone, Deserialize)]
pub struct Scope {
    pub area_id: Option<i64>,
    pub title: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub theme: Option<String>,
    /// The author confirmed a briefing drawn from fewer reviews than `review.briefing_min_reviews`.
    pub few_confirmed: bool,
    /// Words of the title the author confirmed identify no one.
    pub confirmed: Vec<String>,
}

/// Compiles a draft from the learning points of the analyses signed off in the scope, each
/// redacted against its own case's identifiers; returns its id.
pub async fn compile(
    cx: &Context,
    acting: &Acting<'_>,
    area_ids: &[i64],
    scope: &Scope,
) -> ServiceResult<i64> {
    let mut problems = Vec::new();
    let area_id = scope.area_id.or_else(|| (area_ids.len() == 1).then(|| area_ids[0]));
    if !area_id.is_some_and(|a| area_ids.contains(&a)) {
        problems.push(("area".to_string(), "Choose the area".to_string()));
    }
    let title = scope.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        problems.push(("title".into(), "Enter a title of 200 characters or fewer".into()));
    }
    if scope.period_to < scope.period_from {
        problems.push(("period_to".into(), "The end of the period must be on or after its start".into()));
    }
    let theme = scope.theme.as_deref().filter(|t| !t.is_empty());
    if let Some(t) = theme
        && !super::actions::themes(cx).iter().any(|(c, _)| c == t)
    {
        problems.push(("theme".into(), "Choose a theme from the list".into()));
    }
    let Some(area_id) = area_id else { return Err(ServiceError::Invalid(problems)) };
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let mut points = Vec::new();
    let mut sources = Vec::new();
    for a in store::signed_analyses(&cx.db, area_id, scope.period_from, scope.period_to, theme).await? {
        let coded = crate::store::analyses::coded_answers(&cx.db, a.id).await?;
        let loaded = super::analysis::open_revision(cx, &a, &coded)?;
        let Some(Answer::Text(learning)) = loaded.answers.get("learning") else { continue };
        let Some(case) = cases::find(&cx.db, a.case_id).await? else { continue };
        let ids = super::packs::case_identifiers(cx, &case).await?;
        let text = redact::redact(learning.trim(), &ids).text;
        if !text.trim().is_empty() {
            points.push(text);
            sources.push(case.id);
        }
    }
    if points.is_empty() {
        return Err(invalid(
            "period_from",
            "No analysis signed off in that period (and theme) has learning points: choose another period",
        ));
    }
    let minimum = cx.config.review.briefing_min_reviews as usize;
    let few = points.len() < minimum;
    if few && !scope.few_confirmed {
        return Err(invalid(
            "confirm_few",
            format!(
                "Only {} review{} in this period (and theme) had learning points, fewer than the {minimum} the panel set as the minimum: learning from so few deaths can point to a family. Choose a longer period, or tick to confirm that this briefing identifies no one",
                points.len(),
                if points.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    let ids = source_identifiers(cx, &sources).await?;
    let title = crate::anonymity::check("title", title, &ids, &scope.confirmed)?;
    let content = Content {
        // A count below the minimum is not printed: the number of deaths behind the learning is
        // itself a small number the public reads.
        introduction: format!(
            "This briefing shares what the Child Death Overview Panel learned from {} it completed in this period. It contains no personal details.",
            if few {
                "a small number of reviews".to_string()
            } else {
                format!("the {} reviews", points.len())
            }
        ),
        points,
        sources,
    };
    let reviews = content.sources.len();
    // The points were redacted automatically; checked again, as every save is.
    let mut texts = vec![crate::anonymity::check("introduction", &content.introduction, &ids, &[])?];
    for (n, p) in content.points.iter().enumerate() {
        texts.push(crate::anonymity::check(&format!("point-{}", n + 1), p, &ids, &[])?);
    }
    let plain = serde_json::to_vec(&content).map_err(anyhow::Error::from)?;
    let sealed = SealedChecked::of_record(&texts, &plain, |b| cx.keys.keyring.seal(b))?;
    let txn = db::begin_write(&cx.db).await?;
    let id = store::insert(
        &txn,
        NewBriefing {
            area_id,
            title,
            period_from: scope.period_from,
            period_to: scope.period_to,
            theme: theme.map(String::from),
            sealed,
            sealed_key: cx.keys.keyring.key_id(),
            created_by: acting.actor.user_id(),
        },
    )
    .await?;
    let details = if few {
        format!("compiled;reviews={reviews};below_minimum={minimum};confirmed=yes")
    } else {
        "compiled".to_string()
    };
    audit::append(&txn, &audit_event(acting, AuditAction::BriefingSaved, id).details(details)).await?;
    txn.commit().await?;
    Ok(id)
}

async fn source_identifiers(cx: &Context, sources: &[i64]) -> ServiceResult<Vec<Identifier>> {
    let mut ids = Vec::new();
    for id in sources {
        if let Some(case) = cases::find(&cx.db, *id).await? {
            ids.extend(super::packs::case_identifiers(cx, &case).await?);
        }
    }
    Ok(ids)
}

/// A briefing of `area_ids`, with its content (not found otherwise).
pub async fn find(cx: &Context, area_ids: &[i64], id: i64) -> ServiceResult<Briefing> {
    store::find(&cx.db, id).await?.filter(|b| area_ids.contains(&b.area_id)).ok_or(ServiceError::NotFound)
}

/// A briefing opened, with whom it was sent to.
pub async fn view(cx: &Context, b: &Briefing) -> ServiceResult<View> {
    let mut v = content(cx, b).await?;
    for s in store::sent_to(&cx.db, b.id).await? {
        let Some(r) = store::recipient(&cx.db, s.recipient_id).await? else { continue };
        let c: Contact = cx.open_json(&r.sealed)?;
        v.recipients.push(SentView {
            organisation: r.organisation,
            name: c.name,
            email: c.email,
            sent_at: s.sent_at,
            acknowledged_at: s.acknowledged_at,
        });
    }
    Ok(v)
}

/// A briefing opened, without its recipients (what a recipient sees).
async fn content(cx: &Context, b: &Briefing) -> ServiceResult<View> {
    Ok(View {
        id: b.id,
        area: area_name(cx, b.area_id).await?,
        title: b.title.clone(),
        period_from: b.period_from,
        period_to: b.period_to,
        theme: b.theme.as_deref().map(|t| super::actions::theme_label(cx, t)),
        sent: b.status == "sent",
        sent_at: b.sent_at,
        version: b.version,
        content: cx.open_json(&b.sealed)?,
        recipients: Vec::new(),
    })
}

/// The briefings of `area_ids`, newest first: (briefing, sent to, acknowledged).
pub async fn list(cx: &Context, area_ids: &[i64]) -> ServiceResult<Vec<(Briefing, usize, usize)>> {
    let mut out = Vec::new();
    for b in store::list(&cx.db, area_ids).await? {
        let sent = store::sent_to(&cx.db, b.id).await?;
        let acknowledged = sent.iter().filter(|s| s.acknowledged_at.is_some()).count();
        out.push((b, sent.len(), acknowledged));
    }
    Ok(out)
}

/// A draft's edits as the author sent them.
pub struct Draft<'a> {
    pub title: &'a str,
    pub introduction: &'a str,
    pub points: &'a [String],
    /// Suspected identifiers the author confirmed are not identifying (`field: word`).
    pub confirmed: &'a [String],
}

/// Saves a draft's edits (points left empty are dropped). No text may identify anyone.
pub async fn save(
    cx: &Context,
    acting: &Acting<'_>,
    b: &Briefing,
    version: i64,
    draft: &Draft<'_>,
) -> ServiceResult<()> {
    let Draft { title, introduction, points, confirmed } = *draft;
    if b.status != "draft" {
        return Err(ServiceError::Refused("This briefing has been sent and can no longer change".into()));
    }
    let before: Content = cx.open_json(&b.sealed)?;
    let ids = source_identifiers(cx, &before.sources).await?;
    let mut problems = Vec::new();
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        problems.push(("title".to_string(), "Enter a title of 200 characters or fewer".to_string()));
    }
    let mut fields: Vec<(String, &str)> =
        vec![("title".into(), title), ("introduction".into(), introduction.trim())];
    for (n, p) in points.iter().enumerate() {
        fields.push((format!("point-{}", n + 1), p.trim()));
    }
    for (field, text) in &fields {
        if text.chars().count() > 10_000 {
            problems.push((field.clone(), "This text must be 10,000 characters or fewer".into()));
        }
    }
    // Read by chairs and sent outside the service: every text passes the identifier check.
    let named: Vec<(&str, &str)> = fields.iter().map(|(f, t)| (f.as_str(), *t)).collect();
    let checked = match crate::anonymity::check_all(&named, &ids, confirmed) {
        Ok(c) => c,
        Err(ServiceError::Invalid(list)) => {
            problems.extend(list);
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    let kept: Vec<String> = points.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        problems.push(("point-1".into(), "Keep at least one learning point".into()));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let content = Content { introduction: introduction.trim().into(), points: kept, sources: before.sources };
    let plain = serde_json::to_vec(&content).map_err(anyhow::Error::from)?;
    let sealed = SealedChecked::of_record(&checked, &plain, |b| cx.keys.keyring.seal(b))?;
    let confirmed_count: usize = checked.iter().map(|c| c.confirmed()).sum();
    let title = checked.into_iter().next().unwrap_or_default();
    let txn = db::begin_write(&cx.db).await?;
    store::save(&txn, b.id, version, &title, sealed, &cx.keys.keyring.key_id()).await?;
    audit::append(
        &txn,
        &audit_event(acting, AuditAction::BriefingSaved, b.id)
            .details(format!("confirmed={confirmed_count}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The link a recipient acknowledges through.
pub fn link(cx: &Context, token: &str) -> String {
    format!("{}/b/{token}", cx.config.public_url())
}

/// Emails the briefing to everyone on its area's list (one private link each); returns how many.
pub async fn send(cx: &Context, acting: &Acting<'_>, b: &Briefing, version: i64) -> ServiceResult<usize> {
    if b.status != "draft" {
        return Err(ServiceError::Refused("This briefing has already been sent".into()));
    }
    let list = store::recipients(&cx.db, &[b.area_id]).await?;
    if list.is_empty() {
        return Err(ServiceError::Refused(
            "The area's distribution list is empty: add the partner agencies who should receive it first"
                .into(),
        ));
    }
    let area = area_name(cx, b.area_id).await?;
    let now = cx.clock.now();
    let txn = db::begin_write(&cx.db).await?;
    store::mark_sent(&txn, b.id, version, now).await?;
    for r in &list {
        let c: Contact = cx.open_json(&r.sealed)?;
        let token = secrets::random_token();
        store::add_sent(&txn, b.id, r.id, &secrets::digest(&token), now).await?;
        let email =
            render::briefing_email(&b.title, &area, &link(cx, &token), false).map_err(anyhow::Error::from)?;
        let (queued, to) = mail::prepare_private(&cx.keys.keyring, &email, &[c.email])?;
        mail::enqueue(&txn, &queued, None, to).await?;
    }
    audit::append(
        &txn,
        &audit_event(acting, AuditAction::BriefingSent, b.id).details(format!("recipients={}", list.len())),
    )
    .await?;
    txn.commit().await?;
    cx.mail_wakeup.notify_one();
    Ok(list.len())
}

/// A recipient's view through their link: the briefing and whether (when) they acknowledged.
pub async fn by_token(cx: &Context, token: &str) -> ServiceResult<(View, store::Sent)> {
    let sent = store::by_token_hash(&cx.db, &secrets::digest(token)).await?.ok_or(ServiceError::NotFound)?;
    let b = store::find(&cx.db, sent.briefing_id).await?.ok_or(ServiceError::NotFound)?;
    Ok((content(cx, &b).await?, sent))
}

/// Records a recipient's acknowledgement, once; `false` when it was already recorded.
pub async fn acknowledge(cx: &Context, request_id: &str, token: &str) -> ServiceResult<bool> {
    let sent = store::by_token_hash(&cx.db, &secrets::digest(token)).await?.ok_or(ServiceError::NotFound)?;
    let txn = db::begin_write(&cx.db).await?;
    let first = store::acknowledge(&txn, sent.id, cx.clock.now()).await?;
    if first {
        audit::append(
            &txn,
            &AuditEvent::new(
                Actor::Anonymous,
                AuditAction::BriefingAcknowledged,
                "briefing",
                sent.briefing_id.to_string(),
            )
            .request(request_id)
            .details(format!("recipient={}", sent.recipient_id)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(first)
}

/// Reminds recipients who have not acknowledged, every `review.briefing_remind_every_days` after
/// sending, at most `review.briefing_reminders` times; each point once (recorded under a unique
/// index in the same transaction as the outbox row). Each reminder carries a fresh link.
pub async fn send_due_reminders(cx: &Context) -> ServiceResult<usize> {
    let (every, max) = (cx.config.review.briefing_remind_every_days, cx.config.review.briefing_reminders);
    if every == 0 || max == 0 {
        return Ok(0);
    }
    let today = cx.clock.today();
    let before = cx.clock.now() - chrono::TimeDelta::days(i64::from(every)) + chrono::TimeDelta::days(1);
    let mut queued = 0;
    let mut after_id = 0;
    let mut skipped = crate::service::Skipped::new("briefing reminders");
    loop {
        let txn = db::begin_write(&cx.db).await?;
        let batch = store::claim_unacknowledged(&txn, before, after_id, 200).await?;
        let Some(last) = batch.last() else {
            txn.commit().await?;
            break;
        };
        after_id = last.id;
        for s in &batch {
            // One recipient whose details do not open is skipped and reported; the others still go.
            match db::savepoint(&txn, async |one| remind(cx, one, today, every, max, s).await).await? {
                Ok(done) => queued += usize::from(done),
                Err(e) => {
                    if skipped.note() {
                        tracing::error!(briefing = s.briefing_id, recipient = s.recipient_id, error = %e, "briefing reminder skipped: this recipient could not be reminded; the others carry on");
                    }
                }
            }
        }
        txn.commit().await?;
    }
    skipped.report();
    if queued > 0 {
        cx.mail_wakeup.notify_one();
        tracing::info!(reminders = queued, "briefing reminders queued");
    }
    Ok(queued)
}

/// Queues the reminder due today to one recipient who has not acknowledged (with a fresh link);
/// false when there is none to send.
async fn remind<C: sea_orm::ConnectionTrait>(
    cx: &Context,
    txn: &C,
    today: chrono::NaiveDate,
    every: u32,
    max: u32,
    s: &store::Sent,
) -> ServiceResult<bool> {
    let Some(point) = reminders::repeat_point(s.sent_at.date_naive(), today, every, max) else {
        return Ok(false);
    };
    if !crate::store::actions::record_point(txn, "briefing", s.id, &point.name, cx.clock.now()).await? {
        return Ok(false);
    }
    let (Some(b), Some(r)) =
        (store::find(txn, s.briefing_id).await?, store::recipient(txn, s.recipient_id).await?)
    else {
        return Ok(false);
    };
    let c: Contact = cx.open_json(&r.sealed)?;
    let token = secrets::random_token();
    store::replace_token(txn, s.id, &secrets::digest(&token)).await?;
    let area = area_name(cx, b.area_id).await?;
    let email =
        render::briefing_email(&b.title, &area, &link(cx, &token), true).map_err(anyhow::Error::from)?;
    let (email, to) = mail::prepare_private(&cx.keys.keyring, &email, &[c.email])?;
    mail::enqueue(txn, &email, None, to).await?;
    audit::append(
        txn,
        &AuditEvent::new(Actor::System, AuditAction::BriefingReminderSent, "briefing", b.id.to_string())
            .details(format!("recipient={};point={}", r.id, point.name)),
    )
    .await?;
    Ok(true)
}
