//! Identifiers found by pattern: postcodes, NHS numbers, phone numbers, emails, dates of birth,
//! titled names and names next to relationship words; certainty and overlaps with known ones.

use super::*;

/// Asserts each input redacts to `expected` with no identifiers known.
fn each_found_as(inputs: &[&str], expected: &str) {
    for input in inputs {
        assert_eq!(red(input, &[]), expected, "input: {input:?}");
    }
}

fn each_clean(inputs: &[&str]) {
    for input in inputs {
        assert_eq!(findings(input, &[]), vec![], "input: {input:?}");
    }
}

fn certainties(text: &str, ids: &[Identifier]) -> Vec<(String, Certainty)> {
    findings(text, ids).into_iter().map(|f| (f.label, f.certainty)).collect()
}

// ---- postcodes -----------------------------------------------------------------------------------

#[test]
fn postcodes_of_every_shape_are_found() {
    for code in [
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "W1A 0AX",
        "EC1A 1BB",
        "CA3 8QT",
        "ca38qt",
        "LS1 4AB",
        "ls1   4ab",
        "GIR 0AA",
        "gir0aa",
        "SW1A 2AA",
        "NE1 4LP",
    ] {
        assert_eq!(red(&format!("Lived at ({code})."), &[]), "Lived at ([postcode]).", "code {code:?}");
        assert_eq!(certainties(code, &[]), vec![("postcode".to_string(), Certainty::Suspected)], "{code:?}");
    }
}

#[test]
fn things_that_are_not_postcodes_are_left() {
    each_clean(&[
        "A4 paper",
        "on the M6 motorway",
        "COVID19 and R95 and J18.9 and ICD-10",
        "B12 deficiency",
        "seen at 9AM, 2 PM",
        "Year 6 9pm",
        "QA1 1AA",
        "LS1 4AC",
        "LS1 4AB2",
        "XLS1 4AB",
        "LS1 4A",
        "AB1234CD",
        "reference CA3-8QT",
        "SUDI, CDOP, NHS, GP, PICU",
    ]);
}

#[test]
fn the_reported_miss_a_duplicates_postcode_is_replaced_with_the_cases_postcode_known() {
    let ids = vec![id(Known::Postcode("CA1 1AA".to_string()), "postcode")];
    let r = redact("Records merged: CA1 1AA and CA3 8QT.", &ids);
    assert_eq!(r.text, "Records merged: [postcode] and [postcode].");
    assert_eq!(
        certainties("CA1 1AA and CA3 8QT", &ids),
        vec![("postcode".to_string(), Certainty::Known), ("postcode".to_string(), Certainty::Suspected)]
    );
}

// ---- NHS numbers ---------------------------------------------------------------------------------

#[test]
fn nhs_numbers_with_a_valid_check_digit_are_found_in_any_grouping() {
    each_found_as(
        &["9434765919", "943 476 5919", "943-476-5919", "94 34 76 59 19", "401 023 2137", "4010232137"],
        "[NHS number]",
    );
    assert_eq!(certainties("NHS 943 476 5919", &[]), vec![("NHS number".to_string(), Certainty::Pattern)]);
}

#[test]
fn ten_digits_with_a_wrong_check_digit_or_inside_a_longer_run_are_not_nhs_numbers() {
    each_clean(&["9434765918", "943 476 5918", "19434765919", "94347659190", "943 476 59190", "943 476 591"]);
    // A check digit that would be 10 is never valid: 1000000010 has sum 10 → 11 - 10 = 1 ≠ 0.
    assert!(super::super::scan::nhs_check_ok([4, 0, 1, 0, 2, 3, 2, 1, 3, 7].into_iter()));
    assert!(!super::super::scan::nhs_check_ok([1, 0, 0, 0, 0, 0, 0, 0, 1, 0].into_iter()));
}

// ---- phone numbers -------------------------------------------------------------------------------

#[test]
fn uk_phone_numbers_are_found() {
    each_found_as(
        &[
            "07700 900123",
            "07700900123",
            "07700-900-123",
            "(01228) 606060",
            "(01228)606060",
            "0161 496 0000",
            "020 7946 0000",
            "+44 7700 900123",
            "+447700900123",
            "+44 (0)1228 606060",
            "+44 (0) 1228 606060",
            "01697 73456",
        ],
        "[phone number]",
    );
    assert_eq!(red("Call 07700 900123 or 999.", &[]), "Call [phone number] or 999.");
    assert_eq!(certainties("07700900123", &[]), vec![("phone number".to_string(), Certainty::Pattern)]);
}

#[test]
fn other_numbers_are_not_phone_numbers() {
    each_clean(&[
        "called 999 at 02:30",
        "NHS 111",
        "007700900123",
        "077009001234",
        "0 7 7 0 0 9 0 0 1 2 3",
        "+45 7700 900123",
        "a 1,000 ml bottle",
        "2019 2020 2021",
        "weighed 3.45 kg",
    ]);
}

// ---- emails --------------------------------------------------------------------------------------

