//! Historical reviews: the CSV a panel moving to this service brings from its previous system,
//! one row per child death (reviewed or still open), so its trends are there from the first day.
//! Pure: text in, checked records or every problem by line and column out. The columns are
//! documented in the README ("Importing historical reviews") and listed in [`COLUMNS`].

use std::collections::HashMap;

use cells::{Row, enum_codes, list, yes_no_not_known};
pub use review::Review;
use review::read_review;

pub use cells::parse_date;

use chrono::NaiveDate;

use crate::domain::analysis::{CATEGORY, DOMAIN, FACTORS, MODIFIABLE, THEMES};
use crate::domain::codes::{Ethnicity, JarCriterion, NhsNumberStatus, PlaceOfDeath, Sex};
use crate::domain::dates::{AgeBand, ReportingYear, completed_years};
use crate::domain::lines::{Problem, problem};
use crate::domain::nhs_number::NhsNumber;
use crate::domain::notification::{ChildIdentity, Coded, DeathDetails, Person, SealedIdentity};
use crate::domain::postcode::Postcode;
use crate::forms::FormVersion;
mod cells;
mod review;

/// Every column the file may have: (name, required, what it holds).
pub const COLUMNS: &[(&str, bool, &str)] = &[
    ("record_id", true, "the record's id in the previous system, unique within the area"),
    (
        "reporting_year",
        true,
        "the reporting year the death was notified in (for a review imported without its notification, the year of the death): 2019 or 2019/20",
    ),
    (
        "notified_on",
        false,
        "date the death was notified; blank only for a completed review imported without its notification, which then counts as a review completed and not as a death notified",
    ),
    ("date_of_death", true, "date of death (identifying: sealed)"),
    ("age_band", true, "0-27d, 28-364d, 1-4y, 5-9y, 10-14y or 15-17y"),
    ("sex", true, "female, male, indeterminate or not_known"),
    ("ethnicity", true, "NHS ethnic category code A to S, Z (not stated) or 99 (not known)"),
    ("imd_decile", false, "deprivation decile 1 (most deprived) to 10; blank when not known"),
    ("place_of_death", false, "place-of-death code (blank: not_known)"),
    ("expected", true, "yes, no or not_known"),
    ("jar_criteria", false, "Joint Agency Response criteria codes separated by ;"),
    ("coroner_informed", false, "yes, no or not_known (blank: not_known)"),
    ("looked_after", false, "yes, no or not_known (blank: not_known)"),
    ("post_mortem_planned", false, "yes, no or not_known (blank: not_known)"),
    ("cdrm_on", false, "date of the child death review meeting"),
    ("panel_on", false, "date of the panel meeting that reviewed the death"),
    ("review_completed_on", false, "date the chair signed the review off; blank while open"),
    ("category", false, "category of death code (with a completed review)"),
    ("modifiable", false, "identified, none_identified or insufficient (with a completed review)"),
    (
        "factor_domains",
        false,
        "domains a, b, c, d with a factor graded 2, separated by ; (with modifiable ‘identified’; blank: the domains are not recorded)",
    ),
    ("themes", false, "theme codes separated by ;"),
    ("nhs_number", false, "NHS number (identifying: sealed, blind-indexed)"),
    ("given_names", false, "identifying: sealed"),
    ("family_name", false, "identifying: sealed"),
    ("date_of_birth", false, "identifying: sealed; checked against the age band"),
    ("postcode", false, "identifying: sealed, blind-indexed"),
];

/// One checked row.
#[derive(Debug, Clone)]
pub struct Record {
    pub line: u64,
    pub record_id: String,
    /// `None` for a review imported without its notification.
    pub notified_on: Option<NaiveDate>,
    /// Whether the previous system recorded if the death was expected (`coded.expected`).
    pub expected_known: bool,
    pub nhs_number: Option<NhsNumber>,
    pub postcode: Option<Postcode>,
    pub identity: SealedIdentity,
    pub coded: Coded,
    pub imd_decile: Option<i32>,
    pub review: Option<Review>,
}

impl Record {
    pub fn date_of_death(&self) -> NaiveDate {
        self.identity.death.date_of_death
    }

