//! Published reports that hold together. A panel publishes many reports over time: each area's
//! annual report and their combination, year after year, and thematic and ad-hoc reports over
//! windows of years. Suppressing each on its own lets one be set against another (the combined
//! figure less one area's gives the other's hidden one; a five-year theme less a four-year report
//! gives a year hidden elsewhere). So:
//!
//! - a year's annual reports — every area's and the combination of every area — are suppressed
//!   together, as one system, whichever of them is asked for (a combination of some areas only is
//!   then suppressed against them);
//! - a thematic or ad-hoc report is published only for a window of a fixed grid of
//!   non-overlapping windows (`reports.published_windows_from`, then every `years` years), and
//!   suppressed against the annual reports of its years when its figures are sums of theirs (a
//!   filter of categories and ages), and against the themes before it whose figures are tied to
//!   its own, every area and the combination together;
//! - a year's totals (deaths notified, reviews completed) are hidden only when they are small
//!   themselves, so the five-year trend of every report shows them as their own year's report does.
//!
//! What remains (the README says so): reports of different filters over the same window that are
//! not sums of one another, a combination of some areas against another combination, and a report
//! published before the data of its years changed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::annual::{self, Data, Labels, Params, Report};
use super::disclosure::Context;
use super::rates::RateRule;
use super::table::{Mode, Scoped, show_joint};
use super::thematic::{self, Theme};
use crate::domain::dates::ReportingYear;
use crate::forms::Registry;
use crate::store::StoreResult;
use std::future::Future;

/// A set of reports suppressed together: each one's areas and report, and what they publish
/// (every figure and the sums between them, for the reports suppressed after them).
#[derive(Debug, Clone, Default)]
pub struct Published {
    pub reports: Vec<(Vec<i64>, Report)>,
    pub context: Context,
}

impl Published {
    /// The report for exactly these areas, if the set has it.
    pub fn report_for(&self, areas: &[i64]) -> Option<&Report> {
        let mut want = areas.to_vec();
        want.sort_unstable();
        self.reports.iter().find(|(a, _)| *a == want).map(|(_, r)| r)
    }
}

/// The areas' reports published together: each area alone, and every area combined (the same
/// report when there is one area).
pub fn canonical_scopes(all: &[(i64, String)]) -> Vec<Vec<(i64, String)>> {
    let mut out: Vec<Vec<(i64, String)>> = all.iter().map(|a| vec![a.clone()]).collect();
    if all.len() > 1 {
        out.push(all.to_vec());
    }
    out
}

fn ids(areas: &[(i64, String)]) -> Vec<i64> {
    let mut v: Vec<i64> = areas.iter().map(|(id, _)| *id).collect();
    v.sort_unstable();
    v
}

/// One year's annual reports for `scopes` (each with its data), suppressed together against
/// `context`. Pure.
pub fn annual_set(
    year: ReportingYear,
    scopes: &[(Vec<(i64, String)>, Data)],
    labels: &Labels,
    mode: &Mode,
    rate_rule: RateRule,
    generated_on: NaiveDate,
    context: &Context,
) -> Published {
    let params: Vec<Params> = scopes
        .iter()
        .map(|(areas, _)| Params { year, areas: areas.clone(), mode: mode.clone(), rate_rule, generated_on })
        .collect();
    let built: Vec<_> =
        params.iter().zip(scopes).map(|(p, (_, data))| annual::tables_and_plan(p, labels, data)).collect();
    let scoped: Vec<Scoped<'_>> =
        params.iter().zip(&built).map(|(p, (tables, _))| Scoped { areas: ids(&p.areas), tables }).collect();
    let (shown, published) = show_joint(&scoped, context, mode);
    let reports = params
        .iter()
        .zip(built)
        .zip(shown)
        .map(|((p, (_, plan)), tables)| {
            (ids(&p.areas), annual::assemble_shown(annual::heading(p), tables, plan))
        })
        .collect();
    Published { reports, context: published }
}

