//! Property tests over random identity records: ordinary prose is never touched, and a narrative
//! that names the child and family keeps none of it after redaction.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::super::fold::fold_text;
use super::super::scan::date_at;
use super::corpus::{
    ADULT_NAMES, CHILD_NAMES, CORPUS, LOCALITIES, POSTCODE_AREAS, ROLES, STREET_TYPES, STREETS, SURNAMES,
    TOWNS,
};
use super::*;

/// A person named on the notification: a professional with a role.
struct Person {
    name: String,
    role: String,
}

/// The identity fields of a case, as the service holds them (see `ChildIdentity`).
struct Identity {
    given_names: String,
    family_name: String,
    other_names: String,
    nhs_number: String,
    date_of_birth: Option<NaiveDate>,
    date_of_death: NaiveDate,
    address: String,
    postcode: String,
    gp_practice: String,
    parental_responsibility: String,
    notifier: Person,
    professionals: Vec<Person>,
}

/// The identifiers, built the way `review::packs::identifiers` builds them, with [`people`] for
/// parental responsibility.
fn identifiers(c: &Identity) -> Vec<Identifier> {
    let mut out = Vec::new();
    let mut push = |known: Known, label: &str| out.push(Identifier { known, label: label.to_string() });
    push(Known::Name(format!("{} {}", c.given_names, c.family_name)), "child");
    if !c.other_names.trim().is_empty() {
        push(Known::Name(c.other_names.clone()), "child");
    }
    push(Known::NhsNumber(c.nhs_number.clone()), "NHS number");
    if let Some(dob) = c.date_of_birth {
        push(Known::Date(dob), "date of birth");
    }
    push(Known::Date(c.date_of_death), "date of death");
    push(Known::Address(c.address.clone()), "address");
    push(Known::Postcode(c.postcode.clone()), "postcode");
    push(Known::Phrase(c.gp_practice.clone()), "GP");
    for (role, name) in people(&c.parental_responsibility) {
        push(Known::Name(name), &role);
    }
    let label = |p: &Person| {
        if p.role.trim().is_empty() { "professional".to_string() } else { p.role.trim().to_string() }
    };
    push(Known::Professional(c.notifier.name.clone()), &label(&c.notifier));
    for p in &c.professionals {
        push(Known::Professional(p.name.clone()), &label(p));
    }
    out.retain(|i| match &i.known {
        Known::Name(s)
        | Known::Professional(s)
        | Known::NhsNumber(s)
        | Known::Postcode(s)
        | Known::Address(s)
        | Known::Phrase(s) => !s.trim().is_empty(),
        Known::Date(_) => true,
    });
    out
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn chance(rng: &mut StdRng, percent: u32) -> bool {
    rng.random_range(0..100) < percent
}

/// A random NHS number with a valid check digit.
fn nhs_number(rng: &mut StdRng) -> String {
    loop {
        let digits: Vec<u32> =
            (0..9).map(|k| if k == 0 { rng.random_range(4..8) } else { rng.random_range(0..10) }).collect();
        let sum: u32 = digits.iter().enumerate().map(|(k, d)| d * (10 - k as u32)).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        return digits.iter().chain([&check]).map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect();
    }
}

/// A random postcode of a real shape (AA9 9AA, A9 9AA, AA99 9AA, A9A 9AA).
fn postcode(rng: &mut StdRng) -> String {
    let letters = "ABDEFGHJLNPQRSTUWXYZ";
    let letter = |rng: &mut StdRng| letters.chars().nth(rng.random_range(0..letters.len())).unwrap_or('A');
    let area = pick(rng, POSTCODE_AREAS);
    let district = if chance(rng, 30) {
        rng.random_range(10..30).to_string()
    } else {
        rng.random_range(1..10).to_string()
    };
    let sub = if area.len() == 1 && chance(rng, 15) { "A" } else { "" };
    format!("{area}{district}{sub} {}{}{}", rng.random_range(0..10), letter(rng), letter(rng))
}

fn random_date(rng: &mut StdRng, from_year: i32, to_year: i32) -> NaiveDate {
    loop {
        let (y, m, d) =
            (rng.random_range(from_year..=to_year), rng.random_range(1..=12), rng.random_range(1..=31));
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            return date;
        }
    }
}

/// The dates written in the corpus: a random date must not be one of them. Each date the scanner
/// finds must parse in one of the corpus's formats.
fn corpus_dates() -> Vec<NaiveDate> {
    let mut out = Vec::new();
    for sentence in CORPUS {
        let units = fold_text(sentence);
        for i in 0..units.len() {
            let Some(end) = date_at(&units, i).filter(|_| super::super::fold::is_start(&units, i)) else {
                continue;
            };
            let written = &sentence[units[i].start..units[end - 1].end];
            let parsed = ["%d %B %Y", "%d/%m/%Y", "%d.%m.%y"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(written, f).ok())
                .unwrap_or_else(|| panic!("corpus date {written:?} in no known format"));
            out.push(parsed);
        }
    }
    out
}

