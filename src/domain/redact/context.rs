//! Reading the context of a word: sentence starts, dates, place names, ordinary capitalised
//! phrases. These decide whether a name part spelled like a common word is a name where it stands.

use super::fold::{
    Unit, after_possessive, char_at, char_before, is_upper, letters_end, run_end, run_start, skip_blanks,
    skip_blanks_back, spells, word_end,
};
use super::words::{
    DATE_AFTER, DATE_BEFORE, EPONYM_AFTER, FOLLOWERS, FUNCTION, MONTH_LIKE, PERSON_AFTER_AND, PLACE_AFTER,
    PLACE_BEFORE, is_common, is_stop, is_title, one_of, relation_at,
};

/// Whether the word at `start` begins a sentence: at the start of the text, after `.` `!` `?` `:`
/// (not the dot of a title or an initial), after a blank line, or after a bullet at a line start.
/// A single line break alone does not start a sentence (narratives are often hard-wrapped).
pub(super) fn sentence_initial(units: &[Unit], start: usize) -> bool {
    let mut i = start;
    let mut breaks = 0;
    while let Some(c) = char_before(units, i) {
        if c == '\n' {
            breaks += 1;
        } else if !(c.is_whitespace() || matches!(c, '"' | '\'' | '(' | '[' | '{')) {
            break;
        }
        i -= 1;
    }
    let Some(prev) = char_before(units, i) else { return true };
    if breaks >= 2 {
        return true;
    }
    match prev {
        '!' | '?' | ':' | '\u{2022}' => true,
        '.' => !after_abbreviation(units, i - 1),
        '-' | '*' => {
            let before = skip_blanks_back(units, i - 1);
            before == 0 || char_before(units, before) == Some('\n')
        }
        _ => false,
    }
}

/// Whether the dot at `dot` ends a title ("Dr.") or an initial ("J."), not a sentence.
fn after_abbreviation(units: &[Unit], dot: usize) -> bool {
    let start = run_start(units, dot, char::is_alphabetic);
    // An initial is a lone letter after a space, a bracket or another initial's dot ("J. R."), not
    // a unit such as "°C.".
    let initial = dot - start == 1
        && char_before(units, start).is_none_or(|c| c.is_whitespace() || matches!(c, '.' | '('));
    initial || is_title(units, start, dot)
}

/// Whether what follows a sentence-initial word ending at `end` reads as the verb of a person:
/// a possessive, punctuation, a verb such as "was" or "said", a past tense ("cried"), or "and"
/// followed by a capital or a pronoun ("Rose and her mother").
pub(super) fn reads_as_subject(units: &[Unit], end: usize) -> bool {
    match char_at(units, end) {
        None => true,
        Some('\'') => after_possessive(units, end) > end,
        Some(',' | ';' | ':' | ')' | '.' | '!' | '?' | '(') => true,
        Some(c) if c.is_whitespace() => {
            let w = run_end(units, end, char::is_whitespace);
            let e = letters_end(units, w);
            if e == w {
                return matches!(char_at(units, w), Some('(' | ',' | '-' | ':') | None);
            }
            if is_upper(units, w) {
                return false;
            }
            if one_of(FOLLOWERS, units, w, e) || (e - w >= 4 && spells(units, e - 2, e, "ed")) {
                return true;
            }
            if spells(units, w, e, "and") {
                let n = skip_blanks(units, e);
                let ne = letters_end(units, n);
                return ne > n && (is_upper(units, n) || one_of(PERSON_AFTER_AND, units, n, ne));
            }
            false
        }
        _ => false,
    }
}

/// The word before `start`, separated from it by blanks only (not a line break), with any
/// possessive ending dropped: `(word start, word end)`.
pub(super) fn word_before(units: &[Unit], start: usize) -> Option<(usize, usize)> {
    let b = skip_blanks_back(units, start);
    if b == start {
        return None;
    }
    let mut end = b;
    if char_before(units, end) == Some('\'') {
        end -= 1;
    } else if char_before(units, end) == Some('s') && char_before(units, end - 1) == Some('\'') {
        end -= 2;
    }
    let s = run_start(units, end, char::is_alphabetic);
    (s < end).then_some((s, end))
}

/// The word after `end`, separated from it by blanks only: `(word start, word end)`.
pub(super) fn word_after(units: &[Unit], end: usize) -> Option<(usize, usize)> {
    let a = skip_blanks(units, end);
    if a == end {
        return None;
    }
    let e = word_end(units, a);
    (e > a).then_some((a, e))
}

