//! Arbitrary input never panics (debug builds check every arithmetic overflow) and every call
//! ends promptly.

mod common;

use common::Rng;
use intcheck::{Budget, Equation, Problem, Var, Verdict, analyse};
use std::time::Instant;

fn wild(rng: &mut Rng) -> u64 {
    match rng.range(0, 5) {
        0 => 0,
        1 => rng.range(1, 5),
        2 => rng.range(0, 1000),
        3 => u64::MAX - rng.range(0, 3),
        4 => rng.next(),
        _ => 1 << rng.range(0, 63),
    }
}

fn coef(rng: &mut Rng) -> i64 {
    match rng.range(0, 6) {
        0 => 1,
        1 => -1,
        2 => rng.range(0, 10) as i64 - 5,
        3 => i64::MAX,
        4 => i64::MIN,
        _ => rng.next() as i64,
    }
}

#[test]
fn arbitrary_input_neither_panics_nor_hangs() {
    let mut rng = Rng::new(99);
    let mut seen = [0usize; 4];
    let start = Instant::now();
    let mut slowest = std::time::Duration::ZERO;
    for _ in 0..2000 {
        let n = rng.range(1, 8) as usize;
        let vars: Vec<Var> = (0..n)
            .map(|_| Var {
                known: rng.chance(30).then(|| wild(&mut rng)),
                lower: if rng.chance(70) { rng.range(0, 1) } else { wild(&mut rng) },
                upper: rng.chance(30).then(|| wild(&mut rng)),
                truth: rng.chance(60).then(|| wild(&mut rng)),
            })
            .collect();
        let m = rng.range(0, 6) as usize;
        let equations = (0..m)
            .map(|_| Equation {
                terms: (0..rng.range(1, 5))
                    .map(|_| (rng.range(0, n as u64 - 1) as usize, coef(&mut rng)))
                    .collect(),
                rhs: if rng.chance(50) { rng.range(0, 20) as i64 - 10 } else { rng.next() as i64 },
            })
            .collect();
        let p = Problem { vars, equations };
        let targets: Vec<usize> = (0..n).collect();
        let budget = Budget { nodes_per_target: 2_000, nodes_total: 20_000, quick_only: false };
        let t0 = Instant::now();
        if let Ok(verdicts) = analyse(&p, &targets, budget) {
            for v in verdicts {
                seen[match v {
                    Verdict::Protected { low, high } => {
                        assert!(low < high);
                        0
                    }
                    Verdict::Determined(_) => 1,
                    Verdict::Unproven => 2,
                    Verdict::Infeasible => 3,
                }] += 1;
            }
        }
        let took = t0.elapsed();
        slowest = slowest.max(took);
        assert!(took.as_secs() < 5, "{p:?}");
    }
    eprintln!(
        "protected, determined, unproven, infeasible: {seen:?} in {:?}, slowest call {slowest:?}",
        start.elapsed()
    );
    assert!(seen.iter().all(|c| *c > 0), "{seen:?}");
}
