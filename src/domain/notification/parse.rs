//! Validating a notification: every problem at once, by field path, or the parsed notification
//! split into its sealed and coded parts.

use chrono::NaiveDate;

use super::*;
use crate::domain::codes::{
    AgeUnit, DataQuality, Ethnicity, JarCriterion, NhsNumberStatus, PlaceOfDeath, Sex, YesNoUnknown,
};
use crate::domain::dates::{AgeBand, ReportingYear, completed_years};
use crate::domain::email::EmailAddress;
use crate::domain::nhs_number::NhsNumber;
use crate::domain::postcode::Postcode;
use crate::input::{control_message, has_control};

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
    if has_control(v) {
        p.add(field, control_message(what));
    } else if v.is_empty() {
        if let Some(message) = required {
            p.add(field, message);
        }
    } else if v.chars().count() > max {
        p.add(field, format!("{what} must be {max} characters or fewer"));
    }
    v.to_string()
}

fn date(p: &mut Problems, field: &str, parts: &DateParts, what: &str) -> Option<NaiveDate> {
    match parts.parse(what) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            p.add(field, format!("Enter the {what}"));
            None
        }
        Err(message) => {
            p.add(field, message);
            None
        }
    }
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

/// Validates one person: the notifier (`row` is `None`) or the professional in row `row`
/// (0-based), whose messages name the row ("Professional 2: enter their role").
fn person(p: &mut Problems, prefix: &str, input: &PersonInput, row: Option<usize>) -> Person {
    let required = |what: &str| match row {
        None => format!("Enter the notifier's {what}"),
        Some(i) => format!("Professional {}: enter their {what}", i + 1),
    };
    let named = |message: String| match row {
        None => message,
        Some(i) => format!("Professional {}: {}", i + 1, lowercase_first(&message)),
    };
    let mut field = |key: &str, value: &str, what: &str, max: usize| {
        let before = p.0.len();
        let v = text(p, &format!("{prefix}.{key}"), value, Some(&required(what)), max, &capitalise(what));
        if p.0.len() > before
            && let Some(last) = p.0.last_mut()
            && !last.message.starts_with("Professional ")
            && !last.message.starts_with("Enter the notifier")
        {
            last.message = named(last.message.clone());
        }
        v
    };
    let name = field("name", &input.name, "name", 200);
    let role = field("role", &input.role, "role", 200);
    let organisation = field("organisation", &input.organisation, "organisation", 200);
    let email = match EmailAddress::parse(&input.email) {
        Ok(e) => e.to_string(),
        Err(e) => {
            p.add(format!("{prefix}.email"), named(e.to_string()));
            input.email.trim().to_string()
        }
    };
    let phone = if row.is_none() {
        text(p, &format!("{prefix}.phone"), &input.phone, None, 40, "Phone number")
    } else {
        String::new()
    };
    Person { name, role, organisation, email, phone }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
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
    let dob = if input.date_of_birth_not_known {
        None
    } else {
        date(&mut p, "child.date_of_birth", &input.date_of_birth, "date of birth")
    };
    let approximate_age = if input.date_of_birth_not_known { approximate_age(&mut p, input) } else { None };
    let sex = Sex::parse(&input.sex);
    if sex.is_none() {
        p.add("child.sex", "Select the child's sex, or ‘Not known’");
    }
    let nhs_number_status = match input.nhs_number_status.trim() {
        "" => Some(NhsNumberStatus::Known),
        s => NhsNumberStatus::parse(s),
    };
    let nhs = match nhs_number_status {
        Some(NhsNumberStatus::Known)
            if input.nhs_number.trim().is_empty() && input.nhs_number_status.trim().is_empty() =>
        {
            p.add("child.nhs_number_status", "Enter the child's NHS number, or say why it is not known");
            None
        }
        Some(NhsNumberStatus::Known) => match NhsNumber::parse(&input.nhs_number) {
            Ok(n) => Some(n),
            Err(e) => {
                p.add("child.nhs_number", e.to_string());
                None
            }
        },
        Some(_) => None,
        None => {
            p.add("child.nhs_number_status", "Select whether the NHS number is known, and if not, why not");
            None
        }
    };
    let ethnicity = Ethnicity::parse(&input.ethnicity);
    if ethnicity.is_none() {
        p.add("child.ethnicity", "Select the child's ethnicity, or ‘Not known’");
    }
    let address = if input.address_not_known {
        String::new()
    } else {
        text(
            &mut p,
            "child.address",
            &input.address,
            Some("Enter the child's home address, or select ‘Address not known’"),
            300,
            "Address",
        )
    };
    let postcode = if input.postcode_not_known {
        None
    } else {
        match Postcode::parse(&input.postcode) {
            Ok(pc) => Some(pc),
            Err(e) => {
                p.add("child.postcode", format!("{e}, or select ‘Postcode not known’"));
                None
            }
        }
    };
    let gp_practice = text(&mut p, "child.gp_practice", &input.gp_practice, None, 200, "GP practice");
    let parental_responsibility = text(
        &mut p,
        "child.parental_responsibility",
        &input.parental_responsibility,
        None,
        500,
        "Parental responsibility",
    );
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
    let post_mortem_planned = if input.post_mortem_planned.trim().is_empty() {
        YesNoUnknown::NotKnown
    } else {
        yes_no_unknown(
            &mut p,
            "death.post_mortem_planned",
            &input.post_mortem_planned,
            "Select whether a post-mortem examination is planned, or ‘Not known’",
        )
    };
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
    } else if let Some(dod) = dod
        && dod > today
    {
        p.add("death.date_of_death", "Date of death must be today or in the past");
    }
    if let Some(age) = &approximate_age
        && age.days() >= 18 * 1461 / 4
    {
        p.add(
            "child.approximate_age",
            "The child was 18 or older when they died. Child death reviews cover deaths before the 18th birthday, so this death is out of scope",
        );
    }

    // The notifier and the professionals involved.
    let notifier = person(&mut p, "notifier", &input.notifier, None);
    if input.professionals.len() > MAX_PROFESSIONALS {
        p.add("professionals", format!("List at most {MAX_PROFESSIONALS} professionals; add more later"));
    }
    // Every professional given is validated (the browser form leaves out rows left blank).
    let professionals: Vec<Person> = input
        .professionals
        .iter()
        .take(MAX_PROFESSIONALS)
        .enumerate()
        .map(|(i, pi)| person(&mut p, &format!("professionals.{i}"), pi, Some(i)))
        .collect();

    if !p.0.is_empty() {
        return Err(p.0);
    }
    // Every Option below is Some when there are no problems.
    let (Some(dod), Some(sex), Some(ethnicity), Some(place), Some(expected), Some(nhs_number_status)) =
        (dod, sex, ethnicity, place, expected, nhs_number_status)
    else {
        return Err(vec![FieldProblem { field: "form".into(), message: "The form is incomplete".into() }]);
    };
    let age_at_death_days = match (dob, &approximate_age) {
        (Some(dob), _) => (dod - dob).num_days(),
        (None, Some(age)) => age.days(),
        (None, None) => {
            return Err(vec![FieldProblem {
                field: "form".into(),
                message: "The form is incomplete".into(),
            }]);
        }
    };
    let age_band = match dob {
        Some(dob) => AgeBand::at(dob, dod),
        None => AgeBand::from_days(age_at_death_days),
    };
    let mut data_quality = Vec::new();
    if nhs.is_none() {
        data_quality.push(DataQuality::NhsNumber);
    }
    if dob.is_none() {
        data_quality.push(DataQuality::DateOfBirth);
    }
    if address.is_empty() {
        data_quality.push(DataQuality::Address);
    }
    if postcode.is_none() {
        data_quality.push(DataQuality::Postcode);
    }
    let identity = SealedIdentity {
        child: ChildIdentity {
            given_names,
            family_name,
            other_names,
            date_of_birth: dob,
            approximate_age,
            nhs_number: nhs.as_ref().map(|n| n.to_string()).unwrap_or_default(),
            address,
            postcode: postcode.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            gp_practice,
            parental_responsibility,
        },
        death: DeathDetails { date_of_death: dod, time_of_death, place_detail, circumstances },
        notifier,
        professionals,
    };
    let coded = Coded {
        sex,
        ethnicity,
        age_at_death_days,
        age_band,
        place_category: place,
        expected,
        jar_criteria,
        stillbirth: input.stillbirth,
        suspected_home_stillbirth: input.suspected_home_stillbirth,
        coroner_informed,
        looked_after,
        post_mortem_planned,
        nhs_number_status,
        age_approximate: dob.is_none(),
        data_quality,
        reporting_year: ReportingYear::of(today),
    };
    Ok(Notification { area, nhs_number: nhs, postcode, identity, coded })
}

/// The approximate age asked for when the date of birth is not known.
fn approximate_age(p: &mut Problems, input: &NotificationInput) -> Option<ApproximateAge> {
    let raw = input.approximate_age.trim();
    let unit = AgeUnit::parse(&input.approximate_age_unit);
    if raw.is_empty() {
        p.add("child.approximate_age", "Enter the child's approximate age, as a whole number");
        return None;
    }
    let Some(value) = raw.parse::<u32>().ok().filter(|v| *v <= 10_000) else {
        p.add("child.approximate_age", "Approximate age must be a whole number, like 3");
        return None;
    };
    let Some(unit) = unit else {
        p.add("child.approximate_age_unit", "Select whether the age is in days, weeks, months or years");
        return None;
    };
    Some(ApproximateAge { value, unit: unit.code().to_string() })
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
            n.identity
                .child
                .date_of_birth
                .map(|dob| (n.identity.death.date_of_death - dob).num_days())
                .unwrap_or(-1)
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
