//! A component's equations over its unknowns, and interval bounds propagation.
//!
//! All arithmetic is in `i128` and checked: an operation that would overflow makes the bound it
//! was computing unavailable (the bound is then simply not tightened), which keeps propagation
//! sound. `INF` stands for "no upper bound"; lower bounds are always finite (every unknown is
//! at least its declared lower bound, itself at least 0).

use std::collections::VecDeque;

/// No upper bound.
pub(crate) const INF: i128 = i128::MAX;

/// `Σ coef · x[var] = rhs`, over local variable indices, with no zero coefficient and no variable
/// twice.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub terms: Vec<(usize, i128)>,
    pub rhs: i128,
}

/// The equations of one component.
#[derive(Debug, Clone)]
pub(crate) struct System {
    pub n: usize,
    pub rows: Vec<Row>,
    /// For each variable, the rows it appears in.
    pub var_rows: Vec<Vec<usize>>,
}

/// How a propagation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prop {
    Fixpoint,
    /// The step limit was reached first: the bounds are valid but not a fixpoint.
    Stopped,
    Infeasible,
}

/// One term's contribution to a row's smallest or largest possible sum.
enum Part {
    Finite(i128),
    Infinite,
    Overflow,
}

fn mul(a: i128, b: i128) -> Part {
    a.checked_mul(b).map_or(Part::Overflow, Part::Finite)
}

/// The least value of `a · x` for `x` in `[lo, hi]` (`a ≠ 0`, `lo` finite).
fn part_min(a: i128, lo: i128, hi: i128) -> Part {
    if a > 0 {
        mul(a, lo)
    } else if hi == INF {
        Part::Infinite
    } else {
        mul(a, hi)
    }
}

/// The greatest value of `a · x` for `x` in `[lo, hi]`.
fn part_max(a: i128, lo: i128, hi: i128) -> Part {
    if a < 0 {
        mul(a, lo)
    } else if hi == INF {
        Part::Infinite
    } else {
        mul(a, hi)
    }
}

/// A sum of parts: its finite part, how many parts are infinite, and whether it overflowed.
#[derive(Default)]
struct Sum {
    finite: i128,
    infinite: u32,
    overflow: bool,
}

impl Sum {
    fn add(&mut self, p: &Part) {
        match p {
            Part::Finite(c) => match self.finite.checked_add(*c) {
                Some(s) => self.finite = s,
                None => self.overflow = true,
            },
            Part::Infinite => self.infinite = self.infinite.saturating_add(1),
            Part::Overflow => self.overflow = true,
        }
    }

    /// The whole sum, when finite.
    fn value(&self) -> Option<i128> {
        (!self.overflow && self.infinite == 0).then_some(self.finite)
    }

    /// The sum of every part but `p` (one of its parts), when finite.
    fn without(&self, p: &Part) -> Option<i128> {
        if self.overflow {
            return None;
        }
        match p {
            Part::Infinite => (self.infinite == 1).then_some(self.finite),
            Part::Finite(c) if self.infinite == 0 => self.finite.checked_sub(*c),
            _ => None,
        }
    }
}

/// `⌊a / b⌋`, `b ≠ 0`.
pub(crate) fn floor_div(a: i128, b: i128) -> Option<i128> {
    let q = a.checked_div(b)?;
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) { q.checked_sub(1) } else { Some(q) }
}

/// `⌈a / b⌉`, `b ≠ 0`.
pub(crate) fn ceil_div(a: i128, b: i128) -> Option<i128> {
    let q = a.checked_div(b)?;
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) == (b < 0)) { q.checked_add(1) } else { Some(q) }
}

impl System {
    pub fn new(n: usize, rows: Vec<Row>) -> System {
        let mut var_rows = vec![Vec::new(); n];
        for (e, row) in rows.iter().enumerate() {
            for (v, _) in &row.terms {
                if let Some(list) = var_rows.get_mut(*v) {
                    list.push(e);
                }
            }
        }
        System { n, rows, var_rows }
    }

    /// Whether `x` satisfies every row exactly.
    pub fn satisfied(&self, x: &[i128]) -> bool {
        self.rows.iter().all(|row| {
            let mut s: i128 = 0;
            for (v, a) in &row.terms {
                let Some(xv) = x.get(*v) else { return false };
                match a.checked_mul(*xv).and_then(|p| s.checked_add(p)) {
                    Some(t) => s = t,
                    None => return false,
                }
            }
            s == row.rhs
        })
    }

    /// Tightens `lo`/`hi` towards the fixpoint of interval propagation. Returns `false` when it
    /// proves the box holds no solution. Stops (soundly, with looser bounds) after `max_steps`
    /// row revisions, so a slow creep of bounds towards a contradiction cannot loop for long.
    pub fn propagate(&self, lo: &mut [i128], hi: &mut [i128], max_steps: usize) -> bool {
        self.propagate_from(lo, hi, max_steps, None) != Prop::Infeasible
    }

