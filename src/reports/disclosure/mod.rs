//! Small-number suppression for published reports (`shared/reference/reporting.md` §6.3), held
//! across every table of a report, every area of a year and the reports a panel publishes over
//! time.
//!
//! Every count a published report prints has a canonical name ([`names`]), so one figure is one
//! variable however many tables (or reports) print it, and the sums that tie figures together —
//! a row and its total, a combined area and its areas, a span of years and its years, a set of
//! codes and its codes — are written from the names. The attacker's view is then a system of
//! integer equations: shown figures are constants, hidden ones unknowns of at least 1 (zeros are
//! printed), figures never published unknowns of at least 0.
//!
//! 1. **Primary**: every count from `suppress_from` to `suppress_to` is hidden (0 stays shown).
//! 2. **Secondary**: while some hidden figure has a single feasible value in whole numbers —
//!    proved by the exact integer check ([`integer`]), which only calls a figure protected once it
//!    has two full solutions of the system in which that figure differs — one more figure next to
//!    it is hidden (the smallest shown count in an equation with it; a year's total deaths or
//!    reviews is never chosen, so that every report showing it agrees).
//!
//! Figures of other reports already fixed (`context`: the annual reports a thematic report
//! overlaps) keep their state; only the report's own figures are hidden to protect them.
//!
//! Totals stay true counts (never the sum of what is shown). Pure: no I/O.

pub mod integer;
pub mod names;
mod rank;

use std::collections::{BTreeMap, BTreeSet};

use integer::{Budget, Equation, Problem, Var, Verdict};

/// The rule in force, printed on every published report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub suppress_from: u64,
    pub suppress_to: u64,
    /// Hide further figures so that hidden ones cannot be worked out from the rest.
    pub secondary: bool,
    /// The checks added against an attacker who solves in whole numbers and reads several
    /// reports (always on; off only in the tests that show what they stop).
    pub checks: Checks,
    /// The first reporting year of the fixed, non-overlapping windows published thematic and
    /// ad-hoc reports use (then every `years` years).
    pub windows_from: i32,
}

/// The protections beyond rank: each can be switched off to show, in a test, what it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Decide with the exact integer check (hidden ≥ 1); off: real-valued rank only.
    pub integer: bool,
    /// Suppress a year's areas and their combination together, and thematic reports against the
    /// annual reports they overlap; off: each report on its own.
    pub across_reports: bool,
}

impl Default for Checks {
    fn default() -> Checks {
        Checks { integer: true, across_reports: true }
    }
}

impl Default for Rule {
    fn default() -> Rule {
        Rule {
            suppress_from: 1,
            suppress_to: 4,
            secondary: true,
            checks: Checks::default(),
            windows_from: 2019,
        }
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

    pub fn primary(&self, n: u64) -> bool {
        (self.suppress_from..=self.suppress_to).contains(&n) && n > 0
    }
}

/// One table of counts as the suppression sees it: each cell's canonical name and value, the
/// names of its row totals, column totals and grand total. A one-way table is one column whose
/// cells are its row totals. The cells of a table in which a case can count in several rows
/// (`multi_valued`) are figures with no sum between them.
#[derive(Debug, Clone)]
pub struct Grid {
    pub cells: Vec<Vec<u64>>,
    pub cell_names: Vec<Vec<String>>,
    pub row_totals: Vec<String>,
    pub column_totals: Vec<String>,
    pub total: String,
    pub multi_valued: bool,
}

/// A figure another report already published, as it was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub name: String,
    pub value: u64,
    pub hidden: bool,
}

/// The names of the figures to hide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hidden {
    pub names: BTreeSet<String>,
    /// Hidden figures the check could not protect (nothing left beside them to hide): empty in
    /// practice; a test fails on any.
    pub unprotected: Vec<String>,
}

impl Hidden {
    pub fn is_hidden(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    pub fn count(&self) -> usize {
        self.names.len()
    }
}

/// What a variable of the system is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A figure of the report being suppressed: a table cell…
    Cell,
    /// …or a total.
    Total,
    /// A figure of another report, fixed as published.
    Context,
    /// A sum never published (an atom of several figures).
    Unpublished,
}

/// The whole system: a variable per name, the equations between them.
pub(crate) struct System {
    pub(crate) names: Vec<String>,
    index: BTreeMap<String, usize>,
    values: Vec<Option<u64>>,
    roles: Vec<Role>,
    /// Each equation: (parts, total), all +1 except the total.
    pub(crate) equations: Vec<(Vec<usize>, usize)>,
    /// The variables of each grid (for choosing a partner in the same table first).
    table_of: Vec<Option<usize>>,
}

/// Whether a name is a year's total deaths notified or reviews completed in an area (or areas):
/// shown in every report's trend, so it is hidden only when it is itself small.
fn is_anchor(name: &str) -> bool {
    names::Name::parse(name).is_some_and(|n| {
        n.dims.is_empty()
            && n.first == n.last
            && n.filter.is_empty()
            && (n.kind == "notified" || n.kind == "reviewed")
    })
}