#[test]
fn email_addresses_are_found_whole() {
    each_found_as(
        &["jane.smith@example.co.uk", "J.O'Neil+cdop@nhs.net", "someone@mail-server.org"],
        "[email]",
    );
    assert_eq!(red("Email (jane.smith@example.co.uk).", &[]), "Email ([email]).");
    // An email wins over a known name inside it.
    let ids = vec![name("Jane Smith", "mother")];
    assert_eq!(red("jane.smith@example.com", &ids), "[email]");
    assert_eq!(red("Jane Smith wrote from jane.smith@example.com.", &ids), "[mother] wrote from [email].");
}

#[test]
fn things_that_are_not_emails_are_left() {
    each_clean(&["@home", "name@", "name@localhost", "a@b.c", "user@@example.com", "me@example.c0m"]);
}

// ---- dates of birth ------------------------------------------------------------------------------

#[test]
fn dates_after_a_birth_cue_are_dates_of_birth() {
    for text in [
        "born 24/03/2019",
        "born on 24 March 2019",
        "was born at home on the 24th of March 2019",
        "b. 24.3.19",
        "DOB: 2019-03-24",
        "D.O.B. 24/03/2019",
        "d.o.b 24-MAR-2019",
        "date of birth: March 24, 2019",
        "birth date 24032019",
        "birthday 24 Mar 2019",
        "24/03/2019 (DOB)",
        "24 March 2019 (date of birth)",
    ] {
        let r = redact(text, &[]);
        assert_eq!(r.count(Certainty::Pattern), 1, "{text:?} → {}", r.text);
        assert!(r.text.contains("[date of birth]"), "{text:?} → {}", r.text);
        assert!(!r.text.contains("2019") && !r.text.contains("19 ") && !r.text.ends_with("19"), "{}", r.text);
    }
}

#[test]
fn other_dates_are_left() {
    each_clean(&[
        "Seen on 24/03/2019 by the GP.",
        "The baby was born prematurely. On 3 May 2021 he was admitted.",
        "born at 32 weeks and discharged eight weeks later on 12 June 2020",
        "born in 2019",
        "DOB unknown; seen on 4 May 2020",
        "24/03/2019 (review)",
        "born on 31/02/2019",
    ]);
}

#[test]
fn a_known_date_of_birth_keeps_its_known_label() {
    let ids = vec![id(Known::Date(ymd(2019, 3, 24)), "date of birth")];
    assert_eq!(
        certainties("born 24/03/2019, sister born 2/5/2016", &ids),
        vec![
            ("date of birth".to_string(), Certainty::Known),
            ("date of birth".to_string(), Certainty::Pattern)
        ]
    );
}

// ---- titled names --------------------------------------------------------------------------------

#[test]
fn titled_names_are_replaced_with_their_title() {
    for (text, expected) in [
        ("Mrs Carol Smith attended.", "[name] attended."),
        ("Seen by Dr J. Patel today.", "Seen by [name] today."),
        ("Mr Smith said", "[name] said"),
        ("Ms O'Neil-Hughes called", "[name] called"),
        ("Mr. J R Smith", "[name]"),
        ("Dr J.R. Smith", "[name]"),
        ("Professor Hall", "[name]"),
        ("MRS CAROL SMITH", "[name]"),
        ("Master Oliver Brown", "[name]"),
    ] {
        assert_eq!(red(text, &[]), expected, "input: {text:?}");
    }
    assert_eq!(certainties("Mrs Carol Smith", &[]), vec![("name".to_string(), Certainty::Suspected)]);
}

#[test]
fn titles_without_a_name_are_left() {
    each_clean(&[
        "The Doctor said",
        "Dr A and Dr B disagreed.",
        "mr smith",
        "Dr on call",
        "seen by the Registrar and the Consultant",
        "Miss the appointment",
    ]);
}

#[test]
fn the_reported_miss_a_third_party_is_replaced() {
    let ids = vec![name("Jack Oliver Smith", "child"), name("Sarah Smith", "mother")];
    assert_eq!(red("Mrs Carol Smith (neighbour) called.", &ids), "[name] [child] (neighbour) called.");
    assert_eq!(red("Mrs Carol Jones (neighbour) called.", &ids), "[name] (neighbour) called.");
    // A known surname after a title keeps its known label; the title stays.
    assert_eq!(red("Mrs Smith called.", &ids), "Mrs [child] called.");
}

// ---- names next to relationship words ------------------------------------------------------------

#[test]
fn names_after_relationship_words() {
    for (text, expected) in [
        ("his mother Jane said", "his mother [mother] said"),
        ("the mother, Jane Smith, said", "the mother, [mother], said"),
        ("her sister Amy", "her sister [sister]"),
        ("an uncle called Bob", "an uncle called [uncle]"),
        ("a friend named Kelly O'Neil", "a friend named [friend]"),
        ("Mum: Kelly", "Mum: [mother]"),
        ("his dad (Dean)", "his dad ([father])"),
        ("stepfather Lee", "stepfather [stepfather]"),
        ("step father Lee", "step father [stepfather]"),
        ("half-sister Ruby", "half-sister [half-sister]"),
        ("the foster carer Jane", "the foster carer [foster carer]"),
        ("Mother Jane Smith attended", "Mother [mother] attended"),
    ] {
        assert_eq!(red(text, &[]), expected, "input: {text:?}");
    }
}

