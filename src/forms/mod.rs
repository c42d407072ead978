//! The forms engine: definitions as data (`config/forms/`), answers, page models, completeness.
//!
//! Pure: definition + answers in, page model, problems and figures out. It knows no web, no SQL
//! and no crypto; `web` renders its page models and `store` keeps its coded rows and the sealed
//! identifying part.

pub mod answers;
pub mod definition;
pub mod icd10;
pub mod obstetric;
pub mod page;
pub mod registry;

/// The definitions shipped in `config/forms`, built into the binary (see `build.rs`).
pub mod shipped {
    include!(concat!(env!("OUT_DIR"), "/forms.rs"));
}

pub use answers::{Answer, Answers, Completeness, FieldError, Raw};
pub use definition::{CaseFacts, DefinitionError, FormVersion, Item, Kind};
pub use registry::{Registry, Suggestion};

#[cfg(test)]
mod tests {
    use super::answers::*;
    use super::definition::*;
    use super::*;

    const FORM: &str = r#"
code = "reporting"
family = "reporting"
title = "Reporting form"
version = "V1"
applies_from = "2022-04-01"

[[items]]
key = "about"
kind = "heading"
label = "About"

[[items]]
key = "support"
kind = "yes_no_nk"
label = "Was support offered?"
classification = "coded"
required = true

[[items]]
key = "support_what"
kind = "narrative"
label = "What support?"
classification = "identifying"
show_if = { item = "support", any_of = ["yes"] }

[[items]]
key = "weight"
kind = "number"
label = "Weight"
unit = "kg"
min = 0
max = 200
decimals = 1
classification = "coded"

[[items]]
key = "born"
kind = "date"
label = "Date"
classification = "coded"

[[items]]
key = "family"
kind = "heading"
label = "Family"

[[items]]
key = "household"
kind = "group"
label = "Household members"
classification = "identifying"
fields = [
  { key = "relationship", kind = "choice", label = "Relationship", classification = "coded", options = [{ code = "mother", label = "Mother" }, { code = "father", label = "Father" }] },
  { key = "name", kind = "text", label = "Name", classification = "identifying" },
]

[[items]]
key = "risks"
kind = "multi_choice"
label = "Risks"
classification = "coded"
options = [{ code = "smoking", label = "Smoking" }, { code = "drugs", label = "Drugs" }]
"#;

    fn form() -> FormVersion {
        parse("reporting/V1.toml", FORM).expect("valid")
    }

