//! Identifiers found by their shape rather than known for the case: postcodes, NHS numbers
//! (with a valid check digit), phone numbers, email addresses and dates of birth after a cue.

use chrono::NaiveDate;

use super::Certainty;
use super::elems::separator;
use super::fold::{
    Unit, char_at, char_before, is_end, is_start, letters_end, run_end, run_start, skip_blanks, spells,
};
use super::known::MONTHS;

/// A finding by pattern over units `start..end`.
#[derive(Debug, Clone)]
pub(super) struct Cand {
    pub start: usize,
    pub end: usize,
    pub label: &'static str,
    pub certainty: Certainty,
    pub kind: Kind,
    /// For names: the words, `(start, end, is a name word)` (titles and initials are not).
    pub words: Vec<(usize, usize, bool)>,
}

/// What a finding by pattern is, for resolving overlaps with known identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An email address: wins over known names inside it ("jack.smith@...").
    Email,
    /// A person's name: trimmed around known names inside it ("Mrs Carol [child]").
    Name,
    /// Anything else: a known identifier overlapping it wins.
    Other,
}

/// Labels the scanners give (relationship labels aside).
pub(super) const PATTERN_LABELS: &[&str] =
    &["postcode", "NHS number", "phone number", "email", "date of birth", "name"];

fn cand(start: usize, end: usize, label: &'static str, certainty: Certainty, kind: Kind) -> Cand {
    Cand { start, end, label, certainty, kind, words: Vec::new() }
}

/// Every postcode, NHS number, phone number, email address and date of birth in the text.
pub(super) fn scan(units: &[Unit], out: &mut Vec<Cand>) {
    for i in 0..units.len() {
        let Some(c) = char_at(units, i) else { break };
        if c.is_ascii_digit() && is_start(units, i) {
            if let Some(end) = nhs_number_at(units, i) {
                out.push(cand(i, end, "NHS number", Certainty::Pattern, Kind::Other));
            }
            if c == '0'
                && let Some(end) = phone_at(units, i)
            {
                out.push(cand(i, end, "phone number", Certainty::Pattern, Kind::Other));
            }
        } else if c.is_ascii_alphabetic() && is_start(units, i) {
            if let Some(end) = postcode_at(units, i) {
                out.push(cand(i, end, "postcode", Certainty::Suspected, Kind::Other));
            }
        } else if matches!(c, '(' | '+') && !char_before(units, i).is_some_and(char::is_alphanumeric) {
            if let Some(end) = phone_at(units, i) {
                out.push(cand(i, end, "phone number", Certainty::Pattern, Kind::Other));
            }
        } else if c == '@'
            && let Some((start, end)) = email_around(units, i)
        {
            out.push(cand(start, end, "email", Certainty::Pattern, Kind::Email));
        }
    }
    dates_of_birth(units, out);
}

// ------------------------------------------------------------------------------------------------
// Postcodes
// ------------------------------------------------------------------------------------------------

fn ascii_alnum_end(units: &[Unit], pos: usize) -> usize {
    run_end(units, pos, |c| c.is_ascii_alphanumeric())
}

/// A UK postcode at `i` as a whole word, with zero or more spaces between the outward and
/// inward codes: A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA and GIR 0AA, with the
/// letters each position allows.
fn postcode_at(units: &[Unit], i: usize) -> Option<usize> {
    let first = ascii_alnum_end(units, i);
    let len = first - i;
    if (5..=7).contains(&len) && is_end(units, first, false) {
        let outward = units.get(i..first - 3)?;
        let inward = units.get(first - 3..first)?;
        if postcode_shape(outward, inward) {
            return Some(first);
        }
    }
    if (2..=4).contains(&len) {
        let j = run_end(units, first, |c| c == ' ' || c == '\t');
        let k = ascii_alnum_end(units, j);
        if j > first
            && k - j == 3
            && is_end(units, k, false)
            && postcode_shape(units.get(i..first)?, units.get(j..k)?)
        {
            return Some(k);
        }
    }
    None
}

