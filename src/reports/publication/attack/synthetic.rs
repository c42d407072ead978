//! The attacker test's synthetic panel: five years of deaths and reviews in two areas, as the
//! reports' `Source` reads them, and the themes it publishes.

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};

use super::super::Source;
use crate::domain::dates::ReportingYear;
use crate::reports::agreement::{Rated, agreement};
use crate::reports::annual::{Data, Labels};
use crate::reports::thematic::{self, Breakdown, Theme};
use crate::store::StoreResult;
use crate::store::reports::{Count, Interval};

pub(super) const AREAS: [i64; 2] = [1, 2];
pub(super) const YEARS: std::ops::RangeInclusive<i32> = 2019..=2023;

/// One synthetic death and its review.
#[derive(Debug, Clone)]
pub(super) struct Case {
    pub(super) area: i64,
    pub(super) notified: i32,
    pub(super) keys: [String; 11],
    pub(super) review: Option<Review>,
}

#[derive(Debug, Clone)]
pub(super) struct Review {
    pub(super) year: i32,
    pub(super) category: String,
    pub(super) modifiable: String,
    pub(super) domains: Vec<String>,
    pub(super) themes: Vec<String>,
    pub(super) days: [Option<i64>; 4],
    /// A member recorded a pre-panel entry (the agreement figures count these reviews).
    pub(super) prepanel: bool,
}

impl Case {
    pub(super) fn age(&self) -> &str {
        &self.keys[0]
    }
}

pub(super) fn pick<'a>(rng: &mut rand::rngs::StdRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

/// Small panels: about 16 and 8 deaths a year, so that many counts are small.
pub(super) fn cases(labels: &Labels) -> Vec<Case> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(2024);
    let categories: Vec<&str> = labels.categories.iter().map(|(c, _)| c.as_str()).collect();
    let themes: Vec<&str> = labels.themes.iter().map(|(c, _)| c.as_str()).take(6).collect();
    let mut out = Vec::new();
    for area in AREAS {
        for year in YEARS {
            let n = if area == 1 { rng.random_range(12..20) } else { rng.random_range(5..10) };
            for _ in 0..n {
                let age = pick(
                    &mut rng,
                    &[
                        "0-27d", "0-27d", "0-27d", "28-364d", "28-364d", "1-4y", "5-9y", "10-14y", "15-17y",
                        "15-17y",
                    ],
                );
                let decile = if rng.random_range(0..8) == 0 {
                    String::new()
                } else {
                    rng.random_range(1..=10).to_string()
                };
                let keys = [
                    age.to_string(),
                    pick(&mut rng, &["female", "male", "male", "female", "not_known"]).to_string(),
                    pick(&mut rng, &["A", "A", "A", "B", "H", "J", "M", "D", "Z", "99"]).to_string(),
                    decile,
                    pick(
                        &mut rng,
                        &[
                            "hospital_ward",
                            "hospital_picu",
                            "home",
                            "hospital_ed",
                            "hospice",
                            "road",
                            "not_known",
                        ],
                    )
                    .to_string(),
                    pick(&mut rng, &["expected", "unexpected"]).to_string(),
                    pick(&mut rng, &["yes", "no", "no"]).to_string(),
                    area.to_string(),
                    pick(&mut rng, &["yes", "no", "not_known"]).to_string(),
                    pick(&mut rng, &["no", "no", "yes", "not_known"]).to_string(),
                    pick(&mut rng, &["yes", "no", "not_known"]).to_string(),
                ];
                let review = (rng.random_range(0..10) < 8).then(|| {
                    let notification = rng.random_range(0..20);
                    let signed = notification + rng.random_range(60..720);
                    Review {
                        year: year + rng.random_range(0..2),
                        category: pick(&mut rng, &categories).to_string(),
                        modifiable: pick(
                            &mut rng,
                            &["identified", "none_identified", "none_identified", "insufficient"],
                        )
                        .to_string(),
                        domains: ["a", "b", "c", "d"]
                            .iter()
                            .filter(|_| rng.random_range(0..3) == 0)
                            .map(|d| d.to_string())
                            .collect(),
                        themes: themes
                            .iter()
                            .filter(|_| rng.random_range(0..4) == 0)
                            .map(|t| t.to_string())
                            .collect(),
                        days: [
                            Some(notification),
                            (rng.random_range(0..2) == 0).then(|| notification + rng.random_range(20..90)),
                            Some(signed - rng.random_range(5..20)),
                            Some(signed),
                        ],
                        // From the draws already made, so the cases stay those of earlier runs.
                        prepanel: (notification + signed) % 3 > 0,
                    }
                });
                out.push(Case { area, notified: year, keys, review });
            }
        }
    }
    out
}

pub(super) fn add(counts: &mut Vec<Count>, keys: Vec<String>) {
    match counts.iter_mut().find(|c| c.keys == keys) {
        Some(c) => c.n += 1,
        None => counts.push(Count { keys, n: 1 }),
    }
}

/// The synthetic cases as the publisher's source: the same counts the SQL would give.
pub(super) struct Synthetic(pub(super) Vec<Case>);

