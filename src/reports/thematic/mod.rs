//! Thematic reports: one theme (a filter over coded data, [`definition`]) over a window of
//! reporting years, counted by the theme's breakdowns, with its rate per 100,000 or 1,000,000
//! children a year and the other themes recorded with its deaths. Built and suppressed like the
//! annual report (`super::annual::assemble`), so every output format works the same way.

pub mod catalogue;
pub mod definition;

use sea_orm::ConnectionTrait;

pub use definition::{Breakdown, Counting, Theme};

use super::annual::builders::{ethnic_groups, modifiable_columns, modifiable_table, theme_rows};
use super::annual::figures::Figures;
use super::annual::parts::{ChartSpec, Part, Plan};
use super::annual::rate_tables::{Population, rate_row};
use super::annual::{Block, Heading, Labels, Report, assemble, by_reporting_year, tally};
use super::rates::RateRule;
use super::table::{Basis, Mode, Percent, Shown, ShownTable, Table};
use crate::domain::codes::{PlaceOfDeath, Sex};
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

pub async fn gather<C: ConnectionTrait>(
    conn: &C,
    t: &Theme,
    year: ReportingYear,
    areas: &[i64],
) -> StoreResult<Data> {
    let f = filter(t);
    let first = first_year(t, year);
    let (window, by_year) = match t.basis {
        Counting::Reviewed => {
            let window = Cohort::ReviewedBetween(first.start(), year.end());
            // Reviews per year in one query, binned by sign-off date as the annual trend is.
            let days = store::count_filtered(conn, window, areas, &f, &[Dim::ReviewedOn]).await?;
            (window, by_reporting_year(&days))
        }
        Counting::Died => {
            let window = Cohort::DiedInYears(first.0, year.0);
            let years = store::count_filtered(conn, window, areas, &f, &[Dim::DeathYear]).await?;
            let by_year = years
                .iter()
                .filter_map(|c| Some((c.keys.first()?.parse::<i32>().ok()?, c.n)))
                .fold(std::collections::BTreeMap::new(), |mut m, (y, n)| {
                    *m.entry(y).or_insert(0) += n;
                    m
                });
            (window, by_year)
        }
    };
    let per_year = (first.0..=year.0).map(|y| (y, by_year.get(&y).copied().unwrap_or(0))).collect();
    let population = crate::store::populations::children_years(conn, areas, first.0, year.0).await?;
    let under_13 = if t.breakdowns.contains(&Breakdown::AgeBand) {
        store::count_filtered(conn, window, areas, &f, &[Dim::Under13]).await?
    } else {
        Vec::new()
    };
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
    let mut answers = Vec::new();
    for b in &t.breakdowns {
        if let Some(item) = b.item() {
            answers.push((*b, store::answers_filtered(conn, window, areas, &f, item).await?));
        }
    }
    Ok(Data {
        by: store::count_filtered(conn, window, areas, &f, &DIMS).await?,
        per_year,
        themes: store::themes_filtered(conn, window, areas, &f).await?,
        answers,
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
                table.names.rows = super::annual::builders::ethnic_group_dims();
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

/// The shown tables a theme's rates are worked out from (those its breakdowns have).
struct RateTables<'a> {
    trend: Option<&'a ShownTable>,
    age: Option<&'a ShownTable>,
    sex: Option<&'a ShownTable>,
    /// Quintile rows 1 to 5, then not known.
    deprivation: Option<&'a ShownTable>,
    /// The broad ethnic groups in `ETHNIC_GROUPS` order, then not stated.
    ethnicity: Option<&'a ShownTable>,
}

/// The children of each year of the window: by sex and age, by deprivation decile, by ethnic
/// group (each `(year, (year used, children))`, `None` where not loaded).
struct WindowPopulations {
    children: Vec<(i32, Option<Population>)>,
    deciles: ByYear<[u64; 10]>,
    ethnicity: ByYear<[u64; 5]>,
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
fn window_rates(
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
        groups.extend(super::annual::rate_tables::age_groups(a, &person_years));
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
        headings: ["Group", "Deaths", "Child-years", &format!("Rate per {per_words} a year"), "95% confidence interval", "Note"].map(String::from).to_vec(),
        rows,
        notes,
    })
}
