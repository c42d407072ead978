//! Redaction of identifiers from free-text narratives, for anonymised case packs.
//!
//! Two sources of identifiers are replaced by a label such as `[child]` or `[postcode]`:
//! - the case's **known** identifiers (names, NHS number, dates, postcode, address, other phrases
//!   such as a GP practice; see [`Known`]);
//! - identifiers found by **pattern**: UK postcodes, NHS numbers with a valid check digit, UK phone
//!   numbers, email addresses, dates after a birth cue ("born", "DOB"...), names after a title
//!   ("Mrs Carol Smith") and names next to a relationship word ("his mother Jane", "Amy (sister)").
//!
//! Each replacement is a [`Finding`] with a [`Certainty`]. A person then reviews the result, and
//! [`remaining`] re-checks any text that person edited.
//!
//! Matching is deliberately generous, because over-redaction is acceptable and a missed identifier
//! is not:
//! - case- and accent-insensitive (`Zoë` = `ZOË` = `Zoe`, composed or decomposed); typographic
//!   apostrophes and dashes count as `'` and `-`; soft hyphens and zero-width characters are ignored;
//! - whole words only (`Jack` never matches inside `Jackson` or `hijack`), and numbers never inside a
//!   longer run of digits;
//! - each identifier expands to the ways it is commonly written (see [`Known`]);
//! - known identifiers are matched first: the earliest, then the longest match wins; findings by
//!   pattern fill the rest, the earliest then the longest first, and never take text a known match
//!   took (a name found by pattern keeps its words outside the known match; an email address wins
//!   over known names inside it); inserted labels, and `[label]` tokens already in the text, are
//!   never matched again.
//!
//! Ordinary words are never identifiers on their own: a stop-list word (function, relationship and
//! role words, months, weekdays, common words of child death review narratives) or a term shorter
//! than 3 letters is matched only inside a longer form such as a full name, and a name part spelled
//! like a common English word ("Hall", "Rose", "Will") only where written with a capital letter and
//! not where the capital is ordinary (see [`Known::Name`]).
//!
//! Pure: std and chrono only, no I/O.

mod context;
mod elems;
mod fold;
mod known;
mod lexicon;
mod matcher;
mod names;
mod scan;
mod words;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;

use chrono::NaiveDate;

use fold::{Unit, fold_text};
use matcher::{Guard, Matcher, Span};
use scan::{Cand, Kind};

pub use names::people;

// ------------------------------------------------------------------------------------------------
// Public API
// ------------------------------------------------------------------------------------------------

/// A known identifier of the case, as the service holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// A person's name: full name as written ("Jack Oliver Smith"). Its parts are also matched alone
    /// (forenames and surname), except parts shorter than 3 letters and stop-list words ("Mother",
    /// "and"). A value made only of stop-list words and titles ("mother and father") is ignored.
    ///
    /// Also matched: forename + surname without middle names ("Jack Smith"), surname first with or
    /// without a comma ("Smith, Jack"), initials + surname ("J. Smith", "J O Smith"), leading titles
    /// ("Dr Patel"), the parts of hyphenated and apostrophe names ("Anne", "Marie", "Brien"), and a
    /// plural or apostrophe-less possessive `s` (`the Smiths` → `the [child]s`). A leading title
    /// ("Mr", "Dr", ...) is never matched alone. A value written "Smith, Jack" is read surname-first.
    ///
    /// A part alone spelled like a common English word ("Hall", "Rose", "Will", "May") counts only
    /// when written with a capital letter (or in capitals throughout), and not:
    /// - at the start of a sentence, unless it is a forename followed by what reads as its verb
    ///   ("Rose was found", "Rose's cot", "Rose, aged 2"): "Ward staff noted" and "Little is known"
    ///   stay;
    /// - inside a title-case phrase of ordinary words ("Town Hall", "Ward Manager"), or, for a
    ///   surname, before a number ("Ward 4");
    /// - joined by a hyphen to another word ("long-term");
    /// - for a month or season, in a date ("in May", "3 May", "the Summer holidays").
    ///
    /// No part alone counts inside a place's name ("St Mary's", "Royal Victoria Infirmary", "Martin
    /// House", "Moses basket"). The full name and the other combined forms count in any case
    /// ("rose hill"), except initials with a common-word surname ("A. Ward", not "a ward").
    Name(String),
    /// A professional's name (notifier, GP, health visitor...): matched as [`Known::Name`], except
    /// that one part alone (a forename or surname) counts only when written with a capital letter.
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
    /// number and common street types abbreviated or not ("Avenue" / "Ave"). Lines and runs made
    /// only of stop-list words and short terms are not matched; those made only of such words and
    /// common words ("Flat 2", "The Green") count only when written with a capital letter.
    Address(String),
    /// Any other literal phrase (e.g. a GP practice name), matched case-insensitively as whole words.
    ///
    /// Between words any run of whitespace and punctuation other than brackets matches; "&" and
    /// "and" match each other; apostrophes are optional ("St. Mary’s" = "St Marys"). A phrase made
    /// only of stop-list words and short terms is ignored; one made only of those and common words
    /// counts only when written with a capital letter.
    Phrase(String),
}

