//! Cryptography: the age envelope for case data, the blind index, key loading and rotation,
//! password hashing, random secrets and their digests, TOTP.

pub mod blind_index;
pub mod envelope;
pub mod keys;
pub mod password;
pub mod rotate;
pub mod secrets;
pub mod totp;
