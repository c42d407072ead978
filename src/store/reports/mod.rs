//! Aggregate queries for reports: coded columns only, counted with GROUP BY in SQL, never a sealed
//! column. Every query takes the cohort (deaths notified in a reporting year, or reviews signed
//! off between two dates) and the areas, and returns counts keyed by the codes it grouped on.
//!
//! Which cases count as child deaths: everything notified except notifications still waiting for
//! triage, rejected at triage, merged into another case, and suspected home stillbirths (recorded
//! for the national count, but not child deaths; [`stillbirths`] counts them apart).

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Statement, Value};

use super::StoreResult;

mod activity;
mod filtered;
pub use activity::{Requests, actions, meetings_held, requests};
pub use filtered::{Filter, ItemMatch, ThemeCounts, theme_counts};

/// Which cases a query counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cohort {
    /// Deaths notified in the reporting year starting 1 April of this year (by notification date).
    NotifiedIn(i32),
    /// Deaths notified in the reporting years from the first to the second, inclusive.
    NotifiedInYears(i32, i32),
    /// Reviews signed off between the two dates, inclusive.
    ReviewedBetween(NaiveDate, NaiveDate),
    /// Reviewed deaths that happened in the reporting years from the first to the second,
    /// inclusive, by the coded month of death, whenever the review was signed off.
    DiedInYears(i32, i32),
}

/// A coded column to group on. Each maps to a fixed SQL expression, so nothing a user typed is
/// ever formatted into a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    AgeBand,
    Sex,
    Ethnicity,
    /// The IMD decile as published (1 = most deprived); empty when not known.
    Decile,
    Place,
    /// `expected`, `unexpected` or `not_known` (imported history that did not record it).
    Expected,
    /// `yes` or `no`.
    Jar,
    Area,
    CoronerInformed,
    LookedAfter,
    PostMortemPlanned,
    /// The reporting year the death was notified in.
    NotifiedYear,
    /// The date the review was signed off (`YYYY-MM-DD`).
    ReviewedOn,
    /// The reporting year of the death, by the coded month of death; empty when not known.
    DeathYear,
    /// Whole days from the death to a step of the review; empty when the case has none.
    Days(Interval),
    /// `under_13` or `13-17y` from the coded age in days (a year of 365.25 days, as the bands);
    /// empty when the age is not known, or only approximately and within 10 to 14.
    Under13,
    /// The signed analysis' category; empty when there is none.
    Category,
    /// The signed analysis' modifiable outcome; empty when there is none.
    Modifiable,
}

impl Dim {
    fn expr(self) -> &'static str {
        match self {
            Dim::AgeBand => "c.age_band",
            Dim::Sex => "c.sex",
            Dim::Ethnicity => "c.ethnicity",
            Dim::Decile => "COALESCE(CAST(c.imd_decile AS TEXT), '')",
            Dim::Place => "c.place_category",
            Dim::Expected => {
                "CASE WHEN NOT c.expected_known THEN 'not_known' WHEN c.expected THEN 'expected' ELSE 'unexpected' END"
            }
            Dim::Jar => "CASE WHEN c.jar THEN 'yes' ELSE 'no' END",
            Dim::Area => "CAST(c.area_id AS TEXT)",
            Dim::CoronerInformed => "c.coroner_informed",
            Dim::LookedAfter => "c.looked_after",
            Dim::PostMortemPlanned => "c.post_mortem_planned",
            Dim::NotifiedYear => "CAST(c.reporting_year AS TEXT)",
            Dim::ReviewedOn => "CAST(c.review_completed_on AS TEXT)",
            Dim::Days(Interval::ToNotification) => "COALESCE(CAST(c.days_to_notification AS TEXT), '')",
            Dim::Days(Interval::ToCdrm) => "COALESCE(CAST(c.days_to_cdrm AS TEXT), '')",
            Dim::Days(Interval::ToPanel) => "COALESCE(CAST(c.days_to_panel AS TEXT), '')",
            Dim::Days(Interval::ToSignOff) => "COALESCE(CAST(c.days_to_review AS TEXT), '')",
            Dim::DeathYear => {
                "COALESCE(CAST(CASE WHEN c.death_month % 100 >= 4 THEN c.death_month / 100 ELSE c.death_month / 100 - 1 END AS TEXT), '')"
            }
            Dim::Under13 => {
                "CASE WHEN c.age_at_death_days < 0 OR (c.age_approximate AND c.age_band = '10-14y') THEN '' \
                 WHEN c.age_at_death_days * 4 >= 1461 * 13 THEN '13-17y' ELSE 'under_13' END"
            }
            Dim::Category => "COALESCE(a.category, '')",
            Dim::Modifiable => "COALESCE(a.modifiable, '')",
        }
    }

    fn needs_analysis(self) -> bool {
        matches!(self, Dim::Category | Dim::Modifiable)
    }
}

