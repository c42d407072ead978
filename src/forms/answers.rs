//! Answers to a form: read from the fields a page posted (or the API's JSON), checked against the
//! item definitions, split into coded rows and the identifying part, and counted for completeness.
//!
//! Field names: an item's answer is posted as its key (`resuscitation`; repeated for multiple
//! choices); a date as `key-day`, `key-month`, `key-year`; "Not known" / "Not applicable" for
//! dates, numbers and text as `key-status`; a group row's field as `key.ROW.field`, with the row
//! count in `key-rows`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::definition::{FormVersion, Item, Kind, NOT_APPLICABLE, NOT_KNOWN, TextFormat};

mod posted;

pub use posted::{posted_rows, raw_from_json, read_group, read_item, read_items, to_raw};

/// One answer. "Not known" and "not applicable" are `Code(not_known)` / `Code(not_applicable)`
/// whatever the item's kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Code(String),
    Codes(Vec<String>),
    Date(NaiveDate),
    /// The number as typed, normalised (`12.5`).
    Number(String),
    Text(String),
    Rows(Vec<BTreeMap<String, Answer>>),
}

impl Answer {
    pub fn is_not_known(&self) -> bool {
        matches!(self, Answer::Code(c) if c == NOT_KNOWN)
    }

    pub fn is_not_applicable(&self) -> bool {
        matches!(self, Answer::Code(c) if c == NOT_APPLICABLE)
    }

    /// The answer codes a condition compares with.
    fn codes(&self) -> Vec<&str> {
        match self {
            Answer::Code(c) | Answer::Number(c) | Answer::Text(c) => vec![c.as_str()],
            Answer::Codes(cs) => cs.iter().map(String::as_str).collect(),
            Answer::Date(_) | Answer::Rows(_) => Vec::new(),
        }
    }
}

/// Answers by item key.
pub type Answers = BTreeMap<String, Answer>;

/// Posted fields, in order.
pub type Raw = Vec<(String, String)>;

/// A problem with one field: the field's name (as posted) and the message shown next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The name a field of `item` is posted under, inside a group row when `row` is given.
pub fn field_name(item: &Item, group: Option<(&str, usize)>) -> String {
    match group {
        Some((g, row)) => format!("{g}.{row}.{}", item.key),
        None => item.key.clone(),
    }
}

/// The identifying free-text answers (short text and narrative, in repeating groups too), each
/// with the field name the page posts it under (`factors.0.description`): what the identifier
/// check reads before a record that anonymised readers open is sealed.
pub fn identifying_texts(version: &FormVersion, answers: &Answers) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let is_text = |i: &Item| matches!(i.kind, Kind::Text | Kind::Narrative) && !i.is_coded();
    for item in &version.items {
        match (item.kind, answers.get(&item.key)) {
            (Kind::Group, Some(Answer::Rows(rows))) => {
                for (n, row) in rows.iter().enumerate() {
                    for f in item.fields.iter().filter(|f| is_text(f)) {
                        if let Some(Answer::Text(t)) = row.get(&f.key) {
                            out.push((field_name(f, Some((&item.key, n))), t.clone()));
                        }
                    }
                }
            }
            (_, Some(Answer::Text(t))) if is_text(item) => out.push((item.key.clone(), t.clone())),
            _ => {}
        }
    }
    out
}

/// Whether `item` is asked, given the other answers (its condition, if any, holds).
pub fn visible(item: &Item, answers: &Answers) -> bool {
    match &item.show_if {
        None => true,
        Some(c) => {
            answers.get(&c.item).is_some_and(|a| a.codes().iter().any(|v| c.any_of.iter().any(|w| w == v)))
        }
    }
}

/// Drops the answers of items whose condition no longer holds (in form order, so a chain of
/// conditions collapses), and of keys the version does not have.
pub fn prune(version: &FormVersion, answers: &mut Answers) {
    answers.retain(|k, _| version.item(k).is_some());
    for item in &version.items {
        if !visible(item, answers) {
            answers.remove(&item.key);
        }
    }
}

/// Required items (shown by their conditions) with no answer.
pub fn missing_required<'a>(version: &'a FormVersion, answers: &Answers) -> Vec<&'a Item> {
    version
        .items
        .iter()
        .filter(|i| i.required && i.is_question() && visible(i, answers) && !answers.contains_key(&i.key))
        .collect()
}

/// A coded answer as stored: one row per value (a multiple choice gives one row per option, a
/// group's coded field `group.field` one row per group row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedValue {
    pub item_key: String,
    pub row: i32,
    pub value: String,
}

fn coded_values(key: &str, row: i32, a: &Answer, out: &mut Vec<CodedValue>) {
    let mut push = |v: String| out.push(CodedValue { item_key: key.to_string(), row, value: v });
    match a {
        Answer::Code(c) | Answer::Number(c) | Answer::Text(c) => push(c.clone()),
        Answer::Codes(cs) => cs.iter().for_each(|c| push(c.clone())),
        Answer::Date(d) => push(d.format("%Y-%m-%d").to_string()),
        Answer::Rows(_) => {}
    }
}