/// Whether a month- or season-like word at `start..end` is used as a date: after a day number
/// or ordinal, after "in", "during", "the"..., after "April to", or before a number or "term".
pub(super) fn date_context(units: &[Unit], start: usize, end: usize) -> bool {
    let b = skip_blanks_back(units, start);
    let token = run_start(units, b, char::is_alphanumeric);
    if token < b && b < start {
        if units.get(token..b).is_some_and(|t| t.iter().any(|u| u.c.is_ascii_digit())) {
            return true;
        }
        if one_of(DATE_BEFORE, units, token, b) {
            return true;
        }
        if one_of(&["and", "or", "to"], units, token, b)
            && word_before(units, token).is_some_and(|(s, e)| one_of(MONTH_LIKE, units, s, e))
        {
            return true;
        }
    }
    if char_before(units, start) == Some('-') {
        let s = run_start(units, start - 1, char::is_alphabetic);
        if s < start - 1 && one_of(MONTH_LIKE, units, s, start - 1) {
            return true;
        }
    }
    let mut a = skip_blanks(units, end);
    if matches!(char_at(units, a), Some(',' | '-')) {
        a = skip_blanks(units, a + 1);
    }
    if char_at(units, a).is_some_and(|c| c.is_ascii_digit()) {
        return true;
    }
    let e = letters_end(units, a);
    a > end && e > a && (one_of(DATE_AFTER, units, a, e) || one_of(MONTH_LIKE, units, a, e))
}

/// Whether a name part at `start..end` is part of a place's or thing's name: "St Mary's",
/// "Royal Victoria", "Martin House", "Moses basket".
pub(super) fn place_context(units: &[Unit], start: usize, end: usize) -> bool {
    // The word before, allowing an abbreviation's dot ("St. Mary's").
    let b = skip_blanks_back(units, start);
    let e = if char_before(units, b) == Some('.') { b - 1 } else { b };
    let s = run_start(units, e, char::is_alphabetic);
    if s < e && e < start && is_upper(units, s) && one_of(PLACE_BEFORE, units, s, e) {
        return true;
    }
    // A run of capitalised words ending in a place word: "Martin House", "West Cumberland Hospital".
    let mut at = end;
    for k in 0..3 {
        let Some((s, e)) = word_after(units, at) else { return false };
        if one_of(PLACE_AFTER, units, s, e)
            && (is_upper(units, s) || (k == 0 && spells(units, s, e, "basket")))
        {
            return true;
        }
        if !is_upper(units, s) {
            return false;
        }
        at = e;
    }
    false
}

/// Whether a surname ending at `end` names a condition: "Bell's palsy", "Crohn's disease".
pub(super) fn eponym(units: &[Unit], end: usize) -> bool {
    let after = after_possessive(units, end);
    after > end && word_after(units, after).is_some_and(|(s, e)| one_of(EPONYM_AFTER, units, s, e))
}

/// Whether a word at `start..end` is joined to another word by a hyphen ("long-term", "X-ray").
pub(super) fn in_compound(units: &[Unit], start: usize, end: usize) -> bool {
    let before = char_before(units, start) == Some('-')
        && start >= 2
        && char_before(units, start - 1).is_some_and(char::is_alphabetic);
    let after = char_at(units, end) == Some('-') && char_at(units, end + 1).is_some_and(char::is_alphabetic);
    before || after
}

/// Whether a capitalised word at `start..end` is an ordinary word of a title-case phrase ("Town"
/// in "Town Hall", "Manager" in "Ward Manager"): a stop-list or common word that is not a
/// function word, a title, a relationship word or a part of a known name.
pub(super) fn ordinary_capital(
    units: &[Unit],
    start: usize,
    end: usize,
    known_part: &dyn Fn(usize, usize) -> bool,
) -> bool {
    is_upper(units, start)
        && (is_stop(units, start, end) || is_common(units, start, end))
        && !one_of(FUNCTION, units, start, end)
        && !is_title(units, start, end)
        && relation_at(units, None, start, end).is_none()
        && !known_part(start, end)
}

/// Whether a capitalised common-word name part at `start..end` (not at a sentence start) sits in
/// a title-case phrase of ordinary words ("Town Hall", "Ward Manager"), or, for a surname, before
/// a number ("Ward 4").
pub(super) fn in_ordinary_phrase(
    units: &[Unit],
    start: usize,
    end: usize,
    given: bool,
    known_part: &dyn Fn(usize, usize) -> bool,
) -> bool {
    // A word capitalised only because it starts the sentence ("Little Rose was...") is no title-case
    // neighbour.
    let before = word_before(units, start).filter(|&(s, _)| !sentence_initial(units, s));
    if before.is_some_and(|(s, e)| ordinary_capital(units, s, e, known_part)) {
        return true;
    }
    let after = after_possessive(units, end);
    let a = skip_blanks(units, after);
    if a > after && !given && char_at(units, a).is_some_and(|c| c.is_ascii_digit()) {
        return true;
    }
    word_after(units, after).is_some_and(|(s, e)| ordinary_capital(units, s, e, known_part))
}
