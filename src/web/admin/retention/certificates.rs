//! Destruction certificates: the list, one certificate as a page, and as a PDF. A certificate
//! names the case by reference only, with the policy, the dates, who queued and who approved,
//! and the classes of data destroyed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Response;

use super::long_date;
use crate::domain::audit::AuditAction;
use crate::domain::retention::EntryStatus;
use crate::store::destruction::{self, Destroyed, Entry};
use crate::store::{areas, audit, retention as stored};
use crate::web::AppState;
use crate::web::auth::AuthContext;
use crate::web::error::{WebError, WebResult};
use crate::web::page::Page;

/// What the statistical record keeps, in words (on every certificate).
pub const KEPT: &str = "The coded record: case reference, area, age band and age in days, sex, ethnicity code, \
    deprivation decile, place of death category, expected or unexpected, Joint Agency Response criteria, \
    reporting year, process dates and review durations, category of death, modifiable outcome, factor \
    grades and themes, agency return dates, and the audit trail (which never held identifying data).";

/// One certificate, ready for the page and the PDF.
pub struct Certificate {
    pub id: i64,
    pub number: String,
    pub reference: String,
    pub details: Vec<(String, String)>,
    pub classes: Vec<(String, u64)>,
    /// Records kept for now (not zero only).
    pub kept_for_now: Vec<(String, u64)>,
}

fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(crate::domain::uk_time::words).unwrap_or_default()
}

async fn certificate(state: &AppState, e: &Entry) -> WebResult<Certificate> {
    let area = areas::find(&state.db, e.area_id).await?.map(|a| a.name).unwrap_or_default();
    // The rule as it stood at destruction (a later change to the policy does not rewrite it).
    let policy = match (&e.policy_words, e.policy_id) {
        (Some(words), _) => Some(words.clone()),
        (None, Some(id)) => stored::policies(&state.db)
            .await?
            .into_iter()
            .find(|p| p.policy.id == id)
            .map(|p| p.policy.rule_words()),
        (None, None) => None,
    };
    let destroyed: Destroyed =
        e.classes.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
    let details = vec![
        ("Certificate".to_string(), e.certificate()),
        ("Case".to_string(), e.reference.clone()),
        ("Area".to_string(), area),
        ("Retention policy".to_string(), policy.unwrap_or_else(|| "A date set by an approver".into())),
        ("Due for review on".to_string(), long_date(e.due_on)),
        ("Listed by the sweep".to_string(), when(Some(e.listed_at))),
        (
            "Queued by".to_string(),
            format!(
                "{}, {} (reason: {})",
                e.queued_by_name.clone().unwrap_or_default(),
                when(e.queued_at),
                e.batch_reason.clone().unwrap_or_default()
            ),
        ),
        (
            "Approved by".to_string(),
            format!(
                "{}, {} (reason: {})",
                e.approved_by_name.clone().unwrap_or_default(),
                when(e.approved_at),
                e.approve_reason.clone().unwrap_or_default()
            ),
        ),
        ("Destroyed".to_string(), when(e.destroyed_at)),
    ];
    Ok(Certificate {
        id: e.id,
        number: e.certificate(),
        reference: e.reference.clone(),
        details,
        classes: destroyed.lines().into_iter().map(|(c, n)| (c.to_string(), n)).collect(),
        kept_for_now: destroyed
            .kept()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| (c.to_string(), n))
            .collect(),
    })
}

async fn destroyed_entry(state: &AppState, id: i64) -> WebResult<Entry> {
    destruction::find(&state.db, id)
        .await?
        .filter(|e| e.status() == Some(EntryStatus::Destroyed))
        .ok_or(WebError::NotFound)
}

/// A row of the list.
pub struct CertificateRow {
    pub id: i64,
    pub number: String,
    pub reference: String,
    pub destroyed: String,
    pub policy: String,
    pub approved_by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/certificates.html")]
pub struct CertificatesTemplate {
    page: Page,
    rows: Vec<CertificateRow>,
    being_destroyed: usize,
}

/// `GET /admin/retention/certificates`
pub async fn list(State(state): State<AppState>, ctx: AuthContext) -> WebResult<CertificatesTemplate> {
    let entries = destruction::list(&state.db, &[EntryStatus::Destroyed], 1000).await?;
    Ok(CertificatesTemplate {
        page: Page::for_user(&ctx, "Destruction certificates", "/admin/retention"),
        rows: entries
            .iter()
            .map(|e| CertificateRow {
                id: e.id,
                number: e.certificate(),
                reference: e.reference.clone(),
                destroyed: e.destroyed_at.map(|t| long_date(t.date_naive())).unwrap_or_default(),
                policy: e.policy_name.clone().unwrap_or_else(|| "A date set by an approver".into()),
                approved_by: e.approved_by_name.clone().unwrap_or_default(),
            })
            .collect(),
        being_destroyed: destruction::approved_ids(&state.db, 10_000).await?.len(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/certificate.html")]
pub struct CertificateTemplate {
    page: Page,
    c: Certificate,
    kept: &'static str,
}

/// `GET /admin/retention/certificates/{id}`
pub async fn show(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
) -> WebResult<CertificateTemplate> {
    let e = destroyed_entry(&state, id).await?;
    let c = certificate(&state, &e).await?;
    Ok(CertificateTemplate {
        page: Page::for_user(&ctx, format!("Destruction certificate {}", c.number), "/admin/retention"),
        c,
        kept: KEPT,
    })
}

/// `GET /admin/retention/certificates/{id}/pdf` (audited).
pub async fn pdf(
    State(state): State<AppState>,
    ctx: AuthContext,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let e = destroyed_entry(&state, id).await?;
    let c = certificate(&state, &e).await?;
    audit::append(
        &state.db,
        &ctx.acting()
            .event(AuditAction::CertificateDownloaded, "certificate", c.number.clone())
            .details(format!("case={}", c.reference)),
    )
    .await?;
    let data = serde_json::json!({
        "title": format!("Certificate of destruction {}", c.number),
        "marking": "OFFICIAL-SENSITIVE",
        "details": c.details.iter().map(|(k, v)| [k.clone(), v.clone()]).collect::<Vec<_>>(),
        "classes": c.classes.iter().map(|(k, n)| [k.clone(), n.to_string()]).collect::<Vec<_>>(),
        "kept": KEPT,
        "kept_for_now": c.kept_for_now.iter().map(|(k, n)| [k.clone(), n.to_string()]).collect::<Vec<_>>(),
    });
    crate::web::documents::pdf_download(
        crate::documents::pdf::Template::Certificate,
        data,
        &format!("{}-{}.pdf", c.number, c.reference),
    )
    .await
}