/// One theme's reports for `scopes` over the window ending `year`, suppressed together against
/// `context`. Pure.
#[allow(clippy::too_many_arguments)]
pub fn theme_set(
    theme: &Theme,
    year: ReportingYear,
    scopes: &[(Vec<(i64, String)>, thematic::Data)],
    labels: &Labels,
    mode: &Mode,
    rate_rule: RateRule,
    generated_on: NaiveDate,
    context: &Context,
) -> Published {
    let params: Vec<thematic::Params> = scopes
        .iter()
        .map(|(areas, _)| thematic::Params {
            year,
            areas: areas.clone(),
            mode: mode.clone(),
            rate_rule,
            generated_on,
        })
        .collect();
    let built: Vec<_> = params
        .iter()
        .zip(scopes)
        .map(|(p, (_, data))| thematic::tables_and_plan(theme, p, labels, data))
        .collect();
    let scoped: Vec<Scoped<'_>> =
        params.iter().zip(&built).map(|(p, (tables, _))| Scoped { areas: ids(&p.areas), tables }).collect();
    let (shown, published) = show_joint(&scoped, context, mode);
    let reports = params
        .iter()
        .zip(built)
        .zip(shown)
        .map(|((p, (_, plan)), tables)| {
            (ids(&p.areas), annual::assemble_shown(thematic::heading(theme, p), tables, plan))
        })
        .collect();
    Published { reports, context: published }
}

/// Whether a window of `years` reporting years ending with `end` is one of the fixed windows
/// published reports use: `from`, `from + years`, … (and backwards).
pub fn on_grid(years: u32, end: i32, from: i32) -> bool {
    let n = years.max(1) as i32;
    (end - from + 1).rem_euclid(n) == 0
}

/// The last year of the fixed window of `years` years that contains `year`.
pub fn containing_end(years: u32, year: i32, from: i32) -> i32 {
    year + (from - year - 1).rem_euclid(years.max(1) as i32)
}

/// The fixed windows of `years` years, by their last year: the one containing `now` (up to date)
/// and those before it, latest first (at most `max`).
pub fn grid_ends(years: u32, from: i32, now: i32, max: usize) -> Vec<i32> {
    let last = containing_end(years, now, from);
    (last - 10 * years.max(1) as i32..=last).rev().filter(|e| on_grid(years, *e, from)).take(max).collect()
}

/// The windows (first, last year) of `years` years on the grid that overlap `first..=last`.
fn overlapping(years: u32, from: i32, first: i32, last: i32) -> Vec<(i32, i32)> {
    let n = years.max(1) as i32;
    (first..=last + n - 1)
        .filter(|e| on_grid(years, *e, from))
        .map(|e| (e - n + 1, e))
        .filter(|(a, b)| *a <= last && *b >= first)
        .collect()
}

/// Whether two themes' figures are tied: both sums of the annual reports' category and age
/// figures, or the same filter.
fn related(a: &Theme, b: &Theme) -> bool {
    let (fa, _) = thematic::canonical_filter(a);
    let (fb, _) = thematic::canonical_filter(b);
    (fa.is_empty() && fb.is_empty()) || fa == fb
}

/// Where the publisher's counts come from: the database ([`Db`]), or a test's synthetic cases.
pub trait Source {
    /// The annual report's data for these areas (agreement included).
    fn annual(&self, year: ReportingYear, areas: &[i64]) -> impl Future<Output = StoreResult<Data>> + Send;
    /// The areas' data as one, from each area's (`singles`): counts added, the population and the
    /// agreement of them all together (neither adds up).
    fn combined(
        &self,
        year: ReportingYear,
        singles: &[&Data],
        areas: &[i64],
    ) -> impl Future<Output = StoreResult<Data>> + Send;
    /// A theme's data over the window ending `year`, for these areas.
    fn theme(
        &self,
        theme: &Theme,
        year: ReportingYear,
        areas: &[i64],
    ) -> impl Future<Output = StoreResult<thematic::Data>> + Send;
}

/// The database as the publisher's source.
pub struct Db<'a, C: ConnectionTrait>(pub &'a C);

impl<C: ConnectionTrait> Source for Db<'_, C> {
    async fn annual(&self, year: ReportingYear, areas: &[i64]) -> StoreResult<Data> {
        annual::gather_with_agreement(self.0, year, areas).await
    }

    async fn combined(&self, year: ReportingYear, singles: &[&Data], areas: &[i64]) -> StoreResult<Data> {
        let ratings = crate::store::prepanel::ratings(self.0, year.start(), year.end(), areas).await?;
        let agreement = (!ratings.is_empty()).then(|| super::agreement::of_ratings(&ratings));
        let mut data = Data::merge(singles, agreement);
        data.population = crate::store::populations::children(self.0, areas, year.0).await?;
        data.decile_population = crate::store::populations::decile_children(self.0, areas, year.0).await?;
        data.live_births = crate::store::populations::live_births(self.0, areas, year.0).await?;
        data.ethnicity_population =
            crate::store::populations::ethnicity_children(self.0, areas, year.0).await?;
        data.meetings = crate::store::reports::meetings_held(self.0, year.start(), year.end(), areas).await?;
        Ok(data)
    }

    async fn theme(&self, theme: &Theme, year: ReportingYear, areas: &[i64]) -> StoreResult<thematic::Data> {
        thematic::gather(self.0, theme, year, areas).await
    }
}

