//! Redaction of a case's known identifiers from free-text narratives, for anonymised case packs.
//!
//! Every known identifier of a case (names, NHS number, dates, postcode, address, other phrases such
//! as a GP practice) is replaced by a role label such as `[child]` or `[date of birth]`. A person then
//! reviews the result, and [`remaining`] re-checks any text that person edited.
//!
//! Matching is deliberately generous, because over-redaction is acceptable and a missed identifier
//! is not:
//! - case- and accent-insensitive (`Zoë` = `ZOË` = `Zoe`, composed or decomposed); typographic
//!   apostrophes and dashes count as `'` and `-`; soft hyphens and zero-width characters are ignored;
//! - whole words only (`Jack` never matches inside `Jackson` or `hijack`), and numbers never inside a
//!   longer run of digits;
//! - each identifier expands to the ways it is commonly written (see [`Known`]);
//! - all candidate matches are found over the original text, and the earliest, then the longest,
//!   wins; inserted labels, and `[label]` tokens already in the text, are never matched again.
//!
//! Pure: std and chrono only, no I/O.

use std::cmp::Reverse;

use chrono::{Datelike, NaiveDate};

// ------------------------------------------------------------------------------------------------
// Public API
// ------------------------------------------------------------------------------------------------

/// A known identifier of the case, as the service holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// A person's name: full name as written ("Jack Oliver Smith"). Its parts are also matched alone
    /// (forenames and surname), except parts shorter than 2 letters.
    ///
    /// Also matched: forename + surname without middle names ("Jack Smith"), surname first with or
    /// without a comma ("Smith, Jack"), initials + surname ("J. Smith", "J O Smith"), leading titles
    /// ("Dr Patel"), the parts of hyphenated and apostrophe names ("Anne", "Marie", "Brien"), and a
    /// plural or apostrophe-less possessive `s` (`the Smiths` → `the [child]s`). A leading title
    /// ("Mr", "Dr", ...) is never matched alone. A value written "Smith, Jack" is read surname-first.
    Name(String),
    /// A professional's name (notifier, GP, health visitor...): matched as [`Known::Name`], except
    /// that one part alone (a forename or surname) counts only when written with a capital letter.
    /// A professional called "Sam Health" or "Jo Young" then does not make "health visitor" or
    /// "young people" identifying, while "Health saw the family" is still caught. The child's and
    /// family's names stay matched in any case.
    Professional(String),
    /// NHS number as 10 digits.
    ///
    /// Matched with any mix of single spaces, hyphens or nothing between digits ("943 476 5919",
    /// "943-476-5919", "94 34 76 59 19"), never inside a longer run of digits.
    NhsNumber(String),
    /// A date (date of birth, date of death).
    ///
    /// Matched as 24/03/2019, 24/3/19, 24-03-2019, 24.3.19, 24 03 2019, 2019-03-24, 20190324,
    /// 24032019, 24 March 2019, 24th of March 2019, 24 Mar. 19, 24-MAR-2019, March 24, 2019 and
    /// Mar 24th 2019 (month names in any case); never as a bare day and month, never inside a longer
    /// run of digits.
    Date(NaiveDate),
    /// UK postcode in any spacing/case.
    ///
    /// Matched with zero or more spaces between the outward and inward codes ("LS1 4AB", "ls14ab").
    Postcode(String),
    /// Address as written, lines separated by commas or newlines.
    ///
    /// Matched whole, as any run of consecutive lines, and line by line (lines of at least 4
    /// characters with a letter in them), with the street line also matched without its house
    /// number and common street types abbreviated or not ("Avenue" / "Ave").
    Address(String),
    /// Any other literal phrase (e.g. a GP practice name), matched case-insensitively as whole words.
    ///
    /// Between words any run of whitespace and punctuation other than brackets matches; "&" and
    /// "and" match each other; apostrophes are optional ("St. Mary’s" = "St Marys").
    Phrase(String),
}

/// A known identifier and the role label that replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub known: Known,
    /// Role label such as `child`, shown in the text as `[child]`.
    pub label: String,
}

/// The result of [`redact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    /// How many replacements were made, per label, in first-seen order.
    pub counts: Vec<(String, usize)>,
}

impl Redacted {
    /// Total number of replacements made.
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// Replaces every occurrence of the identifiers in `text` with `[label]`.
///
/// Where two identifiers match the same text, the longer match wins; for the same text the
/// identifier's own full form beats a part shared with another identifier, and otherwise the first
/// identifier in `ids` wins (so callers put the child first).
#[must_use]
pub fn redact(text: &str, ids: &[Identifier]) -> Redacted {
    let matcher = Matcher::new(ids);
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut current = text.to_string();
    // Replacing a match that touches a letter or digit can make that neighbour a whole word
    // ("AB24/03/2019" → "AB[date]"), so then scan again; each pass only shrinks the unredacted text.
    for _ in 0..MAX_PASSES {
        let pass = matcher.replace_once(&current, &mut counts);
        current = pass.text;
        if !pass.unsettled {
            break;
        }
    }
    Redacted { text: current, counts }
}

/// Labels of identifiers still present in `text` (empty = clean), in order of first appearance.
/// Used as a final safety check on text a person edited after redaction; `[label]` tokens are not
/// counted.
#[must_use]
pub fn remaining(text: &str, ids: &[Identifier]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for (_, label) in found(text, ids) {
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels
}

/// What [`remaining`] finds, with the words that matched: (the text as written, its label), each
/// pair once, in order of first appearance. For messages to the person who wrote the text.
#[must_use]
pub fn found(text: &str, ids: &[Identifier]) -> Vec<(String, String)> {
    let matcher = Matcher::new(ids);
    let units = fold_text(text);
    let guard = Guard::new(&units, &matcher.guarded);
    let mut found: Vec<(String, String)> = Vec::new();
    for start in 0..units.len() {
        let mut here: Vec<Span> = matcher.candidates_at(&units, start, &guard).collect();
        here.sort_by_key(|s| (Reverse(s.end), s.tier, s.id));
        for span in here {
            let label = matcher.label(span.id).to_string();
            let words = match (units.get(span.start), span.end.checked_sub(1).and_then(|e| units.get(e))) {
                (Some(a), Some(b)) if a.start <= b.end => {
                    text.get(a.start..b.end).unwrap_or_default().to_string()
                }
                _ => String::new(),
            };
            if !found.iter().any(|(w, l)| *w == words && *l == label) {
                found.push((words, label));
            }
        }
    }
    found
}

/// How sure a finding is (interim: every finding is a known identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    Known,
    Pattern,
    Suspected,
}

/// One finding of [`findings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub words: String,
    pub label: String,
    pub certainty: Certainty,
}

/// Interim: (role, name) pairs of a free-text list of people.
#[must_use]
pub fn people(text: &str) -> Vec<(String, String)> {
    text.split([',', ';', '\n'])
        .filter_map(|part| {
            let (role, name) = match part.split_once(':') {
                Some((r, n)) => (r.trim().to_lowercase(), n.trim()),
                None => ("parent".to_string(), part.trim()),
            };
            (!name.is_empty())
                .then(|| (if role.is_empty() { "parent".into() } else { role }, name.to_string()))
        })
        .collect()
}

/// Everything the redactor would replace in `text`.
#[must_use]
pub fn findings(text: &str, ids: &[Identifier]) -> Vec<Finding> {
    found(text, ids)
        .into_iter()
        .map(|(words, label)| Finding { words, label, certainty: Certainty::Known })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Folded text
// ------------------------------------------------------------------------------------------------

/// Upper bound on passes in [`redact`]. Each pass that replaces something strictly shrinks the
/// unredacted text, and in practice the second pass finds nothing.
const MAX_PASSES: usize = 8;

/// One character of the text after folding, with the byte range of the original it stands for.
///
/// Invariant: `start..end` lies on char boundaries of the original text, so slicing with it is safe.
/// Ignored characters (combining marks, soft hyphens, zero-width characters) extend the range of
/// the unit before them.
#[derive(Debug, Clone, Copy)]
struct Unit {
    c: char,
    /// Whether the original character was a capital letter.
    upper: bool,
    start: usize,
    end: usize,
}

/// Folds `text` into units: lowercase, accents stripped, typographic punctuation unified.
fn fold_text(text: &str) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::with_capacity(text.len());
    for (start, ch) in text.char_indices() {
        let end = start + ch.len_utf8();
        match (fold_char(ch), units.last_mut()) {
            (Some(c), _) => units.push(Unit { c, upper: ch.is_uppercase(), start, end }),
            (None, Some(last)) => last.end = end,
            (None, None) => units.push(Unit { c: ch, upper: ch.is_uppercase(), start, end }),
        }
    }
    units
}

/// Folds an identifier value the same way as the text, dropping ignored characters.
fn fold_str(s: &str) -> Vec<char> {
    s.chars().filter_map(fold_char).collect()
}

