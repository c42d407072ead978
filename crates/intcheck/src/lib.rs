//! Exact integer check that hidden figures of a published report cannot be worked out.
//!
//! The attacker's model: every shown figure is a constant, every hidden one an integer unknown
//! `≥ 1` (zeros are printed), every figure never published (an intermediate sum) an integer
//! unknown `≥ 0`, tied by linear equations (rows and columns add up to their totals, tables share
//! totals, a combined figure is the sum of its parts). A hidden figure is **protected** when the
//! system has two integer solutions that differ in it; [`analyse`] proves that by exhibiting both
//! (checked exactly against every equation and bound before it answers), or proves the figure
//! **determined** by exhausting the alternatives, or says it could not tell within its budget.
//!
//! How it works, per connected component of the unknowns: interval propagation to a fixpoint;
//! rays of the unbounded part (so unbounded figures are handled exactly, without a cap: see the
//! crate's README); implied rows (integer Gauss–Jordan) and bounding combinations of rows; a first solution (the caller's true values when they fit,
//! else a depth-first search with propagation at every node); then for each target, any two pooled
//! solutions that differ in it, else a search for a solution below and one above its first value.
//! Pure, `std` only, no `unsafe`, no panics, bounded work.

#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod implied;
mod lattice;
mod search;
mod system;

use search::{Outcome, Ray, Search};
use system::{INF, Row, System};

/// One figure of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The figure is shown: a constant. Bounds and truth are then ignored.
    pub known: Option<u64>,
    /// Least value of an unknown: 1 for a hidden published figure, 0 for one never published.
    pub lower: u64,
    /// Greatest value of an unknown, if any is known to the attacker.
    pub upper: Option<u64>,
    /// The true value, when the caller knows it: a complete set of true values is taken as the
    /// first solution (after checking it). May be `None`, for never-published sums say.
    pub truth: Option<u64>,
}

impl Var {
    /// A shown figure.
    pub fn shown(value: u64) -> Var {
        Var { known: Some(value), lower: 0, upper: None, truth: Some(value) }
    }

    /// A hidden published figure (`≥ 1`) whose true value is `truth`.
    pub fn hidden(truth: u64) -> Var {
        Var { known: None, lower: 1, upper: None, truth: Some(truth) }
    }

    /// A figure never published (`≥ 0`), with its true value if known.
    pub fn unpublished(truth: Option<u64>) -> Var {
        Var { known: None, lower: 0, upper: None, truth }
    }
}

/// `Σ coef · x[var] = rhs`. A variable may appear more than once (its coefficients add up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equation {
    pub terms: Vec<(usize, i64)>,
    pub rhs: i64,
}

impl Equation {
    /// `Σ parts − total = 0`: the usual "these figures add up to that one".
    pub fn sum(parts: &[usize], total: usize) -> Equation {
        let mut terms: Vec<(usize, i64)> = parts.iter().map(|p| (*p, 1)).collect();
        terms.push((total, -1));
        Equation { terms, rhs: 0 }
    }
}

/// The attacker's system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    pub vars: Vec<Var>,
    pub equations: Vec<Equation>,
}

/// Work limits. Search nodes are counted; every node does a bounded amount of propagation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Search nodes for one target (both of its searches), and for each component-wide search
    /// (the first solution, each ray).
    pub nodes_per_target: u64,
    /// Search nodes for the whole call; once spent, targets not already settled are `Unproven`.
    pub nodes_total: u64,
    /// Only the quick path: witnesses found by short searches, nothing proved determined (a
    /// target not witnessed protected is `Unproven`). For trials, where a fast "not plainly
    /// protected" is enough.
    pub quick_only: bool,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget { nodes_per_target: 10_000, nodes_total: 1_000_000, quick_only: false }
    }
}

/// What the attacker can learn about one target figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Two integer solutions of the whole system give the figure these two values (witnessed,
    /// not necessarily its extremes): it cannot be worked out.
    Protected { low: u64, high: u64 },
    /// Every integer solution gives the figure this value (proved by propagation or by
    /// exhausting the alternatives; vacuously true if the component, unknown to the analysis,
    /// has no solution at all). A shown figure asked about is reported this way too.
    Determined(u64),
    /// Neither could be proved within the budget: count it as disclosed.
    Unproven,
    /// The figure's component (or the shown figures alone) admits no solution at all: the
    /// equations, bounds or shown figures given are inconsistent, a caller bug.
    Infeasible,
}

