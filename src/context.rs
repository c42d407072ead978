//! The service context: what every service and job needs (the database, the keys, the form
//! definitions, the themes, the clock, the configuration and the workers' wake-ups), cheap to
//! clone. It sits below the web and the CLI: the web's `AppState` holds one plus its own parts
//! (the synthetic-data banner), the CLI builds one without any web state, and services take
//! `&Context` (or only the handle they need, such as the database).

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Config;
use crate::crypto::keys::Keys;
use crate::domain::notification::SealedIdentity;
use crate::service::{ServiceError, ServiceResult};
use crate::store::Db;
use crate::store::cases::Case;

/// What services read; see the module documentation.
#[derive(Clone)]
pub struct Context(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    /// The age keyring and the blind-index key.
    pub keys: Arc<Keys>,
    /// Every form definition (`forms.dir`), checked at start-up.
    pub forms: Arc<crate::forms::Registry>,
    /// The predefined thematic reports (`reports.themes_file`), checked at start-up.
    pub themes: Arc<Vec<crate::reports::thematic::Theme>>,
    /// What time-dependent work reads the time from (tests move it).
    pub clock: crate::clock::Clock,
    /// Wakes the mail sender when a transaction has queued email.
    pub mail_wakeup: tokio::sync::Notify,
    /// Wakes the retention worker when a destruction has been approved.
    pub retention_wake: tokio::sync::Notify,
    /// This instance's request and worker counters (`/metrics`, `/readyz`).
    pub metrics: crate::metrics::Metrics,
}

impl Context {
    pub fn new(
        config: Config,
        db: Db,
        keys: Keys,
        forms: crate::forms::Registry,
        themes: Vec<crate::reports::thematic::Theme>,
    ) -> Context {
        Context(Arc::new(Inner {
            config,
            db,
            keys: Arc::new(keys),
            forms: Arc::new(forms),
            themes: Arc::new(themes),
            clock: crate::clock::Clock::default(),
            mail_wakeup: tokio::sync::Notify::new(),
            retention_wake: tokio::sync::Notify::new(),
            metrics: crate::metrics::Metrics::default(),
        }))
    }
}

impl Context {
    /// Serialises `value` as JSON and seals it to the service's keys (one age record).
    pub fn seal_json<T: serde::Serialize>(&self, value: &T) -> ServiceResult<Vec<u8>> {
        let plain = serde_json::to_vec(value).map_err(|e| ServiceError::Other(e.into()))?;
        Ok(self.keys.keyring.seal(&plain)?)
    }

    /// Opens a sealed JSON record (a case's identity, a kept version, a briefing's content).
    pub fn open_json<T: serde::de::DeserializeOwned>(&self, sealed: &[u8]) -> ServiceResult<T> {
        let plain = self.keys.keyring.open(sealed)?;
        serde_json::from_slice(&plain).map_err(|e| ServiceError::Other(e.into()))
    }

    /// Opens a case's sealed identity (callers never show it to anonymised roles).
    pub fn identity(&self, case: &Case) -> ServiceResult<SealedIdentity> {
        self.open_json(&case.sealed)
    }
}

impl Deref for Context {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
