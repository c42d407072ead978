//! The statutory dataset export's rows: every counted case notified in a span of reporting years
//! in some areas, with its coded notification, dates, signed analysis and coded answers (the
//! analysis's and the agency forms'). Coded columns only; the sealed identities are read apart,
//! for the full export, by [`sealed`].

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};

use super::StoreResult;
use super::reports::{NOT_COUNTED, area_filter};

/// One case's coded facts as stored (the dates exactly as recorded). What the export releases of
/// them is decided by `crate::reports::dataset`, which coarsens every date for the anonymised
/// variant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseFacts {
    pub id: i64,
    pub reference: String,
    pub area: String,
    pub reporting_year: i32,
    pub notified_at: DateTime<Utc>,
    pub status: String,
    pub source: String,
    pub age_band: String,
    /// Whole days; `None` when not recorded or reduced away at destruction.
    pub age_at_death_days: Option<i64>,
    pub sex: String,
    pub ethnicity: String,
    pub imd_decile: Option<i32>,
    pub place_category: String,
    pub expected: bool,
    /// False when imported history did not record whether the death was expected.
    pub expected_known: bool,
    /// False for a review imported without its notification.
    pub notification_recorded: bool,
    pub jar: bool,
    pub jar_criteria: String,
    pub coroner_informed: String,
    pub looked_after: String,
    pub post_mortem_planned: String,
    pub review_completed_on: Option<NaiveDate>,
    pub days_to_notification: Option<i32>,
    pub days_to_cdrm: Option<i32>,
    pub days_to_panel: Option<i32>,
    pub days_to_review: Option<i32>,
    pub analysis_form_version: Option<String>,
    pub category: Option<String>,
    pub modifiable: Option<String>,
    pub synthetic: bool,
}

fn cohort(from: i32, to: i32, areas: &[i64]) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let mut sql =
        format!("c.status NOT IN {NOT_COUNTED} AND c.reporting_year >= $1 AND c.reporting_year <= $2");
    sql.push_str(&area_filter("c.area_id", areas, &mut values));
    (sql, values)
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
pub async fn cases<C: ConnectionTrait>(
    conn: &C,
    from: i32,
    to: i32,
    areas: &[i64],
) -> StoreResult<Vec<CaseFacts>> {
    let (filter, values) = cohort(from, to, areas);
    let sql = format!(
        "SELECT c.id, c.reference, ar.name AS area, c.reporting_year, c.notified_at, c.status, c.source, c.age_band, \
         CASE WHEN c.age_at_death_days >= 0 THEN c.age_at_death_days END AS age_at_death_days, c.sex, c.ethnicity, c.imd_decile, c.place_category, c.expected, c.expected_known, c.notification_recorded, c.jar, c.jar_criteria, \
         c.coroner_informed, c.looked_after, c.post_mortem_planned, c.review_completed_on, c.days_to_notification, \
         c.days_to_cdrm, c.days_to_panel, c.days_to_review, a.form_version, a.category, a.modifiable, c.synthetic \
         FROM cases c JOIN areas ar ON ar.id = c.area_id \
         LEFT JOIN analyses a ON a.case_id = c.id AND a.status = 'signed' \
         WHERE {filter} ORDER BY c.id"
    );
    all(conn, sql, values, |r| {
        Ok(CaseFacts {
            id: r.try_get("", "id")?,
            reference: r.try_get("", "reference")?,
            area: r.try_get("", "area")?,
            reporting_year: r.try_get("", "reporting_year")?,
            notified_at: r.try_get("", "notified_at")?,
            status: r.try_get("", "status")?,
            source: r.try_get("", "source")?,
            age_band: r.try_get("", "age_band")?,
            age_at_death_days: r.try_get("", "age_at_death_days")?,
            sex: r.try_get("", "sex")?,
            ethnicity: r.try_get("", "ethnicity")?,
            imd_decile: r.try_get("", "imd_decile")?,
            place_category: r.try_get("", "place_category")?,
            expected: r.try_get("", "expected")?,
            expected_known: r.try_get("", "expected_known")?,
            notification_recorded: r.try_get("", "notification_recorded")?,
            jar: r.try_get("", "jar")?,
            jar_criteria: r.try_get("", "jar_criteria")?,
            coroner_informed: r.try_get("", "coroner_informed")?,
            looked_after: r.try_get("", "looked_after")?,
            post_mortem_planned: r.try_get("", "post_mortem_planned")?,
            review_completed_on: r.try_get("", "review_completed_on")?,
            days_to_notification: r.try_get("", "days_to_notification")?,
            days_to_cdrm: r.try_get("", "days_to_cdrm")?,
            days_to_panel: r.try_get("", "days_to_panel")?,
            days_to_review: r.try_get("", "days_to_review")?,
            analysis_form_version: r.try_get("", "form_version")?,
            category: r.try_get("", "category")?,
            modifiable: r.try_get("", "modifiable")?,
            synthetic: r.try_get("", "synthetic")?,
        })
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

/// The coded answers of the agency forms returned (a draft is the agency's until it is
/// submitted): (case id, [form, version, agency type, status, item, row, value]).
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
         WHERE {filter} AND r.status = 'submitted' ORDER BY c.id, r.id, fa.item_key, fa.row_no"
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
