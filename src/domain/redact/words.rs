//! Small word lists and look-ups over folded text and over plain strings.

use super::fold::{Unit, spells};
use super::lexicon::{COMMON, STOP};

/// Titles that may lead a name; never a name themselves.
pub(super) const TITLES: &[&str] = &[
    "dame",
    "doctor",
    "dr",
    "master",
    "miss",
    "mr",
    "mrs",
    "ms",
    "mx",
    "prof",
    "professor",
    "rev",
    "revd",
    "reverend",
    "sir",
];

/// Function words: never ordinary neighbours of a name (see `context`), never names.
pub(super) const FUNCTION: &[&str] = &[
    "a", "about", "after", "also", "an", "and", "as", "at", "be", "been", "before", "but", "by", "for",
    "from", "had", "has", "have", "he", "her", "him", "his", "i", "if", "in", "into", "is", "it", "its",
    "me", "my", "no", "nor", "not", "of", "on", "or", "our", "she", "so", "than", "that", "the", "their",
    "them", "then", "these", "they", "this", "those", "to", "us", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "whom", "with", "you", "your",
];

/// Relationship words (hyphens and spaces removed) and the label a name next to them gets.
const RELATIONS: &[(&str, &str)] = &[
    ("aunt", "aunt"),
    ("auntie", "aunt"),
    ("aunty", "aunt"),
    ("baby", "baby"),
    ("boyfriend", "boyfriend"),
    ("brother", "brother"),
    ("carer", "carer"),
    ("cousin", "cousin"),
    ("dad", "father"),
    ("daddy", "father"),
    ("daughter", "daughter"),
    ("father", "father"),
    ("fiance", "fiance"),
    ("fiancee", "fiancee"),
    ("fostercarer", "foster carer"),
    ("fosterfather", "foster father"),
    ("fostermother", "foster mother"),
    ("fosterparent", "foster parent"),
    ("friend", "friend"),
    ("gran", "grandmother"),
    ("grandad", "grandfather"),
    ("granddad", "grandfather"),
    ("grandfather", "grandfather"),
    ("grandma", "grandmother"),
    ("grandmother", "grandmother"),
    ("grandmum", "grandmother"),
    ("grandpa", "grandfather"),
    ("granddaughter", "granddaughter"),
    ("grandparent", "grandparent"),
    ("grandson", "grandson"),
    ("granny", "grandmother"),
    ("greatgrandfather", "great-grandfather"),
    ("greatgrandmother", "great-grandmother"),
    ("guardian", "guardian"),
    ("halfbrother", "half-brother"),
    ("halfsibling", "half-sibling"),
    ("halfsister", "half-sister"),
    ("husband", "husband"),
    ("mam", "mother"),
    ("mammy", "mother"),
    ("mom", "mother"),
    ("mommy", "mother"),
    ("mother", "mother"),
    ("mum", "mother"),
    ("mummy", "mother"),
    ("nan", "grandmother"),
    ("nana", "grandmother"),
    ("nanna", "grandmother"),
    ("neighbor", "neighbour"),
    ("neighbour", "neighbour"),
    ("nephew", "nephew"),
    ("niece", "niece"),
    ("parent", "parent"),
    ("partner", "partner"),
    ("sibling", "sibling"),
    ("sister", "sister"),
    ("son", "son"),
    ("specialguardian", "special guardian"),
    ("stepbrother", "stepbrother"),
    ("stepdad", "stepfather"),
    ("stepdaughter", "stepdaughter"),
    ("stepfather", "stepfather"),
    ("stepmom", "stepmother"),
    ("stepmother", "stepmother"),
    ("stepmum", "stepmother"),
    ("stepsister", "stepsister"),
    ("stepson", "stepson"),
    ("twin", "twin"),
    ("uncle", "uncle"),
    ("wife", "wife"),
];

/// Words that may come before a relationship word and join it ("foster carer", "step father").
pub(super) const RELATION_PREFIXES: &[&str] = &["foster", "great", "half", "special", "step"];

/// Adjectives allowed between a determiner and a relationship word ("the maternal grandmother").
pub(super) const RELATION_ADJECTIVES: &[&str] = &[
    "adoptive",
    "biological",
    "birth",
    "elder",
    "older",
    "maternal",
    "paternal",
    "little",
    "younger",
    "big",
];

/// Words that make a capitalised run an organisation rather than a person.
pub(super) const ORGANISATION: &[&str] = &[
    "academy",
    "agency",
    "association",
    "authority",
    "board",
    "borough",
    "centre",
    "charity",
    "city",
    "college",
    "constabulary",
    "council",
    "county",
    "court",
    "department",
    "foundation",
    "government",
    "hospital",
    "infirmary",
    "nhs",
    "office",
    "partnership",
    "police",
    "practice",
    "school",
    "service",
    "services",
    "surgery",
    "team",
    "trust",
    "unit",
];

/// A name part right after one of these is part of a place's name ("St Mary's", "Royal Victoria").
pub(super) const PLACE_BEFORE: &[&str] =
    &["great", "prince", "princess", "queen", "queens", "royal", "saint", "st", "university"];

/// A name part right before one of these is part of a place's or thing's name ("Martin House",
/// "Moses basket").
pub(super) const PLACE_AFTER: &[&str] = &[
    "academy",
    "basket",
    "centre",
    "center",
    "church",
    "clinic",
    "college",
    "foundation",
    "hospice",
    "hospital",
    "house",
    "infirmary",
    "nursery",
    "practice",
    "primary",
    "school",
    "surgery",
    "trust",
    "unit",
];

