//! Tables of derived figures (medians, shares, kappa): computed from the counts, and in
//! published mode hidden when built on a small number (`reporting.md` §6.1: medians over a few
//! people are suppressed; a share is hidden when its count would be).

use super::{Data, Labels, tally};
use crate::reports::agreement::Agreement;
use crate::reports::rates::{self, Rate, RateRule};
use crate::reports::stats::{self, quantile, within};
use crate::reports::table::{Basis, Mode, Shown, ShownTable};
use crate::store::reports::Interval;

/// A table of figures as text, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub key: String,
    pub title: String,
    pub basis: &'static str,
    pub denominator: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl Figures {
    pub fn flat(&self) -> crate::reports::table::Flat {
        crate::reports::table::Flat {
            key: self.key.clone(),
            title: self.title.clone(),
            basis: self.basis.to_string(),
            denominator: self.denominator.clone(),
            headings: self.headings.clone(),
            rows: self.rows.clone(),
            total: None,
            notes: self.notes.clone(),
        }
    }
}

const HIDDEN: &str = "*";

/// Whether a count is small enough to hide in this mode.
fn small(mode: &Mode, n: u64) -> bool {
    match mode {
        Mode::Internal => false,
        Mode::Published(rule) => n > 0 && (rule.suppress_from..=rule.suppress_to).contains(&n),
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 { "–".into() } else { format!("{:.1}%", part as f64 * 100.0 / whole as f64) }
}

/// Median and quartiles of a histogram, hidden over a small number.
fn spread(histogram: &[(i64, u64)], mode: &Mode) -> [String; 3] {
    let n: u64 = histogram.iter().map(|(_, c)| c).sum();
    if small(mode, n) {
        return [HIDDEN.into(), HIDDEN.into(), HIDDEN.into()];
    }
    [0.5, 0.25, 0.75].map(|q| quantile(histogram, q).map(stats::days).unwrap_or_else(|| "–".into()))
}

/// The share of values within `limit` days, hidden when either part is small.
fn share_within(histogram: &[(i64, u64)], limit: i64, mode: &Mode) -> String {
    let (inside, n) = within(histogram, limit);
    if small(mode, inside) || small(mode, n - inside) { HIDDEN.into() } else { pct(inside, n) }
}

pub(super) fn timeliness(data: &Data, mode: &Mode) -> Figures {
    let rows = Interval::ALL
        .iter()
        .map(|i| {
            let h = data.days.iter().find(|(j, _)| j == i).map(|(_, h)| h.as_slice()).unwrap_or(&[]);
            let n: u64 = h.iter().map(|(_, c)| c).sum();
            let [median, low, high] = spread(h, mode);
            let label = match i {
                Interval::ToNotification => "Death to notification",
                Interval::ToCdrm => "Death to child death review meeting",
                Interval::ToPanel => "Death to panel review",
                Interval::ToSignOff => "Death to sign-off of the review",
            };
            let n_text = if small(mode, n) { HIDDEN.into() } else { n.to_string() };
            vec![
                label.into(),
                n_text,
                median,
                low,
                high,
                share_within(h, 182, mode),
                share_within(h, 365, mode),
            ]
        })
        .collect();
    Figures {
        key: "timeliness".into(),
        title: "Days from the death to each step of the review".into(),
        basis: Basis::Reviewed.words(),
        denominator: "Reviews completed in the year that went through the step (a case reviewed without a CDRM has no CDRM interval)".into(),
        headings: ["Interval", "Reviews", "Median days", "Lower quartile", "Upper quartile", "Within 6 months", "Within 12 months"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: vec!["Quartiles by linear interpolation (as Excel's QUARTILE.INC). Six months is counted as 182 days and twelve as 365.".into()],
    }
}

pub(super) fn return_days(data: &Data, agencies: &[(String, String)], mode: &Mode) -> Figures {
    let rows = agencies
        .iter()
        .map(|(code, label)| {
            let h: Vec<(i64, u64)> = data
                .return_days
                .iter()
                .filter(|c| c.keys.first() == Some(code))
                .filter_map(|c| c.keys.get(1).and_then(|d| d.parse().ok()).map(|d| (d, c.n)))
                .collect();
            let n: u64 = h.iter().map(|(_, c)| c).sum();
            let [median, low, high] = spread(&h, mode);
            let n_text = if small(mode, n) { HIDDEN.into() } else { n.to_string() };
            vec![label.clone(), n_text, median, low, high]
        })
        .collect();
    Figures {
        key: "agency-return-days".into(),
        title: "Days from request to return of agency forms, by agency type".into(),
        basis: "Forms requested in the year and returned",
        denominator: "Forms returned, of those requested in the year".into(),
        headings: ["Agency type", "Forms returned", "Median days", "Lower quartile", "Upper quartile"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: Vec::new(),
    }
}

/// Answered / not known / missing as shares, hiding a share whose count is small and, when only
/// one of the three would be hidden, the smallest other non-zero one too (the three add up).
fn three_shares(parts: [u64; 3], mode: &Mode) -> [String; 3] {
    let total: u64 = parts.iter().sum();
    let mut hide = parts.map(|n| small(mode, n));
    if hide.iter().filter(|h| **h).count() == 1
        && let Some(i) = (0..3).filter(|i| !hide[*i] && parts[*i] > 0).min_by_key(|i| parts[*i])
    {
        hide[i] = true;
    }
    let show = |i: usize| {
        if hide[i] {
            HIDDEN.to_string()
        } else if matches!(mode, Mode::Internal) {
            format!("{} ({})", parts[i], pct(parts[i], total))
        } else {
            pct(parts[i], total)
        }
    };
    [show(0), show(1), show(2)]
}

pub(super) fn completeness(data: &Data, labels: &Labels, notified_total: u64, mode: &Mode) -> Figures {
    // Keys of the notified cohort: see `NOTIFIED`.
    let item = |idx: usize, not_known: &[&str], missing: &[&str]| -> [u64; 3] {
        let mut parts = [0u64; 3];
        for (k, n) in tally(&data.notified, &[idx]) {
            let v = k[0].as_str();
            let slot = if missing.contains(&v) {
                2
            } else if not_known.contains(&v) {
                1
            } else {
                0
            };
            parts[slot] += n;
        }
        parts
    };
    let mut rows = Vec::new();
    let mut push = |label: String, total: u64, parts: [u64; 3]| {
        let [a, nk, m] = three_shares(parts, mode);
        rows.push(vec![label, if small(mode, total) { HIDDEN.into() } else { total.to_string() }, a, nk, m]);
    };
    for (label, idx, nk, missing) in [
        ("Notification: sex", 1, &["not_known"][..], &[""][..]),
        ("Notification: ethnicity", 2, &["Z", "99"][..], &[""][..]),
        ("Notification: deprivation decile (from the postcode)", 3, &[][..], &[""][..]),
        ("Notification: place of death", 4, &["not_known"][..], &[""][..]),
        ("Notification: coroner informed", 8, &["not_known"][..], &[""][..]),
        ("Notification: looked after", 9, &["not_known"][..], &[""][..]),
        ("Notification: post-mortem planned", 10, &["not_known"][..], &[""][..]),
    ] {
        push(label.into(), notified_total, item(idx, nk, missing));
    }
    let forms = tally(&data.form_completeness, &[0, 1]);
    let mut codes: Vec<&String> = forms.keys().map(|k| &k[0]).collect();
    codes.dedup();
    for code in codes {
        let get = |s: &str| forms.get(&vec![code.clone(), s.to_string()]).copied().unwrap_or(0);
        let parts = [get("answered"), get("not_known"), get("missing")];
        if parts.iter().sum::<u64>() == 0 {
            continue;
        }
        let title = labels
            .forms
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| code.clone());
        push(format!("{title}: every question, over the forms returned"), parts.iter().sum(), parts);
    }
    Figures {
        key: "data-completeness".into(),
        title: "Data completeness: answered, not known and missing".into(),
        basis: Basis::Notified.words(),
        denominator: "Notification items: deaths notified in the year. Form items: every question asked on the forms returned that were requested in the year.".into(),
        headings: ["Item", "Answers expected", "Answered", "Not known", "Missing"].map(String::from).to_vec(),
        rows,
        notes: vec!["'Not known' is an answer someone gave; 'missing' means nothing was recorded.".into()],
    }
}

pub(super) fn agreement(data: &Data, mode: &Mode) -> Option<Figures> {
    let (category, modifiable) = data.agreement.as_ref()?;
    let row = |question: &str, a: &Agreement| {
        if small(mode, a.cases as u64) {
            return vec![question.into(), HIDDEN.into(), HIDDEN.into(), HIDDEN.into(), HIDDEN.into()];
        }
        vec![
            question.into(),
            a.cases.to_string(),
            a.ratings.to_string(),
            a.with_decision.map(|p| format!("{:.0}%", p * 100.0)).unwrap_or_else(|| "–".into()),
            a.kappa.map(|k| format!("{k:.2}")).unwrap_or_else(|| "–".into()),
        ]
    };
    Some(Figures {
        key: "prepanel-agreement".into(),
        title: "Agreement of the members' independent pre-panel categorisation".into(),
        basis: Basis::Reviewed.words(),
        denominator: "Reviews completed in the year with at least one pre-panel entry".into(),
        headings: ["Question", "Reviews", "Entries", "Entries agreeing with the panel", "Fleiss' kappa"].map(String::from).to_vec(),
        rows: vec![row("Category of death", category), row("Modifiable factors", modifiable)],
        notes: vec!["Kappa needs at least two reviews with two or more entries each; '–' means there were not enough.".into()],
    })
}

/// Children by sex and single year of age at one mid-year: `(mid-year, [(sex, age, children)])`.
pub type Population = (i32, Vec<(String, i32, u64)>);

/// Deaths per 100,000 children a year, overall, by age band and by sex, with Byar 95%
/// intervals. The deaths are the figures the count tables show (a rate is never given for a
/// hidden count, so it cannot give the count away); no rate under `rule.min_events` deaths.
pub(super) fn rates(age: &ShownTable, sex: &ShownTable, population: &Population, rule: &RateRule) -> Figures {
    let (mid_year, children) = population;
    let pop = |f: &dyn Fn(&str, i32) -> bool| -> u64 {
        children.iter().filter(|(s, a, _)| f(s, *a)).map(|(_, _, n)| n).sum()
    };
    let shown = |cells: &[&Shown]| -> Option<u64> {
        let mut n = 0;
        for c in cells {
            match c {
                Shown::Count(v) => n += v,
                Shown::Suppressed => return None,
            }
        }
        Some(n)
    };
    let age_row = |i: usize| age.rows.get(i).map(|r| &r.total);
    let sex_row = |i: usize| sex.rows.get(i).map(|r| &r.total);
    let mut groups: Vec<(String, Option<u64>, u64)> =
        vec![("All children (0 to 17 years)".into(), shown(&[&age.total]), pop(&|_, _| true))];
    let infant = match (age_row(0), age_row(1)) {
        (Some(a), Some(b)) => shown(&[a, b]),
        _ => None,
    };
    groups.push(("Under 1 year".into(), infant, pop(&|_, a| a == 0)));
    for (i, (label, from, to)) in [
        (2, ("1 to 4 years", 1, 4)),
        (3, ("5 to 9 years", 5, 9)),
        (4, ("10 to 14 years", 10, 14)),
        (5, ("15 to 17 years", 15, 17)),
    ]
    .iter()
    .map(|(i, g)| (*i, *g))
    {
        groups.push((
            label.into(),
            age_row(i).and_then(|c| shown(&[c])),
            pop(&|_, a| (from..=to).contains(&a)),
        ));
    }
    groups.push(("Female".into(), sex_row(0).and_then(|c| shown(&[c])), pop(&|s, _| s == "female")));
    groups.push(("Male".into(), sex_row(1).and_then(|c| shown(&[c])), pop(&|s, _| s == "male")));
    let rows = groups
        .into_iter()
        .map(|(label, deaths, children)| rate_row(label, deaths, children, 100_000, 1, rule))
        .collect();
    Figures {
        key: "notified-rates".into(),
        title: "Deaths notified per 100,000 children".into(),
        basis: Basis::Notified.words(),
        denominator: format!("Children living in the areas, ONS mid-{mid_year} population estimates (0 to 17 years; under 1 year is age 0)"),
        headings: ["Group", "Deaths", "Children", "Rate per 100,000", "95% confidence interval", "Note"].map(String::from).to_vec(),
        rows,
        notes: vec![
            "Crude rates: deaths notified in the year divided by the children in the mid-year estimate. Confidence intervals by Byar's approximation to the exact Poisson interval.".into(),
        ],
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
        headings: ["Decile", "Deaths", "Children", "Rate per 100,000", "95% confidence interval", "Note"].map(String::from).to_vec(),
        rows,
        notes: vec!["Deciles of the English Index of Multiple Deprivation as published (1 = most deprived). Rate ratio with its interval on the log scale.".into()],
    }
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
