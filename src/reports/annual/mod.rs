//! The annual report (`shared/reference/reporting.md` §8): computed from a handful of aggregate
//! queries over coded columns ([`gather`]), then built as plain data ([`build`]) in internal or
//! published mode, so the HTML page, the CSV files and every other output carry the same figures.
//!
//! Every count table goes through [`crate::reports::table::show`] together, so published mode
//! suppresses small numbers across the whole report at once.

pub(crate) mod builders;
pub(crate) mod figures;
pub mod parts;
pub(crate) mod rate_tables;
mod review_tables;
pub(crate) mod tables;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use crate::domain::dates::ReportingYear;
use crate::forms::Registry;
use crate::reports::agreement::Agreement;
use crate::reports::table::{self, Mode, ShownTable, Table};
use crate::store::StoreResult;
use crate::store::reports::{self as store, Cohort, Count, Dim, Interval};

pub use figures::Figures;

/// What to report on.
#[derive(Debug, Clone)]
pub struct Params {
    pub year: ReportingYear,
    /// The areas, by id and name: one, or several combined.
    pub areas: Vec<(i64, String)>,
    pub mode: Mode,
    pub rate_rule: crate::reports::rates::RateRule,
    pub generated_on: NaiveDate,
}

/// Labels for the codes the analysis form defines (from its current definition).
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub categories: Vec<(String, String)>,
    pub modifiable: Vec<(String, String)>,
    pub themes: Vec<(String, String)>,
    pub domains: Vec<(String, String)>,
    /// Form codes and titles, for agency returns and completeness.
    pub forms: Vec<(String, String)>,
    /// Every coded choice of the analysis form (key, label, options as (code, label)), for
    /// thematic filters and breakdowns on other items.
    pub items: Vec<CodedItem>,
}

/// A coded choice of the analysis form: its key, its question and its options (code, label).
pub type CodedItem = (String, String, Vec<(String, String)>);

/// The dimensions the notified cohort is counted by, in one query.
pub const NOTIFIED: [Dim; 11] = [
    Dim::AgeBand,
    Dim::Sex,
    Dim::Ethnicity,
    Dim::Decile,
    Dim::Place,
    Dim::Expected,
    Dim::Jar,
    Dim::Area,
    Dim::CoronerInformed,
    Dim::LookedAfter,
    Dim::PostMortemPlanned,
];

/// The dimensions the reviewed cohort is counted by, in one query.
pub const REVIEWED: [Dim; 4] = [Dim::Category, Dim::Modifiable, Dim::AgeBand, Dim::NotifiedYear];

/// The Analysis Form's item on referral to the Child Safeguarding Practice Review Panel.
pub const SAFEGUARDING_REFERRAL: &str = "safeguarding_review_referral";

/// Years in the trend tables, ending with the report's year.
pub const TREND_YEARS: i32 = 5;

/// Everything the report needs from the database: counts only.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// The notified cohort by [`NOTIFIED`].
    pub notified: Vec<Count>,
    /// The reviewed cohort by [`REVIEWED`].
    pub reviewed: Vec<Count>,
    /// Per year of the trend, oldest first: (year, notified, reviewed).
    pub trend: Vec<(i32, u64, u64)>,
    pub stillbirths: u64,
    pub factor_domains: Vec<Count>,
    pub themes: Vec<Count>,
    pub days: Vec<(Interval, Vec<(i64, u64)>)>,
    pub open: Vec<Count>,
    pub requests: Vec<Count>,
    pub return_days: Vec<Count>,
    pub form_completeness: Vec<Count>,
    pub actions: Vec<Count>,
    /// Meetings held in the year, by kind.
    pub meetings: Vec<Count>,
    /// The reviewed cohort by its answer to the safeguarding practice review referral.
    pub safeguarding: Vec<Count>,
    /// Inter-rater agreement (category, modifiable), computed by the caller.
    pub agreement: Option<(Agreement, Agreement)>,
    /// Children in the areas at the mid-year of the report's year (or the latest loaded before).
    pub population: Option<rate_tables::Population>,
    /// Children by deprivation decile (index 0 = decile 1, most deprived) at that mid-year.
    pub decile_population: Option<(i32, [u64; 10])>,
    /// Live births in the areas in the calendar year the report's year starts in (or the latest
    /// loaded before): (year used, births).
    pub live_births: Option<(i32, u64)>,
    /// Children by broad ethnic group (`store::populations::ETHNIC_GROUPS` order) in the year
    /// (or the latest loaded before): (year used, children).
    pub ethnicity_population: Option<(i32, [u64; 5])>,
}

