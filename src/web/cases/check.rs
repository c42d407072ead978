//! "Check your answers" (GOV.UK pattern): a validated notification as summary lists by section,
//! each row with a link back to its field in the form.

use askama::Template;
use askama_web::WebTemplate;

use crate::domain::codes::{Ethnicity, JarCriterion, NhsNumberStatus, PlaceOfDeath, Sex, YesNoUnknown};
use crate::domain::notification::{Notification, Person};
use crate::web::cases::{date_of_birth_words, or_not_known};
use crate::web::page::Page;

pub struct CheckRow {
    pub label: String,
    pub value: String,
    /// The form's URL with the field's anchor.
    pub change: String,
}

pub struct Section {
    pub title: &'static str,
    pub rows: Vec<CheckRow>,
}

fn or_none(s: &str) -> String {
    if s.is_empty() { "None given".into() } else { s.to_string() }
}

fn person_line(p: &Person) -> String {
    let mut line = format!("{}, {}, {} ({})", p.name, p.role, p.organisation, p.email);
    if !p.phone.is_empty() {
        line.push_str(&format!(", {}", p.phone));
    }
    line
}

/// The answers of `n`, with change links into `form_url` (e.g. `/cases/new?draft=7`).
pub fn sections(n: &Notification, area: &str, form_url: &str) -> Vec<Section> {
    let row = |label: &str, value: String, anchor: &str| CheckRow {
        label: label.to_string(),
        value,
        change: format!("{form_url}#{anchor}"),
    };
    let c = &n.identity.child;
    let d = &n.identity.death;
    let coded = &n.coded;
    let nhs = match coded.nhs_number_status {
        NhsNumberStatus::Known => c.nhs_number.clone(),
        other => other.label().to_string(),
    };
    let jar: Vec<&str> = coded.jar_criteria.iter().map(|j: &JarCriterion| j.label()).collect();
    let yn = |v: YesNoUnknown| v.label().to_string();
    vec![
        Section {
            title: "The child",
            rows: vec![
                row("Area", area.to_string(), "area"),
                row("Name", format!("{} {}", c.given_names, c.family_name), "child-given_names"),
                row("Other names", or_none(&c.other_names), "child-other_names"),
                row("Date of birth", date_of_birth_words(c), "child-date_of_birth-day"),
                row("Sex", Sex::label(coded.sex).to_string(), "child-sex"),
                row("NHS number", nhs, "child-nhs_number_status"),
                row("Ethnicity", Ethnicity::label(coded.ethnicity).to_string(), "child-ethnicity"),
                row("Home address", or_not_known(&c.address), "child-address"),
                row("Postcode", or_not_known(&c.postcode), "child-postcode"),
                row("GP practice", or_none(&c.gp_practice), "child-gp_practice"),
                row(
                    "Parental responsibility",
                    or_none(&c.parental_responsibility),
                    "child-parental_responsibility",
                ),
                row("Looked after", yn(coded.looked_after), "child-looked_after"),
            ],
        },
        Section {
            title: "The death",
            rows: vec![
                row(
                    "Date of death",
                    d.date_of_death.format("%-d %B %Y").to_string(),
                    "death-date_of_death-day",
                ),
                row("Time of death", or_not_known(&d.time_of_death), "death-time_of_death"),
                row("Place", PlaceOfDeath::label(coded.place_category).to_string(), "death-place_category"),
                row("Place details", or_none(&d.place_detail), "death-place_detail"),
                row("Expected", if coded.expected { "Yes" } else { "No" }.into(), "death-expected"),
                row(
                    "Joint Agency Response",
                    if jar.is_empty() { "Not indicated".into() } else { jar.join("; ") },
                    "death-expected",
                ),
                row("Coroner informed", yn(coded.coroner_informed), "death-coroner_informed"),
                row("Post-mortem planned", yn(coded.post_mortem_planned), "death-post_mortem_planned"),
                row("Circumstances", d.circumstances.clone(), "death-circumstances"),
            ],
        },
        Section {
            title: "Who is notifying",
            rows: vec![row("Notifier", person_line(&n.identity.notifier), "notifier-name")],
        },
        Section {
            title: "Professionals involved",
            rows: if n.identity.professionals.is_empty() {
                vec![row("Professionals", "None listed yet".into(), "professionals-0-name")]
            } else {
                n.identity
                    .professionals
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        row(
                            &format!("Professional {}", i + 1),
                            person_line(p),
                            &format!("professionals-{i}-name"),
                        )
                    })
                    .collect()
            },
        },
    ]
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "cases/check_answers.html")]
pub struct CheckTemplate {
    pub page: Page,
    pub draft: i64,
    pub sections: Vec<Section>,
    /// The public form (no account, so no draft): the answers as hidden fields, and "Change"
    /// buttons instead of links.
    pub public_fields: Option<Vec<(String, String)>>,
}
