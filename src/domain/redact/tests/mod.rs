//! Tests of the redactor: the earlier behaviour (`legacy_*`), patterns, names in free text, and
//! the property and leak tests over random identity records.

use chrono::{Datelike, NaiveDate};

use super::*;

mod corpus;
mod legacy_names;
mod legacy_rest;
mod names;
mod patterns;
mod property;
mod robust;

pub(super) fn id(known: Known, label: &str) -> Identifier {
    Identifier { known, label: label.to_string() }
}

pub(super) fn name(value: &str, label: &str) -> Identifier {
    id(Known::Name(value.to_string()), label)
}

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

pub(super) fn child() -> Vec<Identifier> {
    vec![name("Jack Oliver Smith", "child")]
}

pub(super) fn red(text: &str, ids: &[Identifier]) -> String {
    redact(text, ids).text
}

/// Asserts that each input redacts to `expected`, naming the input on failure.
pub(super) fn each_redacts_to(inputs: &[&str], ids: &[Identifier], expected: &str) {
    for input in inputs {
        assert_eq!(red(input, ids), expected, "input: {input:?}");
    }
}

/// Asserts that each input is left exactly as it is.
pub(super) fn each_untouched(inputs: &[&str], ids: &[Identifier]) {
    for input in inputs {
        let r = redact(input, ids);
        assert_eq!(r.text, *input, "input: {input:?}");
        assert_eq!(r.total(), 0, "input: {input:?}");
    }
}
