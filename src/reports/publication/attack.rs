//! The attacker: every table of a panel's published reports over five years — two areas and
//! their combination, each year's annual report, thematic reports (a theme of categories, a
//! theme of panel themes, a one-year theme) and an ad-hoc report — solved as integer programmes,
//! hidden figures at least 1, by an independent solver (microlp). With the protections on, no
//! hidden figure has a single feasible value; with them off (each report suppressed alone, by
//! real-valued rank), the attacker recovers some. Pure and synthetic: no database.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rand::{RngExt, SeedableRng};

use super::{Publisher, Source, annual_set, grid_ends, theme_set};
use crate::domain::dates::ReportingYear;
use crate::reports::agreement::{Rated, agreement};
use crate::reports::annual::{Block, Data, Labels, Report};
use crate::reports::disclosure::integer::{Equation, Problem, Var};
use crate::reports::disclosure::names::{self, Name};
use crate::reports::disclosure::{Checks, Context, Rule};
use crate::reports::rates::RateRule;
use crate::reports::table::{Mode, Shown, ShownTable};
use crate::reports::thematic::{self, Breakdown, Theme};
use crate::store::StoreResult;
use crate::store::reports::{Count, Interval};

const AREAS: [i64; 2] = [1, 2];
const YEARS: std::ops::RangeInclusive<i32> = 2019..=2023;

/// One synthetic death and its review.
#[derive(Debug, Clone)]
struct Case {
    area: i64,
    notified: i32,
    keys: [String; 11],
    review: Option<Review>,
}

#[derive(Debug, Clone)]
struct Review {
    year: i32,
    category: String,
    modifiable: String,
    domains: Vec<String>,
    themes: Vec<String>,
    days: [Option<i64>; 4],
    /// A member recorded a pre-panel entry (the agreement figures count these reviews).
    prepanel: bool,
}

impl Case {
    fn age(&self) -> &str {
        &self.keys[0]
    }
}

fn pick<'a>(rng: &mut rand::rngs::StdRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

/// Small panels: about 16 and 8 deaths a year, so that many counts are small.
fn cases(labels: &Labels) -> Vec<Case> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(2024);
    let categories: Vec<&str> = labels.categories.iter().map(|(c, _)| c.as_str()).collect();
    let themes: Vec<&str> = labels.themes.iter().map(|(c, _)| c.as_str()).take(6).collect();
    let mut out = Vec::new();
    for area in AREAS {
        for year in YEARS {
            let n = if area == 1 { rng.random_range(12..20) } else { rng.random_range(5..10) };
            for _ in 0..n {
                let age = pick(
                    &mut rng,
                    &[
                        "0-27d", "0-27d", "0-27d", "28-364d", "28-364d", "1-4y", "5-9y", "10-14y", "15-17y",
                        "15-17y",
                    ],
                );
                let decile = if rng.random_range(0..8) == 0 {
                    String::new()
                } else {
                    rng.random_range(1..=10).to_string()
                };
                let keys = [
                    age.to_string(),
                    pick(&mut rng, &["female", "male", "male", "female", "not_known"]).to_string(),
                    pick(&mut rng, &["A", "A", "A", "B", "H", "J", "M", "D", "Z", "99"]).to_string(),
                    decile,
                    pick(
                        &mut rng,
                        &[
                            "hospital_ward",
                            "hospital_picu",
                            "home",
                            "hospital_ed",
                            "hospice",
                            "road",
                            "not_known",
                        ],
                    )
                    .to_string(),
                    pick(&mut rng, &["expected", "unexpected"]).to_string(),
                    pick(&mut rng, &["yes", "no", "no"]).to_string(),
                    area.to_string(),
                    pick(&mut rng, &["yes", "no", "not_known"]).to_string(),
                    pick(&mut rng, &["no", "no", "yes", "not_known"]).to_string(),
                    pick(&mut rng, &["yes", "no", "not_known"]).to_string(),
                ];
                let review = (rng.random_range(0..10) < 8).then(|| {
                    let notification = rng.random_range(0..20);
                    let signed = notification + rng.random_range(60..720);
                    Review {
                        year: year + rng.random_range(0..2),
                        category: pick(&mut rng, &categories).to_string(),
                        modifiable: pick(
                            &mut rng,
                            &["identified", "none_identified", "none_identified", "insufficient"],
                        )
                        .to_string(),
                        domains: ["a", "b", "c", "d"]
                            .iter()
                            .filter(|_| rng.random_range(0..3) == 0)
                            .map(|d| d.to_string())
                            .collect(),
                        themes: themes
                            .iter()
                            .filter(|_| rng.random_range(0..4) == 0)
                            .map(|t| t.to_string())
                            .collect(),
                        days: [
                            Some(notification),
                            (rng.random_range(0..2) == 0).then(|| notification + rng.random_range(20..90)),
                            Some(signed - rng.random_range(5..20)),
                            Some(signed),
                        ],
                        // From the draws already made, so the cases stay those of earlier runs.
                        prepanel: (notification + signed) % 3 > 0,
                    }
                });
                out.push(Case { area, notified: year, keys, review });
            }
        }
    }
    out
}

fn add(counts: &mut Vec<Count>, keys: Vec<String>) {
    match counts.iter_mut().find(|c| c.keys == keys) {
        Some(c) => c.n += 1,
        None => counts.push(Count { keys, n: 1 }),
    }
}

