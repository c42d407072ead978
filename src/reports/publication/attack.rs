//! The attacker: every table of a panel's published reports over five years — two areas and
//! their combination, each year's annual report, thematic reports (a theme of categories, a
//! theme of panel themes, a one-year theme) and an ad-hoc report — solved as integer programmes,
//! hidden figures at least 1, by an independent solver (microlp). With the protections on, no
//! hidden figure has a single feasible value; with them off (each report suppressed alone, by
//! real-valued rank), the attacker recovers some. Pure and synthetic: no database.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::{Publisher, Source, annual_set, grid_ends, theme_set};
use crate::domain::dates::ReportingYear;
use crate::reports::annual::{Block, Report};
use crate::reports::disclosure::integer::{Equation, Problem, Var};
use crate::reports::disclosure::names::{self, Name};
use crate::reports::disclosure::{Checks, Context, Rule};
use crate::reports::rates::RateRule;
use crate::reports::table::{Mode, Shown, ShownTable};

mod synthetic;

use synthetic::*;

/// Every report of the set, in the order the panel publishes them.
fn publish(checks: Checks) -> Vec<Report> {
    publish_some(checks, &[0, 1, 2], true)
}

fn publish_some(checks: Checks, themes: &[usize], with_adhoc: bool) -> Vec<Report> {
    let registry = crate::forms::Registry::shipped().expect("shipped forms");
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let labels = crate::reports::annual::labels(&registry, today);
    let source = Synthetic(cases(&labels));
    let rule = Rule { checks, ..Rule::default() };
    let mode = Mode::Published(rule.clone());
    let rates = RateRule::default();
    let areas: Vec<(i64, String)> = AREAS.iter().map(|a| (*a, format!("Area {a}"))).collect();
    let scopes = super::canonical_scopes(&areas);
    let predefined = vec![
        theme("suicide", &["suicide_self_harm"], &[], 5),
        theme("sleep", &[], &["safe_sleep"], 5),
        theme("suicide-yearly", &["suicide_self_harm"], &[], 1),
    ];
    let adhoc = theme("saved-1", &["suicide_self_harm", "trauma_external"], &[], 5);
    let mut out = Vec::new();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    if checks.across_reports {
        let mut p = Publisher::with_source(source, areas.clone(), labels, rates, today);
        runtime.block_on(async {
            for y in YEARS {
                let set = p.annual_published(ReportingYear(y), &mode).await.expect("annual");
                out.extend(set.reports.iter().map(|(_, r)| r.clone()));
            }
            for (i, t) in predefined.iter().enumerate() {
                if !themes.contains(&i) {
                    continue;
                }
                for end in grid_ends(t.years, rule.windows_from, *YEARS.end(), 20)
                    .into_iter()
                    .filter(|e| *e >= *YEARS.start())
                {
                    let set = p
                        .theme_published(t, ReportingYear(end), &predefined[..i], &mode)
                        .await
                        .expect("theme");
                    out.extend(set.reports.into_iter().map(|(_, r)| r));
                }
            }
            for end in grid_ends(adhoc.years, rule.windows_from, *YEARS.end(), 20)
                .into_iter()
                .filter(|e| with_adhoc && *e >= *YEARS.start())
            {
                let set =
                    p.theme_published(&adhoc, ReportingYear(end), &predefined, &mode).await.expect("ad hoc");
                out.extend(set.reports.into_iter().map(|(_, r)| r));
            }
        });
    } else {
        // Each report on its own, as the service suppressed them before.
        for y in YEARS {
            for s in &scopes {
                let ids: Vec<i64> = s.iter().map(|(a, _)| *a).collect();
                let data = source.annual_data(y, &ids);
                let set = annual_set(
                    ReportingYear(y),
                    &[(s.clone(), data)],
                    &labels,
                    &mode,
                    rates,
                    today,
                    &Context::default(),
                );
                out.extend(set.reports.into_iter().map(|(_, r)| r));
            }
        }
        // Without fixed windows: every window end, overlapping.
        for t in predefined.iter().chain([&adhoc]) {
            for end in YEARS {
                for s in &scopes {
                    let ids: Vec<i64> = s.iter().map(|(a, _)| *a).collect();
                    let data = runtime.block_on(source.theme(t, ReportingYear(end), &ids)).expect("theme");
                    let set = theme_set(
                        t,
                        ReportingYear(end),
                        &[(s.clone(), data)],
                        &labels,
                        &mode,
                        rates,
                        today,
                        &Context::default(),
                    );
                    out.extend(set.reports.into_iter().map(|(_, r)| r));
                }
            }
        }
    }
    out
}

