//! ICD-10 codes for causes of death: format check, and titles from the shipped code list
//! (`config/icd10.tsv`, one `CODE<TAB>title` per line) where the list has the code.

use std::collections::HashMap;
use std::sync::OnceLock;

const LIST: &str = include_str!("../../config/icd10.tsv");

/// The code in its written form (upper case, with the dot: `j189` → `J18.9`), or `None` when it
/// is not shaped like an ICD-10 code: a letter, two digits, then optionally one or two more
/// digits (after a dot, or directly).
pub fn normalise(typed: &str) -> Option<String> {
    let s: String = typed.trim().to_ascii_uppercase();
    let bytes = s.as_bytes();
    let (head, tail) = match s.split_once('.') {
        Some((h, t)) => (h, t),
        None if bytes.len() > 3 => s.split_at(3),
        None => (s.as_str(), ""),
    };
    let h = head.as_bytes();
    let head_ok = h.len() == 3 && h[0].is_ascii_uppercase() && h[1].is_ascii_digit() && h[2].is_ascii_digit();
    let tail_ok = tail.len() <= 2 && tail.bytes().all(|b| b.is_ascii_digit());
    if !head_ok || !tail_ok || (s.contains('.') && tail.is_empty()) {
        return None;
    }
    Some(if tail.is_empty() { head.to_string() } else { format!("{head}.{tail}") })
}

fn titles() -> &'static HashMap<&'static str, &'static str> {
    static TITLES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TITLES.get_or_init(|| {
        LIST.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .map(|(c, t)| (c.trim(), t.trim()))
            .collect()
    })
}

/// The title of a (normalised) code from the shipped list: the code itself, else its
/// three-character category. `None` when the list has neither.
pub fn title(code: &str) -> Option<&'static str> {
    let t = titles();
    t.get(code).or_else(|| t.get(code.get(..3).unwrap_or(code))).copied()
}

/// How many codes the shipped list holds.
pub fn listed() -> usize {
    titles().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_or_refused() {
        assert_eq!(normalise("r95").as_deref(), Some("R95"));
        assert_eq!(normalise(" J18.9 ").as_deref(), Some("J18.9"));
        assert_eq!(normalise("j189").as_deref(), Some("J18.9"));
        assert_eq!(normalise("P07.32").as_deref(), Some("P07.32"));
        for bad in ["", "R9", "95R", "R95.", "R95.123", "RR5", "R95-1", "Jack"] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
    }

    #[test]
    fn titles_come_from_the_list_by_code_or_category() {
        assert!(listed() > 50, "the shipped list is loaded");
        assert!(title("R95").is_some());
        assert_eq!(title("R95.0"), title("R95").or(title("R95.0")));
        assert_eq!(title("Q99.9").is_some(), title("Q99").is_some());
    }
}
