//! People's names found by their context: after a title ("Mrs Carol Smith"), next to a
//! relationship word ("his mother Jane", "Jane Smith (mother)"); and [`people`], reading names
//! out of a free-text field such as parental responsibility.

use super::Certainty;
use super::context::{date_context, ordinary_capital, sentence_initial, word_after, word_before};
use super::elems::trim_word;
use super::fold::{
    Unit, after_possessive, all_caps, char_at, fold_str, is_start, is_upper, letter_count, letters_end,
    run_start, skip_blanks, skip_blanks_back, spells, word_end,
};
use super::scan::{Cand, Kind};
use super::words::{
    MONTH_LIKE, ORGANISATION, RELATION_ADJECTIVES, RELATION_PREFIXES, common_word, is_common, is_stop,
    is_title, one_of, relation_at, relation_label, stop_word,
};

/// Determiners between a comma and a relationship word ("Jane, the mother").
const DETERMINERS: &[&str] = &["a", "her", "his", "its", "our", "the", "their"];

/// Most name words after a title ("Mr John Paul Smith Jones").
const MAX_TITLED_WORDS: usize = 4;

/// The end of a name-like word at `pos`: a capital letter, at least 2 letters, letters with
/// inner hyphens or apostrophes only, not a stop-list word or title.
fn name_like(units: &[Unit], pos: usize) -> Option<usize> {
    if !is_start(units, pos) || !is_upper(units, pos) || !char_at(units, pos).is_some_and(char::is_alphabetic)
    {
        return None;
    }
    let end = word_end(units, pos);
    let clean_end = !char_at(units, end).is_some_and(char::is_alphanumeric);
    let ok = clean_end
        && letter_count(units, pos, end) >= 2
        && !is_stop(units, pos, end)
        && !is_title(units, pos, end);
    ok.then_some(end)
}

/// A single capital letter used as an initial at `pos` ("J" or "J."): the end, after any dot.
fn initial_at(units: &[Unit], pos: usize) -> Option<usize> {
    let letter = is_start(units, pos) && is_upper(units, pos) && letters_end(units, pos) == pos + 1;
    if !letter || char_at(units, pos + 1).is_some_and(char::is_alphanumeric) {
        return None;
    }
    Some(if char_at(units, pos + 1) == Some('.') { pos + 2 } else { pos + 1 })
}

/// Names found by context in the text.
pub(super) fn scan_names(units: &[Unit], out: &mut Vec<Cand>) {
    for i in 0..units.len() {
        if !char_at(units, i).is_some_and(char::is_alphabetic) || !is_start(units, i) {
            continue;
        }
        let end = letters_end(units, i);
        if is_title(units, i, end) {
            out.extend(titled_at(units, i, end));
        }
        let word = word_end(units, i);
        let prefix = word_before(units, i).filter(|(s, e)| one_of(RELATION_PREFIXES, units, *s, *e));
        let joined = prefix.and_then(|p| relation_at(units, Some(p), i, word));
        let Some(label) = joined.or_else(|| relation_at(units, None, i, word)) else { continue };
        out.extend(after_relation(units, word, label));
        let from = if joined.is_some() { prefix.map_or(i, |(s, _)| s) } else { i };
        out.extend(before_relation(units, from, word, label));
    }
}

/// "Mrs Carol Smith", "Dr J. Patel", "Mr Smith": a title, then initials and name-like words,
/// ending with a name-like word.
fn titled_at(units: &[Unit], start: usize, title_end: usize) -> Option<Cand> {
    let after_dot = if char_at(units, title_end) == Some('.') { title_end + 1 } else { title_end };
    let mut pos = skip_blanks(units, after_dot);
    if pos == after_dot {
        return None;
    }
    let mut words = vec![(start, title_end, false)];
    let mut last = None;
    while words.len() <= MAX_TITLED_WORDS + 1 {
        let (end, is_name) = match (name_like(units, pos), initial_at(units, pos)) {
            (Some(end), _) => (end, true),
            (None, Some(end)) => (end, false),
            (None, None) => break,
        };
        let item_end = if is_name { end } else { pos + 1 };
        words.push((pos, item_end, is_name));
        if is_name {
            last = Some(item_end);
        }
        let next = skip_blanks(units, end);
        // Initials may run together ("J.R. Smith").
        if next == end
            && !(char_before_is_dot(units, end) && char_at(units, end).is_some_and(char::is_alphabetic))
        {
            break;
        }
        pos = next;
    }
    let end = last?;
    words.retain(|(s, _, _)| *s < end);
    Some(Cand { start, end, label: "name", certainty: Certainty::Suspected, kind: Kind::Name, words })
}