fn postcode_shape(outward: &[Unit], inward: &[Unit]) -> bool {
    let at = |run: &[Unit], k: usize| run.get(k).map_or(' ', |u| u.c);
    let letter = |run: &[Unit], k: usize| at(run, k).is_ascii_lowercase();
    let digit = |run: &[Unit], k: usize| at(run, k).is_ascii_digit();
    let inward_ok = inward.len() == 3
        && digit(inward, 0)
        && letter(inward, 1)
        && letter(inward, 2)
        && !"cikmov".contains(at(inward, 1))
        && !"cikmov".contains(at(inward, 2));
    if !inward_ok {
        return false;
    }
    let o = outward;
    if o.len() == 3 && at(o, 0) == 'g' && at(o, 1) == 'i' && at(o, 2) == 'r' {
        return at(inward, 0) == '0' && at(inward, 1) == 'a' && at(inward, 2) == 'a';
    }
    if !letter(o, 0) || "qvx".contains(at(o, 0)) {
        return false;
    }
    let second_letter_ok = letter(o, 1) && !"ijz".contains(at(o, 1));
    match o.len() {
        2 => digit(o, 1),
        3 => {
            (digit(o, 1) && digit(o, 2))
                || (digit(o, 1) && "abcdefghjkpstuw".contains(at(o, 2)))
                || (second_letter_ok && digit(o, 2))
        }
        4 => second_letter_ok && digit(o, 2) && (digit(o, 3) || "abehmnprvwxy".contains(at(o, 3))),
        _ => false,
    }
}

// ------------------------------------------------------------------------------------------------
// NHS and phone numbers
// ------------------------------------------------------------------------------------------------

const MAX_GROUPS: usize = 8;

/// Runs of digits joined by separators, from a digit at `pos`: the end and digit count of each.
struct Groups {
    ends: [usize; MAX_GROUPS],
    digits: [usize; MAX_GROUPS],
    n: usize,
}

fn digit_groups(units: &[Unit], pos: usize, sep: fn(&[Unit], usize) -> usize) -> Groups {
    let mut groups = Groups { ends: [0; MAX_GROUPS], digits: [0; MAX_GROUPS], n: 0 };
    let mut pos = pos;
    while groups.n < MAX_GROUPS {
        let end = run_end(units, pos, |c| c.is_ascii_digit());
        if end == pos {
            break;
        }
        groups.ends[groups.n] = end;
        groups.digits[groups.n] = end - pos;
        groups.n += 1;
        let next = sep(units, end);
        if next == end || !char_at(units, next).is_some_and(|c| c.is_ascii_digit()) {
            break;
        }
        pos = next;
    }
    groups
}

/// Between NHS number digits, as for known NHS numbers: optional whitespace, optional `-`,
/// optional whitespace.
fn nhs_sep(units: &[Unit], pos: usize) -> usize {
    separator(units, pos, &['-'])
}

/// Between phone number groups: one space, one hyphen, or " - ".
fn phone_sep(units: &[Unit], pos: usize) -> usize {
    match (char_at(units, pos), char_at(units, pos + 1), char_at(units, pos + 2)) {
        (Some(' '), Some('-'), Some(' ')) => pos + 3,
        (Some(' ' | '-'), _, _) => pos + 1,
        _ => pos,
    }
}

/// An NHS number at `pos`: 10 digits in groups ending at a group end, with a valid modulus-11
/// check digit.
fn nhs_number_at(units: &[Unit], pos: usize) -> Option<usize> {
    let groups = digit_groups(units, pos, nhs_sep);
    let mut total = 0;
    for k in 0..groups.n {
        total += groups.digits[k];
        if total == 10 {
            let end = groups.ends[k];
            let digits = units.get(pos..end)?.iter().filter_map(|u| u.c.to_digit(10));
            return nhs_check_ok(digits).then_some(end);
        }
        if total > 10 {
            return None;
        }
    }
    None
}

