//! Table builders the annual and thematic reports share.

use super::{Labels, tally};
use crate::reports::table::{Basis, Percent, Table};
use crate::store::reports::Count;

/// Ethnic groups of the NHS ethnic category codes, for the published table.
const ETHNIC_GROUPS: [(&str, &str, &[&str]); 6] = [
    ("white", "White", &["A", "B", "C"]),
    ("mixed", "Mixed or multiple ethnic groups", &["D", "E", "F", "G"]),
    ("asian", "Asian or Asian British", &["H", "J", "K", "L"]),
    ("black", "Black or Black British", &["M", "N", "P"]),
    ("other", "Other ethnic group", &["R", "S"]),
    ("not_known", "Not stated or not known", &["Z", "99"]),
];

/// Counts by NHS ethnic category code (keys of one dimension) grouped into the ethnic groups.
pub(crate) fn ethnic_groups(
    by_code: &std::collections::BTreeMap<Vec<String>, u64>,
) -> Vec<(String, String, u64)> {
    ETHNIC_GROUPS
        .iter()
        .map(|(k, l, codes)| {
            let n = codes.iter().map(|c| by_code.get(&vec![c.to_string()]).copied().unwrap_or(0)).sum();
            (k.to_string(), l.to_string(), n)
        })
        .collect()
}

/// The ethnic groups' names as the codes they count (`ethnicity={A,B,C}`), in
/// [`ethnic_groups`]' order: the same figures as any other table's counts of those codes.
pub(crate) fn ethnic_group_dims() -> Vec<String> {
    ETHNIC_GROUPS
        .iter()
        .map(|(_, _, codes)| format!("ethnicity={}", super::tables::set(codes.iter().map(|c| c.to_string()))))
        .collect()
}

/// The modifiable outcomes as columns, labelled as the Analysis Form in force labels them.
pub(crate) fn modifiable_columns(labels: &Labels) -> Vec<(String, String)> {
    ["identified", "none_identified", "insufficient"]
        .iter()
        .map(|c| {
            let label = labels.modifiable.iter().find(|(k, _)| k == c).map(|(_, l)| l.clone());
            (c.to_string(), label.unwrap_or_else(|| c.replace('_', " ")))
        })
        .collect()
}

/// Reviews by `rows` × modifiable outcome (`cell(row, outcome)`), with the percentage with
/// modifiable factors taken over the reviews with enough information to decide.
#[allow(clippy::too_many_arguments)]
pub(crate) fn modifiable_table(
    key: &str,
    title: &str,
    cohort: &str,
    denominator: &str,
    dim: &str,
    rows: &[(String, String)],
    columns: &[(String, String)],
    cell: impl Fn(&str, &str) -> u64,
) -> Table {
    Table {
        key: key.into(),
        title: title.into(),
        basis: Basis::Reviewed,
        cohort: cohort.into(),
        denominator: denominator.into(),
        row_dimension: dim.into(),
        column_dimension: "modifiable".into(),
        row_heading: String::new(),
        rows: rows.to_vec(),
        columns: columns.to_vec(),
        counts: rows.iter().map(|(r, _)| columns.iter().map(|(c, _)| cell(r, c)).collect()).collect(),
        percent: Percent::Columns { numerator: vec![0], denominator: vec![0, 1] },
        percent_label: "% with modifiable factors (of reviews with enough information)".into(),
        multi_valued: false,
        notes: Vec::new(),
        shared_rows: Vec::new(),
        names: Default::default(),
        filter_dims: Vec::new(),
        share_label: String::new(),
        subtotals: Vec::new(),
    }
}

/// The themes ticked on the reviews counted (by theme, [`crate::store::reports::themes`]), most
/// frequent first, themes no review had left out.
pub(crate) fn theme_rows(labels: &Labels, counts: &[Count]) -> Vec<(String, String, u64)> {
    let by_theme = tally(counts, &[0]);
    let mut rows: Vec<(String, String, u64)> = labels
        .themes
        .iter()
        .map(|(k, l)| (k.clone(), l.clone(), by_theme.get(&vec![k.clone()]).copied().unwrap_or(0)))
        .filter(|(_, _, n)| *n > 0)
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    rows
}
