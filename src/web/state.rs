//! The web's state: the service [`Context`] plus what only the web uses (the synthetic-data
//! banner, the trusted proxies). Handlers that need only the context extract
//! `State<Context>` ([`FromRef`]); the rest take `State<AppState>`, which derefs to the context.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use axum::extract::FromRef;

use crate::context::Context;

/// Everything a request handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub context: Context,
    pub web: Arc<WebParts>,
}

/// The web-only parts of the state.
#[derive(Default)]
pub struct WebParts {
    /// Whether synthetic demonstration cases are present (shown in a banner).
    pub synthetic_data: AtomicBool,
    /// When the database was last asked whether synthetic cases exist (ms since the epoch): a
    /// `cdop demo seed` run from another process shows the banner within seconds.
    pub synthetic_checked_ms: AtomicI64,
    /// Single sign-on providers' discovered metadata and the client that reads it.
    pub sso: crate::accounts::sso::Sso,
    /// The Content-Security-Policy header (its `form-action` names the providers).
    pub content_security_policy: String,
    /// `server.trusted_proxies`, parsed once (checked at start-up).
    pub trusted_proxies: Vec<crate::net::IpRange>,
}

impl AppState {
    /// The web state around `context` (the first request asks whether synthetic cases exist).
    pub fn new(context: Context) -> AppState {
        let trusted_proxies = context
            .config
            .server
            .trusted_proxies
            .iter()
            .filter_map(|p| crate::net::IpRange::parse(p))
            .collect();
        let content_security_policy = crate::web::middleware::content_security_policy(&context.config);
        AppState {
            context,
            web: Arc::new(WebParts { trusted_proxies, content_security_policy, ..WebParts::default() }),
        }
    }

    /// Whether synthetic demonstration cases exist (asked of the database at most every 10 s).
    pub async fn synthetic_present(&self) -> bool {
        let web = &self.web;
        if web.synthetic_data.load(Ordering::Relaxed) {
            return true;
        }
        let now_ms = chrono::Utc::now().timestamp_millis();
        let last = web.synthetic_checked_ms.load(Ordering::Relaxed);
        if now_ms - last >= 10_000
            && web
                .synthetic_checked_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            && let Ok(true) = crate::store::cases::any_synthetic(&self.db).await
        {
            web.synthetic_data.store(true, Ordering::Relaxed);
        }
        web.synthetic_data.load(Ordering::Relaxed)
    }
}

impl Deref for AppState {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.context
    }
}

impl FromRef<AppState> for Context {
    fn from_ref(state: &AppState) -> Context {
        state.context.clone()
    }
}