/// Runs published reports, each suppressed with the reports it could be set against (memoised
/// for one request).
pub struct Publisher<S: Source> {
    source: S,
    labels: Labels,
    rate_rule: RateRule,
    generated_on: NaiveDate,
    /// Every area of the service.
    areas: Vec<(i64, String)>,
    annual: BTreeMap<i32, Published>,
    themes: BTreeMap<(String, i32), Published>,
}

impl<'a, C: ConnectionTrait> Publisher<Db<'a, C>> {
    /// A publisher over the database, for every area of the service.
    pub async fn new(
        conn: &'a C,
        forms: &Registry,
        rate_rule: RateRule,
        generated_on: NaiveDate,
    ) -> StoreResult<Publisher<Db<'a, C>>> {
        let areas = crate::store::areas::list(conn).await?.into_iter().map(|a| (a.id, a.name)).collect();
        Ok(Publisher::with_source(
            Db(conn),
            areas,
            annual::labels(forms, generated_on),
            rate_rule,
            generated_on,
        ))
    }
}

impl<S: Source> Publisher<S> {
    pub fn with_source(
        source: S,
        areas: Vec<(i64, String)>,
        labels: Labels,
        rate_rule: RateRule,
        generated_on: NaiveDate,
    ) -> Publisher<S> {
        Publisher {
            source,
            labels,
            rate_rule,
            generated_on,
            areas,
            annual: BTreeMap::new(),
            themes: BTreeMap::new(),
        }
    }

    /// Every area's and the combination's annual reports for `year`, suppressed together.
    pub async fn annual_published(&mut self, year: ReportingYear, mode: &Mode) -> StoreResult<&Published> {
        if !self.annual.contains_key(&year.0) {
            let mut scopes: Vec<(Vec<(i64, String)>, Data)> = Vec::new();
            for a in &self.areas {
                scopes.push((vec![a.clone()], self.source.annual(year, &[a.0]).await?));
            }
            if self.areas.len() > 1 {
                let singles: Vec<&Data> = scopes.iter().map(|(_, d)| d).collect();
                let combined = self.source.combined(year, &singles, &ids(&self.areas)).await?;
                scopes.push((self.areas.clone(), combined));
            }
            let set = annual_set(
                year,
                &scopes,
                &self.labels,
                mode,
                self.rate_rule,
                self.generated_on,
                &Context::default(),
            );
            self.annual.insert(year.0, set);
        }
        Ok(&self.annual[&year.0])
    }

    /// The published annual report for `areas`.
    pub async fn annual(
        &mut self,
        year: ReportingYear,
        areas: &[(i64, String)],
        mode: &Mode,
    ) -> StoreResult<Report> {
        let across = matches!(mode, Mode::Published(rule) if rule.checks.across_reports);
        if !across {
            let data = self.source.annual(year, &ids(areas)).await?;
            let params = Params {
                year,
                areas: areas.to_vec(),
                mode: mode.clone(),
                rate_rule: self.rate_rule,
                generated_on: self.generated_on,
            };
            return Ok(annual::build(&params, &self.labels, &data));
        }
        let (rate_rule, generated_on) = (self.rate_rule, self.generated_on);
        let set = self.annual_published(year, mode).await?;
        if let Some(r) = set.report_for(&ids(areas)) {
            return Ok(r.clone());
        }
        // A combination of some areas only: suppressed against the year's reports as published.
        let context = set.context.clone();
        let data = self.source.annual(year, &ids(areas)).await?;
        let one = annual_set(
            year,
            &[(areas.to_vec(), data)],
            &self.labels,
            mode,
            rate_rule,
            generated_on,
            &context,
        );
        Ok(one.reports.into_iter().next().map(|(_, r)| r).unwrap_or_else(|| empty(year)))
    }