/// The attacker's system: a variable per published name (shown: its value; hidden: at least 1)
/// and per atom never published (at least 0); the tables' sums; each name as the sum of its
/// atoms; and the cases still open, year to year.
struct Attack {
    index: BTreeMap<String, usize>,
    vars: Vec<Var>,
    equations: Vec<Equation>,
    hidden: Vec<usize>,
}

impl Attack {
    fn var(&mut self, name: &str, v: Var) -> usize {
        if let Some(i) = self.index.get(name) {
            let i = *i;
            if v.known.is_some() {
                self.vars[i] = v; // shown anywhere: known
            } else if self.vars[i].known.is_none() && v.lower > self.vars[i].lower {
                self.vars[i] = v;
            }
            return i;
        }
        self.vars.push(v);
        self.index.insert(name.to_string(), self.vars.len() - 1);
        self.vars.len() - 1
    }

    fn sum(&mut self, parts: &[&str], total: &str) {
        let parts: Vec<usize> = parts.iter().map(|p| self.var(p, Var::unpublished(None))).collect();
        let total = self.var(total, Var::unpublished(None));
        if !(parts.len() == 1 && parts[0] == total) {
            self.equations.push(Equation::sum(&parts, total));
        }
    }

    fn new(reports: &[Report]) -> Attack {
        let mut a =
            Attack { index: BTreeMap::new(), vars: Vec::new(), equations: Vec::new(), hidden: Vec::new() };
        // A hidden figure is at least 1, unless every table printing it says a * may be 0.
        let mut zero_ok: BTreeMap<&String, bool> = BTreeMap::new();
        for r in reports {
            for (name, shown, zeros) in &r.figures {
                if *shown == Shown::Suppressed {
                    *zero_ok.entry(name).or_insert(true) &= *zeros;
                }
            }
        }
        for r in reports {
            for (name, shown, _) in &r.figures {
                match shown {
                    Shown::Count(n) => a.var(name, Var::shown(*n)),
                    Shown::Suppressed => {
                        let lower = u64::from(!zero_ok.get(name).copied().unwrap_or(false));
                        a.var(name, Var { known: None, lower, upper: None, truth: None })
                    }
                };
            }
        }
        // The printed tables' rows and columns.
        for r in reports {
            for t in r.sections.iter().flat_map(|s| &s.blocks).filter_map(|b| match b {
                Block::Counts { table, .. } => Some(table),
                _ => None,
            }) {
                a.table(t);
            }
        }
        // Every name as the sum of its atoms.
        let published: Vec<String> = a.index.keys().cloned().collect();
        for name in &published {
            let Some(n) = Name::parse(name) else { continue };
            if n.is_atom() {
                continue;
            }
            if let Some(atoms) = names::atoms(&n) {
                let parts: Vec<&str> = atoms.iter().map(String::as_str).collect();
                a.sum(&parts, name);
            }
        }
        // Cases still open at the end of year Y-1 were reviewed in Y or are still open (nothing
        // else happens to them in these cases): open(Y-1) = reviews in Y of earlier cases + U,
        // open(Y) = U + V, notified(Y) = reviews in Y of Y's cases + V.
        for area in ["a:1", "a:2", "a:1+2"] {
            for y in YEARS.skip(1) {
                let earlier: Vec<String> = (*YEARS.start() - 10..y)
                    .map(|n| format!("{area}|reviewed:{y}|notified_year={n}"))
                    .collect();
                let (u, v) = (format!("{area}|open-earlier:{y}|all"), format!("{area}|open-new:{y}|all"));
                let mut parts: Vec<&str> = earlier.iter().map(String::as_str).collect();
                parts.push(&u);
                a.sum(&parts, &format!("{area}|open:{}|all", y - 1));
                a.sum(&[&u, &v], &format!("{area}|open:{y}|all"));
                a.sum(
                    &[&format!("{area}|reviewed:{y}|notified_year={y}"), &v],
                    &format!("{area}|notified:{y}|all"),
                );
            }
        }
        let published: BTreeSet<&String> = zero_ok.keys().copied().collect();
        a.hidden = a
            .index
            .iter()
            .filter(|(n, v)| published.contains(n) && a.vars[**v].known.is_none())
            .map(|(_, v)| *v)
            .collect();
        a
    }

