//! Names in free-text fields ([`people`]), the stop-list, and the rules for name parts that are
//! common English words.

use super::super::lexicon::{COMMON, STOP};
use super::super::words::{FUNCTION, MONTH_LIKE, TITLES};
use super::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(l, n)| (l.to_string(), n.to_string())).collect()
}

// ---- people --------------------------------------------------------------------------------------

#[test]
fn people_reads_roles_and_names() {
    for (text, expected) in [
        ("Mother Jane Smith and father John Smith", vec![("mother", "Jane Smith"), ("father", "John Smith")]),
        (
            "Jane Smith (mother); John Smith (father)",
            vec![("mother", "Jane Smith"), ("father", "John Smith")],
        ),
        ("Mum: Kelly O'Neil", vec![("mother", "Kelly O'Neil")]),
        (
            "Dad - Dean Hall-Jones\nNan: Sandra Hall",
            vec![("father", "Dean Hall-Jones"), ("grandmother", "Sandra Hall")],
        ),
        ("Jane and John Smith", vec![("parent", "Jane"), ("parent", "John Smith")]),
        ("Mrs J. Smith / Mr D Smith", vec![("parent", "J Smith"), ("parent", "D Smith")]),
        ("Foster carer Mary Brown", vec![("foster carer", "Mary Brown")]),
        (
            "step-father Lee Ward & mother Summer Ward",
            vec![("stepfather", "Lee Ward"), ("mother", "Summer Ward")],
        ),
        ("Special guardian: Rose Bell (maternal grandmother)", vec![("special guardian", "Rose Bell")]),
        ("mother jane smith", vec![("mother", "jane smith")]),
        ("Mother (Zoë Núñez)", vec![("mother", "Zoë Núñez")]),
    ] {
        assert_eq!(people(text), pairs(&expected), "text: {text:?}");
    }
}

#[test]
fn people_finds_nobody_in_roles_and_organisations() {
    for text in [
        "mother and father",
        "Mother and Father",
        "For example mother and father, or the local authority under a care order",
        "the local authority under a care order",
        "Cumberland Council (care order)",
        "Both parents",
        "Parents",
        "Not known",
        "Unknown",
        "N/A",
        "None",
        "",
        "   ",
        "Mother (deceased), father",
        "Shared between mother and the Local Authority",
    ] {
        assert_eq!(people(text), vec![], "text: {text:?}");
    }
}

#[test]
fn people_results_make_working_identifiers() {
    let ids: Vec<Identifier> = people("Mother Jane Smith and father John Smith; the local authority")
        .into_iter()
        .map(|(label, n)| name(&n, &label))
        .collect();
    assert_eq!(
        red("Jane Smith and father John said the mother and father and the local authority met.", &ids),
        "[mother] and father [father] said the mother and father and the local authority met."
    );
}

// ---- stop-list and short terms -------------------------------------------------------------------

