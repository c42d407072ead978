//! Email addresses, checked enough to catch typing mistakes (not RFC 5322 in full).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address")]
    Empty,
    #[error("Enter an email address in the correct format, like name@example.org")]
    Format,
}

impl EmailAddress {
    /// Trims, lower-cases the domain, and checks the shape `local@domain.tld`.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Format)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c));
        let domain_ok = domain.len() <= 253
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !(local_ok && domain_ok) {
            // `localhost` is accepted as a domain for development setups.
            if !(local_ok && domain == "localhost") {
                return Err(EmailError::Format);
            }
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// Accepts `Name <address>` or a bare address; returns the address.
    pub fn parse_mailbox(input: &str) -> Option<Self> {
        let s = input.trim();
        match (s.rfind('<'), s.ends_with('>')) {
            (Some(open), true) => EmailAddress::parse(&s[open + 1..s.len() - 1]).ok(),
            _ => EmailAddress::parse(s).ok(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to look accounts up: the whole address lower-cased.
    pub fn normalised(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            EmailAddress::parse(" a.b@Example.ORG ").map(|e| e.to_string()),
            Ok("a.b@example.org".into())
        );
        assert!(EmailAddress::parse_mailbox("CDOP <cdop@localhost>").is_some());
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "plain", "a@b", "a b@example.org", "a@example..org", "@example.org"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
