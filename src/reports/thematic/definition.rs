//! Thematic report definitions: a filter over coded data and the measures to show. The shipped
//! themes are configuration (`config/themes.toml`); a chair's ad-hoc report is the same shape,
//! built from a form and saved. Pure: parsing and checking against the codes in force.

use serde::{Deserialize, Serialize};

use crate::domain::codes::PlaceOfDeath;
use crate::domain::dates::AgeBand;
pub use crate::store::reports::ItemMatch;

/// How a theme breaks its deaths down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    Year,
    AgeBand,
    Sex,
    Deprivation,
    Category,
    Modifiable,
    Ethnicity,
    Place,
    /// The organisms of an infection that caused or contributed (`infection_pathogen`).
    Pathogen,
    /// How that infection presented (`infection_presentation`).
    Presentation,
}

impl Breakdown {
    pub const ALL: [Breakdown; 10] = [
        Breakdown::Year,
        Breakdown::AgeBand,
        Breakdown::Sex,
        Breakdown::Deprivation,
        Breakdown::Category,
        Breakdown::Modifiable,
        Breakdown::Ethnicity,
        Breakdown::Place,
        Breakdown::Pathogen,
        Breakdown::Presentation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Breakdown::Year => "year",
            Breakdown::AgeBand => "age_band",
            Breakdown::Sex => "sex",
            Breakdown::Deprivation => "deprivation",
            Breakdown::Category => "category",
            Breakdown::Modifiable => "modifiable",
            Breakdown::Ethnicity => "ethnicity",
            Breakdown::Place => "place",
            Breakdown::Pathogen => "pathogen",
            Breakdown::Presentation => "presentation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Breakdown::Year => "Reporting year the review was completed",
            Breakdown::AgeBand => "Age at death",
            Breakdown::Sex => "Sex",
            Breakdown::Deprivation => "Deprivation quintile",
            Breakdown::Category => "Category of death (with modifiable factors)",
            Breakdown::Modifiable => "Modifiable factors",
            Breakdown::Ethnicity => "Ethnic group",
            Breakdown::Place => "Place of death",
            Breakdown::Pathogen => "Organisms of the infection",
            Breakdown::Presentation => "How the infection presented",
        }
    }

    pub fn parse(s: &str) -> Option<Breakdown> {
        Breakdown::ALL.iter().copied().find(|b| b.code() == s)
    }

    /// The analysis item a breakdown counts the answers of (a review can tick several).
    pub fn item(self) -> Option<&'static str> {
        match self {
            Breakdown::Pathogen => Some("infection_pathogen"),
            Breakdown::Presentation => Some("infection_presentation"),
            _ => None,
        }
    }
}

/// What a theme counts in its window of reporting years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// Reviews signed off in the window (what the panel did in those years).
    #[default]
    Reviewed,
    /// Deaths that happened in the window, by the coded month of death, reviewed by the day the
    /// report is run (what national thematic reports count).
    Died,
}

impl Counting {
    pub const ALL: [Counting; 2] = [Counting::Died, Counting::Reviewed];

    pub fn code(self) -> &'static str {
        match self {
            Counting::Reviewed => "reviewed",
            Counting::Died => "died",
        }
    }

    pub fn parse(s: &str) -> Option<Counting> {
        Counting::ALL.iter().copied().find(|c| c.code() == s)
    }

    /// As a choice: "Deaths in the period" or "Reviews completed in the period".
    pub fn label(self) -> &'static str {
        match self {
            Counting::Reviewed => "Reviews completed in the period",
            Counting::Died => "Deaths in the period",
        }
    }
}

/// A theme: which reviews it counts and how it shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// A review counts when it matches any of these three (all empty: every review)…
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub places: Vec<String>,
    /// …or answers of other coded analysis items (`{ item = "infection_contributed", any_of =
    /// ["yes"] }`)…
    #[serde(default)]
    pub items: Vec<ItemMatch>,
    /// …and each of these when given.
    #[serde(default)]
    pub age_bands: Vec<String>,
    #[serde(default)]
    pub expected: Option<bool>,
    /// The rate base: deaths per this many children a year.
    #[serde(default = "default_per")]
    pub per: u64,
    /// Reporting years in the window, ending with the year chosen.
    #[serde(default = "default_years")]
    pub years: u32,
    #[serde(default = "default_breakdowns")]
    pub breakdowns: Vec<Breakdown>,
    /// What the window counts by default (a run may ask for the other).
    #[serde(default)]
    pub basis: Counting,
}

