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

pub mod names;
mod rank;

/// The exact integer check (its own crate, `crates/intcheck`).
pub use intcheck as integer;

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
    /// Hidden where a `*` may also stand for 0 (every table printing it hides zeros too).
    pub may_be_zero: bool,
}

/// What the reports already published tell a reader: every figure as published, and the sums
/// their tables print between them (rows, columns and totals, by name).
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub figures: Vec<Fixed>,
    pub sums: Vec<(Vec<String>, String)>,
}

impl Context {
    /// Another set's context added to this one.
    pub fn extend(&mut self, other: &Context) {
        self.figures.extend(other.figures.iter().cloned());
        self.sums.extend(other.sums.iter().cloned());
    }
}

impl Grid {
    /// The sums the table prints, by name: each row's cells to its total, each column's, and the
    /// row and column totals to the grand total (none when a case may count in several rows).
    pub fn sums(&self) -> Vec<(Vec<String>, String)> {
        if self.multi_valued {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (names, total) in self.cell_names.iter().zip(&self.row_totals) {
            out.push((names.clone(), total.clone()));
        }
        for (c, total) in self.column_totals.iter().enumerate() {
            out.push((self.cell_names.iter().filter_map(|r| r.get(c).cloned()).collect(), total.clone()));
        }
        out.push((self.row_totals.clone(), self.total.clone()));
        out.push((self.column_totals.clone(), self.total.clone()));
        out.retain(|(parts, total)| !(parts.is_empty() || parts.len() == 1 && parts[0] == *total));
        out
    }
}

/// The names of the figures to hide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hidden {
    pub names: BTreeSet<String>,
    /// The tables (by index in the grids given) in which a `*` may also stand for 0: where even
    /// every other figure hidden left a count fixed, zeros are hidden too.
    pub zeros_hidden: BTreeSet<usize>,
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
    /// The equations each variable is in.
    eq_of: Vec<Vec<usize>>,
    /// The grids printing each variable.
    tables_of: Vec<Vec<usize>>,
    /// Context figures another report hid where a `*` may be 0.
    context_zero: BTreeSet<usize>,
}

/// Whether a name is a year's total deaths notified or reviews completed in an area (or areas),
/// or a span of such years: shown in every report's trend, so hidden only when small itself.
fn is_anchor(name: &str) -> bool {
    names::Name::parse(name).is_some_and(|n| {
        // A span of years' total is their sum: known as soon as they are.
        n.dims.is_empty() && n.filter.is_empty() && (n.kind == "notified" || n.kind == "reviewed")
    })
}