/// Modulus 11: digits 1–9 weighted 10..2, check = 11 − (sum mod 11), 11 → 0, 10 → invalid.
pub(super) fn nhs_check_ok(digits: impl Iterator<Item = u32>) -> bool {
    let mut sum = 0;
    let mut count = 0;
    let mut last = 0;
    for (k, d) in digits.enumerate() {
        if k < 9 {
            sum += d * (10 - k as u32);
        }
        last = d;
        count += 1;
    }
    let check = match 11 - sum % 11 {
        11 => 0,
        c => c,
    };
    count == 10 && check != 10 && check == last
}

/// A UK phone number at `pos`: "0" and 9 or 10 more digits in groups, the area code optionally
/// in brackets ("(01228) 606060"); or "+44", an optional "(0)", and 9 or 10 digits.
fn phone_at(units: &[Unit], pos: usize) -> Option<usize> {
    match char_at(units, pos)? {
        '0' => national_digits(units, pos, 0),
        '(' if char_at(units, pos + 1) == Some('0') => {
            let close = run_end(units, pos + 1, |c| c.is_ascii_digit());
            let area = close - (pos + 1);
            if !(3..=6).contains(&area) || char_at(units, close) != Some(')') {
                return None;
            }
            let rest = run_end(units, close + 1, |c| c == ' ');
            if rest > close + 2 {
                return None;
            }
            national_digits(units, rest, area)
        }
        '+' => {
            if char_at(units, pos + 1) != Some('4') || char_at(units, pos + 2) != Some('4') {
                return None;
            }
            let mut p = phone_sep(units, pos + 3);
            if char_at(units, p) == Some('(') {
                if char_at(units, p + 1) != Some('0') || char_at(units, p + 2) != Some(')') {
                    return None;
                }
                p = run_end(units, p + 3, |c| c == ' ');
            }
            let groups = digit_groups(units, p, phone_sep);
            best_total(&groups, 0, &[9, 10])
        }
        _ => None,
    }
}

/// Digits from `pos` (already `before` counted) totalling 10 or 11 with the leading zero.
fn national_digits(units: &[Unit], pos: usize, before: usize) -> Option<usize> {
    let groups = digit_groups(units, pos, phone_sep);
    best_total(&groups, before, &[10, 11])
}

/// The end of the longest prefix of groups whose digit total (plus `before`) is in `totals`.
fn best_total(groups: &Groups, before: usize, totals: &[usize]) -> Option<usize> {
    let mut total = before;
    let mut best = None;
    for k in 0..groups.n {
        total += groups.digits[k];
        if totals.contains(&total) {
            best = Some(groups.ends[k]);
        }
    }
    best
}

// ------------------------------------------------------------------------------------------------
// Email addresses
// ------------------------------------------------------------------------------------------------

fn local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-'".contains(c)
}

