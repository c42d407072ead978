//! Reading answers from what a page posted (or the API's JSON, turned into the same fields), with
//! a message per field; and the fields a page shows for stored answers. The naming of fields is in
//! `answers.rs`'s documentation.

use std::collections::BTreeMap;

use super::super::definition::{FormVersion, Item, Kind, NOT_APPLICABLE, NOT_KNOWN};
use super::{Answer, Answers, FieldError, Raw, field_name};
use crate::input::{DateParts, has_control};

fn get<'a>(raw: &'a Raw, name: &str) -> &'a str {
    raw.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn all<'a>(raw: &'a Raw, name: &str) -> Vec<&'a str> {
    raw.iter().filter(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str()).collect()
}

const TEXT_MAX: usize = 500;

const NARRATIVE_MAX: usize = 20_000;

const ROWS_MAX: u32 = 50;

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
