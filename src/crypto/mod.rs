//! Cryptography: password hashing, random secrets and their digests, TOTP, and (for case data)
//! the age envelope, the blind index and key rotation.

pub mod password;
pub mod secrets;
pub mod totp;
