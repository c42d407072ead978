//! A theme's rates over its window: deaths per 100,000 (or 1,000,000) children a year, over the
//! person-years of the window, overall and by group.

use crate::domain::dates::ReportingYear;
use crate::reports::annual::Block;
use crate::reports::annual::figures::Figures;
use crate::reports::annual::rate_tables::{Population, rate_headings, rate_row};
use crate::reports::rates::RateRule;
use crate::reports::table::{Basis, Shown, ShownTable};
use crate::store::populations::ByYear;

/// The shown tables a theme's rates are worked out from (those its breakdowns have).
pub(super) struct RateTables<'a> {
    pub trend: Option<&'a ShownTable>,
    pub age: Option<&'a ShownTable>,
    pub sex: Option<&'a ShownTable>,
    /// Quintile rows 1 to 5, then not known.
    pub deprivation: Option<&'a ShownTable>,
    /// The broad ethnic groups in `ETHNIC_GROUPS` order, then not stated.
    pub ethnicity: Option<&'a ShownTable>,
}

/// The children of each year of the window: by sex and age, by deprivation decile, by ethnic
/// group (each `(year, (year used, children))`, `None` where not loaded).
pub(super) struct WindowPopulations {
    pub children: Vec<(i32, Option<Population>)>,
    pub deciles: ByYear<[u64; 10]>,
    pub ethnicity: ByYear<[u64; 5]>,
}

/// Children of a group summed over the window's years (person-years), when every year has them.
fn summed<const N: usize>(years: &ByYear<[u64; N]>, pick: impl Fn(&[u64; N]) -> u64) -> Option<u64> {
    if years.is_empty() {
        return None;
    }
    years.iter().map(|(_, p)| p.as_ref().map(|(_, n)| pick(n))).sum()
}

/// Deaths per `per` children a year over the window: the shown deaths over the person-years
/// (each year's mid-year children summed), overall, by age group and sex, and by deprivation
/// quintile and ethnic group when the theme has those breakdowns and their children are loaded
/// for every year. Never on a hidden count; none unless every year of the window has an estimate.
pub(super) fn window_rates(
    basis: Basis,
    tables: &RateTables<'_>,
    populations: &WindowPopulations,
    per: u64,
    years: u32,
    rule: &RateRule,
) -> Block {
    let RateTables { trend, age, sex, deprivation, ethnicity } = *tables;
    let population = &populations.children;
    if population.iter().any(|(_, p)| p.is_none()) || population.is_empty() {
        return Block::Note("Rates are not available: population estimates are not loaded for every year of the window (cdop reference import-population). The report never uses a made-up denominator.".into());
    }
    let person_years = |f: &dyn Fn(&str, i32) -> bool| -> u64 {
        population
            .iter()
            .filter_map(|(_, p)| p.as_ref())
            .flat_map(|(_, rows)| rows.iter())
            .filter(|(s, a, _)| f(s, *a))
            .map(|(_, _, n)| n)
            .sum()
    };
    let used: Vec<String> = population
        .iter()
        .filter_map(|(y, p)| p.as_ref().map(|(m, _)| (y, m)))
        .filter(|(y, m)| *y != *m)
        .map(|(y, m)| format!("{} used mid-{m}", ReportingYear(*y)))
        .collect();
    let shown = |c: Option<&Shown>| match c {
        Some(Shown::Count(n)) => Some(*n),
        _ => None,
    };
    let mut groups = vec![(
        "All children (0 to 17 years)".to_string(),
        shown(trend.map(|t| &t.total)),
        person_years(&|_, _| true),
    )];
    if let Some(a) = age {
        groups.extend(crate::reports::annual::rate_tables::age_groups(a, &person_years));
    }
    if let Some(s) = sex {
        groups.push((
            "Female".into(),
            shown(s.rows.first().map(|r| &r.total)),
            person_years(&|x, _| x == "female"),
        ));
        groups.push((
            "Male".into(),
            shown(s.rows.get(1).map(|r| &r.total)),
            person_years(&|x, _| x == "male"),
        ));
    }
    let mut unavailable = Vec::new();
    if let Some(q) = deprivation {
        match (0..5)
            .map(|i| summed(&populations.deciles, |d| d[2 * i] + d[2 * i + 1]))
            .collect::<Option<Vec<u64>>>()
        {
            Some(children) => groups.extend(children.into_iter().enumerate().map(|(i, py)| {
                let label = match i {
                    0 => "Deprivation quintile 1 (most deprived)".to_string(),
                    4 => "Deprivation quintile 5 (least deprived)".to_string(),
                    _ => format!("Deprivation quintile {}", i + 1),
                };
                (label, shown(q.rows.get(i).map(|r| &r.total)), py)
            })),
            None => unavailable.push("by deprivation quintile (cdop reference import-decile-population)"),
        }
    }
    if let Some(e) = ethnicity {
        match (0..5).map(|i| summed(&populations.ethnicity, |g| g[i])).collect::<Option<Vec<u64>>>() {
            Some(children) => groups.extend(children.into_iter().enumerate().map(|(i, py)| {
                let row = e.rows.get(i);
                (row.map(|r| r.label.clone()).unwrap_or_default(), shown(row.map(|r| &r.total)), py)
            })),
            None => unavailable.push("by ethnic group (cdop reference import-ethnicity-population)"),
        }
    }
    let per_words = if per == 1_000_000 {
        "1,000,000"
    } else if per == 1_000 {
        "1,000"
    } else {
        "100,000"
    };
    // Person-years already sum the window's years: one "year" of that population.
    let rows =
        groups.into_iter().map(|(label, deaths, py)| rate_row(label, deaths, py, per, 2, rule)).collect();
    let mut notes = vec![format!(
        "Annualised crude rate: the deaths of the {years} years divided by the children of each year's mid-year estimate added together (person-years). Byar 95% confidence intervals."
    )];
    if !used.is_empty() {
        notes.push(format!(
            "Where a year's own estimate is not loaded the latest before it is used: {}.",
            used.join("; ")
        ));
    }
    if deprivation.is_some() || ethnicity.is_some() {
        notes.push("Deaths whose deprivation or ethnicity is not known are in no quintile's or group's rate, so those rates are lower bounds.".into());
    }
    for what in unavailable {
        notes.push(format!(
            "Rates {what} are not available: the children are not loaded for every year of the window."
        ));
    }
    Block::Figures(Figures {
        key: "theme-rates".into(),
        title: format!("Deaths per {per_words} children a year"),
        basis: basis.words(),
        denominator: "Children living in the areas, ONS mid-year population estimates, summed over the years of the window (person-years)".into(),
        headings: rate_headings("Group", "Deaths", "Child-years", &format!("Rate per {per_words} a year")),
        rows,
        notes,
    })
}
