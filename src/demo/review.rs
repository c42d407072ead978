//! What happens to a synthetic case after notification: which agencies are asked for forms and
//! when they answer, when the CDRM and the panel meet, what the panel decides (category, modifiable
//! outcome, graded factors, themes, ICD-10 codes, learning) and what the panel members thought
//! beforehand. Pure: the plan is drawn from a seeded generator and written by
//! [`super::lifecycle`].
//!
//! Shares follow published national figures loosely (NCMD annual reports): perinatal/neonatal
//! events and congenital anomalies dominate under one year, trauma and suicide in older
//! teenagers; modifiable factors in about four deaths in ten, most often after sudden unexpected
//! infant deaths, trauma and suicide, rarely after malignancy; about one review in three
//! completed within six months of the death and most within a year.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use rand::RngExt;
use rand::rngs::StdRng;

use super::{chance, weighted};
use crate::domain::codes::{AgencyType, ReviewDelay};
use crate::forms::answers::{Answer, Answers};
use crate::forms::definition::NOT_KNOWN;

/// The coded facts of a notified case the plan depends on.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub age_band: String,
    pub expected: bool,
    pub sudden: bool,
    pub imd_decile: Option<i32>,
    pub death: NaiveDate,
    pub notified: NaiveDate,
}

/// One agency asked for the reporting form, and what became of it.
#[derive(Debug, Clone)]
pub struct RequestPlan {
    pub agency: &'static str,
    pub agency_type: AgencyType,
    pub requested: NaiveDate,
    /// When the form came back, or (with `withdrawn`) when the request was withdrawn.
    pub closed: Option<NaiveDate>,
    pub withdrawn: bool,
}

/// The panel's conclusion.
#[derive(Debug, Clone)]
pub struct Decision {
    pub category: &'static str,
    pub modifiable: &'static str,
    pub answers: Answers,
    pub themes: Vec<&'static str>,
}

/// A panel member's private view before the meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub category: &'static str,
    pub modifiable: &'static str,
}

/// What happened to one case, dates in the past only; anything that would fall after `today` has
/// not happened yet.
#[derive(Debug, Clone)]
pub struct Plan {
    pub requests: Vec<RequestPlan>,
    /// Every request answered or withdrawn, on this date.
    pub ready: Option<NaiveDate>,
    pub cdrm: Option<NaiveDate>,
    /// Panel meetings the case was on: the deferrals first, with their reason, then the one that
    /// reviewed it (`None` as reason); a last meeting after `today` is scheduled, not held.
    pub panels: Vec<(NaiveDate, Option<ReviewDelay>)>,
    pub signed: Option<NaiveDate>,
    pub closed: Option<NaiveDate>,
    pub decision: Decision,
    pub ratings: Vec<Rating>,
    /// An action from the panel's recommendations: due date and status code.
    pub action: Option<(NaiveDate, &'static str)>,
}

const AGENCIES: &[(&str, AgencyType, u32)] = &[
    ("Synthetic Acute Hospital Trust", AgencyType::Health, 90),
    ("Synthetic General Practice", AgencyType::Health, 85),
    ("Synthetic Community Health Trust", AgencyType::Health, 60),
    ("Synthetic Ambulance Service", AgencyType::Ambulance, 35),
    ("Synthetic Police", AgencyType::Police, 40),
    ("Synthetic Children's Social Care", AgencyType::SocialCare, 45),
    ("Synthetic School", AgencyType::Education, 30),
    ("Synthetic Coroner's Office", AgencyType::Coroner, 30),
];

pub const CATEGORIES: [&str; 10] = [
    "deliberately_inflicted",
    "suicide_self_harm",
    "trauma_external",
    "malignancy",
    "acute_medical_surgical",
    "chronic_medical",
    "chromosomal_genetic_congenital",
    "perinatal_neonatal",
    "infection",
    "sudden_unexplained",
];

/// Category weights by age band, in the order of [`CATEGORIES`].
fn category_weights(age_band: &str) -> [u32; 10] {
    match age_band {
        "0-27d" => [1, 0, 1, 0, 3, 1, 25, 62, 4, 3],
        "28-364d" => [3, 0, 4, 2, 12, 5, 25, 10, 12, 27],
        "1-4y" => [3, 0, 12, 15, 15, 8, 20, 3, 15, 9],
        "5-9y" => [3, 1, 14, 28, 15, 12, 15, 0, 10, 2],
        "10-14y" => [3, 14, 16, 20, 12, 14, 12, 0, 6, 3],
        _ => [6, 28, 25, 12, 10, 10, 5, 0, 4, 0],
    }
}

/// Percent of reviews with modifiable factors, by category (in the order of [`CATEGORIES`]).
const MODIFIABLE_PERCENT: [u32; 10] = [92, 80, 75, 8, 35, 25, 10, 30, 35, 60];

/// The category a rater might confuse with each one (the confusions the help text warns about).
fn near(category: &str) -> &'static str {
    match category {
        "chromosomal_genetic_congenital" => "chronic_medical",
        "chronic_medical" => "chromosomal_genetic_congenital",
        "sudden_unexplained" => "infection",
        "infection" => "acute_medical_surgical",
        "acute_medical_surgical" => "infection",
        "perinatal_neonatal" => "chromosomal_genetic_congenital",
        "trauma_external" => "deliberately_inflicted",
        "deliberately_inflicted" => "trauma_external",
        "suicide_self_harm" => "trauma_external",
        _ => "chronic_medical",
    }
}