    /// One theme's reports for the window ending `year`, suppressed together against what they
    /// are tied to: the annual reports of its years (when its figures are sums of theirs) and the
    /// `earlier` themes whose figures are tied to its own, in every fixed window that overlaps.
    pub async fn theme_published(
        &mut self,
        theme: &Theme,
        year: ReportingYear,
        earlier: &[Theme],
        mode: &Mode,
    ) -> StoreResult<Published> {
        let key = (format!("{}{}", theme.key, thematic::canonical_filter(theme).0), year.0);
        if let Some(p) = self.themes.get(&key) {
            return Ok(p.clone());
        }
        let first = thematic::first_year(theme, year).0;
        let mut context = Context::default();
        if thematic::canonical_filter(theme).0.is_empty() {
            for y in first..=year.0 {
                context.extend(&self.annual_published(ReportingYear(y), mode).await?.context);
            }
        }
        let from = match mode {
            Mode::Published(rule) => rule.windows_from,
            Mode::Internal => 0,
        };
        for (i, other) in earlier.iter().enumerate() {
            if !related(other, theme) {
                continue;
            }
            for (_, end) in overlapping(other.years, from, first, year.0) {
                let before = earlier[..i].to_vec();
                let p = Box::pin(self.theme_published(other, ReportingYear(end), &before, mode)).await?;
                context.extend(&p.context);
            }
        }
        let mut scopes: Vec<(Vec<(i64, String)>, thematic::Data)> = Vec::new();
        for s in canonical_scopes(&self.areas) {
            scopes.push((s.clone(), self.source.theme(theme, year, &ids(&s)).await?));
        }
        let set =
            theme_set(theme, year, &scopes, &self.labels, mode, self.rate_rule, self.generated_on, &context);
        self.themes.insert(key, set.clone());
        Ok(set)
    }

    /// The published thematic report for `areas`: `earlier` are the themes published before it
    /// (the predefined themes before it in the configuration; for a saved report, every
    /// predefined theme and the saved reports before it).
    pub async fn theme(
        &mut self,
        theme: &Theme,
        year: ReportingYear,
        areas: &[(i64, String)],
        earlier: &[Theme],
        mode: &Mode,
    ) -> StoreResult<Report> {
        let across = matches!(mode, Mode::Published(rule) if rule.checks.across_reports);
        let params = thematic::Params {
            year,
            areas: areas.to_vec(),
            mode: mode.clone(),
            rate_rule: self.rate_rule,
            generated_on: self.generated_on,
        };
        if !across {
            let data = self.source.theme(theme, year, &ids(areas)).await?;
            return Ok(thematic::build(theme, &params, &self.labels, &data));
        }
        let set = self.theme_published(theme, year, earlier, mode).await?;
        if let Some(r) = set.report_for(&ids(areas)) {
            return Ok(r.clone());
        }
        let data = self.source.theme(theme, year, &ids(areas)).await?;
        let one = theme_set(
            theme,
            year,
            &[(areas.to_vec(), data)],
            &self.labels,
            mode,
            self.rate_rule,
            self.generated_on,
            &set.context,
        );
        Ok(one.reports.into_iter().next().map(|(_, r)| r).unwrap_or_else(|| empty(year)))
    }
}

/// A report with nothing in it (never shown: every set has the report asked for).
fn empty(year: ReportingYear) -> Report {
    Report {
        title: String::new(),
        year: year.to_string(),
        slug: String::new(),
        areas: String::new(),
        mode: Mode::Internal,
        mode_words: String::new(),
        generated_on: year.start(),
        suppressed: 0,
        sections: Vec::new(),
        figures: Vec::new(),
        percent_decimals: 1,
    }
}

#[cfg(test)]
mod attack;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_fixed_and_do_not_overlap() {
        assert!(on_grid(5, 2023, 2019) && on_grid(5, 2028, 2019) && on_grid(5, 2018, 2019));
        assert!(!on_grid(5, 2024, 2019) && !on_grid(5, 2022, 2019));
        assert!(on_grid(1, 2024, 2019));
        assert_eq!(grid_ends(5, 2019, 2026, 3), vec![2028, 2023, 2018]);
        assert_eq!(containing_end(5, 2025, 2019), 2028);
        assert_eq!(containing_end(5, 2023, 2019), 2023);
        assert_eq!(containing_end(5, 2019, 2019), 2023);
        assert_eq!(containing_end(1, 2025, 2019), 2025);
        assert_eq!(overlapping(5, 2019, 2021, 2023), vec![(2019, 2023)]);
        assert_eq!(overlapping(3, 2019, 2019, 2023), vec![(2019, 2021), (2022, 2024)]);
    }
}
