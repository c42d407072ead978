//! The age envelope: each record's identifying fields, serialised together, sealed as one binary
//! age ciphertext to the service's X25519 identity plus every configured recovery recipient.
//!
//! One X25519 operation per recipient per record (not per field) keeps list pages and rotations
//! fast. Only X25519 recipients are used, so the Debian `age` CLI (1.1) can open any record with a
//! recovery identity.

use std::io::{Read, Write};
use std::path::Path;

use age::secrecy::ExposeSecret;
use age::x25519::{Identity, Recipient};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("sealing failed: {0}")]
    Seal(String),
    #[error("the record could not be opened with the configured identities")]
    Open,
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
}

/// The service's identities and the recipients every record is sealed to.
pub struct Keyring {
    /// The first identity: new records are sealed to it.
    sealing: Identity,
    /// Every identity tried when opening (the first, plus older ones during a rotation).
    identities: Vec<Identity>,
    recovery: Vec<Recipient>,
}

impl Keyring {
    pub fn new(identities: Vec<Identity>, recovery: Vec<Recipient>) -> Result<Keyring, CryptoError> {
        let sealing = identities.first().cloned().ok_or_else(|| CryptoError::KeyFile {
            path: "(identity)".into(),
            reason: "no identity".into(),
        })?;
        Ok(Keyring { sealing, identities, recovery })
    }

    /// Parses an age identity file: `AGE-SECRET-KEY-1…` lines; `#` comments and blank lines skipped.
    pub fn parse_identities(text: &str, path: &str) -> Result<Vec<Identity>, CryptoError> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let id: Identity = line.parse().map_err(|e: &str| CryptoError::KeyFile {
                path: path.into(),
                reason: format!("line {}: {e}", n + 1),
            })?;
            out.push(id);
        }
        if out.is_empty() {
            return Err(CryptoError::KeyFile {
                path: path.into(),
                reason: "holds no AGE-SECRET-KEY-1 identity".into(),
            });
        }
        Ok(out)
    }

    pub fn load_identities(path: &Path) -> Result<Vec<Identity>, CryptoError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CryptoError::KeyFile { path: path.display().to_string(), reason: e.to_string() })?;
        Keyring::parse_identities(&text, &path.display().to_string())
    }

    /// The public key new records are sealed to (`age1…`); stored with each record so rotation
    /// knows which records still need re-sealing.
    pub fn key_id(&self) -> String {
        self.sealing.to_public().to_string()
    }

    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_to(&self.sealing.to_public(), &self.recovery, plaintext)
    }

    pub fn open(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.identities, ciphertext)
    }

    pub fn recovery(&self) -> &[Recipient] {
        &self.recovery
    }
}

/// Seals to `primary` plus `recovery`.
pub fn seal_to(
    primary: &Recipient,
    recovery: &[Recipient],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let recipients: Vec<&dyn age::Recipient> = std::iter::once(primary as &dyn age::Recipient)
        .chain(recovery.iter().map(|r| r as &dyn age::Recipient))
        .collect();
    let encryptor = age::Encryptor::with_recipients(recipients.into_iter())
        .map_err(|e| CryptoError::Seal(e.to_string()))?;
    let mut out = Vec::with_capacity(plaintext.len() + 200 + 100 * (1 + recovery.len()));
    let mut writer = encryptor.wrap_output(&mut out).map_err(|e| CryptoError::Seal(e.to_string()))?;
    writer.write_all(plaintext).map_err(|e| CryptoError::Seal(e.to_string()))?;
    writer.finish().map_err(|e| CryptoError::Seal(e.to_string()))?;
    Ok(out)
}

/// Opens with whichever of `identities` the record was sealed to.
pub fn open_with(identities: &[Identity], ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|_| CryptoError::Open)?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        .map_err(|_| CryptoError::Open)?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out).map_err(|_| CryptoError::Open)?;
    Ok(out)
}

/// A new identity file's contents, in the format `age-keygen` writes.
pub fn new_identity_file() -> (Identity, String) {
    let id = Identity::generate();
    let text = format!(
        "# created: {}\n# public key: {}\n{}\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        id.to_public(),
        id.to_string().expose_secret()
    );
    (id, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_to_service_and_recovery_and_opens_with_either() {
        let service = Identity::generate();
        let recovery = Identity::generate();
        let ring = Keyring::new(vec![service.clone()], vec![recovery.to_public()]).expect("ring");
        let sealed = ring.seal(b"secret record").expect("sealed");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(ring.open(&sealed).expect("opens"), b"secret record");
        assert_eq!(age::decrypt(&recovery, &sealed).expect("recovery opens"), b"secret record");
        let stranger = Identity::generate();
        assert!(open_with(&[stranger], &sealed).is_err());
    }

    #[test]
    fn identity_files_round_trip() {
        let (id, text) = new_identity_file();
        let parsed = Keyring::parse_identities(&text, "test").expect("parses");
        assert_eq!(parsed[0].to_public(), id.to_public());
        assert!(Keyring::parse_identities("# nothing\n", "x").is_err());
        assert!(Keyring::parse_identities("AGE-SECRET-KEY-1NOTVALID", "x").is_err());
    }
}
