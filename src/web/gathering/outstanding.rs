//! The Outstanding information page: overdue requests across the coordinator's areas, by agency
//! and by case, with each agency's median return time over the last 12 months.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::TimeDelta;

use crate::app::AppState;
use crate::domain::codes::AgencyType;
use crate::error::WebResult;
use crate::gathering::date_words;
use crate::store::{areas, form_requests};
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::page::Page;

/// Rows shown; the by-agency figures count every overdue request.
const SHOWN: u64 = 200;

pub struct OverdueRow {
    pub reference: String,
    pub id: i64,
    pub area: String,
    pub agency: String,
    pub agency_type: &'static str,
    pub form: String,
    pub due: String,
    pub days_overdue: i64,
    pub reminders: i32,
}

pub struct AgencyRow {
    pub agency: String,
    pub overdue: i64,
    /// Median days from request to return over the last 12 months ("—" when none returned).
    pub median_days: String,
    pub returned: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "gathering/outstanding.html")]
pub struct OutstandingTemplate {
    page: Page,
    rows: Vec<OverdueRow>,
    total: u64,
    shown: u64,
    agencies: Vec<AgencyRow>,
}

/// The median of whole days, or `None` for no values.
pub fn median(mut days: Vec<i64>) -> Option<f64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    Some(if n % 2 == 1 { days[n / 2] as f64 } else { (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0 })
}

/// `GET /outstanding`.
pub async fn page(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
) -> WebResult<OutstandingTemplate> {
    let today = state.clock.today();
    let since = state.clock.now() - TimeDelta::days(365);
    let (overdue, by_agency, returned, all_areas) = tokio::join!(
        form_requests::overdue(&state.db, &me.area_ids, today, SHOWN),
        form_requests::overdue_by_agency(&state.db, &me.area_ids, today),
        form_requests::returned_since(&state.db, &me.area_ids, since),
        areas::list(&state.db),
    );
    let ((overdue, total), by_agency, returned, all_areas) = (overdue?, by_agency?, returned?, all_areas?);
    let mut days: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (agency, requested, submitted) in returned {
        days.entry(agency).or_default().push((submitted - requested).num_days());
    }
    let mut agencies: Vec<AgencyRow> = by_agency
        .into_iter()
        .map(|(agency, n)| {
            let d = days.remove(&agency).unwrap_or_default();
            AgencyRow {
                returned: d.len(),
                median_days: median(d).map(|m| format!("{m}")).unwrap_or_else(|| "—".into()),
                agency,
                overdue: n,
            }
        })
        .collect();
    agencies.extend(days.into_iter().map(|(agency, d)| AgencyRow {
        returned: d.len(),
        median_days: median(d).map(|m| format!("{m}")).unwrap_or_else(|| "—".into()),
        agency,
        overdue: 0,
    }));
    let rows = overdue
        .into_iter()
        .map(|o| OverdueRow {
            area: all_areas.iter().find(|a| a.id == o.area_id).map(|a| a.name.clone()).unwrap_or_default(),
            form: state.forms.title(&o.form_code).unwrap_or(&o.form_code).to_string(),
            agency_type: AgencyType::parse(&o.agency_type).map(|a| a.label()).unwrap_or(""),
            due: date_words(o.due_date),
            days_overdue: (today - o.due_date).num_days(),
            reference: o.reference,
            id: o.id,
            agency: o.agency,
            reminders: o.reminders_sent,
        })
        .collect::<Vec<_>>();
    Ok(OutstandingTemplate {
        page: Page::for_user(&ctx, "Outstanding information", "/outstanding"),
        shown: rows.len() as u64,
        rows,
        total,
        agencies,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn medians() {
        assert_eq!(super::median(vec![]), None);
        assert_eq!(super::median(vec![9, 1, 5]), Some(5.0));
        assert_eq!(super::median(vec![4, 1, 2, 10]), Some(3.0));
    }
}
