//! Reviews matching a thematic filter (a theme or a saved ad-hoc report): the filter in SQL, and
//! every count a thematic report needs from one statement that finds the matching reviews once.

use sea_orm::{ConnectionTrait, Value};

use super::{Cohort, Count, Dim, cohort_sql, grouped};
use crate::store::StoreResult;

/// A coded answer of the signed analysis a thematic filter matches: the item's key and the codes
/// that count (`infection_contributed` = `yes`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemMatch {
    pub item: String,
    pub any_of: Vec<String>,
}

/// A thematic filter over reviews: a review matches when it matches any of `categories`,
/// `themes`, `places` and `items` (all empty: every review) and each of `age_bands` and
/// `expected` given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub categories: &'a [String],
    pub themes: &'a [String],
    pub places: &'a [String],
    pub items: &'a [ItemMatch],
    pub age_bands: &'a [String],
    pub expected: Option<bool>,
}

/// ` AND …` for a filter, binding its codes after `values`.
fn filter_sql(f: &Filter<'_>, values: &mut Vec<Value>) -> String {
    let mut any = Vec::new();
    if !f.categories.is_empty() {
        any.push(format!("a.category IN ({})", crate::store::bind_list(values, f.categories)));
    }
    if !f.themes.is_empty() {
        any.push(format!(
            "EXISTS (SELECT 1 FROM analysis_answers t WHERE t.analysis_id = a.id AND t.item_key = 'themes' AND t.value IN ({}))",
            crate::store::bind_list(values, f.themes)
        ));
    }
    if !f.places.is_empty() {
        any.push(format!("c.place_category IN ({})", crate::store::bind_list(values, f.places)));
    }
    for m in f.items.iter().filter(|m| !m.any_of.is_empty()) {
        values.push(m.item.clone().into());
        let key = values.len();
        any.push(format!(
            "EXISTS (SELECT 1 FROM analysis_answers i WHERE i.analysis_id = a.id AND i.item_key = ${key} AND i.value IN ({}))",
            crate::store::bind_list(values, &m.any_of)
        ));
    }
    let mut sql = String::new();
    if !any.is_empty() {
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
    if !f.age_bands.is_empty() {
        sql.push_str(&format!(" AND c.age_band IN ({})", crate::store::bind_list(values, f.age_bands)));
    }
    if let Some(e) = f.expected {
        sql.push_str(if e {
            " AND c.expected AND c.expected_known"
        } else {
            " AND NOT c.expected AND c.expected_known"
        });
    }
    sql
}

/// What [`theme_counts`] returns: the matching reviews by the dimensions asked for, by theme
/// recorded, and by the answers to each item asked for (in the order asked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeCounts {
    pub by: Vec<Count>,
    pub themes: Vec<Count>,
    pub answers: Vec<Vec<Count>>,
}

/// Reviews of the cohort matching a thematic filter counted by `dims`, by theme recorded (a review
/// counts once per theme ticked) and by the answers to each of `items` (once per code ticked;
/// `""`: not answered), in one statement.
///
/// The matching reviews are found once, in a materialised CTE, and every count is a GROUP BY over
/// that: the filter's probes into the analysis answers run once per review of the window, not
/// once per count (a ten-year theme made seven passes over every review of the decade).
/// `items` are keys the caller names in code, never user input.
pub async fn theme_counts<C: ConnectionTrait>(
    conn: &C,
    cohort: Cohort,
    areas: &[i64],
    filter: &Filter<'_>,
    dims: &[Dim],
    items: &[&'static str],
) -> StoreResult<ThemeCounts> {
    debug_assert!(!dims.is_empty());
    debug_assert!(items.iter().all(|i| i.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    let (mut from, mut values) = cohort_sql(cohort, areas, true);
    from.push_str(&filter_sql(filter, &mut values));
    let width = dims.len();
    let columns: Vec<String> =
        dims.iter().enumerate().map(|(i, d)| format!("{} AS d{i}", d.expr())).collect();
    let mut sql = format!("WITH m AS MATERIALIZED (SELECT a.id AS aid, {} {from})", columns.join(", "));
    // Part (k0), then `width` keys: a part keyed by one code pads the rest with ''.
    let keys = |first: &str| -> String {
        let mut k = vec![format!("{first} AS k1")];
        k.extend((2..=width).map(|i| format!("'' AS k{i}")));
        k.join(", ")
    };
    let by_keys: Vec<String> = (1..=width).map(|i| format!("d{} AS k{i}", i - 1)).collect();
    let by_groups: Vec<String> = (2..=width + 1).map(|i| i.to_string()).collect();
    sql.push_str(&format!(
        " SELECT 'by' AS k0, {}, COUNT(*) AS n FROM m GROUP BY {}",
        by_keys.join(", "),
        by_groups.join(", ")
    ));
    sql.push_str(&format!(
        " UNION ALL SELECT 'themes' AS k0, {}, COUNT(DISTINCT m.aid) AS n FROM m \
         JOIN analysis_answers t ON t.analysis_id = m.aid AND t.item_key = 'themes' GROUP BY 2",
        keys("t.value")
    ));
    for (i, item) in items.iter().enumerate() {
        sql.push_str(&format!(
            " UNION ALL SELECT 'item{i}' AS k0, {}, COUNT(DISTINCT m.aid) AS n FROM m \
             LEFT JOIN analysis_answers ia{i} ON ia{i}.analysis_id = m.aid AND ia{i}.item_key = '{item}' GROUP BY 2",
            keys(&format!("COALESCE(ia{i}.value, '')"))
        ));
    }
    let rows = grouped(conn, sql, values, width + 1).await?;
    let mut out = ThemeCounts { answers: vec![Vec::new(); items.len()], ..Default::default() };
    for mut row in rows {
        let part = row.keys.remove(0);
        match part.as_str() {
            "by" => out.by.push(row),
            "themes" => {
                row.keys.truncate(1);
                out.themes.push(row);
            }
            other => {
                if let Some(list) = other
                    .strip_prefix("item")
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| out.answers.get_mut(i))
                {
                    row.keys.truncate(1);
                    list.push(row);
                }
            }
        }
    }
    Ok(out)
}
