//! Written forms of a case's known identifiers (see [`Known`]).

use chrono::{Datelike, NaiveDate};

use super::Known;
use super::elems::{
    Draft, Elem, PART, Rule, WHOLE, char_lists, chars, join, letters_in, trim_word, whole, word_elems,
    word_variants, words,
};
use super::fold::fold_str;
use super::words::{TITLES, common_word, month_like_word, stop_word};

pub(super) fn drafts_for(known: &Known) -> Vec<Draft> {
    match known {
        Known::Name(v) => name_drafts(v, false),
        Known::Professional(v) => name_drafts(v, true),
        Known::NhsNumber(v) => nhs_drafts(v),
        Known::Date(d) => date_drafts(*d),
        Known::Postcode(v) => postcode_drafts(v),
        Known::Address(v) => address_drafts(v),
        Known::Phrase(v) => phrase_drafts(v),
    }
}

// ------------------------------------------------------------------------------------------------
// Word classes
// ------------------------------------------------------------------------------------------------

/// A folded word without a possessive ending, as the word lists spell it ("Mary's" → "mary").
fn plain(folded: &[char]) -> String {
    let mut s: String = folded.iter().collect();
    if let Some(stem) = s.strip_suffix("'s").or_else(|| s.strip_suffix('\'')) {
        s = stem.to_string();
    }
    s
}

fn is_title(word: &str) -> bool {
    let letters: String = fold_str(word).into_iter().filter(|c| c.is_alphanumeric()).collect();
    TITLES.contains(&letters.as_str())
}

/// How much a run of words tells about a person or place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    /// Only stop-list words, terms shorter than 3 letters (numbers too) and punctuation: never an
    /// identifier.
    Empty,
    /// Also common English words: an identifier only when written with a capital letter.
    Plain,
    /// At least one other word: an identifier in any case.
    Telling,
}

fn weight_of(raw_words: &[&str]) -> Weight {
    raw_words.iter().map(|w| word_weight(w)).max().unwrap_or(Weight::Empty)
}

fn word_weight(word: &str) -> Weight {
    let folded = fold_str(trim_word(word));
    let p = plain(&folded);
    if letters_in(&folded) < 3 || stop_word(&p) || is_title(word) {
        Weight::Empty
    } else if common_word(&p) {
        Weight::Plain
    } else {
        Weight::Telling
    }
}

fn with_weight(elems: Vec<Elem>, tier: u8, weight: Weight) -> Option<Draft> {
    let rule = Rule { capital: weight == Weight::Plain, ..Rule::default() };
    (weight > Weight::Empty && !elems.is_empty()).then_some(Draft { tier, elems, rule })
}

// ------------------------------------------------------------------------------------------------
// Names
// ------------------------------------------------------------------------------------------------

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

/// A word that can make a value a name: at least 2 letters, not a title or stop-list word.
fn significant(word: &str) -> bool {
    let folded = fold_str(word);
    letters_in(&folded) >= 2 && !stop_word(&plain(&folded)) && !is_title(word)
}

pub(super) fn name_drafts(value: &str, professional: bool) -> Vec<Draft> {
    let written = name_words(value);
    let title_count = written.iter().take_while(|w| is_title(w)).count();
    let (titles, core) = written.split_at(title_count);
    // A value of only stop-list words and titles ("mother and father") names nobody.
    if !core.iter().any(|w| significant(w)) {
        return Vec::new();
    }
    let Some((surname, forenames)) = core.split_last() else { return Vec::new() };
    let elems_of = |w: &&str| word_elems(&fold_str(w));
    let single = core.len() == 1;
    let mut drafts = Vec::new();
    if !single {
        drafts.push(whole(join(core.iter().map(elems_of), &Elem::Ws)));
    }
    if !titles.is_empty() {
        // "Dr. Priya Patel", "Dr Patel".
        let title = join(titles.iter().map(elems_of), &Elem::InitialSep);
        let with_title = |rest: Vec<Elem>| [title.clone(), vec![Elem::InitialSep], rest].concat();
        if !single {
            drafts.push(whole(with_title(join(core.iter().map(elems_of), &Elem::Ws))));
        }
        drafts.push(whole(with_title(elems_of(surname))));
    }
    if !forenames.is_empty() {
        drafts.extend(combination_drafts(forenames, surname));
    }
    for (k, word) in core.iter().enumerate() {
        // Forenames, and a lone name without a title, are given names.
        let given = k + 1 < core.len() || (single && titles.is_empty());
        drafts.extend(part_drafts(word, given, professional, single));
    }
    drafts
}

/// One name part alone, and its hyphen and apostrophe pieces, under the rules for single words:
/// none shorter than 3 letters or in the stop-list; a common word only with a capital letter;
/// a professional's part only with a capital letter.
fn part_drafts(word: &str, given: bool, professional: bool, single: bool) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for (k, variant) in word_variants(word).into_iter().enumerate() {
        let p = plain(&variant);
        if letters_in(&variant) < 3 || stop_word(&p) || TITLES.contains(&p.as_str()) {
            continue;
        }
        let common = common_word(&p);
        let rule = Rule {
            capital: professional || common,
            common: common.then_some(given),
            month: month_like_word(&p),
            single: true,
            surname: !given,
            initial: false,
        };
        let tier = if single && k == 0 { WHOLE } else { PART };
        drafts.push(Draft { tier, elems: word_elems(&variant), rule });
    }
    drafts
}

