//! Random secrets (session ids, CSRF tokens, API tokens, recovery codes) and the digests stored
//! in their place.

use rand::Rng;
use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system's CSPRNG (through rand's thread generator).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A URL-safe random token with 256 bits of entropy.
pub fn random_token() -> String {
    data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>())
}

/// Whether `s` has the shape of a [`random_token`] (URL-safe base64, at most 64 characters): a
/// posted or linked token of any other shape is not looked up at all.
pub fn is_token_shaped(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The one-off key a form carries: the one it was posted with, or a new one.
pub fn form_key(posted: &str) -> String {
    if is_token_shaped(posted) { posted.to_string() } else { random_token() }
}

/// Lower-case hex SHA-256 of a secret; what the database keeps instead of the secret.
pub fn digest(secret: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(secret.as_bytes()))
}

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A recovery code people can type: 10 characters from an unambiguous alphabet, in two groups.
pub fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes = random_bytes::<10>();
    let chars: String = bytes.iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Normalises a typed recovery code (case, spaces, dashes) before hashing.
pub fn normalise_recovery_code(input: &str) -> String {
    let cleaned: String =
        input.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    if cleaned.len() == 10 { format!("{}-{}", &cleaned[..5], &cleaned[5..]) } else { cleaned }
}

/// A one-time password an admin passes on: four groups of four letters and digits.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random_bytes::<16>();
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_digests_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }

    #[test]
    fn recovery_codes_normalise() {
        let code = recovery_code();
        assert_eq!(normalise_recovery_code(&code.to_uppercase().replace('-', " ")), code);
        assert_eq!(one_time_password().len(), 19);
    }
}
