//! Ages, age bands and reporting years.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The six national age bands used in child death statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBand {
    Under28Days,
    Days28To364,
    Years1To4,
    Years5To9,
    Years10To14,
    Years15To17,
}

impl AgeBand {
    pub const ALL: [AgeBand; 6] = [
        AgeBand::Under28Days,
        AgeBand::Days28To364,
        AgeBand::Years1To4,
        AgeBand::Years5To9,
        AgeBand::Years10To14,
        AgeBand::Years15To17,
    ];

    /// The band for a child born on `dob` who died on `dod` (`dob <= dod`, under 18).
    pub fn at(dob: NaiveDate, dod: NaiveDate) -> AgeBand {
        let days = (dod - dob).num_days();
        if days < 28 {
            return AgeBand::Under28Days;
        }
        match completed_years(dob, dod) {
            0 => AgeBand::Days28To364,
            1..=4 => AgeBand::Years1To4,
            5..=9 => AgeBand::Years5To9,
            10..=14 => AgeBand::Years10To14,
            _ => AgeBand::Years15To17,
        }
    }

    /// The band for an age at death given in days (an approximate age when the date of birth
    /// is not known; a year counts as 365.25 days).
    pub fn from_days(days: i64) -> AgeBand {
        if days < 28 {
            return AgeBand::Under28Days;
        }
        match days * 4 / 1461 {
            0 => AgeBand::Days28To364,
            1..=4 => AgeBand::Years1To4,
            5..=9 => AgeBand::Years5To9,
            10..=14 => AgeBand::Years10To14,
            _ => AgeBand::Years15To17,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AgeBand::Under28Days => "0-27d",
            AgeBand::Days28To364 => "28-364d",
            AgeBand::Years1To4 => "1-4y",
            AgeBand::Years5To9 => "5-9y",
            AgeBand::Years10To14 => "10-14y",
            AgeBand::Years15To17 => "15-17y",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::Under28Days => "Under 28 days",
            AgeBand::Days28To364 => "28 to 364 days",
            AgeBand::Years1To4 => "1 to 4 years",
            AgeBand::Years5To9 => "5 to 9 years",
            AgeBand::Years10To14 => "10 to 14 years",
            AgeBand::Years15To17 => "15 to 17 years",
        }
    }

    pub fn parse(code: &str) -> Option<AgeBand> {
        AgeBand::ALL.into_iter().find(|b| b.code() == code)
    }
}

/// Whole years between two dates (birthdays on 29 February count from 1 March in other years).
pub fn completed_years(dob: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    years
}

/// A date as people write it: `31 March 2026`.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A reporting year runs 1 April to 31 March; it is named by the year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportingYear(pub i32);

impl ReportingYear {
    pub fn of(date: NaiveDate) -> ReportingYear {
        if date.month() >= 4 { ReportingYear(date.year()) } else { ReportingYear(date.year() - 1) }
    }

    /// 1 April of the year.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 4, 1).unwrap_or(NaiveDate::MIN)
    }

    /// 31 March of the next year.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 3, 31).unwrap_or(NaiveDate::MAX)
    }

    /// Parses `2026` or `2026/27`.
    /// `2025`, `2025/26`, `2025-26` or `2025/2026`; `None` for anything else (a second year that
    /// does not follow the first, as in `2019/21`, is refused rather than read as 2019/20).
    pub fn parse(s: &str) -> Option<ReportingYear> {
        let s = s.trim();
        let (first, second) = match s.split_once(['/', '-']) {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        if first.len() != 4 {
            return None;
        }
        let start = first.parse::<i32>().ok()?;
        let follows = match second {
            None => true,
            Some(b) if b.len() == 2 => b.parse::<i32>().ok() == Some((start + 1) % 100),
            Some(b) if b.len() == 4 => b.parse::<i32>().ok() == Some(start + 1),
            Some(_) => false,
        };
        (follows && (1990..=2200).contains(&start)).then_some(ReportingYear(start))
    }
}

impl fmt::Display for ReportingYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reporting_years_parse_strictly() {
        for ok in ["2025", "2025/26", "2025-26", "2025/2026", " 2099/00 "] {
            assert!(ReportingYear::parse(ok).is_some(), "{ok}");
        }
        assert_eq!(ReportingYear::parse("2019/20"), Some(ReportingYear(2019)));
        for bad in ["2019/21", "2019/2021", "19/20", "2019/", "abc", "1989", "2019/2a"] {
            assert_eq!(ReportingYear::parse(bad), None, "{bad}");
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn age_bands_follow_the_national_boundaries() {
        assert_eq!(AgeBand::at(d(2026, 1, 1), d(2026, 1, 1)), AgeBand::Under28Days);
        assert_eq!(AgeBand::at(d(2026, 1, 1), d(2026, 1, 28)), AgeBand::Under28Days);
        assert_eq!(AgeBand::at(d(2026, 1, 1), d(2026, 1, 29)), AgeBand::Days28To364);
        assert_eq!(AgeBand::at(d(2025, 1, 2), d(2026, 1, 1)), AgeBand::Days28To364);
        assert_eq!(AgeBand::at(d(2025, 1, 1), d(2026, 1, 1)), AgeBand::Years1To4);
        assert_eq!(AgeBand::at(d(2021, 1, 1), d(2026, 1, 1)), AgeBand::Years5To9);
        assert_eq!(AgeBand::at(d(2016, 1, 1), d(2026, 1, 1)), AgeBand::Years10To14);
        assert_eq!(AgeBand::at(d(2008, 6, 1), d(2026, 5, 31)), AgeBand::Years15To17);
        assert_eq!(completed_years(d(2008, 6, 1), d(2026, 6, 1)), 18);
        assert_eq!(completed_years(d(2008, 2, 29), d(2026, 2, 28)), 17);
    }

    #[test]
    fn reporting_years_start_in_april() {
        assert_eq!(ReportingYear::of(d(2026, 3, 31)), ReportingYear(2025));
        assert_eq!(ReportingYear::of(d(2026, 4, 1)), ReportingYear(2026));
        assert_eq!(ReportingYear(2026).to_string(), "2026/27");
        assert_eq!(ReportingYear(2099).to_string(), "2099/00");
        assert_eq!(ReportingYear::parse("2026/27"), Some(ReportingYear(2026)));
    }
}