    /// [`System::propagate`], starting from the rows of variable `from` only (when the box was at
    /// a fixpoint before that variable's domain changed), or from every row.
    pub fn propagate_from(
        &self,
        lo: &mut [i128],
        hi: &mut [i128],
        max_steps: usize,
        from: Option<usize>,
    ) -> Prop {
        let mut queued = vec![false; self.rows.len()];
        let mut queue: VecDeque<usize> = match from.and_then(|v| self.var_rows.get(v)) {
            Some(rows) => rows.clone().into(),
            None => (0..self.rows.len()).collect(),
        };
        for e in &queue {
            if let Some(q) = queued.get_mut(*e) {
                *q = true;
            }
        }
        let mut changed = Vec::new();
        let mut steps = 0usize;
        while let Some(e) = queue.pop_front() {
            if let Some(q) = queued.get_mut(e) {
                *q = false;
            }
            steps += 1;
            if steps > max_steps {
                return Prop::Stopped;
            }
            changed.clear();
            if !self.revise(e, lo, hi, &mut changed) {
                return Prop::Infeasible;
            }
            for v in &changed {
                for e2 in self.var_rows.get(*v).map_or(&[][..], Vec::as_slice) {
                    if let Some(q) = queued.get_mut(*e2)
                        && !*q
                    {
                        *q = true;
                        queue.push_back(*e2);
                    }
                }
            }
        }
        Prop::Fixpoint
    }

    /// Revises every variable's bounds from row `e`; pushes the variables whose bounds changed.
    fn revise(&self, e: usize, lo: &mut [i128], hi: &mut [i128], changed: &mut Vec<usize>) -> bool {
        let Some(row) = self.rows.get(e) else { return true };
        let mut min = Sum::default();
        let mut max = Sum::default();
        for (v, a) in &row.terms {
            let (Some(l), Some(h)) = (lo.get(*v), hi.get(*v)) else { return true };
            min.add(&part_min(*a, *l, *h));
            max.add(&part_max(*a, *l, *h));
        }
        if min.value().is_some_and(|m| m > row.rhs) || max.value().is_some_and(|m| m < row.rhs) {
            return false;
        }
        for (v, a) in &row.terms {
            let (Some(l), Some(h)) = (lo.get(*v).copied(), hi.get(*v).copied()) else { continue };
            // The other terms lie in [others_min, others_max], so a·x lies in
            // [rhs − others_max, rhs − others_min].
            let others_min = min.without(&part_min(*a, l, h));
            let others_max = max.without(&part_max(*a, l, h));
            let from_min = others_min.and_then(|m| row.rhs.checked_sub(m));
            let from_max = others_max.and_then(|m| row.rhs.checked_sub(m));
            let (new_lo, new_hi) = if *a > 0 {
                (from_max.and_then(|n| ceil_div(n, *a)), from_min.and_then(|n| floor_div(n, *a)))
            } else {
                (from_min.and_then(|n| ceil_div(n, *a)), from_max.and_then(|n| floor_div(n, *a)))
            };
            let mut moved = false;
            if let Some(nl) = new_lo
                && nl > l
                && let Some(slot) = lo.get_mut(*v)
            {
                *slot = nl;
                moved = true;
            }
            if let Some(nh) = new_hi
                && nh < h
                && let Some(slot) = hi.get_mut(*v)
            {
                *slot = nh;
                moved = true;
            }
            if moved {
                if lo.get(*v) > hi.get(*v) {
                    return false;
                }
                changed.push(*v);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_rounds_the_right_way() {
        for a in -9i128..=9 {
            for b in [-4i128, -3, -1, 1, 2, 5] {
                let f = (a as f64 / b as f64).floor() as i128;
                let c = (a as f64 / b as f64).ceil() as i128;
                assert_eq!(floor_div(a, b), Some(f), "{a}/{b}");
                assert_eq!(ceil_div(a, b), Some(c), "{a}/{b}");
            }
        }
        assert_eq!(floor_div(i128::MIN, -1), None);
    }

    #[test]
    fn propagation_bounds_and_detects() {
        // x + y = 2, x, y >= 1: both fixed at 1.
        let s = System::new(2, vec![Row { terms: vec![(0, 1), (1, 1)], rhs: 2 }]);
        let (mut lo, mut hi) = (vec![1, 1], vec![INF, INF]);
        assert!(s.propagate(&mut lo, &mut hi, 100));
        assert_eq!((lo, hi), (vec![1, 1], vec![1, 1]));
        // x - y = 0 with x >= 3: y >= 3; both unbounded above.
        let s = System::new(2, vec![Row { terms: vec![(0, 1), (1, -1)], rhs: 0 }]);
        let (mut lo, mut hi) = (vec![3, 0], vec![INF, INF]);
        assert!(s.propagate(&mut lo, &mut hi, 100));
        assert_eq!((lo, hi), (vec![3, 3], vec![INF, INF]));
        // x + y = 1 with x, y >= 1: infeasible.
        let s = System::new(2, vec![Row { terms: vec![(0, 1), (1, 1)], rhs: 1 }]);
        let (mut lo, mut hi) = (vec![1, 1], vec![INF, INF]);
        assert!(!s.propagate(&mut lo, &mut hi, 100));
        // Huge values do not overflow.
        let s = System::new(2, vec![Row { terms: vec![(0, i64::MAX as i128), (1, -1)], rhs: 0 }]);
        let (mut lo, mut hi) = (vec![0, 0], vec![u64::MAX as i128, INF]);
        assert!(s.propagate(&mut lo, &mut hi, 100));
        assert_eq!(hi[1], i64::MAX as i128 * u64::MAX as i128);
    }
}
