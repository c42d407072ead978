//! Text as typed: what every free-text field refuses before anything is stored; and
//! percent-encoding, for the web layer's links and the authenticator URI alike.

use crate::input::{control_message, has_control_single_line};

/// A one-line name (an area, a person, a token): trimmed, required, no control characters, at
/// most `max` characters. `Err` carries the message for the field.
pub fn one_line(value: &str, max: usize, empty_message: &str, what: &str) -> Result<String, String> {
    let v = value.trim();
    if has_control_single_line(v) {
        Err(control_message(what))
    } else if v.is_empty() {
        Err(empty_message.to_string())
    } else if v.chars().count() > max {
        Err(format!("{what} must be {max} characters or fewer"))
    } else {
        Ok(v.to_string())
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986 (`A–Z a–z 0–9 - _ . ~`),
/// so the result is safe anywhere in a URI: a query value, a path segment, an `otpauth://` label.
pub fn percent_encode(s: &str) -> String {
    encode_keeping(s, b"-_.~")
}

/// As [`percent_encode`], but keeps `/` too: for a path carried in a query string (`?next=/cases/…`)
/// and for query values that stay readable in the address bar.
pub fn percent_encode_path(s: &str) -> String {
    encode_keeping(s, b"-_.~/")
}

fn encode_keeping(s: &str, kept: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || kept.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::has_control;

    #[test]
    fn refuses_control_characters_but_not_line_breaks() {
        assert!(has_control("a\0b"));
        assert!(has_control("a\u{1b}[31m"));
        assert!(!has_control("line one\r\nline two\tend"));
        assert!(has_control_single_line("a\nb"));
        assert!(!has_control_single_line("Jo O'Neil – Cumbria"));
    }

    #[test]
    fn percent_encode_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode("a b/c?d=e&f#g+h%"), "a%20b%2Fc%3Fd%3De%26f%23g%2Bh%25");
        assert_eq!(percent_encode("CDOP: Jo O'Neil"), "CDOP%3A%20Jo%20O%27Neil");
        assert_eq!(percent_encode("é"), "%C3%A9", "UTF-8 bytes, each encoded");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn percent_encode_path_also_keeps_slashes() {
        assert_eq!(percent_encode_path("/cases/CDOP-2026-0001"), "/cases/CDOP-2026-0001");
        assert_eq!(percent_encode_path("/a b?c=d"), "/a%20b%3Fc%3Dd");
        assert_eq!(percent_encode_path("//evil.example"), "//evil.example");
        assert_eq!(percent_encode_path("é&"), "%C3%A9%26");
    }
}
