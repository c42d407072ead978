//! The panel's activity over a year, apart from the cohorts of deaths and reviews: the agency
//! forms requested and returned, the actions register and the meetings held.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Statement, Value};

use super::{Count, area_filter, grouped};
use crate::store::StoreResult;

/// Agency form requests made between the two dates (inclusive), by agency type and status.
pub async fn requests<C: ConnectionTrait>(
    conn: &C,
    start: NaiveDate,
    end: NaiveDate,
    areas: &[i64],
) -> StoreResult<Vec<Count>> {
    let (sql, values) = requests_sql("r.agency_type AS k0, r.status AS k1", start, end, areas);
    grouped(conn, format!("{sql} GROUP BY 1, 2"), values, 2).await
}

/// Days to return the submitted requests made between the two dates, by agency type.
pub async fn return_days<C: ConnectionTrait>(
    conn: &C,
    start: NaiveDate,
    end: NaiveDate,
    areas: &[i64],
) -> StoreResult<Vec<Count>> {
    let (sql, values) =
        requests_sql("r.agency_type AS k0, CAST(r.return_days AS TEXT) AS k1", start, end, areas);
    grouped(conn, format!("{sql} AND r.return_days IS NOT NULL GROUP BY 1, 2"), values, 2).await
}

/// Answered, not known and missing items over the submitted requests made between the two dates,
/// by form: keys `[form_code, "answered" | "not_known" | "missing"]`.
pub async fn form_completeness<C: ConnectionTrait>(
    conn: &C,
    start: NaiveDate,
    end: NaiveDate,
    areas: &[i64],
) -> StoreResult<Vec<Count>> {
    let (sql, values) = requests_sql(
        "r.form_code AS k0, SUM(r.answered) AS answered, SUM(r.not_known) AS not_known, \
         SUM(r.missing) AS missing",
        start,
        end,
        areas,
    );
    let sql = format!("{sql} AND CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END = 1 GROUP BY 1");
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    let mut out = Vec::new();
    for r in rows {
        let form: String = r.try_get("", "k0")?;
        for column in ["answered", "not_known", "missing"] {
            let n: Option<i64> = r.try_get("", column)?;
            out.push(Count { keys: vec![form.clone(), column.into()], n: n.unwrap_or(0).max(0) as u64 });
        }
    }
    Ok(out)
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