/// Factors a panel might record for a category: domain, description, whether it is the kind
/// that contributes (graded 2 when modifiable).
fn factor_pool(category: &str) -> &'static [(&'static str, &'static str)] {
    match category {
        "sudden_unexplained" => &[
            ("b", "Smoking in the household"),
            ("c", "Unsafe sleeping environment: an adult bed shared with the infant"),
            ("b", "Parental alcohol use on the night of the death"),
            ("d", "Safer sleep advice not repeated after the family moved home"),
        ],
        "suicide_self_harm" => &[
            ("a", "History of self-harm"),
            ("b", "Bullying at school and online"),
            ("d", "Long wait for specialist mental health support"),
            ("d", "Information about risk not shared between school and health services"),
        ],
        "trauma_external" => &[
            ("c", "Road layout and traffic speed near the home"),
            ("c", "Open water without barriers or supervision"),
            ("b", "Supervision arrangements at the time"),
            ("d", "Delay in the emergency response"),
        ],
        "deliberately_inflicted" => &[
            ("b", "Domestic abuse in the household"),
            ("b", "Parental substance misuse"),
            ("d", "Concerns not escalated between agencies"),
        ],
        "infection" | "acute_medical_surgical" => &[
            ("d", "Delay in recognising deterioration"),
            ("b", "Barriers to getting help out of hours"),
            ("a", "Incomplete immunisations"),
        ],
        "perinatal_neonatal" => &[
            ("b", "Smoking in pregnancy"),
            ("d", "Late booking for antenatal care"),
            ("a", "Extreme prematurity"),
        ],
        _ => &[
            ("a", "Complex health needs"),
            ("d", "Communication between hospital and community teams"),
            ("b", "Family under financial strain"),
        ],
    }
}

/// The learning point a panel might draw from a death in this category (no names, dates or places).
pub fn learning_of(category: &str) -> &'static str {
    match category {
        "sudden_unexplained" => {
            "Safer sleep advice should be repeated at every contact in the first year, including when a family moves home or a new carer looks after the baby."
        }
        "suicide_self_harm" => {
            "Schools and health services should share concerns about self-harm promptly, and young people waiting for specialist support need a named contact."
        }
        "trauma_external" => {
            "Local road safety and water safety measures should be reviewed where several incidents have happened."
        }
        "deliberately_inflicted" => {
            "Concerns about domestic abuse and substance misuse should be escalated under the local safeguarding procedures without delay."
        }
        "infection" | "acute_medical_surgical" => {
            "Families should be told how to recognise a child who is becoming seriously unwell and how to get help out of hours."
        }
        "perinatal_neonatal" => {
            "Smoking cessation support should be offered at booking and at every antenatal contact."
        }
        _ => {
            "Care plans for children with complex needs should be shared between hospital and community teams."
        }
    }
}

