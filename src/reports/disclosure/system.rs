//! The system of equations behind suppression: a variable per canonical figure name (a cell, a
//! total, another report's published figure, or a sum never published), the equations between
//! them, and the integer check of which hidden figures an attacker could solve for.

use std::collections::{BTreeMap, BTreeSet};

use super::integer::{Budget, Equation, Problem, Var, Verdict};
use super::{Context, Grid, names};

#[cfg(test)]
thread_local! {
    /// Conflicts found on this thread (tests: every system a test builds).
    pub(crate) static CONFLICTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// What a variable of the system is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
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
    pub(super) index: BTreeMap<String, usize>,
    pub(super) values: Vec<Option<u64>>,
    pub(super) roles: Vec<Role>,
    /// Each equation: (parts, total), all +1 except the total.
    pub(crate) equations: Vec<(Vec<usize>, usize)>,
    /// The variables of each grid (for choosing a partner in the same table first).
    pub(super) table_of: Vec<Option<usize>>,
    /// The equations each variable is in.
    pub(super) eq_of: Vec<Vec<usize>>,
    /// The grids printing each variable.
    pub(super) tables_of: Vec<Vec<usize>>,
    /// Context figures another report hid where a `*` may be 0.
    pub(super) context_zero: BTreeSet<usize>,
    /// Names given two different counts (`name: first and second`): a table named for cases it
    /// does not count. Logged as errors; empty in a sound report.
    pub(crate) conflicts: Vec<String>,
}

/// Whether a name is a year's total deaths notified or reviews completed in an area (or areas),
/// or a span of such years: shown in every report's trend, so hidden only when small itself.
pub(super) fn is_anchor(name: &str) -> bool {
    names::Name::parse(name).is_some_and(|n| {
        // A span of years' total is their sum: known as soon as they are.
        n.dims.is_empty() && n.filter.is_empty() && (n.kind == "notified" || n.kind == "reviewed")
    })
}

impl System {
    pub(super) fn var(&mut self, name: &str, value: Option<u64>, role: Role, table: Option<usize>) -> usize {
        if let Some(i) = self.index.get(name) {
            let i = *i;
            if let Some(t) = table
                && !self.tables_of[i].contains(&t)
            {
                self.tables_of[i].push(t);
            }
            // A figure of the report outranks an atom of the same name; values agree (the same
            // cases counted twice), and the first known one is kept.
            if self.roles[i] == Role::Unpublished && role != Role::Unpublished {
                self.roles[i] = role;
                self.table_of[i] = table;
            }
            match (self.values[i], value) {
                (None, v) => self.values[i] = v,
                (Some(old), Some(new)) if old != new => {
                    // One name is one set of cases: two counts under it mean a table was named
                    // for cases it does not count, and the system has no solution (the exact
                    // check would search it to the end of its budget). Names are coded, never
                    // identifying.
                    tracing::error!(name, old, new, "two figures of one canonical name disagree");
                    self.conflicts.push(format!("{name}: {old} and {new}"));
                    #[cfg(test)]
                    CONFLICTS.with(|c| c.set(c.get() + 1));
                }
                _ => {}
            }
            return i;
        }
        self.names.push(name.to_string());
        self.values.push(value);
        self.roles.push(role);
        self.table_of.push(table);
        self.tables_of.push(table.into_iter().collect());
        self.index.insert(name.to_string(), self.names.len() - 1);
        self.names.len() - 1
    }

