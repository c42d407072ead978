//! Test helpers: a seeded generator, a report builder, and two independent attackers
//! (exhaustive enumeration, and integer min/max of each unknown with `microlp`).
#![allow(dead_code)]

pub mod disclosure;

use intcheck::{Equation, Problem, Var};
use std::collections::BTreeMap;

/// SplitMix64: small, seeded, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Builds a problem figure by figure; named figures are shared.
#[derive(Default)]
pub struct Builder {
    pub p: Problem,
    names: BTreeMap<String, usize>,
    pub values: Vec<u64>,
}

impl Builder {
    /// A figure with its true value (shown until hidden).
    pub fn fig(&mut self, value: u64) -> usize {
        self.p.vars.push(Var::shown(value));
        self.values.push(value);
        self.p.vars.len() - 1
    }

    /// A named figure: the same name is the same figure.
    pub fn named(&mut self, name: &str, value: u64) -> usize {
        if let Some(v) = self.names.get(name) {
            assert_eq!(self.values[*v], value, "{name}");
            return *v;
        }
        let v = self.fig(value);
        self.names.insert(name.to_string(), v);
        v
    }

    /// A figure never published (lower bound 0).
    pub fn unpublished(&mut self, value: u64, truth_known: bool) -> usize {
        self.p.vars.push(Var::unpublished(truth_known.then_some(value)));
        self.values.push(value);
        self.p.vars.len() - 1
    }

    pub fn hide(&mut self, v: usize) {
        self.p.vars[v] = Var::hidden(self.values[v]);
    }

    pub fn sum(&mut self, parts: &[usize], total: usize) {
        let s: u64 = parts.iter().map(|p| self.values[*p]).sum();
        assert_eq!(s, self.values[total], "the truth must satisfy the equations");
        self.p.equations.push(Equation::sum(parts, total));
    }

    /// A table with named row/column/grand totals: returns the cell ids.
    pub fn table(
        &mut self,
        cells: &[Vec<u64>],
        rows: &[String],
        cols: &[String],
        total: &str,
    ) -> Vec<Vec<usize>> {
        let ids: Vec<Vec<usize>> = cells.iter().map(|r| r.iter().map(|v| self.fig(*v)).collect()).collect();
        let mut row_ids = Vec::new();
        for (r, name) in rows.iter().enumerate() {
            let t = self.named(name, cells[r].iter().sum());
            self.sum(&ids[r].clone(), t);
            row_ids.push(t);
        }
        let mut col_ids = Vec::new();
        for (c, name) in cols.iter().enumerate() {
            let t = self.named(name, cells.iter().map(|r| r[c]).sum());
            let parts: Vec<usize> = ids.iter().map(|r| r[c]).collect();
            if !(parts.len() == 1 && parts[0] == t) {
                self.sum(&parts, t);
            }
            col_ids.push(t);
        }
        let g = self.named(total, cells.iter().flatten().sum());
        if !(row_ids.len() == 1 && row_ids[0] == g) {
            self.sum(&row_ids, g);
        }
        if !(col_ids.len() == 1 && col_ids[0] == g) {
            self.sum(&col_ids, g);
        }
        ids
    }

    pub fn id(&self, name: &str) -> usize {
        self.names[name]
    }

    /// The unknowns (hidden or never published).
    pub fn unknowns(&self) -> Vec<usize> {
        (0..self.p.vars.len()).filter(|v| self.p.vars[*v].known.is_none()).collect()
    }
}

pub fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn cell(rng: &mut Rng, tiny: bool) -> u64 {
    if tiny {
        return rng.range(0, 3);
    }
    match rng.range(0, 9) {
        0 | 1 => 0,
        2..=6 => rng.range(1, 4),
        _ => rng.range(5, 15),
    }
}

