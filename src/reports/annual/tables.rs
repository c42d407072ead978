//! The annual report's sections and count tables, in reporting order (`reporting.md` §8).

use super::builders::ethnic_groups;
use super::parts::{ChartSpec, Part, Plan};
use super::{Block, Data, Labels, Params, TREND_YEARS, tally};
use super::{figures, rate_tables};
use crate::domain::codes::{Ethnicity, PlaceOfDeath, Sex};
use crate::domain::dates::{AgeBand, ReportingYear};
use crate::reports::table::{Basis, Names, Percent, ShownTable, Table};

const NO_RATES: &str = "Rates per 100,000 children are not available: no population estimates are loaded for these areas and years (cdop reference import-population). The report never uses a made-up denominator.";

const NO_BIRTHS: &str = "Neonatal and infant mortality per 1,000 live births is not available: no live births are loaded for these areas and years (cdop reference import-live-births).";
const NO_ETHNICITY_RATES: &str = "Rates by ethnic group are not available: no children by ethnic group are loaded for these areas (cdop reference import-ethnicity-population).";
const NO_DECILE_RATES: &str = "Rates by deprivation decile, and the rate ratio between the most and least deprived, are not available: no children by decile are loaded for these areas (cdop reference import-decile-population).";

pub(super) struct Builder<'a> {
    tables: &'a mut Vec<Table>,
}

impl Builder<'_> {
    pub(super) fn add(&mut self, t: Table) -> usize {
        self.tables.push(t);
        self.tables.len() - 1
    }
}

/// A set of codes as a name's value: `{a,b}`, or the one code.
pub(super) fn set(codes: impl IntoIterator<Item = String>) -> String {
    let mut v: Vec<String> = codes.into_iter().collect();
    v.sort();
    v.dedup();
    if v.len() == 1 { v.remove(0) } else { format!("{{{}}}", v.join(",")) }
}

fn rows_from(
    map: &std::collections::BTreeMap<Vec<String>, u64>,
    order: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String, u64)> {
    order
        .into_iter()
        .map(|(k, l)| {
            let n = map.get(&vec![k.clone()]).copied().unwrap_or(0);
            (k, l, n)
        })
        .collect()
}