/// The folded form of one character, or `None` if it is ignored for matching.
fn fold_char(ch: char) -> Option<char> {
    if ch.is_ascii() {
        return Some(ch.to_ascii_lowercase());
    }
    if is_ignorable(ch) {
        return None;
    }
    let lower = ch.to_lowercase().next().unwrap_or(ch);
    Some(strip_accent(unify_punct(lower)))
}

/// Combining marks, soft hyphen, zero-width and variation-selector characters.
fn is_ignorable(ch: char) -> bool {
    matches!(
        ch,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FE20}'..='\u{FE2F}'
            | '\u{00AD}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// Typographic apostrophes become `'`, dashes and minus signs become `-`.
fn unify_punct(ch: char) -> char {
    match ch {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '\u{00B4}' | '\u{FF07}' => '\'',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        _ => ch,
    }
}

/// Lowercase Latin letters with diacritics become their base letter.
fn strip_accent(ch: char) -> char {
    match ch {
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => ch,
    }
}

/// Whether a match may begin at `i`: a letter not preceded by a letter or digit, or a digit not
/// preceded by a digit.
fn is_start(units: &[Unit], i: usize) -> bool {
    let Some(unit) = units.get(i) else { return false };
    let prev = i.checked_sub(1).and_then(|p| units.get(p)).map(|u| u.c);
    if unit.c.is_ascii_digit() {
        !prev.is_some_and(|p| p.is_ascii_digit())
    } else if unit.c.is_alphanumeric() {
        !prev.is_some_and(char::is_alphanumeric)
    } else {
        false
    }
}

/// Whether a match may end just before `end`: mirror of [`is_start`]. With `plural_ok`, a word may
/// also be followed by a lone `s` ("Smiths", "Jacks"), which is then left in the text.
fn is_end(units: &[Unit], end: usize, plural_ok: bool) -> bool {
    let Some(last) = end.checked_sub(1).and_then(|i| units.get(i)).map(|u| u.c) else { return false };
    let next = units.get(end).map(|u| u.c);
    if last.is_ascii_digit() {
        !next.is_some_and(|n| n.is_ascii_digit())
    } else if last.is_alphanumeric() {
        match next {
            None => true,
            Some('s') if plural_ok => !units.get(end + 1).is_some_and(|u| u.c.is_alphanumeric()),
            Some(n) => !n.is_alphanumeric(),
        }
    } else {
        true
    }
}

/// End of the run of units from `pos` satisfying `pred`.
fn run_end(units: &[Unit], pos: usize, pred: impl Fn(char) -> bool) -> usize {
    units.get(pos..).map_or(pos, |rest| pos + rest.iter().take_while(|u| pred(u.c)).count())
}

/// Whether the units `pos..end` spell one of `alts`.
fn spells_one_of(units: &[Unit], pos: usize, end: usize, alts: &[Vec<char>]) -> bool {
    let Some(run) = units.get(pos..end) else { return false };
    alts.iter().any(|alt| alt.len() == run.len() && run.iter().zip(alt).all(|(u, c)| u.c == *c))
}

/// Consumes one unit at `pos` if it is one of `chars`.
fn optional_char(units: &[Unit], pos: usize, chars: &[char]) -> usize {
    match units.get(pos) {
        Some(u) if chars.contains(&u.c) => pos + 1,
        _ => pos,
    }
}

// ------------------------------------------------------------------------------------------------
// Patterns
// ------------------------------------------------------------------------------------------------

/// One step of a pattern. Every step is deterministic (runs are consumed whole, no backtracking),
/// so a pattern matches at a position in at most one way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Elem {
    /// These folded characters, exactly.
    Lit(Vec<char>),
    /// One or more whitespace characters.
    Ws,
    /// Zero or more whitespace characters.
    OptWs,
    /// One or more whitespace or punctuation characters other than brackets (between words of a
    /// phrase or address).
    Gap,
    /// Between words where the value has "and" or "&": a gap, "and", "&" or both, but something.
    And,
    /// Zero or more whitespace, hyphen or apostrophe characters (inside "Anne-Marie", "O'Brien").
    Joiner,
    /// After an initial: an optional `.`, then optional whitespace; at least one character.
    InitialSep,
    /// Between a surname and forenames: optional whitespace, optional `,`, optional whitespace; at
    /// least one character.
    NameSep,
    /// Between NHS number digits: optional whitespace, optional `-`, optional whitespace.
    NumSep,
    /// Between date parts: optional whitespace, optional one of `/ - . ,`, optional whitespace.
    DateSep,
    /// A whole run of ASCII digits spelling one of these.
    Digits(Vec<Vec<char>>),
    /// A whole run of letters spelling one of these.
    Word(Vec<Vec<char>>),
    /// A whole run of letters spelling one of these, or nothing.
    OptWord(Vec<Vec<char>>),
}

impl Elem {
    /// Matches this step at `pos`, returning the position after it.
    fn match_at(&self, units: &[Unit], pos: usize) -> Option<usize> {
        let at_least_one = |end: usize| (end > pos).then_some(end);
        match self {
            Elem::Lit(chars) => {
                let end = pos + chars.len();
                let run = units.get(pos..end)?;
                run.iter().zip(chars).all(|(u, c)| u.c == *c).then_some(end)
            }
            Elem::Ws => at_least_one(run_end(units, pos, char::is_whitespace)),
            Elem::OptWs => Some(run_end(units, pos, char::is_whitespace)),
            Elem::Gap => at_least_one(run_end(units, pos, is_gap_char)),
            Elem::And => {
                let before = run_end(units, pos, is_gap_char);
                let word = run_end(units, before, char::is_alphabetic);
                let after_and =
                    if spells_one_of(units, before, word, &[chars("and")]) { word } else { before };
                at_least_one(run_end(units, after_and, is_gap_char))
            }
            Elem::Joiner => Some(run_end(units, pos, |c| c.is_whitespace() || c == '-' || c == '\'')),
            Elem::InitialSep => {
                let after_dot = optional_char(units, pos, &['.']);
                at_least_one(run_end(units, after_dot, char::is_whitespace))
            }
            Elem::NameSep => at_least_one(separator(units, pos, &[','])),
            Elem::NumSep => Some(separator(units, pos, &['-'])),
            Elem::DateSep => Some(separator(units, pos, &['/', '-', '.', ','])),
            Elem::Digits(alts) => {
                let end = run_end(units, pos, |c| c.is_ascii_digit());
                spells_one_of(units, pos, end, alts).then_some(end)
            }
            Elem::Word(alts) => {
                let end = run_end(units, pos, char::is_alphabetic);
                spells_one_of(units, pos, end, alts).then_some(end)
            }
            Elem::OptWord(alts) => {
                let end = run_end(units, pos, char::is_alphabetic);
                Some(if spells_one_of(units, pos, end, alts) { end } else { pos })
            }
        }
    }

    /// Whether this step always consumes text (a pattern must start and end with one).
    fn is_content(&self) -> bool {
        matches!(self, Elem::Lit(_) | Elem::Digits(_) | Elem::Word(_))
    }

    /// The folded characters a match of this step can start with.
    fn first_chars(&self) -> Vec<char> {
        match self {
            Elem::Lit(chars) => chars.first().copied().into_iter().collect(),
            Elem::Digits(alts) | Elem::Word(alts) => alts.iter().filter_map(|a| a.first().copied()).collect(),
            _ => Vec::new(),
        }
    }
}

/// Whitespace or punctuation, but not a bracket: brackets stay balanced around labels.
fn is_gap_char(c: char) -> bool {
    !c.is_alphanumeric() && !"()[]{}<>".contains(c)
}

/// Optional whitespace, optionally one of `marks`, optional whitespace.
fn separator(units: &[Unit], pos: usize, marks: &[char]) -> usize {
    let before = run_end(units, pos, char::is_whitespace);
    let after_mark = optional_char(units, before, marks);
    run_end(units, after_mark, char::is_whitespace)
}

/// Tier of a written form: the identifier as a whole beats a part of it on the same text.
const WHOLE: u8 = 0;
const PART: u8 = 1;

/// A written form of one identifier, before it is indexed.
#[derive(Debug, Clone)]
struct Draft {
    tier: u8,
    elems: Vec<Elem>,
}

fn whole(elems: Vec<Elem>) -> Draft {
    Draft { tier: WHOLE, elems }
}

fn part(elems: Vec<Elem>) -> Draft {
    Draft { tier: PART, elems }
}

/// An indexed pattern: a written form of identifier `id`.
#[derive(Debug, Clone)]
struct Pattern {
    elems: Vec<Elem>,
    id: usize,
    tier: u8,
    /// Names may be followed by a plural or apostrophe-less possessive `s`.
    plural_ok: bool,
    /// Matches only where the text starts with a capital letter (a professional's name part).
    capital_only: bool,
}

/// A match of identifier `id` over units `start..end`.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    id: usize,
    tier: u8,
}

/// Removes leading and trailing steps that may match nothing or only separators.
fn trim_elems(mut elems: Vec<Elem>) -> Vec<Elem> {
    while elems.last().is_some_and(|e| !e.is_content()) {
        elems.pop();
    }
    let lead = elems.iter().take_while(|e| !e.is_content()).count();
    elems.drain(..lead);
    elems
}

/// Concatenates pieces with `sep` between them.
fn join(pieces: impl IntoIterator<Item = Vec<Elem>>, sep: &Elem) -> Vec<Elem> {
    let mut out = Vec::new();
    for piece in pieces {
        if piece.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(sep.clone());
        }
        out.extend(piece);
    }
    out
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn char_lists(words: &[&str]) -> Vec<Vec<char>> {
    words.iter().map(|w| chars(w)).collect()
}

// ------------------------------------------------------------------------------------------------
// Words
// ------------------------------------------------------------------------------------------------

/// Trims punctuation from both ends of a word: "(Jack)," → "Jack".
fn trim_word(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric())
}

/// The words of a value: split on whitespace, end punctuation trimmed, empty ones dropped.
fn words(value: &str) -> Vec<&str> {
    value.split_whitespace().map(trim_word).filter(|w| !w.is_empty()).collect()
}

/// Pattern steps for one word: letters and digits literally, apostrophes and hyphens as flexible
/// joiners ("O'Brien" also matches "O’Brien", "OBrien", "O Brien"), dots and commas as gaps
/// ("St.Mary's" also matches "St Mary's").
fn word_elems(folded: &[char]) -> Vec<Elem> {
    let mut elems: Vec<Elem> = Vec::new();
    for &c in folded {
        let sep = match c {
            '\'' | '-' => Some(Elem::Joiner),
            '.' | ',' | ';' => Some(Elem::Gap),
            _ if c.is_whitespace() => Some(Elem::Gap),
            _ => None,
        };
        match (sep, elems.last_mut()) {
            (Some(sep), Some(last)) if *last == sep => {}
            (Some(sep), _) => elems.push(sep),
            (None, Some(Elem::Lit(lit))) => lit.push(c),
            (None, _) => elems.push(Elem::Lit(vec![c])),
        }
    }
    trim_elems(elems)
}

fn letter_count(folded: &[char]) -> usize {
    folded.iter().filter(|c| c.is_alphabetic()).count()
}

/// A word, then its hyphen- and apostrophe-separated parts of at least 2 letters
/// ("Anne-Marie" → "Anne-Marie", "Anne", "Marie"; "O'Brien" → "O'Brien", "Brien").
fn word_variants(word: &str) -> Vec<Vec<char>> {
    let folded = fold_str(word);
    let mut variants = vec![folded.clone()];
    if folded.iter().any(|c| matches!(c, '-' | '\'')) {
        for piece in folded.split(|c| matches!(c, '-' | '\'')) {
            if letter_count(piece) >= 2 {
                variants.push(piece.to_vec());
            }
        }
    }
    variants
}

// ------------------------------------------------------------------------------------------------
// Names
// ------------------------------------------------------------------------------------------------

/// Titles that may lead a name; never matched alone.
const TITLES: &[&str] =
    &["mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "rev", "revd", "sir", "dame"];

fn is_title(word: &str) -> bool {
    let letters: String = fold_str(word).into_iter().filter(|c| c.is_alphanumeric()).collect();
    TITLES.contains(&letters.as_str())
}

/// The words of a name in forename-first order; "Smith, Jack" is read surname-first.
fn name_words(value: &str) -> Vec<&str> {
    match value.split_once(',') {
        Some((surname, forenames)) => {
            let mut ordered = words(forenames);
            ordered.extend(words(surname));
            ordered
        }
        None => words(value),
    }
}

fn name_drafts(value: &str) -> Vec<Draft> {
    let written = name_words(value);
    if written.is_empty() {
        return Vec::new();
    }
    let elems_of = |w: &&str| word_elems(&fold_str(w));
    let title_count = written.iter().take_while(|w| is_title(w)).count();
    let (titles, core) = written.split_at(title_count);
    let Some((surname, forenames)) = core.split_last() else {
        // Nothing but titles: match it as written.
        return vec![whole(join(written.iter().map(elems_of), &Elem::Ws))];
    };

    let mut drafts = vec![whole(join(core.iter().map(elems_of), &Elem::Ws))];
    if !titles.is_empty() {
        // "Dr. Priya Patel", "Dr Patel".
        let title = join(titles.iter().map(elems_of), &Elem::InitialSep);
        let with_title = |rest: Vec<Elem>| [title.clone(), vec![Elem::InitialSep], rest].concat();
        drafts.push(whole(with_title(join(core.iter().map(elems_of), &Elem::Ws))));
        drafts.push(whole(with_title(elems_of(surname))));
    }
    if !forenames.is_empty() {
        drafts.extend(combination_drafts(forenames, surname));
    }
    for word in core {
        for variant in word_variants(word) {
            if letter_count(&variant) >= 2 {
                drafts.push(part(word_elems(&variant)));
            }
        }
    }
    drafts
}

/// Forms combining forenames and surname: "Jack Smith", "Smith, Jack", "Smith Jack Oliver",
/// "J. Smith", "J O Smith", "Jack O. Smith".
fn combination_drafts(forenames: &[&str], surname: &str) -> Vec<Draft> {
    let mut drafts = Vec::new();
    let surnames: Vec<Vec<Elem>> = word_variants(surname).iter().map(|v| word_elems(v)).collect();
    let surname_whole = word_elems(&fold_str(surname));
    for forename in forenames.iter().flat_map(|f| word_variants(f)) {
        let forename = word_elems(&forename);
        for surname in &surnames {
            drafts.push(whole(join([forename.clone(), surname.clone()], &Elem::Ws)));
            drafts.push(whole(join([surname.clone(), forename.clone()], &Elem::NameSep)));
        }
    }
    let all_forenames = join(forenames.iter().map(|f| word_elems(&fold_str(f))), &Elem::Ws);
    drafts.push(whole(join([surname_whole.clone(), all_forenames], &Elem::NameSep)));

    let initials: Vec<Vec<Elem>> = forenames.iter().filter_map(|f| initial(f)).collect();
    if let Some(first) = initials.first() {
        drafts.push(whole(join([first.clone(), surname_whole.clone()], &Elem::InitialSep)));
    }
    if initials.len() > 1 {
        let all = join(initials.iter().cloned(), &Elem::InitialSep);
        drafts.push(whole(join([all, surname_whole.clone()], &Elem::InitialSep)));
        if let Some(first) = forenames.first() {
            let middles = join(initials.iter().skip(1).cloned(), &Elem::InitialSep);
            let head = join([word_elems(&fold_str(first)), middles], &Elem::Ws);
            drafts.push(whole(join([head, surname_whole], &Elem::InitialSep)));
        }
    }
    drafts
}

/// The initial of a forename as a one-letter literal.
fn initial(forename: &str) -> Option<Vec<Elem>> {
    fold_str(forename).into_iter().find(|c| c.is_alphanumeric()).map(|c| vec![Elem::Lit(vec![c])])
}

// ------------------------------------------------------------------------------------------------
// NHS numbers, dates, postcodes
// ------------------------------------------------------------------------------------------------

/// The digits with an optional space, hyphen or space run between each pair.
fn nhs_drafts(value: &str) -> Vec<Draft> {
    let digits = value.chars().filter(char::is_ascii_digit).map(|d| vec![Elem::Lit(vec![d])]);
    vec![whole(join(digits, &Elem::NumSep))]
}

/// Month names and abbreviations, January first.
const MONTHS: [&[&str]; 12] = [
    &["january", "jan"],
    &["february", "feb", "febr"],
    &["march", "mar"],
    &["april", "apr"],
    &["may"],
    &["june", "jun"],
    &["july", "jul"],
    &["august", "aug"],
    &["september", "sept", "sep"],
    &["october", "oct"],
    &["november", "nov"],
    &["december", "dec"],
];

/// A day or month number with or without a leading zero: 3 → "3", "03".
fn day_or_month(n: u32) -> Elem {
    let mut forms = vec![chars(&n.to_string())];
    if n < 10 {
        forms.push(chars(&format!("{n:02}")));
    }
    Elem::Digits(forms)
}

/// Date forms: 24/03/2019 (any of `/ - . ,` or spaces, day and month with or without leading
/// zero, 2- or 4-digit year); 24 March 2019, 24th of March 2019, 24-Mar-2019, 24 Mar. 19;
/// March 24, 2019, Mar 24th 2019; 2019-03-24; 20190324 and 24032019.
fn date_drafts(date: NaiveDate) -> Vec<Draft> {
    let (d, m, y) = (date.day(), date.month(), date.year());
    let day = day_or_month(d);
    let month = day_or_month(m);
    let year_long = chars(&format!("{y:04}"));
    let year_short = chars(&format!("{:02}", y.rem_euclid(100)));
    let year = Elem::Digits(vec![year_long.clone(), year_short]);
    let year4 = Elem::Digits(vec![year_long]);
    let names = m.checked_sub(1).and_then(|i| MONTHS.get(i as usize)).copied().unwrap_or(&[]);
    let month_name = Elem::Word(char_lists(names));
    let ordinal = Elem::OptWord(char_lists(&["st", "nd", "rd", "th"]));
    let of = Elem::OptWord(char_lists(&["of"]));
    let sep = Elem::DateSep;

    let mut drafts = vec![
        whole(vec![day.clone(), sep.clone(), month.clone(), sep.clone(), year.clone()]),
        whole(vec![year4, sep.clone(), month, sep.clone(), day.clone()]),
        whole(vec![Elem::Lit(chars(&format!("{y:04}{m:02}{d:02}")))]),
        whole(vec![Elem::Lit(chars(&format!("{d:02}{m:02}{y:04}")))]),
    ];
    if !names.is_empty() {
        drafts.push(whole(vec![
            day.clone(),
            ordinal.clone(),
            sep.clone(),
            of,
            sep.clone(),
            month_name.clone(),
            sep.clone(),
            year.clone(),
        ]));
        drafts.push(whole(vec![month_name, sep.clone(), day, ordinal, sep, year]));
    }
    drafts
}

/// Letters and digits of a postcode, folded, without spaces.
fn postcode_compact(value: &str) -> Vec<char> {
    fold_str(value).into_iter().filter(|c| c.is_alphanumeric()).collect()
}

/// Outward code, optional whitespace, inward code (the last 3 characters).
fn postcode_elems(compact: &[char]) -> Vec<Elem> {
    if compact.len() >= 5 {
        let (outward, inward) = compact.split_at(compact.len() - 3);
        vec![Elem::Lit(outward.to_vec()), Elem::OptWs, Elem::Lit(inward.to_vec())]
    } else {
        vec![Elem::Lit(compact.to_vec())]
    }
}

fn postcode_drafts(value: &str) -> Vec<Draft> {
    vec![whole(postcode_elems(&postcode_compact(value)))]
}

/// Whether folded, space-free `compact` has the shape of a UK postcode (A9 9AA ... AA9A 9AA).
fn looks_like_postcode(compact: &[char]) -> bool {
    if !(5..=7).contains(&compact.len()) {
        return false;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = matches!(inward, [d, a, b] if d.is_ascii_digit() && a.is_ascii_alphabetic() && b.is_ascii_alphabetic());
    let alpha = |i: usize| outward.get(i).is_some_and(char::is_ascii_alphabetic);
    let digit = |i: usize| outward.get(i).is_some_and(char::is_ascii_digit);
    let outward_ok = match outward.len() {
        2 => alpha(0) && digit(1),
        3 => alpha(0) && ((digit(1) && digit(2)) || (alpha(1) && digit(2)) || (digit(1) && alpha(2))),
        4 => alpha(0) && alpha(1) && digit(2) && (digit(3) || alpha(3)),
        _ => false,
    };
    inward_ok && outward_ok
}

// ------------------------------------------------------------------------------------------------
// Addresses and phrases
// ------------------------------------------------------------------------------------------------

/// Street types written in full or abbreviated; any form matches any other.
const STREET_TYPES: &[&[&str]] = &[
    &["avenue", "ave", "av"],
    &["road", "rd"],
    &["street", "st", "str"],
    &["lane", "ln"],
    &["drive", "dr", "drv"],
    &["close", "cl"],
    &["crescent", "cres", "cresc"],
    &["court", "ct"],
    &["place", "pl"],
    &["gardens", "gdns"],
    &["terrace", "terr", "tce"],
    &["grove", "gr", "gro"],
    &["square", "sq"],
    &["park", "pk"],
    &["mount", "mt"],
    &["green", "grn"],
    &["parade", "pde"],
];

/// Beyond this many lines, only the whole address and single lines are matched (not every run).
const MAX_SPAN_LINES: usize = 12;

/// One line of an address.
#[derive(Debug, Clone)]
struct AddressLine {
    elems: Vec<Elem>,
    /// Matched on its own: at least 4 characters with a letter, or a postcode.
    alone: bool,
    /// The line without its leading house number ("Acacia Avenue" from "12 Acacia Avenue").
    street: Option<Vec<Elem>>,
}

fn address_drafts(value: &str) -> Vec<Draft> {
    let lines = address_lines(value);
    let n = lines.len();
    if n == 1 {
        return lines
            .into_iter()
            .flat_map(|line| line.street.into_iter().map(part).chain([whole(line.elems)]))
            .collect();
    }
    let mut drafts = Vec::new();
    for i in 0..n {
        let Some(first) = lines.get(i) else { continue };
        if first.alone {
            drafts.push(part(first.elems.clone()));
        }
        if let Some(street) = &first.street {
            drafts.push(part(street.clone()));
        }
        for j in i + 1..n {
            let is_whole = i == 0 && j == n - 1;
            if n > MAX_SPAN_LINES && !is_whole {
                continue;
            }
            let Some(rest) = lines.get(i + 1..=j) else { continue };
            let tier = if is_whole { WHOLE } else { PART };
            let tail = rest.iter().map(|l| l.elems.clone());
            drafts.push(Draft {
                tier,
                elems: join(std::iter::once(first.elems.clone()).chain(tail.clone()), &Elem::Gap),
            });
            if let Some(street) = &first.street {
                drafts.push(part(join(std::iter::once(street.clone()).chain(tail), &Elem::Gap)));
            }
        }
    }
    drafts
}

/// Splits an address on commas, semicolons and newlines; a postcode at the end of a line becomes
/// a line of its own.
fn address_lines(value: &str) -> Vec<AddressLine> {
    let mut lines = Vec::new();
    for raw in value.split([',', ';', '\n', '\r']) {
        let line_words = words(raw);
        let (body, postcode) = split_trailing_postcode(&line_words);
        if !body.is_empty() {
            lines.push(text_line(body));
        }
        if let Some(compact) = postcode {
            lines.push(AddressLine { elems: postcode_elems(&compact), alone: true, street: None });
        }
    }
    lines
}

/// Splits a trailing postcode ("Leeds LS1 4AB", "LS14AB") off a line's words.
fn split_trailing_postcode<'a, 'w>(line_words: &'a [&'w str]) -> (&'a [&'w str], Option<Vec<char>>) {
    for take in [2, 1] {
        let Some(split) = line_words.len().checked_sub(take) else { continue };
        let (body, tail) = line_words.split_at(split);
        let compact: Vec<char> = tail.iter().flat_map(|w| postcode_compact(w)).collect();
        if looks_like_postcode(&compact) {
            return (body, Some(compact));
        }
    }
    (line_words, None)
}

fn text_line(line_words: &[&str]) -> AddressLine {
    let elems = line_elems(line_words);
    let lead = line_words.iter().take_while(|w| w.chars().any(|c| c.is_ascii_digit())).count();
    let street = line_words.get(lead..).filter(|rest| lead > 0 && worth_alone(rest)).map(line_elems);
    AddressLine { elems, alone: worth_alone(line_words), street }
}

/// At least 4 characters (as written, single-spaced) and at least one letter.
fn worth_alone(line_words: &[&str]) -> bool {
    let length =
        line_words.iter().map(|w| w.chars().count()).sum::<usize>() + line_words.len().saturating_sub(1);
    length >= 4 && line_words.iter().any(|w| w.chars().any(char::is_alphabetic))
}

/// Words of an address line separated by gaps; a street type after the first word matches any of
/// its forms ("Avenue" / "Ave").
fn line_elems(line_words: &[&str]) -> Vec<Elem> {
    gapped_words(line_words, true)
}

/// Words separated by gaps, "and" or "&" between words matching either (or neither); with
/// `street_types`, a street type after the first word matches any of its forms.
fn gapped_words(raw_words: &[&str], street_types: bool) -> Vec<Elem> {
    let mut out = Vec::new();
    let mut sep = Elem::Gap;
    for raw in raw_words {
        let folded = fold_str(trim_word(raw));
        if folded == chars("and") || (folded.is_empty() && raw.contains('&')) {
            sep = Elem::And;
            continue;
        }
        if folded.is_empty() {
            continue;
        }
        let piece = match street_type(&folded) {
            Some(forms) if street_types && !out.is_empty() => vec![Elem::Word(char_lists(forms))],
            _ => word_elems(&folded),
        };
        if !out.is_empty() {
            out.push(sep);
        }
        out.extend(piece);
        sep = Elem::Gap;
    }
    out
}

fn street_type(folded: &[char]) -> Option<&'static [&'static str]> {
    let word: String = folded.iter().collect();
    STREET_TYPES.iter().copied().find(|forms| forms.contains(&word.as_str()))
}

fn phrase_drafts(value: &str) -> Vec<Draft> {
    let raw_words: Vec<&str> = value.split_whitespace().collect();
    vec![whole(gapped_words(&raw_words, false))]
}

fn drafts_for(known: &Known) -> Vec<Draft> {
    match known {
        Known::Name(v) | Known::Professional(v) => name_drafts(v),
        Known::NhsNumber(v) => nhs_drafts(v),
        Known::Date(d) => date_drafts(*d),
        Known::Postcode(v) => postcode_drafts(v),
        Known::Address(v) => address_drafts(v),
        Known::Phrase(v) => phrase_drafts(v),
    }
}

// ------------------------------------------------------------------------------------------------
// Matcher
// ------------------------------------------------------------------------------------------------

/// Marks `[label]` tokens already in the text so they are never matched again.
struct Guard {
    /// `prefix[k]` = number of guarded units before unit `k`; empty when nothing is guarded.
    prefix: Vec<u32>,
}

impl Guard {
    fn new(units: &[Unit], labels: &[Vec<char>]) -> Guard {
        let mut guarded: Vec<bool> = Vec::new();
        for (i, unit) in units.iter().enumerate() {
            if unit.c != '[' {
                continue;
            }
            for label in labels {
                let close = i + 1 + label.len();
                let inner = units
                    .get(i + 1..close)
                    .is_some_and(|run| run.iter().map(|u| u.c).eq(label.iter().copied()));
                if inner && units.get(close).is_some_and(|u| u.c == ']') {
                    guarded.resize(units.len(), false);
                    guarded.iter_mut().take(close + 1).skip(i).for_each(|g| *g = true);
                }
            }
        }
        if guarded.is_empty() {
            return Guard { prefix: Vec::new() };
        }
        let mut prefix = Vec::with_capacity(units.len() + 1);
        let mut count = 0u32;
        prefix.push(0);
        for g in guarded {
            count += u32::from(g);
            prefix.push(count);
        }
        Guard { prefix }
    }

    /// Whether units `start..end` touch a guarded token.
    fn overlaps(&self, start: usize, end: usize) -> bool {
        match (self.prefix.get(start), self.prefix.get(end)) {
            (Some(a), Some(b)) => b > a,
            _ => false,
        }
    }
}

/// Pattern indices by the folded character a match starts with.
#[derive(Debug, Default)]
struct FirstIndex {
    ascii: Vec<Vec<usize>>,
    other: Vec<(char, Vec<usize>)>,
}

impl FirstIndex {
    fn get(&self, c: char) -> &[usize] {
        if c.is_ascii() {
            self.ascii.get(c as usize).map_or(&[], Vec::as_slice)
        } else {
            self.other.iter().find(|(k, _)| *k == c).map_or(&[], |(_, v)| v.as_slice())
        }
    }

    fn bucket(&mut self, c: char) -> &mut Vec<usize> {
        if c.is_ascii() {
            if self.ascii.len() < 128 {
                self.ascii.resize(128, Vec::new());
            }
            if let Some(bucket) = self.ascii.get_mut(c as usize) {
                return bucket;
            }
        }
        let at = match self.other.iter().position(|(k, _)| *k == c) {
            Some(at) => at,
            None => {
                self.other.push((c, Vec::new()));
                self.other.len() - 1
            }
        };
        &mut self.other[at].1
    }
}

/// The patterns of a set of identifiers, indexed by first character.
struct Matcher {
    patterns: Vec<Pattern>,
    by_first: FirstIndex,
    /// Display label per identifier index.
    labels: Vec<String>,
    /// Folded labels, for [`Guard`].
    guarded: Vec<Vec<char>>,
}

impl Matcher {
    fn new(ids: &[Identifier]) -> Matcher {
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut by_first = FirstIndex::default();
        for (id, identifier) in ids.iter().enumerate() {
            let plural_ok = matches!(identifier.known, Known::Name(_) | Known::Professional(_));
            let professional = matches!(identifier.known, Known::Professional(_));
            for draft in drafts_for(&identifier.known) {
                let capital_only = professional && draft.tier == PART;
                let elems = trim_elems(draft.elems);
                let mut firsts = elems.first().map(Elem::first_chars).unwrap_or_default();
                let Some(&key) = firsts.first() else { continue };
                let same = by_first
                    .get(key)
                    .iter()
                    .copied()
                    .find(|&p| patterns.get(p).is_some_and(|e| e.elems == elems));
                if let Some(existing) = same.and_then(|p| patterns.get_mut(p)) {
                    // The same written form from two identifiers: the better tier, then the first.
                    if (draft.tier, id) < (existing.tier, existing.id) {
                        existing.tier = draft.tier;
                        existing.id = id;
                    }
                    existing.plural_ok |= plural_ok;
                    // Case matters only if it matters for every identifier written this way.
                    existing.capital_only &= capital_only;
                    continue;
                }
                firsts.sort_unstable();
                firsts.dedup();
                for c in firsts {
                    by_first.bucket(c).push(patterns.len());
                }
                patterns.push(Pattern { elems, id, tier: draft.tier, plural_ok, capital_only });
            }
        }
        let labels: Vec<String> = ids.iter().map(|i| display_label(&i.label)).collect();
        let mut guarded: Vec<Vec<char>> = labels.iter().map(|l| fold_str(l)).collect();
        guarded.sort();
        guarded.dedup();
        Matcher { patterns, by_first, labels, guarded }
    }

    fn label(&self, id: usize) -> &str {
        self.labels.get(id).map_or(FALLBACK_LABEL, String::as_str)
    }

    /// Every pattern matching at `start` as a whole word, clear of guarded tokens.
    fn candidates_at<'a>(
        &'a self,
        units: &'a [Unit],
        start: usize,
        guard: &'a Guard,
    ) -> impl Iterator<Item = Span> + 'a {
        let list: &[usize] = match units.get(start) {
            Some(unit) if is_start(units, start) => self.by_first.get(unit.c),
            _ => &[],
        };
        list.iter().filter_map(move |&p| {
            let pattern = self.patterns.get(p)?;
            if pattern.capital_only && !units.get(start).is_some_and(|u| u.upper) {
                return None;
            }
            let end = pattern.elems.iter().try_fold(start, |pos, elem| elem.match_at(units, pos))?;
            let clear = is_end(units, end, pattern.plural_ok) && !guard.overlaps(start, end);
            clear.then_some(Span { start, end, id: pattern.id, tier: pattern.tier })
        })
    }

    /// Non-overlapping matches, left to right: the earliest start, then the longest, then the
    /// better tier, then the first identifier.
    fn select(&self, units: &[Unit], guard: &Guard) -> Vec<Span> {
        let mut spans = Vec::new();
        let mut i = 0;
        while i < units.len() {
            let best = self.candidates_at(units, i, guard).min_by_key(|s| (Reverse(s.end), s.tier, s.id));
            match best {
                Some(span) => {
                    spans.push(span);
                    i = span.end.max(i + 1);
                }
                None => i += 1,
            }
        }
        spans
    }

    /// One redaction pass over `text`, adding its replacements to `counts`.
    fn replace_once(&self, text: &str, counts: &mut Vec<(String, usize)>) -> Pass {
        let units = fold_text(text);
        let guard = Guard::new(&units, &self.guarded);
        let spans = self.select(&units, &guard);
        let is_word_char =
            |i: Option<usize>| i.and_then(|i| units.get(i)).is_some_and(|u| u.c.is_alphanumeric());
        let unsettled =
            spans.iter().any(|s| is_word_char(s.start.checked_sub(1)) || is_word_char(Some(s.end)));
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for span in &spans {
            let (Some(first), Some(last)) =
                (units.get(span.start), span.end.checked_sub(1).and_then(|e| units.get(e)))
            else {
                continue;
            };
            // Unit ranges lie on char boundaries (see `Unit`).
            out.push_str(&text[copied..first.start]);
            let label = self.label(span.id);
            out.push('[');
            out.push_str(label);
            out.push(']');
            add_count(counts, label);
            copied = last.end;
        }
        out.push_str(&text[copied..]);
        Pass { text: out, unsettled }
    }
}

/// The result of one redaction pass.
struct Pass {
    text: String,
    /// A replacement touched a letter or digit, so another pass may find more.
    unsettled: bool,
}

/// Shown for an identifier whose label is blank.
const FALLBACK_LABEL: &str = "redacted";

fn display_label(label: &str) -> String {
    let trimmed = label.trim();
    if trimmed.is_empty() { FALLBACK_LABEL.to_string() } else { trimmed.to_string() }
}

fn add_count(counts: &mut Vec<(String, usize)>, label: &str) {
    match counts.iter_mut().find(|(l, _)| l == label) {
        Some((_, n)) => *n += 1,
        None => counts.push((label.to_string(), 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(known: Known, label: &str) -> Identifier {
        Identifier { known, label: label.to_string() }
    }

    fn name(value: &str, label: &str) -> Identifier {
        id(Known::Name(value.to_string()), label)
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn child() -> Vec<Identifier> {
        vec![name("Jack Oliver Smith", "child")]
    }

    fn red(text: &str, ids: &[Identifier]) -> String {
        redact(text, ids).text
    }

    /// Asserts that each input redacts to `expected`, naming the input on failure.
    fn each_redacts_to(inputs: &[&str], ids: &[Identifier], expected: &str) {
        for input in inputs {
            assert_eq!(red(input, ids), expected, "input: {input:?}");
        }
    }

    /// Asserts that each input is left exactly as it is.
    fn each_untouched(inputs: &[&str], ids: &[Identifier]) {
        for input in inputs {
            let r = redact(input, ids);
            assert_eq!(r.text, *input, "input: {input:?}");
            assert_eq!(r.total(), 0, "input: {input:?}");
        }
    }

    // ---- names ---------------------------------------------------------------------------------

    #[test]
    fn full_name_is_one_label_not_one_per_part() {
        let r = redact("Jack Oliver Smith was seen.", &child());
        assert_eq!(r.text, "[child] was seen.");
        assert_eq!(r.counts, vec![("child".to_string(), 1)]);
        assert_eq!(r.total(), 1);
    }

    #[test]
    fn parts_and_forename_surname_pairs_match() {
        assert_eq!(
            red("Jack Smith and Oliver; later Smith, then jack.", &child()),
            "[child] and [child]; later [child], then [child]."
        );
        each_redacts_to(&["Oliver Smith", "Jack Smith", "jack oliver smith"], &child(), "[child]");
    }

    #[test]
    fn case_and_whitespace_are_flexible() {
        assert_eq!(
            red("JACK OLIVER SMITH / jack\n  oliver\tsmith / Jack\r\nSmith", &child()),
            "[child] / [child] / [child]"
        );
    }

    #[test]
    fn names_match_whole_words_only() {
        each_untouched(
            &[
                "Mr Jackson hijacked a jackal.",
                "Smithson, Blacksmith, Smithy",
                "Jack2 and 2Jack",
                "Oliverson's",
            ],
            &child(),
        );
        assert_eq!(red("Jackson met Jack.", &child()), "Jackson met [child].");
    }

    #[test]
    fn possessives_and_plurals_keep_their_endings() {
        assert_eq!(
            red("Jack's cot, Jack’s bed, the Smiths' house, the Smiths, Jacks mum", &child()),
            "[child]'s cot, [child]’s bed, the [child]s' house, the [child]s, [child]s mum"
        );
    }

    #[test]
    fn surname_first_and_initials_match() {
        each_redacts_to(
            &[
                "Smith, Jack",
                "SMITH Jack",
                "Smith,Jack",
                "Smith, Jack Oliver",
                "Smith, Oliver",
                "J. Smith",
                "J Smith",
                "J.Smith",
                "J. O. Smith",
                "J.O. Smith",
                "J O Smith",
                "Jack O. Smith",
            ],
            &child(),
            "[child]",
        );
    }

    #[test]
    fn shared_surname_full_names_keep_own_label_lone_surname_goes_to_first_identifier() {
        let ids = vec![name("Jack Smith", "child"), name("Sarah Smith", "mother")];
        assert_eq!(
            red(
                "Sarah Smith phoned about Jack Smith. Mrs Smith said Sarah had stayed up. Smith, Sarah.",
                &ids
            ),
            "[mother] phoned about [child]. Mrs [child] said [mother] had stayed up. [mother]."
        );
        let reversed = vec![ids[1].clone(), ids[0].clone()];
        assert_eq!(red("Mrs Smith and Jack Smith", &reversed), "Mrs [mother] and [child]");
    }

    #[test]
    fn hyphenated_and_apostrophe_names() {
        let ids = vec![name("Anne-Marie O'Brien", "mother")];
        each_redacts_to(
            &[
                "Anne-Marie O'Brien",
                "ANNE-MARIE O’BRIEN",
                "Anne Marie OBrien",
                "Anne-Marie",
                "Anne Marie",
                "Anne‑Marie",
                "O'Brien",
                "O’Brien",
                "O Brien",
                "Brien",
                "Anne",
                "Marie",
                "Anne O'Brien",
                "A. O'Brien",
            ],
            &ids,
            "[mother]",
        );
        assert_eq!(red("Marie's sister", &ids), "[mother]'s sister");
        each_untouched(&["O dear, an Annexe", "Mariette"], &ids);
    }

    #[test]
    fn accents_are_folded_and_unicode_text_is_kept_intact() {
        let ids = vec![name("Zoë Núñez", "child")];
        each_redacts_to(
            &["Zoë Núñez", "ZOË NÚÑEZ", "Zoe Nunez", "Zoe\u{308} Nun\u{303}ez", "Zoë", "Nunez"],
            &ids,
            "[child]",
        );
        assert_eq!(red("— Zoë’s 😀 café, Zoe\u{308} cried.", &ids), "— [child]’s 😀 café, [child] cried.");
        each_untouched(&["Zoëy and Zoéa 😀", "Núñezes"], &ids);
        assert_eq!(red("the Núñezs", &ids), "the [child]s");
    }

    #[test]
    fn invisible_characters_do_not_hide_a_name() {
        assert_eq!(red("Ja\u{AD}ck and Ja\u{200B}ck Smi\u{FEFF}th", &child()), "[child] and [child]");
    }

    #[test]
    fn single_letter_parts_and_titles_are_not_matched_alone() {
        let ids = vec![name("Dr Priya K Patel", "GP")];
        each_redacts_to(
            &["Dr Priya K Patel", "Dr. Priya K Patel", "Dr Patel", "Priya Patel", "Patel", "Priya"],
            &ids,
            "[GP]",
        );
        each_untouched(&["Dr Jones saw K Jones, then the Doctor."], &ids);
    }

    #[test]
    fn surname_first_value_is_understood() {
        let ids = vec![name("Smith, Jack", "child")];
        each_redacts_to(&["Jack Smith", "Smith, Jack", "J. Smith", "Jack"], &ids, "[child]");
    }

    // ---- NHS numbers ---------------------------------------------------------------------------

    fn nhs() -> Vec<Identifier> {
        vec![id(Known::NhsNumber("943 476 5919".to_string()), "NHS number")]
    }

    #[test]
    fn nhs_number_formats() {
        for number in [
            "9434765919",
            "943 476 5919",
            "943-476-5919",
            "94 34 76 59 19",
            "943 - 476 - 5919",
            "943 476\n5919",
        ] {
            assert_eq!(red(&format!("NHS: {number}."), &nhs()), "NHS: [NHS number].", "input: {number:?}");
        }
        assert_eq!(red("NHS9434765919", &nhs()), "NHS[NHS number]");
    }

    #[test]
    fn nhs_number_inside_a_longer_digit_run_is_left_alone() {
        each_untouched(
            &[
                "19434765919",
                "94347659190",
                "943 476 59190",
                "ref 0943-476-5919",
                "9434765918",
                "943 476 591",
            ],
            &nhs(),
        );
    }

    // ---- dates ---------------------------------------------------------------------------------

    #[test]
    fn date_formats() {
        let ids = vec![id(Known::Date(ymd(2019, 3, 24)), "date of birth")];
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
            assert_eq!(
                red(&format!("born {f}, at home"), &ids),
                "born [date of birth], at home",
                "format: {f:?}"
            );
        }
    }

    #[test]
    fn single_digit_days_and_months_and_abbreviations() {
        let ids = vec![id(Known::Date(ymd(2020, 9, 5)), "date of death")];
        each_redacts_to(
            &[
                "5/9/2020",
                "05/09/20",
                "5.9.20",
                "2020-09-05",
                "5th Sept 2020",
                "5 Sep 2020",
                "September 5th, 2020",
                "05 September 2020",
            ],
            &ids,
            "[date of death]",
        );
        let nov = vec![id(Known::Date(ymd(2021, 11, 2)), "date of death")];
        each_redacts_to(
            &["2nd November 2021", "2/11/21", "02-11-2021", "Nov 2nd, 2021"],
            &nov,
            "[date of death]",
        );
    }

    #[test]
    fn dates_need_a_year_and_whole_numbers() {
        let ids = vec![id(Known::Date(ymd(2019, 3, 24)), "date of birth")];
        each_untouched(
            &[
                "on 24/03 she",
                "24/03",
                "24 March",
                "March 24",
                "25/03/2019",
                "24/03/2018",
                "24/04/2019",
                "124/03/2019",
                "24/03/20191",
                "24/03/219",
                "03/24/2019",
                "2019-03-241",
                "24 Marchy 2019",
                "240319",
            ],
            &ids,
        );
    }

    // ---- postcodes and addresses ---------------------------------------------------------------

    #[test]
    fn postcode_in_any_spacing_and_case() {
        let ids = vec![id(Known::Postcode("ls14ab".to_string()), "postcode")];
        each_redacts_to(&["LS1 4AB", "ls14ab", "LS1  4AB", "Ls1\t4aB"], &ids, "[postcode]");
        assert_eq!(red("(LS1 4AB)", &ids), "([postcode])");
        each_untouched(&["LS1 4ABC", "XLS1 4AB", "LS1 4A", "LS11 4AB", "LS1 4AD"], &ids);
    }

    fn address() -> Vec<Identifier> {
        vec![id(Known::Address("12 Acacia Avenue, Leeds, LS1 4AB".to_string()), "address")]
    }

    #[test]
    fn address_whole_and_in_runs_of_lines() {
        each_redacts_to(
            &[
                "12 Acacia Avenue, Leeds, LS1 4AB",
                "12 Acacia Avenue\nLeeds\nLS1 4AB",
                "12 acacia avenue leeds ls14ab",
                "12, Acacia Ave, Leeds LS1 4AB",
                "12 Acacia Avenue, Leeds",
                "Acacia Avenue, Leeds",
            ],
            &address(),
            "[address]",
        );
        assert_eq!(red("At 12 Acacia Avenue, Leeds, LS1 4AB.", &address()), "At [address].");
    }

    #[test]
    fn address_lines_alone_and_street_without_number() {
        assert_eq!(
            red("on Acacia Avenue, at 12 Acacia Ave. in Leeds (LS1 4AB)", &address()),
            "on [address], at [address]. in [address] ([address])"
        );
        each_untouched(&["flat 12", "Acacia", "Avenue", "Leedsian"], &address());
    }

    #[test]
    fn address_postcode_line_takes_the_postcode_label_when_the_postcode_is_known() {
        let mut ids = address();
        ids.push(id(Known::Postcode("LS1 4AB".to_string()), "postcode"));
        assert_eq!(red("LS1 4AB; 12 Acacia Avenue, Leeds, LS1 4AB", &ids), "[postcode]; [address]");
    }

    #[test]
    fn short_address_lines_are_only_matched_with_their_neighbours() {
        let ids = vec![id(Known::Address("Flat 2\n7 Ely Road\nEly\nCB7 4AA".to_string()), "address")];
        assert_eq!(red("visited Ely Road, Ely and Flat 2", &ids), "visited [address] and [address]");
        assert_eq!(red("went to Ely", &ids), "went to Ely");
    }

    // ---- phrases -------------------------------------------------------------------------------

    #[test]
    fn phrases_match_whole_words_with_flexible_spacing_and_punctuation() {
        let ids = vec![id(Known::Phrase("St Mary's Surgery".to_string()), "GP")];
        each_redacts_to(
            &["St Mary's Surgery", "ST MARY’S SURGERY", "St. Marys\nSurgery", "St  Mary's  Surgery"],
            &ids,
            "[GP]",
        );
        assert_eq!(red("St Mary's Surgery's nurse", &ids), "[GP]'s nurse");
        each_untouched(&["St Mary's Surgeryhouse", "St Mary's", "Surgery"], &ids);
    }

    #[test]
    fn phrase_and_matches_ampersand_and_punctuation_only_words_are_gaps() {
        let ids = vec![id(Known::Phrase("Smith & Partners - Medical Practice".to_string()), "GP")];
        each_redacts_to(
            &[
                "Smith & Partners - Medical Practice",
                "Smith and Partners Medical Practice",
                "SMITH+PARTNERS, MEDICAL PRACTICE",
                "Smith Partners Medical Practice",
            ],
            &ids,
            "[GP]",
        );
        each_untouched(&["Smith andy Partners Medical Practice", "Smith (Partners) Medical Practice"], &ids);
    }

    // ---- selection -----------------------------------------------------------------------------

    #[test]
    fn longest_match_wins_over_overlapping_identifiers() {
        let ids = vec![
            name("Jack Smith", "child"),
            id(Known::Phrase("Smith Medical Centre".to_string()), "GP"),
            id(Known::Address("3 Jack Lane, York".to_string()), "address"),
        ];
        assert_eq!(red("Smith Medical Centre", &ids), "[GP]");
        assert_eq!(red("lives on Jack Lane", &ids), "lives on [address]");
        assert_eq!(red("3 Jack Lane, York", &ids), "[address]");
        // Earliest start wins, then the longest: "Jack Smith" starts before "Smith Medical Centre".
        assert_eq!(red("Jack Smith Medical Centre", &ids), "[child] Medical Centre");
    }

    #[test]
    fn inserted_and_existing_labels_are_never_rescanned() {
        let ids = vec![name("Jack Smith", "child"), id(Known::Phrase("GP".to_string()), "GP")];
        let once = redact("Jack saw the GP; [GP] and [gp] were already there.", &ids);
        assert_eq!(once.text, "[child] saw the [GP]; [GP] and [gp] were already there.");
        assert_eq!(once.total(), 2);
        let twice = redact(&once.text, &ids);
        assert_eq!(twice.text, once.text);
        assert_eq!(twice.total(), 0);
    }

    #[test]
    fn a_neighbour_freed_by_a_replacement_is_caught() {
        let ids = vec![id(Known::Phrase("AB".to_string()), "code"), id(Known::Date(ymd(2019, 3, 24)), "dob")];
        let r = redact("AB24/03/2019", &ids);
        assert_eq!(r.text, "[code][dob]");
        assert_eq!(r.counts, vec![("dob".to_string(), 1), ("code".to_string(), 1)]);
    }

    #[test]
    fn counts_are_per_label_in_first_seen_order() {
        let ids = vec![name("Jack Smith", "child"), name("Sarah Smith", "mother"), nhs()[0].clone()];
        let r = redact("Sarah Smith and Jack. Jack's NHS number 9434765919; Sarah", &ids);
        assert_eq!(
            r.counts,
            vec![("mother".to_string(), 2), ("child".to_string(), 2), ("NHS number".to_string(), 1)]
        );
        assert_eq!(r.total(), 5);
    }

    #[test]
    fn labels_are_trimmed_and_a_blank_label_falls_back() {
        let ids = vec![name("Jack", "  child "), name("Sarah", " ")];
        let r = redact("Jack and Sarah", &ids);
        assert_eq!(r.text, "[child] and [redacted]");
        assert_eq!(r.counts, vec![("child".to_string(), 1), ("redacted".to_string(), 1)]);
    }

    #[test]
    fn empty_and_punctuation_only_values_are_ignored() {
        let ids = vec![
            name("", "a"),
            name("   ", "b"),
            id(Known::Phrase(" \n".to_string()), "c"),
            id(Known::Phrase("...".to_string()), "d"),
            id(Known::Postcode(String::new()), "e"),
            id(Known::Address(" , ,\n ".to_string()), "f"),
            id(Known::NhsNumber("  ".to_string()), "g"),
            name("-", "h"),
        ];
        let text = "A  text ... with , spaces -\n and dots.";
        each_untouched(&[text, "", " "], &ids);
        assert!(remaining(text, &ids).is_empty());
        assert_eq!(redact("", &[]).text, "");
    }

    // ---- remaining -----------------------------------------------------------------------------

    #[test]
    fn remaining_finds_identifiers_a_person_put_back() {
        let ids = case_ids();
        let r = redact(NARRATIVE, &ids);
        assert!(remaining(&r.text, &ids).is_empty());
        let edited = r.text.replacen("[child]", "Jack", 1);
        assert_eq!(remaining(&edited, &ids), vec!["child".to_string()]);
        let edited = format!("{edited}\nDOB corrected to 24.3.19 by Mrs Smith.");
        assert_eq!(remaining(&edited, &ids), vec!["child".to_string(), "date of birth".to_string()]);
    }

    #[test]
    fn remaining_is_empty_for_clean_text() {
        let ids = case_ids();
        assert!(remaining("The panel reviewed the case of [child] and spoke to [Mother].", &ids).is_empty());
        assert!(
            remaining(
                "Mr Jackson, a neighbour, lives in Leedsbury near Acacias Road; 2019 and 24/03 are fine.",
                &ids
            )
            .is_empty()
        );
        assert!(remaining("", &ids).is_empty());
    }

    #[test]
    fn remaining_reports_each_label_once_in_order() {
        let ids = case_ids();
        assert_eq!(
            remaining("9434765919 and Sarah, then Jack, Sarah and 943 476 5919", &ids),
            vec!["NHS number".to_string(), "mother".to_string(), "child".to_string()]
        );
    }

    // ---- narrative -----------------------------------------------------------------------------

    fn case_ids() -> Vec<Identifier> {
        vec![
            name("Jack Oliver Smith", "child"),
            name("Sarah Smith", "mother"),
            name("Daniel Evans", "father"),
            name("Dr Priya Patel", "GP"),
            id(Known::Phrase("Ash Tree Surgery".to_string()), "GP"),
            id(Known::Address("12 Acacia Avenue, Leeds, LS1 4AB".to_string()), "address"),
            id(Known::Postcode("LS1 4AB".to_string()), "postcode"),
            id(Known::NhsNumber("9434765919".to_string()), "NHS number"),
            id(Known::Date(ymd(2019, 3, 24)), "date of birth"),
            id(Known::Date(ymd(2021, 11, 2)), "date of death"),
        ]
    }

    const NARRATIVE: &str = "\
Jack Oliver Smith (NHS number 943 476 5919) was born on 24/03/2019. He lived with his mother, \
Sarah Smith, and his father, Daniel Evans, at 12 Acacia Avenue, Leeds LS1 4AB.

Jack was registered with Ash Tree Surgery, where Dr Patel saw him for his 8-week check. On 2nd \
November 2021 Sarah found Jack unresponsive; Mrs Smith called 999 and Mr Evans started CPR.

The GP record gives Jack's date of birth as 24 March 2019 and his NHS number as 9434765919. The \
Smiths' neighbour, Mr Jackson, said the family had lived on Acacia Ave since 2020; the referral \
gives the postcode as ls1 4ab.";

    #[test]
    fn realistic_narrative() {
        let ids = case_ids();
        let r = redact(NARRATIVE, &ids);
        let paragraphs: Vec<&str> = r.text.split("\n\n").collect();
        assert_eq!(paragraphs.len(), 3);
        assert_eq!(
            paragraphs[0],
            "[child] (NHS number [NHS number]) was born on [date of birth]. He lived with his mother, \
[mother], and his father, [father], at [address]."
        );
        // "Mrs Smith": a lone surname shared by child and mother takes the first identifier's label.
        assert_eq!(
            paragraphs[1],
            "[child] was registered with [GP], where [GP] saw him for his 8-week check. On [date of death] \
[mother] found [child] unresponsive; Mrs [child] called 999 and Mr [father] started CPR."
        );
        assert_eq!(
            paragraphs[2],
            "The GP record gives [child]'s date of birth as [date of birth] and his NHS number as [NHS number]. \
The [child]s' neighbour, Mr Jackson, said the family had lived on [address] since 2020; the referral \
gives the postcode as [postcode]."
        );
        assert!(remaining(&r.text, &ids).is_empty());
        let lower = r.text.to_lowercase();
        for raw in [
            "jack ", "jack'", "oliver", "sarah", "daniel", "evans", "patel", "ash tree", "acacia", "leeds",
            "ls1", "4ab", "943", "5919", "2019", "november",
        ] {
            assert!(!lower.contains(raw), "{raw:?} survived in {}", r.text);
        }
        assert_eq!(
            r.counts,
            vec![
                ("child".to_string(), 6),
                ("NHS number".to_string(), 2),
                ("date of birth".to_string(), 2),
                ("mother".to_string(), 2),
                ("father".to_string(), 2),
                ("address".to_string(), 2),
                ("GP".to_string(), 2),
                ("date of death".to_string(), 1),
                ("postcode".to_string(), 1),
            ]
        );
    }

    // ---- robustness and speed ------------------------------------------------------------------

    /// Small deterministic generator, so the randomised test needs no extra crate.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> usize {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.next() % items.len()]
        }
    }

    #[test]
    fn randomised_text_never_panics_and_redaction_is_complete_and_stable() {
        let mut ids = case_ids();
        ids.push(name("Anne-Marie O'Brien", "aunt"));
        ids.push(name("Zoë", "sister"));
        ids.push(id(Known::Phrase("AB".to_string()), "code"));
        let fragments = [
            "Jack",
            "Smith",
            "Oliver",
            "Sarah",
            " ",
            "  ",
            "\n",
            ",",
            ".",
            "'",
            "’",
            "-",
            "/",
            "s",
            "son",
            "hi",
            "Zoë",
            "Zoe\u{308}",
            "é",
            "e\u{301}",
            "😀",
            "ß",
            "İ",
            "\u{AD}",
            "\u{200B}",
            "[child]",
            "[",
            "]",
            "child",
            "943",
            "476",
            "5919",
            "9",
            "24",
            "03",
            "3",
            "2019",
            "19",
            "March",
            "Mar",
            "th",
            "of",
            "LS1",
            "4AB",
            "Acacia",
            "Avenue",
            "Ave",
            "12",
            "Leeds",
            "Anne",
            "Marie",
            "O",
            "Brien",
            "J",
            "Ash Tree Surgery",
            "A",
            "B",
            "AB",
        ];
        let mut rng = Lcg(0x5eed);
        for _ in 0..1000 {
            let len = rng.next() % 30;
            let text: String = (0..len).map(|_| rng.pick(&fragments)).collect();
            let r = redact(&text, &ids);
            assert!(remaining(&r.text, &ids).is_empty(), "left in {:?} from {text:?}", r.text);
            let again = redact(&r.text, &ids);
            assert_eq!(again.text, r.text, "not stable for {text:?}");
            if r.total() == 0 {
                assert_eq!(r.text, text);
            }
        }
    }

    /// A narrative of about 20 KB with 15 identifiers. Prints the time taken; makes no assertion
    /// about it (measure with `cargo test --release -- --nocapture`).
    #[test]
    fn twenty_kb_narrative_with_fifteen_identifiers() {
        let mut ids = case_ids();
        ids.push(name("Lily-Mae Smith", "sibling"));
        ids.push(name("Tom Harris", "social worker"));
        ids.push(name("Grace Okafor", "health visitor"));
        ids.push(id(Known::Phrase("Meadow Lane Primary School".to_string()), "school"));
        ids.push(id(Known::Phrase("Leeds General Infirmary".to_string()), "hospital"));
        assert_eq!(ids.len(), 15);
        let paragraphs = [
            NARRATIVE,
            "Grace Okafor, the health visitor, visited 12 Acacia Avenue on 3 May 2020 and found the home \
             warm and clean. Lily-Mae attended Meadow Lane Primary School; her attendance was 94%. Tom Harris \
             (social worker) noted no concerns about Ms Smith's care of the children.",
            "Jack was taken to Leeds General Infirmary by ambulance. Staff recorded his NHS number as \
             943-476-5919 and his date of birth as 24.03.19. Dr Patel of Ash Tree Surgery was informed by \
             phone. The family's postcode, LS14AB, was checked against the GP record.",
            "There were no previous referrals to children's social care. The chronology records routine \
             immunisations, two minor illnesses and one attendance at an urgent treatment centre, none of \
             which raised safeguarding concerns at the time. The panel notes that sleeping arrangements \
             were discussed at the 8-week check and again at the 1-year review.",
        ];
        let mut text = String::new();
        let mut k = 0;
        while text.len() < 20 * 1024 {
            text.push_str(paragraphs[k % paragraphs.len()]);
            text.push_str("\n\n");
            k += 1;
        }
        let started = std::time::Instant::now();
        let r = redact(&text, &ids);
        let first = started.elapsed();
        let runs = 20u32;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(redact(std::hint::black_box(&text), &ids));
        }
        let average = started.elapsed() / runs;
        println!(
            "redact: {} bytes, {} identifiers, {} replacements: first run {first:?}, average {average:?}",
            text.len(),
            ids.len(),
            r.total()
        );
        assert!(remaining(&r.text, &ids).is_empty());
    }

    #[test]
    fn found_names_the_words_that_matched() {
        let ids =
            vec![Identifier { known: Known::Name("Sam Health".into()), label: "Health visitor".into() }];
        assert_eq!(
            found("Refer at every health visitor contact.", &ids),
            vec![("health".to_string(), "Health visitor".to_string())]
        );
        assert_eq!(
            remaining("Refer at every health visitor contact.", &ids),
            vec!["Health visitor".to_string()]
        );
        assert!(found("Refer at every home visit.", &ids).is_empty());
    }

    #[test]
    fn a_professionals_name_part_counts_only_when_capitalised() {
        let ids = vec![
            Identifier { known: Known::Name("Zebedee Young".into()), label: "child".into() },
            Identifier { known: Known::Professional("Sam Health".into()), label: "Health visitor".into() },
        ];
        assert!(found("Remind health visitors of the safer sleep guidance.", &ids).is_empty());
        assert_eq!(
            redact("Health saw the family; sam health wrote the notes.", &ids).text,
            "[Health visitor] saw the family; [Health visitor] wrote the notes."
        );
        // The child's names are matched in any case, even a part shared with a professional's.
        let ids = vec![
            Identifier { known: Known::Name("Zebedee Young".into()), label: "child".into() },
            Identifier { known: Known::Professional("Jo Young".into()), label: "GP".into() },
        ];
        assert_eq!(redact("young zebedee and young people", &ids).text, "[child] and [child] people");
        assert!(found("Support for young people.", &ids[1..]).is_empty());
    }
}