/// Runs the aggregate queries for a year and areas (agreement is left to the caller).
pub async fn gather<C: ConnectionTrait>(conn: &C, year: ReportingYear, areas: &[i64]) -> StoreResult<Data> {
    let reviewed = Cohort::ReviewedBetween(year.start(), year.end());
    let notified = Cohort::NotifiedIn(year.0);
    // The trend in two queries: notifications by reporting year, reviews by sign-off date (binned
    // into reporting years here: SQLite and PostgreSQL share no date-part function).
    let first = ReportingYear(year.0 - TREND_YEARS + 1);
    let notified_by_year = tally(
        &store::count(conn, Cohort::NotifiedInYears(first.0, year.0), areas, &[Dim::NotifiedYear]).await?,
        &[0],
    );
    let reviewed_on =
        store::count(conn, Cohort::ReviewedBetween(first.start(), year.end()), areas, &[Dim::ReviewedOn])
            .await?;
    let reviewed_by_year = by_reporting_year(&reviewed_on);
    let trend: Vec<(i32, u64, u64)> = (first.0..=year.0)
        .map(|y| {
            let n = notified_by_year.get(&vec![y.to_string()]).copied().unwrap_or(0);
            (y, n, reviewed_by_year.get(&y).copied().unwrap_or(0))
        })
        .collect();
    // The reviewed cohort by its dimensions and the days to each step, in one query: split here.
    let mut dims = REVIEWED.to_vec();
    dims.extend(Interval::ALL.map(Dim::Days));
    let wide = store::count(conn, reviewed, areas, &dims).await?;
    let keys = (0..REVIEWED.len()).collect::<Vec<_>>();
    let by_reviewed = tally(&wide, &keys).into_iter().map(|(keys, n)| Count { keys, n }).collect();
    let days = Interval::ALL
        .iter()
        .enumerate()
        .map(|(i, interval)| {
            let histogram = tally(&wide, &[REVIEWED.len() + i])
                .into_iter()
                .filter_map(|(k, n)| Some((k.first()?.parse::<i64>().ok()?, n)))
                .collect();
            (*interval, histogram)
        })
        .collect();
    let requests = store::requests(conn, year.start(), year.end(), areas).await?;
    Ok(Data {
        notified: store::count(conn, notified, areas, &NOTIFIED).await?,
        reviewed: by_reviewed,
        trend,
        stillbirths: store::stillbirths(conn, year.0, areas).await?,
        factor_domains: store::factor_domains(conn, reviewed, areas).await?,
        themes: store::themes(conn, reviewed, areas).await?,
        days,
        open: store::open_at(conn, year.end(), areas).await?,
        requests: requests.by_status,
        return_days: requests.return_days,
        form_completeness: requests.completeness,
        actions: store::actions(conn, year.start(), year.end(), areas).await?,
        meetings: store::meetings_held(conn, year.start(), year.end(), areas).await?,
        safeguarding: store::answers(conn, reviewed, areas, SAFEGUARDING_REFERRAL).await?,
        agreement: None,
        population: crate::store::populations::children(conn, areas, year.0).await?,
        decile_population: crate::store::populations::decile_children(conn, areas, year.0).await?,
        live_births: crate::store::populations::live_births(conn, areas, year.0).await?,
        ethnicity_population: crate::store::populations::ethnicity_children(conn, areas, year.0).await?,
    })
}

