//! Blind indexes: HMAC-SHA256 under a key kept apart from the database, so exact-match look-ups
//! (NHS number, postcode for deprivation) work without decrypting and without storing the value.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub struct BlindIndex {
    key: [u8; 32],
}

impl BlindIndex {
    pub fn new(key: [u8; 32]) -> Self {
        BlindIndex { key }
    }

    /// Parses the key file: 64 hex characters (whitespace ignored).
    pub fn parse_key(text: &str) -> Option<[u8; 32]> {
        let hex: String =
            text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        let bytes = data_encoding::HEXLOWER.decode(hex.as_bytes()).ok()?;
        bytes.try_into().ok()
    }

    /// `kind` separates domains, so equal values of different kinds never collide.
    fn index(&self, kind: &str, normalised: &str) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(normalised.as_bytes());
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }

    /// Of a parsed NHS number's ten digits.
    pub fn nhs_number(&self, digits: &str) -> String {
        self.index("nhs", digits)
    }

    /// A pseudonymous key for a case in exports to `recipient`: stable for that recipient, unlike
    /// every other recipient's, and not reversible without this key (80 bits, hex).
    pub fn pseudonym(&self, recipient: &str, case_id: i64) -> String {
        let mut key = self.index(&format!("export:{recipient}"), &case_id.to_string());
        key.truncate(20);
        key
    }

    /// Of a date of death (`YYYY-MM-DD`): duplicate hints when the NHS number is not known.
    pub fn date_of_death(&self, iso: &str) -> String {
        self.index("dod", iso)
    }

    /// Of a record's id in a panel's previous system (historical import: re-importing a file
    /// finds what it already brought in, without keeping the old ids in clear).
    pub fn historical_record(&self, record_id: &str) -> String {
        self.index("historical", record_id.trim())
    }

    /// Of a normalised postcode (`CA1 1AA`).
    pub fn postcode(&self, normalised: &str) -> String {
        self.index("postcode", normalised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_keyed_and_domain_separated() {
        let a = BlindIndex::new([1; 32]);
        let b = BlindIndex::new([2; 32]);
        assert_eq!(a.nhs_number("9434765919"), a.nhs_number("9434765919"));
        assert_ne!(a.nhs_number("9434765919"), b.nhs_number("9434765919"));
        assert_ne!(a.nhs_number("CA1 1AA"), a.postcode("CA1 1AA"));
        assert_eq!(a.nhs_number("9434765919").len(), 64);
        assert_eq!(BlindIndex::parse_key(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(BlindIndex::parse_key("abc"), None);
    }
}
