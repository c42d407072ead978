//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), with a
//! step of clock drift allowed either way and each step usable once.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// A new 160-bit secret, base32 as authenticator apps expect.
pub fn new_secret() -> String {
    data_encoding::BASE32_NOPAD.encode(&crate::crypto::secrets::random_bytes::<20>())
}

/// The code for `step` (RFC 4226 HOTP).
pub fn code_at(secret: &[u8], step: i64) -> Option<u32> {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = ((u32::from(digest[offset]) & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    Some(binary % 10u32.pow(DIGITS))
}

/// Checks `code` against the steps around `unix_time`. Returns the matching step, which must be
/// greater than `last_used_step` (so a code cannot be replayed).
pub fn verify(secret_b32: &str, code: &str, unix_time: i64, last_used_step: Option<i64>) -> Option<i64> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = digits.parse().ok()?;
    let secret = data_encoding::BASE32_NOPAD.decode(secret_b32.as_bytes()).ok()?;
    let current = unix_time.div_euclid(STEP_SECONDS);
    (current - 1..=current + 1).filter(|step| last_used_step.is_none_or(|last| *step > last)).find(|step| {
        code_at(&secret, *step).is_some_and(|c| {
            crate::crypto::secrets::constant_time_eq(&format!("{c:06}"), &format!("{wanted:06}"))
        })
    })
}

/// The `otpauth://` URI an authenticator app scans.
pub fn provisioning_uri(secret_b32: &str, account: &str, issuer: &str) -> String {
    let enc = crate::domain::text::percent_encode;
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B (SHA-1 column), truncated to 6 digits.
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in
            [(59, 287_082), (1_111_111_109, 81_804), (1_234_567_890, 5_924), (2_000_000_000, 279_037)]
        {
            assert_eq!(code_at(secret, time / STEP_SECONDS), Some(expected), "t={time}");
        }
    }

    #[test]
    fn verify_allows_one_step_of_drift_and_no_replay() {
        let secret = new_secret();
        let raw = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
        let now = 1_700_000_000;
        let step = now / STEP_SECONDS;
        let code = format!("{:06}", code_at(&raw, step - 1).expect("code"));
        assert_eq!(verify(&secret, &code, now, None), Some(step - 1));
        assert_eq!(verify(&secret, &code, now, Some(step - 1)), None, "replay refused");
        let old = format!("{:06}", code_at(&raw, step - 3).expect("code"));
        assert_eq!(verify(&secret, &old, now, None), None);
        assert_eq!(verify(&secret, "12345", now, None), None);
    }
}
