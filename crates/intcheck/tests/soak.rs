//! A long cross-check against microlp (about a minute in release):
//! `cargo test --release --test soak -- --ignored --nocapture`.

mod common;

use common::{Range, Rng, microlp_range, random_cube, random_report, random_signed, restrict};
use intcheck::{Budget, Verdict, analyse};

#[test]
#[ignore]
fn thirty_thousand_systems_against_microlp() {
    let mut rng = Rng::new(777);
    let (mut unproven, mut bad, mut unknown, mut total) = (0, 0, 0, 0);
    for case in 0..30_000 {
        let p = match case % 4 {
            0 | 1 => random_signed(&mut rng),
            2 => random_cube(&mut rng, case % 8 == 2).p,
            _ => random_report(&mut rng, false).p,
        };
        let targets: Vec<usize> = (0..p.vars.len()).filter(|v| p.vars[*v].known.is_none()).collect();
        let verdicts = analyse(&p, &targets, Budget::default()).expect("well-formed");
        for (t, v) in targets.iter().zip(&verdicts) {
            total += 1;
            let r = microlp_range(&restrict(&p, *t), *t);
            let ok = match (v, r) {
                (_, Range::Unknown) => {
                    unknown += 1;
                    true
                }
                (Verdict::Unproven, _) => {
                    unproven += 1;
                    eprintln!("unproven #{case} var {t}: {r:?}\n{p:?}");
                    true
                }
                (Verdict::Protected { low, high }, Range::MinMax(a, b)) => {
                    a < b && a <= *low as i64 && (*high as i64) <= b
                }
                (Verdict::Determined(d), Range::MinMax(a, b)) => a == b && a == *d as i64,
                (Verdict::Infeasible, Range::Infeasible) => true,
                _ => false,
            };
            if !ok {
                bad += 1;
                eprintln!("mismatch #{case} var {t}: {v:?} vs {r:?}\n{p:?}");
            }
        }
    }
    eprintln!("targets {total}, unproven {unproven}, mismatches {bad}, microlp undecided {unknown}");
    assert_eq!((bad, unproven), (0, 0));
}
