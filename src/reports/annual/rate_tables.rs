//! The annual report's rate tables: deaths per 100,000 children (overall, by age group and sex,
//! by deprivation decile, by ethnic group) and per 1,000 live births, each worked out from the
//! count tables as shown, so that a rate never stands beside, or gives away, a hidden count.

use super::figures::{Figures, HIDDEN};
use crate::reports::rates::{self, Rate, RateRule};
use crate::reports::table::{Basis, Shown, ShownTable};

/// Children by sex and single year of age at one mid-year: `(mid-year, [(sex, age, children)])`.
pub type Population = (i32, Vec<(String, i32, u64)>);

/// Children (or child-years) of the sexes and ages a predicate on (sex, age) keeps.
pub(crate) type Children<'a> = dyn Fn(&dyn Fn(&str, i32) -> bool) -> u64 + 'a;

/// The sum of counts as shown; `None` when any is hidden.
fn shown_sum(cells: &[&Shown]) -> Option<u64> {
    let mut n = 0;
    for c in cells {
        match c {
            Shown::Count(v) => n += v,
            Shown::Suppressed => return None,
        }
    }
    Some(n)
}

/// Deaths under one year in an age table in `AgeBand::ALL` order as shown (its first two bands);
/// `None` when either is hidden.
fn under_one(age: &ShownTable) -> Option<u64> {
    match (age.rows.first(), age.rows.get(1)) {
        (Some(a), Some(b)) => shown_sum(&[&a.total, &b.total]),
        _ => None,
    }
}

/// The age groups rates are given for, from an age table in `AgeBand::ALL` order as shown:
/// (label, deaths — `None` when built on a hidden count —, children of those ages by
/// `children(sex, age)`).
pub(crate) fn age_groups(age: &ShownTable, children: &Children<'_>) -> Vec<(String, Option<u64>, u64)> {
    let row = |i: usize| age.rows.get(i).map(|r| &r.total);
    let mut groups = vec![("Under 1 year".to_string(), under_one(age), children(&|_, a| a == 0))];
    for (i, label, from, to) in [
        (2, "1 to 4 years", 1, 4),
        (3, "5 to 9 years", 5, 9),
        (4, "10 to 14 years", 10, 14),
        (5, "15 to 17 years", 15, 17),
    ] {
        groups.push((
            label.into(),
            row(i).and_then(|c| shown_sum(&[c])),
            children(&|_, a| (from..=to).contains(&a)),
        ));
    }
    groups
}

/// Deaths per 100,000 children a year, overall, by age band and by sex, with Byar 95%
/// intervals. The deaths are the figures the count tables show (a rate is never given for a
/// hidden count, so it cannot give the count away); no rate under `rule.min_events` deaths.
pub(super) fn rates(age: &ShownTable, sex: &ShownTable, population: &Population, rule: &RateRule) -> Figures {
    let (mid_year, children) = population;
    let pop = |f: &dyn Fn(&str, i32) -> bool| -> u64 {
        children.iter().filter(|(s, a, _)| f(s, *a)).map(|(_, _, n)| n).sum()
    };
    let sex_row = |i: usize| sex.rows.get(i).map(|r| &r.total);
    let mut groups: Vec<(String, Option<u64>, u64)> =
        vec![("All children (0 to 17 years)".into(), shown_sum(&[&age.total]), pop(&|_, _| true))];
    groups.extend(age_groups(age, &pop));
    groups.push(("Female".into(), sex_row(0).and_then(|c| shown_sum(&[c])), pop(&|s, _| s == "female")));
    groups.push(("Male".into(), sex_row(1).and_then(|c| shown_sum(&[c])), pop(&|s, _| s == "male")));
    let rows = groups
        .into_iter()
        .map(|(label, deaths, children)| rate_row(label, deaths, children, 100_000, 1, rule))
        .collect();
    Figures {
        key: "notified-rates".into(),
        title: "Deaths notified per 100,000 children".into(),
        basis: Basis::Notified.words(),
        denominator: format!("Children living in the areas, ONS mid-{mid_year} population estimates (0 to 17 years; under 1 year is age 0)"),
        headings: rate_headings("Group", "Deaths", "Children", "Rate per 100,000"),
        rows,
        notes: vec![
            "Crude rates: deaths notified in the year divided by the children in the mid-year estimate. Confidence intervals by Byar's approximation to the exact Poisson interval.".into(),
        ],
    }
}

/// Neonatal and infant mortality: deaths under 28 days and under 1 year notified in the year per
/// 1,000 live births, from the age table as shown (a hidden count gives no rate).
pub(super) fn infant_mortality(age: &ShownTable, births: (i32, u64), rule: &RateRule) -> Figures {
    let (year, births) = births;
    let neonatal = age.rows.first().and_then(|r| shown_sum(&[&r.total]));
    let rows = vec![
        rate_row("Neonatal: under 28 days".into(), neonatal, births, 1_000, 1, rule),
        rate_row("Infant: under 1 year".into(), under_one(age), births, 1_000, 1, rule),
    ];
    Figures {
        key: "notified-infant-mortality".into(),
        title: "Neonatal and infant deaths notified per 1,000 live births".into(),
        basis: Basis::Notified.words(),
        denominator: format!(
            "Live births in the areas in {year} (ONS, by the mother's area of usual residence)"
        ),
        headings: rate_headings("Deaths", "Deaths notified", "Live births", "Rate per 1,000 live births"),
        rows,
        notes: vec![format!(
            "Deaths notified in the reporting year (April to March) over the live births of the calendar year {year}. ONS and NCMD publish infant mortality by calendar year of death, so these rates are close to theirs but not the same. Confidence intervals by Byar's approximation to the exact Poisson interval."
        )],
    }
}

