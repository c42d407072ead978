//! Report tables as computed (true counts with their basis and denominator) and as shown, in
//! internal mode (true counts) or published mode (small numbers suppressed across the whole
//! report by [`super::disclosure`], percentages derived after suppression and hidden when built
//! on a hidden figure). Pure: renderers (HTML, CSV, XLSX, PDF) all read the shown form, so every
//! output of one run carries the same figures.

use super::disclosure::{self, Grid, Rule};

/// Which cases a table counts (`reporting.md` §2): never derived from one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Deaths notified in the reporting year.
    Notified,
    /// Reviews completed (signed off) in the reporting year.
    Reviewed,
}

impl Basis {
    pub fn words(self) -> &'static str {
        match self {
            Basis::Notified => "Deaths notified in the year",
            Basis::Reviewed => "Reviews completed in the year (by sign-off date)",
        }
    }
}

/// What a table's percentage column is a share of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Percent {
    None,
    /// Each row's total as a share of the table's total.
    OfTotal,
}

/// A table as computed: rows × columns of true counts. Rows and columns have a key (for the
/// totals shared between tables: `category=infection`) and a label.
#[derive(Debug, Clone)]
pub struct Table {
    pub title: String,
    pub basis: Basis,
    /// What the percentages and the table are taken over, in words.
    pub denominator: String,
    /// The dimension of the rows and columns (`category`, `age`): totals are named `dim=key`.
    pub row_dimension: String,
    pub column_dimension: String,
    pub rows: Vec<(String, String)>,
    pub columns: Vec<(String, String)>,
    pub counts: Vec<Vec<u64>>,
    pub percent: Percent,
}

/// Internal (true counts; staff only) or published (suppressed under a rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Internal,
    Published(Rule),
}

impl Mode {
    pub fn words(&self) -> String {
        match self {
            Mode::Internal => "Internal: true counts, not for publication.".into(),
            Mode::Published(rule) => format!("Published: {}", rule.words()),
        }
    }
}

/// A figure as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    Suppressed,
}