    /// A printed table's sums, from its figures (cells row by row, each row's total after its
    /// cells when there are several columns, then the column totals and the grand total).
    fn table(&mut self, t: &ShownTable) {
        if t.multi_valued {
            return;
        }
        let cols = t.columns.len();
        let several = cols > 1;
        let names: Vec<&str> = t.figures.iter().map(|(n, _)| n.as_str()).collect();
        let per_row = if several { cols + 1 } else { cols };
        let rows = t.rows.len();
        if names.len() != rows * per_row + if several { cols + 1 } else { 1 } {
            return;
        }
        let cell = |r: usize, c: usize| names[r * per_row + c];
        let grand = names[names.len() - 1];
        let row_totals: Vec<&str> =
            (0..rows).map(|r| if several { names[r * per_row + cols] } else { cell(r, 0) }).collect();
        if several {
            for (r, total) in row_totals.iter().enumerate() {
                let parts: Vec<&str> = (0..cols).map(|c| cell(r, c)).collect();
                self.sum(&parts, total);
            }
        }
        if several {
            for c in 0..cols {
                let parts: Vec<&str> = (0..rows).map(|r| cell(r, c)).collect();
                self.sum(&parts, names[rows * per_row + c]);
            }
        }
        self.sum(&row_totals, grand);
    }

    /// The hidden figures with one feasible value, each solved by microlp in its component.
    fn recovered(&self) -> Vec<(String, i64)> {
        // Components of the unknowns through the equations.
        let mut parent: Vec<usize> = (0..self.vars.len()).collect();
        fn find(p: &mut [usize], x: usize) -> usize {
            let mut r = x;
            while p[r] != r {
                r = p[r];
            }
            p[x] = r;
            r
        }
        for e in &self.equations {
            let unknown: Vec<usize> =
                e.terms.iter().map(|(v, _)| *v).filter(|v| self.vars[*v].known.is_none()).collect();
            for w in unknown.windows(2) {
                let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
                parent[a] = b;
            }
        }
        let names: BTreeMap<usize, &String> = self.index.iter().map(|(n, i)| (*i, n)).collect();
        let mut by_component: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for v in &self.hidden {
            by_component.entry(find(&mut parent, *v)).or_default().push(*v);
        }
        let mut out = Vec::new();
        for (root, targets) in by_component {
            let members: BTreeSet<usize> = (0..self.vars.len())
                .filter(|v| self.vars[*v].known.is_none() && find(&mut parent, *v) == root)
                .collect();
            // The component's problem: its unknowns, and the shown figures its equations name.
            let mut local: BTreeMap<usize, usize> = BTreeMap::new();
            let mut p = Problem::default();
            for e in self.equations.iter().filter(|e| e.terms.iter().any(|(v, _)| members.contains(v))) {
                // A figure named twice in one sum (zero cells share a name) counts twice.
                let mut merged: BTreeMap<usize, i64> = BTreeMap::new();
                for (v, c) in &e.terms {
                    let i = *local.entry(*v).or_insert_with(|| {
                        p.vars.push(self.vars[*v].clone());
                        p.vars.len() - 1
                    });
                    *merged.entry(i).or_default() += c;
                }
                let terms: Vec<(usize, i64)> = merged.into_iter().filter(|(_, c)| *c != 0).collect();
                if !terms.is_empty() {
                    p.equations.push(Equation { terms, rhs: e.rhs });
                }
            }
            // Every solution found shows each target's value in it: a target seen with two
            // values is not determined, and needs no solve of its own.
            let mut seen: Vec<BTreeSet<i64>> = vec![BTreeSet::new(); p.vars.len()];
            for t in targets {
                let Some(&i) = local.get(&t) else { continue };
                if seen[i].len() > 1 {
                    continue;
                }
                match microlp_range(&p, i, &mut seen) {
                    Some((lo, hi)) if lo == hi => out.push((names[&t].clone(), lo)),
                    _ => {}
                }
            }
        }
        out
    }
}