const ICD10: &[(&str, &[&str])] = &[
    ("perinatal_neonatal", &["P07.2", "P22.0", "P21.9", "P36.9"]),
    ("chromosomal_genetic_congenital", &["Q24.9", "Q91.3", "Q90.9", "Q60.6"]),
    ("sudden_unexplained", &["R95", "R99"]),
    ("infection", &["A41.9", "J18.9", "A39.4"]),
    ("malignancy", &["C71.9", "C91.0", "C74.9"]),
    ("acute_medical_surgical", &["K56.6", "J96.0", "I49.0"]),
    ("chronic_medical", &["G40.9", "J45.9", "E84.9"]),
    ("trauma_external", &["V89.2", "W69", "W74"]),
    ("suicide_self_harm", &["X70", "X80"]),
    ("deliberately_inflicted", &["Y09", "T74.1"]),
];

fn pick<T: Copy>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// The themes a panel would tag, from the category and the case.
fn themes(rng: &mut StdRng, facts: &CaseFacts, category: &str, modifiable: bool) -> Vec<&'static str> {
    let mut t: Vec<&'static str> = Vec::new();
    let mut maybe = |rng: &mut StdRng, theme: &'static str, percent: u32| {
        if chance(rng, percent) && !t.contains(&theme) {
            t.push(theme);
        }
    };
    match category {
        "sudden_unexplained" => {
            maybe(rng, "safe_sleep", 70);
            maybe(rng, "smoking", 45);
        }
        "suicide_self_harm" => {
            maybe(rng, "suicide_self_harm", 100);
            maybe(rng, "mental_health", 65);
            maybe(rng, "bullying", 15);
            maybe(rng, "online_harm", 12);
            maybe(rng, "exploitation", 8);
        }
        "trauma_external" => {
            maybe(rng, "road_traffic", 45);
            maybe(rng, "drowning", 12);
            maybe(rng, "fire", 5);
            if facts.age_band == "15-17y" {
                maybe(rng, "knife_crime", 10);
            }
        }
        "deliberately_inflicted" => {
            maybe(rng, "domestic_abuse", 45);
            maybe(rng, "substance_misuse", 30);
        }
        "infection" => maybe(rng, "infection_vaccination", 15),
        "chronic_medical" | "acute_medical_surgical" => {
            maybe(rng, "asthma", 10);
            maybe(rng, "epilepsy", 10);
        }
        "chromosomal_genetic_congenital" => maybe(rng, "consanguinity", 15),
        "perinatal_neonatal" => maybe(rng, "smoking", 20),
        _ => {}
    }
    // Deprivation: the most deprived deciles are tagged far more often.
    let poverty = match facts.imd_decile {
        Some(d) if d <= 2 => 35,
        Some(d) if d <= 5 => 15,
        Some(_) => 4,
        None => 10,
    };
    maybe(rng, "poverty", poverty);
    if modifiable {
        maybe(rng, "access_to_services", 10);
    }
    maybe(rng, "bereavement_support", 4);
    // In the form's order, as the page posts them.
    t.sort_by_key(|x| THEME_ORDER.iter().position(|o| o == x));
    t
}

/// The Analysis Form's theme options in their order (`config/forms/analysis/DHSC-2018.toml`).
const THEME_ORDER: [&str; 20] = [
    "safe_sleep",
    "smoking",
    "suicide_self_harm",
    "road_traffic",
    "drowning",
    "exploitation",
    "poverty",
    "domestic_abuse",
    "substance_misuse",
    "mental_health",
    "bullying",
    "consanguinity",
    "asthma",
    "epilepsy",
    "infection_vaccination",
    "access_to_services",
    "bereavement_support",
    "knife_crime",
    "fire",
    "online_harm",
];

fn factor_row(domain: &str, description: &str, grade: &str) -> std::collections::BTreeMap<String, Answer> {
    [
        ("domain".to_string(), Answer::Code(domain.into())),
        ("description".to_string(), Answer::Text(description.into())),
        ("grade".to_string(), Answer::Code(grade.into())),
    ]
    .into_iter()
    .collect()
}

