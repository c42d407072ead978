//! The statutory dataset export's rows: every counted case notified in a span of reporting years
//! in some areas, with its coded notification, dates, signed analysis and coded answers (the
//! analysis's and the agency forms'). Coded columns only; the sealed identities are read apart,
//! for the full export, by [`sealed`].

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};

use super::StoreResult;
use super::reports::{NOT_COUNTED, area_filter};

/// One case as the export writes it (every value as text; empty when not recorded).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub values: Vec<String>,
}

/// The case columns, in order (the data dictionary describes each).
pub const CASE_COLUMNS: [&str; 26] = [
    "area",
    "reporting_year",
    "notified_on",
    "status",
    "source",
    "age_band",
    "age_at_death_days",
    "sex",
    "ethnicity",
    "imd_decile",
    "place_category",
    "expected",
    "jar",
    "jar_criteria",
    "coroner_informed",
    "looked_after",
    "post_mortem_planned",
    "review_completed_on",
    "days_to_notification",
    "days_to_cdrm",
    "days_to_panel",
    "days_to_review",
    "analysis_form_version",
    "category",
    "modifiable",
    "synthetic",
];

fn cohort(from: i32, to: i32, areas: &[i64]) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let mut sql =
        format!("c.status NOT IN {NOT_COUNTED} AND c.reporting_year >= $1 AND c.reporting_year <= $2");
    sql.push_str(&area_filter("c.area_id", areas, &mut values));
    (sql, values)
}

fn text<T: sea_orm::TryGetable + ToString>(r: &QueryResult, col: &str) -> Result<String, sea_orm::DbErr> {
    Ok(r.try_get::<Option<T>>("", col)?.map(|v| v.to_string()).unwrap_or_default())
}

fn yes_no(r: &QueryResult, col: &str) -> Result<String, sea_orm::DbErr> {
    Ok(if r.try_get::<bool>("", col)? { "yes".into() } else { "no".into() })
}

/// Runs a cohort query and reads each row with `read`.
async fn all<C: ConnectionTrait, T>(
    conn: &C,
    sql: String,
    values: Vec<Value>,
    read: impl Fn(&QueryResult) -> Result<T, sea_orm::DbErr>,
) -> StoreResult<Vec<T>> {
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    Ok(rows.iter().map(read).collect::<Result<Vec<_>, _>>()?)
}

/// The cases, in id order.
pub async fn cases<C: ConnectionTrait>(conn: &C, from: i32, to: i32, areas: &[i64]) -> StoreResult<Vec<Row>> {
    let (filter, values) = cohort(from, to, areas);
    let sql = format!(
        "SELECT c.id, ar.name AS area, c.reporting_year, c.notified_at, c.status, c.source, c.age_band, \
         CASE WHEN c.age_at_death_days >= 0 THEN c.age_at_death_days END AS age_at_death_days, c.sex, c.ethnicity, c.imd_decile, c.place_category, c.expected, c.jar, c.jar_criteria, \
         c.coroner_informed, c.looked_after, c.post_mortem_planned, c.review_completed_on, c.days_to_notification, \
         c.days_to_cdrm, c.days_to_panel, c.days_to_review, a.form_version, a.category, a.modifiable, c.synthetic \
         FROM cases c JOIN areas ar ON ar.id = c.area_id \
         LEFT JOIN analyses a ON a.case_id = c.id AND a.status = 'signed' \
         WHERE {filter} ORDER BY c.id"
    );
    all(conn, sql, values, |r| {
        let notified: DateTime<Utc> = r.try_get("", "notified_at")?;
        let values = vec![
            r.try_get::<String>("", "area")?,
            text::<i32>(r, "reporting_year")?,
            notified.date_naive().to_string(),
            r.try_get::<String>("", "status")?,
            r.try_get::<String>("", "source")?,
            r.try_get::<String>("", "age_band")?,
            text::<i64>(r, "age_at_death_days")?,
            r.try_get::<String>("", "sex")?,
            r.try_get::<String>("", "ethnicity")?,
            text::<i32>(r, "imd_decile")?,
            r.try_get::<String>("", "place_category")?,
            yes_no(r, "expected")?,
            yes_no(r, "jar")?,
            r.try_get::<String>("", "jar_criteria")?,
            r.try_get::<String>("", "coroner_informed")?,
            r.try_get::<String>("", "looked_after")?,
            r.try_get::<String>("", "post_mortem_planned")?,
            text::<NaiveDate>(r, "review_completed_on")?,
            text::<i32>(r, "days_to_notification")?,
            text::<i32>(r, "days_to_cdrm")?,
            text::<i32>(r, "days_to_panel")?,
            text::<i32>(r, "days_to_review")?,
            text::<String>(r, "form_version")?,
            text::<String>(r, "category")?,
            text::<String>(r, "modifiable")?,
            yes_no(r, "synthetic")?,
        ];
        Ok(Row { id: r.try_get("", "id")?, values })
    })
    .await
}

