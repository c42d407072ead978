//! Synthetic demonstration cases, created through the same intake path as real notifications
//! (parsed, sealed, indexed, stored with audit events) but marked synthetic and sending no email.
//! Distributions are plausible for England (most deaths in the first year of life, more boys than
//! girls, a mix of expected and unexpected deaths); every child is named "Synthetic" and carries
//! an NHS number from the 999 range reserved for testing.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::domain::codes::{Ethnicity, JarCriterion, PlaceOfDeath};
use crate::domain::notification::{DateParts, NotificationInput, PersonInput};

pub mod answers;
pub mod lifecycle;
pub mod review;

const GIVEN: &[&str] = &[
    "Alex", "Sam", "Jordan", "Riley", "Charlie", "Morgan", "Jamie", "Robin", "Casey", "Avery", "Rowan",
    "Quinn", "Frankie", "Harley", "Reese", "Skyler", "Emerson", "Finley", "Remy", "Sasha",
];
const TOWNS: &[(&str, &str)] = &[
    ("Carlisle", "CA"),
    ("Penrith", "CA"),
    ("Workington", "CA"),
    ("Kendal", "LA"),
    ("Barrow-in-Furness", "LA"),
    ("Ulverston", "LA"),
];

/// True `percent` times in a hundred.
pub(crate) fn chance(rng: &mut StdRng, percent: u32) -> bool {
    rng.random_range(0..100) < percent
}

/// Picks an index by weights.
pub(crate) fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// A valid NHS number in the 999 test range.
pub fn test_nhs_number(rng: &mut StdRng) -> String {
    loop {
        let mut d = [9u32, 9, 9, 0, 0, 0, 0, 0, 0];
        for x in d.iter_mut().skip(3) {
            *x = rng.random_range(0..10);
        }
        let sum: u32 = d.iter().zip((2..=10).rev()).map(|(a, w)| a * w).sum();
        let check = match 11 - (sum % 11) {
            11 => 0,
            10 => continue,
            c => c,
        };
        return d
            .iter()
            .chain(std::iter::once(&check))
            .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
            .collect();
    }
}

fn iso(d: NaiveDate) -> DateParts {
    DateParts { day: d.day().to_string(), month: d.month().to_string(), year: d.year().to_string() }
}

/// One synthetic notification received at `notified_at`, in `area`.
pub fn notification(rng: &mut StdRng, area: &str, notified_at: DateTime<Utc>, n: u64) -> NotificationInput {
    let dod = notified_at.date_naive() - TimeDelta::days(rng.random_range(0..21));
    // Age band shares roughly as in national data: <28d, 28–364d, 1–4, 5–9, 10–14, 15–17.
    let age_days: i64 = match weighted(rng, &[42, 21, 10, 7, 9, 11]) {
        0 => rng.random_range(0..28),
        1 => rng.random_range(28..365),
        2 => rng.random_range(365..5 * 365),
        3 => rng.random_range(5 * 365 + 2..10 * 365),
        4 => rng.random_range(10 * 365 + 3..15 * 365),
        _ => rng.random_range(15 * 365 + 4..18 * 365 - 5),
    };
    let dob = dod - TimeDelta::days(age_days);
    let sex = ["male", "female", "indeterminate", "not_known"][weighted(rng, &[560, 430, 5, 5])];
    let eth_weights: Vec<u32> = Ethnicity::ALL
        .iter()
        .map(|e| match e {
            Ethnicity::WhiteBritish => 600,
            Ethnicity::NotStated | Ethnicity::NotKnown => 40,
            Ethnicity::Pakistani | Ethnicity::Indian | Ethnicity::African => 35,
            _ => 15,
        })
        .collect();
    let ethnicity = Ethnicity::ALL[weighted(rng, &eth_weights)].code();
    let expected = rng.random_range(0..100) < 45;
    let place_weights: Vec<u32> = PlaceOfDeath::ALL
        .iter()
        .map(|p| match p {
            PlaceOfDeath::HospitalNeonatal => 300,
            PlaceOfDeath::HospitalPicu => 150,
            PlaceOfDeath::HospitalWard => 120,
            PlaceOfDeath::HospitalEmergency => 150,
            PlaceOfDeath::Home => 150,
            PlaceOfDeath::Hospice => 50,
            _ => 10,
        })
        .collect();
    let place = PlaceOfDeath::ALL[weighted(rng, &place_weights)].code();
    let jar_criteria = if expected {
        Vec::new()
    } else {
        let j = [JarCriterion::SuddenUnexplained, JarCriterion::ExternalCauses, JarCriterion::Suspicious]
            [weighted(rng, &[60, 35, 5])];
        vec![j.code().to_string()]
    };
    let (town, area_code) = TOWNS[rng.random_range(0..TOWNS.len())];
    let letters = b"ABDEFGHJLNPQRSTUWXYZ";
    let postcode = format!(
        "{area_code}{} {}{}{}",
        rng.random_range(1..20),
        rng.random_range(0..10),
        letters[rng.random_range(0..letters.len())] as char,
        letters[rng.random_range(0..letters.len())] as char
    );
    let professional = |i: u64| PersonInput {
        name: format!("Synthetic Professional {i}"),
        role: ["Health visitor", "GP", "School nurse", "Social worker", "Police officer"][(i % 5) as usize]
            .into(),
        organisation: "Synthetic Agency".into(),
        email: format!("professional{i}@synthetic.example.org"),
        phone: String::new(),
    };
    NotificationInput {
        area: area.to_string(),
        given_names: GIVEN[rng.random_range(0..GIVEN.len())].to_string(),
        family_name: "Synthetic".into(),
        other_names: String::new(),
        date_of_birth: iso(dob),
        sex: sex.into(),
        nhs_number: test_nhs_number(rng),
        ethnicity: ethnicity.into(),
        address: format!("{} Synthetic Street, {town}", rng.random_range(1..200)),
        postcode,
        gp_practice: "Synthetic Surgery".into(),
        looked_after: ["no", "yes", "not_known"][weighted(rng, &[90, 5, 5])].into(),
        date_of_death: iso(dod),
        time_of_death: format!("{:02}:{:02}", rng.random_range(0..24), rng.random_range(0..60)),
        place_category: place.into(),
        place_detail: String::new(),
        expected: if expected { "yes" } else { "no" }.into(),
        jar_criteria,
        stillbirth: false,
        suspected_home_stillbirth: false,
        coroner_informed: if expected { "no" } else { "yes" }.into(),
        circumstances: format!("Synthetic demonstration case {n}. This describes no real child."),
        notifier: PersonInput {
            name: "Synthetic Notifier".into(),
            role: "Designated doctor".into(),
            organisation: "Synthetic Trust".into(),
            email: "notifier@synthetic.example.org".into(),
            phone: String::new(),
        },
        professionals: (0..rng.random_range(1..4)).map(|i| professional(n * 10 + i)).collect(),
        post_mortem_planned: if expected { "no" } else { "yes" }.into(),
        ..Default::default()
    }
}

