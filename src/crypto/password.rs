//! Argon2id password hashing. Hashing is deliberately slow, so it runs on the blocking pool.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use std::sync::LazyLock;

/// OWASP's recommended Argon2id parameters: 19 MiB, 2 iterations, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password, verified against when the email is unknown, so that the time
/// taken does not reveal whether an account exists.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random = crate::crypto::secrets::random_token();
    hasher().hash_password(random.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
});

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let stored = stored.unwrap_or(DUMMY_HASH.as_str());
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Hashes on the blocking pool.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Verifies on the blocking pool; `None` verifies against the dummy hash and returns false.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let ok = verify_blocking(&password, stored.as_deref());
        ok && stored.is_some()
    })
    .await
    .unwrap_or(false)
}

/// Forces the dummy hash to be computed (at start-up rather than on the first sign-in).
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let h = hash_blocking("correct horse battery staple").expect("hashes");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_blocking("correct horse battery staple", Some(&h)));
        assert!(!verify_blocking("wrong horse battery staple", Some(&h)));
        assert!(!verify_blocking("anything", Some("not a hash")));
    }
}
