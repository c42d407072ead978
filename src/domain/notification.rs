//! The statutory Notification Form: what was typed (or posted to the API) in, a validated
//! notification out, split into the identifying part (sealed as one record) and the coded part
//! (clear columns for workflow and statistics).
//!
//! Errors are keyed by field path (`child.nhs_number`, `professionals.2.email`), the same names the
//! API uses; the browser form's input ids are those paths with `.` replaced by `-`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::codes::{Ethnicity, JarCriterion, PlaceOfDeath, Sex, YesNoUnknown};
use crate::domain::dates::{AgeBand, ReportingYear, completed_years};
use crate::domain::email::EmailAddress;
use crate::domain::nhs_number::NhsNumber;
use crate::domain::postcode::Postcode;

/// A date as typed: three GOV.UK date-input boxes, or an ISO `YYYY-MM-DD` string from the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateParts {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateParts {
    pub fn from_iso(s: &str) -> DateParts {
        let mut it = s.trim().splitn(3, '-');
        let (year, month, day) = (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next().unwrap_or(""));
        DateParts { day: day.into(), month: month.into(), year: year.into() }
    }

    fn is_empty(&self) -> bool {
        self.day.trim().is_empty() && self.month.trim().is_empty() && self.year.trim().is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInput {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

/// Everything the form or the API supplied, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationInput {
    pub area: String,
    pub given_names: String,
    pub family_name: String,
    pub other_names: String,
    pub date_of_birth: DateParts,
    pub sex: String,
    pub nhs_number: String,
    pub ethnicity: String,
    pub address: String,
    pub postcode: String,
    pub gp_practice: String,
    pub looked_after: String,
    pub date_of_death: DateParts,
    pub time_of_death: String,
    pub place_category: String,
    pub place_detail: String,
    /// "yes" / "no" (the form's radios) or from the API's boolean.
    pub expected: String,
    pub jar_criteria: Vec<String>,
    pub stillbirth: bool,
    pub suspected_home_stillbirth: bool,
    pub coroner_informed: String,
    pub circumstances: String,
    pub notifier: PersonInput,
    pub professionals: Vec<PersonInput>,
}

/// The identifying part, sealed as one age record. Never logged, never in an email or a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedIdentity {
    pub child: ChildIdentity,
    pub death: DeathDetails,
    pub notifier: Person,
    pub professionals: Vec<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildIdentity {
    pub given_names: String,
    pub family_name: String,
    pub other_names: String,
    pub date_of_birth: NaiveDate,
    pub nhs_number: String,
    pub address: String,
    pub postcode: String,
    pub gp_practice: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeathDetails {
    pub date_of_death: NaiveDate,
    pub time_of_death: String,
    pub place_detail: String,
    pub circumstances: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
}

/// The coded, non-identifying part: clear columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coded {
    pub sex: Sex,
    pub ethnicity: Ethnicity,
    pub age_at_death_days: i64,
    pub age_band: AgeBand,
    pub place_category: PlaceOfDeath,
    pub expected: bool,
    pub jar_criteria: Vec<JarCriterion>,
    pub stillbirth: bool,
    pub suspected_home_stillbirth: bool,
    pub coroner_informed: YesNoUnknown,
    pub looked_after: YesNoUnknown,
    /// The reporting year the death was notified in.
    pub reporting_year: ReportingYear,
}

/// A valid notification.
#[derive(Debug, Clone)]
pub struct Notification {
    pub area: String,
    pub nhs_number: NhsNumber,
    pub postcode: Postcode,
    pub identity: SealedIdentity,
    pub coded: Coded,
}

impl Notification {
    /// Whether a Joint Agency Response is indicated.
    pub fn jar(&self) -> bool {
        !self.coded.jar_criteria.is_empty()
    }
}

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Field paths that are dates (the form shows three boxes; errors link to the day box).
pub const DATE_FIELDS: &[&str] = &["child.date_of_birth", "death.date_of_death"];

pub const MAX_PROFESSIONALS: usize = 50;

struct Problems(Vec<FieldProblem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if !self.0.iter().any(|p| p.field == field) {
            self.0.push(FieldProblem { field, message: message.into() });
        }
    }
}

fn text(
    p: &mut Problems,
    field: &str,
    value: &str,
    required: Option<&str>,
    max: usize,
    what: &str,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        if let Some(message) = required {
            p.add(field, message);
        }
    } else if v.chars().count() > max {
        p.add(field, format!("{what} must be {max} characters or fewer"));
    }
    v.to_string()
}

