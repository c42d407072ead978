//! HTTP form bodies (not the `forms/` engine): field errors for the GOV.UK error summary, and parsing of
//! urlencoded bodies with repeated keys (checkboxes).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

use chrono::NaiveDate;

use crate::input::DateParts;
use crate::web::error::WebError;

/// One option of a checkbox group, radio group or select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, checked: bool) -> Choice {
        Choice { value: value.into(), label: label.into(), checked }
    }
}

/// Errors on a form, in the order the fields appear, and the words the identifier check found
/// in a field that its writer may confirm identify no one (see [`crate::domain::anonymity`]).
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>, pub Vec<(String, Vec<String>)>);

#[derive(Debug, Clone)]
pub struct FieldError {
    /// The id of the input the summary links to.
    pub field: String,
    pub message: String,
}

impl FormErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if let Some(of) = field.strip_suffix(crate::domain::anonymity::ACKNOWLEDGE_SUFFIX) {
            let words = message.into().lines().map(str::to_string).collect();
            self.1.push((of.to_string(), words));
            return;
        }
        if !self.has(field) {
            self.0.push(FieldError { field: field.to_string(), message: message.into() });
        }
    }

    pub fn has(&self, field: impl AsRef<str>) -> bool {
        let field = field.as_ref();
        self.0.iter().any(|e| e.field == field)
    }

    /// The message for `field`, or "" (templates test `!= ""`).
    pub fn get(&self, field: impl AsRef<str>) -> &str {
        let field = field.as_ref();
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str()).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every error (and suspected words) of `other`.
    pub fn merge(&mut self, other: FormErrors) {
        for e in other.0 {
            self.add(&e.field, e.message);
        }
        self.1.extend(other.1);
    }

    /// Every field's suspected words, in order (for pages that list them in one place).
    pub fn all_suspected(&self) -> &[(String, Vec<String>)] {
        &self.1
    }

    /// The suspected words found in `field` that its writer may confirm (empty: none).
    pub fn suspected(&self, field: impl AsRef<str>) -> &[String] {
        let field = field.as_ref();
        self.1.iter().find(|(f, _)| f == field).map(|(_, w)| w.as_slice()).unwrap_or(&[])
    }

    pub fn list(&self) -> &[FieldError] {
        &self.0
    }
}

/// A urlencoded body as ordered pairs; keeps repeated keys (checkbox groups).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(form_urlencoded_pairs(body))
    }

    /// The first value for `key`, or "".
    pub fn get(&self, key: impl AsRef<str>) -> &str {
        let key = key.as_ref();
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// The words the writer confirmed identify no one, for every field of the form
    /// (`{field}.confirm` checkboxes, offered by the `confirm_words` macro).
    pub fn confirmed(&self) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k.ends_with(".confirm")).map(|(_, v)| v.clone()).collect()
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// The GOV.UK date input `name` as typed (`name.day`, `name.month`, `name.year`).
    pub fn date_parts(&self, name: &str) -> DateParts {
        DateParts {
            day: self.get(format!("{name}.day")).to_string(),
            month: self.get(format!("{name}.month")).to_string(),
            year: self.get(format!("{name}.year")).to_string(),
        }
    }

    /// A date that must be given in the date input `name`: the date, or the problem recorded in
    /// `errors` against `name` (`missing` when the boxes are empty, otherwise "The {what} must
    /// include a month", "The {what} must be a real date…").
    pub fn required_date(
        &self,
        name: &str,
        what: &str,
        missing: &str,
        errors: &mut FormErrors,
    ) -> Option<NaiveDate> {
        match self.date_parts(name).parse(what) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.add(name, missing);
                None
            }
            Err(m) => {
                errors.add(name, m);
                None
            }
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| WebError::BadRequest("The form could not be read. Go back and try again.".into()))?;
        Ok(FormData::parse(&bytes))
    }
}

/// Decodes one percent-encoded component (`+` is a space).
pub fn decode_component(s: &str) -> String {
    decode(s.as_bytes())
}

/// Percent-encodes one query component (everything but unreserved characters).
pub fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes `application/x-www-form-urlencoded`.
pub fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let k = decode(it.next().unwrap_or_default());
            let v = decode(it.next().unwrap_or_default());
            (k, v)
        })
        .collect()
}

fn decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => {
                let hex =
                    std::str::from_utf8(&raw[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_decodes() {
        let s = "a b&c=d/é";
        assert_eq!(encode_component(s), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(decode_component(&encode_component(s)), s);
    }

    #[test]
    fn parses_repeated_keys_and_escapes() {
        let f = FormData::parse(b"role=admin&role=panel_chair&name=Jane+O%27Neil&bad=%zz&end=%4");
        assert_eq!(f.all("role"), vec!["admin", "panel_chair"]);
        assert_eq!(f.get("name"), "Jane O'Neil");
        assert_eq!(f.get("bad"), "%zz");
        assert_eq!(f.get("end"), "%4");
        assert_eq!(f.get("missing"), "");
    }
}