/// Deaths notified per 100,000 children in each broad ethnic group, from the ethnic group table
/// as shown (its rows in the population's group order, then not stated or not known).
pub(super) fn ethnicity_rates(
    ethnicity: &ShownTable,
    population: (i32, [u64; 5]),
    rule: &RateRule,
) -> Figures {
    let (year, children) = population;
    let rows = children
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let row = ethnicity.rows.get(i);
            let deaths = row.and_then(|r| shown_sum(&[&r.total]));
            rate_row(row.map(|r| r.label.clone()).unwrap_or_default(), deaths, *n, 100_000, 1, rule)
        })
        .collect();
    let not_known = ethnicity.rows.get(children.len()).map(|r| r.total.text()).unwrap_or_default();
    Figures {
        key: "notified-ethnicity-rates".into(),
        title: "Deaths notified per 100,000 children, by ethnic group".into(),
        basis: Basis::Notified.words(),
        denominator: format!("Children 0 to 17 in the areas by ethnic group, {year}"),
        headings: rate_headings("Ethnic group", "Deaths", "Children", "Rate per 100,000"),
        rows,
        notes: vec![format!(
            "Deaths whose ethnicity was not stated or not known ({not_known}) are in no group's rate, so each rate is a lower bound. Chinese (NHS code R) counts in Other ethnic group, as the NHS ethnic category groups it: a population prepared from the 2021 Census, which places Chinese under Asian, must move it. Confidence intervals by Byar's approximation to the exact Poisson interval."
        )],
    }
}

/// Deaths per 100,000 children a year in each deprivation decile (decile 1 most deprived), from
/// the shown cells of the deprivation table (quintile rows; odd and even decile columns), and
/// the rate ratio of decile 1 to decile 10 with its 95% interval. Hidden counts give no rate.
pub(super) fn decile_rates(
    deprivation: &ShownTable,
    population: &(i32, [u64; 10]),
    rule: &RateRule,
) -> Figures {
    let (mid_year, children) = population;
    let deaths = |d: usize| -> Option<u64> {
        let row = deprivation.rows.get((d - 1) / 2)?;
        match row.cells.get(if d % 2 == 1 { 0 } else { 1 })? {
            Shown::Count(n) => Some(*n),
            Shown::Suppressed => None,
        }
    };
    let rate_of = |d: usize| deaths(d).map(|n| (n, rates::crude(n, Some(children[d - 1]), 1, 100_000, rule)));
    let mut rows: Vec<Vec<String>> = (1..=10)
        .map(|d| {
            let label = match d {
                1 => "Decile 1 (most deprived)".to_string(),
                10 => "Decile 10 (least deprived)".to_string(),
                d => format!("Decile {d}"),
            };
            rate_row(label, deaths(d), children[d - 1], 100_000, 1, rule)
        })
        .collect();
    let ratio = match (rate_of(1), rate_of(10)) {
        (Some(a), Some(b)) => rates::ratio(a, b),
        _ => None,
    };
    rows.push(match ratio {
        Some((rr, low, high)) => vec![
            "Rate ratio, decile 1 to decile 10".into(),
            String::new(),
            String::new(),
            format!("{rr:.2}"),
            format!("{low:.2} to {high:.2}"),
            String::new(),
        ],
        None => vec![
            "Rate ratio, decile 1 to decile 10".into(),
            String::new(),
            String::new(),
            "–".into(),
            "–".into(),
            "Needs a rate in both deciles".into(),
        ],
    });
    Figures {
        key: "notified-decile-rates".into(),
        title: "Deaths notified per 100,000 children, by deprivation decile".into(),
        basis: Basis::Notified.words(),
        denominator: format!("Children living in each decile's areas (mid-{mid_year}); deaths with no known decile are left out"),
        headings: rate_headings("Decile", "Deaths", "Children", "Rate per 100,000"),
        rows,
        notes: vec!["Deciles of the English Index of Multiple Deprivation as published (1 = most deprived). Rate ratio with its interval on the log scale.".into()],
    }
}

/// The six headings of a table of [`rate_row`]s: the group, its deaths, its population, the
/// rate, then the interval and the note.
pub(crate) fn rate_headings(group: &str, deaths: &str, population: &str, rate: &str) -> Vec<String> {
    [group, deaths, population, rate, "95% confidence interval", "Note"].map(String::from).to_vec()
}

/// A rate's row: the label, deaths, children, the rate and its interval to `decimals` places,
/// and a note (unreliable, too few deaths, no population). Everything but the children is
/// hidden when the deaths are, so a rate never gives a hidden count away.
pub(crate) fn rate_row(
    label: String,
    deaths: Option<u64>,
    children: u64,
    per: u64,
    decimals: usize,
    rule: &RateRule,
) -> Vec<String> {
    let Some(deaths) = deaths else {
        return vec![
            label,
            HIDDEN.into(),
            children.to_string(),
            HIDDEN.into(),
            HIDDEN.into(),
            "Not shown: the number of deaths is suppressed".into(),
        ];
    };
    let (value, interval, note) = match rates::crude(deaths, Some(children), 1, per, rule) {
        Rate::Value { rate, low, high, unreliable } => (
            format!("{rate:.decimals$}"),
            format!("{low:.decimals$} to {high:.decimals$}"),
            if unreliable {
                format!("Unreliable: fewer than {} deaths", rule.flag_below)
            } else {
                String::new()
            },
        ),
        Rate::TooFew => ("–".into(), "–".into(), format!("Not shown: fewer than {} deaths", rule.min_events)),
        Rate::NoPopulation => ("–".into(), "–".into(), "No population estimate for this group".into()),
    };
    vec![label, deaths.to_string(), children.to_string(), value, interval, note]
}
