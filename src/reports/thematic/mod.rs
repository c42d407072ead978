//! Thematic reports: one theme (a filter over coded data, [`definition`]) over a window of
//! reporting years, counted by the theme's breakdowns, with its rate per 100,000 or 1,000,000
//! children a year and the other themes recorded with its deaths. Built and suppressed like the
//! annual report (`super::annual::assemble`), so every output format works the same way.

pub mod catalogue;
pub mod definition;
mod rates;
mod tables;

use sea_orm::ConnectionTrait;

pub use definition::{Breakdown, Counting, Theme};
pub use tables::tables_and_plan;

use super::annual::rate_tables::Population;
use super::annual::{Heading, Labels, Report, assemble, by_reporting_year, tally};
use super::table::Mode;
use crate::domain::codes::PlaceOfDeath;
use crate::domain::dates::{AgeBand, ReportingYear};
use crate::forms::Registry;
use crate::store::StoreResult;
use crate::store::populations::ByYear;
use crate::store::reports::{self as store, Cohort, Count, Dim, Filter};

/// What to report on, as for the annual report: here the window ends with `year`.
pub use super::annual::Params;

/// The dimensions the theme's reviews are counted by, in one query.
const DIMS: [Dim; 7] =
    [Dim::Category, Dim::Modifiable, Dim::AgeBand, Dim::Sex, Dim::Decile, Dim::Ethnicity, Dim::Place];

/// Counts only.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// The window's matching reviews by [`DIMS`].
    pub by: Vec<Count>,
    /// Matching reviews per reporting year of the window, oldest first.
    pub per_year: Vec<(i32, u64)>,
    /// Themes recorded with the matching reviews.
    pub themes: Vec<Count>,
    /// For each breakdown by an analysis item, the matching reviews by its answers.
    pub answers: Vec<(Breakdown, Vec<Count>)>,
    /// Children at each mid-year of the window, when loaded: (year, mid-year used, estimates).
    pub population: Vec<(i32, Option<Population>)>,
    /// The matching reviews under 13 and 13 to 17 (with an age breakdown; internal versions).
    pub under_13: Vec<Count>,
    /// Children by deprivation decile in each year of the window (with a deprivation breakdown).
    pub decile_population: ByYear<[u64; 10]>,
    /// Children by broad ethnic group in each year of the window (with an ethnicity breakdown).
    pub ethnicity_population: ByYear<[u64; 5]>,
}

fn filter(t: &Theme) -> Filter<'_> {
    Filter {
        categories: &t.categories,
        themes: &t.themes,
        places: &t.places,
        items: &t.items,
        age_bands: &t.age_bands,
        expected: t.expected,
    }
}

/// The first year of the theme's window ending `year`.
pub fn first_year(t: &Theme, year: ReportingYear) -> ReportingYear {
    ReportingYear(year.0 - t.years.max(1) as i32 + 1)
}

/// The theme's counts over its window ending `year`: its matching reviews found once and counted
/// by [`DIMS`], by year of the window and (with an age breakdown) under 13 against 13 to 17, in
/// one statement with the themes recorded and the answers of its item breakdowns
/// (`store::theme_counts`); then the populations its rates divide by.
pub async fn gather<C: ConnectionTrait>(
    conn: &C,
    t: &Theme,
    year: ReportingYear,
    areas: &[i64],
) -> StoreResult<Data> {
    let f = filter(t);
    let first = first_year(t, year);
    let (window, year_dim) = match t.basis {
        // Binned by sign-off date into reporting years, as the annual trend is.
        Counting::Reviewed => (Cohort::ReviewedBetween(first.start(), year.end()), Dim::ReviewedOn),
        Counting::Died => (Cohort::DiedInYears(first.0, year.0), Dim::DeathYear),
    };
    let mut dims = DIMS.to_vec();
    dims.extend([year_dim, Dim::Under13]);
    let items: Vec<&'static str> = t.breakdowns.iter().filter_map(|b| b.item()).collect();
    let counts = store::theme_counts(conn, window, areas, &f, &dims, &items).await?;
    let (year_key, age_key) = (DIMS.len(), DIMS.len() + 1);
    let summed = |keep: &[usize]| -> Vec<Count> {
        tally(&counts.by, keep).into_iter().map(|(keys, n)| Count { keys, n }).collect()
    };
    let years = summed(&[year_key]);
    let by_year = match t.basis {
        Counting::Reviewed => by_reporting_year(&years),
        // One row per year already: the year of death, coded.
        Counting::Died => {
            years.iter().filter_map(|c| Some((c.keys.first()?.parse::<i32>().ok()?, c.n))).collect()
        }
    };
    let per_year = (first.0..=year.0).map(|y| (y, by_year.get(&y).copied().unwrap_or(0))).collect();
    let under_13 = if t.breakdowns.contains(&Breakdown::AgeBand) { summed(&[age_key]) } else { Vec::new() };
    let population = crate::store::populations::children_years(conn, areas, first.0, year.0).await?;
    let decile_population = if t.breakdowns.contains(&Breakdown::Deprivation) {
        crate::store::populations::decile_children_years(conn, areas, first.0, year.0).await?
    } else {
        Vec::new()
    };
    let ethnicity_population = if t.breakdowns.contains(&Breakdown::Ethnicity) {
        crate::store::populations::ethnicity_children_years(conn, areas, first.0, year.0).await?
    } else {
        Vec::new()
    };
    let item_breakdowns = t.breakdowns.iter().filter(|b| b.item().is_some()).copied();
    Ok(Data {
        by: summed(&(0..DIMS.len()).collect::<Vec<_>>()),
        per_year,
        themes: counts.themes,
        answers: item_breakdowns.zip(counts.answers).collect(),
        population,
        under_13,
        decile_population,
        ethnicity_population,
    })
}