/// A known identifier and the role label that replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub known: Known,
    /// Role label such as `child`, shown in the text as `[child]`.
    pub label: String,
}

/// How sure the redactor is that a finding identifies someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Certainty {
    /// A known identifier of the case.
    Known,
    /// An NHS number with a valid check digit, a phone number, an email address, a date after a
    /// birth cue.
    Pattern,
    /// A postcode found only by its shape (it may be a meeting venue's), a name after a title or
    /// next to a relationship word.
    Suspected,
}

impl Certainty {
    pub fn as_str(self) -> &'static str {
        match self {
            Certainty::Known => "known",
            Certainty::Pattern => "pattern",
            Certainty::Suspected => "suspected",
        }
    }
}

/// One replacement: the words as written, at byte offsets `start..end` of the text given (on char
/// boundaries), the label that replaces them and how sure that is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub words: String,
    pub label: String,
    pub certainty: Certainty,
    pub start: usize,
    pub end: usize,
}

/// The result of [`redact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    /// How many replacements were made, per label, in first-seen order.
    pub counts: Vec<(String, usize)>,
    /// Every replacement, in order of appearance in the original text (as [`findings`] gives).
    pub findings: Vec<Finding>,
}

impl Redacted {
    /// Total number of replacements made.
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// Number of replacements of this certainty ("3 replacements, 1 suspected").
    pub fn count(&self, certainty: Certainty) -> usize {
        self.findings.iter().filter(|f| f.certainty == certainty).count()
    }
}

/// Replaces every finding in `text` (known, pattern and suspected) with `[label]`.
///
/// Where two identifiers match the same text, the longer match wins; for the same text the
/// identifier's own full form beats a part shared with another identifier, and otherwise the first
/// identifier in `ids` wins (so callers put the child first).
#[must_use]
pub fn redact(text: &str, ids: &[Identifier]) -> Redacted {
    let run = run(text, ids);
    Redacted { text: run.text, counts: run.counts, findings: run.findings }
}

/// What [`redact`] replaces in `text`, in order of appearance.
#[must_use]
pub fn findings(text: &str, ids: &[Identifier]) -> Vec<Finding> {
    run(text, ids).findings
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
    let mut found: Vec<(String, String)> = Vec::new();
    for f in findings(text, ids) {
        if !found.iter().any(|(w, l)| *w == f.words && *l == f.label) {
            found.push((f.words, f.label));
        }
    }
    found
}

// ------------------------------------------------------------------------------------------------
// Passes
// ------------------------------------------------------------------------------------------------

/// Upper bound on passes. Each pass that replaces something strictly shrinks the unredacted text,
/// and in practice the second pass finds nothing.
const MAX_PASSES: usize = 8;

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

struct Run {
    text: String,
    counts: Vec<(String, usize)>,
    findings: Vec<Finding>,
}

/// A replacement in one pass, over units `start..end`.
struct Hit<'a> {
    start: usize,
    end: usize,
    label: &'a str,
    certainty: Certainty,
}