/// The signed analyses' coded answers: (case id, item key, row, value).
pub async fn analysis_answers<C: ConnectionTrait>(
    conn: &C,
    from: i32,
    to: i32,
    areas: &[i64],
) -> StoreResult<Vec<(i64, String, i32, String)>> {
    let (filter, values) = cohort(from, to, areas);
    let sql = format!(
        "SELECT c.id AS case_id, aa.item_key, aa.row_no, aa.value FROM analysis_answers aa \
         JOIN analyses a ON a.id = aa.analysis_id AND a.status = 'signed' JOIN cases c ON c.id = a.case_id \
         WHERE {filter} ORDER BY c.id, aa.item_key, aa.row_no, aa.value"
    );
    all(conn, sql, values, |r| {
        Ok((
            r.try_get("", "case_id")?,
            r.try_get("", "item_key")?,
            r.try_get("", "row_no")?,
            r.try_get("", "value")?,
        ))
    })
    .await
}

/// The agency forms' coded answers: (case id, [form, version, agency type, status, item, row,
/// value]).
pub async fn form_answers<C: ConnectionTrait>(
    conn: &C,
    from: i32,
    to: i32,
    areas: &[i64],
) -> StoreResult<Vec<(i64, [String; 7])>> {
    let (filter, values) = cohort(from, to, areas);
    let sql = format!(
        "SELECT c.id AS case_id, r.form_code, r.form_version, r.agency_type, r.status, fa.item_key, fa.row_no, fa.value \
         FROM form_answers fa JOIN form_requests r ON r.id = fa.request_id JOIN cases c ON c.id = r.case_id \
         WHERE {filter} ORDER BY c.id, r.id, fa.item_key, fa.row_no"
    );
    all(conn, sql, values, |r| {
        Ok((
            r.try_get("", "case_id")?,
            [
                r.try_get("", "form_code")?,
                r.try_get("", "form_version")?,
                r.try_get("", "agency_type")?,
                r.try_get("", "status")?,
                r.try_get("", "item_key")?,
                r.try_get::<i32>("", "row_no")?.to_string(),
                r.try_get("", "value")?,
            ],
        ))
    })
    .await
}

/// The sealed identity record and reference of each case (for the full export only).
pub async fn sealed<C: ConnectionTrait>(
    conn: &C,
    from: i32,
    to: i32,
    areas: &[i64],
) -> StoreResult<Vec<(i64, String, Vec<u8>)>> {
    let (filter, values) = cohort(from, to, areas);
    // A case whose identifying data was destroyed has nothing to export here.
    let sql = format!(
        "SELECT c.id, c.reference, c.sealed FROM cases c WHERE {filter} AND c.destroyed_at IS NULL ORDER BY c.id"
    );
    all(conn, sql, values, |r| {
        Ok((r.try_get("", "id")?, r.try_get("", "reference")?, r.try_get("", "sealed")?))
    })
    .await
}