pub fn rng(seed: Option<u64>) -> StdRng {
    match seed {
        Some(s) => StdRng::seed_from_u64(s),
        None => StdRng::seed_from_u64(rand::random()),
    }
}

/// The form definitions shipped in `config/forms`, for tests.
#[cfg(test)]
pub(crate) fn shipped_forms() -> crate::forms::registry::Registry {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/forms");
    crate::forms::registry::Registry::load_dir(&dir).unwrap_or_else(|e| panic!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_notifications_are_valid() {
        let mut r = rng(Some(7));
        let now = Utc::now();
        for n in 0..500 {
            let input = notification(&mut r, "Cumberland", now - TimeDelta::days(n as i64), n);
            let parsed =
                crate::domain::notification::parse(&input, (now - TimeDelta::days(n as i64)).date_naive());
            assert!(parsed.is_ok(), "{n}: {:?}", parsed.err());
        }
        assert!(crate::domain::nhs_number::NhsNumber::parse(&test_nhs_number(&mut r)).is_ok());
    }

    /// The synthetic analyses name no one: each narrative passes the identifier check against its
    /// synthetic child (and the agency answers the demo writes), as a real one must to be saved.
    #[test]
    fn synthetic_narratives_pass_the_identifier_check() {
        use crate::forms::answers::Answer;
        let mut r = rng(Some(11));
        let now = Utc::now();
        for n in 0..2000u64 {
            let day = now - TimeDelta::days((n % 700) as i64);
            let input = notification(&mut r, "Cumberland", day, n);
            let parsed = crate::domain::notification::parse(&input, day.date_naive())
                .unwrap_or_else(|e| panic!("{e:?}"));
            let ids = crate::anonymity::identifiers(
                &parsed.identity,
                &[("answer".into(), "Synthetic answer".into())],
            );
            let facts = review::CaseFacts {
                age_band: parsed.coded.age_band.code().into(),
                expected: n % 3 == 0,
                sudden: n % 3 != 0,
                imd_decile: Some(3),
                death: day.date_naive(),
                notified: day.date_naive(),
            };
            let d = review::decision(&mut r, &facts);
            let mut texts = Vec::new();
            for a in d.answers.values() {
                match a {
                    Answer::Text(t) => texts.push(t.clone()),
                    Answer::Rows(rows) => texts.extend(rows.iter().flat_map(|row| {
                        row.values()
                            .filter_map(|v| if let Answer::Text(t) = v { Some(t.clone()) } else { None })
                    })),
                    _ => {}
                }
            }
            for t in texts {
                let checked = crate::domain::anonymity::Checked::check(&t, &ids, &[]);
                assert!(checked.is_ok(), "{n}: {t:?}: {:?}", checked.err());
            }
        }
    }
}
