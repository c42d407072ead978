//! A stored notification back into the form's input (to change it).

use super::*;
use crate::domain::codes::JarCriterion;

/// A notification as the form shows it again (for editing): the sealed and coded parts back
/// into text inputs.
pub fn to_input(area: &str, identity: &SealedIdentity, coded: &Coded) -> NotificationInput {
    let person = |p: &Person| PersonInput {
        name: p.name.clone(),
        role: p.role.clone(),
        organisation: p.organisation.clone(),
        email: p.email.clone(),
        phone: p.phone.clone(),
    };
    let c = &identity.child;
    let d = &identity.death;
    NotificationInput {
        area: area.to_string(),
        given_names: c.given_names.clone(),
        family_name: c.family_name.clone(),
        other_names: c.other_names.clone(),
        date_of_birth: c.date_of_birth.map(DateParts::from_date).unwrap_or_default(),
        sex: coded.sex.code().into(),
        nhs_number: c.nhs_number.clone(),
        nhs_number_status: coded.nhs_number_status.code().into(),
        ethnicity: coded.ethnicity.code().into(),
        address: c.address.clone(),
        address_not_known: c.address.is_empty(),
        postcode: c.postcode.clone(),
        postcode_not_known: c.postcode.is_empty(),
        date_of_birth_not_known: c.date_of_birth.is_none(),
        approximate_age: c.approximate_age.as_ref().map(|a| a.value.to_string()).unwrap_or_default(),
        approximate_age_unit: c.approximate_age.as_ref().map(|a| a.unit.clone()).unwrap_or_default(),
        gp_practice: c.gp_practice.clone(),
        looked_after: coded.looked_after.code().into(),
        parental_responsibility: c.parental_responsibility.clone(),
        date_of_death: DateParts::from_date(d.date_of_death),
        time_of_death: d.time_of_death.clone(),
        place_category: coded.place_category.code().into(),
        place_detail: d.place_detail.clone(),
        expected: if coded.expected { "yes" } else { "no" }.into(),
        jar_criteria: coded
            .jar_criteria
            .iter()
            .filter(|j| **j != JarCriterion::HomeStillbirth)
            .map(|j| j.code().to_string())
            .collect(),
        stillbirth: coded.stillbirth,
        suspected_home_stillbirth: coded.suspected_home_stillbirth,
        coroner_informed: coded.coroner_informed.code().into(),
        post_mortem_planned: coded.post_mortem_planned.code().into(),
        circumstances: d.circumstances.clone(),
        notifier: person(&identity.notifier),
        professionals: identity.professionals.iter().map(person).collect(),
    }
}
