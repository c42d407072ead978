//! The real-valued check (Gaussian elimination over every equation at once): which unknowns the
//! equations fix exactly, treating each as any real number. Kept for the tests that show what the
//! integer check adds; published reports use [`super::integer`].

use std::collections::BTreeMap;

/// The unknowns (`unknown[v]`) that the equations fix exactly, over the reals.
pub(super) fn determined(equations: &[(Vec<usize>, usize)], unknown: &[bool]) -> Vec<usize> {
    let unknowns: Vec<usize> = (0..unknown.len()).filter(|v| unknown[*v]).collect();
    let column: BTreeMap<usize, usize> = unknowns.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    // Rows of the coefficient matrix over the unknowns (the known part is irrelevant to whether a
    // value is fixed).
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (parts, total) in equations {
        let mut row = vec![0.0; unknowns.len()];
        for p in parts {
            if let Some(i) = column.get(p) {
                row[*i] += 1.0;
            }
        }
        if let Some(i) = column.get(total) {
            row[*i] -= 1.0;
        }
        if row.iter().any(|x| *x != 0.0) {
            rows.push(row);
        }
    }
    let width = unknowns.len();
    let mut pivot_row = 0;
    let mut pivots = Vec::new();
    for col in 0..width {
        let Some(p) = (pivot_row..rows.len()).find(|r| rows[*r][col].abs() > 1e-9) else { continue };
        rows.swap(pivot_row, p);
        let lead = rows[pivot_row][col];
        for x in rows[pivot_row].iter_mut() {
            *x /= lead;
        }
        let lead_row = rows[pivot_row].clone();
        for (r, row) in rows.iter_mut().enumerate() {
            if r != pivot_row && row[col].abs() > 1e-9 {
                let factor = row[col];
                for (x, y) in row.iter_mut().zip(&lead_row) {
                    *x -= factor * y;
                }
            }
        }
        pivots.push((pivot_row, col));
        pivot_row += 1;
        if pivot_row == rows.len() {
            break;
        }
    }
    // In reduced form, an unknown is fixed when its pivot row has no other unknown in it.
    pivots
        .into_iter()
        .filter(|(r, col)| rows[*r].iter().enumerate().all(|(k, x)| k == *col || x.abs() <= 1e-9))
        .map(|(_, col)| unknowns[col])
        .collect()
}
