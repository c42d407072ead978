//! Tables of derived figures (medians, shares, kappa): computed from the counts, and in
//! published mode hidden when built on a small number (`reporting.md` §6.1: medians over a few
//! people are suppressed; a share is hidden when its count would be).

use super::{Data, Labels, tally};
use crate::reports::agreement::Agreement;
use crate::reports::stats::{self, quantile};
use crate::reports::table::{Basis, Mode, Shown, ShownTable, Table};
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

pub(super) const HIDDEN: &str = "*";

/// Whether a count is small enough to hide in this mode.
fn small(mode: &Mode, n: u64) -> bool {
    match mode {
        Mode::Internal => false,
        Mode::Published(rule) => n > 0 && (rule.suppress_from..=rule.suppress_to).contains(&n),
    }
}

fn pct(part: u64, whole: u64, decimals: u8) -> String {
    if whole == 0 { "–".into() } else { crate::reports::table::percent_text(part, whole, decimals) }
}

/// Median and quartiles of a histogram; hidden, in published mode, unless the number of values
/// is shown and above the suppressed range (a median over a handful of reviews describes them:
/// sub-national medians over a small number are suppressed, `reporting.md` §6.1).
fn spread(histogram: &[(i64, u64)], n: &Shown, mode: &Mode) -> [String; 3] {
    let enough = match (mode, n) {
        (Mode::Internal, _) => true,
        (Mode::Published(rule), Shown::Count(n)) => *n > rule.suppress_to,
        (Mode::Published(_), Shown::Suppressed) => false,
    };
    if !enough {
        return [HIDDEN.into(), HIDDEN.into(), HIDDEN.into()];
    }
    [0.5, 0.25, 0.75].map(|q| quantile(histogram, q).map(stats::days).unwrap_or_else(|| "–".into()))
}

/// Where the bands of days from the death start: under 6 months (0 to 182 days), 6 to 12 months
/// (183 to 365), 12 to 18 months (366 to 547), 18 to 24 months (548 to 730), 2 years or more.
/// "Within 12 months" is the first two bands: one boundary, day 365 inside it.
pub const BAND_STARTS: [i64; 5] = [0, 183, 366, 548, 731];

/// The bands in words, for the tables' notes.
pub const BAND_NOTE: &str = "Days from the death: under 6 months is 0 to 182 days, 6 to 12 months 183 to 365, 12 to 18 months 366 to 547, 18 to 24 months 548 to 730; within 12 months is up to 365 days.";

/// The intervals of the timeliness table: (interval, its column's dimension name, label).
pub const INTERVALS: [(Interval, &str, &str); 4] = [
    (Interval::ToNotification, "days_to_notification", "Death to notification"),
    (Interval::ToCdrm, "days_to_cdrm", "Death to child death review meeting"),
    (Interval::ToPanel, "days_to_panel", "Death to panel review"),
    (Interval::ToSignOff, "days_to_review", "Death to sign-off of the review"),
];

/// The timeliness counts' columns: (key, label, bands counted).
pub const TIMELINESS_COLUMNS: [(&str, &str, &[&str]); 4] = [
    ("b0", "Under 6 months", &["b0"]),
    ("b1", "6 to 12 months", &["b1"]),
    ("b2", "12 months or more", &["b2", "b3", "b4"]),
    ("all", "Reviews", &["b0", "b1", "b2", "b3", "b4"]),
];

/// A share of shown counts ("*" when any is hidden).
fn shown_share(parts: &[&Shown], whole: &Shown, decimals: u8) -> String {
    let mut sum = 0;
    for p in parts {
        match p {
            Shown::Count(n) => sum += n,
            Shown::Suppressed => return HIDDEN.into(),
        }
    }
    match whole {
        Shown::Count(w) => pct(sum, *w, decimals),
        Shown::Suppressed => HIDDEN.into(),
    }
}