/// The least and greatest values of unknown `target` in whole numbers (microlp; every unknown at
/// most 1,000, far above any count here), or `None` when microlp cannot say. Each solution's
/// values are added to `seen`.
fn microlp_range(p: &Problem, target: usize, seen: &mut [BTreeSet<i64>]) -> Option<(i64, i64)> {
    use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp};
    let mut ends = [0i64; 2];
    for (i, dir) in [OptimizationDirection::Minimize, OptimizationDirection::Maximize].into_iter().enumerate()
    {
        let mut lp = Lp::new(dir);
        lp.set_time_limit(std::time::Duration::from_secs(20));
        let mut ids = BTreeMap::new();
        for (v, var) in p.vars.iter().enumerate() {
            if var.known.is_none() {
                let obj = if v == target { 1.0 } else { 0.0 };
                ids.insert(v, lp.add_integer_var(obj, (var.lower as i32, 1000)));
            }
        }
        for eq in &p.equations {
            let mut rhs = eq.rhs as f64;
            let mut terms = Vec::new();
            for (v, a) in &eq.terms {
                match p.vars[*v].known {
                    Some(k) => rhs -= *a as f64 * k as f64,
                    None => terms.push((ids[v], *a as f64)),
                }
            }
            if !terms.is_empty() {
                lp.add_constraint(terms.as_slice(), ComparisonOp::Eq, rhs);
            }
        }
        let solution = lp.solve().ok()?;
        if !solution.is_optimal() {
            return None;
        }
        let solution = solution.into_solution().ok()?;
        for (v, id) in &ids {
            seen[*v].insert(solution.var_value(*id).round() as i64);
        }
        ends[i] = solution.var_value(ids[&target]).round() as i64;
        if i == 0 && seen[target].len() > 1 {
            // Already seen with another value.
            return Some((ends[0], ends[0] + 1));
        }
    }
    Some((ends[0], ends[1]))
}

#[test]
fn no_published_figure_can_be_solved_for_across_every_report() {
    let started = std::time::Instant::now();
    let conflicts = crate::reports::disclosure::CONFLICTS.with(|c| c.get());
    let reports = publish(Checks::default());
    eprintln!("published {} reports in {:?}", reports.len(), started.elapsed());
    assert!(reports.len() > 30, "{} reports", reports.len());
    // Every canonical name counts one set of cases: no two reports gave one name two counts (a
    // theme's themes table was named by its length in years, not its window, until this held).
    assert_eq!(crate::reports::disclosure::CONFLICTS.with(|c| c.get()), conflicts, "names in conflict");
    let attack = Attack::new(&reports);
    assert!(attack.hidden.len() > 100, "the set hides figures: {}", attack.hidden.len());
    let started = std::time::Instant::now();
    let recovered = attack.recovered();
    eprintln!("attacked {} hidden figures in {:?}", attack.hidden.len(), started.elapsed());
    assert!(
        recovered.is_empty(),
        "{} of {} hidden figures recovered: {:?}",
        recovered.len(),
        attack.hidden.len(),
        &recovered[..recovered.len().min(20)]
    );
}

#[test]
fn without_the_checks_the_attacker_recovers_hidden_figures() {
    let reports = publish(Checks { integer: false, across_reports: false });
    let attack = Attack::new(&reports);
    let recovered = attack.recovered();
    assert!(
        recovered.len() > 10,
        "the attack works: {} recovered of {}",
        recovered.len(),
        attack.hidden.len()
    );
}