fn char_before_is_dot(units: &[Unit], end: usize) -> bool {
    end > 0 && char_at(units, end - 1) == Some('.')
}

/// Whether a name-like word at `start..end` next to a relationship word reads as a name there:
/// not in capitals throughout (acronyms), not a month in a date.
fn relation_name_ok(units: &[Unit], start: usize, end: usize) -> bool {
    let month_in_date = one_of(MONTH_LIKE, units, start, end) && date_context(units, start, end);
    !(all_caps(units, start, end) || month_in_date)
}

/// "his mother Jane", "the mother, Jane Smith,", "uncle called Bob", "sister (Amy)": one or two
/// name-like words after a relationship word ending at `rel_end`.
fn after_relation(units: &[Unit], rel_end: usize, label: &'static str) -> Option<Cand> {
    let possessive = after_possessive(units, rel_end);
    let mut pos = skip_blanks(units, possessive);
    match char_at(units, pos) {
        Some(',' | ':' | '(') => pos = skip_blanks(units, pos + 1),
        _ if pos == possessive => return None,
        _ => {
            let e = letters_end(units, pos);
            if spells(units, pos, e, "named") || spells(units, pos, e, "called") {
                pos = skip_blanks(units, e);
                if pos == e {
                    return None;
                }
            }
        }
    }
    // After a possessive ("the carer's Allowance", "Father's Day") a common word is a thing.
    let thing = |e: usize| possessive > rel_end && is_common(units, pos, e);
    let first_end = name_like(units, pos).filter(|e| relation_name_ok(units, pos, *e) && !thing(*e))?;
    let mut words = vec![(pos, first_end, true)];
    let mut end = first_end;
    let second = skip_blanks(units, first_end);
    if second == first_end + 1
        && let Some(e) = name_like(units, second).filter(|e| relation_name_ok(units, second, *e))
    {
        words.push((second, e, true));
        end = e;
    }
    // "the father, Cumbria Police": a capitalised run going on with ordinary words is an
    // organisation, not a person.
    let no_known = |_: usize, _: usize| false;
    if word_after(units, end).is_some_and(|(s, e)| ordinary_capital(units, s, e, &no_known)) {
        return None;
    }
    Some(Cand { start: pos, end, label, certainty: Certainty::Suspected, kind: Kind::Name, words })
}

/// "Jane Smith (mother)", "Bob (dad)", "Jane, the mother", "Amy, his half-sister": one or two
/// name-like words before a relationship word starting at `rel_start`.
fn before_relation(units: &[Unit], rel_start: usize, rel_end: usize, label: &'static str) -> Option<Cand> {
    let mut s = rel_start;
    while let Some((ws, _)) =
        word_before(units, s).filter(|(ws, we)| one_of(RELATION_ADJECTIVES, units, *ws, *we))
    {
        s = ws;
    }
    if let Some((ws, _)) = word_before(units, s).filter(|(ws, we)| one_of(DETERMINERS, units, *ws, *we)) {
        s = ws;
    }
    let connector_at = skip_blanks_back(units, s).checked_sub(1)?;
    let name_end = match char_at(units, connector_at)? {
        '(' => {
            let close = skip_blanks(units, rel_end);
            if char_at(units, close) != Some(')') {
                return None;
            }
            skip_blanks_back(units, connector_at)
        }
        ',' => skip_blanks_back(units, connector_at),
        _ => return None,
    };
    let last_start = word_start(units, name_end)?;
    let mut words = vec![(last_start, name_end, true)];
    if let Some(prev_end) = last_start.checked_sub(1).filter(|p| char_at(units, *p) == Some(' '))
        && let Some(prev_start) = word_start(units, prev_end)
    {
        words.insert(0, (prev_start, prev_end, true));
    }
    // A sentence-initial capital alone does not make a stop-list or common word a name
    // ("However, the mother...").
    if let Some(&(fs, fe, _)) = words.first()
        && sentence_initial(units, fs)
        && (is_stop(units, fs, fe) || is_common(units, fs, fe))
    {
        words.remove(0);
    }
    let start = words.first()?.0;
    Some(Cand { start, end: name_end, label, certainty: Certainty::Suspected, kind: Kind::Name, words })
}

/// The start of a name-like word ending exactly at `end`.
fn word_start(units: &[Unit], end: usize) -> Option<usize> {
    let mut start = run_start(units, end, |c| c.is_alphabetic() || c == '\'' || c == '-');
    while start < end && !char_at(units, start).is_some_and(char::is_alphabetic) {
        start += 1;
    }
    let word = name_like(units, start)?;
    (word == end && relation_name_ok(units, start, end)).then_some(start)
}

