//! The statutory dataset export's files (pure): per case the coded notification, dates, signed
//! analysis and coded answers, each case named only by a pseudonymous key the caller derives
//! (stable per recipient), and a data dictionary generated from the form definitions. No
//! identifier is ever written here: the full export adds its identities file in the command
//! that opens them (`src/cli/export.rs`), since reports never decrypt.

use chrono::Datelike;

use super::csv;
use crate::forms::Registry;
use crate::forms::definition::{Item, Kind, NOT_APPLICABLE, NOT_KNOWN};
use crate::store::dataset::CaseFacts;

/// The columns of `cases.csv` after the case key, in order, each with what it holds. The
/// anonymised dataset carries no date finer than the month of notification, and that month is its
/// only absolute date: every other step is an interval in days from the death, which nothing
/// anchors to a calendar day (`reporting.md` §6; README, "The statutory dataset export").
pub const CASE_COLUMNS: [(&str, &str); 25] = [
    ("area", "The area (partnership) the case belongs to"),
    (
        "reporting_year",
        "The reporting year the death was notified in, by its first year (2025 = 1 April 2025 to 31 March 2026)",
    ),
    (
        "notified_month",
        "The month of notification (YYYY-MM); the day is not released, so that no released interval can be turned back into a date. Empty for a review imported without its notification (counted as a review, not as a death notified)",
    ),
    (
        "status",
        "Where the case stands: notified, gathering_information, ready_for_review, review_scheduled, reviewed, closed",
    ),
    ("source", "How the notification arrived: form, api, public, import, demo"),
    ("age_band", "Age at death in the national bands: 0-27d, 28-364d, 1-4y, 5-9y, 10-14y, 15-17y"),
    (
        "age_at_death_weeks",
        "Completed weeks of life at death, for deaths under one year (0 = under 7 days); empty from one year (the band is the finest grain released)",
    ),
    ("sex", "female, male, indeterminate, not_known"),
    ("ethnicity", "NHS ethnic category code (A to S), Z not stated, 99 not known"),
    (
        "imd_decile",
        "Index of Multiple Deprivation decile of the home postcode, 1 = most deprived; empty when not known",
    ),
    ("place_category", "Where the death happened (category code)"),
    ("expected", "yes: an expected death; no: unexpected; not_known: imported history did not record it"),
    ("jar", "yes when a Joint Agency Response was triggered"),
    ("jar_criteria", "The Joint Agency Response criteria met (codes, comma-separated)"),
    ("coroner_informed", "yes, no, not_known"),
    ("looked_after", "yes, no, not_known"),
    ("post_mortem_planned", "yes, no, not_known"),
    ("days_to_notification", "Whole days from the death to notification (set at sign-off; empty before)"),
    ("days_to_cdrm", "Whole days from the death to the child death review meeting"),
    ("days_to_panel", "Whole days from the death to the panel meeting"),
    (
        "days_to_review",
        "Whole days from the death to sign-off of the review (the sign-off date itself is not released)",
    ),
    ("analysis_form_version", "The Analysis Form version of the signed analysis"),
    ("category", "Category of death (Analysis Form code)"),
    ("modifiable", "identified, none_identified, insufficient"),
    ("synthetic", "yes for synthetic demonstration cases (never real children)"),
];

/// What the anonymised dataset releases of a case, one value per [`CASE_COLUMNS`] entry: dates
/// reduced to the month of notification, the age to the national band or completed weeks under
/// one year, and the process as intervals from the death. Pure, so the test that tries to rebuild
/// the dates of birth and death reads exactly what is released.
pub fn released(c: &CaseFacts) -> Vec<String> {
    let opt = |v: Option<i32>| v.map(|d| d.to_string()).unwrap_or_default();
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let weeks = c.age_at_death_days.filter(|d| (0..365).contains(d)).map(|d| (d / 7).to_string());
    let notified = c.notified_at.date_naive();
    vec![
        c.area.clone(),
        c.reporting_year.to_string(),
        if c.notification_recorded {
            format!("{:04}-{:02}", notified.year(), notified.month())
        } else {
            String::new()
        },
        c.status.clone(),
        c.source.clone(),
        c.age_band.clone(),
        weeks.unwrap_or_default(),
        c.sex.clone(),
        c.ethnicity.clone(),
        opt(c.imd_decile),
        c.place_category.clone(),
        if c.expected_known { yes_no(c.expected) } else { "not_known".into() },
        yes_no(c.jar),
        c.jar_criteria.clone(),
        c.coroner_informed.clone(),
        c.looked_after.clone(),
        c.post_mortem_planned.clone(),
        opt(c.days_to_notification),
        opt(c.days_to_cdrm),
        opt(c.days_to_panel),
        opt(c.days_to_review),
        c.analysis_form_version.clone().unwrap_or_default(),
        c.category.clone().unwrap_or_default(),
        c.modifiable.clone().unwrap_or_default(),
        yes_no(c.synthetic),
    ]
}