    pub(crate) fn new(grids: &[Grid], context: &Context, across: bool) -> System {
        let mut s = System {
            names: Vec::new(),
            index: BTreeMap::new(),
            values: Vec::new(),
            roles: Vec::new(),
            equations: Vec::new(),
            table_of: Vec::new(),
            eq_of: Vec::new(),
            tables_of: Vec::new(),
            context_zero: BTreeSet::new(),
            conflicts: Vec::new(),
        };
        if across {
            for f in &context.figures {
                let v = s.var(&f.name, Some(f.value), Role::Context, None);
                if f.hidden && f.may_be_zero {
                    s.context_zero.insert(v);
                }
            }
            // The published tables' own sums: a reader of both reports has them too.
            for (parts, total) in &context.sums {
                let parts: Vec<usize> =
                    parts.iter().map(|p| s.var(p, None, Role::Unpublished, None)).collect();
                let total = s.var(total, None, Role::Unpublished, None);
                s.equation(parts, total);
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
        s.eq_of = vec![Vec::new(); s.names.len()];
        for (e, (parts, total)) in s.equations.iter().enumerate() {
            for v in parts.iter().chain([total]) {
                if s.eq_of[*v].last() != Some(&e) {
                    s.eq_of[*v].push(e);
                }
            }
        }
        s
    }

    pub(super) fn equation(&mut self, mut parts: Vec<usize>, total: usize) {
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
    pub(super) fn relate(&mut self) {
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

    pub(super) fn is_published(&self, v: usize) -> bool {
        self.roles[v] != Role::Unpublished
    }

    /// The members of equation `e`, total included.
    pub(super) fn members(&self, e: usize) -> Vec<usize> {
        let (parts, total) = &self.equations[e];
        let mut m = parts.clone();
        m.push(*total);
        m
    }

    /// Figures that could be hidden next to `v`, nearest first: shown, non-zero figures of the
    /// report (not another report's) reached through the equations from `v` — cells of the same
    /// table first, then the smallest cell, then the smallest total, level by level — and, only
    /// when no other figure is left, a year's total (deaths notified or reviews completed: every
    /// report's trend shows them).
    pub(super) fn candidates(&self, v: usize, hidden: &[bool]) -> (Vec<usize>, Vec<usize>) {
        let eligible = |x: usize| {
            !hidden[x]
                && matches!(self.roles[x], Role::Cell | Role::Total)
                && self.values[x].is_some_and(|n| n > 0)
        };
        let zero = |x: usize| !hidden[x] && self.roles[x] == Role::Cell && self.values[x] == Some(0);
        let mut out = Vec::new();
        let mut zeros = Vec::new();
        let mut anchors = Vec::new();
        let mut frontier = vec![v];
        let mut seen: BTreeSet<usize> = BTreeSet::from([v]);
        while !frontier.is_empty() && out.len() < 24 {
            let mut level = Vec::new();
            let mut next = Vec::new();
            for x in &frontier {
                for e in &self.eq_of[*x] {
                    for m in self.members(*e) {
                        if !seen.insert(m) {
                            continue;
                        }
                        // Shown figures end a path (the attacker knows them); hidden and
                        // unpublished ones lead on.
                        if eligible(m) {
                            if is_anchor(&self.names[m]) { anchors.push(m) } else { level.push(m) }
                        } else if zero(m) {
                            zeros.push(m);
                        } else if hidden[m] || !self.is_published(m) {
                            next.push(m);
                        }
                    }
                }
            }
            level.sort_by_key(|x| {
                (self.table_of[*x] != self.table_of[v], self.roles[*x] == Role::Total, self.values[*x], *x)
            });
            out.extend(level);
            frontier = next;
        }
        // A year's total is never hidden to protect another figure: every trend shows it.
        let _ = anchors;
        zeros.sort_by_key(|x| (self.table_of[*x] != self.table_of[v], *x));
        (out, zeros)
    }

    /// The hidden figures this report can bear on: its own, and those of other reports whose
    /// values run (through figures the attacker does not know) to an equation with one of its
    /// figures. The rest were checked when their own reports were published.
    pub(super) fn hidden_in_reach(&self, hidden: &[bool]) -> Vec<usize> {
        let unknown = |x: usize| hidden[x] || !self.is_published(x);
        let own = |x: usize| matches!(self.roles[x], Role::Cell | Role::Total);
        let mut reached = vec![false; self.names.len()];
        let mut stack: Vec<usize> = Vec::new();
        for e in 0..self.equations.len() {
            let members = self.members(e);
            if members.iter().any(|m| own(*m)) {
                for m in members {
                    if unknown(m) && !reached[m] {
                        reached[m] = true;
                        stack.push(m);
                    }
                }
            }
        }
        while let Some(x) = stack.pop() {
            for e in &self.eq_of[x] {
                for m in self.members(*e) {
                    if unknown(m) && !reached[m] {
                        reached[m] = true;
                        stack.push(m);
                    }
                }
            }
        }
        (0..self.names.len()).filter(|v| hidden[*v] && (own(*v) || reached[*v])).collect()
    }

    /// Whether a hidden figure may be 0 to the attacker: every table printing it hides zeros
    /// too (or the report that published it said so).
    pub(super) fn may_be_zero(&self, v: usize, marked: &BTreeSet<usize>) -> bool {
        let here = self.tables_of[v].iter().all(|t| marked.contains(t));
        if self.roles[v] == Role::Context {
            // Printed without the note here, a `*` another report let be 0 is at least 1.
            self.context_zero.contains(&v) && here
        } else {
            !self.tables_of[v].is_empty() && here
        }
    }

    /// Hidden figures (of this report or the context) that a solver in whole numbers can work out.
    #[cfg(test)]
    pub(super) fn determined(&self, hidden: &[bool], integer: bool) -> Vec<usize> {
        let targets: Vec<usize> = (0..self.names.len()).filter(|v| hidden[*v]).collect();
        self.determined_of(hidden, &BTreeSet::new(), integer, &targets)
    }

    /// [`System::determined`] for some targets only: those not proved to have two feasible
    /// values (determined, or unproven within the budget).
    pub(super) fn determined_of(
        &self,
        hidden: &[bool],
        marked: &BTreeSet<usize>,
        integer: bool,
        targets: &[usize],
    ) -> Vec<usize> {
        self.verdicts(hidden, marked, integer, targets, Budget::default())
            .into_iter()
            .filter(|(_, s)| *s != Status::Protected)
            .map(|(v, _)| v)
            .collect()
    }

    /// The attacker's problem restricted to what `seeds` are tied to: every equation reached
    /// from them through unknown figures (hidden, or never published), with the shown figures
    /// those equations name as constants. Returns it with the map from the system's variables.
    pub(super) fn local_problem(
        &self,
        hidden: &[bool],
        marked: &BTreeSet<usize>,
        seeds: &[usize],
    ) -> (Problem, BTreeMap<usize, usize>) {
        let unknown = |x: usize| hidden[x] || !self.is_published(x);
        let mut seen: BTreeSet<usize> = seeds.iter().copied().collect();
        let mut stack: Vec<usize> = seeds.to_vec();
        let mut equations: BTreeSet<usize> = BTreeSet::new();
        while let Some(x) = stack.pop() {
            for e in &self.eq_of[x] {
                if equations.insert(*e) {
                    for m in self.members(*e) {
                        if unknown(m) && seen.insert(m) {
                            stack.push(m);
                        }
                    }
                }
            }
        }
        let mut local: BTreeMap<usize, usize> = BTreeMap::new();
        let mut problem = Problem::default();
        let mut id = |v: usize, problem: &mut Problem| -> usize {
            *local.entry(v).or_insert_with(|| {
                problem.vars.push(self.var_of(v, hidden, marked));
                problem.vars.len() - 1
            })
        };
        for t in seeds {
            id(*t, &mut problem);
        }
        for e in equations {
            let (parts, total) = &self.equations[e];
            let parts: Vec<usize> = parts.iter().map(|p| id(*p, &mut problem)).collect();
            let total = id(*total, &mut problem);
            problem.equations.push(Equation::sum(&parts, total));
        }
        (problem, local)
    }

    /// A variable as the attacker sees it.
    pub(super) fn var_of(&self, v: usize, hidden: &[bool], marked: &BTreeSet<usize>) -> Var {
        match (self.is_published(v), hidden[v], self.values[v]) {
            (true, false, Some(n)) => Var::shown(n),
            (true, true, truth) => {
                Var { known: None, lower: u64::from(!self.may_be_zero(v, marked)), upper: None, truth }
            }
            (_, _, truth) => Var::unpublished(truth),
        }
    }

    /// What the attacker can learn of each target.
    pub(super) fn verdicts(
        &self,
        hidden: &[bool],
        marked: &BTreeSet<usize>,
        integer: bool,
        targets: &[usize],
        budget: Budget,
    ) -> Vec<(usize, Status)> {
        if !integer {
            let unknown: Vec<bool> =
                (0..self.names.len()).map(|v| hidden[v] || !self.is_published(v)).collect();
            let fixed = super::rank::determined(&self.equations, &unknown);
            return targets
                .iter()
                .map(|t| (*t, if fixed.contains(t) { Status::Determined } else { Status::Protected }))
                .collect();
        }
        // Only the part of the system the targets' values run through: the equations reached
        // from them through figures the attacker does not know.
        let (problem, local) = self.local_problem(hidden, marked, targets);
        let local_targets: Vec<usize> = targets.iter().filter_map(|t| local.get(t).copied()).collect();
        match super::integer::analyse(&problem, &local_targets, budget) {
            Ok(verdicts) => targets
                .iter()
                .zip(verdicts)
                .map(|(t, verdict)| {
                    let status = match verdict {
                        Verdict::Protected { .. } => Status::Protected,
                        Verdict::Determined(_) => Status::Determined,
                        Verdict::Unproven | Verdict::Infeasible => Status::Unproven,
                    };
                    (*t, status)
                })
                .collect(),
            // A malformed system is a bug: count nothing as protected, and say so.
            Err(e) => {
                tracing::error!(error = %e, "disclosure system malformed");
                targets.iter().map(|t| (*t, Status::Unproven)).collect()
            }
        }
    }
}

/// The work allowed to a trial of one candidate partner (search nodes).
pub(super) const TRIAL: Budget = Budget { nodes_per_target: 400, nodes_total: 2_000, quick_only: true };

/// What the attacker can learn of a hidden figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// Two feasible values, witnessed.
    Protected,
    /// One feasible value, proved.
    Determined,
    /// Neither proved within the budget: treated as disclosed.
    Unproven,
}