impl System {
    fn var(&mut self, name: &str, value: Option<u64>, role: Role, table: Option<usize>) -> usize {
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
            if self.values[i].is_none() {
                self.values[i] = value;
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

    /// Figures that could be hidden next to `v`, nearest first: shown, non-zero figures of the
    /// report (not another report's) reached through the equations from `v` — cells of the same
    /// table first, then the smallest cell, then the smallest total, level by level — and, only
    /// when no other figure is left, a year's total (deaths notified or reviews completed: every
    /// report's trend shows them).
    fn candidates(&self, v: usize, hidden: &[bool]) -> (Vec<usize>, Vec<usize>) {
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
    fn hidden_in_reach(&self, hidden: &[bool]) -> Vec<usize> {
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
    fn may_be_zero(&self, v: usize, marked: &BTreeSet<usize>) -> bool {
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
    fn determined(&self, hidden: &[bool], integer: bool) -> Vec<usize> {
        let targets: Vec<usize> = (0..self.names.len()).filter(|v| hidden[*v]).collect();
        self.determined_of(hidden, &BTreeSet::new(), integer, &targets)
    }

    /// [`System::determined`] for some targets only: those not proved to have two feasible
    /// values (determined, or unproven within the budget).
    fn determined_of(
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
    fn local_problem(
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
    fn var_of(&self, v: usize, hidden: &[bool], marked: &BTreeSet<usize>) -> Var {
        match (self.is_published(v), hidden[v], self.values[v]) {
            (true, false, Some(n)) => Var::shown(n),
            (true, true, truth) => {
                Var { known: None, lower: u64::from(!self.may_be_zero(v, marked)), upper: None, truth }
            }
            (_, _, truth) => Var::unpublished(truth),
        }
    }

    /// What the attacker can learn of each target.
    fn verdicts(
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
            let fixed = rank::determined(&self.equations, &unknown);
            return targets
                .iter()
                .map(|t| (*t, if fixed.contains(t) { Status::Determined } else { Status::Protected }))
                .collect();
        }
        // Only the part of the system the targets' values run through: the equations reached
        // from them through figures the attacker does not know.
        let (problem, local) = self.local_problem(hidden, marked, targets);
        let local_targets: Vec<usize> = targets.iter().filter_map(|t| local.get(t).copied()).collect();
        match integer::analyse(&problem, &local_targets, budget) {
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
const TRIAL: Budget = Budget { nodes_per_target: 400, nodes_total: 2_000, quick_only: true };

/// What the attacker can learn of a hidden figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Two feasible values, witnessed.
    Protected,
    /// One feasible value, proved.
    Determined,
    /// Neither proved within the budget: treated as disclosed.
    Unproven,
}

/// Decides which figures of the report to hide under `rule`, given figures of other reports
/// already published (`context`, fixed as they were).
pub fn suppress(grids: &[Grid], context: &Context, rule: &Rule) -> Hidden {
    let system = System::new(grids, context, rule.checks.across_reports);
    let hidden_before: BTreeSet<&str> =
        context.figures.iter().filter(|f| f.hidden).map(|f| f.name.as_str()).collect();
    let mut hidden: Vec<bool> = (0..system.names.len())
        .map(|v| match system.roles[v] {
            Role::Cell | Role::Total => system.values[v].is_some_and(|n| rule.primary(n)),
            Role::Context => hidden_before.contains(system.names[v].as_str()),
            Role::Unpublished => false,
        })
        .collect();
    // A combination's year total is the sum of its areas' totals, which every report of theirs
    // shows: when one of them is hidden (small), so is the combination's, in every report alike.
    for (v, h) in hidden.iter_mut().enumerate() {
        if matches!(system.roles[v], Role::Cell | Role::Total)
            && is_anchor(&system.names[v])
            && let Some(n) = names::Name::parse(&system.names[v])
            && n.areas.len() > 1
        {
            let small_member = n.areas.iter().any(|a| {
                let member = names::Name { areas: vec![*a], ..n.clone() }.write();
                system.index.get(&member).is_some_and(|m| system.values[*m].is_some_and(|x| rule.primary(x)))
            });
            if small_member {
                *h = true;
            }
        }
    }
    let primary: Vec<bool> = hidden.clone();
    // A table printing a figure another report hid where a `*` may be 0 says so too (that figure
    // may be a zero it hides): otherwise the reader would learn it is at least 1.
    let mut marked: BTreeSet<usize> =
        system.context_zero.iter().flat_map(|v| system.tables_of[*v].iter().copied()).collect();
    let mut unprotected = Vec::new();
    if rule.secondary {
        let integer = rule.checks.integer;
        // Protected figures stay protected (hiding more, showing what is known anyway, or letting
        // a hidden figure be 0 never makes one workable again), so the hidden figures are checked
        // once and then only those still workable, one at a time, each against the part of the
        // system it is tied to.
        let all = system.hidden_in_reach(&hidden);
        let mut queue: Vec<usize> = system.determined_of(&hidden, &marked, integer, &all);
        let mut recheck: BTreeSet<usize> = BTreeSet::new();
        queue.reverse();
        let mut steps = 0;
        while let Some(v) = queue.pop() {
            steps += 1;
            if steps > 20 * system.names.len() + 100 {
                break;
            }
            if system
                .verdicts(&hidden, &marked, integer, &[v], TRIAL)
                .iter()
                .all(|(_, s)| *s == Status::Protected)
            {
                continue;
            }
            // The nearest figure whose hiding leaves both it and `v` with two feasible values;
            // failing that, the nearest one (then `v`, and it, are looked at again). When no
            // count is left to hide, a zero beside it is hidden and its tables marked: a `*`
            // there may be 0.
            let (candidates, zeros) = system.candidates(v, &hidden);
            // A trial is cut short (a candidate that does not plainly help is passed over): only
            // a witnessed protection counts, so a short budget is never unsafe.
            let trial = |hidden: &[bool], marked: &BTreeSet<usize>, targets: &[usize]| {
                system
                    .verdicts(hidden, marked, integer, targets, TRIAL)
                    .iter()
                    .all(|(_, s)| *s == Status::Protected)
            };
            let mut chosen = None;
            for c in candidates.iter().take(8) {
                hidden[*c] = true;
                if trial(&hidden, &marked, &[v, *c]) {
                    chosen = Some(*c);
                    break;
                }
                hidden[*c] = false;
            }
            if chosen.is_none() && candidates.is_empty() {
                for z in zeros.iter().take(8) {
                    let before = marked.clone();
                    hidden[*z] = true;
                    marked.extend(system.tables_of[*z].iter().copied());
                    if trial(&hidden, &marked, &[v]) {
                        chosen = Some(*z);
                        recheck.insert(*z);
                        break;
                    }
                    hidden[*z] = false;
                    marked = before;
                }
            }
            match (chosen, candidates.first(), zeros.first()) {
                (Some(_), _, _) => {}
                (None, Some(c), _) => {
                    hidden[*c] = true;
                    queue.push(*c);
                    queue.push(v);
                }
                (None, None, Some(z)) => {
                    hidden[*z] = true;
                    recheck.insert(*z);
                    marked.extend(system.tables_of[*z].iter().copied());
                    queue.push(v);
                }
                // Nothing left to hide beside it: looked at again below.
                (None, None, None) => {
                    recheck.insert(v);
                }
            }
        }
        // Every figure the loop saw protected stays so (hiding more, or letting a `*` be 0, only
        // adds solutions), so only those it gave up on, and the zeros it hid, are looked at
        // again, in full. A figure
        // hidden beside another that the attacker can still work out (proved, not merely
        // unproven) protects nothing: shown again, since showing a value every solution already
        // has changes nothing for the others. The rest are reported.
        recheck.extend(queue);
        let left: Vec<usize> = recheck.into_iter().filter(|v| hidden[*v]).collect();
        for (v, status) in system.verdicts(&hidden, &marked, integer, &left, Budget::default()) {
            match status {
                Status::Protected => {}
                Status::Determined if !primary[v] && matches!(system.roles[v], Role::Cell | Role::Total) => {
                    hidden[v] = false;
                }
                _ if system.values[v].is_some_and(|n| n > 0) => unprotected.push(system.names[v].clone()),
                _ => {}
            }
        }
    }
    Hidden {
        // A figure another report hid stays hidden where this report prints it too.
        names: (0..system.names.len())
            .filter(|v| hidden[*v] && system.roles[*v] != Role::Unpublished)
            .map(|v| system.names[v].clone())
            .collect(),
        zeros_hidden: marked,
        unprotected,
    }
}

#[cfg(test)]
mod tests;