/// The email address around the `@` at `at`: local@domain.tld.
fn email_around(units: &[Unit], at: usize) -> Option<(usize, usize)> {
    let mut start = run_start(units, at, local_char);
    while start < at && !char_at(units, start).is_some_and(|c| c.is_ascii_alphanumeric()) {
        start += 1;
    }
    let mut end = run_end(units, at + 1, |c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    while end > at + 1 && matches!(char_before(units, end), Some('.' | '-')) {
        end -= 1;
    }
    if start == at || end <= at + 1 {
        return None;
    }
    let domain = units.get(at + 1..end)?;
    let dots = domain.iter().filter(|u| u.c == '.').count();
    let doubled = domain.windows(2).any(|w| matches!(w, [a, b] if a.c == '.' && b.c == '.'));
    let first_ok = domain.first().is_some_and(|u| u.c.is_ascii_alphanumeric());
    let tld = domain.iter().rev().take_while(|u| u.c != '.').count();
    let tld_ok = tld >= 2 && domain.iter().rev().take(tld).all(|u| u.c.is_ascii_alphabetic());
    (dots >= 1 && !doubled && first_ok && tld_ok).then_some((start, end))
}

// ------------------------------------------------------------------------------------------------
// Dates of birth
// ------------------------------------------------------------------------------------------------

/// How many words may stand between a birth cue and the date ("born at home on 3 May 2019").
const CUE_REACH: usize = 4;

/// Dates within [`CUE_REACH`] words after a birth cue in the same sentence, or directly followed
/// by "(DOB)" or "(date of birth)".
fn dates_of_birth(units: &[Unit], out: &mut Vec<Cand>) {
    let mut armed: Option<usize> = None;
    let mut i = 0;
    while i < units.len() {
        if is_start(units, i) {
            if let Some(end) = birth_cue_at(units, i) {
                armed = Some(CUE_REACH);
                i = end.max(i + 1);
                continue;
            }
            if let Some(end) = date_at(units, i) {
                if armed.is_some() || dob_tag_after(units, end) {
                    out.push(cand(i, end, "date of birth", Certainty::Pattern, Kind::Other));
                }
                armed = None;
                i = end.max(i + 1);
                continue;
            }
            armed = armed.and_then(|left| left.checked_sub(1));
            let digit = char_at(units, i).is_some_and(|c| c.is_ascii_digit());
            i = run_end(units, i, |c| if digit { c.is_ascii_digit() } else { c.is_alphabetic() }).max(i + 1);
            continue;
        }
        let c = char_at(units, i);
        let next = char_at(units, i + 1);
        let sentence_end = matches!(c, Some('.' | '!' | '?' | ';')) && next.is_none_or(char::is_whitespace);
        if sentence_end || c == Some('\n') {
            armed = None;
        }
        i += 1;
    }
}

/// A birth cue at `i`: "born", "b.", "DOB", "D.O.B.", "date of birth", "birth date", "birthday",
/// "birthdate".
fn birth_cue_at(units: &[Unit], i: usize) -> Option<usize> {
    let end = letters_end(units, i);
    let word = |w: &str| spells(units, i, end, w);
    if (word("born") || word("dob") || word("birthday") || word("birthdate")) && is_end(units, end, false) {
        return Some(end);
    }
    if word("b") && char_at(units, end) == Some('.') {
        return Some(end + 1);
    }
    if let Some(e) = dotted_dob(units, i) {
        return Some(e);
    }
    let next_word = |from: usize, w: &str| {
        let s = skip_blanks(units, from);
        let e = letters_end(units, s);
        (s > from && spells(units, s, e, w)).then_some(e)
    };
    if word("date") {
        return next_word(end, "of").and_then(|e| next_word(e, "birth"));
    }
    if word("birth") {
        return next_word(end, "date");
    }
    None
}

/// "d.o.b" with an optional final dot.
fn dotted_dob(units: &[Unit], i: usize) -> Option<usize> {
    let expect = ['d', '.', 'o', '.', 'b'];
    let run = units.get(i..i + expect.len())?;
    if !run.iter().zip(expect).all(|(u, c)| u.c == c) {
        return None;
    }
    let end = i + expect.len();
    let end = if char_at(units, end) == Some('.') { end + 1 } else { end };
    (!char_at(units, end).is_some_and(char::is_alphanumeric)).then_some(end)
}

/// "(DOB)", "(D.O.B.)" or "(date of birth)" right after a date ending at `end`.
fn dob_tag_after(units: &[Unit], end: usize) -> bool {
    let open = skip_blanks(units, end);
    if char_at(units, open) != Some('(') {
        return false;
    }
    let s = skip_blanks(units, open + 1);
    let Some(e) = birth_cue_at(units, s) else { return false };
    let born = spells(units, s, letters_end(units, s), "born");
    !born && char_at(units, skip_blanks(units, e)) == Some(')')
}

/// Day, month and year of a date being read.
#[derive(Debug, Clone, Copy)]
struct Num {
    end: usize,
    value: u32,
    len: usize,
}

fn number_at(units: &[Unit], pos: usize) -> Option<Num> {
    let end = run_end(units, pos, |c| c.is_ascii_digit());
    let len = end - pos;
    if len == 0 || len > 8 {
        return None;
    }
    let value = units.get(pos..end)?.iter().filter_map(|u| u.c.to_digit(10)).fold(0, |v, d| v * 10 + d);
    Some(Num { end, value, len })
}

fn valid(year: Num, month: u32, day: u32) -> bool {
    let year = match year.len {
        2 => 2000 + year.value as i32,
        4 => year.value as i32,
        _ => return false,
    };
    NaiveDate::from_ymd_opt(year, month, day).is_some()
}

fn date_sep(units: &[Unit], pos: usize) -> usize {
    separator(units, pos, &['/', '-', '.', ','])
}

/// A month name or abbreviation at `pos`: its number and end.
fn month_name_at(units: &[Unit], pos: usize) -> Option<(u32, usize)> {
    let end = letters_end(units, pos);
    let index = MONTHS.iter().position(|names| names.iter().any(|n| spells(units, pos, end, n)))?;
    Some((index as u32 + 1, end))
}

/// After a day number: an optional ordinal suffix.
fn after_ordinal(units: &[Unit], pos: usize) -> usize {
    let end = letters_end(units, pos);
    if ["st", "nd", "rd", "th"].iter().any(|o| spells(units, pos, end, o)) { end } else { pos }
}

/// The end of a date at `pos` written in a form known dates are matched in: 24/03/2019,
/// 24.3.19, 2019-03-24, 20190324, 24032019, 24 March 2019, 24th of March 2019, March 24, 2019.
pub(super) fn date_at(units: &[Unit], pos: usize) -> Option<usize> {
    let c = char_at(units, pos)?;
    let end = if c.is_ascii_digit() { numeric_first(units, pos)? } else { month_first(units, pos)? };
    is_end(units, end, false).then_some(end)
}

fn numeric_first(units: &[Unit], pos: usize) -> Option<usize> {
    let first = number_at(units, pos)?;
    if first.len == 8 {
        let v = first.value;
        let (y1, m1, d1) = (v / 10_000, v / 100 % 100, v % 100);
        let (d2, m2, y2) = (v / 1_000_000, v / 10_000 % 100, v % 10_000);
        let four = |value| Num { end: first.end, value, len: 4 };
        return (valid(four(y1), m1, d1) || valid(four(y2), m2, d2)).then_some(first.end);
    }
    if first.len == 4 {
        let month = number_at(units, date_sep(units, first.end)).filter(|m| m.len <= 2)?;
        let day = number_at(units, date_sep(units, month.end)).filter(|d| d.len <= 2)?;
        return valid(first, month.value, day.value).then_some(day.end);
    }
    if first.len > 2 {
        return None;
    }
    let ordinal = after_ordinal(units, first.end);
    let sep = date_sep(units, ordinal);
    if ordinal == first.end
        && let Some(month) = number_at(units, sep).filter(|m| m.len <= 2 && sep > first.end)
    {
        let year = number_at(units, date_sep(units, month.end));
        return year.filter(|y| valid(*y, month.value, first.value)).map(|y| y.end);
    }
    // "24th of March 2019", "24 Mar. 19".
    let of_end = letters_end(units, sep);
    let name_at = if spells(units, sep, of_end, "of") { date_sep(units, of_end) } else { sep };
    let (month, month_end) = month_name_at(units, name_at)?;
    let year = number_at(units, date_sep(units, month_end))?;
    valid(year, month, first.value).then_some(year.end)
}

fn month_first(units: &[Unit], pos: usize) -> Option<usize> {
    let (month, month_end) = month_name_at(units, pos)?;
    let day = number_at(units, date_sep(units, month_end)).filter(|d| d.len <= 2)?;
    let year = number_at(units, date_sep(units, after_ordinal(units, day.end)))?;
    valid(year, month, day.value).then_some(year.end)
}