    fn raw(pairs: &[(&str, &str)]) -> Raw {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn errors_of(text: &str) -> Vec<String> {
        parse("reporting/V1.toml", text).expect_err("refused").iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn faults_name_the_file_and_the_key() {
        let dup = FORM.replace("key = \"weight\"", "key = \"support\"");
        assert!(
            errors_of(&dup).iter().any(|e| e == "reporting/V1.toml: item `support`: duplicate key"),
            "{:?}",
            errors_of(&dup)
        );
        let kind = FORM.replace("kind = \"date\"", "kind = \"calendar\"");
        let e = errors_of(&kind);
        assert!(
            e.iter().any(|e| e.starts_with("reporting/V1.toml: item `born`: unknown variant `calendar`")),
            "{e:?}"
        );
        let cond = FORM.replace("item = \"support\"", "item = \"nowhere\"");
        let e = errors_of(&cond);
        assert!(e.iter().any(|e| e.contains("item `support_what`: show_if names `nowhere`")), "{e:?}");
        let later = FORM.replace("any_of = [\"yes\"]", "any_of = [\"maybe\"]");
        assert!(errors_of(&later).iter().any(|e| e.contains("`maybe` is not an answer")));
        let coded_narrative = FORM.replace(
            "label = \"What support?\"\nclassification = \"identifying\"",
            "label = \"What support?\"\nclassification = \"coded\"",
        );
        assert!(errors_of(&coded_narrative).iter().any(|e| e.contains("must be identifying")));
        // Free text can hold a name or a place: a coded text question must hold a format.
        let coded_text = FORM.replace(
            "kind = \"narrative\"\nlabel = \"What support?\"\nclassification = \"identifying\"",
            "kind = \"text\"\nlabel = \"What support?\"\nclassification = \"coded\"",
        );
        assert!(errors_of(&coded_text).iter().any(|e| e.contains("a coded text item needs a format")));
        let formatted = coded_text.replace(
            "classification = \"coded\"\nshow_if",
            "classification = \"coded\"\nformat = \"gravidity_parity\"\nshow_if",
        );
        assert!(parse("reporting/V1.toml", &formatted).is_ok(), "{:?}", errors_of(&formatted));
        let wrong_folder = parse("supplementary/x/V1.toml", FORM).expect_err("folder is the code");
        assert!(wrong_folder[0].to_string().contains("folder"));
    }

    #[test]
    fn option_codes_stay_while_labels_do() {
        let a = form();
        let mut b = parse(
            "reporting/V2.toml",
            &FORM.replace("version = \"V1\"", "version = \"V2\"").replace("2022-04-01", "2023-04-01"),
        )
        .expect("valid");
        assert!(Registry::from_versions(vec![a.clone(), b.clone()]).is_ok());
        b.items.iter_mut().find(|i| i.key == "risks").expect("risks").options[0].code = "tobacco".into();
        let e = Registry::from_versions(vec![a, b]).expect_err("code changed under the same label");
        assert!(e[0].to_string().contains("option \"Smoking\" has code `tobacco`"), "{}", e[0]);
    }

    #[test]
    fn reading_a_page_checks_each_field() {
        let f = form();
        let s = f.sections();
        let (answers, errors) = read_items(
            &s[0].items,
            &raw(&[
                ("support", "yes"),
                ("weight", "12.55"),
                ("born-day", "31"),
                ("born-month", "2"),
                ("born-year", "2024"),
            ]),
        );
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["weight", "born-day"], "{errors:?}");
        assert!(errors[0].message.contains("at most 1 decimal places"));
        assert_eq!(answers.get("support"), Some(&Some(Answer::Code("yes".into()))));
        let (answers, errors) =
            read_items(&s[0].items, &raw(&[("weight", ""), ("weight-status", "not_known")]));
        assert!(errors.is_empty());
        assert_eq!(answers.get("weight"), Some(&Some(Answer::Code(NOT_KNOWN.into()))));
        let (_, errors) = read_items(&s[0].items, &raw(&[("weight", "3"), ("weight-status", "not_known")]));
        assert!(errors[0].message.contains("not both"));
        let (_, errors) = read_items(&s[1].items, &raw(&[("risks", "smoking"), ("risks", "not_known")]));
        assert!(errors[0].message.contains("not both"));
    }

    #[test]
    fn coded_and_identifying_answers_split_and_join_back() {
        let f = form();
        let mut answers = Answers::new();
        answers.insert("support".into(), Answer::Code("yes".into()));
        answers.insert("support_what".into(), Answer::Text("Visits from the key worker".into()));
        answers.insert("weight".into(), Answer::Number("12.5".into()));
        answers.insert("risks".into(), Answer::Codes(vec!["smoking".into(), "drugs".into()]));
        let mut row = std::collections::BTreeMap::new();
        row.insert("relationship".to_string(), Answer::Code("father".into()));
        row.insert("name".to_string(), Answer::Text("A Person".into()));
        let mut only_coded = std::collections::BTreeMap::new();
        only_coded.insert("relationship".to_string(), Answer::Code("mother".into()));
        answers.insert("household".into(), Answer::Rows(vec![only_coded, row]));
        let (coded, identifying) = split(&f, &answers);
        assert!(coded.iter().all(|c| !c.value.contains("key worker") && !c.value.contains("A Person")));
        assert_eq!(coded.iter().filter(|c| c.item_key == "risks").count(), 2);
        assert!(identifying.contains_key("support_what"));
        assert_eq!(join(&f, &coded, identifying), answers);
    }

    #[test]
    fn conditions_hide_and_prune_follow_ups() {
        let f = form();
        let mut answers = Answers::new();
        answers.insert("support".into(), Answer::Code("no".into()));
        answers.insert("support_what".into(), Answer::Text("stale".into()));
        prune(&f, &mut answers);
        assert!(!answers.contains_key("support_what"));
        let model = page::page(&f, 0, &to_raw(&f, &answers), &answers, &[]).expect("page 0");
        let follow = model.items.iter().find(|i| i.key == "support_what").expect("rendered on the same page");
        assert!(follow.hidden && follow.show_if_item == "support");
        let mut yes = answers.clone();
        yes.insert("support".into(), Answer::Code("yes".into()));
        assert!(page::newly_revealed(&f, 0, &answers, &yes));
    }

    #[test]
    fn completeness_counts_applicable_coded_items() {
        let f = form();
        let mut answers = Answers::new();
        // Applicable coded items: support, weight, born, risks (the narrative is identifying; the
        // group is not counted).
        assert_eq!(completeness(&f, &answers), Completeness { answered: 0, not_known: 0, missing: 4 });
        answers.insert("support".into(), Answer::Code("yes".into()));
        answers.insert("weight".into(), Answer::Code(NOT_KNOWN.into()));
        assert_eq!(completeness(&f, &answers), Completeness { answered: 1, not_known: 1, missing: 2 });
        assert_eq!(missing_required(&f, &Answers::new()).len(), 1);
    }

    #[test]
    fn json_answers_read_like_posted_fields() {
        let f = form();
        let json = serde_json::json!({"support": "yes", "weight": 3.5, "born": "2024-02-29", "risks": ["drugs"],
            "household": [{"relationship": "mother", "name": "X"}]});
        let r = raw_from_json(&f, &json).expect("converts");
        let items: Vec<&Item> = f.items.iter().collect();
        let (answers, errors) = read_items(&items, &r);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            answers.get("born"),
            Some(&Some(Answer::Date(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("date"))))
        );
        assert!(raw_from_json(&f, &serde_json::json!({"nope": 1})).is_err());
    }
}