#[test]
fn names_before_relationship_words() {
    for (text, expected) in [
        ("Jane Smith (mother) attended", "[mother] (mother) attended"),
        ("seen with Bob (dad)", "seen with [father] (dad)"),
        ("Jane, the mother, said", "[mother], the mother, said"),
        ("and Amy, his half-sister, was", "and [half-sister], his half-sister, was"),
        ("Sandra (maternal grandmother)", "[grandmother] (maternal grandmother)"),
    ] {
        assert_eq!(red(text, &[]), expected, "input: {text:?}");
    }
}

#[test]
fn relationship_words_in_ordinary_prose_are_left() {
    each_clean(&[
        "The mother called 999.",
        "Mother and baby were discharged.",
        "However, the mother said she had not slept.",
        "Overnight, the father checked on him twice.",
        "At the Cumberland Infirmary, the mother was seen.",
        "the mother's GP and the father, Cumbria Police and Children's Social Care",
        "his mother. Police attended",
        "the mother, NHS staff and the GP",
        "In May, the mother moved.",
        "mother and father",
        "the brother's school",
    ]);
}

// ---- reported blocker ----------------------------------------------------------------------------

#[test]
fn parental_responsibility_words_are_not_identifiers() {
    let old_style = vec![
        name("Mother Jane Smith and father John Smith", "parent"),
        name("mother and father", "parent"),
        name("the local authority under a care order", "parent"),
    ];
    let text = "The mother and father said the local authority had a care order. Smoking in the home \
                and damp housing added risk.";
    let r = redact(text, &old_style);
    assert_eq!(r.text, text);
    let with_people: Vec<Identifier> =
        people("Mother Jane Smith and father John Smith").into_iter().map(|(l, n)| name(&n, &l)).collect();
    assert_eq!(
        red("Jane and John Smith: the mother and father", &with_people),
        "[mother] and [father]: the mother and father"
    );
}

#[test]
fn the_learning_point_is_untouched_when_parental_responsibility_is_mother_and_father() {
    let mut ids = vec![name("Grace Hall", "child")];
    ids.extend(people("mother and father").into_iter().map(|(l, n)| name(&n, &l)));
    ids.push(name("mother and father", "parent"));
    let learning = "smoking in the home and damp housing added risk";
    assert_eq!(red(learning, &ids), learning);
    assert!(found(learning, &ids).is_empty());
}

// ---- findings ------------------------------------------------------------------------------------

#[test]
fn findings_are_what_redact_replaces_at_byte_offsets_of_the_text() {
    let ids = vec![name("Zoë Núñez", "child"), id(Known::Phrase("ABC".to_string()), "code")];
    let text = "— Zoë’s mum, Mrs Ann Brown (07700 900123), ABC24/03/2019 (DOB); zoe@example.com 😀 CA3 8QT";
    let r = redact(text, &ids);
    let mut rebuilt = String::new();
    let mut pos = 0;
    for f in &r.findings {
        assert_eq!(&text[f.start..f.end], f.words);
        rebuilt.push_str(&text[pos..f.start]);
        rebuilt.push_str(&format!("[{}]", f.label));
        pos = f.end;
    }
    rebuilt.push_str(&text[pos..]);
    assert_eq!(rebuilt, r.text);
    assert_eq!(r.findings, findings(text, &ids));
    assert_eq!(r.findings.len(), r.total());
    assert_eq!(
        r.text,
        "— [child]’s mum, [name] ([phone number]), [code][date of birth] (DOB); [email] 😀 [postcode]"
    );
    assert_eq!(
        (r.count(Certainty::Known), r.count(Certainty::Pattern), r.count(Certainty::Suspected)),
        (2, 3, 2)
    );
}

#[test]
fn a_possessive_relationship_word_before_a_thing_is_left() {
    each_clean(&["She received Carer's Allowance.", "It was Father's Day.", "the mother's Facebook page"]);
    assert_eq!(red("his mother's Jane", &[]), "his mother's [mother]");
}

#[test]
fn every_known_date_format_is_a_date_of_birth_after_a_cue() {
    let formats = [
        "24/03/2019",
        "24/3/2019",
        "24/03/19",
        "24-03-2019",
        "24.03.2019",
        "24.3.19",
        "24 03 2019",
        "2019-03-24",
        "2019/03/24",
        "2019-3-24",
        "20190324",
        "24032019",
        "24 March 2019",
        "24 MARCH 2019",
        "24 march 19",
        "24th March 2019",
        "24th of March 2019",
        "24 Mar 2019",
        "24 Mar. 2019",
        "24-Mar-2019",
        "24-MAR-19",
        "24 March, 2019",
        "March 24 2019",
        "March 24, 2019",
        "March 24th, 2019",
        "Mar. 24, 2019",
        "march 24th 2019",
    ];
    for f in formats {
        assert_eq!(red(&format!("born {f}, at home"), &[]), "born [date of birth], at home", "format: {f:?}");
    }
}