fn fresh_date(rng: &mut StdRng, from_year: i32, to_year: i32, taken: &[NaiveDate]) -> NaiveDate {
    loop {
        let date = random_date(rng, from_year, to_year);
        if !taken.contains(&date) {
            return date;
        }
    }
}

fn full_name(rng: &mut StdRng, given: &[&str]) -> String {
    format!("{} {}", pick(rng, given), pick(rng, SURNAMES))
}

fn parental_responsibility(rng: &mut StdRng, family: &str) -> String {
    let parent = |rng: &mut StdRng| {
        let surname = if chance(rng, 60) { family.to_string() } else { pick(rng, SURNAMES).to_string() };
        format!("{} {surname}", pick(rng, ADULT_NAMES))
    };
    let (m, f) = (parent(rng), parent(rng));
    match rng.random_range(0..14) {
        0 => "mother and father".to_string(),
        1 => format!("Mother {m} and father {f}"),
        2 => format!("{m} (mother); {f} (father)"),
        3 => format!("Mum: {m}"),
        4 => "For example mother and father, or the local authority under a care order".to_string(),
        5 => "the local authority under a care order".to_string(),
        6 => "Cumberland Council (care order)".to_string(),
        7 => "Both parents".to_string(),
        8 => format!("{m} and {f}"),
        9 => format!("mother {m}, father {f}"),
        10 => format!("Grandmother ({m}) under a special guardianship order"),
        11 => "Not known".to_string(),
        12 => String::new(),
        _ => format!("mother {}", m.to_lowercase()),
    }
}

fn identity(rng: &mut StdRng, taken_dates: &[NaiveDate]) -> Identity {
    let family_name = pick(rng, SURNAMES).to_string();
    let mut given_names = pick(rng, CHILD_NAMES).to_string();
    if chance(rng, 40) {
        given_names = format!("{given_names} {}", pick(rng, CHILD_NAMES));
    }
    let other_names = match rng.random_range(0..10) {
        0 => format!("Baby {family_name}"),
        1 => pick(rng, CHILD_NAMES).to_string(),
        2 => format!("{} {}", pick(rng, CHILD_NAMES), pick(rng, SURNAMES)),
        _ => String::new(),
    };
    let date_of_birth = fresh_date(rng, 2006, 2023, taken_dates);
    let date_of_death =
        fresh_date(rng, date_of_birth.year_ce().1 as i32, 2024, taken_dates).max(date_of_birth);
    let street = format!("{} {} {}", rng.random_range(1..200), pick(rng, STREETS), pick(rng, STREET_TYPES));
    let mut lines = Vec::new();
    if chance(rng, 20) {
        lines.push(format!("Flat {}", rng.random_range(1..30)));
    }
    lines.push(street);
    if chance(rng, 40) {
        lines.push(pick(rng, LOCALITIES).to_string());
    }
    let town = pick(rng, TOWNS);
    lines.push(town.to_string());
    let postcode = postcode(rng);
    let separator = if chance(rng, 50) { ", " } else { "\n" };
    let mut address = lines.join(separator);
    if chance(rng, 30) {
        address = format!("{address} {postcode}");
    }
    let gp_practice = match rng.random_range(0..5) {
        0 => format!("{town} Medical Practice"),
        1 => format!("{} Health Centre", pick(rng, LOCALITIES)),
        2 => format!("{} Street Surgery", pick(rng, STREETS)),
        3 => format!("{} and Partners", pick(rng, SURNAMES)),
        _ => format!("The {} Surgery", pick(rng, STREETS)),
    };
    let parental_responsibility = parental_responsibility(rng, &family_name);
    let person = |rng: &mut StdRng| {
        let title = if chance(rng, 30) { "Dr " } else { "" };
        Person { name: format!("{title}{}", full_name(rng, ADULT_NAMES)), role: pick(rng, ROLES).to_string() }
    };
    let notifier = person(rng);
    let professionals = (0..rng.random_range(0..4)).map(|_| person(rng)).collect();
    Identity {
        given_names,
        family_name,
        other_names,
        nhs_number: nhs_number(rng),
        date_of_birth: chance(rng, 90).then_some(date_of_birth),
        date_of_death,
        address,
        postcode,
        gp_practice,
        parental_responsibility,
        notifier,
        professionals,
    }
}

fn describe(ids: &[Identifier]) -> String {
    ids.iter().map(|i| format!("  {:?} [{}]", i.known, i.label)).collect::<Vec<_>>().join("\n")
}