fn date(p: &mut Problems, field: &str, parts: &DateParts, what: &str) -> Option<NaiveDate> {
    if parts.is_empty() {
        p.add(field, format!("Enter the {what}"));
        return None;
    }
    let missing: Vec<&str> = [("day", &parts.day), ("month", &parts.month), ("year", &parts.year)]
        .iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        p.add(field, format!("The {what} must include a {}", missing.join(" and ")));
        return None;
    }
    let num = |s: &str| s.trim().parse::<u32>().ok();
    let year = parts.year.trim();
    let parsed = match (num(&parts.day), num(&parts.month), year.parse::<i32>().ok()) {
        (Some(d), Some(m), Some(y)) if year.len() == 4 => NaiveDate::from_ymd_opt(y, m, d),
        _ => None,
    };
    if parsed.is_none() {
        p.add(field, format!("The {what} must be a real date, like 27 3 2026"));
    }
    parsed
}

fn yes_no_unknown(p: &mut Problems, field: &str, value: &str, message: &str) -> YesNoUnknown {
    match YesNoUnknown::parse(value) {
        Some(v) => v,
        None => {
            p.add(field, message);
            YesNoUnknown::NotKnown
        }
    }
}

fn person(p: &mut Problems, prefix: &str, input: &PersonInput, who: &str, phone_allowed: bool) -> Person {
    let name = text(
        p,
        &format!("{prefix}.name"),
        &input.name,
        Some(&format!("Enter the {who}'s name")),
        200,
        "Name",
    );
    let role = text(
        p,
        &format!("{prefix}.role"),
        &input.role,
        Some(&format!("Enter the {who}'s role")),
        200,
        "Role",
    );
    let organisation = text(
        p,
        &format!("{prefix}.organisation"),
        &input.organisation,
        Some(&format!("Enter the {who}'s organisation")),
        200,
        "Organisation",
    );
    let email = match EmailAddress::parse(&input.email) {
        Ok(e) => e.to_string(),
        Err(e) => {
            p.add(format!("{prefix}.email"), e.to_string());
            input.email.trim().to_string()
        }
    };
    let phone = if phone_allowed {
        text(p, &format!("{prefix}.phone"), &input.phone, None, 40, "Phone number")
    } else {
        String::new()
    };
    Person { name, role, organisation, email, phone }
}

