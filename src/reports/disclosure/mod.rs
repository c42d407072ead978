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
mod system;
#[cfg(test)]
pub(crate) use system::CONFLICTS;

/// The exact integer check (its own crate, `crates/intcheck`).
pub use intcheck as integer;

use std::collections::BTreeSet;

use integer::Budget;
use system::{Role, Status, System, TRIAL, is_anchor};

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

impl From<&crate::config::ReportsConfig> for Rule {
    /// The configured rule (`[reports]`), with the default checks.
    fn from(c: &crate::config::ReportsConfig) -> Rule {
        Rule {
            suppress_from: c.suppress_from,
            suppress_to: c.suppress_to,
            secondary: c.secondary,
            checks: Default::default(),
            windows_from: c.published_windows_from,
        }
    }
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