/// Runs the whole report: the queries, the agreement of pre-panel entries, and the build. A
/// published report is suppressed together with every other area's and their combination's for
/// the year (`crate::reports::publication`), so that no two of them can be set against each
/// other.
pub async fn run<C: ConnectionTrait>(conn: &C, forms: &Registry, params: &Params) -> StoreResult<Report> {
    if let Mode::Published(_) = &params.mode {
        return crate::reports::publication::Publisher::new(
            conn,
            forms,
            params.rate_rule,
            params.generated_on,
        )
        .await?
        .annual(params.year, &params.areas, &params.mode)
        .await;
    }
    let ids: Vec<i64> = params.areas.iter().map(|(id, _)| *id).collect();
    let data = gather_with_agreement(conn, params.year, &ids).await?;
    Ok(build(params, &labels(forms, params.year.end()), &data))
}

/// [`gather`] and the agreement of the pre-panel entries.
pub async fn gather_with_agreement<C: ConnectionTrait>(
    conn: &C,
    year: ReportingYear,
    areas: &[i64],
) -> StoreResult<Data> {
    let mut data = gather(conn, year, areas).await?;
    let ratings = crate::store::prepanel::ratings(conn, year.start(), year.end(), areas).await?;
    data.agreement = (!ratings.is_empty()).then(|| crate::reports::agreement::of_ratings(&ratings));
    Ok(data)
}

impl Data {
    /// Several areas' data as one (counts added; histograms joined), given the agreement of the
    /// areas together; their populations, live births and the meetings they held do not add up
    /// either (an area's years may differ), and are left for the caller.
    pub fn merge(parts: &[&Data], agreement: Option<(Agreement, Agreement)>) -> Data {
        let mut out = Data::default();
        for d in parts {
            out.notified.extend(d.notified.iter().cloned());
            out.reviewed.extend(d.reviewed.iter().cloned());
            out.stillbirths += d.stillbirths;
            out.factor_domains.extend(d.factor_domains.iter().cloned());
            out.themes.extend(d.themes.iter().cloned());
            out.open.extend(d.open.iter().cloned());
            out.requests.extend(d.requests.iter().cloned());
            out.return_days.extend(d.return_days.iter().cloned());
            out.form_completeness.extend(d.form_completeness.iter().cloned());
            out.actions.extend(d.actions.iter().cloned());
            out.safeguarding.extend(d.safeguarding.iter().cloned());
            // Meetings do not add up across areas (a shared meeting is one): left empty, for the
            // caller to count the combination's own.
            for (y, n, r) in &d.trend {
                match out.trend.iter_mut().find(|(yy, _, _)| yy == y) {
                    Some((_, nn, rr)) => {
                        *nn += n;
                        *rr += r;
                    }
                    None => out.trend.push((*y, *n, *r)),
                }
            }
            for (i, h) in &d.days {
                match out.days.iter_mut().find(|(j, _)| j == i) {
                    Some((_, hh)) => hh.extend(h.iter().copied()),
                    None => out.days.push((*i, h.clone())),
                }
            }
        }
        out.trend.sort_by_key(|(y, _, _)| *y);
        out.agreement = agreement;
        out
    }
}

/// The labels of the analysis form's codes in force at `on`, and every form's title.
pub fn labels(forms: &Registry, on: NaiveDate) -> Labels {
    let analysis = forms.current("analysis", on);
    let options = |key: &str| -> Vec<(String, String)> {
        let item = analysis.as_ref().and_then(|a| a.item(key).cloned());
        item.map(|i| i.options.iter().map(|o| (o.code.clone(), o.label.clone())).collect())
            .unwrap_or_default()
    };
    let domains = analysis
        .as_ref()
        .and_then(|a| a.item("factors").and_then(|f| f.fields.iter().find(|x| x.key == "domain")).cloned())
        .map(|d| d.options.iter().map(|o| (o.code.clone(), o.label.clone())).collect())
        .unwrap_or_default();
    let items = analysis
        .as_ref()
        .map(|a| {
            a.items
                .iter()
                .filter(|i| i.is_coded())
                .filter_map(|i| {
                    let options: Vec<(String, String)> = match i.kind {
                        crate::forms::Kind::YesNoNk => {
                            [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
                                .iter()
                                .map(|(c, l)| (c.to_string(), l.to_string()))
                                .collect()
                        }
                        crate::forms::Kind::Choice | crate::forms::Kind::MultiChoice => i
                            .options
                            .iter()
                            .map(|o| (o.code.clone(), o.label.clone()))
                            .chain(
                                i.offers_not_known()
                                    .then(|| ("not_known".to_string(), "Not known".to_string())),
                            )
                            .collect(),
                        _ => return None,
                    };
                    Some((i.key.clone(), i.label.clone(), options))
                })
                .collect()
        })
        .unwrap_or_default();
    Labels {
        items,
        categories: options("category"),
        modifiable: options("modifiable"),
        themes: options("themes"),
        domains,
        forms: forms
            .forms()
            .map(|(code, _)| (code.to_string(), forms.title(code).unwrap_or(code).to_string()))
            .collect(),
    }
}

/// A bar chart of shown figures: categories along one axis, one or more series of bars. A
/// suppressed figure has no bar and no label.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    /// The text alternative: what the chart shows, in words.
    pub description: String,
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<Option<u64>>)>,
}

