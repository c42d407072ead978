//! Small-number suppression for published reports (`shared/reference/reporting.md` §6.3).
//!
//! A report is a set of tables of counts. Each table has cells, a total per row, a total per
//! column and a grand total; totals are **named** (`category=infection`, `age=0-27d`, `all`), and
//! tables of one report that show the same total share it, so category × age and category × sex
//! are protected together, and a one-way table of categories is the same figures as their totals.
//!
//! 1. **Primary**: every figure (cell or total) from `suppress_from` to `suppress_to` is hidden.
//! 2. **Secondary**: the figures shown, and the sums every row and column must add up to, must not
//!    let a reader work out a hidden figure. While some equation of the report (a row, a column,
//!    the totals) has exactly one hidden figure, the smallest other non-zero figure in it is hidden
//!    too; then an exact check (Gaussian elimination over every equation of the report at once)
//!    finds any hidden figure still fixed by a combination of equations (a "bridge" between two
//!    blocks of hidden cells, for instance) and hides one more figure next to it, until none is.
//!
//! Totals stay true counts (never the sum of what is shown). Pure: no I/O.

use std::collections::BTreeMap;

/// The rule in force, printed on every published report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub suppress_from: u64,
    pub suppress_to: u64,
    /// Hide further figures so that hidden ones cannot be worked out from the rest.
    pub secondary: bool,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule { suppress_from: 1, suppress_to: 4, secondary: true }
    }
}

impl Rule {
    /// The rule in words, for the report's footnote.
    pub fn words(&self) -> String {
        let range = if self.suppress_from == self.suppress_to {
            format!("Counts of {}", self.suppress_from)
        } else {
            format!("Counts from {} to {}", self.suppress_from, self.suppress_to)
        };
        if self.secondary {
            format!("{range} are not shown (*), nor are further counts from which they could be worked out.")
        } else {
            format!("{range} are not shown (*).")
        }
    }

    fn primary(&self, n: u64) -> bool {
        (self.suppress_from..=self.suppress_to).contains(&n) && n > 0
    }
}

/// One table: `cells[row][column]`, with the names of its row totals, column totals and grand
/// total. A one-way table is one column whose column total is the grand total.
#[derive(Debug, Clone)]
pub struct Grid {
    pub cells: Vec<Vec<u64>>,
    pub row_totals: Vec<String>,
    pub column_totals: Vec<String>,
    pub total: String,
}

/// Which figures of a report to hide: per table, per cell; and the hidden totals by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub cells: Vec<Vec<Vec<bool>>>,
    pub totals: BTreeMap<String, bool>,
}

impl Hidden {
    pub fn cell(&self, table: usize, row: usize, column: usize) -> bool {
        self.cells.get(table).and_then(|t| t.get(row)).and_then(|r| r.get(column)).copied().unwrap_or(false)
    }

    pub fn total(&self, name: &str) -> bool {
        self.totals.get(name).copied().unwrap_or(false)
    }

    /// How many figures are hidden (cells and distinct totals).
    pub fn count(&self) -> usize {
        self.cells.iter().flatten().flatten().filter(|h| **h).count()
            + self.totals.values().filter(|h| **h).count()
    }
}

/// The report as one system: a variable per cell and per named total, with its value.
struct System {
    values: Vec<u64>,
    /// Whether a variable is a total (cells are hidden in preference to totals).
    is_total: Vec<bool>,
    /// Each equation: variables with coefficient +1, and the one with -1 (sum = total).
    equations: Vec<(Vec<usize>, usize)>,
    cell_index: Vec<Vec<Vec<usize>>>,
    total_index: BTreeMap<String, usize>,
}