impl Verdict {
    /// Whether the figure is safe to leave hidden as it is.
    pub fn is_protected(&self) -> bool {
        matches!(self, Verdict::Protected { .. })
    }
}

/// A malformed problem (nothing is analysed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputError {
    /// Equation `equation` names variable `var`, which does not exist.
    UnknownVariable { equation: usize, var: usize },
    /// A target names a variable that does not exist.
    UnknownTarget { target: usize },
    /// Substituting the shown figures into equation `equation` overflows `i128`.
    Overflow { equation: usize },
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::UnknownVariable { equation, var } => {
                write!(f, "equation {equation} names variable {var}, which does not exist")
            }
            InputError::UnknownTarget { target } => write!(f, "target {target} does not exist"),
            InputError::Overflow { equation } => write!(f, "equation {equation} overflows"),
        }
    }
}

impl std::error::Error for InputError {}

/// The verdicts, one per target in order, and the work done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub verdicts: Vec<Verdict>,
    /// Search nodes used.
    pub nodes: u64,
    /// Connected components that held a target.
    pub components: usize,
    /// Targets proved `Determined` by exhausting both searches (the rest by propagation).
    pub searched: usize,
}

/// Decides, for each variable in `targets`, whether the attacker can work it out. See
/// [`analyse_detailed`] for the work done as well.
pub fn analyse(p: &Problem, targets: &[usize], budget: Budget) -> Result<Vec<Verdict>, InputError> {
    analyse_detailed(p, targets, budget).map(|a| a.verdicts)
}

/// [`analyse`], with the number of search nodes and components.
pub fn analyse_detailed(p: &Problem, targets: &[usize], budget: Budget) -> Result<Analysis, InputError> {
    let n = p.vars.len();
    if let Some(t) = targets.iter().find(|t| **t >= n) {
        return Err(InputError::UnknownTarget { target: *t });
    }
    // Substitute the shown figures; merge repeated variables.
    let mut rows: Vec<Row> = Vec::new();
    let mut consistent = true;
    for (e, eq) in p.equations.iter().enumerate() {
        let mut rhs = i128::from(eq.rhs);
        let mut terms: Vec<(usize, i128)> = Vec::new();
        for (v, a) in &eq.terms {
            let Some(var) = p.vars.get(*v) else {
                return Err(InputError::UnknownVariable { equation: e, var: *v });
            };
            let a = i128::from(*a);
            match var.known {
                Some(k) => {
                    rhs = a
                        .checked_mul(i128::from(k))
                        .and_then(|s| rhs.checked_sub(s))
                        .ok_or(InputError::Overflow { equation: e })?;
                }
                None => match terms.iter_mut().find(|(u, _)| u == v) {
                    Some((_, c)) => *c = c.checked_add(a).ok_or(InputError::Overflow { equation: e })?,
                    None => terms.push((*v, a)),
                },
            }
        }
        terms.retain(|(_, a)| *a != 0);
        if terms.is_empty() {
            // A consistency check among shown figures.
            consistent &= rhs == 0;
        } else {
            rows.push(Row { terms, rhs });
        }
    }
    let mut nodes: u64 = 0;
    let mut searched = 0usize;
    if !consistent {
        let verdicts = targets.iter().map(|_| Verdict::Infeasible).collect();
        return Ok(Analysis { verdicts, nodes, components: 0, searched: 0 });
    }
    // Components of the unknowns.
    let mut parent: Vec<usize> = (0..n).collect();
    for row in &rows {
        if let Some((first, _)) = row.terms.first() {
            for (v, _) in &row.terms {
                union(&mut parent, *first, *v);
            }
        }
    }
    let mut verdicts: Vec<Option<Verdict>> = vec![None; targets.len()];
    for (i, t) in targets.iter().enumerate() {
        if let Some(Some(k)) = p.vars.get(*t).map(|v| v.known) {
            verdicts[i] = Some(Verdict::Determined(k));
        }
    }
    // Group the targets by component root, in order of first appearance.
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        if verdicts[i].is_some() {
            continue;
        }
        let r = find(&mut parent, *t);
        match groups.iter_mut().find(|(root, _)| *root == r) {
            Some((_, list)) => list.push(i),
            None => groups.push((r, vec![i])),
        }
    }
    let components = groups.len();
    let mut comp_rows: Vec<Vec<Row>> = vec![Vec::new(); groups.len()];
    let group_of_root = |parent: &mut Vec<usize>, v: usize| {
        let r = find(parent, v);
        groups.iter().position(|(root, _)| *root == r)
    };
    for row in rows {
        if let Some((first, _)) = row.terms.first()
            && let Some(g) = group_of_root(&mut parent, *first)
        {
            comp_rows[g].push(row);
        }
    }
    for (g, (root, members)) in groups.iter().enumerate() {
        // Local numbering of the component's unknowns.
        let vars: Vec<usize> = (0..n).filter(|v| find(&mut parent, *v) == *root).collect();
        let mut local = vec![usize::MAX; n];
        for (i, v) in vars.iter().enumerate() {
            local[*v] = i;
        }
        let rows: Vec<Row> = std::mem::take(&mut comp_rows[g])
            .into_iter()
            .map(|r| Row { terms: r.terms.iter().map(|(v, a)| (local[*v], *a)).collect(), rhs: r.rhs })
            .collect();
        let decl: Vec<&Var> = vars.iter().filter_map(|v| p.vars.get(*v)).collect();
        let component = Component::new(System::new(vars.len(), rows), &decl);
        let local_targets: Vec<usize> = members.iter().map(|i| local[targets[*i]]).collect();
        let answers = component.analyse(&local_targets, budget, &mut nodes, &mut searched);
        for (i, a) in members.iter().zip(answers) {
            verdicts[*i] = Some(a);
        }
    }
    let verdicts = verdicts.into_iter().map(|v| v.unwrap_or(Verdict::Unproven)).collect();
    Ok(Analysis { verdicts, nodes, components, searched })
}

