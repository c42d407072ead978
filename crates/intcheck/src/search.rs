//! Depth-first search for one integer solution of a component inside a box, with propagation at
//! every node.
//!
//! Variables are of two kinds. *Branch* variables have a finite upper bound: the search splits
//! their domains. *Ray* variables (the support `S` of a ray `d ≥ 0`, `A·d = 0`, `d > 0` exactly on
//! `S`, of the component's equations) have no upper bound and are never split: once every branch
//! variable is fixed, the equations restricted to `S` have an integer solution `≥` the lower bounds
//! if and only if they have an integer solution at all (shift it by a large multiple of `d`), which
//! is a lattice question answered exactly by [`super::lattice`].

use super::lattice::{self, Lattice};
use super::system::{Prop, System, ceil_div};

/// A ray of the component: `d ≥ 0`, `A·d = 0`, `d[v] > 0` exactly for `v` in `support`.
#[derive(Debug, Clone)]
pub(crate) struct Ray {
    pub d: Vec<i128>,
    pub support: Vec<usize>,
}

/// How a search ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    Found(Vec<i128>),
    /// Every node was refuted: no solution in the box (a proof).
    Infeasible,
    /// The node limit was reached.
    Budget,
    /// The box was exhausted but some leaf could not be decided (arithmetic overflow).
    Incomplete,
}

enum Leaf {
    Found(Vec<i128>),
    Empty,
    Unknown,
}

pub(crate) struct Search<'a> {
    pub sys: &'a System,
    /// `branch[v]`: `v` has a finite upper bound and is split by the search.
    pub branch: &'a [bool],
    pub ray: Option<&'a Ray>,
    /// Values to try first (clamped into the domain).
    pub prefer: &'a [i128],
    /// Row revisions per propagation.
    pub prop_steps: usize,
}

/// Domains this small are split into single values; larger ones around the preferred value or in
/// halves.
const SMALL: i128 = 8;

