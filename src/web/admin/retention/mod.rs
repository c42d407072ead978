//! Admin → Retention: the policies, where cases stand, and the way into legal holds, the
//! destruction queue and the certificates. Admins see case references and coded dates only.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;

use crate::domain::retention::{EntryStatus, Policy};
use crate::store::{areas, destruction, holds, retention as stored};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser, redirect_with_flash};
use crate::web::error::{WebError, WebResult};
use crate::web::page::Page;

pub mod certificates;
pub mod hold_pages;
pub mod policies;
pub mod queue;

pub(crate) use crate::domain::dates::long_date;

/// A policy as a row of the table.
pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub trigger: &'static str,
    pub period: String,
    pub action: &'static str,
    pub areas: String,
    pub active: bool,
}

pub(crate) fn policy_row(p: &Policy, all_areas: &[areas::Area]) -> PolicyRow {
    PolicyRow {
        id: p.id,
        name: p.name.clone(),
        trigger: p.trigger.short(),
        period: p.period_words(),
        action: p.action.label(),
        areas: if p.all_areas {
            "Every area".into()
        } else {
            all_areas
                .iter()
                .filter(|a| p.areas.contains(&a.id))
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
        active: p.active,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/retention/overview.html")]
pub struct OverviewTemplate {
    page: Page,
    policies: Vec<PolicyRow>,
    known: i64,
    waiting: i64,
    due: i64,
    held: i64,
    stale: i64,
    last_sweep: String,
    in_queue: i64,
    awaiting: i64,
    standing_holds: usize,
    destroyed: i64,
}

/// `GET /admin/retention`
pub async fn overview(State(state): State<AppState>, ctx: AuthContext) -> WebResult<OverviewTemplate> {
    let today = state.clock.today();
    let all_areas = areas::list(&state.db).await?;
    let (known, waiting, due) = stored::due_counts(&state.db, today).await?;
    let counts = destruction::counts(&state.db).await?;
    Ok(OverviewTemplate {
        page: Page::for_user(&ctx, "Retention", "/admin/retention"),
        policies: stored::policies(&state.db)
            .await?
            .iter()
            .map(|p| policy_row(&p.policy, &all_areas))
            .collect(),
        known,
        waiting,
        due,
        held: destruction::held_due(&state.db, today).await?,
        stale: stored::count_stale(&state.db).await?,
        last_sweep: match stored::last_run(&state.db).await? {
            Some((day, listed)) => {
                format!("{}: {} listed", long_date(day), crate::words::count(listed as i64, "case", "cases"))
            }
            None => "Not run yet".into(),
        },
        in_queue: counts.get(EntryStatus::Due),
        awaiting: counts.get(EntryStatus::Queued) + counts.get(EntryStatus::Approved),
        standing_holds: holds::list(&state.db).await?.iter().filter(|h| h.released_at.is_none()).count(),
        destroyed: counts.get(EntryStatus::Destroyed),
    })
}

/// `POST /admin/retention/sweep`: runs today's sweep now (the daily job does the same).
pub async fn sweep(
    State(state): State<AppState>,
    _ctx: AuthContext,
    CurrentUser(_me): CurrentUser,
) -> WebResult<Response> {
    let today = state.clock.today();
    let r = crate::retention::queue::sweep(&state, today, false).await.map_err(WebError::internal)?;
    let message = match (r.listed.len(), r.held) {
        (0, 0) => "The sweep found no case due".to_string(),
        (0, h) => format!("The sweep found no case to list: {h} due but under a legal hold"),
        (n, h) => format!(
            "{} listed in the destruction queue ({h} due but under a legal hold)",
            crate::words::count(n as i64, "case", "cases")
        ),
    };
    Ok(redirect_with_flash(&state, "/admin/retention/queue", &message))
}
