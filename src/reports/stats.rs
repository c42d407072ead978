//! Summary statistics from a histogram (value → how many), as the aggregate queries return them.

/// The `q` quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics (R's type 7,
/// Excel's QUARTILE.INC): the median of 1, 2, 3, 4 is 2.5. `None` with no values.
pub fn quantile(histogram: &[(i64, u64)], q: f64) -> Option<f64> {
    let mut sorted: Vec<(i64, u64)> = histogram.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_unstable();
    let n: u64 = sorted.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let low = h.floor() as u64;
    let a = nth(&sorted, low)?;
    let b = nth(&sorted, (low + 1).min(n - 1))?;
    Some(a as f64 + (h - low as f64) * (b - a) as f64)
}

/// The `k`-th smallest value (from 0).
fn nth(sorted: &[(i64, u64)], k: u64) -> Option<i64> {
    let mut seen = 0;
    for (v, c) in sorted {
        seen += c;
        if k < seen {
            return Some(*v);
        }
    }
    None
}

/// How many values are at most `limit`, and how many values there are.
pub fn within(histogram: &[(i64, u64)], limit: i64) -> (u64, u64) {
    let total = histogram.iter().map(|(_, n)| n).sum();
    (histogram.iter().filter(|(v, _)| *v <= limit).map(|(_, n)| n).sum(), total)
}

/// How many values fall in each band `[from, to)`; the last band has no upper end.
pub fn bands(histogram: &[(i64, u64)], starts: &[i64]) -> Vec<u64> {
    starts
        .iter()
        .enumerate()
        .map(|(i, from)| {
            let to = starts.get(i + 1).copied().unwrap_or(i64::MAX);
            histogram.iter().filter(|(v, _)| v >= from && *v < to).map(|(_, n)| n).sum()
        })
        .collect()
}

/// A number of days in words: whole days, or one decimal for a half.
pub fn days(d: f64) -> String {
    if (d - d.round()).abs() < 1e-9 { format!("{d:.0}") } else { format!("{d:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let h = [(4, 1), (1, 1), (3, 1), (2, 1)];
        assert_eq!(quantile(&h, 0.5), Some(2.5));
        assert_eq!(quantile(&h, 0.25), Some(1.75));
        assert_eq!(quantile(&h, 0.75), Some(3.25));
        assert_eq!(quantile(&[(10, 3), (20, 1)], 0.5), Some(10.0));
        assert_eq!(quantile(&[(7, 1)], 0.25), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[(5, 0)], 0.5), None);
    }

    #[test]
    fn shares_and_bands_count_every_value_once() {
        let h = [(30, 2), (183, 1), (200, 4), (400, 1)];
        assert_eq!(within(&h, 183), (3, 8));
        assert_eq!(bands(&h, &[0, 92, 183, 365]), vec![2, 0, 5, 1]);
        assert_eq!(days(2.5), "2.5");
        assert_eq!(days(3.0), "3");
    }
}
