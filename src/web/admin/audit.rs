//! Admin: reading and exporting the audit trail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeDelta};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::audit::AuditAction;
use crate::error::WebResult;
use crate::store::audit::{self, AuditFilter};
use crate::store::users;
use crate::web::auth::AuthContext;
use crate::web::csv;
use crate::web::forms::FormErrors;
use crate::web::page::Page;
use crate::web::params::Q;

const PER_PAGE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

impl AuditQuery {
    /// The filter, or field errors for dates that do not parse.
    fn filter(&self, errors: &mut FormErrors) -> AuditFilter {
        let date = |s: &str, field: &str, errors: &mut FormErrors| {
            if s.trim().is_empty() {
                return None;
            }
            match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                Ok(d) => d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
                Err(_) => {
                    errors.add(field, "Enter a date like 2026-04-01");
                    None
                }
            }
        };
        AuditFilter {
            actor_user_id: self.actor.trim().parse().ok(),
            action: Some(self.action.trim().to_string()).filter(|a| !a.is_empty()),
            object_ref: Some(self.object.trim().to_string()).filter(|o| !o.is_empty()),
            from: date(&self.from, "from", errors),
            // "To" includes the whole day.
            to: date(&self.to, "to", errors).map(|d| d + TimeDelta::days(1)),
        }
    }

    fn query_string(&self, page: Option<u64>) -> String {
        let enc = crate::web::middleware::form_urlencode;
        let mut q = format!(
            "actor={}&action={}&object={}&from={}&to={}",
            enc(&self.actor),
            enc(&self.action),
            enc(&self.object),
            enc(&self.from),
            enc(&self.to)
        );
        if let Some(p) = page {
            q.push_str(&format!("&page={p}"));
        }
        q
    }
}

pub struct EventRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub details: String,
    pub request_id: String,
}

pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditTemplate {
    page: Page,
    errors: FormErrors,
    q: AuditQuery,
    actors: Vec<SelectOption>,
    actions: Vec<SelectOption>,
    events: Vec<EventRow>,
    total: u64,
    page_number: u64,
    pages: u64,
    prev_link: Option<String>,
    next_link: Option<String>,
    export_link: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: AuthContext,
    Q(q): Q<AuditQuery>,
) -> WebResult<AuditTemplate> {
    let mut errors = FormErrors::default();
    let filter = q.filter(&mut errors);
    let page_number = crate::web::params::page("page", &q.page)?;
    let (rows, total) = audit::search(&state.db, &filter, page_number - 1, PER_PAGE).await?;
    let people = users::list(&state.db).await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| people.iter().find(|p| p.user.id == id)).map(|p| p.user.name.clone())
    };
    let events = rows
        .into_iter()
        .map(|e| EventRow {
            seq: e.seq,
            at: e.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: match name_of(e.actor_user_id) {
                Some(name) => format!("{name} ({})", e.actor),
                None => e.actor.clone(),
            },
            action: e.action,
            object: format!("{} {}", e.object_type, e.object_ref),
            details: e.details,
            request_id: e.request_id,
        })
        .collect();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let actors = people
        .iter()
        .map(|p| SelectOption {
            value: p.user.id.to_string(),
            label: p.user.name.clone(),
            selected: q.actor == p.user.id.to_string(),
        })
        .collect();
    let actions = AuditAction::ALL
        .iter()
        .map(|a| SelectOption {
            value: a.as_str().into(),
            label: a.as_str().into(),
            selected: q.action == a.as_str(),
        })
        .collect();
    Ok(AuditTemplate {
        page: Page::for_user(&ctx, "Audit trail", "/admin/audit").with_errors(!errors.is_empty()),
        errors,
        actors,
        actions,
        events,
        total,
        page_number,
        pages,
        prev_link: (page_number > 1)
            .then(|| format!("/admin/audit?{}", q.query_string(Some(page_number - 1)))),
        next_link: (page_number < pages)
            .then(|| format!("/admin/audit?{}", q.query_string(Some(page_number + 1)))),
        export_link: format!("/admin/audit.csv?{}", q.query_string(None)),
        q,
    })
}

/// `GET /admin/audit.csv`: every matching event, oldest first. The export is itself audited.
pub async fn export(
    State(state): State<AppState>,
    ctx: AuthContext,
    Q(q): Q<AuditQuery>,
) -> WebResult<Response> {
    let mut errors = FormErrors::default();
    let filter = q.filter(&mut errors);
    let mut body = csv::row(&[
        "seq",
        "occurred_at",
        "actor",
        "actor_user_id",
        "action",
        "object_type",
        "object_ref",
        "area_id",
        "request_id",
        "details",
        "hash",
    ]);
    let n = audit::for_each_matching(&state.db, &filter, |e| {
        body.push_str(&csv::row(&[
            &e.seq.to_string(),
            &e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            &e.actor,
            &e.actor_user_id.map(|v| v.to_string()).unwrap_or_default(),
            &e.action,
            &e.object_type,
            &e.object_ref,
            &e.area_id.map(|v| v.to_string()).unwrap_or_default(),
            &e.request_id,
            &e.details,
            &e.hash,
        ]));
        Ok(())
    })
    .await?;
    audit::append_now(
        &state.db,
        &ctx.event(AuditAction::AuditExported, "audit", "export").details(format!("events={n}")),
    )
    .await?;
    let filename = format!("audit-{}.csv", crate::store::now().format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        body,
    )
        .into_response())
}