/// Splits answers into coded rows (kept in clear) and the identifying answers (sealed together).
pub fn split(version: &FormVersion, answers: &Answers) -> (Vec<CodedValue>, Answers) {
    let mut coded = Vec::new();
    let mut identifying = Answers::new();
    for (key, answer) in answers {
        let Some(item) = version.item(key) else { continue };
        match answer {
            Answer::Rows(rows) => {
                let mut sealed_rows = Vec::new();
                for (n, row) in rows.iter().enumerate() {
                    let mut sealed = BTreeMap::new();
                    for (fk, fa) in row {
                        match item.fields.iter().find(|f| &f.key == fk) {
                            Some(f) if f.is_coded() => {
                                coded_values(&format!("{key}.{fk}"), n as i32, fa, &mut coded)
                            }
                            Some(_) => {
                                sealed.insert(fk.clone(), fa.clone());
                            }
                            None => {}
                        }
                    }
                    sealed_rows.push(sealed);
                }
                // The sealed part keeps every row (even one with only coded fields) so the row
                // numbers of the coded part line up when the two are joined.
                identifying.insert(key.clone(), Answer::Rows(sealed_rows));
            }
            a if item.is_coded() => coded_values(key, 0, a, &mut coded),
            a => {
                identifying.insert(key.clone(), a.clone());
            }
        }
    }
    (coded, identifying)
}

fn answer_from_values(item: &Item, values: &[&str]) -> Option<Answer> {
    let first = *values.first()?;
    if first == NOT_KNOWN || first == NOT_APPLICABLE {
        return Some(Answer::Code(first.to_string()));
    }
    Some(match item.kind {
        Kind::MultiChoice => Answer::Codes(values.iter().map(|v| v.to_string()).collect()),
        Kind::Date => Answer::Date(NaiveDate::parse_from_str(first, "%Y-%m-%d").ok()?),
        Kind::Number => Answer::Number(first.to_string()),
        Kind::Text | Kind::Narrative => Answer::Text(first.to_string()),
        _ => Answer::Code(first.to_string()),
    })
}

/// Puts the coded rows and the opened identifying answers back together.
pub fn join(version: &FormVersion, coded: &[CodedValue], identifying: Answers) -> Answers {
    let mut answers = identifying;
    for item in &version.items {
        if item.kind == Kind::Group {
            let mut rows = match answers.remove(&item.key) {
                Some(Answer::Rows(r)) => r,
                _ => Vec::new(),
            };
            for field in item.fields.iter().filter(|f| f.is_coded()) {
                let key = format!("{}.{}", item.key, field.key);
                let mut by_row: BTreeMap<i32, Vec<&str>> = BTreeMap::new();
                for c in coded.iter().filter(|c| c.item_key == key) {
                    by_row.entry(c.row).or_default().push(&c.value);
                }
                for (row, values) in by_row {
                    let row = row.max(0) as usize;
                    while rows.len() <= row {
                        rows.push(BTreeMap::new());
                    }
                    if let Some(a) = answer_from_values(field, &values) {
                        rows[row].insert(field.key.clone(), a);
                    }
                }
            }
            rows.retain(|r| !r.is_empty());
            if !rows.is_empty() {
                answers.insert(item.key.clone(), Answer::Rows(rows));
            }
        } else if item.is_coded() {
            let values: Vec<&str> =
                coded.iter().filter(|c| c.item_key == item.key).map(|c| c.value.as_str()).collect();
            if let Some(a) = answer_from_values(item, &values) {
                answers.insert(item.key.clone(), a);
            }
        }
    }
    answers
}

/// Completeness of the coded items of one response: an item hidden by its condition, answered
/// "not applicable", or a group is not counted; "not known" is an answer, counted apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completeness {
    pub answered: u32,
    pub not_known: u32,
    pub missing: u32,
}

impl Completeness {
    /// Applicable coded items.
    pub fn applicable(&self) -> u32 {
        self.answered + self.not_known + self.missing
    }

    pub fn add(&mut self, other: Completeness) {
        self.answered += other.answered;
        self.not_known += other.not_known;
        self.missing += other.missing;
    }
}

pub fn completeness(version: &FormVersion, answers: &Answers) -> Completeness {
    let mut c = Completeness::default();
    for item in &version.items {
        if !item.is_question() || item.kind == Kind::Group || !item.is_coded() || !visible(item, answers) {
            continue;
        }
        match answers.get(&item.key) {
            None => c.missing += 1,
            Some(a) if a.is_not_applicable() => {}
            Some(a) if a.is_not_known() => c.not_known += 1,
            Some(_) => c.answered += 1,
        }
    }
    c
}

/// An answer in words, for check-your-answers pages, receipts and exports.
/// Shown for a coded text answer that does not have its question's format.
pub const WITHHELD: &str = "Not shown: the answer is not in the question's format";

pub fn display(item: &Item, a: &Answer) -> String {
    match a {
        Answer::Code(c) => item.option_label(c).unwrap_or(c).to_string(),
        Answer::Codes(cs) => {
            cs.iter().map(|c| item.option_label(c).unwrap_or(c)).collect::<Vec<_>>().join("; ")
        }
        Answer::Date(d) => d.format("%-d %B %Y").to_string(),
        Answer::Number(n) => match &item.unit {
            Some(u) => format!("{n} {u}"),
            None => n.clone(),
        },
        // An answer stored before its question had a format (or edited outside the form) is not
        // shown where only coded answers may be: it could be any text.
        Answer::Text(t) => match item.format {
            Some(f) if f.normalise(t).is_none() => WITHHELD.into(),
            Some(TextFormat::Icd10) => match super::icd10::title(t) {
                Some(title) => format!("{t} {title}"),
                None => t.clone(),
            },
            _ => t.clone(),
        },
        Answer::Rows(rows) => rows
            .iter()
            .map(|r| {
                item.fields
                    .iter()
                    .filter_map(|f| r.get(&f.key).map(|v| format!("{}: {}", f.label, display(f, v))))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
