//! Matching the written forms of known identifiers over folded text.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::Identifier;
use super::context::{
    date_context, eponym, in_compound, in_ordinary_phrase, place_context, reads_as_subject, sentence_initial,
};
use super::elems::{Elem, Rule, trim_elems};
use super::fold::{Unit, all_caps, char_at, fold_str, is_end, is_start, is_upper, run_end, run_start};
use super::known::drafts_for;
use super::scan::PATTERN_LABELS;
use super::words::relation_labels;
use super::{FALLBACK_LABEL, Known, display_label};

/// Marks `[label]` tokens in the text, and labels inserted by earlier passes, so they are never
/// matched again.
pub(super) struct Guard {
    /// `prefix[k]` = number of guarded units before unit `k`; empty when nothing is guarded.
    prefix: Vec<u32>,
}

impl Guard {
    /// `inserted`: byte ranges of the text that earlier passes inserted (sorted).
    pub(super) fn new(units: &[Unit], labels: &[Vec<char>], inserted: &[(usize, usize)]) -> Guard {
        let mut guarded: Vec<bool> = Vec::new();
        for (i, unit) in units.iter().enumerate() {
            if unit.c != '[' {
                continue;
            }
            let close = run_end(units, i + 1, |c| c != ']' && c != '[');
            if char_at(units, close) != Some(']') {
                continue;
            }
            let inner = units.get(i + 1..close).unwrap_or_default();
            let spelled = |label: &[char]| inner.iter().map(|u| u.c).eq(label.iter().copied());
            let folded =
                |label: &str| inner.iter().map(|u| u.c).eq(label.chars().map(|c| c.to_ascii_lowercase()));
            let known = labels.iter().any(|l| spelled(l));
            if known || PATTERN_LABELS.iter().chain(relation_labels()).any(|l| folded(l)) {
                guarded.resize(units.len(), false);
                guarded.iter_mut().take(close + 1).skip(i).for_each(|g| *g = true);
            }
        }
        if !inserted.is_empty() {
            guarded.resize(units.len(), false);
            let mut ranges = inserted.iter().peekable();
            for (unit, g) in units.iter().zip(guarded.iter_mut()) {
                while ranges.peek().is_some_and(|(_, end)| *end <= unit.start) {
                    ranges.next();
                }
                if ranges.peek().is_some_and(|(start, end)| *start <= unit.start && unit.start < *end) {
                    *g = true;
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
    pub(super) fn overlaps(&self, start: usize, end: usize) -> bool {
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

/// An indexed pattern: a written form of identifier `id`.
#[derive(Debug, Clone)]
struct Pattern {
    elems: Vec<Elem>,
    id: usize,
    tier: u8,
    /// Names may be followed by a plural or apostrophe-less possessive `s`.
    plural_ok: bool,
    rule: Rule,
}

/// A match of identifier `id` over units `start..end`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub id: usize,
    pub tier: u8,
}

/// The patterns of a set of identifiers, indexed by first character.
pub(super) struct Matcher {
    patterns: Vec<Pattern>,
    by_first: FirstIndex,
    /// Display label per identifier index.
    labels: Vec<String>,
    /// Folded labels of the identifiers, for [`Guard`] (which also knows the scanners' labels).
    pub guarded: Vec<Vec<char>>,
    /// Folded single-word name parts of the identifiers, sorted: never "ordinary" words.
    name_parts: Vec<Vec<char>>,
}

impl Matcher {
    pub(super) fn new(ids: &[Identifier]) -> Matcher {
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut by_first = FirstIndex::default();
        let mut name_parts: Vec<Vec<char>> = Vec::new();
        // Written forms by hash, to merge the same form from several identifiers.
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
        for (id, identifier) in ids.iter().enumerate() {
            let plural_ok = matches!(identifier.known, Known::Name(_) | Known::Professional(_));
            for draft in drafts_for(&identifier.known) {
                let elems = trim_elems(draft.elems);
                if draft.rule.single
                    && let [Elem::Lit(word)] = elems.as_slice()
                {
                    name_parts.push(word.clone());
                }
                let mut firsts = elems.first().map(Elem::first_chars).unwrap_or_default();
                if firsts.is_empty() {
                    continue;
                }
                let hash = {
                    let mut h = DefaultHasher::new();
                    elems.hash(&mut h);
                    h.finish()
                };
                let same = seen
                    .get(&hash)
                    .into_iter()
                    .flatten()
                    .copied()
                    .find(|&p| patterns.get(p).is_some_and(|e| e.elems == elems));
                if let Some(existing) = same.and_then(|p| patterns.get_mut(p)) {
                    // The same written form from two identifiers: the better tier, then the first.
                    if (draft.tier, id) < (existing.tier, existing.id) {
                        existing.tier = draft.tier;
                        existing.id = id;
                    }
                    existing.plural_ok |= plural_ok;
                    existing.rule = existing.rule.either(draft.rule);
                    continue;
                }
                seen.entry(hash).or_default().push(patterns.len());
                firsts.sort_unstable();
                firsts.dedup();
                for c in firsts {
                    by_first.bucket(c).push(patterns.len());
                }
                patterns.push(Pattern { elems, id, tier: draft.tier, plural_ok, rule: draft.rule });
            }
        }
        let labels: Vec<String> = ids.iter().map(|i| display_label(&i.label)).collect();
        let mut guarded: Vec<Vec<char>> = labels.iter().map(|l| fold_str(l)).collect();
        guarded.sort();
        guarded.dedup();
        name_parts.sort();
        name_parts.dedup();
        Matcher { patterns, by_first, labels, guarded, name_parts }
    }

    pub(super) fn label(&self, id: usize) -> &str {
        self.labels.get(id).map_or(FALLBACK_LABEL, String::as_str)
    }

    /// Whether units `start..end` spell a single-word name part of an identifier.
    fn is_name_part(&self, units: &[Unit], start: usize, end: usize) -> bool {
        let Some(run) = units.get(start..end) else { return false };
        self.name_parts.binary_search_by(|p| p.iter().copied().cmp(run.iter().map(|u| u.c))).is_ok()
    }

    /// Every pattern matching at `start` as a whole word where its rule lets it count, clear of
    /// guarded tokens.
    pub(super) fn candidates_at<'a>(
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
            if pattern.rule.capital && !is_upper(units, start) {
                return None;
            }
            let end = pattern.elems.iter().try_fold(start, |pos, elem| elem.match_at(units, pos))?;
            let clear = is_end(units, end, pattern.plural_ok)
                && !guard.overlaps(start, end)
                && self.counts_here(units, start, end, pattern.rule);
            clear.then_some(Span { start, end, id: pattern.id, tier: pattern.tier })
        })
    }

    /// Whether a match under `rule` counts at `start..end` (see [`Rule`] and `context`).
    fn counts_here(&self, units: &[Unit], start: usize, end: usize, rule: Rule) -> bool {
        if rule.single && place_context(units, start, end) {
            return false;
        }
        if rule.surname && eponym(units, end) {
            return false;
        }
        if rule.month && date_context(units, start, end) {
            return false;
        }
        if rule.initial && !initial_counts(units, start, end) {
            return false;
        }
        let Some(given) = rule.common else { return true };
        if in_compound(units, start, end) {
            return false;
        }
        if all_caps(units, start, end) {
            return true;
        }
        if sentence_initial(units, start) {
            // A forename starting a sentence before its verb ("Rose was found") is the person; a
            // surname alone at a sentence start ("Ward staff", "Little is known") is the word.
            return given && reads_as_subject(units, end);
        }
        let known_part = |s: usize, e: usize| self.is_name_part(units, s, e);
        !in_ordinary_phrase(units, start, end, given, &known_part)
    }

    /// Non-overlapping matches, left to right: the earliest start, then the longest, then the
    /// better tier, then the first identifier.
    pub(super) fn select(&self, units: &[Unit], guard: &Guard) -> Vec<Span> {
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
}

/// Initials and a common-word surname ("A. Ward", "J R Hall") count only with a capital initial
/// and a capital surname that does not start a sentence, and a bare "A" or "I" (words of their
/// own) needs its dot.
fn initial_counts(units: &[Unit], start: usize, end: usize) -> bool {
    let surname = run_start(units, end, |c| c.is_alphabetic() || c == '\'' || c == '-');
    let bare_word =
        matches!(char_at(units, start), Some('a' | 'i')) && char_at(units, start + 1) != Some('.');
    // "38.5°C. West Cumberland Hospital": a unit's letter ending a sentence is no initial.
    is_upper(units, start) && is_upper(units, surname) && !bare_word && !sentence_initial(units, surname)
}
