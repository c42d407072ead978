//! Case references: `CDOP-2026-0042`. Unique, stable, human-friendly, and say nothing about the
//! child (the year is the year the death was notified; the number counts notifications).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseReference(String);

impl CaseReference {
    pub fn new(year: i32, number: i64) -> CaseReference {
        CaseReference(format!("CDOP-{year}-{number:04}"))
    }

    /// Accepts any case and surrounding spaces: ` cdop-2026-42 ` → `CDOP-2026-0042`.
    pub fn parse(input: &str) -> Option<CaseReference> {
        let upper = input.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix("CDOP-")?;
        let (year, number) = rest.split_once('-')?;
        let year: i32 = year.parse().ok().filter(|y| (1990..=2200).contains(y))?;
        if number.is_empty() || number.len() > 9 || !number.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let number: i64 = number.parse().ok().filter(|n| *n > 0)?;
        Some(CaseReference::new(year, number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_format_and_parse() {
        assert_eq!(CaseReference::new(2026, 42).as_str(), "CDOP-2026-0042");
        assert_eq!(CaseReference::new(2026, 12345).as_str(), "CDOP-2026-12345");
        assert_eq!(CaseReference::parse(" cdop-2026-42 "), Some(CaseReference::new(2026, 42)));
        assert_eq!(CaseReference::parse("CDOP-2026-0000"), None);
        assert_eq!(CaseReference::parse("943 476 5919"), None);
    }
}
