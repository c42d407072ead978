//! The statutory dataset export's files (pure): per case the coded notification, dates, signed
//! analysis and coded answers, each case named only by a pseudonymous key the caller derives
//! (stable per recipient), and a data dictionary generated from the form definitions. No
//! identifier is ever written here: the full export adds its identities file in the command
//! that opens them (`src/cli/export.rs`), since reports never decrypt.

use super::csv;
use crate::forms::Registry;
use crate::forms::definition::{Item, Kind};
use crate::store::dataset::{CASE_COLUMNS, Row};

/// What each case column holds, for the dictionary.
const CASE_DESCRIPTIONS: [(&str, &str); 26] = [
    ("area", "The area (partnership) the case belongs to"),
    (
        "reporting_year",
        "The reporting year the death was notified in, by its first year (2025 = 1 April 2025 to 31 March 2026)",
    ),
    ("notified_on", "The date of notification (YYYY-MM-DD)"),
    (
        "status",
        "Where the case stands: notified, gathering_information, ready_for_review, review_scheduled, reviewed, closed",
    ),
    ("source", "How the notification arrived: form, api, public, demo"),
    ("age_band", "Age at death: 0-27d, 28-364d, 1-4y, 5-9y, 10-14y, 15-17y"),
    ("age_at_death_days", "Age at death in whole days"),
    ("sex", "female, male, indeterminate, not_known"),
    ("ethnicity", "NHS ethnic category code (A to S), Z not stated, 99 not known"),
    (
        "imd_decile",
        "Index of Multiple Deprivation decile of the home postcode, 1 = most deprived; empty when not known",
    ),
    ("place_category", "Where the death happened (category code)"),
    ("expected", "yes: an expected death; no: unexpected"),
    ("jar", "yes when a Joint Agency Response was triggered"),
    ("jar_criteria", "The Joint Agency Response criteria met (codes, comma-separated)"),
    ("coroner_informed", "yes, no, not_known"),
    ("looked_after", "yes, no, not_known"),
    ("post_mortem_planned", "yes, no, not_known"),
    ("review_completed_on", "The date the chair signed the review off (empty while not reviewed)"),
    ("days_to_notification", "Whole days from the death to notification (set at sign-off)"),
    ("days_to_cdrm", "Whole days from the death to the child death review meeting"),
    ("days_to_panel", "Whole days from the death to the panel meeting"),
    ("days_to_review", "Whole days from the death to sign-off"),
    ("analysis_form_version", "The Analysis Form version of the signed analysis"),
    ("category", "Category of death (Analysis Form code)"),
    ("modifiable", "identified, none_identified, insufficient"),
    ("synthetic", "yes for synthetic demonstration cases (never real children)"),
];

/// The export's files, as (file name, CSV text).
pub struct Files(pub Vec<(String, String)>);

/// The anonymised files: cases, the analyses' and forms' coded answers, and the dictionary.
pub fn anonymised(
    cases: &[Row],
    analysis: &[(i64, String, i32, String)],
    forms: &[(i64, [String; 7])],
    key: &dyn Fn(i64) -> String,
    registry: &Registry,
) -> Files {
    let mut case_csv = csv::row(&std::iter::once("case_key").chain(CASE_COLUMNS).collect::<Vec<_>>());
    for c in cases {
        let k = key(c.id);
        let mut cells: Vec<&str> = vec![&k];
        cells.extend(c.values.iter().map(String::as_str));
        case_csv.push_str(&csv::row(&cells));
    }
    let mut analysis_csv = csv::row(&["case_key", "item_key", "row", "value"]);
    for (id, item, row, value) in analysis {
        analysis_csv.push_str(&csv::row(&[&key(*id), item, &row.to_string(), value]));
    }
    let mut forms_csv = csv::row(&[
        "case_key",
        "form",
        "form_version",
        "agency_type",
        "request_status",
        "item_key",
        "row",
        "value",
    ]);
    for (id, f) in forms {
        let k = key(*id);
        let mut cells: Vec<&str> = vec![&k];
        cells.extend(f.iter().map(String::as_str));
        forms_csv.push_str(&csv::row(&cells));
    }
    Files(vec![
        ("cases.csv".into(), case_csv),
        ("analysis_answers.csv".into(), analysis_csv),
        ("form_answers.csv".into(), forms_csv),
        ("data_dictionary.csv".into(), dictionary(registry)),
    ])
}

/// Every column of `cases.csv` and every coded item of every form version, with its codes.
pub fn dictionary(registry: &Registry) -> String {
    let mut out = csv::row(&["file", "form", "form_version", "column_or_item", "label", "kind", "codes"]);
    out.push_str(&csv::row(&["cases.csv", "", "", "case_key", "A pseudonymous key for the case, stable for this recipient; it cannot be turned back into the case without the service's key", "text", ""]));
    for (column, description) in CASE_DESCRIPTIONS {
        out.push_str(&csv::row(&["cases.csv", "", "", column, description, "", ""]));
    }
    for (code, versions) in registry.forms() {
        let file = if code == "analysis" { "analysis_answers.csv" } else { "form_answers.csv" };
        for v in versions {
            let mut coded: Vec<(String, &Item)> = Vec::new();
            for item in &v.items {
                if item.kind == Kind::Group {
                    for f in item.fields.iter().filter(|f| f.is_coded()) {
                        coded.push((format!("{}.{}", item.key, f.key), f));
                    }
                } else if item.is_coded() && item.kind != Kind::Heading {
                    coded.push((item.key.clone(), item));
                }
            }
            for (key, item) in coded {
                let codes: Vec<String> =
                    item.options.iter().map(|o| format!("{}={}", o.code, o.label)).collect();
                out.push_str(&csv::row(&[
                    file,
                    code,
                    &v.version,
                    &key,
                    &item.label,
                    item.kind.code(),
                    &codes.join("; "),
                ]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_names_every_case_column_and_coded_item() {
        assert_eq!(CASE_DESCRIPTIONS.map(|(c, _)| c), CASE_COLUMNS, "one description per column, in order");
        let registry = crate::forms::Registry::from_files(
            &crate::forms::shipped::SHIPPED
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect::<Vec<_>>(),
        )
        .expect("shipped forms");
        let d = dictionary(&registry);
        assert!(d.contains("analysis_answers.csv,analysis,DHSC-2018,factors.grade,Grade,choice,"));
        assert!(d.contains("analysis_answers.csv,analysis,DHSC-2018,themes,"));
        assert!(!d.contains(",factors.description,"), "identifying items are not in the dataset");
    }
}
