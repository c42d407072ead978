//! Text as typed: what every free-text field refuses before anything is stored.

/// Whether `s` holds a character nobody types: a control character (NUL, escape, …) other than
/// tab and line breaks. Such characters are refused with a field error on every text field, on
/// both databases alike (PostgreSQL cannot store NUL at all).
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Whether a one-line value (a name, an email address) holds a control character or a line break.
pub fn has_control_single_line(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// The message for a field that holds one.
pub fn control_message(what: &str) -> String {
    format!("{what} must not contain control characters, such as a null character")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_control_characters_but_not_line_breaks() {
        assert!(has_control("a\0b"));
        assert!(has_control("a\u{1b}[31m"));
        assert!(!has_control("line one\r\nline two\tend"));
        assert!(has_control_single_line("a\nb"));
        assert!(!has_control_single_line("Jo O'Neil – Cumbria"));
    }
}
