//! `cdop check dates`: every case whose recorded statutory dates are out of order (see
//! [`crate::domain::statutory_dates`]), by case reference, from coded fields only.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::codes::{AgendaOutcome, MeetingKind, Source};
use crate::domain::statutory_dates::{Recorded, out_of_order};
use crate::domain::uk_time;
use crate::service::ServiceResult;
use crate::store::Db;
use crate::store::statutory_dates as store;

/// A label inside a sentence: "Child death review meeting (CDRM)" → "child death review meeting
/// (CDRM)"; an acronym ("CDOP panel meeting") stays as it is.
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// (case reference, what is out of order) for each case with a problem, by case id.
pub async fn check(db: &Db, today: NaiveDate) -> ServiceResult<Vec<(String, Vec<String>)>> {
    let mut meetings: HashMap<i64, Vec<(String, NaiveDate, bool)>> = HashMap::new();
    for a in store::agenda(db).await? {
        let kind = MeetingKind::parse(&a.kind).map(|k| in_sentence(k.label())).unwrap_or(a.kind);
        let on = uk_time::to_uk(a.starts_at).date();
        meetings.entry(a.case_id).or_default().push((kind, on, a.outcome == AgendaOutcome::Reviewed.code()));
    }
    let mut out = Vec::new();
    for c in store::cases(db).await? {
        let recorded = Recorded {
            notified_on: uk_time::to_uk(c.notified_at).date(),
            imported: c.source == Source::Import.code(),
            review_completed_on: c.review_completed_on,
            closed_on: c.closed_on,
            days_to_notification: c.days_to_notification,
            days_to_cdrm: c.days_to_cdrm,
            days_to_panel: c.days_to_panel,
            days_to_review: c.days_to_review,
            meetings: meetings.remove(&c.id).unwrap_or_default(),
        };
        let found = out_of_order(&recorded, today);
        if !found.is_empty() {
            out.push((c.reference, found));
        }
    }
    Ok(out)
}
