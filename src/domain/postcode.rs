//! UK postcodes: format check and normalisation (`sw1a1aa` → `SW1A 1AA`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Postcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("Enter the postcode of the child's home address")]
    Empty,
    #[error("Enter a real postcode, like SW1A 1AA")]
    Format,
}

impl Postcode {
    pub fn parse(input: &str) -> Result<Postcode, PostcodeError> {
        let compact: String =
            input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(PostcodeError::Format);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok = {
            let b = inward.as_bytes();
            b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
        };
        // Outward code: A9, A99, AA9, AA99, A9A, AA9A.
        let o = outward.as_bytes();
        let alpha = |i: usize| o.get(i).is_some_and(u8::is_ascii_alphabetic);
        let digit = |i: usize| o.get(i).is_some_and(u8::is_ascii_digit);
        let outward_ok = match o.len() {
            2 => alpha(0) && digit(1),
            3 => alpha(0) && ((digit(1) && digit(2)) || (alpha(1) && digit(2)) || (digit(1) && alpha(2))),
            4 => alpha(0) && alpha(1) && digit(2) && (digit(3) || alpha(3)),
            _ => false,
        };
        if !(inward_ok && outward_ok) {
            return Err(PostcodeError::Format);
        }
        Ok(Postcode(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_valid_postcodes() {
        for (input, expected) in [
            ("sw1a1aa", "SW1A 1AA"),
            ("CA1 1AA", "CA1 1AA"),
            ("la9  4rr", "LA9 4RR"),
            ("M1 1AE", "M1 1AE"),
            ("EC1A 1BB", "EC1A 1BB"),
        ] {
            assert_eq!(Postcode::parse(input).map(|p| p.to_string()), Ok(expected.to_string()));
        }
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(Postcode::parse(" "), Err(PostcodeError::Empty));
        for bad in ["12345", "SW1A", "SW1A 1A1", "ABCDE 1AA", "S 1AA"] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Format), "{bad}");
        }
    }
}
