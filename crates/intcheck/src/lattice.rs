//! Integer solutions of `A y = b` with no sign or bound on `y` (a lattice question), by column
//! operations that keep the transform unimodular (a column Hermite-style echelon form).

/// The answer to "does `A y = b` have an integer solution?".
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lattice {
    Solution(Vec<i128>),
    None,
    /// An intermediate value overflowed `i128`: no answer.
    Overflow,
}

/// `(g, s, t)` with `s·a + t·b = g = gcd(a, b) ≥ 0`.
fn ext_gcd(a: i128, b: i128) -> Option<(i128, i128, i128)> {
    let (mut r0, mut r1) = (a, b);
    let (mut s0, mut s1) = (1i128, 0i128);
    let (mut t0, mut t1) = (0i128, 1i128);
    while r1 != 0 {
        let q = r0.checked_div(r1)?;
        (r0, r1) = (r1, r0.checked_sub(q.checked_mul(r1)?)?);
        (s0, s1) = (s1, s0.checked_sub(q.checked_mul(s1)?)?);
        (t0, t1) = (t1, t0.checked_sub(q.checked_mul(t1)?)?);
    }
    if r0 < 0 { Some((r0.checked_neg()?, s0.checked_neg()?, t0.checked_neg()?)) } else { Some((r0, s0, t0)) }
}

/// Replaces columns `p` and `c` of every row of `m` by `(α·p + β·c, γ·p + δ·c)`.
fn combine(m: &mut [Vec<i128>], p: usize, c: usize, k: [i128; 4]) -> Option<()> {
    let [alpha, beta, gamma, delta] = k;
    for row in m.iter_mut() {
        let (x, y) = (*row.get(p)?, *row.get(c)?);
        let np = alpha.checked_mul(x)?.checked_add(beta.checked_mul(y)?)?;
        let nc = gamma.checked_mul(x)?.checked_add(delta.checked_mul(y)?)?;
        *row.get_mut(p)? = np;
        *row.get_mut(c)? = nc;
    }
    Some(())
}

fn swap_columns(m: &mut [Vec<i128>], p: usize, c: usize) {
    for row in m.iter_mut() {
        if p < row.len() && c < row.len() {
            row.swap(p, c);
        }
    }
}

/// Solves `a · y = b` over the integers; `a` has `cols` columns (rows of another length are a
/// caller bug and give `Overflow`, never a panic).
pub(crate) fn solve(a: &[Vec<i128>], b: &[i128], cols: usize) -> Lattice {
    if a.len() != b.len() || a.iter().any(|r| r.len() != cols) {
        return Lattice::Overflow;
    }
    match solve_inner(a, b, cols) {
        Some(Some(y)) => Lattice::Solution(y),
        Some(None) => Lattice::None,
        None => Lattice::Overflow,
    }
}

fn solve_inner(a: &[Vec<i128>], b: &[i128], cols: usize) -> Option<Option<Vec<i128>>> {
    let mut m: Vec<Vec<i128>> = a.to_vec();
    // v: the unimodular transform, as rows of the identity that undergo the same column
    // operations: m = a · v throughout.
    let mut v: Vec<Vec<i128>> = (0..cols).map(|i| (0..cols).map(|j| i128::from(i == j)).collect()).collect();
    // pivot_of_row[r] = Some(column) when row r holds the pivot of that column.
    let mut pivot_of_row: Vec<Option<usize>> = vec![None; m.len()];
    let mut next = 0usize;
    for r in 0..m.len() {
        if next == cols {
            break;
        }
        for c in next + 1..cols {
            if m.get(r)?.get(c).copied()? == 0 {
                continue;
            }
            if m.get(r)?.get(next).copied()? == 0 {
                swap_columns(&mut m, next, c);
                swap_columns(&mut v, next, c);
                continue;
            }
            let (x, y) = (m.get(r)?.get(next).copied()?, m.get(r)?.get(c).copied()?);
            let (g, s, t) = ext_gcd(x, y)?;
            // [s, −y/g; t, x/g] has determinant (s·x + t·y)/g = 1.
            let k = [s, t, y.checked_div(g)?.checked_neg()?, x.checked_div(g)?];
            combine(&mut m, next, c, k)?;
            combine(&mut v, next, c, k)?;
        }
        if m.get(r)?.get(next).copied()? != 0 {
            *pivot_of_row.get_mut(r)? = Some(next);
            next += 1;
        }
    }
    // Forward substitution: row r involves only columns up to its pivot (or, without a pivot,
    // only columns already solved).
    let mut z = vec![0i128; cols];
    for (r, row) in m.iter().enumerate() {
        let mut rest = *b.get(r)?;
        let limit = match pivot_of_row.get(r)? {
            Some(p) => *p,
            None => next.min(cols),
        };
        for (j, coef) in row.iter().enumerate().take(limit) {
            rest = rest.checked_sub(coef.checked_mul(*z.get(j)?)?)?;
        }
        match pivot_of_row.get(r)? {
            Some(p) => {
                let d = *row.get(*p)?;
                if rest.checked_rem(d)? != 0 {
                    return Some(None);
                }
                *z.get_mut(*p)? = rest.checked_div(d)?;
            }
            None => {
                if rest != 0 {
                    return Some(None);
                }
            }
        }
    }
    // y = v · z.
    let mut y = Vec::with_capacity(cols);
    for vr in &v {
        let mut s: i128 = 0;
        for (vj, zj) in vr.iter().zip(&z) {
            s = s.checked_add(vj.checked_mul(*zj)?)?;
        }
        y.push(s);
    }
    Some(Some(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &[Vec<i128>], b: &[i128], solvable: bool) {
        match solve(a, b, a.first().map_or(0, Vec::len)) {
            Lattice::Solution(y) => {
                assert!(solvable, "{a:?} {b:?} gave {y:?}");
                for (row, rhs) in a.iter().zip(b) {
                    assert_eq!(row.iter().zip(&y).map(|(p, q)| p * q).sum::<i128>(), *rhs);
                }
            }
            Lattice::None => assert!(!solvable, "{a:?} {b:?}"),
            Lattice::Overflow => panic!("overflow"),
        }
    }

    #[test]
    fn integer_systems() {
        check(&[vec![2, 4]], &[6], true);
        check(&[vec![2, 4]], &[5], false);
        check(&[vec![3, 5]], &[1], true);
        // x + y = 1, y + z = 1, x + z = 1: x = y = z = 1/2.
        check(&[vec![1, 1, 0], vec![0, 1, 1], vec![1, 0, 1]], &[1, 1, 1], false);
        check(&[vec![1, 1, 0], vec![0, 1, 1], vec![1, 0, 1]], &[2, 2, 2], true);
        // Dependent rows, consistent and not.
        check(&[vec![1, -1], vec![2, -2]], &[3, 6], true);
        check(&[vec![1, -1], vec![2, -2]], &[3, 7], false);
        check(&[vec![0, 0]], &[0], true);
        check(&[vec![0, 0]], &[1], false);
        check(&[vec![1, 1, -1, 0], vec![0, 1, 1, -1], vec![1, 0, 1, -1]], &[0, 0, 0], true);
        // 2-way table with margins, all cells unknown.
        check(&[vec![1, 1, 0, 0], vec![0, 0, 1, 1], vec![1, 0, 1, 0], vec![0, 1, 0, 1]], &[5, 7, 4, 8], true);
        assert_eq!(ext_gcd(-4, 6), Some((2, 1, 1)));
    }
}
