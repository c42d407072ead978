//! The panel's activity over a year, apart from the cohorts of deaths and reviews: the agency
//! forms requested and returned, the actions register and the meetings held.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Statement, Value};

use super::{Count, area_filter, grouped};
use crate::store::StoreResult;

/// The agency form requests made between the two dates (inclusive), read in one pass over the
/// requests index and split three ways.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requests {
    /// By agency type and status: keys `[agency_type, status]`.
    pub by_status: Vec<Count>,
    /// Days to return the submitted ones, by agency type: keys `[agency_type, days]`.
    pub return_days: Vec<Count>,
    /// Answered, not known and missing items over the submitted ones, by form: keys
    /// `[form_code, "answered" | "not_known" | "missing"]`.
    pub completeness: Vec<Count>,
}

pub async fn requests<C: ConnectionTrait>(
    conn: &C,
    start: NaiveDate,
    end: NaiveDate,
    areas: &[i64],
) -> StoreResult<Requests> {
    let (sql, values) = requests_sql(
        "r.agency_type AS k0, r.status AS k1, r.form_code AS k2, r.return_days AS days, \
         SUM(r.answered) AS answered, SUM(r.not_known) AS not_known, SUM(r.missing) AS missing",
        start,
        end,
        areas,
    );
    let sql = format!("{sql} GROUP BY 1, 2, 3, 4");
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    let mut by_status: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut return_days: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut completeness: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for r in rows {
        let agency: String = r.try_get("", "k0")?;
        let status: String = r.try_get("", "k1")?;
        let form: String = r.try_get("", "k2")?;
        let days: Option<i32> = r.try_get("", "days")?;
        let n: i64 = r.try_get("", "n")?;
        let n = n.max(0) as u64;
        *by_status.entry(vec![agency.clone(), status.clone()]).or_default() += n;
        if let Some(d) = days {
            *return_days.entry(vec![agency, d.to_string()]).or_default() += n;
        }
        if status == "submitted" {
            for column in ["answered", "not_known", "missing"] {
                let v: Option<i64> = r.try_get("", column)?;
                *completeness.entry(vec![form.clone(), column.into()]).or_default() +=
                    v.unwrap_or(0).max(0) as u64;
            }
        }
    }
    let counts = |m: BTreeMap<Vec<String>, u64>| m.into_iter().map(|(keys, n)| Count { keys, n }).collect();
    Ok(Requests {
        by_status: counts(by_status),
        return_days: counts(return_days),
        completeness: counts(completeness),
    })
}

/// Requests made in the span, by the request's own area and date: a form asked of an agency
/// counts even if its case was later merged into another. Answered by the covering index
/// `idx_form_requests_created` alone (the rows themselves hold sealed recipients and answers).
fn requests_sql(select: &str, start: NaiveDate, end: NaiveDate, areas: &[i64]) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = vec![day_start(start).into(), day_start(end + chrono::Days::new(1)).into()];
    let mut sql = format!(
        "SELECT {select}, COUNT(*) AS n FROM form_requests r WHERE r.created_at >= $1 AND r.created_at < $2"
    );
    sql.push_str(&area_filter("r.area_id", areas, &mut values));
    (sql, values)
}

fn day_start(d: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The actions register over a year: keys `["raised" | "implemented" | "overdue"]`. Raised in
/// the year; implemented in the year; open at the end of the year past their due date.
pub async fn actions<C: ConnectionTrait>(
    conn: &C,
    start: NaiveDate,
    end: NaiveDate,
    areas: &[i64],
) -> StoreResult<Vec<Count>> {
    let mut values: Vec<Value> =
        vec![day_start(start).into(), day_start(end + chrono::Days::new(1)).into(), start.into(), end.into()];
    let areas_sql = area_filter("t.area_id", areas, &mut values);
    let sql = format!(
        "SELECT 'raised' AS k0, COUNT(*) AS n FROM actions t WHERE t.created_at >= $1 AND t.created_at < $2{areas_sql} \
         UNION ALL SELECT 'implemented' AS k0, COUNT(*) AS n FROM actions t WHERE t.status = 'implemented' \
           AND t.completed_on >= $3 AND t.completed_on <= $4{areas_sql} \
         UNION ALL SELECT 'overdue' AS k0, COUNT(*) AS n FROM actions t WHERE t.created_at < $2 AND t.due_on < $4 \
           AND (t.completed_on IS NULL OR t.completed_on > $4){areas_sql}"
    );
    grouped(conn, sql, values, 1).await
}

/// Meetings held between the two dates (by their start), by kind (`cdrm` or `panel`): a meeting
/// of several of the areas counts once.
pub async fn meetings_held<C: ConnectionTrait>(
    conn: &C,
    start: NaiveDate,
    end: NaiveDate,
    areas: &[i64],
) -> StoreResult<Vec<Count>> {
    let mut values: Vec<Value> = vec![day_start(start).into(), day_start(end + chrono::Days::new(1)).into()];
    let filter = area_filter("ma.area_id", areas, &mut values);
    let sql = format!(
        "SELECT m.kind AS k0, COUNT(*) AS n FROM meetings m WHERE m.status = 'held' \
         AND m.starts_at >= $1 AND m.starts_at < $2 \
         AND EXISTS (SELECT 1 FROM meeting_areas ma WHERE ma.meeting_id = m.id{filter}) GROUP BY 1"
    );
    grouped(conn, sql, values, 1).await
}