fn find(parent: &mut [usize], v: usize) -> usize {
    let mut r = v;
    while let Some(&p) = parent.get(r) {
        if p == r {
            break;
        }
        r = p;
    }
    // Path compression.
    let mut c = v;
    while let Some(&p) = parent.get(c) {
        if p == r {
            break;
        }
        if let Some(slot) = parent.get_mut(c) {
            *slot = r;
        }
        c = p;
    }
    r
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb
        && let Some(slot) = parent.get_mut(ra)
    {
        *slot = rb;
    }
}

/// Row revisions allowed per propagation: generous at the root, bounded at search nodes.
fn prop_steps(rows: usize, root: bool) -> usize {
    let per = if root { 400 } else { 40 };
    rows.saturating_mul(per).saturating_add(100)
}

/// Search nodes for each search for a bounding combination of equations.
const CERTIFICATE_NODES: u64 = 2_000;

/// Largest multiplier of an equation in a bounding combination.
const MULTIPLIER: i128 = 3;

/// A combination `c·x = r` of the rows of `sys` (integer multipliers `y`, `c = yᵀA`, `r = yᵀb`)
/// with `c[v] ≥ 1` and `c[j] ≥ 0` for every other variable unbounded above: then
/// `c[v]·x[v] = r − Σ c[j]·x[j]` is at most `r` less the others' least values, a finite upper
/// bound that propagation derives from the row. The multipliers are searched as the solution of
/// `Σ_r y_r·a[r][v] − g = 0`, `Σ_r y_r·a[r][j] − s_j = 0` (`g ≥ 1`, `s_j ≥ 0`), `|y_r| ≤ 3`; the
/// row found is recomputed and checked exactly.
fn certificate(sys: &System, v: usize, hi: &[i128], nodes: &mut u64, per: u64, total: u64) -> Option<Row> {
    let m = sys.rows.len();
    let others: Vec<usize> = (0..sys.n).filter(|j| *j != v && hi.get(*j) == Some(&INF)).collect();
    // Column j of A, as (row, coefficient).
    let column = |j: usize| -> Vec<(usize, i128)> {
        sys.var_rows
            .get(j)
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| {
                        let c = sys.rows.get(*r)?.terms.iter().find(|(u, _)| *u == j)?.1;
                        Some((*r, c))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // Dual variables: y_0..y_{m−1}, then g, then one s per other unbounded variable.
    let g = m;
    let mut dual_rows = Vec::with_capacity(others.len() + 1);
    let mut lo = vec![-MULTIPLIER; m];
    let mut up = vec![MULTIPLIER; m];
    let weight = |col: &[(usize, i128)]| {
        col.iter().fold(0i128, |s, (_, c)| s.saturating_add(c.saturating_abs())).saturating_mul(MULTIPLIER)
    };
    let col_v = column(v);
    lo.push(1);
    up.push(weight(&col_v).max(1));
    let mut terms = col_v;
    terms.push((g, -1));
    dual_rows.push(Row { terms, rhs: 0 });
    for j in &others {
        let col = column(*j);
        let s = lo.len();
        lo.push(0);
        up.push(weight(&col));
        let mut terms = col;
        terms.push((s, -1));
        dual_rows.push(Row { terms, rhs: 0 });
    }
    let dual = System::new(lo.len(), dual_rows);
    let branch = vec![true; lo.len()];
    let prefer = vec![0i128; lo.len()];
    let s = Search {
        sys: &dual,
        branch: &branch,
        ray: None,
        prefer: &prefer,
        prop_steps: prop_steps(dual.rows.len(), false),
    };
    let limit = nodes.saturating_add(per).min(total);
    let Outcome::Found(sol) = s.run(lo, up, nodes, limit) else { return None };
    // Recompute c = yᵀA and r = yᵀb exactly, and check the signs.
    let mut c = vec![0i128; sys.n];
    let mut r: i128 = 0;
    for (row, y) in sys.rows.iter().zip(&sol) {
        if *y == 0 {
            continue;
        }
        for (j, a) in &row.terms {
            let slot = c.get_mut(*j)?;
            *slot = slot.checked_add(y.checked_mul(*a)?)?;
        }
        r = r.checked_add(y.checked_mul(row.rhs)?)?;
    }
    if c.get(v).is_none_or(|cv| *cv < 1) || others.iter().any(|j| c.get(*j).is_none_or(|cj| *cj < 0)) {
        return None;
    }
    let terms: Vec<(usize, i128)> = c.into_iter().enumerate().filter(|(_, a)| *a != 0).collect();
    Some(Row { terms, rhs: r })
}

/// Search nodes for each search of the quick path (a first solution, then one other value per
/// target).
const QUICK_NODES: u64 = 60;

/// Search nodes for each of the two searches for diverse solutions.
const DIVERSIFY_NODES: u64 = 200;

/// One connected component.
struct Component {
    sys: System,
    /// Declared bounds (what every witness is checked against).
    lower: Vec<i128>,
    upper: Vec<i128>,
    truth: Vec<Option<i128>>,
}

impl Component {
    fn new(sys: System, decl: &[&Var]) -> Component {
        Component {
            sys,
            lower: decl.iter().map(|v| i128::from(v.lower)).collect(),
            upper: decl.iter().map(|v| v.upper.map_or(INF, i128::from)).collect(),
            truth: decl.iter().map(|v| v.truth.map(i128::from)).collect(),
        }
    }

    /// Whether `x` is a solution: every equation, every declared bound, and a `u64` figure.
    fn valid(&self, x: &[i128]) -> bool {
        x.len() == self.sys.n
            && x.iter()
                .zip(&self.lower)
                .zip(&self.upper)
                .all(|((v, l), u)| l <= v && v <= u && u64::try_from(*v).is_ok())
            && self.sys.satisfied(x)
    }

    fn analyse(
        &self,
        targets: &[usize],
        budget: Budget,
        nodes: &mut u64,
        searched: &mut usize,
    ) -> Vec<Verdict> {
        let n = self.sys.n;
        let mut out: Vec<Option<Verdict>> = vec![None; targets.len()];
        // Sound bounds: propagation of the declared ones.
        let mut lo = self.lower.clone();
        let mut hi = self.upper.clone();
        if lo.iter().zip(&hi).any(|(l, h)| l > h)
            || !self.sys.propagate(&mut lo, &mut hi, prop_steps(self.sys.rows.len(), true))
        {
            return vec![Verdict::Infeasible; targets.len()];
        }
        let total = budget.nodes_total;
        let per = budget.nodes_per_target;
        // Witnesses first: a solution and, for each target, a second one with another value, by
        // short searches in a capped box. Any pair found is a proof (both are checked exactly),
        // so the costlier analysis below runs only for targets not settled this way.
        let settled = self.witnesses(targets, &lo, &hi, nodes, total);
        if budget.quick_only || settled.as_ref().is_some_and(|s| s.iter().all(Option::is_some)) {
            return settled
                .unwrap_or_else(|| vec![None; targets.len()])
                .into_iter()
                .map(|v| v.unwrap_or(Verdict::Unproven))
                .collect();
        }
        // Rays of the unbounded part.
        let unbounded: Vec<usize> = (0..n).filter(|v| hi.get(*v) == Some(&INF)).collect();
        let ray = self.rays(&unbounded, nodes, per, total);
        let in_ray = |v: usize| ray.as_ref().is_some_and(|r| r.support.contains(&v));
        // Implied equations, eliminating the ray variables first, then the other unbounded ones:
        // what is left bounds what only looked unbounded.
        let mut order: Vec<usize> = (0..n).filter(|v| in_ray(*v)).collect();
        order.extend(unbounded.iter().filter(|v| !in_ray(**v)));
        order.extend((0..n).filter(|v| hi.get(*v) != Some(&INF)));
        let mut sys = match implied::implied(n, &self.sys.rows, &order) {
            implied::Implied::Infeasible => return vec![Verdict::Infeasible; targets.len()],
            implied::Implied::Unknown => self.sys.clone(),
            implied::Implied::Rows(extra) => {
                let mut rows = self.sys.rows.clone();
                for r in extra {
                    if !rows.iter().any(|o| same_row(o, &r)) {
                        rows.push(r);
                    }
                }
                System::new(n, rows)
            }
        };
        if !sys.propagate(&mut lo, &mut hi, prop_steps(sys.rows.len(), true)) {
            return vec![Verdict::Infeasible; targets.len()];
        }
        // Variables that still look unbounded but lie on no ray: look for a combination of the
        // equations that bounds them (small integer multipliers, found by search, checked
        // exactly), and add it as one more implied row.
        let pending: Vec<usize> = (0..n).filter(|v| hi.get(*v) == Some(&INF) && !in_ray(*v)).collect();
        for v in pending {
            if hi.get(v) != Some(&INF) {
                continue;
            }
            if let Some(row) = certificate(&sys, v, &hi, nodes, per.min(CERTIFICATE_NODES), total) {
                let mut rows = sys.rows.clone();
                rows.push(row);
                sys = System::new(n, rows);
                if !sys.propagate(&mut lo, &mut hi, prop_steps(sys.rows.len(), true)) {
                    return vec![Verdict::Infeasible; targets.len()];
                }
            }
        }
        for (i, t) in targets.iter().enumerate() {
            if let (Some(l), Some(h)) = (lo.get(*t), hi.get(*t))
                && l == h
            {
                out[i] = Some(u64::try_from(*l).map_or(Verdict::Unproven, Verdict::Determined));
            }
        }
        if out.iter().all(Option::is_some) {
            return out.into_iter().map(|v| v.unwrap_or(Verdict::Unproven)).collect();
        }
        let unbounded: Vec<usize> = (0..n).filter(|v| hi.get(*v) == Some(&INF)).collect();
        let mut branch = vec![true; n];
        if let Some(r) = &ray {
            for v in &r.support {
                branch[*v] = false;
            }
        }
        let mut capped = false;
        let mut search_hi = hi.clone();
        let cap = self.cap(&lo);
        for v in &unbounded {
            if branch[*v] {
                capped = true;
                search_hi[*v] = lo[*v].saturating_add(cap);
            }
        }
        let steps = prop_steps(sys.rows.len(), false);
        // The first solution.
        let mut pool: Vec<Vec<i128>> = Vec::new();
        let truth: Option<Vec<i128>> = self.truth.iter().copied().collect();
        if let Some(t) = truth.filter(|t| self.valid(t)) {
            pool.push(t);
        } else {
            let prefer: Vec<i128> = self.truth.iter().zip(&lo).map(|(t, l)| t.unwrap_or(*l)).collect();
            let s =
                Search { sys: &sys, branch: &branch, ray: ray.as_ref(), prefer: &prefer, prop_steps: steps };
            let limit = nodes.saturating_add(per).min(total);
            match s.run(lo.clone(), search_hi.clone(), nodes, limit) {
                Outcome::Found(x) if self.valid(&x) => pool.push(x),
                Outcome::Infeasible if !capped => return vec![Verdict::Infeasible; targets.len()],
                _ => {
                    return out.into_iter().map(|v| v.unwrap_or(Verdict::Unproven)).collect();
                }
            }
        }
        // A ray moves every variable of its support at once.
        if let (Some(r), Some(first)) = (&ray, pool.first()) {
            let moved: Option<Vec<i128>> = first.iter().zip(&r.d).map(|(x, d)| x.checked_add(*d)).collect();
            if let Some(m) = moved.filter(|m| self.valid(m)) {
                pool.push(m);
            }
        }
        // Two cheap searches for solutions far from the first (every value nudged up, then
        // down): each differs from it in many variables at once, settling many targets.
        if targets.iter().zip(&out).any(|(t, o)| o.is_none() && protected(&pool, *t).is_none()) {
            for step in [1i128, -1] {
                let Some(first) = pool.first() else { break };
                let prefer: Vec<i128> = first.iter().map(|x| x.saturating_add(step)).collect();
                let s = Search {
                    sys: &sys,
                    branch: &branch,
                    ray: ray.as_ref(),
                    prefer: &prefer,
                    prop_steps: steps,
                };
                let limit = nodes.saturating_add(per.min(DIVERSIFY_NODES)).min(total);
                if let Outcome::Found(x) = s.run(lo.clone(), search_hi.clone(), nodes, limit)
                    && self.valid(&x)
                {
                    pool.push(x);
                }
            }
        }
        for (i, t) in targets.iter().copied().enumerate() {
            if out[i].is_some() {
                continue;
            }
            if let (Some(l), Some(h)) = (lo.get(t), hi.get(t))
                && l == h
            {
                out[i] = Some(u64::try_from(*l).map_or(Verdict::Unproven, Verdict::Determined));
                continue;
            }
            if let Some(v) = protected(&pool, t) {
                out[i] = Some(v);
                continue;
            }
            let Some(w) = pool.first().and_then(|x| x.get(t)).copied() else {
                out[i] = Some(Verdict::Unproven);
                continue;
            };
            // A ray variable moves with the ray (the pool has first + d): never searched for,
            // since bounding it above would break the ray argument of the search's leaves.
            if !branch[t] {
                out[i] = Some(Verdict::Unproven);
                continue;
            }
            let limit = nodes.saturating_add(per).min(total);
            let prefer = pool.first().cloned().unwrap_or_default();
            let s =
                Search { sys: &sys, branch: &branch, ray: ray.as_ref(), prefer: &prefer, prop_steps: steps };
            let mut proved_both = true;
            let mut found = None;
            for below in [true, false] {
                let (mut slo, mut shi) = (lo.clone(), search_hi.clone());
                if below {
                    shi[t] = shi[t].min(w - 1);
                } else {
                    slo[t] = slo[t].max(w + 1);
                }
                if slo[t] > shi[t] {
                    continue;
                }
                match s.run(slo, shi, nodes, limit) {
                    Outcome::Found(x) if self.valid(&x) => {
                        found = Some(x);
                        break;
                    }
                    Outcome::Infeasible if !capped => {}
                    _ => proved_both = false,
                }
            }
            if let Some(x) = found {
                pool.push(x);
                out[i] = protected(&pool, t).or(Some(Verdict::Unproven));
            } else if proved_both {
                *searched += 1;
                out[i] = Some(u64::try_from(w).map_or(Verdict::Unproven, Verdict::Determined));
                // Proven: every solution has x[t] = w. Later searches may use it.
                lo[t] = w;
                hi[t] = w;
                search_hi[t] = w;
                let (mut l2, mut h2) = (lo.clone(), hi.clone());
                if sys.propagate(&mut l2, &mut h2, prop_steps(sys.rows.len(), true)) {
                    for v in 0..n {
                        lo[v] = l2[v];
                        if h2[v] < hi[v] {
                            hi[v] = h2[v];
                            search_hi[v] = search_hi[v].min(h2[v]);
                        }
                    }
                }
            } else {
                out[i] = Some(Verdict::Unproven);
            }
        }
        out.into_iter().map(|v| v.unwrap_or(Verdict::Unproven)).collect()
    }

    /// The cap put on an unbounded variable that no ray found covers: it only limits where the
    /// search looks for witnesses (which are exact whatever the cap); an exhausted capped search
    /// proves nothing.
    /// The quick path of [`Component::analyse`]: targets witnessed protected by two solutions
    /// found with small searches in a box capped above (`None` for a target not settled; `None`
    /// altogether when no first solution is found quickly).
    fn witnesses(
        &self,
        targets: &[usize],
        lo: &[i128],
        hi: &[i128],
        nodes: &mut u64,
        total: u64,
    ) -> Option<Vec<Option<Verdict>>> {
        let cap = self.cap(lo);
        let capped: Vec<i128> =
            lo.iter().zip(hi).map(|(l, h)| if *h == INF { l.saturating_add(cap) } else { *h }).collect();
        let branch = vec![true; self.sys.n];
        let steps = prop_steps(self.sys.rows.len(), false);
        let mut pool: Vec<Vec<i128>> = Vec::new();
        let truth: Option<Vec<i128>> = self.truth.iter().copied().collect();
        match truth.filter(|t| self.valid(t)) {
            Some(t) => pool.push(t),
            None => {
                let prefer: Vec<i128> = self.truth.iter().zip(lo).map(|(t, l)| t.unwrap_or(*l)).collect();
                let s =
                    Search { sys: &self.sys, branch: &branch, ray: None, prefer: &prefer, prop_steps: steps };
                let limit = nodes.saturating_add(QUICK_NODES).min(total);
                match s.run(lo.to_vec(), capped.clone(), nodes, limit) {
                    Outcome::Found(x) if self.valid(&x) => pool.push(x),
                    _ => return None,
                }
            }
        }
        let mut out = Vec::with_capacity(targets.len());
        for t in targets {
            if let Some(v) = protected(&pool, *t) {
                out.push(Some(v));
                continue;
            }
            let Some(w) = pool.first().and_then(|x| x.get(*t)).copied() else {
                out.push(None);
                continue;
            };
            let prefer = pool.first().cloned().unwrap_or_default();
            let s = Search { sys: &self.sys, branch: &branch, ray: None, prefer: &prefer, prop_steps: steps };
            let mut found = None;
            for below in [true, false] {
                let (mut slo, mut shi) = (lo.to_vec(), capped.clone());
                if below {
                    shi[*t] = shi[*t].min(w - 1);
                } else {
                    slo[*t] = slo[*t].max(w + 1);
                }
                if slo[*t] > shi[*t] {
                    continue;
                }
                let limit = nodes.saturating_add(QUICK_NODES).min(total);
                if let Outcome::Found(x) = s.run(slo, shi, nodes, limit)
                    && self.valid(&x)
                {
                    found = Some(x);
                    break;
                }
            }
            match found {
                Some(x) => {
                    pool.push(x);
                    out.push(protected(&pool, *t));
                }
                None => out.push(None),
            }
        }
        Some(out)
    }

    fn cap(&self, lo: &[i128]) -> i128 {
        let rhs = self.sys.rows.iter().map(|r| r.rhs.saturating_abs()).max().unwrap_or(0);
        let low = lo.iter().copied().max().unwrap_or(0);
        rhs.saturating_add(low)
            .saturating_add(1)
            .saturating_mul(i128::try_from(self.sys.n).unwrap_or(1).max(1))
    }

    /// A ray `d ≥ 0`, `A·d = 0`, covering as many of the `unbounded` variables as small searches
    /// find (each found ray is checked exactly; their sum is a ray whose support is the union).
    fn rays(&self, unbounded: &[usize], nodes: &mut u64, per: u64, total: u64) -> Option<Ray> {
        if unbounded.is_empty() {
            return None;
        }
        let n = self.sys.n;
        let mut local = vec![usize::MAX; n];
        for (i, v) in unbounded.iter().enumerate() {
            local[*v] = i;
        }
        // The homogeneous system over the unbounded variables (every other variable of a ray is 0).
        let rows: Vec<Row> = self
            .sys
            .rows
            .iter()
            .filter_map(|r| {
                let terms: Vec<(usize, i128)> = r
                    .terms
                    .iter()
                    .filter(|(v, _)| local[*v] != usize::MAX)
                    .map(|(v, a)| (local[*v], *a))
                    .collect();
                (!terms.is_empty()).then_some(Row { terms, rhs: 0 })
            })
            .collect();
        let k = unbounded.len();
        let hom = System::new(k, rows);
        let branch = vec![true; k];
        // Entries of a ray: up to max(4, k) times the largest coefficient (rays of 0/±1 tables are
        // 0/1; `x − 5y = 0` needs (5, 1)), at most 10^6.
        let largest =
            hom.rows.iter().flat_map(|r| r.terms.iter()).map(|(_, a)| a.saturating_abs()).max().unwrap_or(1);
        let bound = i128::try_from(k).unwrap_or(4).max(4).saturating_mul(largest).min(1_000_000);
        let mut d = vec![0i128; k];
        for i in 0..k {
            if d[i] > 0 {
                continue;
            }
            let mut prefer = vec![0i128; k];
            prefer[i] = 1;
            let s = Search {
                sys: &hom,
                branch: &branch,
                ray: None,
                prefer: &prefer,
                prop_steps: prop_steps(k, false),
            };
            let (mut lo, hi) = (vec![0i128; k], vec![bound; k]);
            lo[i] = 1;
            let limit = nodes.saturating_add(per.min(2_000)).min(total);
            if let Outcome::Found(r) = s.run(lo, hi, nodes, limit)
                && hom.satisfied(&r)
                && r.iter().all(|x| *x >= 0)
            {
                for (a, b) in d.iter_mut().zip(&r) {
                    *a = a.saturating_add(*b);
                }
            }
        }
        let mut full = vec![0i128; n];
        for (i, v) in unbounded.iter().enumerate() {
            full[*v] = d[i];
        }
        let support: Vec<usize> = (0..n).filter(|v| full[*v] > 0).collect();
        // Check A·d = 0 on the whole system.
        let zero =
            System::new(n, self.sys.rows.iter().map(|r| Row { terms: r.terms.clone(), rhs: 0 }).collect());
        (!support.is_empty() && zero.satisfied(&full)).then_some(Ray { d: full, support })
    }
}

/// Whether two rows are the same equation (up to sign).
fn same_row(a: &Row, b: &Row) -> bool {
    let key = |r: &Row| {
        let mut t = r.terms.clone();
        t.sort_unstable();
        let flip = t.first().is_some_and(|(_, c)| *c < 0);
        let t: Vec<(usize, i128)> =
            t.into_iter().map(|(v, c)| (v, if flip { c.saturating_neg() } else { c })).collect();
        (t, if flip { r.rhs.saturating_neg() } else { r.rhs })
    };
    key(a) == key(b)
}

/// Protected, if two pooled solutions differ in `t`.
fn protected(pool: &[Vec<i128>], t: usize) -> Option<Verdict> {
    let values = pool.iter().filter_map(|x| x.get(t)).copied();
    let (low, high) = values.fold((i128::MAX, i128::MIN), |(l, h), v| (l.min(v), h.max(v)));
    if low < high {
        Some(Verdict::Protected { low: u64::try_from(low).ok()?, high: u64::try_from(high).ok()? })
    } else {
        None
    }
}