/// Days from the death to each step: the number of reviews, median and quartiles, and the
/// shares within 6 and 12 months — every figure read from the counts as shown (`counts`, the
/// timeliness counts table suppressed with the rest of the report).
pub(super) fn timeliness(
    days: &[(Interval, Vec<(i64, u64)>)],
    counts: Option<&ShownTable>,
    mode: &Mode,
    decimals: u8,
) -> Figures {
    let rows = INTERVALS
        .iter()
        .enumerate()
        .map(|(r, (i, _, label))| {
            let h = days.iter().find(|(j, _)| j == i).map(|(_, h)| h.as_slice()).unwrap_or(&[]);
            let cells: Vec<Shown> =
                counts.and_then(|t| t.rows.get(r)).map(|row| row.cells.clone()).unwrap_or_default();
            let cell = |c: usize| cells.get(c).copied().unwrap_or(Shown::Suppressed);
            let n = cell(3);
            let [median, low, high] = spread(h, &n, mode);
            vec![
                label.to_string(),
                n.text(),
                median,
                low,
                high,
                shown_share(&[&cell(0)], &n, decimals),
                shown_share(&[&cell(0), &cell(1)], &n, decimals),
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
        notes: vec![
            "Quartiles by linear interpolation (as Excel's QUARTILE.INC). Within 6 months is up to 182 days from the death and within 12 months up to 365 days, the same boundaries as the bands of time to sign-off.".into(),
            "Published versions give no median or quartile over a number of reviews they would hide, and work the shares out from the counts as published.".into(),
        ],
    }
}

pub(super) fn return_days(
    return_days: &[crate::store::reports::Count],
    agencies: &[(String, String)],
    returns: Option<&ShownTable>,
    mode: &Mode,
) -> Figures {
    // Each agency type's forms returned, as the agency returns table shows them (its first column).
    let returned: std::collections::BTreeMap<&String, Shown> = agencies
        .iter()
        .enumerate()
        .filter_map(|(r, (code, _))| {
            returns.and_then(|t| t.rows.get(r)).and_then(|row| row.cells.first()).map(|c| (code, *c))
        })
        .collect();
    let rows = agencies
        .iter()
        .map(|(code, label)| {
            let h: Vec<(i64, u64)> = return_days
                .iter()
                .filter(|c| c.keys.first() == Some(code))
                .filter_map(|c| c.keys.get(1).and_then(|d| d.parse().ok()).map(|d| (d, c.n)))
                .collect();
            let n: u64 = h.iter().map(|(_, c)| c).sum();
            // The forms returned are the agency returns table's "returned" cell, as shown there.
            let n_shown = returned.get(code).copied().unwrap_or(Shown::Count(n));
            let n_shown = if small(mode, n) { Shown::Suppressed } else { n_shown };
            let [median, low, high] = spread(&h, &n_shown, mode);
            vec![label.clone(), n_shown.text(), median, low, high]
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

type CompletenessItem = (&'static str, usize, &'static str, Vec<String>, Vec<String>);

/// The completeness items of the notification: (label, key index in `NOTIFIED`, dimension,
/// the codes that are an answer, those that say "not known"); missing is the empty value.
fn notification_items() -> Vec<CompletenessItem> {
    use crate::domain::codes::{Ethnicity, PlaceOfDeath, Sex};
    let codes = |all: Vec<&str>, not: &[&str]| -> Vec<String> {
        all.into_iter().filter(|c| !not.contains(c)).map(String::from).collect()
    };
    let yes_no = || vec!["no".to_string(), "yes".to_string()];
    let nk = || vec!["not_known".to_string()];
    vec![
        (
            "Notification: sex",
            1,
            "sex",
            codes(Sex::ALL.iter().map(|s| s.code()).collect(), &["not_known"]),
            nk(),
        ),
        (
            "Notification: ethnicity",
            2,
            "ethnicity",
            codes(Ethnicity::ALL.iter().map(|e| e.code()).collect(), &["Z", "99"]),
            vec!["99".into(), "Z".into()],
        ),
        (
            "Notification: deprivation decile (from the postcode)",
            3,
            "imd_decile",
            (1..=10).map(|d| d.to_string()).collect(),
            Vec::new(),
        ),
        (
            "Notification: place of death",
            4,
            "place_of_death",
            codes(PlaceOfDeath::ALL.iter().map(|p| p.code()).collect(), &["not_known"]),
            nk(),
        ),
        ("Notification: coroner informed", 8, "coroner_informed", yes_no(), nk()),
        ("Notification: looked after", 9, "looked_after", yes_no(), nk()),
        ("Notification: post-mortem planned", 10, "post_mortem_planned", yes_no(), nk()),
    ]
}

/// Data completeness as counts (answered, not known, missing, expected) for each notification
/// item and each form, every cell named by the codes it counts, so that it is the same figure
/// as the other tables' (the deprivation table's "not known" is this table's missing decile).
/// Suppressed with the report; [`completeness`] shows the shares worked out from it.
pub(super) fn completeness_table(data: &Data, labels: &Labels, year: i32) -> Table {
    let cohort = format!("notified:{year}");
    let set = |v: &[String]| super::tables::set(v.iter().cloned());
    let mut rows = Vec::new();
    let mut counts = Vec::new();
    let mut names = Vec::new();
    for (label, idx, dim, answered, not_known) in notification_items() {
        let mut parts = [0u64; 3];
        for (k, n) in tally(&data.notified, &[idx]) {
            let v = &k[0];
            let slot = if v.is_empty() {
                2
            } else if not_known.contains(v) {
                1
            } else {
                0
            };
            parts[slot] += n;
        }
        rows.push((dim.to_string(), label.to_string()));
        counts.push(vec![parts[0], parts[1], parts[2], parts.iter().sum()]);
        let nk = if not_known.is_empty() { "{}".to_string() } else { set(&not_known) };
        names.push(vec![
            format!("{cohort}|{dim}={}", set(&answered)),
            format!("{cohort}|{dim}={nk}"),
            format!("{cohort}|{dim}="),
            format!("{cohort}|all"),
        ]);
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
        rows.push((code.clone(), format!("{title}: every question, over the forms returned")));
        counts.push(vec![parts[0], parts[1], parts[2], parts.iter().sum()]);
        let item = |answer: &str| format!("formitems:{year}|answer={answer}&form={code}");
        names.push(vec![
            item("answered"),
            item("not_known"),
            item("missing"),
            item("{answered,missing,not_known}"),
        ]);
    }
    Table {
        key: "data-completeness-counts".into(),
        title: "Data completeness: answered, not known and missing".into(),
        basis: Basis::Notified,
        cohort,
        denominator: String::new(),
        row_dimension: "item".into(),
        column_dimension: "answer".into(),
        row_heading: "Item".into(),
        rows,
        columns: ["Answered", "Not known", "Missing", "Answers expected"]
            .iter()
            .enumerate()
            .map(|(i, l)| (i.to_string(), l.to_string()))
            .collect(),
        counts,
        percent: crate::reports::table::Percent::None,
        percent_label: String::new(),
        // Each cell is named by what it counts; the names tie the cells together.
        multi_valued: true,
        notes: Vec::new(),
        shared_rows: Vec::new(),
        names: crate::reports::table::Names { cells: names, ..Default::default() },
        filter_dims: Vec::new(),
        share_label: String::new(),
        subtotals: Vec::new(),
    }
}

/// Answered, not known and missing for each item, as shares of the answers expected, every one
/// worked out from the completeness counts as shown (internal reports give the counts too).
pub(super) fn completeness(counts: Option<&ShownTable>, mode: &Mode, decimals: u8) -> Figures {
    let rows = counts
        .map(|t| {
            t.rows
                .iter()
                .map(|row| {
                    let cell = |c: usize| row.cells.get(c).copied().unwrap_or(Shown::Suppressed);
                    let expected = cell(3);
                    let share = |c: usize| match (mode, cell(c)) {
                        (Mode::Internal, Shown::Count(n)) => {
                            format!("{n} ({})", shown_share(&[&cell(c)], &expected, decimals))
                        }
                        _ => shown_share(&[&cell(c)], &expected, decimals),
                    };
                    vec![row.label.clone(), expected.text(), share(0), share(1), share(2)]
                })
                .collect()
        })
        .unwrap_or_default();
    Figures {
        key: "data-completeness".into(),
        title: "Data completeness: answered, not known and missing".into(),
        basis: Basis::Notified.words(),
        denominator: "Notification items: deaths notified in the year. Form items: every question asked on the forms returned that were requested in the year.".into(),
        headings: ["Item", "Answers expected", "Answered", "Not known", "Missing"].map(String::from).to_vec(),
        rows,
        notes: vec![
            "'Not known' is an answer someone gave; 'missing' means nothing was recorded.".into(),
            "Published versions work the shares out from the counts as published: a share is not shown when its count is not.".into(),
        ],
    }
}

/// The agreement of the members' pre-panel entries. The number of reviews they cover is the
/// first row of the `with` table as shown (reviews with and without an entry, suppressed with
/// the report's other tables): where that count is hidden, so is every figure of the row.
pub(super) fn agreement(agreement: &(Agreement, Agreement), with: Option<&ShownTable>) -> Figures {
    let (category, modifiable) = agreement;
    let reviews = with.and_then(|t| t.rows.first()).map(|r| r.total).unwrap_or(Shown::Suppressed);
    let row = |question: &str, a: &Agreement| match reviews {
        Shown::Suppressed => {
            vec![question.into(), HIDDEN.into(), HIDDEN.into(), HIDDEN.into(), HIDDEN.into()]
        }
        Shown::Count(n) => vec![
            question.into(),
            n.to_string(),
            a.ratings.to_string(),
            a.with_decision.map(|p| format!("{:.0}%", p * 100.0)).unwrap_or_else(|| "–".into()),
            a.kappa.map(|k| format!("{k:.2}")).unwrap_or_else(|| "–".into()),
        ],
    };
    Figures {
        key: "prepanel-agreement".into(),
        title: "Agreement of the members' independent pre-panel categorisation".into(),
        basis: Basis::Reviewed.words(),
        denominator: "Reviews completed in the year with at least one pre-panel entry".into(),
        headings: ["Question", "Reviews", "Entries", "Entries agreeing with the panel", "Fleiss' kappa"].map(String::from).to_vec(),
        rows: vec![row("Category of death", category), row("Modifiable factors", modifiable)],
        notes: vec!["Kappa needs at least two reviews with two or more entries each; '–' means there were not enough.".into()],
    }
}

/// The change from the year before in deaths notified and reviews completed, read from the
/// trend tables as shown: a change built on a hidden figure is hidden too.
pub(super) fn year_on_year(
    notified: Option<&ShownTable>,
    reviewed: Option<&ShownTable>,
    decimals: u8,
) -> Figures {
    let last_two = |t: Option<&ShownTable>| -> Option<(String, Shown, String, Shown)> {
        let rows = &t?.rows;
        let (a, b) = (rows.get(rows.len().checked_sub(2)?)?, rows.last()?);
        Some((a.label.clone(), a.total, b.label.clone(), b.total))
    };
    let mut years = (String::new(), String::new());
    let rows = [("Deaths notified", last_two(notified)), ("Reviews completed", last_two(reviewed))]
        .into_iter()
        .filter_map(|(label, found)| {
            let (before_label, before, now_label, now) = found?;
            years = (before_label, now_label);
            let (change, share, words) = match (before, now) {
                (Shown::Count(b), Shown::Count(n)) => {
                    let diff = n as i64 - b as i64;
                    let signed = if diff > 0 { format!("+{diff}") } else { diff.to_string() };
                    if b == 0 {
                        (signed, "–".to_string(), "no figure the year before to compare with".to_string())
                    } else {
                        let pct = crate::reports::table::percent_text(diff.unsigned_abs(), b, decimals);
                        let words = match diff.cmp(&0) {
                            std::cmp::Ordering::Less => format!("decreased by {pct}"),
                            std::cmp::Ordering::Greater => format!("increased by {pct}"),
                            std::cmp::Ordering::Equal => "unchanged".to_string(),
                        };
                        let share = if diff < 0 { format!("-{pct}") } else { pct };
                        (signed, share, words)
                    }
                }
                _ => (HIDDEN.to_string(), HIDDEN.to_string(), HIDDEN.to_string()),
            };
            Some(vec![label.to_string(), before.text(), now.text(), change, share, words])
        })
        .collect();
    Figures {
        key: "year-on-year".into(),
        title: "Change from the year before".into(),
        basis: "Deaths notified and reviews completed in each reporting year",
        denominator: "The year before's figure".into(),
        headings: vec![
            "Figure".into(),
            years.0.clone(),
            years.1.clone(),
            "Change".into(),
            "Change (%)".into(),
            "In words".into(),
        ],
        rows,
        notes: vec![
            "Read from the trend tables as shown: in the published version a change is not given where either year's figure is hidden. Year-on-year changes in small numbers are often chance.".into(),
        ],
    }
}

#[cfg(test)]
mod boundary_tests {
    use super::*;

    #[test]
    fn day_365_is_within_twelve_months_in_every_table() {
        let days = [(182, 1), (183, 1), (365, 1), (366, 1), (730, 1), (731, 1)];
        assert_eq!(crate::reports::stats::bands(&days, &BAND_STARTS), vec![1, 2, 1, 1, 1]);
        // The timeliness table's shares read the same bands: within 12 months = the first two.
        let counts: Vec<Shown> = [1u64, 2, 3, 6].iter().map(|n| Shown::Count(*n)).collect();
        let t = ShownTable {
            rows: vec![crate::reports::table::ShownRow {
                label: "Death to sign-off of the review".into(),
                cells: counts,
                total: Shown::Count(6),
                percent: Default::default(),
                of_total: Default::default(),
                subtotal: false,
            }],
            ..crate::reports::annual::parts::empty_table(0)
        };
        let f = timeliness(&[(Interval::ToNotification, days.to_vec())], Some(&t), &Mode::Internal, 1);
        assert_eq!(f.rows[0][5..], ["16.7%".to_string(), "50.0%".to_string()], "1 of 6 and 3 of 6");
    }
}
