//! NHS numbers: ten digits whose last is a modulus-11 check digit.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NhsNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("Enter the child's NHS number")]
    Empty,
    #[error("NHS number must be 10 digits, like 943 476 5919")]
    Format,
    #[error("Enter a valid NHS number: the check digit does not match. Check it has been copied correctly")]
    CheckDigit,
}

impl NhsNumber {
    /// Accepts spaces and dashes between digits (`943 476 5919`, `943-476-5919`).
    pub fn parse(input: &str) -> Result<NhsNumber, NhsNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        if !trimmed.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-') {
            return Err(NhsNumberError::Format);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 10 {
            return Err(NhsNumberError::Format);
        }
        let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(digit, weight)| digit * weight).sum();
        let check = match 11 - (sum % 11) {
            11 => 0,
            10 => return Err(NhsNumberError::CheckDigit),
            c => c,
        };
        if check != d[9] {
            return Err(NhsNumberError::CheckDigit);
        }
        Ok(NhsNumber(digits))
    }

    /// The ten digits, the normalised form used for the blind index.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NhsNumber {
    /// Displayed 3-3-4.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_parse_and_display() {
        let n = NhsNumber::parse("943 476 5919").expect("valid");
        assert_eq!(n.digits(), "9434765919");
        assert_eq!(n.to_string(), "943 476 5919");
        assert!(NhsNumber::parse("401-023-2137").is_ok());
    }

    #[test]
    fn invalid_numbers_say_why() {
        assert_eq!(NhsNumber::parse(""), Err(NhsNumberError::Empty));
        assert_eq!(NhsNumber::parse("12345"), Err(NhsNumberError::Format));
        assert_eq!(NhsNumber::parse("94347659ab"), Err(NhsNumberError::Format));
        assert_eq!(NhsNumber::parse("9434765918"), Err(NhsNumberError::CheckDigit));
        // Remainder 1 gives a check value of 10, which no valid number has.
        assert_eq!(NhsNumber::parse("1000000010").err(), Some(NhsNumberError::CheckDigit));
    }
}