/// One group's count: `keys` in the order the dimensions were asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub keys: Vec<String>,
    pub n: u64,
}

/// Query-planner note: the filters below are written so that no planner starts from an index
/// on a status column (`a.status = 'signed'` is true of nearly every analysis) or on the area
/// (one area can be every case). Without statistics SQLite prefers an equality on an index's
/// first column to the date range that actually narrows the cohort, and scanned every signed
/// analysis or every case of the area for each query. A `CASE` expression and a unary `+` keep
/// those columns out of index selection on both databases; the cohort's own index (reporting
/// year, review completion date, request date) then drives every query.
const SIGNED: &str = "CASE WHEN a.status = 'signed' THEN 1 ELSE 0 END = 1";

/// The statuses of notifications that are not (or not yet) counted as child deaths.
pub(crate) const NOT_COUNTED: &str = "('pending_triage', 'rejected', 'merged')";

/// A death notified (not a review imported without its notification, which counts as a review
/// completed only).
const NOTIFIED_HERE: &str = "CASE WHEN c.notification_recorded THEN 1 ELSE 0 END = 1";

/// Builds `FROM … WHERE …` for a cohort with its bound values: cases `c`, and the signed analysis
/// `a` (joined for reviews, left-joined for notifications when `analysis` is asked for).
pub(super) fn cohort_sql(cohort: Cohort, areas: &[i64], analysis: bool) -> (String, Vec<Value>) {
    joined(cohort, areas, analysis, "")
}

/// [`cohort_sql`] with more tables joined after the cohort's own (they may use `c` and `a`).
fn joined(cohort: Cohort, areas: &[i64], analysis: bool, join: &str) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = Vec::new();
    let mut from = String::from("FROM cases c");
    let mut filter = format!("c.status NOT IN {NOT_COUNTED} AND NOT c.stillbirth");
    match cohort {
        Cohort::NotifiedIn(year) => {
            if analysis {
                from.push_str(&format!(" LEFT JOIN analyses a ON a.case_id = c.id AND {SIGNED}"));
            }
            values.push(year.into());
            filter.push_str(&format!(" AND c.reporting_year = ${} AND {NOTIFIED_HERE}", values.len()));
        }
        Cohort::NotifiedInYears(first, last) => {
            if analysis {
                from.push_str(&format!(" LEFT JOIN analyses a ON a.case_id = c.id AND {SIGNED}"));
            }
            values.push(first.into());
            values.push(last.into());
            filter.push_str(&format!(
                " AND c.reporting_year >= ${} AND c.reporting_year <= ${} AND {NOTIFIED_HERE}",
                values.len() - 1,
                values.len()
            ));
        }
        Cohort::ReviewedBetween(start, end) => {
            from.push_str(&format!(" JOIN analyses a ON a.case_id = c.id AND {SIGNED}"));
            values.push(start.into());
            values.push(end.into());
            filter.push_str(&format!(
                " AND c.review_completed_on >= ${} AND c.review_completed_on <= ${}",
                values.len() - 1,
                values.len()
            ));
        }
        Cohort::DiedInYears(first, last) => {
            from.push_str(&format!(" JOIN analyses a ON a.case_id = c.id AND {SIGNED}"));
            // April of the first year to March after the last.
            values.push((first * 100 + 4).into());
            values.push(((last + 1) * 100 + 3).into());
            filter.push_str(&format!(
                " AND c.death_month >= ${} AND c.death_month <= ${}",
                values.len() - 1,
                values.len()
            ));
        }
    }
    filter.push_str(&area_filter("c.area_id", areas, &mut values));
    (format!("{from}{join} WHERE {filter}"), values)
}

