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
use crate::domain::dates::DateParts;
use crate::domain::text::has_control;

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

fn get<'a>(raw: &'a Raw, name: &str) -> &'a str {
    raw.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn all<'a>(raw: &'a Raw, name: &str) -> Vec<&'a str> {
    raw.iter().filter(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str()).collect()
}

const TEXT_MAX: usize = 500;
const NARRATIVE_MAX: usize = 20_000;
const ROWS_MAX: u32 = 50;

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

/// Reads one item's answer from posted fields. `Ok(None)`: left unanswered.
pub fn read_item(item: &Item, raw: &Raw, name: &str) -> Result<Option<Answer>, FieldError> {
    let err = |field: String, message: String| FieldError { field, message };
    let label = item.label.trim_end_matches('?');
    let status = get(raw, &format!("{name}-status"));
    let status_answer = match status {
        "" => None,
        s if s == NOT_KNOWN && item.offers_not_known() => Some(Answer::Code(NOT_KNOWN.into())),
        s if s == NOT_APPLICABLE && item.not_applicable => Some(Answer::Code(NOT_APPLICABLE.into())),
        _ => return Err(err(format!("{name}-status"), format!("Choose a listed answer for ‘{label}’"))),
    };
    match item.kind {
        Kind::Heading => Ok(None),
        Kind::YesNoNk | Kind::Choice => {
            let v = get(raw, name).trim();
            if v.is_empty() {
                return Ok(None);
            }
            if item.accepted_codes().contains(&v) {
                Ok(Some(Answer::Code(v.to_string())))
            } else {
                Err(err(name.into(), format!("Select one of the answers to ‘{label}’")))
            }
        }
        Kind::MultiChoice => {
            let picked = all(raw, name);
            if picked.is_empty() {
                return Ok(None);
            }
            let accepted = item.accepted_codes();
            if picked.iter().any(|p| !accepted.contains(p)) {
                return Err(err(name.into(), format!("Select from the answers listed for ‘{label}’")));
            }
            let exclusive = picked.iter().find(|p| **p == NOT_KNOWN || **p == NOT_APPLICABLE);
            if let Some(ex) = exclusive {
                if picked.len() > 1 {
                    let which = if *ex == NOT_KNOWN { "Not known" } else { "Not applicable" };
                    return Err(err(
                        name.into(),
                        format!("Select the answers that apply, or ‘{which}’, not both"),
                    ));
                }
                return Ok(Some(Answer::Code(ex.to_string())));
            }
            // Keep the options' order, whatever order the browser posted them in.
            let codes: Vec<String> = item
                .options
                .iter()
                .filter(|o| picked.contains(&o.code.as_str()))
                .map(|o| o.code.clone())
                .collect();
            Ok(Some(Answer::Codes(codes)))
        }
        Kind::Date => {
            let parts = DateParts {
                day: get(raw, &format!("{name}-day")).into(),
                month: get(raw, &format!("{name}-month")).into(),
                year: get(raw, &format!("{name}-year")).into(),
            };
            let typed =
                parts.parse("date").map_err(|m| err(format!("{name}-day"), format!("{m} (‘{label}’)")))?;
            match (typed, status_answer) {
                (Some(_), Some(_)) => Err(both(name, label)),
                (Some(d), None) => Ok(Some(Answer::Date(d))),
                (None, s) => Ok(s),
            }
        }
        Kind::Number => {
            let v = get(raw, name).trim().replace(',', "");
            if v.is_empty() {
                return Ok(status_answer);
            }
            if status_answer.is_some() {
                return Err(both(name, label));
            }
            let unit = item.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            let n: f64 = v
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| err(name.into(), format!("‘{label}’ must be a number, like 12")))?;
            let decimals = item.decimals.unwrap_or(0) as usize;
            let typed_decimals = v.split_once('.').map(|(_, d)| d.len()).unwrap_or(0);
            if typed_decimals > decimals {
                let m = if decimals == 0 {
                    format!("‘{label}’ must be a whole number")
                } else {
                    format!("‘{label}’ can have at most {decimals} decimal places")
                };
                return Err(err(name.into(), m));
            }
            if let Some(min) = item.min
                && n < min
            {
                return Err(err(name.into(), format!("‘{label}’ must be {min}{unit} or more")));
            }
            if let Some(max) = item.max
                && n > max
            {
                return Err(err(name.into(), format!("‘{label}’ must be {max}{unit} or less")));
            }
            Ok(Some(Answer::Number(format!("{n:.decimals$}"))))
        }
        Kind::Text | Kind::Narrative => {
            let v = get(raw, name).trim();
            let max = if item.kind == Kind::Text { TEXT_MAX } else { NARRATIVE_MAX };
            if has_control(v) || (item.kind == Kind::Text && v.contains(['\n', '\r'])) {
                return Err(err(
                    name.into(),
                    format!("‘{label}’ must not contain control characters or line breaks"),
                ));
            }
            if v.chars().count() > max {
                return Err(err(name.into(), format!("‘{label}’ must be {max} characters or fewer")));
            }
            match (v.is_empty(), status_answer) {
                (true, s) => Ok(s),
                (false, Some(_)) => Err(both(name, label)),
                (false, None) => match item.format {
                    None => Ok(Some(Answer::Text(v.to_string()))),
                    Some(format) => format
                        .normalise(v)
                        .map(|c| Some(Answer::Text(c)))
                        .ok_or_else(|| err(name.into(), format!("‘{label}’ must be {}", format.example()))),
                },
            }
        }
        Kind::Group => Err(err(name.into(), "groups are read with read_group".into())),
    }
}