/// The export's files, as (file name, CSV text).
pub struct Files(pub Vec<(String, String)>);

/// The anonymised files: cases, the analyses' and forms' coded answers, and the dictionary. Coded
/// answers to date questions are left out (a date would anchor the intervals).
pub fn anonymised(
    cases: &[CaseFacts],
    analysis: &[(i64, String, i32, String)],
    forms: &[(i64, [String; 7])],
    key: &dyn Fn(i64) -> String,
    registry: &Registry,
) -> Files {
    let header: Vec<&str> = std::iter::once("case_key").chain(CASE_COLUMNS.iter().map(|(c, _)| *c)).collect();
    let mut case_csv = csv::row(&header);
    for c in cases {
        let k = key(c.id);
        let values = released(c);
        let mut cells: Vec<&str> = vec![&k];
        cells.extend(values.iter().map(String::as_str));
        case_csv.push_str(&csv::row(&cells));
    }
    let mut analysis_csv = csv::row(&["case_key", "item_key", "row", "value"]);
    for (id, item, row, value) in analysis {
        if !releasable(registry, "analysis", None, item, value) {
            continue;
        }
        analysis_csv.push_str(&csv::row(&[&key(*id), item, &row.to_string(), value]));
    }
    let mut forms_csv = csv::row(&[
        "case_key",
        "form",
        "form_version",
        "agency_type",
        "request_status",
        "item_key",
        "row",
        "value",
    ]);
    for (id, f) in forms {
        if !releasable(registry, &f[0], Some(&f[1]), &f[4], &f[6]) {
            continue;
        }
        let k = key(*id);
        let mut cells: Vec<&str> = vec![&k];
        cells.extend(f.iter().map(String::as_str));
        forms_csv.push_str(&csv::row(&cells));
    }
    Files(vec![
        ("cases.csv".into(), case_csv),
        ("analysis_answers.csv".into(), analysis_csv),
        ("form_answers.csv".into(), forms_csv),
        ("data_dictionary.csv".into(), dictionary(registry)),
    ])
}

/// Whether a coded answer to `item_key` (`group.field` for a group's field) of `form` (in
/// `version` when given) may be released: never an answer to a date question (it would anchor
/// the intervals), nor a text answer not in its question's format (one stored before the
/// question had a format could hold any text).
fn releasable(registry: &Registry, form: &str, version: Option<&str>, item_key: &str, value: &str) -> bool {
    let (top, field) = item_key.split_once('.').unwrap_or((item_key, ""));
    let mut items = registry
        .forms()
        .filter(|(code, _)| *code == form)
        .flat_map(|(_, versions)| versions.iter())
        .filter(|v| version.is_none_or(|want| v.version == want))
        .filter_map(|v| v.item(top))
        .map(|i| if field.is_empty() { Some(i) } else { i.fields.iter().find(|f| f.key == field) });
    items.all(|item| match item {
        Some(i) if i.kind == Kind::Date => false,
        Some(i) => {
            value == NOT_KNOWN
                || value == NOT_APPLICABLE
                || i.format.is_none_or(|f| f.normalise(value).as_deref() == Some(value))
        }
        None => true,
    })
}