/// One piece of a section, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A table of counts, with a chart when a picture reads better.
    Counts { table: Box<ShownTable>, chart: Option<Chart> },
    /// A table of derived figures (medians, rates, percentages).
    Figures(Figures),
    /// A paragraph.
    Note(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Anchor in the page, stable.
    pub id: &'static str,
    pub heading: &'static str,
    pub blocks: Vec<Block>,
}

/// The report as shown, in one mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub title: String,
    /// The reporting year (or years) the report covers, in words.
    pub year: String,
    /// A file-name stem: `annual-2025-26`, `theme-drowning-2021-22-to-2025-26`.
    pub slug: String,
    pub areas: String,
    pub mode: Mode,
    pub mode_words: String,
    pub generated_on: NaiveDate,
    /// How many figures published mode hid (0 internally).
    pub suppressed: usize,
    pub sections: Vec<Section>,
    /// Every count the report prints (or prints a share of), by canonical name, as shown, and
    /// whether its table lets a `*` stand for 0.
    pub figures: Vec<(String, table::Shown, bool)>,
    /// Decimal places of the percentages in its tables.
    pub percent_decimals: u8,
}

impl Report {
    /// The sections as JSON: each block a note or a table (as rows of text, as shown). For
    /// `print` (the PDF template), numbers with thousands separators and each chart as SVG with
    /// its text alternative; otherwise (the API) plain numbers, as data.
    pub fn sections_json(&self, print: bool) -> Vec<serde_json::Value> {
        use serde_json::json;
        let block = |b: &Block| {
            let (flat, chart) = match b {
                Block::Note(text) => return json!({"kind": "note", "text": text}),
                Block::Figures(f) => (f.flat(), None),
                Block::Counts { table, chart } => (table.flat(self.percent_decimals), chart.as_ref()),
            };
            // Printed, numbers carry thousands separators; as data they stay plain.
            let flat = if print { flat.readable() } else { flat };
            let mut out = json!({"kind": "table", "key": flat.key, "title": flat.title, "basis": flat.basis,
                "denominator": flat.denominator, "headings": flat.headings, "rows": flat.rows,
                "total": flat.total, "notes": flat.notes});
            if print {
                let svg = chart
                    .map(|c| super::chart::svg(c, &format!("chart-{}", flat.key)))
                    .filter(|s| !s.is_empty());
                out["chart"] = json!(svg);
                out["alt"] = json!(chart.map(|c| c.description.clone()));
            }
            out
        };
        self.sections
            .iter()
            .map(|s| json!({"id": s.id, "heading": s.heading, "blocks": s.blocks.iter().map(block).collect::<Vec<_>>()}))
            .collect()
    }

    /// Every table, counts and figures, in report order, as every file renderer lays it out.
    pub fn flats(&self) -> Vec<crate::reports::table::Flat> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Counts { table, .. } => Some(table.flat(self.percent_decimals)),
                Block::Figures(f) => Some(f.flat()),
                Block::Note(_) => None,
            })
            .collect()
    }
}

