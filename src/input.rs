//! What people type, before any layer reads it: a date in three boxes, and the characters nobody
//! types. The lowest layer of all: the forms engine and the domain both read typed values
//! through it (so neither needs the other for them).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Whether `s` holds a character nobody types: a control character (NUL, escape, …) other than
/// tab and line breaks. Such characters are refused with a field error on every text field, on
/// both databases alike (PostgreSQL cannot store NUL at all).
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Whether a one-line value (a name, an email address) holds a control character or a line break.
pub fn has_control_single_line(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// The message for a field that holds one.
pub fn control_message(what: &str) -> String {
    format!("{what} must not contain control characters, such as a null character")
}

/// A date as typed: three GOV.UK date-input boxes, or an ISO `YYYY-MM-DD` string from the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateParts {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateParts {
    pub fn from_iso(s: &str) -> DateParts {
        let mut it = s.trim().splitn(3, '-');
        let (year, month, day) = (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next().unwrap_or(""));
        DateParts { day: day.into(), month: month.into(), year: year.into() }
    }

    fn is_empty(&self) -> bool {
        self.day.trim().is_empty() && self.month.trim().is_empty() && self.year.trim().is_empty()
    }

    /// The date typed: `Ok(None)` when all three boxes are empty, a real date, or the message for
    /// the field (`what` names it: "The {what} must include a month").
    pub fn parse(&self, what: &str) -> Result<Option<NaiveDate>, String> {
        if self.is_empty() {
            return Ok(None);
        }
        let missing: Vec<&str> = [("day", &self.day), ("month", &self.month), ("year", &self.year)]
            .iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(format!("The {what} must include a {}", missing.join(" and ")));
        }
        let num = |s: &str| s.trim().parse::<u32>().ok();
        let year = self.year.trim();
        let parsed = match (num(&self.day), num(&self.month), year.parse::<i32>().ok()) {
            (Some(d), Some(m), Some(y)) if year.len() == 4 => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| format!("The {what} must be a real date, like 27 3 2026"))
    }

    pub fn from_date(d: NaiveDate) -> DateParts {
        DateParts { day: d.day().to_string(), month: d.month().to_string(), year: d.year().to_string() }
    }
}
