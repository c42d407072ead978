//! The parts of a report before suppression, and how each becomes a block once every table of
//! the report has been suppressed together: count tables with their charts, deferred parts
//! built on the shown figures (rates), figures and notes.

use super::figures::Figures;
use super::{Block, Chart};
use crate::reports::table::{Shown, ShownTable};

/// A block made once the tables are shown.
pub type Later = Box<dyn FnOnce(&[ShownTable]) -> Block + Send>;

/// A block before suppression: count tables are referred to by index until every table of the
/// report has been suppressed together.
pub enum Part {
    Counts {
        index: usize,
        chart: ChartSpec,
    },
    /// Built from the tables as shown (rates on the shown deaths, never on a hidden count).
    Later(Later),
    Figures(Figures),
    Note(String),
}

pub enum ChartSpec {
    None,
    /// One bar per row: the row totals.
    Rows {
        what: &'static str,
    },
    /// Two series over the same rows: this table's totals and another's.
    Pair {
        other: usize,
        what: &'static str,
    },
}

impl Part {
    pub(crate) fn resolve(self, shown: &[ShownTable]) -> Block {
        match self {
            Part::Later(f) => f(shown),
            Part::Note(n) => Block::Note(n),
            Part::Figures(f) => Block::Figures(f),
            Part::Counts { index, chart } => {
                let table = shown.get(index).cloned().unwrap_or_else(|| empty_table(index));
                let chart = match chart {
                    ChartSpec::None => None,
                    ChartSpec::Rows { what } => Some(chart_of(&table, &[(&table, "Number")], what)),
                    ChartSpec::Pair { other, what } => shown.get(other).map(|o| {
                        chart_of(&table, &[(&table, short_basis(&table)), (o, short_basis(o))], what)
                    }),
                };
                Block::Counts { table: Box::new(table), chart }
            }
        }
    }
}

pub(crate) fn empty_table(index: usize) -> ShownTable {
    ShownTable {
        key: format!("table-{index}"),
        title: String::new(),
        basis: "",
        denominator: String::new(),
        columns: Vec::new(),
        rows: Vec::new(),
        column_totals: Vec::new(),
        total: Shown::Count(0),
        percent_label: String::new(),
        share_label: String::new(),
        total_percent: Default::default(),
        shares_of_total: false,
        multi_valued: false,
        notes: Vec::new(),
        row_heading: String::new(),
        figures: Vec::new(),
        zeros_hidden: false,
    }
}

fn short_basis(t: &ShownTable) -> &'static str {
    if t.basis.starts_with("Reviews") { "Reviews completed" } else { "Deaths notified" }
}

fn chart_of(rows_from: &ShownTable, series: &[(&ShownTable, &str)], what: &str) -> Chart {
    let categories: Vec<String> = rows_from.rows.iter().map(|r| r.label.clone()).collect();
    let series: Vec<(String, Vec<Option<u64>>)> = series
        .iter()
        .map(|(t, name)| {
            let values = t
                .rows
                .iter()
                .map(|r| match r.total {
                    Shown::Count(n) => Some(n),
                    Shown::Suppressed => None,
                })
                .collect();
            (name.to_string(), values)
        })
        .collect();
    let mut words = format!("Bar chart of {what}, {} groups.", categories.len());
    for (name, values) in &series {
        let largest =
            values.iter().zip(&categories).filter_map(|(v, c)| v.map(|v| (v, c))).max_by_key(|(v, _)| *v);
        if let Some((v, c)) = largest.filter(|(v, _)| *v > 0) {
            let prefix = if series.len() > 1 { format!(" {name}:") } else { String::new() };
            words.push_str(&format!("{prefix} the largest group is {c} ({v})."));
        }
    }
    if series.iter().any(|(_, v)| v.iter().any(Option::is_none)) {
        words.push_str(" Suppressed figures have no bar.");
    }
    words.push_str(" The figures are in the table.");
    Chart { title: rows_from.title.clone(), description: words, categories, series }
}

/// A report's sections: (anchor, heading, parts).
pub type Plan = Vec<(&'static str, &'static str, Vec<Part>)>;
