//! The password policy, after NCSC guidance: at least 12 characters, no composition rules, and
//! no password that is common, built on a common one, or the account's own email address.

use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt").lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect()
});

/// A password that meets the policy. Never logged, never displayed.
pub struct NewPassword(String);

impl NewPassword {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Enter a password")]
    Empty,
    #[error("Password must be 12 characters or more")]
    TooShort,
    #[error("Password must be 256 characters or fewer")]
    TooLong,
    #[error("Password is too common and easy to guess. Try three random words together")]
    Common,
    #[error("Password must not contain your email address")]
    ContainsEmail,
}

impl NewPassword {
    /// Checks `candidate` for the account with `email`.
    pub fn parse(candidate: &str, email: &str) -> Result<NewPassword, PasswordError> {
        if candidate.is_empty() {
            return Err(PasswordError::Empty);
        }
        let length = candidate.chars().count();
        if length < MIN_LENGTH {
            return Err(PasswordError::TooShort);
        }
        if length > MAX_LENGTH {
            return Err(PasswordError::TooLong);
        }
        let lower = candidate.to_lowercase();
        let email = email.trim().to_lowercase();
        let local = email.split('@').next().unwrap_or_default();
        if !email.is_empty() && (lower.contains(&email) || (local.len() >= 4 && lower.contains(local))) {
            return Err(PasswordError::ContainsEmail);
        }
        if is_common(&lower) {
            return Err(PasswordError::Common);
        }
        Ok(NewPassword(candidate.to_string()))
    }
}

/// Common passwords, common ones padded with digits or symbols, and runs of one character.
fn is_common(lower: &str) -> bool {
    if COMMON.contains(lower) {
        return true;
    }
    let core =
        lower.trim_end_matches(|c: char| !c.is_alphabetic()).trim_start_matches(|c: char| !c.is_alphabetic());
    if core.len() >= 6 && COMMON.contains(core) {
        return true;
    }
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return true;
    }
    // Keyboard and number runs: every character one step from the previous.
    let bytes = lower.as_bytes();
    bytes.windows(2).all(|w| w[1] == w[0].wrapping_add(1))
        || bytes.windows(2).all(|w| w[0] == w[1].wrapping_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_long_unusual_passwords() {
        assert!(NewPassword::parse("correct horse battery staple", "doctor@example.org").is_ok());
        assert!(NewPassword::parse("plum-kettle-orbit-17", "doctor@example.org").is_ok());
    }

    #[test]
    fn refuses_short_common_and_email() {
        assert_eq!(NewPassword::parse("", "a@b.org").err(), Some(PasswordError::Empty));
        assert_eq!(NewPassword::parse("short", "a@b.org").err(), Some(PasswordError::TooShort));
        assert_eq!(NewPassword::parse("qwertyuiop123", "a@b.org").err(), Some(PasswordError::Common));
        assert_eq!(NewPassword::parse("password123456", "a@b.org").err(), Some(PasswordError::Common));
        assert_eq!(NewPassword::parse("aaaaaaaaaaaaaa", "a@b.org").err(), Some(PasswordError::Common));
        assert_eq!(NewPassword::parse("123456789012", "a@b.org").err(), Some(PasswordError::Common));
        assert_eq!(
            NewPassword::parse("jane.doctor@nhs.net!", "jane.doctor@nhs.net").err(),
            Some(PasswordError::ContainsEmail)
        );
        assert_eq!(
            NewPassword::parse("my-jane.doctor-pass", "jane.doctor@nhs.net").err(),
            Some(PasswordError::ContainsEmail)
        );
    }
}
