//! What an ID token must be before anyone is signed in by it: signed by a key the provider
//! publishes (an algorithm it names), issued by the configured issuer, to this client, for this
//! sign-in (`nonce`), not expired and not issued in the future, allowing the provider's clock to
//! differ from ours by at most the configured skew. `openidconnect` does the checking; this module
//! sets it up and reads out the claims the service uses.

use std::str::FromStr;

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreIdTokenVerifier, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{AdditionalClaims, IdToken};
use openidconnect::{ClaimsVerificationError, Nonce, ProviderMetadataWithLogout};

use crate::config::{EmailClaim, SsoProvider};

/// The claims beyond the standard ones (a provider's groups or app roles), by name.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub by_name: HashMap<String, serde_json::Value>,
}
impl AdditionalClaims for OtherClaims {}

type Token =
    IdToken<OtherClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// Who the provider says signed in, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The provider's stable identifier for the person (`sub`).
    pub subject: String,
    /// The address named by `email_claim`, lower-cased, if the token carries one.
    pub email: Option<String>,
    /// Whether the provider says the address is verified (`email_verified`; absent: false).
    pub email_verified: bool,
    pub name: Option<String>,
    /// The provider said a second factor was used (`amr` or a configured `acr`).
    pub mfa: bool,
    /// When the person last actively authenticated at the provider (`auth_time`), if sent.
    pub auth_time: Option<DateTime<Utc>>,
    /// The authentication methods (`amr`) and context (`acr`), for the audit trail.
    pub amr: Vec<String>,
    pub acr: Option<String>,
    /// The values of the provider's `role_claim` (a string or a list of strings), when set.
    pub groups: Vec<String>,
}

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Rejected {
    /// What failed, with its causes.
    pub reason: String,
    /// The signature did not verify (perhaps a key the cached key set does not have yet).
    pub signature: bool,
}

fn rejected(reason: impl Into<String>) -> Rejected {
    Rejected { reason: reason.into(), signature: false }
}

/// Checks `raw` (a compact JWT) against `provider`'s configuration and published keys, as of
/// `now`, for the sign-in that sent `nonce`.
pub fn id_token(
    provider: &SsoProvider,
    metadata: &ProviderMetadataWithLogout,
    raw: &str,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<Claims, Rejected> {
    let token = Token::from_str(raw).map_err(|e| rejected(format!("not an ID token: {e}")))?;
    let skew = TimeDelta::seconds(i64::from(provider.clock_skew_seconds));
    let verifier = CoreIdTokenVerifier::new_confidential_client(
        openidconnect::ClientId::new(provider.client_id.clone()),
        openidconnect::ClientSecret::new(provider.client_secret().unwrap_or_default()),
        metadata.issuer().clone(),
        metadata.jwks().clone(),
    )
    .set_allowed_algs(metadata.id_token_signing_alg_values_supported().iter().cloned())
    // Expired when `exp` has passed by more than the skew.
    .set_time_fn(move || now - skew)
    .set_issue_time_verifier_fn(move |iat| {
        if iat > now + skew { Err(format!("issued in the future ({iat})")) } else { Ok(()) }
    });
    let claims = token.claims(&verifier, &Nonce::new(nonce.to_string())).map_err(|e| Rejected {
        signature: matches!(e, ClaimsVerificationError::SignatureVerification(_)),
        reason: chain(&e),
    })?;
    let email = match provider.email_claim {
        EmailClaim::Email => claims.email().map(|e| e.as_str().to_string()),
        EmailClaim::PreferredUsername => claims.preferred_username().map(|u| u.as_str().to_string()),
    }
    .map(|e| e.trim().to_lowercase());
    let amr: Vec<String> = claims
        .auth_method_refs()
        .map(|v| v.iter().map(|m| m.as_str().to_string()).collect())
        .unwrap_or_default();
    let acr = claims.auth_context_ref().map(|a| a.as_str().to_string());
    let mfa = amr.iter().any(|m| provider.mfa_amr.contains(m))
        || acr.as_ref().is_some_and(|a| provider.mfa_acr.contains(a));
    let groups = match claims.additional_claims().by_name.get(provider.role_claim.trim()) {
        _ if provider.role_claim.trim().is_empty() => Vec::new(),
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        Some(serde_json::Value::Array(many)) => {
            many.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
        }
        _ => Vec::new(),
    };
    Ok(Claims {
        groups,
        subject: claims.subject().as_str().to_string(),
        email,
        // Entra ID sends no `email_verified`; `require_verified_email = false` is set there.
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()),
        mfa,
        auth_time: claims.auth_time(),
        amr,
        acr,
    })
}

/// The error and its causes, in one line.
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