/// Forms combining forenames and surname: "Jack Smith", "Smith, Jack", "Smith Jack Oliver",
/// "J. Smith", "J O Smith", "Jack O. Smith".
fn combination_drafts(forenames: &[&str], surname: &str) -> Vec<Draft> {
    let mut drafts = Vec::new();
    let surnames: Vec<Vec<Elem>> = word_variants(surname).iter().map(|v| word_elems(v)).collect();
    let surname_folded = fold_str(surname);
    let surname_whole = word_elems(&surname_folded);
    for forename in forenames.iter().flat_map(|f| word_variants(f)) {
        let forename = word_elems(&forename);
        for surname in &surnames {
            drafts.push(whole(join([forename.clone(), surname.clone()], &Elem::Ws)));
            drafts.push(whole(join([surname.clone(), forename.clone()], &Elem::NameSep)));
        }
    }
    let all_forenames = join(forenames.iter().map(|f| word_elems(&fold_str(f))), &Elem::Ws);
    drafts.push(whole(join([surname_whole.clone(), all_forenames], &Elem::NameSep)));

    // "a ward" is not "A. Ward": initials with a common-word surname need capitals.
    let initial_rule = Rule { initial: common_word(&plain(&surname_folded)), ..Rule::default() };
    let initials: Vec<Vec<Elem>> = forenames.iter().filter_map(|f| initial(f)).collect();
    if let Some(first) = initials.first() {
        let mut draft = whole(join([first.clone(), surname_whole.clone()], &Elem::InitialSep));
        draft.rule = initial_rule;
        drafts.push(draft);
    }
    if initials.len() > 1 {
        let all = join(initials.iter().cloned(), &Elem::InitialSep);
        let mut draft = whole(join([all, surname_whole.clone()], &Elem::InitialSep));
        draft.rule = initial_rule;
        drafts.push(draft);
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
pub(super) const MONTHS: [&[&str]; 12] = [
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
// Addresses and phrases
// ------------------------------------------------------------------------------------------------
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
    weight: Weight,
    /// The line without its leading house number ("Acacia Avenue" from "12 Acacia Avenue").
    street: Option<(Vec<Elem>, Weight)>,
}

/// The whole address, runs of consecutive lines, single lines and streets without their number.
/// Lines and runs made only of stop-list words and short terms are left out; those made only of
/// such words and common words ("Flat 2", "The Green") count only when written with a capital.
fn address_drafts(value: &str) -> Vec<Draft> {
    let lines = address_lines(value);
    let n = lines.len();
    let mut drafts = Vec::new();
    for i in 0..n {
        let Some(first) = lines.get(i) else { continue };
        let single_tier = if n == 1 { WHOLE } else { PART };
        if first.alone || n == 1 {
            drafts.extend(with_weight(first.elems.clone(), single_tier, first.weight));
        }
        if let Some((street, weight)) = &first.street {
            drafts.extend(with_weight(street.clone(), PART, *weight));
        }
        for j in i + 1..n {
            let is_whole = i == 0 && j == n - 1;
            if n > MAX_SPAN_LINES && !is_whole {
                continue;
            }
            let Some(rest) = lines.get(i + 1..=j) else { continue };
            let tier = if is_whole { WHOLE } else { PART };
            let tail = rest.iter().map(|l| l.elems.clone());
            let rest_weight = rest.iter().map(|l| l.weight).max().unwrap_or(Weight::Empty);
            let elems = join(std::iter::once(first.elems.clone()).chain(tail.clone()), &Elem::Gap);
            drafts.extend(with_weight(elems, tier, first.weight.max(rest_weight)));
            if let Some((street, weight)) = &first.street {
                let elems = join(std::iter::once(street.clone()).chain(tail), &Elem::Gap);
                drafts.extend(with_weight(elems, PART, (*weight).max(rest_weight)));
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
            let elems = postcode_elems(&compact);
            lines.push(AddressLine { elems, alone: true, weight: Weight::Telling, street: None });
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
    let street = line_words
        .get(lead..)
        .filter(|rest| lead > 0 && worth_alone(rest))
        .map(|rest| (line_elems(rest), weight_of(rest)));
    AddressLine { elems, alone: worth_alone(line_words), weight: weight_of(line_words), street }
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

/// A phrase as a whole; left out if made only of stop-list words and short terms, and counted
/// only with a capital letter if made only of those and common words.
fn phrase_drafts(value: &str) -> Vec<Draft> {
    let raw_words: Vec<&str> = value.split_whitespace().collect();
    let weight = weight_of(&raw_words);
    with_weight(gapped_words(&raw_words, false), WHOLE, weight).into_iter().collect()
}