pub(super) fn plan(params: &Params, labels: &Labels, data: &Data, tables: &mut Vec<Table>) -> Plan {
    let mut b = Builder { tables };
    let y = params.year;
    let notified_cohort = format!("notified:{}", y.0);
    let reviewed_cohort = format!("reviewed:{}", y.0);
    let published = matches!(params.mode, crate::reports::table::Mode::Published(_));
    let mut plan: Plan = Vec::new();

    // 1. Activity.
    let mut activity = Vec::new();
    let years: Vec<(String, String)> =
        data.trend.iter().map(|(y, _, _)| (y.to_string(), ReportingYear(*y).to_string())).collect();
    let span = |kind: &str| match (data.trend.first(), data.trend.last()) {
        (Some((a, _, _)), Some((b, _, _))) => format!("{kind}:{a}-{b}"),
        _ => format!("{kind}:{}", y.0),
    };
    let mut trend_n = Table::one_way(
        "trend-notified",
        &format!("Deaths notified, last {TREND_YEARS} years"),
        Basis::Notified,
        &span("notified"),
        "reporting_year",
        data.trend.iter().zip(&years).map(|((_, n, _), (k, l))| (k.clone(), l.clone(), *n)).collect(),
    );
    trend_n.percent = Percent::None;
    // No total of the five years: each report's five years overlap the next report's, and two
    // overlapping totals would give a year hidden in both away.
    trend_n.multi_valued = true;
    trend_n.denominator = "Deaths notified in each reporting year".into();
    trend_n.shared_rows = data.trend.iter().map(|(y, _, _)| Some(format!("notified:{y}|all"))).collect();
    let mut trend_r = Table::one_way(
        "trend-reviewed",
        &format!("Reviews completed, last {TREND_YEARS} years"),
        Basis::Reviewed,
        &span("reviewed"),
        "reporting_year",
        data.trend.iter().zip(&years).map(|((_, _, r), (k, l))| (k.clone(), l.clone(), *r)).collect(),
    );
    trend_r.percent = Percent::None;
    trend_r.multi_valued = true;
    trend_r.denominator = "Reviews signed off in each reporting year".into();
    trend_r.shared_rows = data.trend.iter().map(|(y, _, _)| Some(format!("reviewed:{y}|all"))).collect();
    trend_r.notes.push("A review completed in a year may concern a death notified in an earlier year: the two counts are not derived from one another.".into());
    let tn = b.add(trend_n);
    let tr = b.add(trend_r);
    activity.push(Part::Counts {
        index: tn,
        chart: ChartSpec::Pair { other: tr, what: "deaths notified and reviews completed by reporting year" },
    });
    activity.push(Part::Counts { index: tr, chart: ChartSpec::None });
    let decimals = params.rate_rule.percent_decimals;
    activity.push(Part::Later(Box::new(move |shown: &[ShownTable]| {
        Block::Figures(figures::year_on_year(shown.get(tn), shown.get(tr), decimals))
    })));
    // Meetings held: panel activity, suppressed like any count (a CDRM is held for most
    // unexpected deaths). Not a canonical name: a meeting of several areas counts once in their
    // combination, so the areas' figures do not add up to it; the table stands alone.
    let held = tally(&data.meetings, &[0]);
    let mut t = Table::one_way(
        "meetings-held",
        "Meetings held in the year",
        Basis::Activity,
        &format!("meetings:held{}", y.0),
        "kind",
        [("cdrm", "Child death review meetings (CDRM)"), ("panel", "Panel meetings")]
            .iter()
            .map(|(k, l)| {
                (k.to_string(), l.to_string(), held.get(&vec![k.to_string()]).copied().unwrap_or(0))
            })
            .collect(),
    );
    t.percent = Percent::None;
    t.row_heading = "Meeting".into();
    t.denominator =
        "Meetings of the areas marked held, by the day they started; a meeting of several areas counts once"
            .into();
    activity.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });

    let by_year = tally(&data.reviewed, &[3]);
    let mut notified_years: Vec<i32> = by_year.keys().filter_map(|k| k[0].parse().ok()).collect();
    notified_years.sort_unstable_by(|a, b| b.cmp(a));
    let mut t = Table::one_way(
        "reviewed-by-year-notified",
        "Reviews completed in the year, by the year the death was notified",
        Basis::Reviewed,
        &reviewed_cohort,
        "notified_year",
        notified_years
            .iter()
            .map(|n| {
                (
                    n.to_string(),
                    ReportingYear(*n).to_string(),
                    by_year.get(&vec![n.to_string()]).copied().unwrap_or(0),
                )
            })
            .collect(),
    );
    t.denominator = "Reviews completed in the year".into();
    activity.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });

    if published {
        // Not published: the cases still open at the end of a year are the next year's reviews
        // and open cases less its deaths notified, all of which every report shows, so a small
        // number here could not be hidden; the internal report gives them.
        activity.push(Part::Note("Cases still open at the end of the year are given in the internal report only: with the next year's figures a small number of them could be worked out.".into()));
    } else {
        let open = tally(&data.open, &[0]);
        let mut rows = Vec::new();
        let mut earlier = 0;
        for (k, n) in &open {
            let year: i32 = k[0].parse().unwrap_or(0);
            if year > y.0 - 3 {
                rows.push((year.to_string(), format!("Notified in {}", ReportingYear(year)), *n));
            } else {
                earlier += n;
            }
        }
        rows.sort_by(|a, b| b.0.cmp(&a.0));
        rows.push(("earlier".into(), format!("Notified before {}", ReportingYear(y.0 - 2)), earlier));
        let mut t = Table::one_way(
            "open-at-year-end",
            &format!(
                "Cases still open on {}, by when the death was notified",
                crate::domain::dates::long_date(y.end())
            ),
            Basis::Notified,
            &format!("open:{}", y.0),
            "notified_year",
            rows,
        );
        t.denominator =
            "Cases notified by the end of the year and neither signed off nor closed by then".into();
        activity.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    }
    // A count like any other, suppressed with the report's tables (and, published, with every
    // area's and their combination's), and printed every year so that its absence says nothing.
    let mut t = Table::one_way(
        "stillbirths",
        "Suspected stillbirths at home with no healthcare professional present",
        Basis::Notified,
        &format!("stillbirths:{}", y.0),
        "place",
        vec![("home".into(), "At home, no healthcare professional present".into(), data.stillbirths)],
    );
    t.percent = Percent::None;
    t.denominator = "Recorded for the national count and not counted as child deaths in this report".into();
    activity.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    plan.push(("activity", "Activity", activity));

    // 2. Timeliness: counts by band (suppressed with every other count), the shares and
    // medians read from them.
    let intervals = figures::INTERVALS;
    let mut counts = Vec::new();
    for (interval, _, _) in intervals {
        let h = data.days.iter().find(|(i, _)| *i == interval).map(|(_, h)| h.as_slice()).unwrap_or(&[]);
        let b = crate::reports::stats::bands(h, &figures::BAND_STARTS);
        counts.push(vec![b[0], b[1], b[2] + b[3] + b[4], b.iter().sum()]);
    }
    let timeliness_counts = b.add(Table {
        key: "timeliness-counts".into(),
        title: "Reviews by days from the death to each step".into(),
        basis: Basis::Reviewed,
        cohort: reviewed_cohort.clone(),
        denominator: "Reviews completed in the year that went through the step".into(),
        row_dimension: "interval".into(),
        column_dimension: "band".into(),
        row_heading: "Interval".into(),
        rows: intervals.iter().map(|(_, column, label)| (column.to_string(), label.to_string())).collect(),
        columns: figures::TIMELINESS_COLUMNS.iter().map(|(k, l, _)| (k.to_string(), l.to_string())).collect(),
        counts,
        percent: Percent::None,
        percent_label: String::new(),
        // Each cell is named by its own interval and bands; the names tie them together.
        multi_valued: true,
        notes: Vec::new(),
        shared_rows: Vec::new(),
        names: Names {
            cells: intervals
                .iter()
                .map(|(_, column, _)| {
                    figures::TIMELINESS_COLUMNS
                        .iter()
                        .map(|(_, _, bands)| {
                            format!("{reviewed_cohort}|{column}={}", set(bands.iter().map(|b| b.to_string())))
                        })
                        .collect()
                })
                .collect(),
            ..Names::default()
        },
        filter_dims: Vec::new(),
        share_label: String::new(),
        subtotals: Vec::new(),
    });
    let (days, mode, decimals) = (data.days.clone(), params.mode.clone(), params.rate_rule.percent_decimals);
    let mut timeliness = vec![Part::Later(Box::new(move |shown: &[ShownTable]| {
        Block::Figures(figures::timeliness(&days, shown.get(timeliness_counts), &mode, decimals))
    }))];
    let review_days = data
        .days
        .iter()
        .find(|(i, _)| *i == crate::store::reports::Interval::ToSignOff)
        .map(|(_, h)| h.clone())
        .unwrap_or_default();
    let band_labels =
        ["Under 6 months", "6 to 12 months", "12 to 18 months", "18 to 24 months", "2 years or more"];
    let counts = crate::reports::stats::bands(&review_days, &figures::BAND_STARTS);
    let mut t = Table::one_way(
        "time-to-sign-off",
        "Time from death to sign-off of the review",
        Basis::Reviewed,
        &reviewed_cohort,
        "days_to_review",
        band_labels.iter().enumerate().map(|(i, l)| (format!("b{i}"), l.to_string(), counts[i])).collect(),
    );
    // Its total is the reviews with the interval recorded (the same figure as the timeliness
    // table's), not every review.
    t.filter_dims = vec![("days_to_review".into(), (0..5).map(|i| format!("b{i}")).collect())];
    t.denominator = "Reviews completed in the year with the date of death recorded at sign-off".into();
    t.notes.push(figures::BAND_NOTE.into());
    timeliness.push(Part::Counts {
        index: b.add(t),
        chart: ChartSpec::Rows { what: "reviews completed by time from death to sign-off" },
    });
    plan.push(("timeliness", "Timeliness of reviews", timeliness));

    // 3. Deaths notified.
    let mut deaths = Vec::new();
    let one = |key: &str, title: &str, dim: &str, idx: usize, order: Vec<(String, String)>| {
        let mut t = Table::one_way(
            key,
            title,
            Basis::Notified,
            &notified_cohort,
            dim,
            rows_from(&tally(&data.notified, &[idx]), order),
        );
        t.denominator = "Deaths notified in the year".into();
        t
    };
    let t = one(
        "notified-age",
        "Deaths notified by age at death",
        "age_band",
        0,
        AgeBand::ALL.iter().map(|a| (a.code().into(), a.label().into())).collect(),
    );
    let age_table = b.add(t);
    deaths.push(Part::Counts {
        index: age_table,
        chart: ChartSpec::Rows { what: "deaths notified by age band" },
    });
    let t = one(
        "notified-sex",
        "Deaths notified by sex",
        "sex",
        1,
        Sex::ALL.iter().map(|s| (s.code().into(), s.label().into())).collect(),
    );
    let sex_table = b.add(t);
    deaths.push(Part::Counts { index: sex_table, chart: ChartSpec::None });
    let ethnicity = tally(&data.notified, &[2]);
    let grouped = ethnic_groups(&ethnicity);
    let mut t = Table::one_way(
        "notified-ethnicity",
        "Deaths notified by ethnic group",
        Basis::Notified,
        &notified_cohort,
        "ethnic_group",
        grouped,
    );
    t.names.rows = super::builders::ethnic_group_dims();
    t.denominator = "Deaths notified in the year".into();
    let ethnicity_table = b.add(t);
    deaths.push(Part::Counts { index: ethnicity_table, chart: ChartSpec::None });
    let (by_ethnicity, rule) = (data.ethnicity_population, params.rate_rule);
    deaths.push(Part::Later(Box::new(move |shown: &[ShownTable]| {
        match (shown.get(ethnicity_table), by_ethnicity) {
            (Some(t), Some(p)) => Block::Figures(rate_tables::ethnicity_rates(t, p, &rule)),
            _ => Block::Note(NO_ETHNICITY_RATES.into()),
        }
    })));
    if params.mode == crate::reports::table::Mode::Internal {
        let t = one(
            "notified-ethnicity-detail",
            "Deaths notified by ethnic category (NHS codes)",
            "ethnic_category",
            2,
            Ethnicity::ALL
                .iter()
                .map(|e| (e.code().into(), format!("{} ({})", e.label(), e.code())))
                .collect(),
        );
        deaths.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    } else {
        deaths.push(Part::Note("Deaths by the detailed NHS ethnic categories are in the internal report only: counts this small cannot be published by category.".into()));
    }
    deaths.push(Part::Note("Disability and special educational needs are not recorded as coded items by the current national forms, so this report cannot break deaths down by them.".into()));
    let deciles = tally(&data.notified, &[3]);
    let decile = |d: String| deciles.get(&vec![d]).copied().unwrap_or(0);
    let mut t = Table {
        key: "notified-deprivation".into(),
        title: "Deaths notified by deprivation of the home area (IMD decile and quintile)".into(),
        basis: Basis::Notified,
        cohort: notified_cohort.clone(),
        denominator: "Deaths notified in the year".into(),
        row_dimension: "imd_quintile".into(),
        column_dimension: "imd_decile".into(),
        row_heading: "Deprivation quintile (1 = most deprived)".into(),
        rows: (1..=5).map(|q| (q.to_string(), format!("Quintile {q} (deciles {} and {})", 2 * q - 1, 2 * q))).chain([("".into(), "Not known".into())]).collect(),
        columns: vec![
            ("odd".into(), "Odd decile (1, 3, 5, 7, 9)".into()),
            ("even".into(), "Even decile (2, 4, 6, 8, 10)".into()),
            ("unknown".into(), "Decile not known".into()),
        ],
        counts: (1..=5)
            .map(|q| vec![decile((2 * q - 1).to_string()), decile((2 * q).to_string()), 0])
            .chain([vec![0, 0, decile(String::new())]])
            .collect(),
        percent: Percent::OfTotal,
        percent_label: "Percentage".into(),
        multi_valued: false,
        notes: vec![
            "Deciles and quintiles of the English Index of Multiple Deprivation as published: 1 is the most deprived. (NCMD's deprivation reports number them the other way.)".into(),
            "Not known: no postcode, or a postcode outside England.".into(),
        ],
        shared_rows: Vec::new(),
        // The cells are deciles laid out as quintiles: each is named by the decile it counts.
        names: deprivation_names(&notified_cohort),
        filter_dims: Vec::new(),
        share_label: String::new(),
        subtotals: Vec::new(),
    };
    t.row_dimension = "imd_quintile".into();
    let deprivation = b.add(t);
    let deciles_loaded = data.decile_population;
    let rule = params.rate_rule;
    deaths.push(Part::Later(Box::new(move |shown: &[ShownTable]| {
        match (shown.get(deprivation), deciles_loaded) {
            (Some(t), Some(p)) => Block::Figures(rate_tables::decile_rates(t, &p, &rule)),
            _ => Block::Note(NO_DECILE_RATES.into()),
        }
    })));
    deaths.push(Part::Counts {
        index: deprivation,
        chart: ChartSpec::Rows { what: "deaths notified by deprivation quintile (1 most deprived)" },
    });
    let t = one(
        "notified-place",
        "Deaths notified by place of death",
        "place_of_death",
        4,
        PlaceOfDeath::ALL.iter().map(|p| (p.code().into(), p.label().into())).collect(),
    );
    deaths.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    let t = one(
        "notified-expected",
        "Deaths notified: expected or unexpected",
        "expected",
        5,
        vec![
            ("expected".into(), "Expected".into()),
            ("unexpected".into(), "Unexpected".into()),
            ("not_known".into(), "Not known (imported history that did not record it)".into()),
        ],
    );
    deaths.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    let t = one(
        "notified-jar",
        "Deaths notified with a Joint Agency Response",
        "joint_agency_response",
        6,
        vec![
            ("yes".into(), "Joint Agency Response".into()),
            ("no".into(), "No Joint Agency Response".into()),
        ],
    );
    deaths.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    if params.areas.len() > 1 {
        let mut t = one(
            "notified-area",
            "Deaths notified by area",
            "area",
            7,
            params.areas.iter().map(|(id, n)| (id.to_string(), n.clone())).collect(),
        );
        // Each row is its area's own total.
        t.names.rows = params.areas.iter().map(|(id, _)| format!("a:{id}|{notified_cohort}|all")).collect();
        deaths.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    }
    let (population, rule) = (data.population.clone(), params.rate_rule);
    deaths.push(Part::Later(Box::new(move |shown: &[ShownTable]| {
        match (shown.get(age_table), shown.get(sex_table), &population) {
            (Some(a), Some(s), Some(p)) => Block::Figures(rate_tables::rates(a, s, p, &rule)),
            _ => Block::Note(NO_RATES.into()),
        }
    })));
    let births = data.live_births;
    deaths.push(Part::Later(Box::new(move |shown: &[ShownTable]| match (shown.get(age_table), births) {
        (Some(a), Some(b)) => Block::Figures(rate_tables::infant_mortality(a, b, &rule)),
        _ => Block::Note(NO_BIRTHS.into()),
    })));
    plan.push(("notified", "Deaths notified in the year", deaths));

    super::review_tables::plan(&mut b, params, labels, data, &mut plan);
    plan
}

/// The names of the deprivation table's cells (decile by decile: quintile rows, odd and even
/// columns, not known last), rows (quintiles) and columns (odd, even, not known).
fn deprivation_names(cohort: &str) -> Names {
    let decile = |d: String| format!("{cohort}|imd_decile={d}");
    let nothing = format!("{cohort}|imd_decile={{}}");
    let mut cells: Vec<Vec<String>> = (1..=5)
        .map(|q| vec![decile((2 * q - 1).to_string()), decile((2 * q).to_string()), nothing.clone()])
        .collect();
    cells.push(vec![nothing.clone(), nothing.clone(), decile(String::new())]);
    let mut rows: Vec<String> = (1..=5).map(|q| decile(format!("{{{},{}}}", 2 * q - 1, 2 * q))).collect();
    rows.push(decile(String::new()));
    Names {
        cells,
        rows,
        columns: vec![decile("{1,3,5,7,9}".into()), decile("{10,2,4,6,8}".into()), decile(String::new())],
    }
}