impl System {
    fn new(grids: &[Grid]) -> System {
        let mut s = System {
            values: Vec::new(),
            is_total: Vec::new(),
            equations: Vec::new(),
            cell_index: Vec::new(),
            total_index: BTreeMap::new(),
        };
        // Totals first, with their true values (the same name means the same figure).
        for g in grids {
            let rows: Vec<u64> = g.cells.iter().map(|r| r.iter().sum()).collect();
            let columns: Vec<u64> = (0..g.column_totals.len())
                .map(|c| g.cells.iter().map(|r| r.get(c).copied().unwrap_or(0)).sum())
                .collect();
            let grand: u64 = rows.iter().sum();
            for (name, v) in g.row_totals.iter().zip(&rows).chain(g.column_totals.iter().zip(&columns)) {
                s.total(name, *v);
            }
            s.total(&g.total, grand);
        }
        for g in grids {
            let mut table = Vec::new();
            for row in &g.cells {
                let ids: Vec<usize> = row
                    .iter()
                    .map(|v| {
                        s.values.push(*v);
                        s.is_total.push(false);
                        s.values.len() - 1
                    })
                    .collect();
                table.push(ids);
            }
            for (r, name) in g.row_totals.iter().enumerate() {
                let t = s.total_index[name];
                s.equations.push((table.get(r).cloned().unwrap_or_default(), t));
            }
            for (c, name) in g.column_totals.iter().enumerate() {
                let t = s.total_index[name];
                s.equations.push((table.iter().filter_map(|r| r.get(c).copied()).collect(), t));
            }
            let grand = s.total_index[&g.total];
            let rows: Vec<usize> = g.row_totals.iter().map(|n| s.total_index[n]).collect();
            let columns: Vec<usize> = g.column_totals.iter().map(|n| s.total_index[n]).collect();
            s.equations.push((rows, grand));
            s.equations.push((columns, grand));
            s.cell_index.push(table);
        }
        // A one-way table's column total is its grand total: that equation says nothing.
        s.equations.retain(|(parts, total)| !(parts.len() == 1 && parts[0] == *total));
        s
    }

    fn total(&mut self, name: &str, value: u64) {
        if !self.total_index.contains_key(name) {
            self.values.push(value);
            self.is_total.push(true);
            self.total_index.insert(name.to_string(), self.values.len() - 1);
        }
    }

    /// The variables of equation `e`, total included.
    fn members(&self, e: usize) -> Vec<usize> {
        let (parts, total) = &self.equations[e];
        let mut m = parts.clone();
        m.push(*total);
        m
    }

    /// The figure to hide next to `hidden` in equation `e`: the smallest non-zero shown cell, else
    /// the smallest non-zero shown total.
    fn partner(&self, e: usize, hidden: &[bool]) -> Option<usize> {
        self.members(e)
            .into_iter()
            .filter(|v| !hidden[*v] && self.values[*v] > 0)
            .min_by_key(|v| (self.is_total[*v], self.values[*v], *v))
    }

    /// Hidden variables that the shown figures and the equations fix exactly.
    fn determined(&self, hidden: &[bool]) -> Vec<usize> {
        let unknowns: Vec<usize> = (0..self.values.len()).filter(|v| hidden[*v]).collect();
        let column: BTreeMap<usize, usize> = unknowns.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        // Rows of the coefficient matrix over the unknowns (the known part is irrelevant to
        // whether a value is fixed).
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for (parts, total) in &self.equations {
            let mut row = vec![0.0; unknowns.len()];
            for p in parts {
                if let Some(i) = column.get(p) {
                    row[*i] += 1.0;
                }
            }
            if let Some(i) = column.get(total) {
                row[*i] -= 1.0;
            }
            if row.iter().any(|x| *x != 0.0) {
                rows.push(row);
            }
        }
        let width = unknowns.len();
        let mut pivot_row = 0;
        let mut pivots = Vec::new();
        for col in 0..width {
            let Some(p) = (pivot_row..rows.len()).find(|r| rows[*r][col].abs() > 1e-9) else { continue };
            rows.swap(pivot_row, p);
            let lead = rows[pivot_row][col];
            for x in rows[pivot_row].iter_mut() {
                *x /= lead;
            }
            let lead_row = rows[pivot_row].clone();
            for (r, row) in rows.iter_mut().enumerate() {
                if r != pivot_row && row[col].abs() > 1e-9 {
                    let factor = row[col];
                    for (x, y) in row.iter_mut().zip(&lead_row) {
                        *x -= factor * y;
                    }
                }
            }
            pivots.push((pivot_row, col));
            pivot_row += 1;
            if pivot_row == rows.len() {
                break;
            }
        }
        // In reduced form, an unknown is fixed when its pivot row has no other unknown in it.
        pivots
            .into_iter()
            .filter(|(r, col)| rows[*r].iter().enumerate().all(|(k, x)| k == *col || x.abs() <= 1e-9))
            .map(|(_, col)| unknowns[col])
            .collect()
    }
}