    /// Whole days from the death to `on`.
    pub fn days_to(&self, on: NaiveDate) -> i32 {
        i32::try_from((on - self.date_of_death()).num_days()).unwrap_or(i32::MAX)
    }
}

/// The codes the file may use for the review, from the Analysis Form in force (and, for reviews
/// completed before it applied, from the legacy form).
pub struct Vocabulary {
    categories: Vec<String>,
    modifiable: Vec<String>,
    domains: Vec<String>,
    themes: Vec<String>,
    legacy: Option<Legacy>,
}

/// The legacy form reviews completed before `until` are recorded on.
pub struct Legacy {
    pub until: NaiveDate,
    pub version: String,
    vocabulary: Box<Vocabulary>,
}

/// The legacy Form C scores each domain once (`domain_a_score` …); a domain with factors that
/// may have contributed is scored 2 on its scale.
pub fn legacy_score_item(domain: &str) -> String {
    format!("domain_{domain}_score")
}

pub const LEGACY_SCORE_2: &str = "score_2";

impl Vocabulary {
    /// Reviews completed before `current` applied are recorded on `legacy` (when shipped): its
    /// categories and outcomes, its domain scores, and no themes (Form C has none).
    pub fn with_legacy(mut self, current: &FormVersion, legacy: Option<&FormVersion>) -> Vocabulary {
        self.legacy = legacy.map(|l| {
            let mut v = Vocabulary::of(l);
            v.domains = ["a", "b", "c", "d"]
                .iter()
                .filter(|d| l.item(&legacy_score_item(d)).is_some())
                .map(|d| d.to_string())
                .collect();
            Legacy { until: current.applies_from, version: l.version.clone(), vocabulary: Box::new(v) }
        });
        self
    }

    /// The legacy form, when one is shipped.
    pub fn legacy(&self) -> Option<&Legacy> {
        self.legacy.as_ref()
    }

    pub fn of(version: &FormVersion) -> Vocabulary {
        let codes = |key: &str| -> Vec<String> {
            version.item(key).map(|i| i.options.iter().map(|o| o.code.clone()).collect()).unwrap_or_default()
        };
        let domains = version
            .item(FACTORS)
            .and_then(|f| f.fields.iter().find(|x| x.key == DOMAIN))
            .map(|d| d.options.iter().map(|o| o.code.clone()).collect())
            .unwrap_or_default();
        Vocabulary {
            categories: codes(CATEGORY),
            modifiable: codes(MODIFIABLE),
            domains,
            themes: codes(THEMES),
            legacy: None,
        }
    }
}

/// What a file held: the clean records, and every problem (a row with a problem is not in
/// `records`).
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
    /// Lines with at least one problem.
    pub bad_lines: Vec<u64>,
    /// Columns left out because they are not known (with `ignore_unknown`).
    pub ignored: Vec<String>,
}

/// Reads the file. `today` bounds the dates (nothing in the future). A column the file has that
/// is not one of [`COLUMNS`] is a problem, unless `ignore_unknown`: then it is left out, and
/// named in `ignored`.
pub fn parse(text: &str, vocabulary: &Vocabulary, today: NaiveDate, ignore_unknown: bool) -> Parsed {
    let mut out = Parsed::default();
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            out.problems.push(problem(1, "-", format!("the header cannot be read: {e}")));
            return out;
        }
    };
    for h in &headers {
        if !h.is_empty() && !COLUMNS.iter().any(|(c, _, _)| c == h) {
            if ignore_unknown {
                out.ignored.push(h.clone());
            } else {
                out.problems.push(problem(
                    1,
                    h,
                    "is not a known column (the README lists them); to import the file without it, use --ignore-unknown-columns",
                ));
            }
        }
    }
    for (c, required, _) in COLUMNS {
        if *required && !headers.iter().any(|h| h == c) {
            out.problems.push(problem(1, c, "is missing; this column is required"));
        }
    }
    if !out.problems.is_empty() {
        out.bad_lines.push(1);
        return out;
    }
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (n, result) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                out.problems.push(problem(line, "-", format!("the line cannot be read: {e}")));
                out.bad_lines.push(line);
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        let cells = headers.iter().map(String::as_str).zip(record.iter()).collect();
        let mut row = Row { line, cells, problems: Vec::new() };
        let parsed = read_row(&mut row, vocabulary, today);
        if let Some(r) = &parsed {
            if let Some(first) = seen.get(&r.record_id) {
                row.fail("record_id", format!("‘{}’ is also on line {first}", r.record_id));
            } else {
                seen.insert(r.record_id.clone(), line);
            }
        }
        match parsed {
            Some(r) if row.problems.is_empty() => out.records.push(r),
            _ => {
                out.bad_lines.push(line);
                out.problems.append(&mut row.problems);
            }
        }
    }
    out
}