impl System {
    fn var(&mut self, name: &str, value: Option<u64>, role: Role, table: Option<usize>) -> usize {
        if let Some(i) = self.index.get(name) {
            let i = *i;
            // A figure of the report outranks an atom of the same name; values agree (the same
            // cases counted twice), and the first known one is kept.
            if self.roles[i] == Role::Unpublished && role != Role::Unpublished {
                self.roles[i] = role;
                self.table_of[i] = table;
            }
            if self.values[i].is_none() {
                self.values[i] = value;
            }
            return i;
        }
        self.names.push(name.to_string());
        self.values.push(value);
        self.roles.push(role);
        self.table_of.push(table);
        self.index.insert(name.to_string(), self.names.len() - 1);
        self.names.len() - 1
    }

    pub(crate) fn new(grids: &[Grid], context: &[Fixed], across: bool) -> System {
        let mut s = System {
            names: Vec::new(),
            index: BTreeMap::new(),
            values: Vec::new(),
            roles: Vec::new(),
            equations: Vec::new(),
            table_of: Vec::new(),
        };
        if across {
            for f in context {
                s.var(&f.name, Some(f.value), Role::Context, None);
            }
        }
        for (t, g) in grids.iter().enumerate() {
            let cells: Vec<Vec<usize>> = g
                .cells
                .iter()
                .zip(&g.cell_names)
                .map(|(row, names)| {
                    row.iter().zip(names).map(|(v, n)| s.var(n, Some(*v), Role::Cell, Some(t))).collect()
                })
                .collect();
            if g.multi_valued {
                continue;
            }
            let row_sums: Vec<u64> = g.cells.iter().map(|r| r.iter().sum()).collect();
            let column_sums: Vec<u64> = (0..g.column_totals.len())
                .map(|c| g.cells.iter().map(|r| r.get(c).copied().unwrap_or(0)).sum())
                .collect();
            let rows: Vec<usize> = g
                .row_totals
                .iter()
                .zip(&row_sums)
                .map(|(n, v)| s.var(n, Some(*v), Role::Total, Some(t)))
                .collect();
            let columns: Vec<usize> = g
                .column_totals
                .iter()
                .zip(&column_sums)
                .map(|(n, v)| s.var(n, Some(*v), Role::Total, Some(t)))
                .collect();
            let grand = s.var(&g.total, Some(row_sums.iter().sum()), Role::Total, Some(t));
            for (r, total) in rows.iter().enumerate() {
                s.equation(cells.get(r).cloned().unwrap_or_default(), *total);
            }
            for (c, total) in columns.iter().enumerate() {
                s.equation(cells.iter().filter_map(|r| r.get(c).copied()).collect(), *total);
            }
            s.equation(rows, grand);
            s.equation(columns, grand);
        }
        if across {
            s.relate();
        }
        s
    }

    fn equation(&mut self, mut parts: Vec<usize>, total: usize) {
        parts.sort_unstable();
        if parts.len() == 1 && parts[0] == total {
            return;
        }
        if !self.equations.contains(&(parts.clone(), total)) {
            self.equations.push((parts, total));
        }
    }

    /// Each named figure as the sum of its atoms (one area, year and value each), so that the
    /// figures of several areas, years and code sets are tied as they are in fact.
    fn relate(&mut self) {
        let published: Vec<usize> =
            (0..self.names.len()).filter(|v| self.roles[*v] != Role::Unpublished).collect();
        for v in published {
            let Some(n) = names::Name::parse(&self.names[v]) else { continue };
            if n.is_atom() {
                continue;
            }
            let Some(atoms) = names::atoms(&n) else { continue };
            let parts: Vec<usize> =
                atoms.iter().map(|a| self.var(a, None, Role::Unpublished, None)).collect();
            self.equation(parts, v);
        }
    }

    fn is_published(&self, v: usize) -> bool {
        self.roles[v] != Role::Unpublished
    }

    /// The members of equation `e`, total included.
    fn members(&self, e: usize) -> Vec<usize> {
        let (parts, total) = &self.equations[e];
        let mut m = parts.clone();
        m.push(*total);
        m
    }

    /// The figure to hide next to `v`: a shown, non-zero figure of the report (not another
    /// report's, not a year's total) in an equation with it — a cell of the same table first,
    /// then the smallest cell, then the smallest total — looking further along the equations
    /// when nothing next to it will do.
    fn partner(&self, v: usize, hidden: &[bool], banned: &BTreeSet<usize>) -> Option<usize> {
        let eligible = |x: usize| {
            !hidden[x]
                && !banned.contains(&x)
                && matches!(self.roles[x], Role::Cell | Role::Total)
                && self.values[x].is_some_and(|n| n > 0)
                && !is_anchor(&self.names[x])
        };
        let mut frontier = vec![v];
        let mut seen: BTreeSet<usize> = BTreeSet::from([v]);
        for _ in 0..4 {
            let mut candidates = Vec::new();
            let mut next = Vec::new();
            for x in &frontier {
                for e in (0..self.equations.len()).filter(|e| self.members(*e).contains(x)) {
                    for m in self.members(e) {
                        if seen.insert(m) {
                            next.push(m);
                        }
                        if eligible(m) {
                            candidates.push(m);
                        }
                    }
                }
            }
            if let Some(p) = candidates.into_iter().min_by_key(|x| {
                (self.table_of[*x] != self.table_of[v], self.roles[*x] == Role::Total, self.values[*x], *x)
            }) {
                return Some(p);
            }
            frontier = next;
        }
        None
    }