/// Runs a theme. A published one is suppressed with every area's and the combination's, against
/// the annual reports and the `earlier` themes it is tied to (`crate::reports::publication`).
pub async fn run<C: ConnectionTrait>(
    conn: &C,
    forms: &Registry,
    t: &Theme,
    params: &Params,
    earlier: &[Theme],
) -> StoreResult<Report> {
    if let Mode::Published(_) = &params.mode {
        return super::publication::Publisher::new(conn, forms, params.rate_rule, params.generated_on)
            .await?
            .theme(t, params.year, &params.areas, earlier, &params.mode)
            .await;
    }
    let ids: Vec<i64> = params.areas.iter().map(|(id, _)| *id).collect();
    let data = gather(conn, t, params.year, &ids).await?;
    Ok(build(t, params, &super::annual::labels(forms, params.year.end()), &data))
}

/// The filter in words, for the report's first section.
pub fn describe(t: &Theme, labels: &Labels) -> String {
    let named = |codes: &[String], list: &[(String, String)]| -> Vec<String> {
        codes
            .iter()
            .map(|c| list.iter().find(|(k, _)| k == c).map(|(_, l)| l.clone()).unwrap_or_else(|| c.clone()))
            .collect()
    };
    let mut any = Vec::new();
    if !t.categories.is_empty() {
        any.push(format!("category of death {}", named(&t.categories, &labels.categories).join(" or ")));
    }
    if !t.themes.is_empty() {
        any.push(format!("theme recorded: {}", named(&t.themes, &labels.themes).join(" or ")));
    }
    if !t.places.is_empty() {
        let places: Vec<String> = t
            .places
            .iter()
            .map(|p| PlaceOfDeath::parse(p).map(|p| p.label().to_string()).unwrap_or_else(|| p.clone()))
            .collect();
        any.push(format!("place of death {}", places.join(" or ")));
    }
    for m in &t.items {
        let (question, options) = labels
            .items
            .iter()
            .find(|(k, _, _)| *k == m.item)
            .map(|(_, l, o)| (l.trim_end_matches('?').to_lowercase(), o.clone()))
            .unwrap_or_else(|| (m.item.replace('_', " "), Vec::new()));
        any.push(format!("“{question}”: {}", named(&m.any_of, &options).join(" or ").to_lowercase()));
    }
    let mut words = if any.is_empty() {
        "Every review completed".to_string()
    } else {
        format!("Reviews with {}", any.join("; or "))
    };
    if !t.age_bands.is_empty() {
        let bands: Vec<String> = t
            .age_bands
            .iter()
            .map(|a| AgeBand::parse(a).map(|b| b.label().to_string()).unwrap_or_else(|| a.clone()))
            .collect();
        words.push_str(&format!(", aged {}", bands.join(" or ").to_lowercase()));
    }
    match t.expected {
        Some(true) => words.push_str(", expected deaths only"),
        Some(false) => words.push_str(", unexpected deaths only"),
        None => {}
    }
    words.push('.');
    words
}

/// How a theme's figures are named: a filter of categories and age bands only is dimensions (so
/// its figures are sums of the annual reports' category and age figures); any other filter is
/// opaque, written into the population (`reviewed:2021-2025:f=…`).
pub fn canonical_filter(t: &Theme) -> (String, Vec<(String, Vec<String>)>) {
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    };
    if t.themes.is_empty() && t.places.is_empty() && t.items.is_empty() && t.expected.is_none() {
        let mut dims = Vec::new();
        if !t.categories.is_empty() {
            dims.push(("category".to_string(), sorted(&t.categories)));
        }
        if !t.age_bands.is_empty() {
            dims.push(("age_band".to_string(), sorted(&t.age_bands)));
        }
        return (String::new(), dims);
    }
    let part = |tag: &str, v: &[String]| (!v.is_empty()).then(|| format!("{tag}:{}", sorted(v).join(",")));
    let parts: Vec<String> = [
        part("cat", &t.categories),
        part("th", &t.themes),
        part("pl", &t.places),
        (!t.items.is_empty()).then(|| {
            let mut items: Vec<String> = t
                .items
                .iter()
                .map(|m| {
                    let mut codes = m.any_of.clone();
                    codes.sort();
                    codes.dedup();
                    format!("{}={}", m.item, codes.join("+"))
                })
                .collect();
            items.sort();
            format!("it:{}", items.join(","))
        }),
        part("age", &t.age_bands),
        t.expected.map(|e| format!("exp:{}", if e { "yes" } else { "no" })),
    ]
    .into_iter()
    .flatten()
    .collect();
    (format!(":f={}", parts.join(";")), Vec::new())
}

pub fn build(t: &Theme, params: &Params, labels: &Labels, data: &Data) -> Report {
    let (counts, plan) = tables_and_plan(t, params, labels, data);
    assemble(heading(t, params), &counts, plan)
}

/// What the thematic report says about itself.
pub(crate) fn heading<'a>(t: &Theme, params: &'a Params) -> Heading<'a> {
    let first = first_year(t, params.year);
    let period =
        if first == params.year { params.year.to_string() } else { format!("{first} to {}", params.year) };
    let (counted, slug) = match t.basis {
        Counting::Reviewed => ("reviews completed in the period", ""),
        Counting::Died => ("deaths in the period", "-deaths"),
    };
    Heading {
        title: format!("Thematic report: {} ({counted})", t.title),
        slug: format!("theme-{}{slug}-{}", t.key.replace('_', "-"), period.replace(['/', ' '], "-")),
        period,
        areas: &params.areas,
        mode: &params.mode,
        generated_on: params.generated_on,
        percent_decimals: params.rate_rule.percent_decimals,
    }
}