/// A stretch of the current text copied from the original: (start, end) in the current text and
/// start in the original.
type Copied = (usize, usize, usize);

/// Redacts in passes until a pass finds nothing: a replacement can change what its neighbours read
/// as (a neighbour becomes a whole word, "AB24/03/2019" → "AB[date]"; "Town Hall" → "[x] Hall"
/// loses its ordinary-phrase reading), so the result is re-scanned and [`remaining`] on it is
/// empty. Findings of later passes lie in text copied from the original, so they are reported at
/// their offsets in the original.
fn run(text: &str, ids: &[Identifier]) -> Run {
    let matcher = Matcher::new(ids);
    let mut current = text.to_string();
    let mut copied: Vec<Copied> = vec![(0, text.len(), 0)];
    let mut inserted: Vec<(usize, usize)> = Vec::new();
    let mut counts = Vec::new();
    let mut findings = Vec::new();
    for _ in 0..MAX_PASSES {
        let units = fold_text(&current);
        let guard = Guard::new(&units, &matcher.guarded, &inserted);
        let hits = pass_hits(&matcher, &units, &guard);
        if hits.is_empty() {
            break;
        }
        let mut out = String::with_capacity(current.len());
        let mut next_copied = Vec::new();
        let mut next_inserted = Vec::new();
        let mut pos = 0;
        for hit in &hits {
            let (Some(first), Some(last)) =
                (units.get(hit.start), hit.end.checked_sub(1).and_then(|e| units.get(e)))
            else {
                continue;
            };
            let (a, b) = (first.start, last.end);
            carry(&copied, &inserted, pos, a, out.len(), &mut next_copied, &mut next_inserted);
            // Unit ranges lie on char boundaries (see `Unit`).
            out.push_str(current.get(pos..a).unwrap_or_default());
            if let Some((s, _, o)) = copied_at(&copied, a, b) {
                let (start, end) = (o + a - s, o + b - s);
                let words = text.get(start..end).unwrap_or_default().to_string();
                findings.push(Finding {
                    words,
                    label: hit.label.to_string(),
                    certainty: hit.certainty,
                    start,
                    end,
                });
            }
            let label_start = out.len();
            out.push('[');
            out.push_str(hit.label);
            out.push(']');
            next_inserted.push((label_start, out.len()));
            add_count(&mut counts, hit.label);
            pos = b;
        }
        carry(&copied, &inserted, pos, current.len(), out.len(), &mut next_copied, &mut next_inserted);
        out.push_str(current.get(pos..).unwrap_or_default());
        current = out;
        copied = next_copied;
        inserted = next_inserted;
    }
    findings.sort_by_key(|f| f.start);
    Run { text: current, counts, findings }
}

/// Carries the bookkeeping of `from..to` of the current text, copied to `out_at` of the next.
fn carry(
    copied: &[Copied],
    inserted: &[(usize, usize)],
    from: usize,
    to: usize,
    out_at: usize,
    next_copied: &mut Vec<Copied>,
    next_inserted: &mut Vec<(usize, usize)>,
) {
    // Both lists are sorted and non-overlapping: only those reaching past `from` can meet `from..to`.
    let first = copied.partition_point(|c| c.1 <= from);
    for &(s, e, o) in copied.get(first..).unwrap_or_default().iter().take_while(|c| c.0 < to) {
        let (a, b) = (s.max(from), e.min(to));
        if a < b {
            next_copied.push((out_at + a - from, out_at + b - from, o + a - s));
        }
    }
    let first = inserted.partition_point(|r| r.1 <= from);
    for &(s, e) in inserted.get(first..).unwrap_or_default().iter().take_while(|r| r.0 < to) {
        let (a, b) = (s.max(from), e.min(to));
        if a < b {
            next_inserted.push((out_at + a - from, out_at + b - from));
        }
    }
}

/// The stretch of copied text holding bytes `a..b` of the current text.
fn copied_at(copied: &[Copied], a: usize, b: usize) -> Option<Copied> {
    let k = copied.partition_point(|c| c.1 <= a);
    copied.get(k).copied().filter(|&(s, e, _)| s <= a && b <= e)
}