/// Validates a notification received on `today`. Returns every problem at once, or the parsed
/// notification. Nothing is stored either way.
pub fn parse(input: &NotificationInput, today: NaiveDate) -> Result<Notification, Vec<FieldProblem>> {
    let mut p = Problems(Vec::new());
    let area = text(&mut p, "area", &input.area, Some("Select the area the child lived in"), 120, "Area");

    // The child.
    let given_names = text(
        &mut p,
        "child.given_names",
        &input.given_names,
        Some("Enter the child's first names"),
        100,
        "First names",
    );
    let family_name = text(
        &mut p,
        "child.family_name",
        &input.family_name,
        Some("Enter the child's last name"),
        100,
        "Last name",
    );
    let other_names = text(&mut p, "child.other_names", &input.other_names, None, 200, "Other names");
    let dob = date(&mut p, "child.date_of_birth", &input.date_of_birth, "date of birth");
    let sex = Sex::parse(&input.sex);
    if sex.is_none() {
        p.add("child.sex", "Select the child's sex, or ‘Not known’");
    }
    let nhs = match NhsNumber::parse(&input.nhs_number) {
        Ok(n) => Some(n),
        Err(e) => {
            p.add("child.nhs_number", e.to_string());
            None
        }
    };
    let ethnicity = Ethnicity::parse(&input.ethnicity);
    if ethnicity.is_none() {
        p.add("child.ethnicity", "Select the child's ethnicity, or ‘Not known’");
    }
    let address =
        text(&mut p, "child.address", &input.address, Some("Enter the child's home address"), 300, "Address");
    let postcode = match Postcode::parse(&input.postcode) {
        Ok(pc) => Some(pc),
        Err(e) => {
            p.add("child.postcode", e.to_string());
            None
        }
    };
    let gp_practice = text(&mut p, "child.gp_practice", &input.gp_practice, None, 200, "GP practice");
    let looked_after = if input.looked_after.trim().is_empty() {
        YesNoUnknown::NotKnown
    } else {
        yes_no_unknown(
            &mut p,
            "child.looked_after",
            &input.looked_after,
            "Select whether the child was looked after",
        )
    };

    // The death.
    let dod = date(&mut p, "death.date_of_death", &input.date_of_death, "date of death");
    let time_of_death = input.time_of_death.trim().to_string();
    if !time_of_death.is_empty() && chrono::NaiveTime::parse_from_str(&time_of_death, "%H:%M").is_err() {
        p.add("death.time_of_death", "Enter the time of death in 24-hour format, like 14:30");
    }
    let place = PlaceOfDeath::parse(&input.place_category);
    if place.is_none() {
        p.add("death.place_category", "Select where the death happened, or ‘Not known’");
    }
    let place_detail = text(&mut p, "death.place_detail", &input.place_detail, None, 300, "Place details");
    let expected = match input.expected.trim() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => {
            p.add("death.expected", "Select whether the death was expected");
            None
        }
    };
    let mut jar_criteria = Vec::new();
    for (i, code) in input.jar_criteria.iter().enumerate() {
        match JarCriterion::parse(code) {
            Some(c) if !jar_criteria.contains(&c) => jar_criteria.push(c),
            Some(_) => {}
            None => p.add(
                format!("death.jar_criteria.{i}"),
                format!("`{code}` is not a Joint Agency Response criterion"),
            ),
        }
    }
    if input.suspected_home_stillbirth && !jar_criteria.contains(&JarCriterion::HomeStillbirth) {
        jar_criteria.push(JarCriterion::HomeStillbirth);
    }
    if expected == Some(true) && !jar_criteria.is_empty() && !input.suspected_home_stillbirth {
        p.add(
            "death.jar_criteria",
            "Joint Agency Response criteria apply only to unexpected deaths. Clear them, or answer ‘No’ to whether the death was expected",
        );
    }
    let coroner_informed = yes_no_unknown(
        &mut p,
        "death.coroner_informed",
        &input.coroner_informed,
        "Select whether the coroner has been informed",
    );
    let circumstances = text(
        &mut p,
        "death.circumstances",
        &input.circumstances,
        Some("Describe the circumstances of the death, as far as they are known"),
        5000,
        "Circumstances",
    );
    if input.stillbirth && !input.suspected_home_stillbirth {
        p.add(
            "death.stillbirth",
            "Stillbirths are not reviewed by the child death overview panel, unless it is a suspected stillbirth at home with no healthcare professional present. Do not notify this death here",
        );
    }

    if let (Some(dob), Some(dod)) = (dob, dod) {
        if dob > today {
            p.add("child.date_of_birth", "Date of birth must be today or in the past");
        }
        if dod > today {
            p.add("death.date_of_death", "Date of death must be today or in the past");
        } else if dod < dob {
            p.add("death.date_of_death", "Date of death must be the same as or after the date of birth");
        } else if completed_years(dob, dod) >= 18 {
            p.add(
                "death.date_of_death",
                "The child was 18 or older when they died. Child death reviews cover deaths before the 18th birthday, so this death is out of scope",
            );
        }
    }

    // The notifier and the professionals involved.
    let notifier = person(&mut p, "notifier", &input.notifier, "notifier", true);
    if input.professionals.len() > MAX_PROFESSIONALS {
        p.add("professionals", format!("List at most {MAX_PROFESSIONALS} professionals; add more later"));
    }
    let professionals: Vec<Person> = input
        .professionals
        .iter()
        .take(MAX_PROFESSIONALS)
        .enumerate()
        .filter(|(_, pi)| **pi != PersonInput::default())
        .map(|(i, pi)| person(&mut p, &format!("professionals.{i}"), pi, "professional", false))
        .collect();

    if !p.0.is_empty() {
        return Err(p.0);
    }
    // Every Option below is Some when there are no problems.
    let (
        Some(dob),
        Some(dod),
        Some(sex),
        Some(nhs),
        Some(ethnicity),
        Some(postcode),
        Some(place),
        Some(expected),
    ) = (dob, dod, sex, nhs, ethnicity, postcode, place, expected)
    else {
        return Err(vec![FieldProblem { field: "form".into(), message: "The form is incomplete".into() }]);
    };
    let identity = SealedIdentity {
        child: ChildIdentity {
            given_names,
            family_name,
            other_names,
            date_of_birth: dob,
            nhs_number: nhs.to_string(),
            address,
            postcode: postcode.to_string(),
            gp_practice,
        },
        death: DeathDetails { date_of_death: dod, time_of_death, place_detail, circumstances },
        notifier,
        professionals,
    };
    let coded = Coded {
        sex,
        ethnicity,
        age_at_death_days: (dod - dob).num_days(),
        age_band: AgeBand::at(dob, dod),
        place_category: place,
        expected,
        jar_criteria,
        stillbirth: input.stillbirth,
        suspected_home_stillbirth: input.suspected_home_stillbirth,
        coroner_informed,
        looked_after,
        reporting_year: ReportingYear::of(today),
    };
    Ok(Notification { area, nhs_number: nhs, postcode, identity, coded })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn valid_input() -> NotificationInput {
        NotificationInput {
            area: "Cumberland".into(),
            given_names: "Alex".into(),
            family_name: "Example".into(),
            date_of_birth: DateParts::from_iso("2020-05-17"),
            sex: "female".into(),
            nhs_number: "943 476 5919".into(),
            ethnicity: "A".into(),
            address: "1 Example Street, Carlisle".into(),
            postcode: "ca1 1aa".into(),
            date_of_death: DateParts::from_iso("2026-11-20"),
            place_category: "hospital_ed".into(),
            expected: "no".into(),
            jar_criteria: vec!["sudden_unexplained".into()],
            coroner_informed: "yes".into(),
            circumstances: "Found unresponsive at home.".into(),
            notifier: PersonInput {
                name: "Dr N".into(),
                role: "Paediatrician".into(),
                organisation: "North Cumbria".into(),
                email: "n@nhs.example".into(),
                phone: String::new(),
            },
            ..Default::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    #[test]
    fn a_valid_notification_derives_coded_fields() {
        let n = parse(&valid_input(), today()).expect("valid");
        assert_eq!(n.coded.age_band, AgeBand::Years5To9);
        assert_eq!(
            n.coded.age_at_death_days,
            (n.identity.death.date_of_death - n.identity.child.date_of_birth).num_days()
        );
        assert_eq!(n.coded.reporting_year, ReportingYear(2026));
        assert_eq!(n.identity.child.postcode, "CA1 1AA");
        assert!(n.jar());
    }

    fn problems(input: &NotificationInput) -> Vec<(String, String)> {
        parse(input, today()).err().unwrap_or_default().into_iter().map(|p| (p.field, p.message)).collect()
    }

    #[test]
    fn dates_must_be_in_order_and_under_18() {
        let mut i = valid_input();
        i.date_of_death = DateParts::from_iso("2019-01-01");
        assert!(
            problems(&i)
                .iter()
                .any(|(f, m)| f == "death.date_of_death" && m.contains("after the date of birth"))
        );
        i.date_of_death = DateParts::from_iso("2027-01-01");
        assert!(problems(&i).iter().any(|(f, m)| f == "death.date_of_death" && m.contains("in the past")));
        i.date_of_birth = DateParts::from_iso("2008-11-20");
        i.date_of_death = DateParts::from_iso("2026-11-20");
        assert!(problems(&i).iter().any(|(f, m)| f == "death.date_of_death" && m.contains("out of scope")));
        i.date_of_death = DateParts { day: "31".into(), month: "2".into(), year: "2026".into() };
        assert!(problems(&i).iter().any(|(f, m)| f == "death.date_of_death" && m.contains("real date")));
        i.date_of_death = DateParts { day: "".into(), month: "2".into(), year: "2026".into() };
        assert!(problems(&i).iter().any(|(_, m)| m.contains("must include a day")));
    }

    #[test]
    fn specific_messages_for_each_field() {
        let mut i = valid_input();
        i.nhs_number = "943 476 5918".into();
        i.postcode = "XX".into();
        i.ethnicity = "Q".into();
        i.notifier.email = "nope".into();
        let got = problems(&i);
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["child.nhs_number", "child.ethnicity", "child.postcode", "notifier.email"]);
        assert!(got[0].1.contains("check digit"));
    }

    #[test]
    fn stillbirths_are_out_of_scope_unless_at_home_unattended() {
        let mut i = valid_input();
        i.stillbirth = true;
        i.date_of_birth = DateParts::from_iso("2026-11-20");
        assert!(problems(&i).iter().any(|(f, _)| f == "death.stillbirth"));
        i.suspected_home_stillbirth = true;
        let n = parse(&i, today()).expect("in scope");
        assert!(n.coded.jar_criteria.contains(&JarCriterion::HomeStillbirth));
        assert_eq!(n.coded.age_band, AgeBand::Under28Days);
    }

    #[test]
    fn jar_criteria_only_for_unexpected_deaths() {
        let mut i = valid_input();
        i.expected = "yes".into();
        assert!(problems(&i).iter().any(|(f, _)| f == "death.jar_criteria"));
        i.jar_criteria.clear();
        assert!(parse(&i, today()).is_ok());
    }
}
