//! Form definitions: the TOML files under `config/forms/`, parsed and checked.
//!
//! A file is one version of one form (`reporting/NCMD-2022-04.toml`,
//! `supplementary/sudi/NCMD-2021-04.toml`); see `config/forms/README.md` for the format. Parsing
//! names the file and the item key of every fault, so a broken definition is found at start-up.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Answer codes every factual item may take, reserved so no option can use them.
pub const NOT_KNOWN: &str = "not_known";
pub const NOT_APPLICABLE: &str = "not_applicable";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Heading,
    YesNoNk,
    Choice,
    MultiChoice,
    Date,
    Number,
    Text,
    Narrative,
    Group,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Heading => "heading",
            Kind::YesNoNk => "yes_no_nk",
            Kind::Choice => "choice",
            Kind::MultiChoice => "multi_choice",
            Kind::Date => "date",
            Kind::Number => "number",
            Kind::Text => "text",
            Kind::Narrative => "narrative",
            Kind::Group => "group",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Coded,
    Identifying,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Reporting,
    Supplementary,
    /// The panel's Analysis Form: completed by staff, never requested from agencies.
    Analysis,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::Reporting => "Reporting form",
            Family::Supplementary => "Supplementary reporting form",
            Family::Analysis => "Analysis form",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormOption {
    pub code: String,
    pub label: String,
    #[serde(default)]
    pub hint: String,
}

/// Show an item only when an earlier item's answer is one of `any_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub item: String,
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub key: String,
    pub kind: Kind,
    pub label: String,
    #[serde(default)]
    pub hint: String,
    #[serde(default)]
    pub required: bool,
    /// Every kind but `heading` must say.
    pub classification: Option<Classification>,
    #[serde(default)]
    pub options: Vec<FormOption>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub decimals: Option<u8>,
    /// Offer "Not known" (default: yes for every factual kind).
    pub not_known: Option<bool>,
    #[serde(default)]
    pub not_applicable: bool,
    /// Present when the item's wording or existence is not yet confirmed: what to check.
    pub check: Option<String>,
    pub source: Option<String>,
    pub show_if: Option<Condition>,
    /// The fields of a `group`.
    #[serde(default)]
    pub fields: Vec<Item>,
    pub max_rows: Option<u32>,
    /// A `text` item whose answer must have this format.
    pub format: Option<TextFormat>,
}

/// Formats a `text` answer can be held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// An ICD-10 code: a letter, two digits, optionally a dot and one or two more (R95, J18.9).
    Icd10,
    /// Gravidity and parity in the obstetric shorthand (G3 P2, G4 P2+1).
    GravidityParity,
}

impl TextFormat {
    /// The answer in its written form, or `None` when it does not have this format.
    pub fn normalise(self, typed: &str) -> Option<String> {
        match self {
            TextFormat::Icd10 => super::icd10::normalise(typed),
            TextFormat::GravidityParity => super::obstetric::normalise(typed),
        }
    }

    /// What the answer must look like, for a message beside the field.
    pub fn example(self) -> &'static str {
        match self {
            TextFormat::Icd10 => "an ICD-10 code, like R95 or J18.9",
            TextFormat::GravidityParity => {
                "written like G3 P2 (pregnancies, then births; G4 P2+1 with losses before 24 weeks)"
            }
        }
    }
}

impl Item {
    pub fn is_coded(&self) -> bool {
        self.classification == Some(Classification::Coded)
    }

    /// Whether "Not known" is offered.
    pub fn offers_not_known(&self) -> bool {
        match self.kind {
            Kind::Heading | Kind::Narrative | Kind::Group => false,
            Kind::YesNoNk => true,
            _ => self.not_known.unwrap_or(true),
        }
    }

    /// Whether the item takes an answer (every kind but a heading).
    pub fn is_question(&self) -> bool {
        self.kind != Kind::Heading
    }

    pub fn option_label(&self, code: &str) -> Option<&str> {
        match code {
            NOT_KNOWN => Some("Not known"),
            NOT_APPLICABLE => Some("Not applicable"),
            "yes" if self.kind == Kind::YesNoNk => Some("Yes"),
            "no" if self.kind == Kind::YesNoNk => Some("No"),
            _ => self.options.iter().find(|o| o.code == code).map(|o| o.label.as_str()),
        }
    }