fn read_row(row: &mut Row<'_>, v: &Vocabulary, today: NaiveDate) -> Option<Record> {
    let record_id = row.required("record_id").map(str::to_string);
    let year = match row.required("reporting_year") {
        Some(y) => {
            let parsed = ReportingYear::parse(y);
            if parsed.is_none() {
                row.fail("reporting_year", format!("‘{y}’ is not a reporting year: write 2019 or 2019/20"));
            }
            parsed
        }
        None => None,
    };
    let notified_on = row.date("notified_on", false);
    let death = row.date("date_of_death", true);
    let dob = row.date("date_of_birth", false);
    let band = row.coded("age_band", AgeBand::parse, enum_codes(&AgeBand::ALL, AgeBand::code));
    let sex = row.coded("sex", Sex::parse, enum_codes(Sex::ALL, Sex::code));
    let ethnicity = row.coded("ethnicity", Ethnicity::parse, enum_codes(Ethnicity::ALL, Ethnicity::code));
    let place = if row.get("place_of_death").is_empty() {
        Some(PlaceOfDeath::NotKnown)
    } else {
        row.coded("place_of_death", PlaceOfDeath::parse, enum_codes(PlaceOfDeath::ALL, PlaceOfDeath::code))
    };
    let expected = row.coded("expected", yes_no_not_known, "yes, no, not_known".into());
    let decile = match row.get("imd_decile") {
        "" => None,
        d => match d.parse::<i32>() {
            Ok(n) if (1..=10).contains(&n) => Some(n),
            _ => {
                row.fail("imd_decile", format!("‘{d}’ is not a decile from 1 to 10 (blank when not known)"));
                None
            }
        },
    };
    let mut jar = Vec::new();
    for c in list(row.get("jar_criteria")) {
        match JarCriterion::parse(&c) {
            Some(j) if !jar.contains(&j) => jar.push(j),
            Some(_) => {}
            None => row.fail(
                "jar_criteria",
                format!("‘{c}’ is not one of: {}", enum_codes(JarCriterion::ALL, JarCriterion::code)),
            ),
        }
    }
    let coroner_informed = row.yes_no_unknown("coroner_informed");
    let looked_after = row.yes_no_unknown("looked_after");
    let post_mortem_planned = row.yes_no_unknown("post_mortem_planned");
    let nhs_number = match row.get("nhs_number") {
        "" => None,
        n => match NhsNumber::parse(n) {
            Ok(x) => Some(x),
            Err(e) => {
                row.fail("nhs_number", e.to_string());
                None
            }
        },
    };
    let postcode = match row.get("postcode") {
        "" => None,
        p => match Postcode::parse(p) {
            Ok(x) => Some(x),
            Err(e) => {
                row.fail("postcode", e.to_string());
                None
            }
        },
    };

    // Dates against each other and today.
    for (column, d) in [("notified_on", notified_on), ("date_of_death", death), ("date_of_birth", dob)] {
        if let Some(d) = d
            && d > today
        {
            row.fail(column, format!("{d} is in the future"));
        }
    }
    if let (Some(y), Some(n)) = (year, notified_on)
        && ReportingYear::of(n) != y
    {
        row.fail(
            "reporting_year",
            format!("{y} does not match notified_on {n}, which is in {}", ReportingYear::of(n)),
        );
    }
    if let (Some(d), Some(n)) = (death, notified_on)
        && n < d
    {
        row.fail("notified_on", format!("{n} is before the date of death {d}"));
    }
    let mut age_days = None;
    if let (Some(b), Some(d)) = (dob, death) {
        if b > d {
            row.fail("date_of_birth", format!("{b} is after the date of death {d}"));
        } else if completed_years(b, d) >= 18 {
            row.fail("date_of_birth", "the child was 18 or over at death: not a child death");
        } else {
            let at = AgeBand::at(b, d);
            if let Some(band) = band
                && at != band
            {
                row.fail(
                    "age_band",
                    format!("{} does not match the dates of birth and death ({})", band.code(), at.code()),
                );
            }
            age_days = Some((d - b).num_days());
        }
    }
    let review = read_review(row, v, death, today);
    if row.get("notified_on").is_empty() {
        if row.get("review_completed_on").is_empty() {
            row.fail(
                "notified_on",
                "is empty; give the date the death was notified (it may be blank only for a completed review imported without its notification)",
            );
        } else if let (Some(y), Some(d)) = (year, death)
            && ReportingYear::of(d) != y
        {
            row.fail(
                "reporting_year",
                format!(
                    "{y} is not the year of the death {d} ({}), which a review without its notification is counted in",
                    ReportingYear::of(d)
                ),
            );
        }
    }
    let (
        Some(record_id),
        Some(year),
        Some(death),
        Some(band),
        Some(sex),
        Some(ethnicity),
        Some(place),
        Some(expected),
    ) = (record_id, year, death, band, sex, ethnicity, place, expected)
    else {
        return None;
    };
    if !row.problems.is_empty() {
        return None;
    }
    let coded = Coded {
        sex,
        ethnicity,
        // Without a date of birth, the band's lower bound, marked approximate.
        age_at_death_days: age_days.unwrap_or_else(|| band_floor_days(band)),
        age_band: band,
        place_category: place,
        expected: expected.unwrap_or(false),
        jar_criteria: jar,
        stillbirth: false,
        suspected_home_stillbirth: false,
        coroner_informed,
        looked_after,
        post_mortem_planned,
        nhs_number_status: if nhs_number.is_some() {
            NhsNumberStatus::Known
        } else {
            NhsNumberStatus::NotAvailable
        },
        age_approximate: age_days.is_none(),
        data_quality: Vec::new(),
        reporting_year: year,
    };
    let identity = SealedIdentity {
        child: ChildIdentity {
            given_names: row.get("given_names").to_string(),
            family_name: row.get("family_name").to_string(),
            other_names: String::new(),
            date_of_birth: dob,
            approximate_age: None,
            nhs_number: nhs_number.as_ref().map(|n| n.to_string()).unwrap_or_default(),
            address: String::new(),
            postcode: postcode.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            gp_practice: String::new(),
            parental_responsibility: String::new(),
        },
        death: DeathDetails {
            date_of_death: death,
            time_of_death: String::new(),
            place_detail: String::new(),
            circumstances: String::new(),
        },
        notifier: Person {
            name: String::new(),
            role: String::new(),
            organisation: "Imported from the panel's previous system".into(),
            email: String::new(),
            phone: String::new(),
        },
        professionals: Vec::new(),
    };
    Some(Record {
        line: row.line,
        record_id,
        notified_on,
        expected_known: expected.is_some(),
        nhs_number,
        postcode,
        identity,
        coded,
        imd_decile: decile,
        review,
    })
}

