//! A theme's count tables (before suppression) and its plan: the trend, each breakdown, the rates
//! over the window, and the other themes recorded with its deaths.

use super::rates::{RateTables, WindowPopulations, window_rates};
use super::{Breakdown, Counting, Data, Params, Theme, canonical_filter, describe, first_year};
use crate::domain::codes::{PlaceOfDeath, Sex};
use crate::domain::dates::{AgeBand, ReportingYear};
use crate::reports::annual::builders::{
    self, ethnic_groups, modifiable_columns, modifiable_table, theme_rows,
};
use crate::reports::annual::parts::{ChartSpec, Part, Plan};
use crate::reports::annual::{Labels, tally};
use crate::reports::table::{Basis, Mode, Percent, ShownTable, Table};
use crate::store::reports::Count;

/// The theme's count tables (before suppression) and its plan.
pub fn tables_and_plan(t: &Theme, params: &Params, labels: &Labels, data: &Data) -> (Vec<Table>, Plan) {
    let first = first_year(t, params.year);
    let (opaque, filter_dims) = canonical_filter(t);
    let years =
        if first == params.year { first.0.to_string() } else { format!("{}-{}", first.0, params.year.0) };
    let kind = t.basis.code();
    let cohort = format!("{kind}:{years}{opaque}");
    // The themes recorded with these deaths: a case counts once per theme, so a cohort of its own
    // (named here, by the window's years, so that nothing below can shadow them).
    let themes_cohort = match t.basis {
        Counting::Reviewed => format!("themes:{years}{opaque}"),
        Counting::Died => format!("died-themes:{years}{opaque}"),
    };
    let (from, to) =
        (crate::domain::dates::long_date(first.start()), crate::domain::dates::long_date(params.year.end()));
    let (basis, window_words, how, noun) = match t.basis {
        Counting::Reviewed => (
            Basis::ReviewedInPeriod,
            format!("Reviews completed from {from} to {to} ({} reporting years)", t.years),
            "by the date the chair signed the review off".to_string(),
            "Reviews",
        ),
        Counting::Died => (
            Basis::DiedInPeriod,
            format!("Deaths from {from} to {to} ({} reporting years)", t.years),
            format!(
                "by the month of death recorded when the review was signed off, for the reviews completed by {}; a death whose review is not complete is not counted yet, so the latest years rise as reviews are completed",
                crate::domain::dates::long_date(params.generated_on)
            ),
            "Deaths",
        ),
    };
    let mut counts: Vec<Table> = Vec::new();
    let mut plan: Plan = Vec::new();
    let one = |key: &str, title: &str, dim: &str, rows: Vec<(String, String, u64)>| {
        let mut table = Table::one_way(&format!("{}-{key}", t.key), title, basis, &cohort, dim, rows);
        table.denominator = format!("{window_words} matching the theme");
        table.filter_dims = filter_dims.clone();
        table
    };

    plan.push((
        "about",
        "About this theme",
        vec![
            Part::Note(t.description.clone()),
            Part::Note(describe(t, labels)),
            Part::Note(format!("{window_words}, {how}.")),
        ],
    ));

    let mut deaths = Vec::new();
    let year_rows: Vec<(String, String, u64)> =
        data.per_year.iter().map(|(y, n)| (y.to_string(), ReportingYear(*y).to_string(), *n)).collect();
    let (trend_title, trend_rows, trend_what) = match t.basis {
        Counting::Reviewed => (
            "Reviews in this theme by reporting year",
            "Reporting year the review was completed",
            "reviews in this theme by reporting year",
        ),
        Counting::Died => (
            "Deaths in this theme by reporting year of death",
            "Reporting year of the death",
            "deaths in this theme by reporting year of death",
        ),
    };
    let mut trend = one("year", trend_title, "reporting_year", year_rows);
    trend.row_heading = trend_rows.into();
    // Each row is its year's figure of the theme (a single year's population).
    let dims = crate::reports::disclosure::names::dims_text(&filter_dims);
    trend.names.rows = data.per_year.iter().map(|(y, _)| format!("{kind}:{y}{opaque}|{dims}")).collect();
    counts.push(trend);
    let trend_index = counts.len() - 1;
    deaths.push(Part::Counts { index: trend_index, chart: ChartSpec::Rows { what: trend_what } });

    let modifiable_columns = modifiable_columns(labels);
    let (mut sex_index, mut age_index, mut deprivation_index, mut ethnicity_index) = (None, None, None, None);
    for b in &t.breakdowns {
        let table = match b {
            Breakdown::Year => continue,
            Breakdown::AgeBand => one(
                "age",
                "By age at death",
                "age_band",
                rows(&data.by, 2, AgeBand::ALL.iter().map(|a| (a.code().to_string(), a.label().to_string()))),
            ),
            Breakdown::Sex => one(
                "sex",
                "By sex",
                "sex",
                rows(&data.by, 3, Sex::ALL.iter().map(|s| (s.code().to_string(), s.label().to_string()))),
            ),
            Breakdown::Ethnicity => {
                let map = tally(&data.by, &[5]);
                let groups = ethnic_groups(&map);
                let mut table = one("ethnicity", "By ethnic group", "ethnic_group", groups);
                table.names.rows = builders::ethnic_group_dims();
                table
            }
            Breakdown::Pathogen | Breakdown::Presentation => {
                let item = b.item().unwrap_or_default();
                let map: std::collections::BTreeMap<String, u64> = data
                    .answers
                    .iter()
                    .filter(|(a, _)| a == b)
                    .flat_map(|(_, counts)| counts.iter())
                    .filter_map(|c| Some((c.keys.first()?.clone(), c.n)))
                    .collect();
                let options = labels.items.iter().find(|(k, _, _)| k == item).map(|(_, _, o)| o.clone());
                let rows: Vec<(String, String, u64)> = options
                    .unwrap_or_default()
                    .into_iter()
                    .chain([(String::new(), "Not answered".to_string())])
                    .map(|(code, label)| {
                        let n = map.get(&code).copied().unwrap_or(0);
                        (code, label, n)
                    })
                    .collect();
                let total: u64 = data.per_year.iter().map(|(_, n)| n).sum();
                let mut table = Table::one_way(
                    &format!("{}-{}", t.key, b.code()),
                    b.label(),
                    basis,
                    &format!("{kind}-{}:{years}{opaque}", b.code()),
                    item,
                    rows,
                );
                table.filter_dims = filter_dims.clone();
                table.multi_valued = true;
                table.percent = Percent::Of(format!("{cohort}|{dims}"), total);
                table.percent_label = format!("% of the {} in this theme", noun.to_lowercase());
                table.denominator = format!(
                    "{window_words} matching the theme; a review can name several, so the rows do not add up. Not answered: the question was not answered, or not asked (it follows whether an infection caused or contributed)."
                );
                table
            }
            Breakdown::Place => one(
                "place",
                "By place of death",
                "place_of_death",
                rows(
                    &data.by,
                    6,
                    PlaceOfDeath::ALL.iter().map(|p| (p.code().to_string(), p.label().to_string())),
                ),
            ),
            Breakdown::Deprivation => {
                let map = tally(&data.by, &[4]);
                let d = |k: String| map.get(&vec![k]).copied().unwrap_or(0);
                let mut q = one(
                    "deprivation",
                    "By deprivation quintile of the home area (1 = most deprived)",
                    "imd_quintile",
                    (1..=5)
                        .map(|q| {
                            (
                                q.to_string(),
                                format!("Quintile {q} (deciles {} and {})", 2 * q - 1, 2 * q),
                                d((2 * q - 1).to_string()) + d((2 * q).to_string()),
                            )
                        })
                        .chain([(String::new(), "Not known".to_string(), d(String::new()))])
                        .collect(),
                );
                q.notes.push("Quintiles of the English Index of Multiple Deprivation as published: 1 is the most deprived.".into());
                q.notes.push("Rates by quintile over the window are under Rates, when children by decile are loaded for every year; the annual report gives each year's rates by decile and the rate ratio.".into());
                q
            }
            Breakdown::Category | Breakdown::Modifiable => {
                let (idx, rows_list, title, dim): (Option<usize>, Vec<(String, String)>, &str, &str) =
                    if *b == Breakdown::Category {
                        (
                            Some(0),
                            labels.categories.clone(),
                            "By category of death and modifiable factors",
                            "category",
                        )
                    } else {
                        (
                            None,
                            vec![("all".into(), format!("All {} in this theme", noun.to_lowercase()))],
                            "Modifiable factors",
                            "all_reviews",
                        )
                    };
                let keep: Vec<usize> = idx.into_iter().chain([1]).collect();
                let m = tally(&data.by, &keep);
                let cell = |r: &str, c: &str| -> u64 {
                    match idx {
                        Some(_) => m.get(&vec![r.to_string(), c.to_string()]).copied().unwrap_or(0),
                        None => m.get(&vec![c.to_string()]).copied().unwrap_or(0),
                    }
                };
                let mut table = modifiable_table(
                    &format!("{}-{}", t.key, b.code()),
                    title,
                    &cohort,
                    &format!(
                        "{window_words} matching the theme; the percentage is taken over the reviews with enough information to decide."
                    ),
                    dim,
                    &rows_list,
                    &modifiable_columns,
                    cell,
                );
                if idx.is_some() {
                    table.row_heading = "Category of death".into();
                }
                table.filter_dims = filter_dims.clone();
                table
            }
        };
        counts.push(table);
        if *b == Breakdown::Sex {
            sex_index = Some(counts.len() - 1);
        }
        if *b == Breakdown::AgeBand {
            age_index = Some(counts.len() - 1);
            deaths.push(Part::Counts { index: counts.len() - 1, chart: ChartSpec::None });
            deaths.push(teenagers(params, data, &one, &mut counts));
            continue;
        }
        if *b == Breakdown::Deprivation {
            deprivation_index = Some(counts.len() - 1);
        }
        if *b == Breakdown::Ethnicity {
            ethnicity_index = Some(counts.len() - 1);
        }
        deaths.push(Part::Counts { index: counts.len() - 1, chart: ChartSpec::None });
    }
    plan.push(("deaths", "Deaths in this theme", deaths));

    // Rates over the window, built on the shown counts.
    let populations = WindowPopulations {
        children: data.population.clone(),
        deciles: data.decile_population.clone(),
        ethnicity: data.ethnicity_population.clone(),
    };
    let (per, rule, window_years) = (t.per, params.rate_rule, t.years);
    plan.push((
        "rates",
        "Rates",
        vec![Part::Later(Box::new(move |shown: &[ShownTable]| {
            let tables = RateTables {
                trend: shown.get(trend_index),
                age: age_index.and_then(|i| shown.get(i)),
                sex: sex_index.and_then(|i| shown.get(i)),
                deprivation: deprivation_index.and_then(|i| shown.get(i)),
                ethnicity: ethnicity_index.and_then(|i| shown.get(i)),
            };
            window_rates(basis, &tables, &populations, per, window_years, &rule)
        }))],
    ));

    let total: u64 = data.per_year.iter().map(|(_, n)| n).sum();
    let theme_rows = theme_rows(labels, &data.themes);
    let mut co = Table::one_way(
        &format!("{}-themes", t.key),
        "Themes recorded with these deaths, most frequent first",
        basis,
        &themes_cohort,
        "theme",
        theme_rows,
    );
    co.filter_dims = filter_dims.clone();
    co.percent = Percent::Of(format!("{cohort}|{dims}"), total);
    co.percent_label = format!("% of the {} in this theme", noun.to_lowercase());
    co.multi_valued = true;
    co.denominator = "The reviews in this theme; a review can have several themes.".into();
    counts.push(co);
    plan.push((
        "themes",
        "Other themes recorded",
        vec![Part::Counts { index: counts.len() - 1, chart: ChartSpec::None }],
    ));

    (counts, plan)
}

