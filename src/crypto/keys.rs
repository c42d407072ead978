//! Loading keys at start-up: the age identity file and the blind-index key. The embedded default
//! generates both under `{data_dir}/keys/` (mode 0600) on first run and says loudly that
//! production must supply its own.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::crypto::blind_index::BlindIndex;
use crate::crypto::envelope::{CryptoError, Keyring, new_identity_file};

/// The keys the service runs with.
pub struct Keys {
    pub keyring: Keyring,
    pub index: BlindIndex,
    pub identity_path: PathBuf,
}

fn write_private(path: &Path, contents: &str) -> Result<(), CryptoError> {
    let err =
        |e: std::io::Error| CryptoError::KeyFile { path: path.display().to_string(), reason: e.to_string() };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(err)?;
        f.write_all(contents.as_bytes()).map_err(err)?;
    }
    #[cfg(not(unix))]
    std::fs::write(path, contents).map_err(err)?;
    Ok(())
}

/// Loads (or, for paths left empty in configuration, generates) the keys.
pub fn load(config: &Config) -> Result<Keys, CryptoError> {
    let identity_path = config.data_path(&config.crypto.identity_file, "keys/identity.age.txt");
    let index_path = config.data_path(&config.crypto.index_key_file, "keys/index.key");
    if config.crypto.identity_file.is_empty() && !identity_path.exists() {
        let (_, text) = new_identity_file();
        write_private(&identity_path, &text)?;
        tracing::warn!(
            path = %identity_path.display(),
            "generated a new age identity for sealing case data. This is for the embedded default only: \
             production must set crypto.identity_file to a key it manages and backs up, and crypto.recovery_recipients"
        );
    }
    if config.crypto.index_key_file.is_empty() && !index_path.exists() {
        let key = data_encoding::HEXLOWER.encode(&crate::crypto::secrets::random_bytes::<32>());
        write_private(&index_path, &format!("{key}\n"))?;
        tracing::warn!(path = %index_path.display(), "generated a new blind-index key (embedded default only)");
    }
    let identities = Keyring::load_identities(&identity_path)?;
    let recovery = config
        .crypto
        .recovery_recipients
        .iter()
        .map(|r| r.trim().parse::<age::x25519::Recipient>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CryptoError::KeyFile {
            path: "crypto.recovery_recipients".into(),
            reason: e.to_string(),
        })?;
    let index_text = std::fs::read_to_string(&index_path).map_err(|e| CryptoError::KeyFile {
        path: index_path.display().to_string(),
        reason: e.to_string(),
    })?;
    let index_key = BlindIndex::parse_key(&index_text).ok_or_else(|| CryptoError::KeyFile {
        path: index_path.display().to_string(),
        reason: "expected 64 hexadecimal characters (32 bytes)".into(),
    })?;
    Ok(Keys {
        keyring: Keyring::new(identities, recovery)?,
        index: BlindIndex::new(index_key),
        identity_path,
    })
}