/// A random report: a table, sometimes a second breakdown of the same rows, sometimes a second
/// area with a combined table (whose area grand totals may be never published), sometimes a
/// never-published partial sum inside a row. `tiny`: small values, the grand total shown (and the
/// extra one-way total), so that every unknown is at most the largest figure, and at most six
/// unknowns (for enumeration).
pub fn random_report(rng: &mut Rng, tiny: bool) -> Builder {
    let mut b = Builder::default();
    let rows = rng.range(1, 3) as usize;
    let cols = rng.range(if tiny { 2 } else { 1 }, 3) as usize;
    let rn = names("r", rows);
    let cn = names("c", cols);
    let a: Vec<Vec<u64>> = (0..rows).map(|_| (0..cols).map(|_| cell(rng, tiny)).collect()).collect();
    let two_areas = !tiny && rng.chance(30);
    let mut cells_a = b.table(&a, &rn, &cn, "g");
    let mut extra: Vec<usize> = Vec::new();
    if rng.chance(40) {
        // The same rows by sex.
        let split: Vec<Vec<u64>> = a
            .iter()
            .map(|r| {
                let s: u64 = r.iter().sum();
                let x = rng.range(0, s);
                vec![x, s - x]
            })
            .collect();
        let ids = b.table(&split, &rn, &names("s", 2), "g");
        cells_a.extend(ids);
    }
    if two_areas {
        // Area 2 with its own totals, and the combined table; the area grand totals g and h may
        // be never published, only their sum is.
        let a2: Vec<Vec<u64>> = (0..rows).map(|_| (0..cols).map(|_| cell(rng, tiny)).collect()).collect();
        let ids2 = b.table(&a2, &names("R", rows), &names("C", cols), "h");
        let comb: Vec<Vec<u64>> =
            (0..rows).map(|r| (0..cols).map(|c| a[r][c] + a2[r][c]).collect()).collect();
        let idc = b.table(&comb, &names("x", rows), &names("y", cols), "all");
        for r in 0..rows {
            for c in 0..cols {
                let (p, q, s) = (cells_a[r][c], ids2[r][c], idc[r][c]);
                b.sum(&[p, q], s);
            }
        }
        let (g, h, all) = (b.id("g"), b.id("h"), b.id("all"));
        b.sum(&[g, h], all);
        if rng.chance(50) {
            for v in [g, h] {
                let known = rng.chance(50);
                b.p.vars[v] = intcheck::Var::unpublished(known.then_some(b.values[v]));
            }
        }
    }
    if cols >= 2 && rng.chance(30) {
        // A never-published partial sum of the first two cells of row 0 (say, "under 1 year"
        // across two age bands), tied to a published figure elsewhere: a one-way table of it.
        let (p, q) = (cells_a[0][0], cells_a[0][1]);
        let s = b.unpublished(b.values[p] + b.values[q], rng.chance(50));
        b.sum(&[p, q], s);
        let other = b.fig(cell(rng, tiny));
        let t = b.fig(b.values[s] + b.values[other]);
        b.sum(&[s, other], t);
        extra.push(t);
    }
    // Hide: each non-zero published figure with some probability (zeros are printed); the
    // tiny reports keep their grand total and at most six unknowns.
    let percent = rng.range(30, 85);
    let g = b.id("g");
    for v in 0..b.p.vars.len() {
        if b.p.vars[v].known.is_some()
            && b.values[v] > 0
            && rng.chance(percent)
            && !(tiny && (v == g || extra.contains(&v)))
        {
            b.hide(v);
        }
    }
    if rng.chance(20) {
        // The caller does not know the truth: a first solution must be searched for.
        for v in b.p.vars.iter_mut() {
            v.truth = None;
        }
    }
    if rng.chance(10) {
        // A shown figure off by one: the truth no longer fits, and the system may have no
        // solution at all (a caller bug the verdicts must report).
        let shown: Vec<usize> = (0..b.p.vars.len()).filter(|v| b.p.vars[*v].known.is_some()).collect();
        if !shown.is_empty() {
            let v = shown[rng.range(0, shown.len() as u64 - 1) as usize];
            let k = b.values[v] + 1;
            b.p.vars[v].known = Some(k);
        }
    }
    if tiny {
        let mut u = b.unknowns();
        while u.len() > 6 {
            let i = rng.range(0, u.len() as u64 - 1) as usize;
            let v = u.swap_remove(i);
            b.p.vars[v] = intcheck::Var::shown(b.values[v]);
        }
    }
    b
}

/// Attacker 1: every assignment of the unknowns in `lower..=cap`, pruned by equations whose
/// unknowns are all assigned. Returns per unknown `(min, max)` over all solutions, or `None` when
/// there is none.
pub fn enumerate(p: &Problem, cap: u64) -> Option<BTreeMap<usize, (u64, u64)>> {
    let unknowns: Vec<usize> = (0..p.vars.len()).filter(|v| p.vars[*v].known.is_none()).collect();
    let pos: BTreeMap<usize, usize> = unknowns.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    // Equations checkable once unknown number k is assigned.
    let mut ready: Vec<Vec<usize>> = vec![Vec::new(); unknowns.len().max(1)];
    let mut constants_ok = true;
    for (e, eq) in p.equations.iter().enumerate() {
        let last = eq.terms.iter().filter_map(|(v, _)| pos.get(v)).max();
        match last {
            Some(k) => ready[*k].push(e),
            None => constants_ok &= value(p, eq, &[], &pos) == 0,
        }
    }
    if !constants_ok {
        return None;
    }
    struct Walk<'a> {
        p: &'a Problem,
        unknowns: &'a [usize],
        pos: &'a BTreeMap<usize, usize>,
        ready: &'a [Vec<usize>],
        cap: u64,
        x: Vec<u64>,
        out: BTreeMap<usize, (u64, u64)>,
    }
    impl Walk<'_> {
        fn go(&mut self, k: usize) {
            if k == self.unknowns.len() {
                for (i, v) in self.unknowns.iter().enumerate() {
                    let e = self.out.entry(*v).or_insert((self.x[i], self.x[i]));
                    e.0 = e.0.min(self.x[i]);
                    e.1 = e.1.max(self.x[i]);
                }
                return;
            }
            let var = &self.p.vars[self.unknowns[k]];
            let hi = var.upper.unwrap_or(self.cap).min(self.cap);
            for val in var.lower..=hi {
                self.x[k] = val;
                if self.ready[k].iter().all(|e| value(self.p, &self.p.equations[*e], &self.x, self.pos) == 0)
                {
                    self.go(k + 1);
                }
            }
        }
    }
    let mut walk = Walk {
        p,
        unknowns: &unknowns,
        pos: &pos,
        ready: &ready,
        cap,
        x: vec![0; unknowns.len()],
        out: BTreeMap::new(),
    };
    walk.go(0);
    let out = walk.out;
    if out.is_empty() && !unknowns.is_empty() { None } else { Some(out) }
}