fn rows(
    by: &[Count],
    idx: usize,
    order: impl Iterator<Item = (String, String)>,
) -> Vec<(String, String, u64)> {
    let map = tally(by, &[idx]);
    order
        .map(|(k, l)| {
            let n = map.get(&vec![k.clone()]).copied().unwrap_or(0);
            (k, l, n)
        })
        .collect()
}

/// Makes a one-way table of the theme: (key, title, dimension, rows).
type OneWay<'a> = dyn Fn(&str, &str, &str, Vec<(String, String, u64)>) -> Table + 'a;

/// Ages 13 to 17 as one group against under 13: in an internal version, a table; in a published
/// one, a note. Published beside the age bands (10–14, 15–17) it would let a reader take one
/// from the other and find a count of 13 and 14 year olds that suppression never saw.
fn teenagers(params: &Params, data: &Data, one: &OneWay<'_>, counts: &mut Vec<Table>) -> Part {
    if let Mode::Published(_) = params.mode {
        return Part::Note("Ages 13 to 17 as one group are in the internal version only: the published age bands are 10 to 14 and 15 to 17, and a 13 to 17 count beside them would give away the 13 and 14 year olds, however few.".into());
    }
    let order =
        [("under_13", "Under 13 years"), ("13-17y", "13 to 17 years"), ("", "Age not known to the year")];
    let mut table = one(
        "under-13",
        "By age group: under 13 and 13 to 17 (internal version only)",
        "age_13",
        rows(&data.under_13, 0, order.iter().map(|(k, l)| (k.to_string(), l.to_string()))),
    );
    table.notes.push("From the coded age in days (a year of 365.25 days, as the age bands). An age given only approximately within 10 to 14 years (imported without a date of birth) is not known to the year.".into());
    counts.push(table);
    Part::Counts { index: counts.len() - 1, chart: ChartSpec::None }
}