/// Decides which figures of the report to hide under `rule`.
pub fn suppress(grids: &[Grid], rule: &Rule) -> Hidden {
    let system = System::new(grids);
    let mut hidden: Vec<bool> = system.values.iter().map(|v| rule.primary(*v)).collect();
    if rule.secondary {
        loop {
            let mut changed = false;
            // The cheap rule first: an equation with exactly one hidden figure.
            for e in 0..system.equations.len() {
                let members = system.members(e);
                if members.iter().filter(|v| hidden[**v]).count() == 1
                    && let Some(p) = system.partner(e, &hidden)
                {
                    hidden[p] = true;
                    changed = true;
                }
            }
            if changed {
                continue;
            }
            // Then the exact check, for what combinations of equations reveal.
            let fixed = system.determined(&hidden);
            let Some(&v) = fixed.first() else { break };
            let partner = (0..system.equations.len())
                .filter(|e| system.members(*e).contains(&v))
                .filter_map(|e| system.partner(e, &hidden))
                .min_by_key(|p| (system.is_total[*p], system.values[*p], *p));
            match partner {
                Some(p) => hidden[p] = true,
                // Nothing left to hide beside it (every neighbour is zero or hidden): the value
                // is fixed by zeros, which the reader sees anyway.
                None => break,
            }
        }
    }
    Hidden {
        cells: system
            .cell_index
            .iter()
            .map(|t| t.iter().map(|r| r.iter().map(|v| hidden[*v]).collect()).collect())
            .collect(),
        totals: system.total_index.iter().map(|(name, v)| (name.clone(), hidden[*v])).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cells: Vec<Vec<u64>>, rows: &[&str], columns: &[&str], total: &str) -> Grid {
        Grid {
            cells,
            row_totals: rows.iter().map(|s| s.to_string()).collect(),
            column_totals: columns.iter().map(|s| s.to_string()).collect(),
            total: total.to_string(),
        }
    }

    /// The attacker: with every shown figure and every equation, which hidden figure is fixed?
    fn recoverable(grids: &[Grid], hidden: &Hidden) -> Vec<usize> {
        let s = System::new(grids);
        let mut flags = vec![false; s.values.len()];
        for (t, table) in s.cell_index.iter().enumerate() {
            for (r, row) in table.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    flags[*v] = hidden.cell(t, r, c);
                }
            }
        }
        for (name, v) in &s.total_index {
            flags[*v] = hidden.total(name);
        }
        // Values fixed only by zeros the reader sees are not a disclosure of a small count.
        s.determined(&flags).into_iter().filter(|v| s.values[*v] > 0).collect()
    }

    fn shown_small(grids: &[Grid], hidden: &Hidden, rule: &Rule) -> usize {
        let s = System::new(grids);
        let mut n = 0;
        for (t, g) in grids.iter().enumerate() {
            for (r, row) in g.cells.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    n += usize::from(rule.primary(*v) && !hidden.cell(t, r, c));
                }
            }
        }
        n + s
            .total_index
            .iter()
            .filter(|(name, v)| rule.primary(s.values[**v]) && !hidden.total(name))
            .count()
    }

    #[test]
    fn a_lone_small_cell_takes_a_partner_in_its_row_and_column() {
        let g = vec![grid(
            vec![vec![3, 20, 30], vec![12, 25, 40]],
            &["cat=a", "cat=b"],
            &["age=1", "age=2", "age=3"],
            "all",
        )];
        let h = suppress(&g, &Rule::default());
        assert!(h.cell(0, 0, 0), "primary");
        assert!(h.count() >= 4, "a row partner, a column partner and the fourth corner: {h:?}");
        assert!(recoverable(&g, &h).is_empty(), "{h:?}");
        assert_eq!(shown_small(&g, &h, &Rule::default()), 0);
        // Without secondary suppression the cell is one subtraction away.
        let primary_only = suppress(&g, &Rule { secondary: false, ..Rule::default() });
        assert_eq!(primary_only.count(), 1);
        assert!(!recoverable(&g, &primary_only).is_empty(), "the attacker works");
    }

    #[test]
    fn tables_sharing_totals_are_protected_together() {
        // Category × age and category × sex share the category totals, and a one-way category
        // table shows them as its cells.
        let cats = ["cat=a", "cat=b", "cat=c"];
        let g = vec![
            grid(vec![vec![2, 9], vec![14, 11], vec![7, 30]], &cats, &["age=young", "age=old"], "all"),
            grid(vec![vec![5, 6], vec![13, 12], vec![20, 17]], &cats, &["sex=f", "sex=m"], "all"),
            grid(vec![vec![11], vec![25], vec![37]], &cats, &["all"], "all"),
        ];
        let rule = Rule::default();
        let h = suppress(&g, &rule);
        assert_eq!(shown_small(&g, &h, &rule), 0);
        assert!(recoverable(&g, &h).is_empty(), "{h:?}");
        assert!(!h.total("all"), "the grand total stays (it is not small)");
    }

    #[test]
    fn a_bridge_between_two_hidden_blocks_is_caught_by_the_exact_check() {
        // Two blocks of small cells joined by a third (row 1, column 3): every row and column with
        // a hidden cell has at least two, yet rows 1 and 2 less columns 1 and 2 give the joining
        // cell exactly. The exact check must hide more.
        let g = vec![grid(
            vec![
                vec![1, 2, 3, 50, 60],
                vec![3, 4, 70, 80, 90],
                vec![40, 41, 1, 2, 95],
                vec![42, 43, 3, 4, 96],
            ],
            &["r1", "r2", "r3", "r4"],
            &["c1", "c2", "c3", "c4", "c5"],
            "all",
        )];
        let h = suppress(&g, &Rule::default());
        assert!(recoverable(&g, &h).is_empty(), "{h:?}");
        assert_eq!(shown_small(&g, &h, &Rule::default()), 0);
    }

    #[test]
    fn random_reports_leave_nothing_recoverable() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(17);
        let rule = Rule::default();
        for n in 0..300 {
            let rows = rng.random_range(1..7);
            let cols = rng.random_range(1..6);
            let row_names: Vec<String> = (0..rows).map(|r| format!("r{r}")).collect();
            let col_names: Vec<String> = (0..cols).map(|c| format!("c{c}")).collect();
            let rn: Vec<&str> = row_names.iter().map(String::as_str).collect();
            let cn: Vec<&str> = col_names.iter().map(String::as_str).collect();
            let small = |rng: &mut rand::rngs::StdRng| -> u64 {
                match rng.random_range(0..10) {
                    0..=2 => 0,
                    3..=5 => rng.random_range(1..5),
                    _ => rng.random_range(5..40),
                }
            };
            let a: Vec<Vec<u64>> = (0..rows).map(|_| (0..cols).map(|_| small(&mut rng)).collect()).collect();
            // The same rows split another way (sex, say): the same row totals.
            let b: Vec<Vec<u64>> = a
                .iter()
                .map(|row| {
                    let sum: u64 = row.iter().sum();
                    let x = rng.random_range(0..=sum);
                    vec![x, sum - x]
                })
                .collect();
            let g = vec![grid(a, &rn, &cn, "all"), grid(b, &rn, &["s0", "s1"], "all")];
            let h = suppress(&g, &rule);
            assert_eq!(shown_small(&g, &h, &rule), 0, "#{n}");
            assert!(recoverable(&g, &h).is_empty(), "#{n}: {:?} {h:?}", g);
        }
    }

    #[test]
    fn the_rule_is_said_in_words() {
        assert_eq!(
            Rule::default().words(),
            "Counts from 1 to 4 are not shown (*), nor are further counts from which they could be worked out."
        );
    }
}
