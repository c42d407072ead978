//! Tests of `table.rs`.

use super::*;

fn table(title: &str, rows: &[(&str, &str)], cols: &[(&str, &str)], counts: Vec<Vec<u64>>) -> Table {
    let key = title.to_lowercase().replace(' ', "-");
    let rows = rows.iter().map(|(k, l)| (k.to_string(), l.to_string(), 0)).collect();
    Table {
        denominator: "Reviews completed in the year".into(),
        column_dimension: if cols.len() == 1 { "all".into() } else { "age".into() },
        columns: cols.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect(),
        counts,
        ..Table::one_way(&key, title, Basis::Reviewed, "reviewed 2025", "category", rows)
    }
}

fn report() -> Vec<Table> {
    let cats = [("perinatal", "Perinatal / neonatal event"), ("infection", "Infection"), ("sudi", "SUDI")];
    vec![
        table(
            "Category by age",
            &cats,
            &[("infant", "Under 1"), ("older", "1 to 17")],
            vec![vec![30, 0], vec![2, 9], vec![12, 1]],
        ),
        table("Category", &cats, &[("all", "Reviews")], vec![vec![30], vec![11], vec![13]]),
    ]
}

#[test]
fn internal_mode_shows_true_counts_and_shares() {
    let shown = show(&report(), &Mode::Internal);
    assert_eq!(shown[0].rows[1].cells, vec![Shown::Count(2), Shown::Count(9)]);
    assert_eq!(shown[1].rows[1].percent.text(1), "20.4%", "11 of 54");
    assert_eq!(shown[1].rows[1].percent.text(0), "20%");
    assert_eq!(shown[0].total, Shown::Count(54));
    assert_eq!(shown[0].basis, "Reviews completed in the year (by sign-off date)");
}

#[test]
fn published_mode_hides_small_counts_in_every_table_and_keeps_totals_true() {
    let shown = show(&report(), &Mode::Published(Rule::default()));
    for t in &shown {
        for r in &t.rows {
            for c in r.cells.iter().chain([&r.total]) {
                assert!(!matches!(c, Shown::Count(1..=4)), "{}: {r:?}", t.title);
            }
        }
    }
    assert_eq!(shown[0].rows[1].cells[0], Shown::Suppressed);
    assert_eq!(shown[0].total, Shown::Count(54), "the total stays true");
    // A share built on a hidden figure is hidden too; the others are taken over the true total.
    for (r, row) in shown[1].rows.iter().enumerate() {
        match &row.total {
            Shown::Suppressed => assert_eq!(row.percent.text(1), "*"),
            Shown::Count(n) => {
                assert_eq!(row.percent.text(1), format!("{:.1}%", *n as f64 * 100.0 / 54.0), "row {r}")
            }
        }
    }
    assert!(Mode::Published(Rule::default()).words().starts_with("Published: Counts from 1 to 4"));
}

#[test]
fn a_subtotal_and_a_share_of_reviews_come_from_the_figures_as_shown() {
    let mut tables = report();
    tables[0].subtotals = vec![("Perinatal or infection".into(), vec![0, 1])];
    tables[0].share_label = "% of reviews".into();
    tables[0].percent = Percent::None;
    let internal = show(&tables, &Mode::Internal);
    let sub = internal[0].rows.last().expect("the subtotal row");
    assert!(sub.subtotal);
    assert_eq!(
        (sub.label.as_str(), sub.cells.clone()),
        ("Perinatal or infection", vec![Shown::Count(32), Shown::Count(9)])
    );
    assert_eq!((sub.total, sub.of_total.text(1)), (Shown::Count(41), "75.9%".to_string()), "41 of 54");
    let flat = internal[0].flat(1);
    assert_eq!(flat.headings.last().map(String::as_str), Some("% of reviews"));
    assert_eq!(flat.rows[0][4], "55.6%", "30 of 54");
    assert_eq!(flat.total.as_ref().map(|t| t[4].as_str()), Some("100.0%"));
    // 55.6 + 20.4 + 24.1 = 100.1: the subtotal's 75.9 is not added in.
    assert!(flat.notes.iter().any(|n| n.contains("add up to 100.1%")), "{:?}", flat.notes);
    // Published: the infection row's 2 is hidden, so the subtotal's cell is too; the total stays.
    let published = show(&tables, &Mode::Published(Rule::default()));
    let sub = published[0].rows.last().expect("the subtotal row");
    assert_eq!(sub.cells[0], Shown::Suppressed);
    assert!(!published[0].figures.iter().any(|(name, _)| name.contains("Perinatal or infection")));
}