impl Search<'_> {
    /// Searches the box `[lo, hi]`, counting nodes in `nodes`, up to `limit`.
    pub fn run(&self, lo: Vec<i128>, hi: Vec<i128>, nodes: &mut u64, limit: u64) -> Outcome {
        // Each box with the variable whose domain was just narrowed (None: propagate every row).
        let mut stack: Vec<(Vec<i128>, Vec<i128>, Option<usize>)> = vec![(lo, hi, None)];
        let mut incomplete = false;
        while let Some((mut lo, mut hi, from)) = stack.pop() {
            if *nodes >= limit {
                return Outcome::Budget;
            }
            *nodes += 1;
            let at_fixpoint = match self.sys.propagate_from(&mut lo, &mut hi, self.prop_steps, from) {
                Prop::Infeasible => continue,
                Prop::Fixpoint => true,
                Prop::Stopped => false,
            };
            let Some(v) = self.pick(&lo, &hi) else {
                match self.leaf(&lo, &hi) {
                    Leaf::Found(x) => return Outcome::Found(x),
                    Leaf::Empty => {}
                    Leaf::Unknown => incomplete = true,
                }
                continue;
            };
            let (Some(&l), Some(&h)) = (lo.get(v), hi.get(v)) else { continue };
            let p = self.prefer.get(v).copied().unwrap_or(l).clamp(l, h);
            // Children in the order to explore them.
            let mut children: Vec<(i128, i128)> = Vec::new();
            if h - l < SMALL {
                let mut values: Vec<i128> = (l..=h).collect();
                values.sort_by_key(|x| ((x - p).abs(), *x));
                children.extend(values.into_iter().map(|x| (x, x)));
            } else if l < p && p < h {
                children.extend([(p, p), (l, p - 1), (p + 1, h)]);
            } else {
                let mid = l + (h - l) / 2;
                if p <= mid {
                    children.extend([(l, mid), (mid + 1, h)]);
                } else {
                    children.extend([(mid + 1, h), (l, mid)]);
                }
            }
            for (cl, ch) in children.into_iter().rev() {
                let (mut clo, mut chi) = (lo.clone(), hi.clone());
                if let (Some(a), Some(b)) = (clo.get_mut(v), chi.get_mut(v)) {
                    *a = cl;
                    *b = ch;
                    stack.push((clo, chi, at_fixpoint.then_some(v)));
                }
            }
        }
        if incomplete { Outcome::Incomplete } else { Outcome::Infeasible }
    }

    /// The unfixed branch variable with the smallest domain (most constrained), ties to the one
    /// in most equations.
    fn pick(&self, lo: &[i128], hi: &[i128]) -> Option<usize> {
        (0..self.sys.n)
            .filter(|v| self.branch.get(*v).copied().unwrap_or(false))
            .filter_map(|v| {
                let (l, h) = (*lo.get(v)?, *hi.get(v)?);
                let degree = self.sys.var_rows.get(v).map_or(0, Vec::len);
                (l < h).then_some((h.saturating_sub(l), std::cmp::Reverse(degree), v))
            })
            .min()
            .map(|(_, _, v)| v)
    }

    /// Every branch variable is fixed: complete the ray variables, if any.
    fn leaf(&self, lo: &[i128], hi: &[i128]) -> Leaf {
        let Some(ray) = self.ray else {
            return if self.sys.satisfied(lo) { Leaf::Found(lo.to_vec()) } else { Leaf::Empty };
        };
        let support = &ray.support;
        // If the box held a solution x, it would hold x + k·d for every k ≥ 0, so no valid upper
        // bound on a support variable could have been propagated: a finite one refutes the box.
        if support.iter().any(|v| hi.get(*v).is_some_and(|h| *h != super::system::INF)) {
            return Leaf::Empty;
        }
        let mut column = vec![usize::MAX; self.sys.n];
        for (j, v) in support.iter().enumerate() {
            if let Some(c) = column.get_mut(*v) {
                *c = j;
            }
        }
        let mut a = Vec::with_capacity(self.sys.rows.len());
        let mut b = Vec::with_capacity(self.sys.rows.len());
        for row in &self.sys.rows {
            let mut coefs = vec![0i128; support.len()];
            let mut rhs = row.rhs;
            for (v, c) in &row.terms {
                match column.get(*v).and_then(|j| coefs.get_mut(*j)) {
                    Some(slot) => *slot = *c,
                    None => {
                        let Some(val) = lo.get(*v).and_then(|x| c.checked_mul(*x)) else {
                            return Leaf::Unknown;
                        };
                        let Some(r) = rhs.checked_sub(val) else { return Leaf::Unknown };
                        rhs = r;
                    }
                }
            }
            a.push(coefs);
            b.push(rhs);
        }
        let y = match lattice::solve(&a, &b, support.len()) {
            Lattice::Solution(y) => y,
            Lattice::None => return Leaf::Empty,
            Lattice::Overflow => return Leaf::Unknown,
        };
        // Shift by k·d with k large enough to meet every lower bound.
        let mut k: i128 = 0;
        for (j, v) in support.iter().enumerate() {
            let (Some(dv), Some(yv), Some(lv)) = (ray.d.get(*v), y.get(j), lo.get(*v)) else {
                return Leaf::Unknown;
            };
            let Some(need) = lv.checked_sub(*yv).and_then(|gap| ceil_div(gap, *dv)) else {
                return Leaf::Unknown;
            };
            k = k.max(need);
        }
        let mut x = lo.to_vec();
        for (j, v) in support.iter().enumerate() {
            let (Some(dv), Some(yv)) = (ray.d.get(*v), y.get(j)) else { return Leaf::Unknown };
            let Some(val) = k.checked_mul(*dv).and_then(|s| s.checked_add(*yv)) else { return Leaf::Unknown };
            if let Some(slot) = x.get_mut(*v) {
                *slot = val;
            }
        }
        let in_box = x.iter().zip(lo).zip(hi).all(|((xv, l), h)| l <= xv && xv <= h);
        if in_box && self.sys.satisfied(&x) { Leaf::Found(x) } else { Leaf::Unknown }
    }
}