/// `Σ a·x − rhs` of an equation, unknowns taken from `x` (by position).
fn value(p: &Problem, eq: &Equation, x: &[u64], pos: &BTreeMap<usize, usize>) -> i128 {
    let mut s: i128 = -(eq.rhs as i128);
    for (v, a) in &eq.terms {
        let val = match p.vars[*v].known {
            Some(k) => k,
            None => x[pos[v]],
        };
        s += *a as i128 * val as i128;
    }
    s
}

/// What microlp says about an unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    MinMax(i64, i64),
    Infeasible,
    /// microlp did not prove its optimum within its time limit.
    Unknown,
}

/// The upper bound given to microlp for an unknown without one: far above every figure of these
/// tests (≤ 100), so a figure unbounded in truth shows a max of 1000, never equal to its min.
/// (With 10^6, microlp's branch and bound can take minutes on a parity constraint.)
pub const MICROLP_CAP: u64 = 1000;

/// Attacker 2: integer min and max of unknown `target` with microlp (branch and bound), each
/// solve limited to 20 s. An unknown without an upper bound gets [`MICROLP_CAP`].
pub fn microlp_range(p: &Problem, target: usize) -> Range {
    use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp};
    let mut ends = [0i64; 2];
    for (i, dir) in [OptimizationDirection::Minimize, OptimizationDirection::Maximize].into_iter().enumerate()
    {
        let mut lp = Lp::new(dir);
        lp.set_time_limit(std::time::Duration::from_secs(20));
        let mut ids = BTreeMap::new();
        for (v, var) in p.vars.iter().enumerate() {
            if var.known.is_none() {
                let hi = var.upper.map_or(MICROLP_CAP, |u| u.min(MICROLP_CAP)) as i32;
                let obj = if v == target { 1.0 } else { 0.0 };
                ids.insert(v, lp.add_integer_var(obj, (var.lower as i32, hi)));
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
            if terms.is_empty() {
                if rhs != 0.0 {
                    return Range::Infeasible;
                }
                continue;
            }
            lp.add_constraint(terms.as_slice(), ComparisonOp::Eq, rhs);
        }
        match lp.solve() {
            Ok(outcome) => {
                if !outcome.is_optimal() {
                    return Range::Unknown;
                }
                let sol = outcome.into_solution().unwrap();
                ends[i] = sol.var_value(ids[&target]).round() as i64;
            }
            Err(microlp::Error::Infeasible) => return Range::Infeasible,
            Err(e) => panic!("microlp: {e:?}"),
        }
    }
    Range::MinMax(ends[0], ends[1])
}

/// The part of the problem the verdict on `target` depends on (the analysis works per connected
/// component): unknowns of other components become constants, and their equations are dropped;
/// equations among shown figures only are kept.
pub fn restrict(p: &Problem, target: usize) -> Problem {
    let n = p.vars.len();
    let unknown = |v: usize| p.vars[v].known.is_none();
    let mut comp: Vec<usize> = (0..n).collect();
    fn root(c: &[usize], mut v: usize) -> usize {
        while c[v] != v {
            v = c[v];
        }
        v
    }
    for eq in &p.equations {
        let us: Vec<usize> = eq.terms.iter().map(|(v, _)| *v).filter(|v| unknown(*v)).collect();
        for w in us.windows(2) {
            let (a, b) = (root(&comp, w[0]), root(&comp, w[1]));
            comp[a] = b;
        }
    }
    let mine = root(&comp, target);
    let inside: Vec<bool> = (0..n).map(|v| unknown(v) && root(&comp, v) == mine).collect();
    let vars = p
        .vars
        .iter()
        .enumerate()
        .map(|(v, var)| if unknown(v) && !inside[v] { Var::shown(var.lower) } else { var.clone() })
        .collect();
    let equations = p
        .equations
        .iter()
        .filter(|eq| {
            let us: Vec<usize> = eq.terms.iter().map(|(v, _)| *v).filter(|v| unknown(*v)).collect();
            us.is_empty() || us.iter().any(|v| inside[*v])
        })
        .cloned()
        .collect();
    Problem { vars, equations }
}

