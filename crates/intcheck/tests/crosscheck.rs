//! Randomized cross-check against two independent attackers: exhaustive enumeration (tiny
//! reports) and microlp's integer min/max of every unknown (small reports, some with unbounded
//! figures). Verdicts must agree wherever they are not `Unproven`, and `Unproven` must not occur.

mod common;

use common::{Range, Rng, enumerate, microlp_range, random_report, restrict};
use intcheck::{Budget, Verdict, analyse};

#[derive(Default, Debug)]
struct Tally {
    protected: usize,
    determined: usize,
    infeasible: usize,
    unbounded: usize,
    microlp_unknown: usize,
}

#[test]
fn agrees_with_exhaustive_enumeration() {
    let mut rng = Rng::new(0x5EED_0001);
    let mut tally = Tally::default();
    for case in 0..300 {
        let b = random_report(&mut rng, true);
        let targets = b.unknowns();
        let verdicts = analyse(&b.p, &targets, Budget::default()).expect("well-formed");
        // Every unknown is a part of a shown figure, so at most the largest figure.
        let cap = b.values.iter().copied().max().unwrap_or(0);
        for (t, v) in targets.iter().zip(&verdicts) {
            let range = enumerate(&restrict(&b.p, *t), cap).map(|m| m[t]);
            match (v, range) {
                (Verdict::Protected { low, high }, Some((min, max))) => {
                    assert!(
                        min < max && min <= *low && *high <= max,
                        "#{case} var {t}: {v:?} vs {min}..={max}"
                    );
                    tally.protected += 1;
                }
                (Verdict::Determined(x), Some((min, max))) => {
                    assert!(min == max && *x == min, "#{case} var {t}: {v:?} vs {min}..={max}\n{:?}", b.p);
                    tally.determined += 1;
                }
                (Verdict::Infeasible, None) => tally.infeasible += 1,
                _ => panic!("#{case} var {t}: {v:?} vs {range:?}\n{:?}", b.p),
            }
        }
    }
    eprintln!("{tally:?}");
    assert!(
        tally.protected > 100 && tally.determined > 100 && tally.infeasible > 5,
        "all verdicts are exercised: {tally:?}"
    );
}

#[test]
fn agrees_with_microlp() {
    let mut rng = Rng::new(0x5EED_0002);
    let mut tally = Tally::default();
    for case in 0..300 {
        let b = random_report(&mut rng, false);
        let targets = b.unknowns();
        let verdicts = analyse(&b.p, &targets, Budget::default()).expect("well-formed");
        for (t, v) in targets.iter().zip(&verdicts) {
            let range = microlp_range(&restrict(&b.p, *t), *t);
            match (v, range) {
                (Verdict::Protected { low, high }, Range::MinMax(min, max)) => {
                    let (low, high) = (*low as i64, *high as i64);
                    assert!(min < max && min <= low && high <= max, "#{case} var {t}: {v:?} vs {range:?}");
                    tally.protected += 1;
                    tally.unbounded += usize::from(max as u64 >= common::MICROLP_CAP - 100);
                }
                (Verdict::Determined(x), Range::MinMax(min, max)) => {
                    assert!(min == max && *x as i64 == min, "#{case} var {t}: {v:?} vs {range:?}\n{:?}", b.p);
                    tally.determined += 1;
                }
                (Verdict::Infeasible, Range::Infeasible) => tally.infeasible += 1,
                (_, Range::Unknown) => tally.microlp_unknown += 1,
                _ => panic!("#{case} var {t}: {v:?} vs {range:?}\n{:?}", b.p),
            }
        }
    }
    eprintln!("{tally:?}");
    assert!(tally.microlp_unknown <= 5, "{tally:?}");
    assert!(
        tally.protected > 300 && tally.determined > 300 && tally.infeasible > 5 && tally.unbounded > 50,
        "all verdicts are exercised: {tally:?}"
    );
}

/// Three-way tables (non-unimodular) and signed sparse systems, against microlp; the signed
/// systems include figures that only the search (not propagation) proves determined.
#[test]
fn agrees_with_microlp_on_cubes_and_signed_systems() {
    use common::{random_cube, random_signed};
    let mut rng = Rng::new(0x5EED_0003);
    let mut tally = Tally::default();
    let mut by_search = 0;
    for case in 0..1300 {
        let p = if case < 300 { random_cube(&mut rng, case % 2 == 0).p } else { random_signed(&mut rng) };
        let targets: Vec<usize> = (0..p.vars.len()).filter(|v| p.vars[*v].known.is_none()).collect();
        let verdicts = analyse(&p, &targets, Budget::default()).expect("well-formed");
        let quick = analyse(&p, &targets, Budget { nodes_per_target: 0, nodes_total: 0, quick_only: false })
            .expect("well-formed");
        for ((t, v), q) in targets.iter().zip(&verdicts).zip(&quick) {
            let range = microlp_range(&restrict(&p, *t), *t);
            match (v, range) {
                (Verdict::Protected { low, high }, Range::MinMax(min, max)) => {
                    let (low, high) = (*low as i64, *high as i64);
                    assert!(
                        min < max && min <= low && high <= max,
                        "#{case} var {t}: {v:?} vs {range:?}\n{p:?}"
                    );
                    tally.protected += 1;
                    tally.unbounded += usize::from(max as u64 >= common::MICROLP_CAP - 100);
                }
                (Verdict::Determined(x), Range::MinMax(min, max)) => {
                    assert!(min == max && *x as i64 == min, "#{case} var {t}: {v:?} vs {range:?}\n{p:?}");
                    tally.determined += 1;
                    by_search += usize::from(!matches!(q, Verdict::Determined(_)));
                }
                (Verdict::Infeasible, Range::Infeasible) => tally.infeasible += 1,
                (_, Range::Unknown) => tally.microlp_unknown += 1,
                _ => panic!("#{case} var {t}: {v:?} vs {range:?}\n{p:?}"),
            }
        }
    }
    eprintln!("{tally:?}, determined by search: {by_search}");
    assert!(tally.microlp_unknown <= 5, "{tally:?}");
    assert!(tally.protected > 1000 && tally.determined > 1000 && tally.unbounded > 300, "{tally:?}");
    assert!(by_search >= 2, "the search's proofs are exercised: {by_search}");
}