impl Theme {
    /// A theme of every review (no filter), over the default window, rate base and breakdowns:
    /// what a new ad-hoc report starts from.
    pub fn every_review(key: &str, title: &str) -> Theme {
        Theme {
            key: key.into(),
            title: title.into(),
            description: String::new(),
            categories: Vec::new(),
            themes: Vec::new(),
            places: Vec::new(),
            items: Vec::new(),
            age_bands: Vec::new(),
            expected: None,
            per: default_per(),
            years: default_years(),
            breakdowns: default_breakdowns(),
            basis: Counting::default(),
        }
    }
}

fn default_per() -> u64 {
    100_000
}

fn default_years() -> u32 {
    5
}

fn default_breakdowns() -> Vec<Breakdown> {
    vec![Breakdown::Year, Breakdown::AgeBand, Breakdown::Sex, Breakdown::Deprivation, Breakdown::Modifiable]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    theme: Vec<Theme>,
}

/// The codes a theme may name: the analysis form's categories and themes in force.
pub struct Codes<'a> {
    pub categories: &'a [(String, String)],
    pub themes: &'a [(String, String)],
    /// The coded choice items (key, label, options).
    pub items: &'a [crate::reports::annual::CodedItem],
}

/// Everything wrong with one theme, in words (empty when it is fine).
pub fn check(t: &Theme, codes: &Codes<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let known = |list: &[(String, String)], c: &str| list.iter().any(|(k, _)| k == c);
    if t.key.is_empty() || !t.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        out.push(format!("key {:?}: use lower-case letters, digits and _", t.key));
    }
    if t.title.trim().is_empty() || t.title.chars().count() > 120 {
        out.push("title: between 1 and 120 characters".into());
    }
    // Without an Analysis Form in force (a forms directory holding only agency forms) there is
    // nothing to check the codes against; the reports then find no reviews to count.
    for c in t.categories.iter().filter(|_| !codes.categories.is_empty()) {
        if !known(codes.categories, c) {
            out.push(format!("categories: {c:?} is not a category of the current Analysis Form"));
        }
    }
    for c in t.themes.iter().filter(|_| !codes.themes.is_empty()) {
        if !known(codes.themes, c) {
            out.push(format!("themes: {c:?} is not a theme of the current Analysis Form"));
        }
    }
    for m in t.items.iter().filter(|_| !codes.items.is_empty()) {
        match codes.items.iter().find(|(k, _, _)| *k == m.item) {
            None => {
                out.push(format!("items: {:?} is not a coded choice of the current Analysis Form", m.item))
            }
            Some((_, _, options)) => {
                if m.any_of.is_empty() {
                    out.push(format!("items: {:?} names no code in any_of", m.item));
                }
                for c in m.any_of.iter().filter(|c| !known(options, c)) {
                    out.push(format!("items: {c:?} is not an answer to {:?}", m.item));
                }
            }
        }
    }
    for b in t.breakdowns.iter().filter(|_| !codes.items.is_empty()) {
        if let Some(item) = b.item()
            && !codes.items.iter().any(|(k, _, _)| k == item)
        {
            out.push(format!("breakdowns: {:?} needs the Analysis Form item {item:?}", b.code()));
        }
    }
    for p in &t.places {
        if PlaceOfDeath::parse(p).is_none() {
            out.push(format!("places: {p:?} is not a place-of-death code"));
        }
    }
    for a in &t.age_bands {
        if AgeBand::parse(a).is_none() {
            out.push(format!(
                "age_bands: {a:?} is not an age band (0-27d, 28-364d, 1-4y, 5-9y, 10-14y, 15-17y)"
            ));
        }
    }
    if ![1_000, 100_000, 1_000_000].contains(&t.per) {
        out.push(format!("per: {} (use 1000, 100000 or 1000000)", t.per));
    }
    if !(1..=10).contains(&t.years) {
        out.push(format!("years: {} (from 1 to 10)", t.years));
    }
    if t.breakdowns.is_empty() {
        out.push("breakdowns: name at least one".into());
    }
    out
}

