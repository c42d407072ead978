//! Written forms of known identifiers: sequences of deterministic steps matched over folded text.

use super::fold::{Unit, fold_str, optional_char, run_end, spells_one_of};

/// One step of a pattern. Every step is deterministic (runs are consumed whole, no backtracking),
/// so a pattern matches at a position in at most one way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Elem {
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
    pub(super) fn match_at(&self, units: &[Unit], pos: usize) -> Option<usize> {
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
    pub(super) fn is_content(&self) -> bool {
        matches!(self, Elem::Lit(_) | Elem::Digits(_) | Elem::Word(_))
    }

    /// The folded characters a match of this step can start with.
    pub(super) fn first_chars(&self) -> Vec<char> {
        match self {
            Elem::Lit(chars) => chars.first().copied().into_iter().collect(),
            Elem::Digits(alts) | Elem::Word(alts) => alts.iter().filter_map(|a| a.first().copied()).collect(),
            _ => Vec::new(),
        }
    }
}

/// Whitespace or punctuation, but not a bracket: brackets stay balanced around labels.
pub(super) fn is_gap_char(c: char) -> bool {
    !c.is_alphanumeric() && !"()[]{}<>".contains(c)
}

/// Optional whitespace, optionally one of `marks`, optional whitespace.
pub(super) fn separator(units: &[Unit], pos: usize, marks: &[char]) -> usize {
    let before = run_end(units, pos, char::is_whitespace);
    let after_mark = optional_char(units, before, marks);
    run_end(units, after_mark, char::is_whitespace)
}

/// Tier of a written form: the identifier as a whole beats a part of it on the same text.
pub(super) const WHOLE: u8 = 0;
pub(super) const PART: u8 = 1;

/// Conditions on where a written form counts, beyond matching its letters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Rule {
    /// Counts only where the text starts with a capital letter.
    pub capital: bool,
    /// A single name part spelled like a common English word: `Some(given)`, where `given` says
    /// whether it is a forename (forenames also count at a sentence start; see `context`).
    pub common: Option<bool>,
    /// Spelled like a month or season: does not count in a date context ("in May").
    pub month: bool,
    /// A single name part: does not count inside a place's name ("St Mary's", "Martin House").
    pub single: bool,
    /// A single surname part: does not count in an eponym ("Bell's palsy").
    pub surname: bool,
    /// Initials and a common-word surname ("A. Ward"): counts only with capitals, and a bare "A"
    /// or "I" needs its dot.
    pub initial: bool,
}

impl Rule {
    /// The rule for one written form shared by two identifiers: it counts where either counts.
    pub(super) fn either(self, other: Rule) -> Rule {
        Rule {
            capital: self.capital && other.capital,
            common: match (self.common, other.common) {
                (Some(a), Some(b)) => Some(a || b),
                _ => None,
            },
            month: self.month && other.month,
            single: self.single && other.single,
            surname: self.surname && other.surname,
            initial: self.initial && other.initial,
        }
    }
}

/// A written form of one identifier, before it is indexed.
#[derive(Debug, Clone)]
pub(super) struct Draft {
    pub tier: u8,
    pub elems: Vec<Elem>,
    pub rule: Rule,
}

pub(super) fn whole(elems: Vec<Elem>) -> Draft {
    Draft { tier: WHOLE, elems, rule: Rule::default() }
}

/// Removes leading and trailing steps that may match nothing or only separators.
pub(super) fn trim_elems(mut elems: Vec<Elem>) -> Vec<Elem> {
    while elems.last().is_some_and(|e| !e.is_content()) {
        elems.pop();
    }
    let lead = elems.iter().take_while(|e| !e.is_content()).count();
    elems.drain(..lead);
    elems
}

/// Concatenates pieces with `sep` between them.
pub(super) fn join(pieces: impl IntoIterator<Item = Vec<Elem>>, sep: &Elem) -> Vec<Elem> {
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

pub(super) fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

pub(super) fn char_lists(words: &[&str]) -> Vec<Vec<char>> {
    words.iter().map(|w| chars(w)).collect()
}

/// Trims punctuation from both ends of a word: "(Jack)," → "Jack".
pub(super) fn trim_word(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric())
}

/// The words of a value: split on whitespace, end punctuation trimmed, empty ones dropped.
pub(super) fn words(value: &str) -> Vec<&str> {
    value.split_whitespace().map(trim_word).filter(|w| !w.is_empty()).collect()
}

/// Pattern steps for one word: letters and digits literally, apostrophes and hyphens as flexible
/// joiners ("O'Brien" also matches "O’Brien", "OBrien", "O Brien"), dots and commas as gaps
/// ("St.Mary's" also matches "St Mary's").
pub(super) fn word_elems(folded: &[char]) -> Vec<Elem> {
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

/// Number of letters in folded characters.
pub(super) fn letters_in(folded: &[char]) -> usize {
    folded.iter().filter(|c| c.is_alphabetic()).count()
}

/// A word, then its hyphen- and apostrophe-separated parts of at least 2 letters
/// ("Anne-Marie" → "Anne-Marie", "Anne", "Marie"; "O'Brien" → "O'Brien", "Brien").
pub(super) fn word_variants(word: &str) -> Vec<Vec<char>> {
    let folded = fold_str(word);
    let mut variants = vec![folded.clone()];
    if folded.iter().any(|c| matches!(c, '-' | '\'')) {
        for piece in folded.split(|c| matches!(c, '-' | '\'')) {
            if letters_in(piece) >= 2 {
                variants.push(piece.to_vec());
            }
        }
    }
    variants
}