fn both(name: &str, label: &str) -> FieldError {
    FieldError {
        field: name.to_string(),
        message: format!("Give an answer to ‘{label}’ or tick ‘Not known’, not both"),
    }
}

/// How many rows of a group were posted.
pub fn posted_rows(raw: &Raw, key: &str) -> usize {
    get(raw, &format!("{key}-rows")).trim().parse::<u32>().unwrap_or(0).min(ROWS_MAX) as usize
}

/// Reads a group's rows; rows left wholly empty are dropped.
pub fn read_group(item: &Item, raw: &Raw) -> (Option<Answer>, Vec<FieldError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for row in 0..posted_rows(raw, &item.key) {
        let mut values = BTreeMap::new();
        for field in &item.fields {
            let name = field_name(field, Some((&item.key, row)));
            match read_item(field, raw, &name) {
                Ok(Some(a)) => {
                    values.insert(field.key.clone(), a);
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        if !values.is_empty() {
            rows.push(values);
        }
    }
    if let Some(max) = item.max_rows
        && rows.len() > max as usize
    {
        errors.push(FieldError {
            field: format!("{}-rows", item.key),
            message: format!("‘{}’ can have at most {max} rows", item.label),
        });
    }
    ((!rows.is_empty()).then_some(Answer::Rows(rows)), errors)
}

/// Reads the answers to `items` (one page) from posted fields. Items that failed keep no entry in
/// the returned map; items left empty map to `None` (clearing any earlier answer).
pub fn read_items(items: &[&Item], raw: &Raw) -> (BTreeMap<String, Option<Answer>>, Vec<FieldError>) {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for item in items {
        match item.kind {
            Kind::Heading => {}
            Kind::Group => {
                let (answer, errs) = read_group(item, raw);
                if errs.is_empty() {
                    out.insert(item.key.clone(), answer);
                }
                errors.extend(errs);
            }
            _ => match read_item(item, raw, &item.key) {
                Ok(a) => {
                    out.insert(item.key.clone(), a);
                }
                Err(e) => errors.push(e),
            },
        }
    }
    (out, errors)
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

/// The fields a page shows for stored answers (the inverse of [`read_items`]).
pub fn to_raw(version: &FormVersion, answers: &Answers) -> Raw {
    let mut raw = Raw::new();
    for item in &version.items {
        let Some(a) = answers.get(&item.key) else { continue };
        if let Answer::Rows(rows) = a {
            raw.push((format!("{}-rows", item.key), rows.len().to_string()));
            for (n, row) in rows.iter().enumerate() {
                for field in &item.fields {
                    if let Some(fa) = row.get(&field.key) {
                        push_raw(field, &field_name(field, Some((&item.key, n))), fa, &mut raw);
                    }
                }
            }
        } else {
            push_raw(item, &item.key, a, &mut raw);
        }
    }
    raw
}

fn push_raw(item: &Item, name: &str, a: &Answer, raw: &mut Raw) {
    let status_kind = matches!(item.kind, Kind::Date | Kind::Number | Kind::Text);
    match a {
        Answer::Code(c) if status_kind && (c == NOT_KNOWN || c == NOT_APPLICABLE) => {
            raw.push((format!("{name}-status"), c.clone()))
        }
        Answer::Code(c) | Answer::Number(c) | Answer::Text(c) => raw.push((name.to_string(), c.clone())),
        Answer::Codes(cs) => cs.iter().for_each(|c| raw.push((name.to_string(), c.clone()))),
        Answer::Date(d) => {
            let p = DateParts::from_date(*d);
            raw.push((format!("{name}-day"), p.day));
            raw.push((format!("{name}-month"), p.month));
            raw.push((format!("{name}-year"), p.year));
        }
        Answer::Rows(_) => {}
    }
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

/// The API's JSON answers (`{"key": "yes", "multi": ["a"], "date": "2025-01-31", "n": 3,
/// "group": [{"field": "…"}]}`, with `"not_known"` for any item) as posted fields, so the API and
/// the pages share one reading and one set of messages.
pub fn raw_from_json(version: &FormVersion, value: &serde_json::Value) -> Result<Raw, FieldError> {
    let obj = value.as_object().ok_or_else(|| FieldError {
        field: "answers".into(),
        message: "answers must be an object of item keys".into(),
    })?;
    let mut raw = Raw::new();
    for (key, v) in obj {
        let item = version.item(key).ok_or_else(|| FieldError {
            field: key.clone(),
            message: format!("`{key}` is not an item of {} version {}", version.code, version.version),
        })?;
        if let (Kind::Group, serde_json::Value::Array(rows)) = (item.kind, v) {
            raw.push((format!("{key}-rows"), rows.len().to_string()));
            for (n, row) in rows.iter().enumerate() {
                let fields = row.as_object().ok_or_else(|| FieldError {
                    field: format!("{key}.{n}"),
                    message: "each row is an object of field keys".into(),
                })?;
                for (fk, fv) in fields {
                    let field = item.fields.iter().find(|f| &f.key == fk).ok_or_else(|| FieldError {
                        field: format!("{key}.{n}.{fk}"),
                        message: format!("`{fk}` is not a field of `{key}`"),
                    })?;
                    json_value(field, &format!("{key}.{n}.{fk}"), fv, &mut raw)?;
                }
            }
        } else {
            json_value(item, key, v, &mut raw)?;
        }
    }
    Ok(raw)
}

fn json_value(item: &Item, name: &str, v: &serde_json::Value, raw: &mut Raw) -> Result<(), FieldError> {
    use serde_json::Value;
    let status_kind = matches!(item.kind, Kind::Date | Kind::Number | Kind::Text);
    match v {
        Value::Null => {}
        Value::String(s) if status_kind && (s == NOT_KNOWN || s == NOT_APPLICABLE) => {
            raw.push((format!("{name}-status"), s.clone()))
        }
        Value::String(s) if item.kind == Kind::Date => {
            let p = DateParts::from_iso(s);
            raw.push((format!("{name}-day"), p.day));
            raw.push((format!("{name}-month"), p.month));
            raw.push((format!("{name}-year"), p.year));
        }
        Value::String(s) => raw.push((name.to_string(), s.clone())),
        Value::Number(n) => raw.push((name.to_string(), n.to_string())),
        Value::Bool(b) if item.kind == Kind::YesNoNk => {
            raw.push((name.to_string(), if *b { "yes" } else { "no" }.into()))
        }
        Value::Array(items) if item.kind == Kind::MultiChoice => {
            for i in items {
                raw.push((name.to_string(), i.as_str().unwrap_or("?").to_string()));
            }
        }
        _ => {
            return Err(FieldError {
                field: name.to_string(),
                message: format!("`{name}` needs a {} answer", item.kind.code().replace('_', " ")),
            });
        }
    }
    Ok(())
}
