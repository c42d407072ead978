//! The Outstanding information page: overdue requests across the coordinator's areas, by agency
//! and by case, with each agency's median return time over the last 12 months.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::TimeDelta;

use crate::domain::codes::AgencyType;
use crate::gathering::date_words;
use crate::store::{areas, form_requests};
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::WebResult;
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

/// The median of a histogram of whole days ((days, how many)), or `None` when it is empty.
pub fn median(mut hist: Vec<(i64, i64)>) -> Option<f64> {
    hist.retain(|(_, n)| *n > 0);
    hist.sort_unstable();
    let total: i64 = hist.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The value at 0-based position `k` of the sorted values.
    let at = |k: i64| {
        let mut seen = 0;
        hist.iter()
            .find(|(_, n)| {
                seen += n;
                seen > k
            })
            .map(|(d, _)| *d)
            .unwrap_or(0)
    };
    Some(if total % 2 == 1 { at(total / 2) as f64 } else { (at(total / 2 - 1) + at(total / 2)) as f64 / 2.0 })
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
        form_requests::return_days_since(&state.db, &me.area_ids, since),
        areas::list(&state.db),
    );
    let ((overdue, total), by_agency, returned, all_areas) = (overdue?, by_agency?, returned?, all_areas?);
    let mut days: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (agency, d, n) in returned {
        days.entry(agency).or_default().push((i64::from(d), n));
    }
    let row = |agency: String, overdue: i64, hist: Vec<(i64, i64)>| AgencyRow {
        returned: hist.iter().map(|(_, n)| *n).sum::<i64>() as usize,
        median_days: median(hist).map(|m| format!("{m}")).unwrap_or_else(|| "—".into()),
        agency,
        overdue,
    };
    let mut agencies: Vec<AgencyRow> = by_agency
        .into_iter()
        .map(|(agency, n)| {
            let hist = days.remove(&agency).unwrap_or_default();
            row(agency, n, hist)
        })
        .collect();
    agencies.extend(days.into_iter().map(|(agency, hist)| row(agency, 0, hist)));
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
        assert_eq!(super::median(vec![(9, 1), (1, 1), (5, 1)]), Some(5.0));
        assert_eq!(super::median(vec![(4, 1), (1, 1), (2, 1), (10, 1)]), Some(3.0));
        // 1, 1, 1, 7, 30: the middle one.
        assert_eq!(super::median(vec![(30, 1), (1, 3), (7, 1)]), Some(1.0));
        assert_eq!(super::median(vec![(2, 2), (6, 2)]), Some(4.0));
    }
}