// ------------------------------------------------------------------------------------------------
// Names in a free-text field
// ------------------------------------------------------------------------------------------------

/// People named in a free-text field such as parental responsibility, as (role label, name).
///
/// The text is split on commas, semicolons, line breaks, "/", " and ", " & " and " or "; in each
/// piece a relationship word gives the label (normalised: "mum" → "mother", "dad" → "father";
/// "parent" when there is none) and each run of name-like words (a capital letter, letters with
/// inner hyphens or apostrophes, not a stop-list word or title; initials inside a run) is a name.
/// A piece naming an organisation ("the local authority", "Cumberland Council") names no person.
/// A piece with no capitalised name but words that are neither stop-list nor common words
/// ("mother jane smith") gives those words as the name.
///
/// "Mother Jane Smith and father John Smith" → [("mother", "Jane Smith"), ("father", "John Smith")];
/// "mother and father" → [].
#[must_use]
pub fn people(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in text.split([',', ';', '\n', '\r', '/']) {
        let raw: Vec<&str> = chunk.split_whitespace().collect();
        let is_joiner = |w: &&str| {
            let folded = folded_word(w);
            folded == "and" || folded == "or" || w.chars().all(|c| c == '&' || c == '+')
        };
        for piece in raw.split(is_joiner) {
            out.extend(people_in_piece(piece));
        }
    }
    out
}

/// A word folded to lower case, accents and surrounding punctuation removed, possessive dropped.
fn folded_word(word: &str) -> String {
    let mut s: String = fold_str(trim_word(word)).into_iter().collect();
    if let Some(stem) = s.strip_suffix("'s") {
        s = stem.to_string();
    }
    s
}

/// A word of a free-text field as a person's name part: capitalised, letters with inner hyphens
/// or apostrophes, at least 2 letters, not a stop-list word or title.
fn name_word(word: &str) -> bool {
    let letters_ok = word.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '\u{2019}');
    let capital = word.chars().next().is_some_and(char::is_uppercase);
    let folded = folded_word(word);
    capital && letters_ok && word.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !stop_word(&folded)
}

fn is_initial(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), None | Some('.'), None) if c.is_uppercase())
}

fn people_in_piece(piece: &[&str]) -> Vec<(String, String)> {
    let trimmed: Vec<&str> =
        piece.iter().map(|w| w.trim_matches(|c: char| "()[]{}:\"".contains(c) || c == ',')).collect();
    let folded: Vec<String> = trimmed.iter().map(|w| folded_word(w)).collect();
    if folded.iter().any(|f| ORGANISATION.contains(&f.as_str())) {
        return Vec::new();
    }
    let mut label = None;
    for (k, f) in folded.iter().enumerate() {
        let key: String = f.chars().filter(|c| *c != '-').collect();
        let joined =
            k.checked_sub(1).and_then(|p| folded.get(p)).filter(|p| RELATION_PREFIXES.contains(&p.as_str()));
        let found =
            joined.and_then(|p| relation_label(&format!("{p}{key}"))).or_else(|| relation_label(&key));
        if found.is_some() {
            label = found;
            break;
        }
    }
    let label = label.unwrap_or("parent").to_string();
    // "Foster" in "Foster carer" is part of a role; in "Jane Foster" it is a name.
    let role_word = |k: usize| {
        let Some(f) = folded.get(k) else { return false };
        let next_is_relation =
            folded.get(k + 1).is_some_and(|n| relation_label(&n.replace('-', "")).is_some());
        relation_label(&f.replace('-', "")).is_some()
            || (RELATION_PREFIXES.contains(&f.as_str()) && next_is_relation)
    };
    let is_name = |k: usize| trimmed.get(k).is_some_and(|w| name_word(w)) && !role_word(k);
    let mut runs: Vec<Vec<&str>> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for (k, word) in trimmed.iter().enumerate() {
        let next_is_name = is_name(k + 1) || trimmed.get(k + 1).is_some_and(|w| is_initial(w));
        if is_name(k) || (is_initial(word) && next_is_name) {
            run.push(word.trim_end_matches('.'));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    if runs.is_empty() {
        // "mother jane smith": lower-case words that are neither stop-list nor common words.
        let fallback: Vec<&str> = trimmed
            .iter()
            .zip(&folded)
            .filter(|(w, f)| {
                w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'')
                    && f.chars().filter(|c| c.is_alphabetic()).count() >= 3
                    && !stop_word(f)
                    && !common_word(f)
            })
            .map(|(w, _)| *w)
            .collect();
        if !fallback.is_empty() {
            runs.push(fallback);
        }
    }
    runs.into_iter().map(|r| (label.clone(), r.join(" "))).collect()
}
