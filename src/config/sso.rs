//! `[[auth.sso]]`: the OpenID Connect providers staff may sign in through (Microsoft Entra ID,
//! NHS CIS2, any certified provider), and the checks each passes at start-up.

use serde::{Deserialize, Serialize};

use super::{ConfigError, LoadedConfig};

/// Which claim holds the email address a provider account is matched by.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum EmailClaim {
    /// `email` (CIS2, most providers).
    #[default]
    Email,
    /// `preferred_username` (Entra ID's user principal name, usually the work address).
    PreferredUsername,
}

/// How the service proves itself at the provider's token endpoint.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuth {
    /// The client id and secret in an `Authorization: Basic` header (the OpenID default).
    #[default]
    ClientSecretBasic,
    /// The client id and secret in the form body, for providers registered that way.
    ClientSecretPost,
}

/// One OpenID Connect provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SsoProvider {
    /// A short name used in the service's URLs (`/login/sso/{id}`) and records: letters, digits, -.
    pub id: String,
    /// What the sign-in button says after "Sign in with", e.g. "your council account (Microsoft)".
    pub name: String,
    /// The issuer URL; its `/.well-known/openid-configuration` is read for everything else.
    pub issuer: String,
    pub client_id: String,
    /// A file holding the client secret (preferred), or...
    #[serde(default)]
    pub client_secret_file: String,
    /// ...the name of an environment variable holding it.
    #[serde(default)]
    pub client_secret_env: String,
    /// How the client secret is sent to the token endpoint.
    #[serde(default)]
    pub token_auth: TokenAuth,
    /// Scopes asked for; `openid` is always sent.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The email domains this provider serves (`example.gov.uk`); empty: any. An account whose
    /// address is outside them is refused, and the login page offers this provider to them.
    #[serde(default)]
    pub email_domains: Vec<String>,
    #[serde(default)]
    pub email_claim: EmailClaim,
    /// Refuse an address the provider does not say is verified (`email_verified`). Entra ID sends
    /// no such claim: set false there, with `email_domains` naming the organisation's own domains.
    #[serde(default = "yes")]
    pub require_verified_email: bool,
    /// `amr` values that mean a second factor was used (RFC 8176: `mfa`).
    #[serde(default = "default_mfa_amr")]
    pub mfa_amr: Vec<String>,
    /// `acr` values that mean a second factor was used (e.g. CIS2's `AAL3`).
    #[serde(default)]
    pub mfa_acr: Vec<String>,
    /// Create a disabled account, for an admin to approve, for a person the service does not
    /// know yet (just-in-time). False: such a person is refused with a page saying whom to ask.
    #[serde(default)]
    pub create_accounts: bool,
    /// A claim naming the person's groups or app roles at the provider (Entra ID: `roles`). Set,
    /// with `role_map`, the provider decides the account's roles at every sign-in (areas stay the
    /// service's); empty (the default), the service's admins do.
    #[serde(default)]
    pub role_claim: String,
    /// Which value of `role_claim` gives which role, e.g. `{ "CDOP.Coordinator" = "coordinator" }`.
    #[serde(default)]
    pub role_map: std::collections::BTreeMap<String, crate::domain::role::Role>,
    /// How far the provider's clock may be from ours when an ID token's times are checked (s).
    #[serde(default = "default_skew")]
    pub clock_skew_seconds: u32,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}
fn default_mfa_amr() -> Vec<String> {
    vec!["mfa".into()]
}
fn default_skew() -> u32 {
    60
}
fn yes() -> bool {
    true
}

/// The most clock skew allowed (an ID token valid five minutes after it expired is enough).
pub const MAX_SKEW_SECONDS: u32 = 300;

impl SsoProvider {
    /// The client secret, read when it is needed (so a rotated secret needs no restart).
    pub fn client_secret(&self) -> Result<String, String> {
        if !self.client_secret_file.is_empty() {
            return std::fs::read_to_string(&self.client_secret_file)
                .map(|s| s.trim().to_string())
                .map_err(|e| format!("could not read {}: {e}", self.client_secret_file));
        }
        if !self.client_secret_env.is_empty() {
            return std::env::var(&self.client_secret_env)
                .map(|s| s.trim().to_string())
                .map_err(|_| format!("the environment variable {} is not set", self.client_secret_env));
        }
        Err("no client_secret_file or client_secret_env".into())
    }

    /// Whether the provider decides its people's roles (`role_claim` and `role_map`).
    pub fn maps_roles(&self) -> bool {
        !self.role_claim.trim().is_empty() && !self.role_map.is_empty()
    }

    /// Whether this provider serves `email` (by its domain).
    pub fn serves(&self, email: &str) -> bool {
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        self.email_domains.is_empty() || self.email_domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
    }
}

impl super::AuthConfig {
    /// The configured provider `id` names.
    pub fn sso_provider(&self, id: &str) -> Option<&SsoProvider> {
        self.sso.iter().find(|p| p.id == id)
    }

    /// The name a provider `id` is shown by: its configured name, or the id itself for one no
    /// longer configured (its links and sessions outlive its entry).
    pub fn sso_name(&self, id: &str) -> String {
        self.sso_provider(id).map(|p| p.name.clone()).unwrap_or_else(|| id.to_string())
    }
}

/// Checks every `[[auth.sso]]` entry.
pub(super) fn validate(providers: &[SsoProvider], loaded: &LoadedConfig) -> Result<(), ConfigError> {
    for (i, p) in providers.iter().enumerate() {
        let key = |field: &str| format!("auth.sso[{i}].{field}");
        let short = !p.id.is_empty() && p.id.len() <= 32;
        if !short || !p.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(loaded.error(&key("id"), &p.id, "a short name of lower-case letters, digits and -"));
        }
        if providers[..i].iter().any(|q| q.id == p.id) {
            return Err(loaded.error(&key("id"), &p.id, "a name no other provider has"));
        }
        if p.name.trim().is_empty() {
            return Err(loaded.error(&key("name"), "", "the words for the sign-in button"));
        }
        let local = p.issuer.starts_with("http://127.0.0.1") || p.issuer.starts_with("http://localhost");
        if !(p.issuer.starts_with("https://") || local)
            || openidconnect::IssuerUrl::new(p.issuer.clone()).is_err()
        {
            return Err(loaded.error(
                &key("issuer"),
                &p.issuer,
                "an https:// issuer URL (http:// only on this machine, for testing)",
            ));
        }
        if p.client_id.trim().is_empty() {
            return Err(loaded.error(&key("client_id"), "", "the client id the provider gave this service"));
        }
        if let Err(why) = p.client_secret() {
            return Err(loaded.error(
                &key("client_secret_file"),
                why,
                "a readable file holding the client secret, or client_secret_env naming a variable that holds it",
            ));
        }
        if let Some(bad) =
            p.email_domains.iter().find(|d| d.is_empty() || d.contains('@') || !d.contains('.'))
        {
            return Err(loaded.error(&key("email_domains"), bad, "domains such as example.gov.uk"));
        }
        if p.role_claim.trim().is_empty() != p.role_map.is_empty() {
            return Err(loaded.error(
                &key("role_map"),
                format!("{} values", p.role_map.len()),
                "role_claim and role_map set together (the claim, and which of its values gives which role), or neither",
            ));
        }
        if p.clock_skew_seconds > MAX_SKEW_SECONDS {
            return Err(loaded.error(
                &key("clock_skew_seconds"),
                p.clock_skew_seconds.to_string(),
                format!("at most {MAX_SKEW_SECONDS}"),
            ));
        }
    }
    Ok(())
}