impl Synthetic {
    pub(super) fn of<'a>(&'a self, areas: &'a [i64]) -> impl Iterator<Item = &'a Case> + 'a {
        self.0.iter().filter(move |c| areas.contains(&c.area))
    }

    pub(super) fn annual_data(&self, year: i32, areas: &[i64]) -> Data {
        let mut d = Data::default();
        for c in self.of(areas) {
            if c.notified == year {
                add(&mut d.notified, c.keys.to_vec());
            }
            let open = c.notified <= year && c.review.as_ref().is_none_or(|r| r.year > year);
            if open {
                add(&mut d.open, vec![c.notified.to_string()]);
            }
            let Some(r) = c.review.as_ref().filter(|r| r.year == year) else { continue };
            add(
                &mut d.reviewed,
                vec![r.category.clone(), r.modifiable.clone(), c.age().to_string(), c.notified.to_string()],
            );
            for domain in &r.domains {
                add(&mut d.factor_domains, vec![domain.clone(), r.modifiable.clone()]);
            }
            if r.modifiable == "identified" && r.domains.is_empty() {
                add(&mut d.factor_domains, vec!["not_recorded".into(), r.modifiable.clone()]);
            }
            for t in &r.themes {
                add(&mut d.themes, vec![t.clone()]);
            }
            // Every review answers the referral question or leaves it unanswered, as in the
            // database: the rows add up to the reviews.
            let referral = if r.category == "deliberately_inflicted" { "yes" } else { "" };
            add(&mut d.safeguarding, vec![referral.to_string()]);
        }
        // A small count of its own (suspected stillbirths at home): here, neonatal deaths at home.
        d.stillbirths = self
            .of(areas)
            .filter(|c| c.notified == year && c.age() == "0-27d" && c.keys[4] == "home")
            .count() as u64;
        let rated: Vec<Rated> = self
            .of(areas)
            .filter_map(|c| c.review.as_ref())
            .filter(|r| r.year == year && r.prepanel)
            .map(|r| Rated { ratings: vec![r.category.clone()], decision: r.category.clone() })
            .collect();
        d.agreement = (!rated.is_empty()).then(|| (agreement(&rated, 1), agreement(&rated, 1)));
        d.trend = (year - 4..=year)
            .map(|y| {
                let n = self.of(areas).filter(|c| c.notified == y).count() as u64;
                let r =
                    self.of(areas).filter(|c| c.review.as_ref().is_some_and(|r| r.year == y)).count() as u64;
                (y, n, r)
            })
            .collect();
        d.days = Interval::ALL
            .iter()
            .enumerate()
            .map(|(i, interval)| {
                let mut h: Vec<(i64, u64)> = Vec::new();
                for r in self.of(areas).filter_map(|c| c.review.as_ref()).filter(|r| r.year == year) {
                    if let Some(days) = r.days[i] {
                        h.push((days, 1));
                    }
                }
                (*interval, h)
            })
            .collect();
        d
    }

    pub(super) fn matches(t: &Theme, c: &Case, r: &Review) -> bool {
        let any = t.categories.is_empty() && t.themes.is_empty() && t.places.is_empty()
            || t.categories.contains(&r.category)
            || r.themes.iter().any(|x| t.themes.contains(x))
            || t.places.contains(&c.keys[4]);
        any && (t.age_bands.is_empty() || t.age_bands.iter().any(|a| a == c.age()))
            && t.expected.is_none_or(|e| (c.keys[5] == "expected") == e)
    }
}

impl Source for Synthetic {
    async fn annual(&self, year: ReportingYear, areas: &[i64]) -> StoreResult<Data> {
        Ok(self.annual_data(year.0, areas))
    }

    async fn combined(&self, year: ReportingYear, singles: &[&Data], areas: &[i64]) -> StoreResult<Data> {
        Ok(Data::merge(singles, self.annual_data(year.0, areas).agreement))
    }

    async fn theme(&self, t: &Theme, year: ReportingYear, areas: &[i64]) -> StoreResult<thematic::Data> {
        let first = thematic::first_year(t, year).0;
        let mut d = thematic::Data::default();
        let mut per_year: BTreeMap<i32, u64> = (first..=year.0).map(|y| (y, 0)).collect();
        for c in self.of(areas) {
            let Some(r) = c.review.as_ref().filter(|r| (first..=year.0).contains(&r.year)) else { continue };
            if !Synthetic::matches(t, c, r) {
                continue;
            }
            *per_year.entry(r.year).or_default() += 1;
            let k = &c.keys;
            add(
                &mut d.by,
                vec![
                    r.category.clone(),
                    r.modifiable.clone(),
                    k[0].clone(),
                    k[1].clone(),
                    k[3].clone(),
                    k[2].clone(),
                    k[4].clone(),
                ],
            );
            for x in &r.themes {
                add(&mut d.themes, vec![x.clone()]);
            }
        }
        d.per_year = per_year.into_iter().collect();
        d.population = (first..=year.0).map(|y| (y, None)).collect();
        Ok(d)
    }
}

pub(super) fn theme(key: &str, categories: &[&str], themes: &[&str], years: u32) -> Theme {
    Theme {
        categories: categories.iter().map(|c| c.to_string()).collect(),
        themes: themes.iter().map(|c| c.to_string()).collect(),
        years,
        breakdowns: Breakdown::ALL.to_vec(),
        ..Theme::every_review(key, key)
    }
}