#[test]
fn word_lists_are_sorted_lower_case_and_disjoint() {
    for list in [STOP, COMMON] {
        assert!(list.windows(2).all(|w| w[0] < w[1]), "not sorted or has duplicates");
        assert!(list.iter().all(|w| w.chars().all(|c| c.is_ascii_lowercase())));
    }
    assert!(STOP.len() >= 300, "stop-list has {} words", STOP.len());
    assert!(COMMON.len() >= 1000, "common words: {}", COMMON.len());
    assert!(COMMON.iter().all(|w| STOP.binary_search(w).is_err()));
    for w in FUNCTION.iter().chain(TITLES) {
        assert!(STOP.binary_search(w).is_ok(), "{w} should be in the stop-list");
    }
    for w in [
        "grace", "hope", "rose", "may", "summer", "autumn", "will", "brown", "white", "green", "hall",
        "wood", "hill", "king", "young", "baker", "cook", "ward", "bell", "shaw", "field", "hunt", "marsh",
    ] {
        assert!(COMMON.binary_search(&w).is_ok(), "{w} should be a common word");
    }
    assert!(MONTH_LIKE.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn stop_list_words_and_short_terms_are_never_identifiers_alone() {
    let ids = vec![
        name("Baby Smith", "child"),
        name("Mother Jane Smith and father John Smith", "parent"),
        name("Jo Ng", "sibling"),
        id(Known::Phrase("Health Visiting Team".to_string()), "team"),
        id(Known::Phrase("GP".to_string()), "GP"),
        id(Known::Address("Flat 2, The Green, 14 Oak Road, Carlisle".to_string()), "address"),
    ];
    let text = "The baby and mother saw the health visiting team; father at the GP. Jo and Ng.";
    assert_eq!(red(text, &ids), text);
    assert_eq!(
        red("Baby Smith, Jo Ng, Health Visiting Team, 14 Oak Road", &ids),
        "[child], [sibling], Health Visiting Team, [address]"
    );
    // A phrase of stop-list words only is no identifier; an address line of common words counts only with a capital: "the green" is a word.
    assert_eq!(red("played on the green near Oak Road", &ids), "played on the green near [address]");
    assert_eq!(red("Flat 2 at The Green", &ids), "[address] at [address]");
}

// ---- common words as name parts ------------------------------------------------------------------

fn rose_hill() -> Vec<Identifier> {
    vec![name("Rose Hill", "child"), name("Will Ward", "brother"), name("May Hall", "mother")]
}

#[test]
fn a_common_word_name_part_needs_a_capital() {
    let ids = rose_hill();
    let text = "Concerns rose as the family went up the hill; staff will review; they may call the ward \
                and the hall.";
    assert_eq!(red(text, &ids), text);
    assert_eq!(
        red("Staff saw Rose and Will with May near Hill Top; the Ward family and the Hall family", &ids),
        "Staff saw [child] and [brother] with [mother] near Hill Top; the [brother] family and the [mother] family"
    );
}

#[test]
fn a_full_name_counts_in_any_case() {
    each_redacts_to(
        &["Rose Hill", "ROSE HILL", "rose hill", "Hill, Rose", "R. Hill"],
        &rose_hill(),
        "[child]",
    );
    // Initials with a common-word surname need capitals, and a bare "A" its dot.
    let ids = vec![name("Amy Ward", "child")];
    each_untouched(&["admitted to a ward", "A Ward Round was held.", "a. ward"], &ids);
    each_redacts_to(&["A. Ward", "Amy Ward", "amy ward", "AMY"], &ids, "[child]");
}

#[test]
fn a_forename_at_the_start_of_a_sentence_counts_before_its_verb() {
    let ids = rose_hill();
    for (text, expected) in [
        ("Rose was found unresponsive.", "[child] was found unresponsive."),
        ("Rose's cot was in the room.", "[child]'s cot was in the room."),
        ("Rose, aged 2, had a cold.", "[child], aged 2, had a cold."),
        ("Rose cried in the night.", "[child] cried in the night."),
        ("Rose and her brother slept.", "[child] and her brother slept."),
        ("Will was at school.", "[brother] was at school."),
        ("May said she fed her.", "[mother] said she fed her."),
        ("ROSE WAS FOUND.", "[child] WAS FOUND."),
        ("Found. Rose\nwas cold", "Found. [child]\nwas cold"),
    ] {
        assert_eq!(red(text, &ids), expected, "input: {text:?}");
    }
    each_untouched(
        &[
            "Will the panel agree?",
            "May be relevant.",
            "Rose petals were on the floor.",
            "Hill walking was a hobby.",
            "Ward staff noted a rash.",
            "Hall floors were cold.",
        ],
        &ids,
    );
}

#[test]
fn a_common_word_name_part_in_an_ordinary_phrase_or_date_is_the_word() {
    let ids = vec![name("Summer Ward", "child"), name("Grace Hall", "sister"), name("May Bell", "mother")];
    each_untouched(
        &[
            "Seen on Ward 4 by the Ward Manager.",
            "The meeting was at the Town Hall.",
            "In the Summer term and over the Summer holidays.",
            "On 3 May 2021, and again in May, and from April to May.",
            "a long-term plan and an X-Ray",
            "the Church Hall and the Village Hall",
            "Ward-based staff",
        ],
        &ids,
    );
    assert_eq!(
        red("With Summer on Ward 4; Grace saw May.", &ids),
        "With [child] on Ward 4; [sister] saw [mother]."
    );
}

#[test]
fn no_name_part_counts_inside_a_place_name() {
    let ids = vec![name("Mary Victoria Martin", "child"), name("Moses Jones", "brother")];
    each_untouched(
        &[
            "St Mary's Hospital",
            "St. Mary's",
            "the Royal Victoria Infirmary",
            "Martin House hospice",
            "a Moses basket",
        ],
        &ids,
    );
    assert_eq!(red("Mary's cot and Moses' toys", &ids), "[child]'s cot and [brother]' toys");
}
