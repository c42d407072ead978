//! Reading the cells of one row: required values, dates, codes, yes / no / not known and
//! `;`-separated lists, each problem recorded against its line and column.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::codes::YesNoUnknown;
use crate::domain::lines::{Problem, problem};

pub(super) fn one_of(list: &[String]) -> String {
    list.join(", ")
}

pub(super) fn enum_codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> String {
    all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
}

/// A date as `YYYY-MM-DD` or `DD/MM/YYYY` (how UK spreadsheets save them).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| NaiveDate::parse_from_str(s, "%d/%m/%Y").ok())
}

pub(super) fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Some(true),
        "no" | "n" | "false" => Some(false),
        _ => None,
    }
}

/// Yes, no, or not known (`Some(None)`).
pub(super) fn yes_no_not_known(s: &str) -> Option<Option<bool>> {
    match s.trim().to_ascii_lowercase().replace(' ', "_").as_str() {
        "not_known" | "unknown" => Some(None),
        other => yes_no(other).map(Some),
    }
}

pub(super) fn list(s: &str) -> Vec<String> {
    s.split(';').map(|x| x.trim().to_ascii_lowercase()).filter(|x| !x.is_empty()).collect()
}

/// One row being read: its cells by column name, and the problems found so far.
pub(super) struct Row<'a> {
    pub(super) line: u64,
    pub(super) cells: HashMap<&'a str, &'a str>,
    pub(super) problems: Vec<Problem>,
}

impl<'a> Row<'a> {
    pub(super) fn get(&self, column: &str) -> &'a str {
        self.cells.get(column).copied().unwrap_or("").trim()
    }

    pub(super) fn fail(&mut self, column: &str, reason: impl Into<String>) {
        self.problems.push(problem(self.line, column, reason));
    }

    pub(super) fn required(&mut self, column: &str) -> Option<&'a str> {
        let v = self.get(column);
        if v.is_empty() {
            self.fail(column, "is empty; this column is required");
            return None;
        }
        Some(v)
    }

    pub(super) fn date(&mut self, column: &str, required: bool) -> Option<NaiveDate> {
        let v = self.get(column);
        if v.is_empty() {
            if required {
                self.fail(column, "is empty; give a date such as 2021-05-14 or 14/05/2021");
            }
            return None;
        }
        let d = parse_date(v);
        if d.is_none() {
            self.fail(column, format!("‘{v}’ is not a date: write it as 2021-05-14 or 14/05/2021"));
        }
        d
    }

    pub(super) fn coded<T>(
        &mut self,
        column: &str,
        parse: fn(&str) -> Option<T>,
        codes: String,
    ) -> Option<T> {
        let v = self.get(column);
        let parsed = parse(v);
        if parsed.is_none() {
            if v.is_empty() {
                self.fail(column, format!("is empty; this column is required (one of: {codes})"));
            } else {
                self.fail(column, format!("‘{v}’ is not one of: {codes}"));
            }
        }
        parsed
    }

    pub(super) fn yes_no_unknown(&mut self, column: &str) -> YesNoUnknown {
        let v = self.get(column);
        if v.is_empty() {
            return YesNoUnknown::NotKnown;
        }
        match YesNoUnknown::parse(v)
            .or_else(|| yes_no(v).map(|b| if b { YesNoUnknown::Yes } else { YesNoUnknown::No }))
        {
            Some(x) => x,
            None => {
                self.fail(column, format!("‘{v}’ is not yes, no or not_known"));
                YesNoUnknown::NotKnown
            }
        }
    }

    pub(super) fn codes_from(&mut self, column: &str, allowed: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for c in list(self.get(column)) {
            if !allowed.contains(&c) {
                self.fail(column, format!("‘{c}’ is not one of: {}", one_of(allowed)));
            } else if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}