/// Reads and checks a themes file: every fault, named by the theme's position and key.
pub fn parse(text: &str, codes: &Codes<'_>) -> Result<Vec<Theme>, Vec<String>> {
    let file: File = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    let mut faults = Vec::new();
    for (i, t) in file.theme.iter().enumerate() {
        for f in check(t, codes) {
            faults.push(format!("theme {} ({}): {f}", i + 1, t.key));
        }
        if file.theme[..i].iter().any(|o| o.key == t.key) {
            faults.push(format!("theme {} ({}): the key is used twice", i + 1, t.key));
        }
    }
    if faults.is_empty() { Ok(file.theme) } else { Err(faults) }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Labelled = Vec<(String, String)>;

    fn codes() -> (Labelled, Labelled) {
        (
            vec![("infection".into(), "9 – Infection".into()), ("suicide_self_harm".into(), "2".into())],
            vec![("drowning".into(), "Drowning".into())],
        )
    }

    #[test]
    fn the_shipped_themes_name_only_codes_in_force() {
        let text = include_str!("../../../config/themes.toml");
        let forms = crate::forms::Registry::shipped().expect("shipped forms");
        let labels = crate::reports::annual::labels(
            &forms,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default(),
        );
        let themes = parse(
            text,
            &Codes { categories: &labels.categories, themes: &labels.themes, items: &labels.items },
        )
        .expect("valid");
        let keys: Vec<&str> = themes.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "suicide",
                "sudic",
                "deprivation",
                "drowning",
                "road_traffic",
                "infection",
                "life_limiting",
                "neonatal"
            ]
        );
    }

    #[test]
    fn every_fault_is_named() {
        let (categories, themes) = codes();
        let text = "[[theme]]\nkey = \"Bad Key\"\ntitle = \"x\"\ncategories = [\"nope\"]\nplaces = [\"moon\"]\nage_bands = [\"2y\"]\nper = 7\nyears = 0\n\
                    [[theme]]\nkey = \"ok\"\ntitle = \"Ok\"\nthemes = [\"drowning\"]\n\
                    [[theme]]\nkey = \"ok\"\ntitle = \"Again\"\n";
        let faults = parse(text, &Codes { categories: &categories, themes: &themes, items: &[] })
            .expect_err("refused");
        let all = faults.join("\n");
        for part in [
            "key \"Bad Key\"",
            "\"nope\" is not a category",
            "\"moon\"",
            "\"2y\"",
            "per: 7",
            "years: 0",
            "theme 3 (ok): the key is used twice",
        ] {
            assert!(all.contains(part), "{part} not in {all}");
        }
        assert!(
            parse(
                "[[theme]]\nkey = \"x\"\ntitle = \"x\"\ncolour = \"red\"\n",
                &Codes { categories: &categories, themes: &themes, items: &[] }
            )
            .is_err()
        );
    }

    #[test]
    fn item_filters_name_coded_answers_of_the_form() {
        let (categories, themes) = codes();
        let items = vec![(
            "infection_contributed".to_string(),
            "Did an infection cause or contribute to the death?".to_string(),
            vec![("yes".to_string(), "Yes".to_string()), ("no".to_string(), "No".to_string())],
        )];
        let codes = Codes { categories: &categories, themes: &themes, items: &items };
        let ok = "[[theme]]\nkey = \"inf\"\ntitle = \"Inf\"\nitems = [{ item = \"infection_contributed\", any_of = [\"yes\"] }]\n";
        assert!(parse(ok, &codes).is_ok());
        let bad = "[[theme]]\nkey = \"inf\"\ntitle = \"Inf\"\nitems = [{ item = \"colour\", any_of = [\"red\"] }, { item = \"infection_contributed\", any_of = [\"maybe\"] }]\nbreakdowns = [\"pathogen\"]\n";
        let all = parse(bad, &codes).expect_err("refused").join("\n");
        for part in [
            "items: \"colour\" is not a coded choice",
            "items: \"maybe\" is not an answer to \"infection_contributed\"",
            "breakdowns: \"pathogen\" needs the Analysis Form item \"infection_pathogen\"",
        ] {
            assert!(all.contains(part), "{part} not in {all}");
        }
    }
}
