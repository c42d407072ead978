//! Amending a notification after it was recorded: which fields changed (by path, never by value),
//! what a kept version holds, and the rule that every amendment has a reason.

use serde::{Deserialize, Serialize};

use crate::domain::notification::{NotificationInput, SealedIdentity};
use crate::input::{control_message, has_control};

/// A version of a notification kept when it is amended: the sealed record as it was, and why it
/// was changed. Serialised and sealed as one age record (the reason may name people).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptVersion {
    pub identity: SealedIdentity,
    pub reason: String,
}

/// The reason given for an amendment: required, at most 1,000 characters.
pub fn reason(value: &str) -> Result<String, String> {
    let v = value.trim();
    if has_control(v) {
        Err(control_message("The reason"))
    } else if v.is_empty() {
        Err("Enter the reason for the change, for example ‘NHS number confirmed by the GP’".into())
    } else if v.chars().count() > 1000 {
        Err("The reason must be 1,000 characters or fewer".into())
    } else {
        Ok(v.to_string())
    }
}

/// The field paths whose values differ between two versions of a notification, in page order.
pub fn changed_fields(old: &NotificationInput, new: &NotificationInput) -> Vec<&'static str> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let date = |d: &crate::domain::notification::DateParts| {
        (d.day.trim().parse::<u32>().ok(), d.month.trim().parse::<u32>().ok(), d.year.trim().to_string())
    };
    let mut changed = Vec::new();
    let mut text = |path: &'static str, a: &str, b: &str| {
        if norm(a) != norm(b) {
            changed.push(path);
        }
    };
    text("area", &old.area, &new.area);
    text("child.given_names", &old.given_names, &new.given_names);
    text("child.family_name", &old.family_name, &new.family_name);
    text("child.other_names", &old.other_names, &new.other_names);
    text("child.sex", &old.sex, &new.sex);
    text(
        "child.nhs_number",
        &old.nhs_number.replace([' ', '-'], ""),
        &new.nhs_number.replace([' ', '-'], ""),
    );
    text("child.nhs_number_status", &old.nhs_number_status, &new.nhs_number_status);
    text("child.ethnicity", &old.ethnicity, &new.ethnicity);
    text("child.address", &old.address, &new.address);
    text(
        "child.postcode",
        &old.postcode.to_uppercase().replace(' ', ""),
        &new.postcode.to_uppercase().replace(' ', ""),
    );
    text("child.approximate_age", &old.approximate_age, &new.approximate_age);
    text("child.approximate_age_unit", &old.approximate_age_unit, &new.approximate_age_unit);
    text("child.gp_practice", &old.gp_practice, &new.gp_practice);
    text("child.parental_responsibility", &old.parental_responsibility, &new.parental_responsibility);
    text("child.looked_after", &old.looked_after, &new.looked_after);
    text("death.time_of_death", &old.time_of_death, &new.time_of_death);
    text("death.place_category", &old.place_category, &new.place_category);
    text("death.place_detail", &old.place_detail, &new.place_detail);
    text("death.expected", &old.expected, &new.expected);
    text("death.coroner_informed", &old.coroner_informed, &new.coroner_informed);
    text("death.post_mortem_planned", &old.post_mortem_planned, &new.post_mortem_planned);
    text("death.circumstances", &old.circumstances, &new.circumstances);
    if date(&old.date_of_birth) != date(&new.date_of_birth)
        || old.date_of_birth_not_known != new.date_of_birth_not_known
    {
        changed.push("child.date_of_birth");
    }
    if date(&old.date_of_death) != date(&new.date_of_death) {
        changed.push("death.date_of_death");
    }
    let mut jar_a = old.jar_criteria.clone();
    let mut jar_b = new.jar_criteria.clone();
    jar_a.sort();
    jar_b.sort();
    if jar_a != jar_b {
        changed.push("death.jar_criteria");
    }
    if old.stillbirth != new.stillbirth || old.suspected_home_stillbirth != new.suspected_home_stillbirth {
        changed.push("death.stillbirth");
    }
    if old.notifier != new.notifier {
        changed.push("notifier");
    }
    if old.professionals != new.professionals {
        changed.push("professionals");
    }
    changed.sort_by_key(|f| crate::domain::notification::page_position(f));
    changed
}

/// Words for a field path, for the case timeline ("Changed: NHS number, home address").
pub fn field_label(path: &str) -> &'static str {
    match path {
        "area" => "area",
        "child.given_names" => "first names",
        "child.family_name" => "last name",
        "child.other_names" => "other names",
        "child.sex" => "sex",
        "child.nhs_number" => "NHS number",
        "child.nhs_number_status" => "whether the NHS number is known",
        "child.ethnicity" => "ethnicity",
        "child.address" => "home address",
        "child.postcode" => "postcode",
        "child.date_of_birth" => "date of birth",
        "child.approximate_age" | "child.approximate_age_unit" => "approximate age",
        "child.gp_practice" => "GP practice",
        "child.parental_responsibility" => "parental responsibility",
        "child.looked_after" => "looked after",
        "death.date_of_death" => "date of death",
        "death.time_of_death" => "time of death",
        "death.place_category" => "place of death",
        "death.place_detail" => "place details",
        "death.expected" => "whether the death was expected",
        "death.jar_criteria" => "Joint Agency Response criteria",
        "death.stillbirth" => "stillbirth",
        "death.coroner_informed" => "coroner informed",
        "death.post_mortem_planned" => "post-mortem planned",
        "death.circumstances" => "circumstances",
        "notifier" => "notifier",
        "professionals" => "professionals involved",
        _ => "other details",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::{DateParts, PersonInput};

    #[test]
    fn changes_are_named_by_field_and_formatting_is_not_a_change() {
        let old = NotificationInput {
            given_names: "Alex".into(),
            nhs_number: "943 476 5919".into(),
            postcode: "ca1 1aa".into(),
            date_of_birth: DateParts::from_iso("2020-05-07"),
            ..Default::default()
        };
        let mut new = old.clone();
        new.nhs_number = "9434765919".into();
        new.postcode = "CA1 1AA".into();
        new.date_of_birth = DateParts { day: "07".into(), month: "5".into(), year: "2020".into() };
        assert!(changed_fields(&old, &new).is_empty());
        new.given_names = "Alexa".into();
        new.professionals.push(PersonInput { name: "X".into(), ..Default::default() });
        new.nhs_number = "9434765870".into();
        assert_eq!(
            changed_fields(&old, &new),
            vec!["child.given_names", "child.nhs_number", "professionals"]
        );
        assert!(reason("  ").is_err());
        assert!(reason("a\0b").is_err());
        assert_eq!(reason(" Confirmed by GP ").ok().as_deref(), Some("Confirmed by GP"));
    }
}
