//! Rules of the Analysis Form that its definition cannot state on one item: "modifiable factors
//! identified" needs at least one factor graded 2. ("Insufficient information" needs its reason:
//! that follow-up is a required conditional item of the definition.)
//!
//! The keys and codes named here are those of `config/forms/analysis/`; a version without a
//! factor grade (the legacy domain scale) is not held to the grade rule.

use crate::forms::FormVersion;
use crate::forms::answers::{Answer, Answers};

pub const FORM: &str = "analysis";
pub const CATEGORY: &str = "category";
pub const MODIFIABLE: &str = "modifiable";
pub const IDENTIFIED: &str = "identified";
pub const INSUFFICIENT: &str = "insufficient";
pub const FACTORS: &str = "factors";
pub const DOMAIN: &str = "domain";
pub const GRADE: &str = "grade";
pub const GRADE_2: &str = "grade_2";
pub const THEMES: &str = "themes";
pub const LEARNING: &str = "learning";
pub const RECOMMENDATIONS: &str = "recommendations";

/// The message for "modifiable factors identified" with no factor graded 2.
pub const NEEDS_GRADE_2: &str = "You chose ‘Modifiable factors identified’, but no factor is graded 2. Grade at least one factor 2 (it may have contributed to the child’s vulnerability, ill-health or death), or choose another answer";

fn code<'a>(answers: &'a Answers, key: &str) -> Option<&'a str> {
    match answers.get(key) {
        Some(Answer::Code(c)) => Some(c),
        _ => None,
    }
}

/// Whether any factor line is graded 2.
pub fn has_grade_2(answers: &Answers) -> bool {
    match answers.get(FACTORS) {
        Some(Answer::Rows(rows)) => {
            rows.iter().any(|r| matches!(r.get(GRADE), Some(Answer::Code(c)) if c == GRADE_2))
        }
        _ => false,
    }
}

/// Problems with the answers as a whole, as (field, message).
pub fn problems(version: &FormVersion, answers: &Answers) -> Vec<(String, String)> {
    let graded = version.item(FACTORS).is_some_and(|f| f.fields.iter().any(|x| x.key == GRADE));
    let mut out = Vec::new();
    // Every factor line names its domain: a factor without one cannot be counted by domain.
    let has_domain = version.item(FACTORS).is_some_and(|f| f.fields.iter().any(|x| x.key == DOMAIN));
    if has_domain && let Some(Answer::Rows(rows)) = answers.get(FACTORS) {
        for (n, row) in rows.iter().enumerate() {
            if !row.is_empty() && !matches!(row.get(DOMAIN), Some(Answer::Code(_))) {
                out.push((
                    format!("{FACTORS}.{n}.{DOMAIN}"),
                    format!("Factor {}: choose the domain it belongs to", n + 1),
                ));
            }
        }
    }
    if graded && code(answers, MODIFIABLE) == Some(IDENTIFIED) && !has_grade_2(answers) {
        out.push((MODIFIABLE.to_string(), NEEDS_GRADE_2.to_string()));
    }
    out
}

/// The coded outcome: (category, modifiable determination).
pub fn outcome(answers: &Answers) -> (Option<String>, Option<String>) {
    (code(answers, CATEGORY).map(str::to_string), code(answers, MODIFIABLE).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const DEF: &str = r#"
code = "analysis"
family = "analysis"
title = "Analysis"
version = "T"
applies_from = "2019-04-01"
[[items]]
key = "h"
kind = "heading"
label = "Analysis"
[[items]]
key = "factors"
kind = "group"
label = "Factors"
classification = "coded"
fields = [
  { key = "domain", kind = "choice", label = "Domain", classification = "coded", options = [{ code = "a", label = "A" }] },
  { key = "grade", kind = "choice", label = "Grade", classification = "coded", options = [{ code = "grade_1", label = "1" }, { code = "grade_2", label = "2" }] },
]
[[items]]
key = "modifiable"
kind = "choice"
label = "Modifiable"
classification = "coded"
options = [{ code = "identified", label = "Identified" }, { code = "none_identified", label = "None" }]
"#;

    fn row(grade: &str) -> BTreeMap<String, Answer> {
        BTreeMap::from([
            ("domain".to_string(), Answer::Code("a".into())),
            ("grade".to_string(), Answer::Code(grade.into())),
        ])
    }

    #[test]
    fn identified_needs_a_factor_graded_2() {
        let v = crate::forms::definition::parse("analysis/T.toml", DEF).unwrap_or_else(|e| panic!("{e:?}"));
        let mut a = Answers::new();
        a.insert(MODIFIABLE.into(), Answer::Code(IDENTIFIED.into()));
        assert_eq!(problems(&v, &a), vec![(MODIFIABLE.to_string(), NEEDS_GRADE_2.to_string())]);
        a.insert(FACTORS.into(), Answer::Rows(vec![row("grade_1")]));
        assert_eq!(problems(&v, &a).len(), 1);
        a.insert(FACTORS.into(), Answer::Rows(vec![row("grade_1"), row("grade_2")]));
        assert!(problems(&v, &a).is_empty());
        a.insert(MODIFIABLE.into(), Answer::Code("none_identified".into()));
        a.insert(FACTORS.into(), Answer::Rows(vec![]));
        assert!(problems(&v, &a).is_empty());
    }

    #[test]
    fn every_factor_names_its_domain() {
        let v = crate::forms::definition::parse("analysis/T.toml", DEF).unwrap_or_else(|e| panic!("{e:?}"));
        let mut a = Answers::new();
        let mut no_domain = row("grade_2");
        no_domain.remove("domain");
        a.insert(FACTORS.into(), Answer::Rows(vec![row("grade_1"), no_domain]));
        assert_eq!(
            problems(&v, &a),
            vec![("factors.1.domain".to_string(), "Factor 2: choose the domain it belongs to".to_string())]
        );
    }
}
