//! Equations implied by a component's equations (its reduced row echelon form, kept in integers),
//! added as redundant rows so that interval propagation sees what a combination of equations
//! fixes: the "bridge" between two blocks of hidden cells, or a figure bounded only through
//! variables that cancel out (`t + x − y = 1` with `x = y` unbounded gives `t = 1`).

use super::system::Row;

/// What elimination found.
pub(crate) enum Implied {
    /// The reduced rows (one per pivot, the pivot's coefficient positive, each row divided by
    /// the gcd of its coefficients).
    Rows(Vec<Row>),
    /// A combination of the equations reads `0 = c ≠ 0`, or `g·(…) = c` with `g ∤ c`: no integer
    /// solution.
    Infeasible,
    /// Overflow: no conclusion (the caller goes on without implied rows).
    Unknown,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    i128::try_from(a).unwrap_or(1)
}

/// Divides the row by the gcd of its coefficients; `None` when that gcd does not divide the
/// right-hand side (the row has no integer solution).
fn normalise(coefs: &mut [i128], rhs: &mut i128) -> Option<()> {
    let g = coefs.iter().fold(0, |g, c| gcd(g, *c));
    if g > 1 {
        if *rhs % g != 0 {
            return None;
        }
        for c in coefs.iter_mut() {
            *c /= g;
        }
        *rhs /= g;
    }
    Some(())
}

/// Gauss–Jordan elimination over the integers (fraction-free, gcd-reduced), pivoting on the
/// columns in `order` first.
pub(crate) fn implied(n: usize, rows: &[Row], order: &[usize]) -> Implied {
    match eliminate(n, rows, order) {
        Some(Some(r)) => Implied::Rows(r),
        Some(None) => Implied::Infeasible,
        None => Implied::Unknown,
    }
}

fn eliminate(n: usize, rows: &[Row], order: &[usize]) -> Option<Option<Vec<Row>>> {
    let mut m: Vec<(Vec<i128>, i128)> = Vec::with_capacity(rows.len());
    for row in rows {
        let mut coefs = vec![0i128; n];
        for (v, a) in &row.terms {
            let slot = coefs.get_mut(*v)?;
            *slot = slot.checked_add(*a)?;
        }
        m.push((coefs, row.rhs));
    }
    let mut rank = 0usize;
    let mut pivots: Vec<usize> = Vec::new();
    for &col in order {
        if rank == m.len() {
            break;
        }
        // The remaining row with the smallest non-zero coefficient in this column.
        let best = (rank..m.len())
            .filter(|r| m.get(*r).and_then(|(c, _)| c.get(col)).is_some_and(|x| *x != 0))
            .min_by_key(|r| {
                m.get(*r).and_then(|(c, _)| c.get(col)).map_or(i128::MAX, |x| x.saturating_abs())
            });
        let Some(p) = best else { continue };
        m.swap(rank, p);
        let (pc, pr) = m.get(rank)?.clone();
        let a = *pc.get(col)?;
        for (i, (coefs, rhs)) in m.iter_mut().enumerate() {
            let b = *coefs.get(col)?;
            if i == rank || b == 0 {
                continue;
            }
            // row_i := a·row_i − b·row_p (divided by their gcd).
            let g = gcd(a, b);
            let (ka, kb) = (a / g, b / g);
            for (x, y) in coefs.iter_mut().zip(&pc) {
                *x = ka.checked_mul(*x)?.checked_sub(kb.checked_mul(*y)?)?;
            }
            *rhs = ka.checked_mul(*rhs)?.checked_sub(kb.checked_mul(pr)?)?;
            if normalise(coefs, rhs).is_none() {
                return Some(None);
            }
        }
        pivots.push(col);
        rank += 1;
    }
    // Rows left without a pivot are 0 = rhs.
    if m.iter().skip(rank).any(|(_, rhs)| *rhs != 0) {
        return Some(None);
    }
    let mut out = Vec::with_capacity(rank);
    for ((coefs, rhs), col) in m.into_iter().take(rank).zip(pivots) {
        let (mut coefs, mut rhs) = (coefs, rhs);
        if normalise(&mut coefs, &mut rhs).is_none() {
            return Some(None);
        }
        if coefs.get(col).is_some_and(|c| *c < 0) {
            for c in coefs.iter_mut() {
                *c = c.checked_neg()?;
            }
            rhs = rhs.checked_neg()?;
        }
        let terms: Vec<(usize, i128)> = coefs.into_iter().enumerate().filter(|(_, c)| *c != 0).collect();
        out.push(Row { terms, rhs });
    }
    Some(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(terms: &[(usize, i128)], rhs: i128) -> Row {
        Row { terms: terms.to_vec(), rhs }
    }

    #[test]
    fn eliminates() {
        // x − y = 0, t + x − y = 1 ⇒ t = 1.
        let rows = [row(&[(0, 1), (1, -1)], 0), row(&[(2, 1), (0, 1), (1, -1)], 1)];
        let Implied::Rows(r) = implied(3, &rows, &[0, 1, 2]) else { panic!() };
        assert!(r.iter().any(|r| r.terms == vec![(2, 1)] && r.rhs == 1), "{r:?}");
        // 2x + 2y = 3: no integer solution.
        assert!(matches!(implied(2, &[row(&[(0, 2), (1, 2)], 3)], &[0, 1]), Implied::Infeasible));
        // x + y = 1 and x + y = 2.
        let rows = [row(&[(0, 1), (1, 1)], 1), row(&[(0, 1), (1, 1)], 2)];
        assert!(matches!(implied(2, &rows, &[0, 1]), Implied::Infeasible));
    }
}