/// ` AND column IN ($n, …)`, binding the areas; with no areas nothing matches.
pub(crate) fn area_filter(column: &str, areas: &[i64], values: &mut Vec<Value>) -> String {
    if areas.is_empty() {
        return " AND 1 = 0".into();
    }
    format!(" AND +{column} IN ({})", super::bind_list(values, areas))
}

pub(super) async fn grouped<C: ConnectionTrait>(
    conn: &C,
    sql: String,
    values: Vec<Value>,
    width: usize,
) -> StoreResult<Vec<Count>> {
    let rows =
        conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    rows.iter()
        .map(|r| {
            let mut keys = Vec::with_capacity(width);
            for i in 0..width {
                keys.push(r.try_get::<Option<String>>("", &format!("k{i}"))?.unwrap_or_default());
            }
            let n: i64 = r.try_get("", "n")?;
            Ok(Count { keys, n: n.max(0) as u64 })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()
        .map_err(Into::into)
}

fn select(exprs: &[&str]) -> (String, String) {
    let keys: Vec<String> = exprs.iter().enumerate().map(|(i, e)| format!("{e} AS k{i}")).collect();
    let groups: Vec<String> = (1..=exprs.len()).map(|i| i.to_string()).collect();
    let group_by = if groups.is_empty() { String::new() } else { format!(" GROUP BY {}", groups.join(", ")) };
    let mut select = keys.join(", ");
    if !select.is_empty() {
        select.push_str(", ");
    }
    (select, group_by)
}

/// Cases of the cohort counted by the given dimensions.
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    cohort: Cohort,
    areas: &[i64],
    dims: &[Dim],
) -> StoreResult<Vec<Count>> {
    let (from, values) = cohort_sql(cohort, areas, dims.iter().any(|d| d.needs_analysis()));
    let exprs: Vec<&str> = dims.iter().map(|d| d.expr()).collect();
    let (select, group_by) = select(&exprs);
    grouped(conn, format!("SELECT {select}COUNT(*) AS n {from}{group_by}"), values, dims.len()).await
}

/// Reviews of the cohort with at least one contributory factor graded 2 in each domain, by
/// domain and modifiable outcome (a review counts once per domain however many factors it has),
/// and those with modifiable factors identified in no recorded domain (`not_recorded`).
pub async fn factor_domains<C: ConnectionTrait>(
    conn: &C,
    cohort: Cohort,
    areas: &[i64],
) -> StoreResult<Vec<Count>> {
    let join = " JOIN analysis_answers d ON d.analysis_id = a.id \
                  AND CASE WHEN d.item_key = 'factors.domain' THEN 1 ELSE 0 END = 1 \
                JOIN analysis_answers g ON g.analysis_id = a.id AND g.row_no = d.row_no \
                  AND CASE WHEN g.item_key = 'factors.grade' AND g.value = 'grade_2' THEN 1 ELSE 0 END = 1";
    let (from, values) = joined(cohort, areas, true, join);
    let sql = format!(
        "SELECT d.value AS k0, COALESCE(a.modifiable, '') AS k1, COUNT(DISTINCT a.id) AS n {from} GROUP BY 1, 2"
    );
    let mut counts = grouped(conn, sql, values, 2).await?;
    // Modifiable factors identified with no domain recorded (imported without domains, or on
    // the legacy form, which scores domains on its own scale): `not_recorded`.
    let (from, values) = joined(cohort, areas, true, "");
    let sql = format!(
        "SELECT 'not_recorded' AS k0, 'identified' AS k1, COUNT(*) AS n {from} AND a.modifiable = 'identified' \
         AND NOT EXISTS (SELECT 1 FROM analysis_answers d JOIN analysis_answers g ON g.analysis_id = d.analysis_id \
           AND g.row_no = d.row_no AND g.item_key = 'factors.grade' AND g.value = 'grade_2' \
           WHERE d.analysis_id = a.id AND d.item_key = 'factors.domain')"
    );
    counts.extend(grouped(conn, sql, values, 2).await?.into_iter().filter(|c| c.n > 0));
    Ok(counts)
}

/// Reviews of the cohort by theme (a review counts once per theme ticked).
pub async fn themes<C: ConnectionTrait>(conn: &C, cohort: Cohort, areas: &[i64]) -> StoreResult<Vec<Count>> {
    let join = " JOIN analysis_answers t ON t.analysis_id = a.id \
                  AND CASE WHEN t.item_key = 'themes' THEN 1 ELSE 0 END = 1";
    let (from, values) = joined(cohort, areas, true, join);
    grouped(conn, format!("SELECT t.value AS k0, COUNT(DISTINCT a.id) AS n {from} GROUP BY 1"), values, 1)
        .await
}

/// Reviews of the cohort by their answers to one coded item of the analysis (a review counts once
/// per code ticked; `""`: not answered). `item` is a key the caller names in code, never user
/// input. (A theme's item breakdowns come from [`theme_counts`], over its matching reviews.)
pub async fn answers<C: ConnectionTrait>(
    conn: &C,
    cohort: Cohort,
    areas: &[i64],
    item: &'static str,
) -> StoreResult<Vec<Count>> {
    debug_assert!(item.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    let join = format!(" LEFT JOIN analysis_answers ia ON ia.analysis_id = a.id AND ia.item_key = '{item}'");
    let (from, values) = joined(cohort, areas, true, &join);
    let sql = format!("SELECT COALESCE(ia.value, '') AS k0, COUNT(DISTINCT a.id) AS n {from} GROUP BY 1");
    grouped(conn, sql, values, 1).await
}

/// An interval in the review, stored in whole days from the death at sign-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    ToNotification,
    ToCdrm,
    ToPanel,
    ToSignOff,
}

impl Interval {
    pub const ALL: [Interval; 4] =
        [Interval::ToNotification, Interval::ToCdrm, Interval::ToPanel, Interval::ToSignOff];
}

/// Cases still open at the end of `end` (notified by then, neither signed off nor closed by
/// then), by the reporting year they were notified in. Driven by the review-completion index
/// (not yet signed off, or signed off later): the open cases are few, the earlier ones many.
pub async fn open_at<C: ConnectionTrait>(conn: &C, end: NaiveDate, areas: &[i64]) -> StoreResult<Vec<Count>> {
    let mut values: Vec<Value> = vec![crate::domain::dates::ReportingYear::of(end).0.into(), end.into()];
    let mut sql = format!(
        "SELECT CAST(c.reporting_year AS TEXT) AS k0, COUNT(*) AS n FROM cases c \
         WHERE c.status NOT IN {NOT_COUNTED} AND NOT c.stillbirth AND +c.reporting_year <= $1 \
         AND (c.review_completed_on IS NULL OR c.review_completed_on > $2) \
         AND (c.closed_on IS NULL OR c.closed_on > $2)"
    );
    sql.push_str(&area_filter("c.area_id", areas, &mut values));
    sql.push_str(" GROUP BY 1");
    grouped(conn, sql, values, 1).await
}

/// Suspected home stillbirths notified in the year (recorded, not counted as child deaths).
pub async fn stillbirths<C: ConnectionTrait>(conn: &C, year: i32, areas: &[i64]) -> StoreResult<u64> {
    let mut values: Vec<Value> = vec![year.into()];
    let mut sql = format!(
        "SELECT COUNT(*) AS n FROM cases c WHERE c.status NOT IN {NOT_COUNTED} AND c.stillbirth \
         AND c.reporting_year = $1"
    );
    sql.push_str(&area_filter("c.area_id", areas, &mut values));
    Ok(grouped(conn, sql, values, 0).await?.first().map(|c| c.n).unwrap_or(0))
}