/// The acceptance test for "ordinary words are never identifiers": random sentences of ordinary
/// prose come back unchanged for 1,000 random identity records.
#[test]
fn ordinary_prose_is_never_redacted_for_random_identities() {
    let mut rng = StdRng::seed_from_u64(7);
    let taken = corpus_dates();
    assert!(taken.len() >= 6, "corpus dates: {taken:?}");
    assert!(CORPUS.len() >= 60);
    let mut failures = Vec::new();
    for record in 0..1000 {
        let ids = identifiers(&identity(&mut rng, &taken));
        let sentences: Vec<&str> = (0..10).map(|_| pick(&mut rng, CORPUS)).collect();
        let text = format!("{}\n\n{}", sentences[..5].join(" "), sentences[5..].join(" "));
        let r = redact(&text, &ids);
        if r.text != text || !found(&text, &ids).is_empty() {
            let words: Vec<String> =
                r.findings.iter().map(|f| format!("{:?} [{}]", f.words, f.label)).collect();
            failures.push(format!("record {record}: {}\n{text}\n{}", words.join(", "), describe(&ids)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.iter().take(12).cloned().collect::<Vec<_>>().join("\n\n")
    );
}

/// Lower-case alphanumeric pieces of at least 3 characters: what must not survive of a value.
fn pieces(value: &str) -> Vec<String> {
    value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| p.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// A narrative naming the child (alone, in full, possessive, at a sentence start, in capitals),
/// the NHS number three ways, the date of birth after a cue, the address and postcode, a titled
/// third party and a name next to a relationship word.
fn leaky_narrative(c: &Identity, dob: NaiveDate, third: &str, relative: &str) -> String {
    let given = c.given_names.split(' ').next().unwrap_or_default();
    let family = &c.family_name;
    let full = format!("{} {family}", c.given_names);
    let nhs = &c.nhs_number;
    let spaced = format!("{} {} {}", &nhs[..3], &nhs[3..6], &nhs[6..]);
    let hyphens = spaced.replace(' ', "-");
    let lines: Vec<&str> = c.address.split([',', '\n']).map(str::trim).collect();
    let street =
        lines.iter().find(|l| l.starts_with(|ch: char| ch.is_ascii_digit())).copied().unwrap_or_default();
    let town = lines.last().copied().unwrap_or_default();
    format!(
        "{given} was found unresponsive at home. Paramedics took {given} to hospital. {given}'s cot was beside the \
         bed. {upper} (NHS number {spaced}) was born on {dmy}. The {family} family lived at {street}, {town} \
         {postcode}.\n\nRecords also give NHS no {nhs} and {hyphens}. DOB: {long}. {lower} had a cold; the \
         {family}s' neighbour Mrs {third} called the police. His uncle {relative} visited. Later, {given} slept.",
        upper = full.to_uppercase(),
        dmy = dob.format("%d/%m/%Y"),
        long = dob.format("%-d %B %Y"),
        lower = full.to_lowercase(),
        postcode = c.postcode,
    )
}

/// The other direction: with random identity records, a narrative naming them keeps none of it.
#[test]
fn a_narrative_naming_the_child_and_family_keeps_none_of_it() {
    let mut rng = StdRng::seed_from_u64(11);
    let taken = corpus_dates();
    for record in 0..300 {
        let mut c = identity(&mut rng, &taken);
        let dob = c.date_of_birth.unwrap_or(c.date_of_death);
        c.date_of_birth = Some(dob);
        let third = full_name(&mut rng, ADULT_NAMES);
        let relative = pick(&mut rng, ADULT_NAMES).to_string();
        let ids = identifiers(&c);
        let text = leaky_narrative(&c, dob, &third, &relative);
        let r = redact(&text, &ids);
        let left = found(&r.text, &ids);
        assert!(left.is_empty(), "record {record}: {left:?} left in\n{}\n{}", r.text, describe(&ids));
        let words: Vec<String> =
            r.text.split(|ch: char| !ch.is_alphanumeric()).map(str::to_lowercase).collect();
        let digits: String = r.text.chars().filter(char::is_ascii_digit).collect();
        let must_go = [c.given_names.as_str(), c.family_name.as_str(), third.as_str(), relative.as_str()];
        for piece in must_go.iter().flat_map(|v| pieces(v)) {
            assert!(
                !words.contains(&piece),
                "record {record}: {piece:?} survived in\n{}\n{}",
                r.text,
                describe(&ids)
            );
        }
        let lower = r.text.to_lowercase();
        let compact = c.postcode.replace(' ', "").to_lowercase();
        assert!(!lower.replace(' ', "").contains(&compact), "record {record}: postcode in {}", r.text);
        for line in c.address.split([',', '\n']).map(str::trim).filter(|l| l.len() > 3) {
            assert!(
                !lower.contains(&line.to_lowercase()),
                "record {record}: {line:?} survived in {}",
                r.text
            );
        }
        assert!(!digits.contains(&c.nhs_number), "record {record}: NHS number in {}", r.text);
        let year = dob.format("%Y").to_string();
        assert!(!r.text.contains(&year) || text.matches(&year).count() > 2, "record {record}: {}", r.text);
        assert!(r.total() >= 15 && r.count(Certainty::Known) >= 12, "record {record}: {:?}", r.findings);
    }
}