/// The panel's decision, as the current Analysis Form's answers.
pub fn decision(rng: &mut StdRng, facts: &CaseFacts) -> Decision {
    let mut weights = category_weights(&facts.age_band);
    if facts.expected {
        // Expected deaths are rarely violent or unexplained.
        for (i, c) in CATEGORIES.iter().enumerate() {
            if matches!(
                *c,
                "deliberately_inflicted" | "suicide_self_harm" | "trauma_external" | "sudden_unexplained"
            ) {
                weights[i] = 0;
            }
        }
    } else if facts.sudden {
        weights[9] *= 3;
    }
    if weights.iter().all(|w| *w == 0) {
        weights[5] = 1;
    }
    let ci = weighted(rng, &weights);
    let category = CATEGORIES[ci];
    let modifiable = if chance(rng, 3) {
        "insufficient"
    } else if chance(rng, MODIFIABLE_PERCENT[ci]) {
        "identified"
    } else {
        "none_identified"
    };
    let pool = factor_pool(category);
    let mut rows = Vec::new();
    match modifiable {
        "identified" => {
            let n = rng.random_range(1..=pool.len().min(3));
            for (i, (domain, what)) in pool.iter().take(n).enumerate() {
                let grade = if i == 0 || chance(rng, 50) { "grade_2" } else { "grade_1" };
                rows.push(factor_row(domain, what, grade));
            }
        }
        "none_identified" if chance(rng, 40) => {
            let (domain, what) = pick(rng, pool);
            rows.push(factor_row(domain, what, "grade_1"));
        }
        "insufficient" if chance(rng, 50) => {
            let (domain, what) = pick(rng, pool);
            rows.push(factor_row(domain, what, "grade_0"));
        }
        _ => {}
    }
    let themes = themes(rng, facts, category, modifiable == "identified");
    let codes = ICD10.iter().find(|(c, _)| *c == category).map(|(_, v)| *v).unwrap_or(&["R99"]);
    let mut a = Answers::new();
    if !rows.is_empty() {
        a.insert("factors".into(), Answer::Rows(rows));
    }
    a.insert("modifiable".into(), Answer::Code(modifiable.into()));
    if modifiable == "insufficient" {
        a.insert(
            "insufficient_reason".into(),
            Answer::Text(
                "The post-mortem report and the hospital records were not available to the panel.".into(),
            ),
        );
    }
    a.insert("category".into(), Answer::Code(category.into()));
    a.insert("primary_cause".into(), Answer::Text("Cause of death as recorded (demonstration data)".into()));
    a.insert(
        "primary_icd10".into(),
        if chance(rng, 92) { Answer::Text(pick(rng, codes).into()) } else { Answer::Code(NOT_KNOWN.into()) },
    );
    if !themes.is_empty() {
        a.insert("themes".into(), Answer::Codes(themes.iter().map(|t| t.to_string()).collect()));
    }
    let social = if category == "deliberately_inflicted" { 80 } else { 18 };
    a.insert(
        "known_to_social_care".into(),
        Answer::Code(
            if chance(rng, 4) {
                NOT_KNOWN
            } else if chance(rng, social) {
                "yes"
            } else {
                "no"
            }
            .into(),
        ),
    );
    a.insert("learning".into(), Answer::Text(learning_of(category).into()));
    if modifiable == "identified" {
        a.insert(
            "recommendations".into(),
            Answer::Text(format!("Share this learning with partners: {}", learning_of(category))),
        );
    }
    a.insert(
        "safeguarding_review_referral".into(),
        Answer::Code(
            if category == "deliberately_inflicted" && chance(rng, 70) { "yes" } else { "no" }.into(),
        ),
    );
    a.insert("family_feedback".into(), Answer::Code(if chance(rng, 85) { "yes" } else { NOT_KNOWN }.into()));
    Decision { category, modifiable, answers: a, themes }
}

/// A panel member's private categorisation: usually the panel's, sometimes a near category.
pub fn rating(rng: &mut StdRng, d: &Decision) -> Rating {
    let category = if chance(rng, 78) {
        d.category
    } else if chance(rng, 80) {
        near(d.category)
    } else {
        pick(rng, &CATEGORIES)
    };
    let modifiable = if chance(rng, 82) {
        d.modifiable
    } else {
        pick(rng, &["identified", "none_identified", "insufficient"])
    };
    Rating { category, modifiable }
}

/// The panel's regular meeting: the second Tuesday of the month.
pub fn panel_day(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Tue, 2)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, month, 14).unwrap_or(NaiveDate::MIN))
}

