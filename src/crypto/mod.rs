//! Cryptography: the age envelope for case data, the blind index, key loading, password hashing,
//! random secrets and their digests, TOTP. Knows no database: key rotation, which walks every
//! sealed record, is the `key_rotation` service.

pub mod blind_index;
pub mod envelope;
pub mod keys;
pub mod password;
pub mod secrets;
pub mod totp;