/// Every column of `cases.csv` and every coded item of every form version, with its codes.
pub fn dictionary(registry: &Registry) -> String {
    let mut out = csv::row(&["file", "form", "form_version", "column_or_item", "label", "kind", "codes"]);
    out.push_str(&csv::row(&["cases.csv", "", "", "case_key", "A pseudonymous key for the case, stable for this recipient; it cannot be turned back into the case without the service's key", "text", ""]));
    for (column, description) in CASE_COLUMNS {
        out.push_str(&csv::row(&["cases.csv", "", "", column, description, "", ""]));
    }
    for (code, versions) in registry.forms() {
        let file = if code == "analysis" { "analysis_answers.csv" } else { "form_answers.csv" };
        for v in versions {
            let mut coded: Vec<(String, &Item)> = Vec::new();
            for item in &v.items {
                if item.kind == Kind::Group {
                    for f in item.fields.iter().filter(|f| f.is_coded() && f.kind != Kind::Date) {
                        coded.push((format!("{}.{}", item.key, f.key), f));
                    }
                } else if item.is_coded() && !matches!(item.kind, Kind::Heading | Kind::Date) {
                    coded.push((item.key.clone(), item));
                }
            }
            for (key, item) in coded {
                let codes: Vec<String> =
                    item.options.iter().map(|o| format!("{}={}", o.code, o.label)).collect();
                out.push_str(&csv::row(&[
                    file,
                    code,
                    &v.version,
                    &key,
                    &item.label,
                    item.kind.code(),
                    &codes.join("; "),
                ]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_names_every_case_column_and_coded_item() {
        let registry = crate::forms::Registry::shipped().expect("shipped forms");
        let d = dictionary(&registry);
        assert!(d.contains("analysis_answers.csv,analysis,DHSC-2018,factors.grade,Grade,choice,"));
        assert!(d.contains("analysis_answers.csv,analysis,DHSC-2018,themes,"));
        assert!(!d.contains(",factors.description,"), "identifying items are not in the dataset");
    }

    #[test]
    fn a_coded_text_answer_is_released_only_in_its_format() {
        let registry = crate::forms::Registry::shipped().expect("shipped forms");
        let ok =
            |value: &str| releasable(&registry, "reporting", Some("NCMD-2022-04"), "gravidity_parity", value);
        assert!(ok("G3 P2") && ok("G4 P2+1") && ok(NOT_KNOWN));
        // One typed before the question had a format could hold anything (a name, a place).
        assert!(!ok("Mrs Smith, G3P2") && !ok("G3P2"));
        assert!(releasable(&registry, "analysis", None, "primary_icd10", "R95"));
        assert!(!releasable(&registry, "analysis", None, "primary_icd10", "died at Carlisle"));
    }

    /// The shortest and longest age in days of an age band from one year up.
    fn band_days(band: &str) -> (Option<i64>, Option<i64>) {
        let ages: Vec<i64> =
            (365..6_575).filter(|a| crate::domain::dates::AgeBand::from_days(*a).code() == band).collect();
        (ages.first().copied(), ages.last().copied())
    }

    /// The attacker: every date of death and date of birth consistent with every column released
    /// for one case, given what is public (the reporting-year rule, the Analysis Form versions'
    /// start dates). Returns how many days each could be.
    fn candidates(row: &std::collections::BTreeMap<&str, &str>) -> (usize, usize) {
        use chrono::{Duration, NaiveDate};
        let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
        let month = row["notified_month"];
        let (y, m) = month.split_once('-').expect("YYYY-MM");
        let (y, m): (i32, u32) = (y.parse().expect("year"), m.parse().expect("month"));
        let first = day(y, m, 1);
        let last = if m == 12 { day(y + 1, 1, 1) } else { day(y, m + 1, 1) } - Duration::days(1);
        let int = |k: &str| row[k].parse::<i64>().ok();
        let d = int("days_to_notification").expect("signed off cases carry it");
        let r = int("days_to_review").expect("signed off");
        let mut deaths = Vec::new();
        let mut death = first - Duration::days(d);
        while death <= last - Duration::days(d) {
            let notified = death + Duration::days(d);
            let signed = death + Duration::days(r);
            let year_ok =
                crate::domain::dates::ReportingYear::of(notified).0.to_string() == row["reporting_year"];
            // The Analysis Form in force when the review was signed off.
            let version_ok = match row["analysis_form_version"] {
                "DHSC-2018" => signed >= day(2019, 4, 1),
                "LEGACY-DFE-C" => signed < day(2019, 4, 1),
                _ => true,
            };
            if year_ok && version_ok {
                deaths.push(death);
            }
            death += Duration::days(1);
        }
        let mut births = std::collections::BTreeSet::new();
        let band = band_days(row["age_band"]);
        for death in &deaths {
            match int("age_at_death_weeks") {
                Some(w) => {
                    for extra in 0..7 {
                        let born = *death - Duration::days(7 * w + extra);
                        if crate::domain::dates::AgeBand::from_days((*death - born).num_days()).code()
                            == row["age_band"]
                        {
                            births.insert(born);
                        }
                    }
                }
                None => {
                    // At a year or more only the band is released: its ages in days are one run,
                    // so every day of it (past the first few) is as possible as any other.
                    if let (Some(lo), Some(hi)) = band {
                        for age in (lo..=hi).take(60) {
                            births.insert(*death - Duration::days(age));
                        }
                    }
                }
            }
        }
        (deaths.len(), births.len())
    }

    #[test]
    fn no_released_column_gives_back_the_date_of_birth_or_death() {
        use chrono::{Duration, NaiveDate, TimeZone, Utc};
        use rand::{RngExt, SeedableRng};
        let registry = crate::forms::Registry::shipped().expect("shipped forms");
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        let start = NaiveDate::from_ymd_opt(2019, 6, 1).expect("date");
        let mut cases = Vec::new();
        let mut truth = Vec::new();
        for id in 0..2_000 {
            let death = start + Duration::days(rng.random_range(0..2_400));
            let age: i64 = if rng.random_range(0..2) == 0 {
                rng.random_range(0..365)
            } else {
                rng.random_range(365..6_570)
            };
            let d = rng.random_range(0..40);
            let cdrm = d + rng.random_range(10..120);
            let panel = cdrm + rng.random_range(10..200);
            let review = panel + rng.random_range(0..30);
            let notified = death + Duration::days(i64::from(d));
            let notified_at =
                Utc.from_utc_datetime(&notified.and_hms_opt(rng.random_range(8..18), 0, 0).expect("time"));
            cases.push(CaseFacts {
                id,
                area: "Northshire".into(),
                reporting_year: crate::domain::dates::ReportingYear::of(notified).0,
                notified_at,
                status: "reviewed".into(),
                source: "form".into(),
                age_band: crate::domain::dates::AgeBand::from_days(age).code().into(),
                age_at_death_days: Some(age),
                sex: "female".into(),
                ethnicity: "A".into(),
                place_category: "hospital_picu".into(),
                jar_criteria: String::new(),
                coroner_informed: "yes".into(),
                looked_after: "no".into(),
                post_mortem_planned: "yes".into(),
                review_completed_on: Some(death + Duration::days(i64::from(review))),
                days_to_notification: Some(d),
                days_to_cdrm: Some(cdrm),
                days_to_panel: Some(panel),
                days_to_review: Some(review),
                analysis_form_version: Some("DHSC-2018".into()),
                category: Some("infection".into()),
                modifiable: Some("none_identified".into()),
                expected_known: true,
                notification_recorded: true,
                ..CaseFacts::default()
            });
            truth.push((death, death - Duration::days(age)));
        }
        let files = anonymised(&cases, &[], &[], &|id| format!("k{id}"), &registry).0;
        let text = &files[0].1;
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        let (mut fewest_deaths, mut fewest_births) = (usize::MAX, usize::MAX);
        for (line, (death, birth)) in lines.zip(&truth) {
            let row: std::collections::BTreeMap<&str, &str> =
                header.iter().copied().zip(line.split(',')).collect();
            let (deaths, births) = candidates(&row);
            assert!(deaths >= 28, "the date of death narrowed to {deaths} days: {line}");
            assert!(births >= 28, "the date of birth narrowed to {births} days: {line}");
            fewest_deaths = fewest_deaths.min(deaths);
            fewest_births = fewest_births.min(births);
            for (column, value) in &row {
                for date in [death, birth] {
                    assert!(!value.contains(&date.to_string()), "{column} gives a date away");
                }
            }
        }
        assert!(fewest_deaths >= 28 && fewest_births >= 28, "{fewest_deaths} {fewest_births}");

        // The same attacker on what the export used to release (the notification date and the age
        // in days) gets both dates exactly: the test can fail.
        for (c, (death, birth)) in cases.iter().zip(&truth).take(50) {
            let notified = c.notified_at.date_naive();
            let rebuilt_death = notified - Duration::days(i64::from(c.days_to_notification.unwrap_or(0)));
            assert_eq!(rebuilt_death, *death);
            assert_eq!(rebuilt_death - Duration::days(c.age_at_death_days.unwrap_or(0)), *birth);
        }
    }
}