/// Counts keyed by a sign-off date ([`Dim::ReviewedOn`]) summed by the reporting year the date
/// falls in (SQLite and PostgreSQL share no date-part function, so the binning is done here).
pub(crate) fn by_reporting_year(counts: &[Count]) -> BTreeMap<i32, u64> {
    let mut out: BTreeMap<i32, u64> = BTreeMap::new();
    for c in counts {
        if let Some(d) = c
            .keys
            .first()
            .and_then(|k| k.get(..10))
            .and_then(|k| NaiveDate::parse_from_str(k, "%Y-%m-%d").ok())
        {
            *out.entry(ReportingYear::of(d).0).or_default() += c.n;
        }
    }
    out
}

/// Sums counts over every key but the ones at `keep`.
pub(crate) fn tally(counts: &[Count], keep: &[usize]) -> BTreeMap<Vec<String>, u64> {
    let mut out: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for c in counts {
        let key = keep.iter().map(|i| c.keys.get(*i).cloned().unwrap_or_default()).collect();
        *out.entry(key).or_default() += c.n;
    }
    out
}

/// Builds the report from the data, in the params' mode, suppressed on its own (a published
/// report goes through `crate::reports::publication`, which suppresses it with the others).
pub fn build(params: &Params, labels: &Labels, data: &Data) -> Report {
    let (counts, plan) = tables_and_plan(params, labels, data);
    assemble(heading(params), &counts, plan)
}

/// The report's count tables (before suppression) and its plan.
pub fn tables_and_plan(params: &Params, labels: &Labels, data: &Data) -> (Vec<Table>, parts::Plan) {
    let mut counts: Vec<Table> = Vec::new();
    let plan = tables::plan(params, labels, data, &mut counts);
    (counts, plan)
}

/// What the annual report for `params` says about itself.
pub(crate) fn heading(params: &Params) -> Heading<'_> {
    Heading {
        title: format!("Child death review annual report {}", params.year),
        period: params.year.to_string(),
        slug: format!("annual-{}", params.year.to_string().replace('/', "-")),
        areas: &params.areas,
        mode: &params.mode,
        generated_on: params.generated_on,
        percent_decimals: params.rate_rule.percent_decimals,
    }
}

/// What a report says about itself.
pub(crate) struct Heading<'a> {
    pub title: String,
    /// The reporting year, or the years of a window (`2021/22 to 2025/26`).
    pub period: String,
    /// A file-name stem (`annual-2025-26`).
    pub slug: String,
    pub areas: &'a [(i64, String)],
    pub mode: &'a Mode,
    pub generated_on: NaiveDate,
    pub percent_decimals: u8,
}

/// Suppresses every count table of a report together (in published mode) and puts the report's
/// sections together from the plan.
pub(crate) fn assemble(heading: Heading<'_>, counts: &[Table], plan: parts::Plan) -> Report {
    let shown = table::show(counts, heading.mode);
    assemble_shown(heading, shown, plan)
}

/// Puts a report's sections together from its tables as shown (suppressed already).
pub(crate) fn assemble_shown(heading: Heading<'_>, shown: Vec<ShownTable>, plan: parts::Plan) -> Report {
    let suppressed = shown
        .iter()
        .map(|t| {
            t.rows
                .iter()
                .flat_map(|r| r.cells.iter().chain([&r.total]))
                .filter(|c| **c == table::Shown::Suppressed)
                .count()
        })
        .sum();
    let figures =
        shown.iter().flat_map(|t| t.figures.iter().map(|(n, s)| (n.clone(), *s, t.zeros_hidden))).collect();
    let sections = plan
        .into_iter()
        .map(|(id, heading, parts)| Section {
            id,
            heading,
            blocks: parts.into_iter().map(|p| p.resolve(&shown)).collect(),
        })
        .collect();
    Report {
        title: heading.title,
        year: heading.period,
        slug: heading.slug,
        areas: heading.areas.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", "),
        mode: heading.mode.clone(),
        mode_words: heading.mode.words(),
        generated_on: heading.generated_on,
        suppressed,
        sections,
        figures,
        percent_decimals: heading.percent_decimals,
    }
}