/// The first regular panel meeting on or after `d`.
pub fn next_panel(d: NaiveDate) -> NaiveDate {
    let this = panel_day(d.year(), d.month());
    if this >= d {
        return this;
    }
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    panel_day(y, m)
}

/// A weekday on or after `d`.
fn weekday(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d + TimeDelta::days(2),
        Weekday::Sun => d + TimeDelta::days(1),
        _ => d,
    }
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// Days an agency takes to return its form: most within the four weeks asked, a long tail.
fn return_days(rng: &mut StdRng) -> i64 {
    match weighted(rng, &[55, 28, 12, 5]) {
        0 => rng.random_range(3..29),
        1 => rng.random_range(29..61),
        2 => rng.random_range(61..121),
        _ => rng.random_range(121..240),
    }
}

/// Draws what happened to a case up to `today`.
pub fn plan(rng: &mut StdRng, facts: &CaseFacts, today: NaiveDate) -> Plan {
    let decision = decision(rng, facts);
    let past = |d: NaiveDate| Some(d).filter(|d| *d <= today);
    let requested = facts.notified + days(rng.random_range(1..8));
    let mut requests = Vec::new();
    if requested <= today {
        let weights: Vec<u32> = AGENCIES.iter().map(|a| a.2).collect();
        let n = 2 + weighted(rng, &[30, 40, 20, 10]);
        while requests.len() < n {
            let (agency, agency_type, _) = AGENCIES[weighted(rng, &weights)];
            if requests.iter().any(|r: &RequestPlan| r.agency == agency) {
                continue;
            }
            let withdrawn = chance(rng, 4);
            let closed = requested + days(if withdrawn { rng.random_range(2..30) } else { return_days(rng) });
            requests.push(RequestPlan { agency, agency_type, requested, closed: past(closed), withdrawn });
        }
    }
    // An unexpected death waits for the post-mortem report (and often the inquest's findings)
    // before the review can complete its information.
    let waiting = (!facts.expected).then(|| facts.death + days(rng.random_range(60..300)));
    let ready = if !requests.is_empty() && requests.iter().all(|r| r.closed.is_some()) {
        requests.iter().filter_map(|r| r.closed).chain(waiting).max().and_then(past)
    } else {
        None
    };
    let mut plan = Plan {
        requests,
        ready,
        cdrm: None,
        panels: Vec::new(),
        signed: None,
        closed: None,
        ratings: Vec::new(),
        action: None,
        decision,
    };
    let Some(ready) = ready else { return plan };
    let cdrm = (!facts.expected || chance(rng, 35)).then(|| weekday(ready + days(rng.random_range(5..40))));
    plan.cdrm = cdrm.and_then(past);
    if cdrm.is_some() && plan.cdrm.is_none() {
        return plan;
    }
    let mut panel = next_panel(cdrm.unwrap_or(ready) + days(rng.random_range(14..120)));
    if chance(rng, 10) {
        let why = pick(
            rng,
            &[
                ReviewDelay::AwaitingInquest,
                ReviewDelay::AwaitingPostMortem,
                ReviewDelay::InformationMissing,
                ReviewDelay::NotReached,
            ],
        );
        plan.panels.push((panel, Some(why)));
        if panel > today {
            return plan;
        }
        panel = next_panel(panel + days(rng.random_range(25..120)));
    }
    plan.panels.push((panel, None));
    // Members record their view in the fortnight before the meeting.
    let raters = rng.random_range(2..5);
    if panel - days(14) <= today {
        plan.ratings = (0..raters).map(|_| rating(rng, &plan.decision)).collect();
    }
    plan.signed = past(panel + days(rng.random_range(0..15)));
    let Some(signed) = plan.signed else { return plan };
    plan.closed = past(signed + days(rng.random_range(14..120)));
    if plan.decision.modifiable == "identified" && chance(rng, 40) {
        let due = signed + days(rng.random_range(60..180));
        let status = if due >= today {
            pick(rng, &["open", "open", "in_progress"])
        } else {
            ["implemented", "closed_no_action", "in_progress", "open"][weighted(rng, &[70, 8, 12, 10])]
        };
        plan.action = Some((due, status));
    }
    plan
}

#[cfg(test)]
mod tests;