/// The youngest age in days of a band.
fn band_floor_days(band: AgeBand) -> i64 {
    match band {
        AgeBand::Under28Days => 0,
        AgeBand::Days28To364 => 28,
        AgeBand::Years1To4 => 366,
        AgeBand::Years5To9 => 5 * 1461 / 4 + 1,
        AgeBand::Years10To14 => 10 * 1461 / 4 + 1,
        AgeBand::Years15To17 => 15 * 1461 / 4 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary {
            categories: vec!["infection".into(), "malignancy".into()],
            modifiable: vec!["identified".into(), "none_identified".into(), "insufficient".into()],
            domains: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            themes: vec!["safe_sleep".into(), "smoking".into()],
            legacy: None,
        }
    }

    const HEAD: &str = "record_id,reporting_year,notified_on,date_of_death,age_band,sex,ethnicity,imd_decile,expected,review_completed_on,category,modifiable,factor_domains,themes,date_of_birth,nhs_number\n";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    #[test]
    fn a_clean_file_reads_every_row() {
        let text = format!(
            "{HEAD}R1,2019/20,2019-06-03,01/06/2019,1-4y,female,A,3,no,2020-02-01,infection,identified,b;c,smoking,2016-05-01,943 476 5919\nR2,2020,2020-05-01,2020-04-28,0-27d,male,99,,yes,,,,,,,\n"
        );
        let p = parse(&text, &vocabulary(), today(), false);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 2);
        let r = &p.records[0];
        assert_eq!((r.line, r.record_id.as_str(), r.imd_decile), (2, "R1", Some(3)));
        assert_eq!(r.coded.age_at_death_days, 1126);
        assert!(!r.coded.age_approximate);
        let review = r.review.as_ref().unwrap();
        assert_eq!(review.factor_domains, vec!["b", "c"]);
        assert_eq!(r.days_to(review.completed_on), 245);
        assert!(crate::domain::analysis::has_grade_2(&review.answers()));
        let open = &p.records[1];
        assert!(open.review.is_none() && open.coded.age_approximate && open.nhs_number.is_none());
        assert_eq!(AgeBand::from_days(open.coded.age_at_death_days), AgeBand::Under28Days);
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let text = format!(
            "{HEAD}R1,2019/20,2019-06-03,2019-06-01,1-4y,woman,A,11,no,2020-02-01,infection,identified,,,2010-05-01,\nR1,2021,2019-06-03,2019-06-01,1-4y,male,A,,maybe,,,,,smoking,,1234567890\n"
        );
        let p = parse(&text, &vocabulary(), today(), false);
        let got: Vec<(u64, &str)> = p.problems.iter().map(|x| (x.line, x.column.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "sex"),
                (2, "imd_decile"),
                (2, "age_band"),
                (3, "expected"),
                (3, "nhs_number"),
                (3, "reporting_year"),
                (3, "themes"),
            ],
            "{:#?}",
            p.problems
        );
        assert_eq!(p.bad_lines, vec![2, 3]);
        assert!(p.records.is_empty());
        assert!(p.problems[0].reason.contains("‘woman’ is not one of: female, male"));
    }

    #[test]
    fn a_repeated_record_id_and_unknown_columns_are_refused() {
        let text = format!(
            "{HEAD}R1,2019,2019-06-03,2019-06-01,1-4y,female,A,,no,,,,,,,\nR1,2019,2019-06-03,2019-06-01,1-4y,female,A,,no,,,,,,,\n"
        );
        let p = parse(&text, &vocabulary(), today(), false);
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.problems[0].to_string(), "line 3, column record_id: ‘R1’ is also on line 2");
        let p = parse("record_id,colour\n", &vocabulary(), today(), false);
        assert!(p.problems.iter().any(|x| x.column == "colour"));
        assert!(p.problems.iter().any(|x| x.column == "date_of_death" && x.reason.contains("missing")));
    }

    #[test]
    fn history_may_not_know_whether_expected_and_may_lack_the_notification() {
        let text = format!(
            "{HEAD}R1,2019,,2019-06-01,1-4y,female,A,,not known,2020-02-01,infection,none_identified,,,,\n\
             R2,2019,,2019-06-01,1-4y,female,A,,no,,,,,,,\n\
             R3,2018,,2019-06-01,1-4y,female,A,,NOT_KNOWN,2020-02-01,infection,none_identified,,,,\n\
             R4,2019,2019-06-03,2019-06-01,1-4y,female,A,,perhaps,,,,,,,\n"
        );
        let p = parse(&text, &vocabulary(), today(), false);
        assert_eq!(p.records.len(), 1, "{:#?}", p.problems);
        let r = &p.records[0];
        assert_eq!((r.notified_on, r.expected_known, r.coded.expected), (None, false, false));
        let got: Vec<(u64, &str)> = p.problems.iter().map(|x| (x.line, x.column.as_str())).collect();
        assert_eq!(got, vec![(3, "notified_on"), (4, "reporting_year"), (5, "expected")]);
        assert!(p.problems[0].reason.contains("blank only for a completed review"), "{}", p.problems[0]);
        assert!(p.problems[1].reason.contains("year of the death 2019-06-01 (2019/20)"), "{}", p.problems[1]);
        assert!(p.problems[2].reason.contains("yes, no, not_known"), "{}", p.problems[2]);
    }
}