impl Shown {
    pub fn text(&self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Suppressed => "*".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShownRow {
    pub label: String,
    pub cells: Vec<Shown>,
    pub total: Shown,
    /// The row's share as text ("12.5%"), "*" when built on a hidden figure, or empty.
    pub percent: String,
}

/// A table as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownTable {
    pub title: String,
    pub basis: &'static str,
    pub denominator: String,
    pub columns: Vec<String>,
    pub rows: Vec<ShownRow>,
    pub column_totals: Vec<Shown>,
    pub total: Shown,
}

fn grid(t: &Table) -> Grid {
    Grid {
        cells: t.counts.clone(),
        row_totals: t.rows.iter().map(|(k, _)| format!("{}={k}", t.row_dimension)).collect(),
        column_totals: t.columns.iter().map(|(k, _)| format!("{}={k}", t.column_dimension)).collect(),
        total: format!("all:{}", t.basis.words()),
    }
}

fn percent(part: &Shown, whole: &Shown) -> String {
    match (part, whole) {
        (Shown::Count(p), Shown::Count(w)) if *w > 0 => format!("{:.1}%", *p as f64 * 100.0 / *w as f64),
        (Shown::Count(_), Shown::Count(_)) => String::new(),
        _ => "*".into(),
    }
}

/// The tables of one report as shown in `mode`: in published mode every table is suppressed
/// together, so a figure hidden in one cannot be worked out from another.
pub fn show(tables: &[Table], mode: &Mode) -> Vec<ShownTable> {
    let grids: Vec<Grid> = tables.iter().map(grid).collect();
    let hidden = match mode {
        Mode::Internal => None,
        Mode::Published(rule) => Some(disclosure::suppress(&grids, rule)),
    };
    let figure = |n: u64, is_hidden: bool| if is_hidden { Shown::Suppressed } else { Shown::Count(n) };
    tables
        .iter()
        .zip(&grids)
        .enumerate()
        .map(|(i, (t, g))| {
            let hidden_total = |name: &str| hidden.as_ref().is_some_and(|h| h.total(name));
            let grand: u64 = t.counts.iter().flatten().sum();
            let total = figure(grand, hidden_total(&g.total));
            let rows = t
                .rows
                .iter()
                .enumerate()
                .map(|(r, (_, label))| {
                    let counts = t.counts.get(r).cloned().unwrap_or_default();
                    let cells = counts
                        .iter()
                        .enumerate()
                        .map(|(c, n)| figure(*n, hidden.as_ref().is_some_and(|h| h.cell(i, r, c))))
                        .collect();
                    let row_total = figure(counts.iter().sum(), hidden_total(&g.row_totals[r]));
                    let share = match t.percent {
                        Percent::None => String::new(),
                        Percent::OfTotal => percent(&row_total, &total),
                    };
                    ShownRow { label: label.clone(), cells, total: row_total, percent: share }
                })
                .collect();
            let column_totals = (0..t.columns.len())
                .map(|c| {
                    let n = t.counts.iter().map(|r| r.get(c).copied().unwrap_or(0)).sum();
                    figure(n, hidden_total(&g.column_totals[c]))
                })
                .collect();
            ShownTable {
                title: t.title.clone(),
                basis: t.basis.words(),
                denominator: t.denominator.clone(),
                columns: t.columns.iter().map(|(_, l)| l.clone()).collect(),
                rows,
                column_totals,
                total,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(title: &str, rows: &[(&str, &str)], cols: &[(&str, &str)], counts: Vec<Vec<u64>>) -> Table {
        Table {
            title: title.into(),
            basis: Basis::Reviewed,
            denominator: "Reviews completed in the year".into(),
            row_dimension: "category".into(),
            column_dimension: if cols.len() == 1 { "all".into() } else { "age".into() },
            rows: rows.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect(),
            columns: cols.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect(),
            counts,
            percent: Percent::OfTotal,
        }
    }

    fn report() -> Vec<Table> {
        let cats =
            [("perinatal", "Perinatal / neonatal event"), ("infection", "Infection"), ("sudi", "SUDI")];
        vec![
            table(
                "Category by age",
                &cats,
                &[("infant", "Under 1"), ("older", "1 to 17")],
                vec![vec![30, 0], vec![2, 9], vec![12, 1]],
            ),
            table("Category", &cats, &[("all", "Reviews")], vec![vec![30], vec![11], vec![13]]),
        ]
    }

    #[test]
    fn internal_mode_shows_true_counts_and_shares() {
        let shown = show(&report(), &Mode::Internal);
        assert_eq!(shown[0].rows[1].cells, vec![Shown::Count(2), Shown::Count(9)]);
        assert_eq!(shown[1].rows[1].percent, "20.4%", "11 of 54");
        assert_eq!(shown[0].total, Shown::Count(54));
        assert_eq!(shown[0].basis, "Reviews completed in the year (by sign-off date)");
    }

    #[test]
    fn published_mode_hides_small_counts_in_every_table_and_keeps_totals_true() {
        let shown = show(&report(), &Mode::Published(Rule::default()));
        for t in &shown {
            for r in &t.rows {
                for c in r.cells.iter().chain([&r.total]) {
                    assert!(!matches!(c, Shown::Count(1..=4)), "{}: {r:?}", t.title);
                }
            }
        }
        assert_eq!(shown[0].rows[1].cells[0], Shown::Suppressed);
        assert_eq!(shown[0].total, Shown::Count(54), "the total stays true");
        // A share built on a hidden figure is hidden too; the others are taken over the true total.
        for (r, row) in shown[1].rows.iter().enumerate() {
            match &row.total {
                Shown::Suppressed => assert_eq!(row.percent, "*"),
                Shown::Count(n) => {
                    assert_eq!(row.percent, format!("{:.1}%", *n as f64 * 100.0 / 54.0), "row {r}")
                }
            }
        }
        assert!(Mode::Published(Rule::default()).words().starts_with("Published: Counts from 1 to 4"));
    }
}