/// The synthetic cases as the publisher's source: the same counts the SQL would give.
struct Synthetic(Vec<Case>);

impl Synthetic {
    fn of<'a>(&'a self, areas: &'a [i64]) -> impl Iterator<Item = &'a Case> + 'a {
        self.0.iter().filter(move |c| areas.contains(&c.area))
    }

    fn annual_data(&self, year: i32, areas: &[i64]) -> Data {
        let mut d = Data::default();
        for c in self.of(areas) {
            if c.notified == year {
                add(&mut d.notified, c.keys.to_vec());
            }
            let open = c.notified <= year && c.review.as_ref().is_none_or(|r| r.year > year);
            if open {
                add(&mut d.open, vec![c.notified.to_string()]);
            }
            let Some(r) = c.review.as_ref().filter(|r| r.year == year) else { continue };
            add(
                &mut d.reviewed,
                vec![r.category.clone(), r.modifiable.clone(), c.age().to_string(), c.notified.to_string()],
            );
            for domain in &r.domains {
                add(&mut d.factor_domains, vec![domain.clone(), r.modifiable.clone()]);
            }
            for t in &r.themes {
                add(&mut d.themes, vec![t.clone()]);
            }
        }
        // A small count of its own (suspected stillbirths at home): here, neonatal deaths at home.
        d.stillbirths = self
            .of(areas)
            .filter(|c| c.notified == year && c.age() == "0-27d" && c.keys[4] == "home")
            .count() as u64;
        let rated: Vec<Rated> = self
            .of(areas)
            .filter_map(|c| c.review.as_ref())
            .filter(|r| r.year == year && r.prepanel)
            .map(|r| Rated { ratings: vec![r.category.clone()], decision: r.category.clone() })
            .collect();
        d.agreement = (!rated.is_empty()).then(|| (agreement(&rated, 1), agreement(&rated, 1)));
        d.trend = (year - 4..=year)
            .map(|y| {
                let n = self.of(areas).filter(|c| c.notified == y).count() as u64;
                let r =
                    self.of(areas).filter(|c| c.review.as_ref().is_some_and(|r| r.year == y)).count() as u64;
                (y, n, r)
            })
            .collect();
        d.days = Interval::ALL
            .iter()
            .enumerate()
            .map(|(i, interval)| {
                let mut h: Vec<(i64, u64)> = Vec::new();
                for r in self.of(areas).filter_map(|c| c.review.as_ref()).filter(|r| r.year == year) {
                    if let Some(days) = r.days[i] {
                        h.push((days, 1));
                    }
                }
                (*interval, h)
            })
            .collect();
        d
    }

    fn matches(t: &Theme, c: &Case, r: &Review) -> bool {
        let any = t.categories.is_empty() && t.themes.is_empty() && t.places.is_empty()
            || t.categories.contains(&r.category)
            || r.themes.iter().any(|x| t.themes.contains(x))
            || t.places.contains(&c.keys[4]);
        any && (t.age_bands.is_empty() || t.age_bands.iter().any(|a| a == c.age()))
            && t.expected.is_none_or(|e| (c.keys[5] == "expected") == e)
    }
}

impl Source for Synthetic {
    async fn annual(&self, year: ReportingYear, areas: &[i64]) -> StoreResult<Data> {
        Ok(self.annual_data(year.0, areas))
    }

    async fn combined(&self, year: ReportingYear, singles: &[&Data], areas: &[i64]) -> StoreResult<Data> {
        Ok(Data::merge(singles, self.annual_data(year.0, areas).agreement))
    }

    async fn theme(&self, t: &Theme, year: ReportingYear, areas: &[i64]) -> StoreResult<thematic::Data> {
        let first = year.0 - t.years.max(1) as i32 + 1;
        let mut d = thematic::Data::default();
        let mut per_year: BTreeMap<i32, u64> = (first..=year.0).map(|y| (y, 0)).collect();
        for c in self.of(areas) {
            let Some(r) = c.review.as_ref().filter(|r| (first..=year.0).contains(&r.year)) else { continue };
            if !Synthetic::matches(t, c, r) {
                continue;
            }
            *per_year.entry(r.year).or_default() += 1;
            let k = &c.keys;
            add(
                &mut d.by,
                vec![
                    r.category.clone(),
                    r.modifiable.clone(),
                    k[0].clone(),
                    k[1].clone(),
                    k[3].clone(),
                    k[2].clone(),
                    k[4].clone(),
                ],
            );
            for x in &r.themes {
                add(&mut d.themes, vec![x.clone()]);
            }
        }
        d.per_year = per_year.into_iter().collect();
        d.population = (first..=year.0).map(|y| (y, None)).collect();
        Ok(d)
    }
}

fn theme(key: &str, categories: &[&str], themes: &[&str], years: u32) -> Theme {
    Theme {
        key: key.into(),
        title: key.into(),
        description: String::new(),
        categories: categories.iter().map(|c| c.to_string()).collect(),
        themes: themes.iter().map(|c| c.to_string()).collect(),
        places: Vec::new(),
        age_bands: Vec::new(),
        expected: None,
        per: 100_000,
        years,
        breakdowns: Breakdown::ALL.to_vec(),
    }
}

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
    let rates = RateRule { min_events: 3, flag_below: 20 };
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
    let reports = publish(Checks::default());
    eprintln!("published {} reports in {:?}", reports.len(), started.elapsed());
    assert!(reports.len() > 30, "{} reports", reports.len());
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