    /// The answer codes a choice-like item accepts (options, then not known / not applicable).
    pub fn accepted_codes(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = match self.kind {
            Kind::YesNoNk => vec!["yes", "no"],
            _ => self.options.iter().map(|o| o.code.as_str()).collect(),
        };
        if self.offers_not_known() {
            codes.push(NOT_KNOWN);
        }
        if self.not_applicable {
            codes.push(NOT_APPLICABLE);
        }
        codes
    }
}

/// When the coordinator is offered a supplementary form: every condition given must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestRule {
    pub reason: String,
    pub expected: Option<bool>,
    #[serde(default)]
    pub age_bands: Vec<String>,
    #[serde(default)]
    pub place_categories: Vec<String>,
    #[serde(default)]
    pub jar_criteria: Vec<String>,
}

/// The coded facts of a case that suggestions read.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    pub expected: bool,
    pub age_band: String,
    pub place_category: String,
    pub jar_criteria: Vec<String>,
}

impl SuggestRule {
    pub fn matches(&self, c: &CaseFacts) -> bool {
        self.expected.is_none_or(|e| e == c.expected)
            && (self.age_bands.is_empty() || self.age_bands.contains(&c.age_band))
            && (self.place_categories.is_empty() || self.place_categories.contains(&c.place_category))
            && (self.jar_criteria.is_empty() || self.jar_criteria.iter().any(|j| c.jar_criteria.contains(j)))
    }
}

/// One version of one form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormVersion {
    pub code: String,
    pub family: Family,
    pub title: String,
    pub version: String,
    pub applies_from: NaiveDate,
    pub legacy: bool,
    pub source: String,
    pub intro: String,
    pub suggest: Vec<SuggestRule>,
    pub items: Vec<Item>,
    /// The file it came from, relative to the forms directory.
    pub file: String,
}

impl FormVersion {
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.key == key)
    }

    /// Items (and group fields) whose wording is not yet confirmed.
    pub fn unconfirmed(&self) -> usize {
        self.items
            .iter()
            .map(|i| usize::from(i.check.is_some()) + i.fields.iter().filter(|f| f.check.is_some()).count())
            .sum()
    }

    /// Items that take an answer (group fields not counted separately).
    pub fn question_count(&self) -> usize {
        self.items.iter().filter(|i| i.is_question()).count()
    }

    /// The sections (pages): a heading and the items up to the next heading.
    pub fn sections(&self) -> Vec<Section<'_>> {
        let mut out: Vec<Section<'_>> = Vec::new();
        for item in &self.items {
            if item.kind == Kind::Heading {
                out.push(Section { heading: item, items: Vec::new() });
            } else if let Some(last) = out.last_mut() {
                last.items.push(item);
            }
        }
        out
    }
}

/// One page of a form.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    pub heading: &'a Item,
    pub items: Vec<&'a Item>,
}

