//! Inter-rater agreement of the panel's independent pre-panel categorisation: for each reviewed
//! case, the attendees' own category of death (or modifiable determination) recorded before the
//! meeting, compared with each other (Fleiss' kappa) and with the panel's final decision
//! (percentage agreement).

use std::collections::BTreeMap;

/// One case: the raters' codes and the final decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    pub ratings: Vec<String>,
    pub decision: String,
}

/// The figures for one question (category or modifiable) over a set of cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Cases with at least one rating.
    pub cases: usize,
    /// Cases with two or more ratings (the ones kappa is computed over).
    pub cases_for_kappa: usize,
    /// Distinct raters.
    pub raters: usize,
    pub ratings: usize,
    /// Share of ratings equal to the final decision (0–1).
    pub with_decision: Option<f64>,
    /// Fleiss' kappa; `None` with fewer than two cases of two or more ratings, or when every
    /// rating is the same code (chance agreement 1: kappa undefined).
    pub kappa: Option<f64>,
}

/// Category and modifiable agreement from the pre-panel entries of reviewed cases (ordered by
/// case, as the store returns them).
pub fn of_ratings(rows: &[crate::store::prepanel::RatingRow]) -> (Agreement, Agreement) {
    let mut raters: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    raters.sort_unstable();
    raters.dedup();
    let mut category: Vec<Rated> = Vec::new();
    let mut modifiable: Vec<Rated> = Vec::new();
    let mut last = None;
    for r in rows {
        if last != Some(r.case_id) {
            category.push(Rated { ratings: Vec::new(), decision: r.final_category.clone() });
            modifiable.push(Rated { ratings: Vec::new(), decision: r.final_modifiable.clone() });
            last = Some(r.case_id);
        }
        if let (Some(c), Some(m)) = (category.last_mut(), modifiable.last_mut()) {
            c.ratings.push(r.category.clone());
            m.ratings.push(r.modifiable.clone());
        }
    }
    (agreement(&category, raters.len()), agreement(&modifiable, raters.len()))
}

/// Fleiss' kappa over subjects rated by any number (≥ 2) of raters each, in the form that allows
/// the number of raters to vary by subject: P̄ is the mean over subjects of the share of agreeing
/// rater pairs, P̄e the sum of squared overall category shares.
pub fn fleiss_kappa(subjects: &[Vec<&str>]) -> Option<f64> {
    let rated: Vec<&Vec<&str>> = subjects.iter().filter(|s| s.len() >= 2).collect();
    if rated.len() < 2 {
        return None;
    }
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    let mut all = 0.0;
    let mut p_sum = 0.0;
    for s in &rated {
        let n = s.len() as f64;
        let mut counts: BTreeMap<&str, f64> = BTreeMap::new();
        for r in s.iter() {
            *counts.entry(r).or_default() += 1.0;
            *totals.entry(r).or_default() += 1.0;
        }
        all += n;
        p_sum += (counts.values().map(|c| c * c).sum::<f64>() - n) / (n * (n - 1.0));
    }
    let p_bar = p_sum / rated.len() as f64;
    let pe: f64 = totals.values().map(|t| (t / all).powi(2)).sum();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some((p_bar - pe) / (1.0 - pe))
}

/// The agreement figures for `cases`; `raters` is the number of distinct people who rated.
pub fn agreement(cases: &[Rated], raters: usize) -> Agreement {
    let rated: Vec<&Rated> = cases.iter().filter(|c| !c.ratings.is_empty()).collect();
    let ratings: usize = rated.iter().map(|c| c.ratings.len()).sum();
    let agreeing: usize = rated.iter().map(|c| c.ratings.iter().filter(|r| **r == c.decision).count()).sum();
    let subjects: Vec<Vec<&str>> =
        rated.iter().map(|c| c.ratings.iter().map(String::as_str).collect()).collect();
    Agreement {
        cases: rated.len(),
        cases_for_kappa: subjects.iter().filter(|s| s.len() >= 2).count(),
        raters,
        ratings,
        with_decision: (ratings > 0).then(|| agreeing as f64 / ratings as f64),
        kappa: fleiss_kappa(&subjects),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fleiss (1971) as reproduced in the usual worked example: 10 subjects, 14 raters each, 5
    /// categories; kappa = 0.210 (P̄ = 0.378, P̄e = 0.213).
    #[test]
    fn the_textbook_example() {
        let table: [[usize; 5]; 10] = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let codes = ["a", "b", "c", "d", "e"];
        let subjects: Vec<Vec<&str>> = table
            .iter()
            .map(|row| row.iter().zip(codes).flat_map(|(n, c)| std::iter::repeat_n(c, *n)).collect())
            .collect();
        let k = fleiss_kappa(&subjects).unwrap_or(f64::NAN);
        assert!((k - 0.2099).abs() < 0.0005, "{k}");
    }

    /// A small set worked by hand: three cases, three raters.
    /// Case 1: a a a (P=1); case 2: a a b (P=1/3); case 3: b b b (P=1). P̄ = 7/9.
    /// Shares: a 5/9, b 4/9; P̄e = 25/81 + 16/81 = 41/81. kappa = (63/81 − 41/81)/(40/81) = 0.55.
    #[test]
    fn a_hand_computed_set_and_agreement_with_the_decision() {
        let cases = vec![
            Rated { ratings: vec!["a".into(), "a".into(), "a".into()], decision: "a".into() },
            Rated { ratings: vec!["a".into(), "a".into(), "b".into()], decision: "b".into() },
            Rated { ratings: vec!["b".into(), "b".into(), "b".into()], decision: "b".into() },
            Rated { ratings: vec![], decision: "a".into() },
        ];
        let a = agreement(&cases, 3);
        assert_eq!((a.cases, a.cases_for_kappa, a.ratings, a.raters), (3, 3, 9, 3));
        assert!((a.kappa.unwrap_or(f64::NAN) - 0.55).abs() < 1e-9, "{:?}", a.kappa);
        assert!((a.with_decision.unwrap_or(f64::NAN) - 7.0 / 9.0).abs() < 1e-9);
    }

    #[test]
    fn undefined_when_too_few_or_all_the_same() {
        assert_eq!(fleiss_kappa(&[vec!["a", "b"]]), None);
        assert_eq!(fleiss_kappa(&[vec!["a", "a"], vec!["a", "a"]]), None);
        assert_eq!(agreement(&[], 0).with_decision, None);
    }
}