/// The replacements of one pass: known matches, then findings by pattern in the text they leave.
fn pass_hits<'a>(matcher: &'a Matcher, units: &[Unit], guard: &Guard) -> Vec<Hit<'a>> {
    let mut known = matcher.select(units, guard);
    let mut cands: Vec<Cand> = Vec::new();
    scan::scan(units, &mut cands);
    names::scan_names(units, &mut cands);
    cands.retain(|c| c.start < c.end && !guard.overlaps(c.start, c.end));

    // An email address wins over known names inside it.
    let mut dropped = vec![false; known.len()];
    for c in cands.iter().filter(|c| c.kind == Kind::Email) {
        let range = overlapping(&known, c.start, c.end);
        let inside =
            known.get(range.clone()).unwrap_or_default().iter().all(|k| c.start <= k.start && k.end <= c.end);
        if inside {
            dropped.get_mut(range).unwrap_or_default().iter_mut().for_each(|d| *d = true);
        }
    }
    if dropped.contains(&true) {
        let mut keep = dropped.iter().map(|d| !d);
        known.retain(|_| keep.next().unwrap_or(true));
    }
    let mut pieces: Vec<Cand> = Vec::new();
    for c in cands {
        let clashing = known.get(overlapping(&known, c.start, c.end)).unwrap_or_default();
        if clashing.is_empty() {
            pieces.push(c);
        } else if c.kind == Kind::Name {
            pieces.extend(trim_name(&c, units, clashing));
        }
    }
    // Earliest, then longest, then the surer; the order found breaks ties.
    pieces.sort_by_key(|c| (c.start, Reverse(c.end), c.certainty));
    let mut hits: Vec<Hit<'a>> = known
        .iter()
        .map(|k| Hit { start: k.start, end: k.end, label: matcher.label(k.id), certainty: Certainty::Known })
        .collect();
    let mut taken_to = 0;
    for c in pieces {
        if c.start < taken_to {
            continue;
        }
        taken_to = c.end;
        hits.push(Hit { start: c.start, end: c.end, label: c.label, certainty: c.certainty });
    }
    hits.sort_by_key(|h| h.start);
    hits
}

/// The indices of the known matches (sorted, not overlapping each other) that overlap `start..end`.
fn overlapping(known: &[Span], start: usize, end: usize) -> std::ops::Range<usize> {
    let first = known.partition_point(|k| k.end <= start);
    let last = first + known.get(first..).unwrap_or_default().iter().take_while(|k| k.start < end).count();
    first..last
}

/// The parts of a name found by pattern that the known matches over it (`clashing`, sorted) leave:
/// each stretch clear of them, trimmed of spaces and punctuation, that keeps at least 2 letters of
/// a name word ("Mrs Carol" of "Mrs Carol [child]", "Hall" of "Hall-[mother]"; not "Mrs" of
/// "Mrs [child]").
fn trim_name(c: &Cand, units: &[Unit], clashing: &[Span]) -> Vec<Cand> {
    let mut free = Vec::new();
    let mut at = c.start;
    for (s, e) in clashing.iter().map(|k| (k.start, k.end)).chain([(c.end, c.end)]) {
        if s > at {
            free.push((at, s.min(c.end)));
        }
        at = at.max(e);
    }
    let letter = |i: usize| units.get(i).is_some_and(|u| u.c.is_alphanumeric());
    let mut out = Vec::new();
    for (mut s, mut e) in free {
        while s < e && !letter(s) {
            s += 1;
        }
        while e > s && !letter(e - 1) {
            e -= 1;
        }
        let keeps_name = c.words.iter().any(|&(ws, we, name)| {
            name && (ws.max(s)..we.min(e))
                .filter(|&i| units.get(i).is_some_and(|u| u.c.is_alphabetic()))
                .count()
                >= 2
        });
        if keeps_name {
            let words = c.words.iter().copied().filter(|&(ws, we, _)| ws < e && s < we).collect();
            out.push(Cand { start: s, end: e, words, ..c.clone() });
        }
    }
    out
}