/// A fault in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub file: String,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: item `{key}`: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHead {
    code: String,
    family: Family,
    title: String,
    version: String,
    applies_from: String,
    #[serde(default)]
    legacy: bool,
    #[serde(default)]
    source: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    suggest: Vec<SuggestRule>,
    #[serde(default)]
    items: Vec<toml::Table>,
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parses and checks one file. `path` is relative to the forms directory, e.g.
/// `supplementary/sudi/NCMD-2021-04.toml`: its folder must be the form's code and its name the
/// version.
pub fn parse(path: &str, text: &str) -> Result<FormVersion, Vec<DefinitionError>> {
    let err = |key: Option<&str>, message: String| DefinitionError {
        file: path.to_string(),
        key: key.map(str::to_string),
        message,
    };
    let head: FileHead = toml::from_str(text).map_err(|e| vec![err(None, one_line(&e.to_string()))])?;
    let mut errors = Vec::new();
    let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".toml");
    let folder = path.rsplit('/').nth(1).unwrap_or("");
    if folder != head.code {
        errors.push(err(
            None,
            format!("the code `{}` must be the name of the folder holding the file (`{folder}`)", head.code),
        ));
    }
    if stem != head.version {
        errors.push(err(None, format!("the version `{}` must be the file name (`{stem}`)", head.version)));
    }
    if !is_key(&head.code) {
        errors.push(err(None, format!("the code `{}` must be lower_snake_case", head.code)));
    }
    let applies_from = NaiveDate::parse_from_str(&head.applies_from, "%Y-%m-%d").unwrap_or_else(|_| {
        errors.push(err(None, format!("applies_from `{}` is not a date like 2022-04-01", head.applies_from)));
        NaiveDate::MIN
    });
    if head.title.trim().is_empty() {
        errors.push(err(None, "the title is empty".into()));
    }
    if head.family != Family::Supplementary && !head.suggest.is_empty() {
        errors.push(err(None, "only supplementary forms have suggestion rules".into()));
    }
    let mut items = Vec::new();
    for (n, table) in head.items.into_iter().enumerate() {
        let key = table.get("key").and_then(|k| k.as_str()).map(str::to_string);
        let Some(key) = key else {
            errors.push(err(None, format!("item {} has no key", n + 1)));
            continue;
        };
        match toml::Value::Table(table).try_into::<Item>() {
            Ok(item) => items.push(item),
            Err(e) => errors.push(err(Some(&key), one_line(e.message()))),
        }
    }
    if items.first().is_some_and(|i| i.kind != Kind::Heading) {
        errors.push(err(items.first().map(|i| i.key.as_str()), "the first item must be a heading".into()));
    }
    if items.is_empty() && errors.is_empty() {
        errors.push(err(None, "the form has no items".into()));
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut earlier: BTreeMap<&str, &Item> = BTreeMap::new();
    for item in &items {
        let key = item.key.as_str();
        if !seen.insert(key) {
            errors.push(err(Some(key), "duplicate key".into()));
        }
        for problem in check_item(item, false) {
            errors.push(err(Some(key), problem));
        }
        for field in &item.fields {
            for problem in check_item(field, true) {
                errors.push(err(Some(&format!("{key}.{}", field.key)), problem));
            }
        }
        let mut field_keys = BTreeSet::new();
        for field in &item.fields {
            if !field_keys.insert(field.key.as_str()) {
                errors.push(err(Some(&format!("{key}.{}", field.key)), "duplicate field key".into()));
            }
        }
        if let Some(cond) = &item.show_if {
            match earlier.get(cond.item.as_str()) {
                None => errors.push(err(
                    Some(key),
                    format!("show_if names `{}`, which is not an earlier item of this form", cond.item),
                )),
                Some(target)
                    if !target.is_coded() || matches!(target.kind, Kind::Group | Kind::Narrative) =>
                {
                    errors.push(err(
                        Some(key),
                        format!("show_if names `{}`, which is not a coded question", cond.item),
                    ))
                }
                Some(target) => {
                    if matches!(target.kind, Kind::Choice | Kind::MultiChoice | Kind::YesNoNk) {
                        let accepted = target.accepted_codes();
                        for code in &cond.any_of {
                            if !accepted.contains(&code.as_str()) {
                                errors.push(err(
                                    Some(key),
                                    format!("show_if answer `{code}` is not an answer of `{}`", cond.item),
                                ));
                            }
                        }
                    }
                    if cond.any_of.is_empty() {
                        errors.push(err(Some(key), "show_if lists no answers (any_of)".into()));
                    }
                }
            }
        }
        earlier.insert(key, item);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(FormVersion {
        code: head.code,
        family: head.family,
        title: head.title,
        version: head.version,
        applies_from,
        legacy: head.legacy,
        source: head.source,
        intro: head.intro,
        suggest: head.suggest,
        items,
        file: path.to_string(),
    })
}

/// TOML errors span lines; a start-up message reads better on one.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What is wrong with one item (or group field), if anything.
fn check_item(item: &Item, in_group: bool) -> Vec<String> {
    let mut p = Vec::new();
    if !is_key(&item.key) {
        p.push("keys are lower_snake_case (letters, digits and _), starting with a letter".into());
    }
    if item.label.trim().is_empty() {
        p.push("the label is empty".into());
    }
    let choice_like = matches!(item.kind, Kind::Choice | Kind::MultiChoice);
    match (item.kind, item.classification) {
        (Kind::Heading, Some(_)) => p.push("a heading takes no classification".into()),
        (Kind::Heading, None) => {}
        (_, None) => p.push("classification is missing (coded or identifying)".into()),
        (Kind::Narrative, Some(Classification::Coded)) => {
            p.push("narratives describe people: classification must be identifying".into())
        }
        _ => {}
    }
    if in_group && matches!(item.kind, Kind::Heading | Kind::Group) {
        p.push(format!("a group cannot hold a {}", item.kind.code()));
    }
    if in_group && item.show_if.is_some() {
        p.push("group fields cannot have conditions".into());
    }
    if choice_like && item.options.is_empty() {
        p.push(format!("a {} needs options", item.kind.code()));
    }
    if !choice_like && !item.options.is_empty() {
        p.push(format!("a {} takes no options", item.kind.code()));
    }
    let mut codes = BTreeSet::new();
    for o in &item.options {
        if o.code == NOT_KNOWN || o.code == NOT_APPLICABLE {
            p.push(format!("option code `{}` is reserved (the engine adds it)", o.code));
        } else if !is_key(&o.code) {
            p.push(format!("option code `{}` must be lower_snake_case", o.code));
        }
        if !codes.insert(o.code.as_str()) {
            p.push(format!("option code `{}` is used twice", o.code));
        }
        if o.label.trim().is_empty() {
            p.push(format!("option `{}` has no label", o.code));
        }
    }
    if item.kind != Kind::Number
        && (item.unit.is_some() || item.min.is_some() || item.max.is_some() || item.decimals.is_some())
    {
        p.push("unit, min, max and decimals belong to numbers".into());
    }
    if let (Some(min), Some(max)) = (item.min, item.max)
        && min > max
    {
        p.push(format!("min {min} is above max {max}"));
    }
    if item.kind == Kind::Group {
        if item.fields.is_empty() {
            p.push("a group needs fields".into());
        }
        if item.required {
            p.push("a group cannot be required (it may have no rows)".into());
        }
    } else if !item.fields.is_empty() {
        p.push("only a group has fields".into());
    }
    if item.kind != Kind::Text && item.format.is_some() {
        p.push("format belongs to text items".into());
    }
    if item.kind == Kind::Text && item.is_coded() && item.format.is_none() {
        p.push(
            "a coded text item needs a format: free text can hold a name or a place, so it is identifying"
                .into(),
        );
    }
    if item.kind != Kind::Group && item.max_rows.is_some() {
        p.push("max_rows belongs to groups".into());
    }
    if item.kind == Kind::Heading && (item.required || item.show_if.is_some()) {
        p.push("a heading cannot be required or conditional".into());
    }
    if item.not_applicable && matches!(item.kind, Kind::Heading | Kind::Group | Kind::Narrative) {
        p.push(format!("a {} cannot offer not applicable", item.kind.code()));
    }
    if item.check.as_deref().is_some_and(|c| c.trim().is_empty()) {
        p.push("an empty check note: say what is to be checked".into());
    }
    p
}

/// Checks that hold across the versions of one form: an item key keeps its kind, and an option
/// keeps its code while its label is unchanged.
pub fn check_versions(versions: &[&FormVersion]) -> Vec<DefinitionError> {
    let mut errors = Vec::new();
    for (i, later) in versions.iter().enumerate() {
        for earlier in &versions[..i] {
            for item in &later.items {
                let Some(before) = earlier.item(&item.key) else { continue };
                if before.kind != item.kind {
                    errors.push(DefinitionError {
                        file: later.file.clone(),
                        key: Some(item.key.clone()),
                        message: format!(
                            "is a {} here but a {} in {}: a key keeps its kind across versions",
                            item.kind.code(),
                            before.kind.code(),
                            earlier.file
                        ),
                    });
                }
                for o in &item.options {
                    if let Some(old) = before.options.iter().find(|b| b.label == o.label && b.code != o.code)
                    {
                        errors.push(DefinitionError {
                            file: later.file.clone(),
                            key: Some(item.key.clone()),
                            message: format!(
                                "option \"{}\" has code `{}` here but `{}` in {}: codes stay while labels do",
                                o.label, o.code, old.code, earlier.file
                            ),
                        });
                    }
                }
            }
        }
    }
    errors
}