    /// The attacker's problem for the current hidden set.
    fn problem(&self, hidden: &[bool]) -> Problem {
        let vars = (0..self.names.len())
            .map(|v| match (self.is_published(v), hidden[v], self.values[v]) {
                (true, false, Some(n)) => Var::shown(n),
                (true, true, truth) => Var { known: None, lower: 1, upper: None, truth },
                (_, _, truth) => Var::unpublished(truth),
            })
            .collect();
        let equations = self.equations.iter().map(|(parts, total)| Equation::sum(parts, *total)).collect();
        Problem { vars, equations }
    }

    /// Hidden figures (of this report or the context) that a solver in whole numbers can work out.
    fn determined(&self, hidden: &[bool], integer: bool) -> Vec<usize> {
        let targets: Vec<usize> = (0..self.names.len()).filter(|v| hidden[*v]).collect();
        if !integer {
            let unknown: Vec<bool> =
                (0..self.names.len()).map(|v| hidden[v] || !self.is_published(v)).collect();
            return rank::determined(&self.equations, &unknown).into_iter().filter(|v| hidden[*v]).collect();
        }
        match integer::analyse(&self.problem(hidden), &targets, Budget::default()) {
            Ok(verdicts) => targets
                .into_iter()
                .zip(verdicts)
                .filter(|(_, verdict)| !matches!(verdict, Verdict::Protected { .. }))
                .map(|(v, _)| v)
                .collect(),
            // A malformed system is a bug: hide nothing more rather than loop, and say so.
            Err(e) => {
                tracing::error!(error = %e, "disclosure system malformed");
                Vec::new()
            }
        }
    }
}

/// Decides which figures of the report to hide under `rule`, given figures of other reports
/// already published (`context`, fixed as they were).
pub fn suppress(grids: &[Grid], context: &[Fixed], rule: &Rule) -> Hidden {
    let system = System::new(grids, context, rule.checks.across_reports);
    let mut hidden: Vec<bool> = (0..system.names.len())
        .map(|v| match system.roles[v] {
            Role::Cell | Role::Total => system.values[v].is_some_and(|n| rule.primary(n)),
            Role::Context => context.iter().any(|f| f.name == system.names[v] && f.hidden),
            Role::Unpublished => false,
        })
        .collect();
    let primary: Vec<bool> = hidden.clone();
    let mut unprotected = Vec::new();
    if rule.secondary {
        let mut given_up: BTreeSet<usize> = BTreeSet::new();
        // Figures hidden beside another that turned out to be worked out themselves: hiding them
        // protects nothing (the attacker has their value), so they are shown again and never
        // chosen again.
        let mut banned: BTreeSet<usize> = BTreeSet::new();
        loop {
            let mut changed = false;
            // The cheap rule first: an equation of published figures with exactly one hidden.
            for e in 0..system.equations.len() {
                let members = system.members(e);
                if members.iter().all(|m| system.is_published(*m))
                    && members.iter().filter(|v| hidden[**v]).count() == 1
                    && let Some(v) = members.iter().find(|v| hidden[**v])
                    && let Some(p) = system.partner(*v, &hidden, &banned)
                {
                    hidden[p] = true;
                    changed = true;
                }
            }
            if changed {
                continue;
            }
            // Then the exact check, for what combinations of equations reveal.
            let fixed: Vec<usize> = system
                .determined(&hidden, rule.checks.integer)
                .into_iter()
                .filter(|v| !given_up.contains(v))
                .collect();
            // A secondary figure worked out is shown again, and never chosen again.
            let useless: Vec<usize> = fixed
                .iter()
                .copied()
                .filter(|v| !primary[*v] && matches!(system.roles[*v], Role::Cell | Role::Total))
                .collect();
            if !useless.is_empty() {
                for v in useless {
                    hidden[v] = false;
                    banned.insert(v);
                }
                continue;
            }
            let Some(&v) = fixed.first() else { break };
            match system.partner(v, &hidden, &banned) {
                Some(p) => hidden[p] = true,
                None => {
                    // Nothing left to hide beside it: fixed by zeros and figures that must stay.
                    given_up.insert(v);
                    if system.values[v].is_some_and(|n| n > 0) {
                        unprotected.push(system.names[v].clone());
                    }
                }
            }
        }
    }
    Hidden {
        names: (0..system.names.len())
            .filter(|v| hidden[*v] && matches!(system.roles[*v], Role::Cell | Role::Total))
            .map(|v| system.names[v].clone())
            .collect(),
        unprotected,
    }
}

#[cfg(test)]
mod tests;
