//! A test-only copy of `/work/main/src/reports/disclosure.rs` (its suppression loop, unchanged
//! except that the exact check is a parameter): `Check::Real` is the project's Gaussian
//! elimination, `Check::Integer` asks `intcheck` instead. Used to replay the project's cases.
#![allow(dead_code)]

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
pub struct System {
    values: Vec<u64>,
    /// Whether a variable is a total (cells are hidden in preference to totals).
    is_total: Vec<bool>,
    /// Each equation: variables with coefficient +1, and the one with -1 (sum = total).
    equations: Vec<(Vec<usize>, usize)>,
    cell_index: Vec<Vec<Vec<usize>>>,
    total_index: BTreeMap<String, usize>,
}

impl System {
    pub fn new(grids: &[Grid]) -> System {
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

    /// The attacker's system for `intcheck`: shown figures are constants, hidden ones are >= 1.
    pub fn problem(&self, hidden: &[bool]) -> intcheck::Problem {
        let vars = self
            .values
            .iter()
            .zip(hidden)
            .map(|(v, h)| if *h { intcheck::Var::hidden(*v) } else { intcheck::Var::shown(*v) })
            .collect();
        let equations =
            self.equations.iter().map(|(parts, total)| intcheck::Equation::sum(parts, *total)).collect();
        intcheck::Problem { vars, equations }
    }

    /// Hidden variables that `intcheck` cannot prove protected (determined or unproven).
    pub fn integer_fixed(&self, hidden: &[bool]) -> Vec<usize> {
        let targets: Vec<usize> = (0..self.values.len()).filter(|v| hidden[*v]).collect();
        let verdicts = intcheck::analyse(&self.problem(hidden), &targets, intcheck::Budget::default())
            .expect("well-formed");
        targets.into_iter().zip(verdicts).filter(|(_, v)| !v.is_protected()).map(|(t, _)| t).collect()
    }

    /// The values and the variable ids of each table's cells and of the named totals.
    pub fn values(&self) -> &[u64] {
        &self.values
    }

    pub fn cell_id(&self, table: usize, row: usize, column: usize) -> usize {
        self.cell_index[table][row][column]
    }

    pub fn total_id(&self, name: &str) -> usize {
        self.total_index[name]
    }

    /// The hidden flags of a `Hidden`, per variable.
    pub fn flags(&self, hidden: &Hidden) -> Vec<bool> {
        let mut flags = vec![false; self.values.len()];
        for (t, table) in self.cell_index.iter().enumerate() {
            for (r, row) in table.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    flags[*v] = hidden.cell(t, r, c);
                }
            }
        }
        for (name, v) in &self.total_index {
            flags[*v] = hidden.total(name);
        }
        flags
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
    pub fn determined(&self, hidden: &[bool]) -> Vec<usize> {
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
    suppress_with(grids, rule, Check::Real)
}

/// Which exact check the loop uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Real,
    Integer,
}

pub fn suppress_with(grids: &[Grid], rule: &Rule, check: Check) -> Hidden {
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
            let fixed = match check {
                Check::Real => system.determined(&hidden),
                Check::Integer => system.integer_fixed(&hidden),
            };
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
