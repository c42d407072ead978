//! The statutory Notification Form: what was typed (or posted to the API) in, a validated
//! notification out, split into the identifying part (sealed as one record) and the coded part
//! (clear columns for workflow and statistics).
//!
//! Errors are keyed by field path (`child.nhs_number`, `professionals.2.email`), the same names the
//! API uses; the browser form's input ids are those paths with `.` replaced by `-`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::codes::{
    AgeUnit, DataQuality, Ethnicity, JarCriterion, NhsNumberStatus, PlaceOfDeath, Sex, YesNoUnknown,
};
use crate::domain::dates::{AgeBand, ReportingYear};
use crate::domain::nhs_number::NhsNumber;
use crate::domain::postcode::Postcode;
pub use crate::input::DateParts;

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
    /// `known` (or empty: the number is given), `not_resident` or `not_available`.
    pub nhs_number_status: String,
    pub ethnicity: String,
    pub address: String,
    pub address_not_known: bool,
    pub postcode: String,
    pub postcode_not_known: bool,
    pub date_of_birth_not_known: bool,
    /// When the date of birth is not known: a whole number and a unit (days, weeks, months, years).
    pub approximate_age: String,
    pub approximate_age_unit: String,
    pub gp_practice: String,
    pub looked_after: String,
    /// Who holds parental responsibility (free text, sealed).
    pub parental_responsibility: String,
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
    /// yes / no / not_known; empty is "not known".
    pub post_mortem_planned: String,
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
    /// `None` when not known (then `approximate_age` is given).
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate_age: Option<ApproximateAge>,
    /// Empty when not known (see the coded `nhs_number_status`).
    pub nhs_number: String,
    /// Empty when not known.
    pub address: String,
    /// Empty when not known.
    pub postcode: String,
    pub gp_practice: String,
    #[serde(default)]
    pub parental_responsibility: String,
}

/// An age at death given when the date of birth is not known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproximateAge {
    pub value: u32,
    /// An [`AgeUnit`] code.
    pub unit: String,
}

impl ApproximateAge {
    /// The age in days (a month is 30.44 days, a year 365.25).
    pub fn days(&self) -> i64 {
        let v = i64::from(self.value);
        match AgeUnit::parse(&self.unit) {
            Some(AgeUnit::Days) | None => v,
            Some(AgeUnit::Weeks) => v * 7,
            Some(AgeUnit::Months) => v * 3044 / 100,
            Some(AgeUnit::Years) => v * 1461 / 4,
        }
    }
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
    pub post_mortem_planned: YesNoUnknown,
    pub nhs_number_status: NhsNumberStatus,
    /// The age in days was derived from an approximate age (date of birth not known).
    pub age_approximate: bool,
    /// Identifying details not known at notification, for the coordinator to follow up.
    pub data_quality: Vec<DataQuality>,
    /// The reporting year the death was notified in.
    pub reporting_year: ReportingYear,
}

/// A valid notification.
#[derive(Debug, Clone)]
pub struct Notification {
    pub area: String,
    /// `None` when not known.
    pub nhs_number: Option<NhsNumber>,
    /// `None` when not known.
    pub postcode: Option<Postcode>,
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

/// The fields in the order the form shows them (error summaries list problems in page order).
const PAGE_ORDER: &[&str] = &[
    "area",
    "child.given_names",
    "child.family_name",
    "child.other_names",
    "child.date_of_birth",
    "child.approximate_age",
    "child.approximate_age_unit",
    "child.sex",
    "child.nhs_number_status",
    "child.nhs_number",
    "child.ethnicity",
    "child.address",
    "child.postcode",
    "child.gp_practice",
    "child.parental_responsibility",
    "child.looked_after",
    "death.date_of_death",
    "death.time_of_death",
    "death.place_category",
    "death.place_detail",
    "death.expected",
    "death.jar_criteria",
    "death.stillbirth",
    "death.coroner_informed",
    "death.post_mortem_planned",
    "death.circumstances",
    "notifier.name",
    "notifier.role",
    "notifier.organisation",
    "notifier.email",
    "notifier.phone",
    "professionals",
];

/// Where a field path sits on the page: (position, professional row, position in the row).
pub fn page_position(field: &str) -> (usize, usize, usize) {
    if let Some(rest) = field.strip_prefix("professionals.") {
        let mut parts = rest.splitn(2, '.');
        let row = parts.next().and_then(|r| r.parse().ok()).unwrap_or(0);
        let within = ["name", "role", "organisation", "email"]
            .iter()
            .position(|k| Some(*k) == parts.next())
            .unwrap_or(0);
        return (PAGE_ORDER.len(), row, within);
    }
    let base = if field.starts_with("death.jar_criteria") { "death.jar_criteria" } else { field };
    (PAGE_ORDER.iter().position(|f| *f == base).unwrap_or(PAGE_ORDER.len() + 1), 0, 0)
}

pub const MAX_PROFESSIONALS: usize = 50;

mod parse;
mod to_input;

pub use parse::parse;
pub use to_input::to_input;
