//! Admin: reading and exporting the audit trail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::TimeDelta;
use serde::Deserialize;

use crate::domain::audit::AuditAction;
use crate::input::DateParts;
use crate::reports::csv;
use crate::store::audit::{self, AuditFilter};
use crate::store::entities::audit_event::Model as AuditEventRow;
use crate::store::{areas, users};
use crate::web::AppState;
use crate::web::auth::AuthContext;
use crate::web::error::WebResult;
use crate::web::form_body::FormErrors;
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
    #[serde(default, rename = "from.day")]
    from_day: String,
    #[serde(default, rename = "from.month")]
    from_month: String,
    #[serde(default, rename = "from.year")]
    from_year: String,
    #[serde(default, rename = "to.day")]
    to_day: String,
    #[serde(default, rename = "to.month")]
    to_month: String,
    #[serde(default, rename = "to.year")]
    to_year: String,
    #[serde(default)]
    page: String,
}

impl AuditQuery {
    /// The filter, or field errors for dates that do not parse.
    fn filter(&self, errors: &mut FormErrors) -> AuditFilter {
        let mut date = |d: &str, m: &str, y: &str, what: &str, field: &str| {
            let parts = DateParts { day: d.to_string(), month: m.to_string(), year: y.to_string() };
            match parts.parse(what) {
                Ok(date) => date.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
                Err(message) => {
                    errors.add(field, message);
                    None
                }
            }
        };
        let from = date(&self.from_day, &self.from_month, &self.from_year, "from date", "from-day");
        // "To" includes the whole day.
        let to = date(&self.to_day, &self.to_month, &self.to_year, "to date", "to-day")
            .map(|d| d + TimeDelta::days(1));
        AuditFilter {
            actor_user_id: self.actor.trim().parse().ok(),
            action: Some(self.action.trim().to_string()).filter(|a| !a.is_empty()),
            object_ref: Some(self.object.trim().to_string()).filter(|o| !o.is_empty()),
            from,
            to,
        }
    }

    fn query_string(&self, page: Option<u64>) -> String {
        let enc = crate::domain::text::percent_encode_path;
        let mut q = format!(
            "actor={}&action={}&object={}&from.day={}&from.month={}&from.year={}&to.day={}&to.month={}&to.year={}",
            enc(&self.actor),
            enc(&self.action),
            enc(&self.object),
            enc(&self.from_day),
            enc(&self.from_month),
            enc(&self.from_year),
            enc(&self.to_day),
            enc(&self.to_month),
            enc(&self.to_year)
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
    /// What happened, in words ("Areas changed for Jo Bloggs: Cumberland → …").
    pub what: String,
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
    let all_areas = areas::list(&state.db).await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| people.iter().find(|p| p.user.id == id)).map(|p| p.user.name.clone())
    };
    let events = rows
        .into_iter()
        .map(|e| EventRow {
            seq: e.seq,
            at: crate::domain::uk_time::precise(e.occurred_at),
            actor: match name_of(e.actor_user_id) {
                Some(name) => name,
                None => match e.actor.as_str() {
                    "anonymous" => "Someone not signed in".to_string(),
                    "system" => "The service".to_string(),
                    "cli" => "Operator (command line)".to_string(),
                    other => other.to_string(),
                },
            },
            what: describe(&e, &people, &all_areas),
            action: e.action.clone(),
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
            label: a.label().into(),
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

/// An event in words. Names come from the users and areas tables (staff and partnerships, never
/// a child or family); the stored event holds only ids and codes.
pub fn describe(e: &AuditEventRow, people: &[users::UserSummary], all_areas: &[areas::Area]) -> String {
    let Some(action) = AuditAction::parse(&e.action) else { return e.action.clone() };
    let detail = |key: &str| crate::domain::audit::detail(&e.details, key);
    let user_name = |id: &str| {
        id.parse::<i64>()
            .ok()
            .and_then(|id| people.iter().find(|p| p.user.id == id))
            .map(|p| p.user.name.clone())
            .unwrap_or_else(|| format!("user {id}"))
    };
    let area_names = |ids: &str| {
        let names: Vec<String> = ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|id| {
                id.parse::<i64>()
                    .ok()
                    .and_then(|id| all_areas.iter().find(|a| a.id == id))
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| format!("area {id}"))
            })
            .collect();
        if names.is_empty() { "none".to_string() } else { names.join(", ") }
    };
    let role_names = |codes: &str| {
        let names: Vec<&str> = codes
            .split(',')
            .filter_map(|c| c.parse::<crate::domain::role::Role>().ok())
            .map(|r| r.label())
            .collect();
        if names.is_empty() { "none".to_string() } else { names.join(", ") }
    };
    let label = action.label();
    match (action, e.object_type.as_str()) {
        (AuditAction::UserAreasChanged, _) => format!(
            "Areas changed for {}: {} → {}",
            user_name(&e.object_ref),
            area_names(detail("from")),
            area_names(detail("to"))
        ),
        (AuditAction::UserRolesChanged, _) => format!(
            "Roles changed for {}: {} → {}",
            user_name(&e.object_ref),
            role_names(detail("from")),
            role_names(detail("to"))
        ),
        (AuditAction::CaseAmended, _) => {
            format!("{}: {}", e.object_ref, crate::intake::amend::describe_event(&e.details))
        }
        (_, "user") => format!("{label}: {}", user_name(&e.object_ref)),
        (_, "area") => format!("{label}: {}", area_names(&e.object_ref)),
        (_, "case") if e.object_ref.starts_with("CDOP-") => format!("{label}: {}", e.object_ref),
        _ => label.to_string(),
    }
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
        &ctx.acting().event(AuditAction::AuditExported, "audit", "export").details(format!("events={n}")),
    )
    .await?;
    let filename = format!("audit-{}.csv", crate::store::now().format("%Y%m%d-%H%M%S"));
    Ok(crate::web::documents::attachment("text/csv; charset=utf-8", &filename, body))
}
