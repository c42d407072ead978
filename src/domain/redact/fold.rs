//! Folded text: every character lower-cased, accents stripped, typographic punctuation unified,
//! with the byte range of the original it stands for; and small helpers to walk it.

/// One character of the text after folding, with the byte range of the original it stands for.
///
/// Invariant: `start..end` lies on char boundaries of the original text, so slicing with it is safe.
/// Ignored characters (combining marks, soft hyphens, zero-width characters) extend the range of
/// the unit before them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unit {
    pub c: char,
    /// Whether the original character was a capital letter.
    pub upper: bool,
    pub start: usize,
    pub end: usize,
}

/// Folds `text` into units: lowercase, accents stripped, typographic punctuation unified.
pub(super) fn fold_text(text: &str) -> Vec<Unit> {
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
pub(super) fn fold_str(s: &str) -> Vec<char> {
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

/// Typographic apostrophes become `'`, dashes and minus signs become `-`, typographic double
/// quotes become `"`.
fn unify_punct(ch: char) -> char {
    match ch {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '\u{00B4}' | '\u{FF07}' => '\'',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
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

/// The folded character at `i`, if any.
pub(super) fn char_at(units: &[Unit], i: usize) -> Option<char> {
    units.get(i).map(|u| u.c)
}

/// The folded character before `i`, if any.
pub(super) fn char_before(units: &[Unit], i: usize) -> Option<char> {
    i.checked_sub(1).and_then(|p| char_at(units, p))
}

/// Whether the original character at `i` was a capital letter.
pub(super) fn is_upper(units: &[Unit], i: usize) -> bool {
    units.get(i).is_some_and(|u| u.upper)
}

/// Whether a match may begin at `i`: a letter not preceded by a letter or digit, or a digit not
/// preceded by a digit.
pub(super) fn is_start(units: &[Unit], i: usize) -> bool {
    let Some(c) = char_at(units, i) else { return false };
    let prev = char_before(units, i);
    if c.is_ascii_digit() {
        !prev.is_some_and(|p| p.is_ascii_digit())
    } else if c.is_alphanumeric() {
        !prev.is_some_and(char::is_alphanumeric)
    } else {
        false
    }
}

/// Whether a match may end just before `end`: mirror of [`is_start`]. With `plural_ok`, a word may
/// also be followed by a lone `s` ("Smiths", "Jacks"), which is then left in the text.
pub(super) fn is_end(units: &[Unit], end: usize, plural_ok: bool) -> bool {
    let Some(last) = char_before(units, end) else { return false };
    let next = char_at(units, end);
    if last.is_ascii_digit() {
        !next.is_some_and(|n| n.is_ascii_digit())
    } else if last.is_alphanumeric() {
        match next {
            None => true,
            Some('s') if plural_ok => !char_at(units, end + 1).is_some_and(char::is_alphanumeric),
            Some(n) => !n.is_alphanumeric(),
        }
    } else {
        true
    }
}

/// End of the run of units from `pos` satisfying `pred`.
pub(super) fn run_end(units: &[Unit], pos: usize, pred: impl Fn(char) -> bool) -> usize {
    units.get(pos..).map_or(pos, |rest| pos + rest.iter().take_while(|u| pred(u.c)).count())
}

/// Start of the run of units ending at `end` satisfying `pred`.
pub(super) fn run_start(units: &[Unit], end: usize, pred: impl Fn(char) -> bool) -> usize {
    units.get(..end).map_or(end, |before| end - before.iter().rev().take_while(|u| pred(u.c)).count())
}

/// Whether the units `pos..end` spell one of `alts`.
pub(super) fn spells_one_of(units: &[Unit], pos: usize, end: usize, alts: &[Vec<char>]) -> bool {
    let Some(run) = units.get(pos..end) else { return false };
    alts.iter().any(|alt| alt.len() == run.len() && run.iter().zip(alt).all(|(u, c)| u.c == *c))
}

/// Whether the units `pos..end` spell `word` exactly.
pub(super) fn spells(units: &[Unit], pos: usize, end: usize, word: &str) -> bool {
    // Cheap rejection first: the word lists are ASCII, where bytes are characters.
    if word.is_ascii() && word.len() != end.saturating_sub(pos) {
        return false;
    }
    units.get(pos..end).is_some_and(|run| run.iter().map(|u| u.c).eq(word.chars()))
}

/// Consumes one unit at `pos` if it is one of `chars`.
pub(super) fn optional_char(units: &[Unit], pos: usize, chars: &[char]) -> usize {
    match units.get(pos) {
        Some(u) if chars.contains(&u.c) => pos + 1,
        _ => pos,
    }
}

/// Spaces and tabs (not line breaks).
pub(super) fn is_blank(c: char) -> bool {
    c.is_whitespace() && c != '\n' && c != '\r'
}

/// End of the letters at `pos`.
pub(super) fn letters_end(units: &[Unit], pos: usize) -> usize {
    run_end(units, pos, char::is_alphabetic)
}

/// End of a word at `pos` in the sense of a name: letters with single hyphens or apostrophes
/// between letters ("O'Neil-Hughes"), never a trailing possessive ("Smith's" ends before `'`).
pub(super) fn word_end(units: &[Unit], pos: usize) -> usize {
    let mut end = letters_end(units, pos);
    if end == pos {
        return pos;
    }
    loop {
        let joined = matches!(char_at(units, end), Some('-' | '\''));
        let after = letters_end(units, end + 1);
        // "Smith's" / "James's": the apostrophe and a lone `s` are a possessive, not a name part.
        let possessive =
            char_at(units, end) == Some('\'') && after == end + 2 && char_at(units, end + 1) == Some('s');
        if joined && after > end + 1 && !possessive {
            end = after;
        } else {
            return end;
        }
    }
}

/// End of a possessive ("'s", "'", "s'") right after a word ending at `end`, or `end`.
pub(super) fn after_possessive(units: &[Unit], end: usize) -> usize {
    match (char_at(units, end), char_at(units, end + 1)) {
        (Some('\''), Some('s')) if !char_at(units, end + 2).is_some_and(char::is_alphanumeric) => end + 2,
        (Some('\''), next) if !next.is_some_and(char::is_alphanumeric) => end + 1,
        _ => end,
    }
}

/// Whether all letters in `start..end` are capitals and there are at least two of them.
pub(super) fn all_caps(units: &[Unit], start: usize, end: usize) -> bool {
    let Some(run) = units.get(start..end) else { return false };
    let letters = run.iter().filter(|u| u.c.is_alphabetic());
    letters.clone().count() >= 2 && letters.clone().all(|u| u.upper)
}

/// Number of letters in `start..end`.
pub(super) fn letter_count(units: &[Unit], start: usize, end: usize) -> usize {
    units.get(start..end).map_or(0, |run| run.iter().filter(|u| u.c.is_alphabetic()).count())
}

/// End of the blanks (spaces and tabs) from `pos`.
pub(super) fn skip_blanks(units: &[Unit], pos: usize) -> usize {
    run_end(units, pos, is_blank)
}

/// Start of the blanks (spaces and tabs) ending at `pos`.
pub(super) fn skip_blanks_back(units: &[Unit], pos: usize) -> usize {
    run_start(units, pos, is_blank)
}