/// Words after a surname's possessive that make it an eponym ("Bell's palsy").
pub(super) const EPONYM_AFTER: &[&str] =
    &["criteria", "disease", "lymphoma", "palsy", "phenomenon", "reflex", "sarcoma", "syndrome"];

/// Words after a sentence-initial given name that read as its verb ("Rose was found").
pub(super) const FOLLOWERS: &[&str] = &[
    "age", "aged", "also", "always", "ate", "attends", "became", "began", "came", "can", "could", "cried",
    "cries", "did", "died", "does", "eats", "enjoyed", "enjoys", "fell", "felt", "gets", "goes", "got",
    "had", "has", "herself", "himself", "is", "kept", "knew", "later", "left", "likes", "lived", "lives",
    "liked", "loved", "loves", "made", "might", "must", "needed", "needs", "never", "now", "often", "played",
    "plays", "ran", "remained", "said", "sat", "saw", "says", "seemed", "seems", "should", "sleeps", "slept",
    "spoke", "stayed", "then", "told", "took", "too", "usually", "wanted", "wants", "was", "went", "who",
    "will", "woke", "would",
];

/// Pronouns that, after "and", show the word before "and" was a person ("Rose and her mother").
pub(super) const PERSON_AFTER_AND: &[&str] = &["her", "him", "his", "their", "them"];

/// Month names and abbreviations, and seasons: a name part spelled like one is not matched in a
/// date context.
pub(super) const MONTH_LIKE: &[&str] = &[
    "apr",
    "april",
    "aug",
    "august",
    "autumn",
    "dec",
    "december",
    "feb",
    "february",
    "jan",
    "january",
    "jul",
    "july",
    "jun",
    "june",
    "mar",
    "march",
    "may",
    "nov",
    "november",
    "oct",
    "october",
    "sep",
    "sept",
    "september",
    "spring",
    "summer",
    "winter",
];

/// Words before a month or season that make it a date ("in May", "the Summer holidays").
pub(super) const DATE_BEFORE: &[&str] = &[
    "about",
    "across",
    "after",
    "around",
    "before",
    "between",
    "by",
    "during",
    "each",
    "early",
    "every",
    "from",
    "in",
    "into",
    "last",
    "late",
    "mid",
    "next",
    "of",
    "on",
    "over",
    "since",
    "that",
    "the",
    "this",
    "through",
    "throughout",
    "till",
    "until",
];

/// Words after a month or season that make it a date ("Summer term").
pub(super) const DATE_AFTER: &[&str] =
    &["bank", "break", "half", "holiday", "holidays", "months", "season", "term", "terms", "time"];

/// Whether the units spell a word of `list` (a short list: linear search).
pub(super) fn one_of(list: &[&str], units: &[Unit], start: usize, end: usize) -> bool {
    list.iter().any(|w| spells(units, start, end, w))
}

/// Whether the units spell a word of a sorted list.
fn sorted_has(list: &[&str], units: &[Unit], start: usize, end: usize) -> bool {
    let Some(run) = units.get(start..end) else { return false };
    list.binary_search_by(|w| w.chars().cmp(run.iter().map(|u| u.c))).is_ok()
}

/// Whether a folded word (no possessive) is in the stop-list.
pub(super) fn is_stop(units: &[Unit], start: usize, end: usize) -> bool {
    sorted_has(STOP, units, start, end)
}

/// Whether a folded word (no possessive) is a common English word.
pub(super) fn is_common(units: &[Unit], start: usize, end: usize) -> bool {
    sorted_has(COMMON, units, start, end)
}

/// Whether a folded word (no possessive) is a title.
pub(super) fn is_title(units: &[Unit], start: usize, end: usize) -> bool {
    one_of(TITLES, units, start, end)
}

/// Stop-list membership of a plain word (folded by the caller).
pub(super) fn stop_word(word: &str) -> bool {
    STOP.binary_search(&word).is_ok()
}

/// Common-word membership of a plain word (folded by the caller).
pub(super) fn common_word(word: &str) -> bool {
    COMMON.binary_search(&word).is_ok()
}

/// Whether a plain word is spelled like a month or season.
pub(super) fn month_like_word(word: &str) -> bool {
    MONTH_LIKE.contains(&word)
}

/// The label for a relationship word given without hyphens or spaces ("halfsister").
pub(super) fn relation_label(key: &str) -> Option<&'static str> {
    RELATIONS.iter().find(|(k, _)| *k == key).map(|(_, label)| *label)
}

/// The label for the relationship word at `start..end` of the units (hyphens ignored), joined
/// with `prefix` ("step", "half", "foster") when given.
pub(super) fn relation_at(
    units: &[Unit],
    prefix: Option<(usize, usize)>,
    start: usize,
    end: usize,
) -> Option<&'static str> {
    let mut key = [' '; 24];
    let mut n = 0;
    let ranges = prefix.into_iter().chain(std::iter::once((start, end)));
    for (s, e) in ranges {
        for u in units.get(s..e)?.iter().filter(|u| u.c != '-') {
            *key.get_mut(n)? = u.c;
            n += 1;
        }
    }
    let key = key.get(..n)?;
    RELATIONS.iter().find(|(k, _)| k.len() == n && k.chars().eq(key.iter().copied())).map(|(_, label)| *label)
}

/// Every label a relationship word gives.
pub(super) fn relation_labels() -> impl Iterator<Item = &'static &'static str> {
    RELATIONS.iter().map(|(_, label)| label)
}
