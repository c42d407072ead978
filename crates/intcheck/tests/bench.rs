//! Timings on realistic reports (run: `cargo test --release --test bench -- --ignored --nocapture`).

mod common;

use common::Rng;
use common::disclosure::{self, Check, Grid, Rule};
use intcheck::{Budget, Problem, Verdict, analyse_detailed};
use std::time::Instant;

fn grid(rng: &mut Rng, rows: usize, cols: usize, tag: usize) -> Grid {
    let cells = (0..rows)
        .map(|_| {
            (0..cols)
                .map(|_| match rng.range(0, 9) {
                    0 | 1 => 0,
                    2..=4 => rng.range(1, 4),
                    _ => rng.range(5, 40),
                })
                .collect()
        })
        .collect();
    Grid {
        cells,
        row_totals: (0..rows).map(|r| format!("t{tag}r{r}")).collect(),
        column_totals: (0..cols).map(|c| format!("t{tag}c{c}")).collect(),
        total: format!("t{tag}all"),
    }
}

/// Several independent tables (one component each, or fewer when a table's hidden figures
/// split), suppressed by the project's real-valued rule; returns the problem and its hidden
/// figures.
fn report(rng: &mut Rng, tables: usize, rows: usize, cols: usize, check: Check) -> (Problem, Vec<usize>) {
    let grids: Vec<Grid> = (0..tables).map(|t| grid(rng, rows, cols, t)).collect();
    let h = disclosure::suppress_with(&grids, &Rule::default(), check);
    let s = disclosure::System::new(&grids);
    let flags = s.flags(&h);
    let hidden = (0..flags.len()).filter(|v| flags[*v]).collect();
    (s.problem(&flags), hidden)
}

fn time(label: &str, p: &Problem, hidden: &[usize]) {
    let reps = 50;
    let start = Instant::now();
    let mut last = None;
    for _ in 0..reps {
        last = Some(analyse_detailed(p, hidden, Budget::default()).expect("ok"));
    }
    let per = start.elapsed() / reps;
    let a = last.expect("ran");
    let count = |f: fn(&Verdict) -> bool| a.verdicts.iter().filter(|v| f(v)).count();
    eprintln!(
        "{label}: {} figures, {} hidden, {} components: {:?} per call, {} nodes; protected {}, determined {}, unproven {}",
        p.vars.len(),
        hidden.len(),
        a.components,
        per,
        a.nodes,
        count(|v| v.is_protected()),
        count(|v| matches!(v, Verdict::Determined(_))),
        count(|v| matches!(v, Verdict::Unproven)),
    );
}

#[test]
#[ignore]
fn timings() {
    let mut rng = Rng::new(42);
    // 20 tables of 3×4 (20 figures each, 400 in all), suppressed by the real-valued rule.
    let (p, hidden) = report(&mut rng, 20, 3, 4, Check::Real);
    time("20 tables 3x4, real-valued pattern", &p, &hidden);
    // 20 tables of 3×3 (16 figures each, 320 in all).
    let (p, hidden) = report(&mut rng, 20, 3, 3, Check::Real);
    time("20 tables 3x3, real-valued pattern", &p, &hidden);
    // One big component: a 6×6 table (49 figures), heavily suppressed.
    let (p, hidden) = report(&mut rng, 1, 6, 6, Check::Real);
    time("one 6x6 table", &p, &hidden);
    // One report of linked tables: 8 categories by age (5), by sex (2), by year (4), sharing the
    // category totals and the grand total: one large component.
    let mut linked = Vec::new();
    for (tag, cols) in [(0usize, 5usize), (1, 2), (2, 4)] {
        let mut g = grid(&mut rng, 8, cols, tag);
        g.row_totals = (0..8).map(|r| format!("cat{r}")).collect();
        g.total = "all".to_string();
        linked.push(g);
    }
    // Make the breakdowns consistent: every table splits the same category totals.
    let totals: Vec<u64> = linked[0].cells.iter().map(|r| r.iter().sum()).collect();
    for g in linked.iter_mut().skip(1) {
        let cols = g.cells[0].len();
        for (r, row) in g.cells.iter_mut().enumerate() {
            let mut left = totals[r];
            for (c, cell) in row.iter_mut().enumerate() {
                *cell = if c + 1 == cols { left } else { rng.range(0, left.min(12)) };
                left -= *cell;
            }
        }
    }
    let h = disclosure::suppress(&linked, &Rule::default());
    let s = disclosure::System::new(&linked);
    let flags = s.flags(&h);
    let hidden: Vec<usize> = (0..flags.len()).filter(|v| flags[*v]).collect();
    time("linked 8x5 + 8x2 + 8x4 sharing totals", &s.problem(&flags), &hidden);
    let start = Instant::now();
    let hi = disclosure::suppress_with(&linked, &Rule::default(), Check::Integer);
    eprintln!(
        "  integer suppression loop on it: {:?}, {} hidden (real rule: {})",
        start.elapsed(),
        hi.count(),
        h.count()
    );
    // A 10×10 table of small counts: most cells hidden.
    let mut g = grid(&mut rng, 10, 10, 99);
    for row in g.cells.iter_mut() {
        for c in row.iter_mut() {
            *c = rng.range(0, 6);
        }
    }
    let h = disclosure::suppress(std::slice::from_ref(&g), &Rule::default());
    let s = disclosure::System::new(std::slice::from_ref(&g));
    let flags = s.flags(&h);
    let hidden: Vec<usize> = (0..flags.len()).filter(|v| flags[*v]).collect();
    time("10x10 small counts", &s.problem(&flags), &hidden);
    // The whole integer-aware suppression loop on a 20-table report (many calls).
    let grids: Vec<Grid> = (0..20).map(|t| grid(&mut rng, 3, 4, t)).collect();
    let start = Instant::now();
    let h = disclosure::suppress_with(&grids, &Rule::default(), Check::Integer);
    let integer = start.elapsed();
    let start = Instant::now();
    let h_real = disclosure::suppress_with(&grids, &Rule::default(), Check::Real);
    let real = start.elapsed();
    eprintln!(
        "suppression loop, 20 tables 3x4: integer check {integer:?} ({} hidden), real check {real:?} ({} hidden)",
        h.count(),
        h_real.count()
    );
}