/// A random three-way table (areas × categories × years, say) published as its three two-way
/// tables of sums and the one-way totals: the non-unimodular structure where integer and
/// real-valued reasoning part ways. Cells are never published (≥ 0 — or hidden ≥ 1 when
/// `cells_published`); some two-way figures are hidden.
pub fn random_cube(rng: &mut Rng, cells_published: bool) -> Builder {
    let mut b = Builder::default();
    let (ni, nj, nk) = (rng.range(2, 3) as usize, rng.range(2, 3) as usize, rng.range(2, 3) as usize);
    let small = rng.chance(50);
    let mut x = vec![vec![vec![0usize; nk]; nj]; ni];
    for plane in x.iter_mut() {
        for line in plane.iter_mut() {
            for slot in line.iter_mut() {
                let v = if small { rng.range(0, 2) } else { rng.range(0, 6) };
                *slot = if cells_published { b.fig(v) } else { b.unpublished(v, rng.chance(70)) };
            }
        }
    }
    let val = |b: &Builder, v: usize| b.values[v];
    let mut ij = vec![vec![0usize; nj]; ni];
    for i in 0..ni {
        for j in 0..nj {
            let parts: Vec<usize> = (0..nk).map(|k| x[i][j][k]).collect();
            ij[i][j] = b.fig(parts.iter().map(|p| val(&b, *p)).sum());
            b.sum(&parts, ij[i][j]);
        }
    }
    let mut ik = vec![vec![0usize; nk]; ni];
    for i in 0..ni {
        for k in 0..nk {
            let parts: Vec<usize> = (0..nj).map(|j| x[i][j][k]).collect();
            ik[i][k] = b.fig(parts.iter().map(|p| val(&b, *p)).sum());
            b.sum(&parts, ik[i][k]);
        }
    }
    let mut jk = vec![vec![0usize; nk]; nj];
    for j in 0..nj {
        for k in 0..nk {
            let parts: Vec<usize> = (0..ni).map(|i| x[i][j][k]).collect();
            jk[j][k] = b.fig(parts.iter().map(|p| val(&b, *p)).sum());
            b.sum(&parts, jk[j][k]);
        }
    }
    let percent = rng.range(10, 50);
    for v in 0..b.p.vars.len() {
        let published = b.p.vars[v].known.is_some();
        if published && b.values[v] > 0 && rng.chance(percent) {
            b.hide(v);
        }
        if cells_published && published && b.values[v] > 0 && x.iter().flatten().flatten().any(|c| *c == v) {
            // Cells of a published cube are hidden more often.
            if rng.chance(60) {
                b.hide(v);
            }
        }
    }
    if rng.chance(20) {
        for v in b.p.vars.iter_mut() {
            v.truth = None;
        }
    }
    b
}

/// A random sparse system with ±1 coefficients (not a table: any signs, some figures ≥ 0 and
/// some ≥ 1, no upper bounds), whose right-hand sides come from a random truth. Many are
/// unbounded; a few need the search to prove a figure determined.
pub fn random_signed(rng: &mut Rng) -> Problem {
    let n = rng.range(3, 7) as usize;
    let truth: Vec<u64> = (0..n).map(|_| if rng.chance(40) { 0 } else { rng.range(1, 4) }).collect();
    let vars: Vec<Var> = truth
        .iter()
        .map(|t| Var {
            known: None,
            lower: u64::from(*t > 0 && rng.chance(30)),
            upper: None,
            truth: Some(*t),
        })
        .collect();
    let m = rng.range(2, n as u64 + 1) as usize;
    let mut equations = Vec::new();
    for _ in 0..m {
        let k = rng.range(2, 4) as usize;
        let mut terms: Vec<(usize, i64)> = Vec::new();
        for _ in 0..k {
            let v = rng.range(0, n as u64 - 1) as usize;
            if !terms.iter().any(|(u, _)| *u == v) {
                terms.push((v, if rng.chance(50) { 1 } else { -1 }));
            }
        }
        let rhs: i64 = terms.iter().map(|(v, a)| a * truth[*v] as i64).sum();
        equations.push(Equation { terms, rhs });
    }
    let mut p = Problem { vars, equations };
    if rng.chance(20) {
        for v in p.vars.iter_mut() {
            v.truth = None;
        }
    }
    p
}
