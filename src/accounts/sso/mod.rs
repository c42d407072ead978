//! Single sign-on with OpenID Connect providers (`[[auth.sso]]`): the authorization code flow with
//! PKCE, `state` and `nonce`; the ID token checked (`verify`); the person matched to a service
//! account by the provider's `sub` once linked, else by a verified email address in the domains
//! the provider serves; an unknown person refused, or given a disabled account for an admin to
//! approve when the provider creates accounts. Roles and areas stay the service's own. Every
//! sign-in, link, refusal and account made is audited.

pub mod http;
pub mod verify;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope,
};

use crate::config::SsoProvider;
use crate::context::Context;
use crate::domain::audit::{Actor, AuditAction, AuditEvent};
use crate::domain::email::EmailAddress;
use crate::store::{self, audit, sso, users};

pub use verify::Claims;
use verify::chain;

/// How long discovered provider metadata (endpoints and signing keys) is used before it is read
/// again. A token signed with a key not yet seen makes it read again at once.
const METADATA_TTL: Duration = Duration::from_secs(3600);

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What a sign-in at a provider is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    /// A fresh sign-in by someone already signed in, before a sensitive step.
    Reauthenticate,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign_in",
            Purpose::Reauthenticate => "reauthenticate",
        }
    }
    fn parse(s: &str) -> Purpose {
        if s == "reauthenticate" { Purpose::Reauthenticate } else { Purpose::SignIn }
    }
}

/// Why a sign-in through a provider did not sign anyone in. The words are for the person; the
/// code is what the audit trail records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the provider could not be reached or answered wrongly")]
    Provider(String),
    #[error("the sign-in had expired or was already used")]
    StaleRequest,
    #[error("the provider said the sign-in did not complete")]
    Cancelled(String),
    #[error("the ID token failed its checks")]
    InvalidToken(String),
    #[error("the provider sent no email address")]
    NoEmail,
    #[error("the email address is not verified by the provider")]
    UnverifiedEmail,
    #[error("the email address is outside the domains this provider serves")]
    WrongDomain,
    #[error("no account has this email address")]
    UnknownAccount,
    /// An account was just made (disabled) for an admin to approve.
    #[error("an account was created and awaits approval")]
    AwaitingApproval,
    #[error("the account is disabled")]
    Disabled,
    /// The account is already linked to a different person at this provider.
    #[error("the account is linked to another account at this provider")]
    LinkedElsewhere,
    /// A re-authentication came back as someone other than the session's user.
    #[error("a different person signed in")]
    DifferentPerson,
    #[error("the provider did not ask for a fresh sign-in")]
    NotFresh,
    /// The provider decides roles (`role_map`) and gave the person none of the service's.
    #[error("the provider gave no role in this service")]
    NoRole,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Provider(_) => "provider_error",
            Refusal::StaleRequest => "stale_request",
            Refusal::Cancelled(_) => "cancelled",
            Refusal::InvalidToken(_) => "id_token_invalid",
            Refusal::NoEmail => "no_email",
            Refusal::UnverifiedEmail => "email_unverified",
            Refusal::WrongDomain => "email_domain",
            Refusal::UnknownAccount => "unknown_account",
            Refusal::AwaitingApproval => "awaiting_approval",
            Refusal::Disabled => "disabled",
            Refusal::LinkedElsewhere => "linked_elsewhere",
            Refusal::DifferentPerson => "different_person",
            Refusal::NotFresh => "not_fresh",
            Refusal::NoRole => "no_role",
        }
    }
}

/// The providers' discovered metadata and the HTTP client that reads it.
pub struct Sso {
    http: Result<http::Http, String>,
    /// Held only to read or write the map, never across a request to a provider: one provider
    /// that does not answer holds up no sign-in through another.
    discovered: std::sync::Mutex<HashMap<String, (ProviderMetadataWithLogout, Instant)>>,
}

impl Default for Sso {
    fn default() -> Self {
        Sso { http: http::client().map_err(|e| e.0), discovered: std::sync::Mutex::new(HashMap::new()) }
    }
}

impl Sso {
    fn http(&self) -> Result<&http::Http, Refusal> {
        self.http.as_ref().map_err(|e| Refusal::Provider(e.clone()))
    }

    /// The provider's metadata (endpoints, keys), discovered from its issuer URL. `fresh` reads
    /// it again whatever the cache holds.
    pub async fn metadata(
        &self,
        provider: &SsoProvider,
        fresh: bool,
    ) -> Result<ProviderMetadataWithLogout, Refusal> {
        if !fresh {
            let cache = self.discovered.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((m, _)) = cache.get(&provider.id).filter(|(_, at)| at.elapsed() < METADATA_TTL) {
                return Ok(m.clone());
            }
        }
        let client = self.http()?;
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|e| Refusal::Provider(e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, client)
            .await
            .map_err(|e| Refusal::Provider(format!("discovery at {}: {}", provider.issuer, chain(&e))))?;
        let mut cache = self.discovered.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert(provider.id.clone(), (metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    fn client(
        provider: &SsoProvider,
        metadata: ProviderMetadataWithLogout,
        redirect: &str,
    ) -> Result<Client, Refusal> {
        let secret = provider.client_secret().map_err(Refusal::Provider)?;
        let redirect =
            RedirectUrl::new(redirect.to_string()).map_err(|e| Refusal::Provider(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(secret)),
        )
        .set_redirect_uri(redirect)
        .set_auth_type(match provider.token_auth {
            crate::config::TokenAuth::ClientSecretBasic => openidconnect::AuthType::BasicAuth,
            crate::config::TokenAuth::ClientSecretPost => openidconnect::AuthType::RequestBody,
        }))
    }
}

/// A database failure during sign-in (shown as the provider sign-in not working; logged).
fn stored(e: impl std::fmt::Display) -> Refusal {
    Refusal::Provider(format!("database: {e}"))
}

/// The URL the provider sends the browser back to.
pub fn redirect_uri(base: &str, provider: &SsoProvider) -> String {
    format!("{}/login/sso/{}/callback", base.trim_end_matches('/'), provider.id)
}

/// A sign-in about to be sent to the provider: where to send the browser, and the `state` the
/// browser must keep (in a cookie) to show it started this sign-in.
pub struct Begun {
    pub url: String,
    pub state: String,
}

/// Starts a sign-in at `provider`: a new `state`, `nonce` and PKCE verifier, kept until it comes
/// back (at most `store::sso::REQUEST_MINUTES`). A re-authentication asks the provider for a
/// fresh sign-in (`prompt=login`, `max_age=0`) by the person already signed in (`login_hint`).
#[allow(clippy::too_many_arguments)]
pub async fn begin(
    cx: &Context,
    sso: &Sso,
    provider: &SsoProvider,
    purpose: Purpose,
    user: Option<&users::User>,
    return_to: &str,
    base: &str,
) -> Result<Begun, Refusal> {
    let metadata = sso.metadata(provider, false).await?;
    let client = Sso::client(provider, metadata, &redirect_uri(base, provider))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge);
    for scope in provider.scopes.iter().filter(|s| s.as_str() != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    if purpose == Purpose::Reauthenticate {
        request = request.add_prompt(CoreAuthPrompt::Login).set_max_age(Duration::ZERO);
        if let Some(u) = user {
            request = request.set_login_hint(openidconnect::LoginHint::new(u.email.clone()));
        }
    }
    let (url, state, nonce) = request.url();
    // Where to go afterwards is a local path (checked by the caller); an absurdly long one is
    // dropped rather than refused.
    let return_to = if return_to.len() > 2000 { "/" } else { return_to };
    store::sso::save_request(
        &cx.db,
        &sso::NewRequest {
            state: state.secret(),
            provider: &provider.id,
            purpose: purpose.code(),
            user_id: user.map(|u| u.id),
            nonce: nonce.secret(),
            pkce_verifier: verifier.secret(),
            return_to,
        },
    )
    .await
    .map_err(|e| Refusal::Provider(e.to_string()))?;
    Ok(Begun { url: url.to_string(), state: state.secret().clone() })
}

/// A sign-in that came back with a valid ID token.
pub struct Returned {
    pub purpose: Purpose,
    /// Who started it (re-authentication only).
    pub user_id: Option<i64>,
    pub return_to: String,
    pub claims: Claims,
}

/// Finishes a sign-in the provider sent back with `code` for `state`: the request it names is
/// used up, the code exchanged (with the PKCE verifier, over the redirect-less client) and the
/// ID token checked. A token signed by a key not in the cached key set is checked once more
/// against the provider's current keys (key rotation).
pub async fn complete(
    cx: &Context,
    sso: &Sso,
    provider: &SsoProvider,
    state: &str,
    code: &str,
    base: &str,
) -> Result<Returned, Refusal> {
    let request = store::sso::take_request(&cx.db, state)
        .await
        .map_err(|e| Refusal::Provider(e.to_string()))?
        .filter(|r| r.provider == provider.id)
        .ok_or(Refusal::StaleRequest)?;
    let metadata = sso.metadata(provider, false).await?;
    let client = Sso::client(provider, metadata.clone(), &redirect_uri(base, provider))?;
    let http = sso.http()?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| Refusal::Provider(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(request.pkce_verifier.clone()))
        .request_async(http)
        .await
        .map_err(|e| Refusal::Provider(format!("token endpoint: {}", chain(&e))))?;
    let raw = response
        .extra_fields()
        .id_token()
        .map(|t| t.to_string())
        .ok_or_else(|| Refusal::InvalidToken("the token response had no ID token".into()))?;
    // The provider's clock is the world's: its tokens are checked against the real time, not the
    // service's clock (which tests move to make days pass).
    let now = store::now();
    let claims = match verify::id_token(provider, &metadata, &raw, &request.nonce, now) {
        Ok(c) => c,
        // Signed with a key the cached set does not have: the provider may have rotated its keys.
        Err(first) if first.signature => {
            let current = sso.metadata(provider, true).await?;
            verify::id_token(provider, &current, &raw, &request.nonce, now)
                .map_err(|e| Refusal::InvalidToken(e.reason))?
        }
        Err(e) => return Err(Refusal::InvalidToken(e.reason)),
    };
    let purpose = Purpose::parse(&request.purpose);
    if purpose == Purpose::Reauthenticate {
        // The provider was asked for a sign-in after the request was made (`max_age=0`); one that
        // says the person authenticated before then did not ask again.
        let skew = chrono::TimeDelta::seconds(i64::from(provider.clock_skew_seconds));
        if claims.auth_time.is_some_and(|t| t + skew < request.created_at) {
            return Err(Refusal::NotFresh);
        }
    }
    Ok(Returned { purpose, user_id: request.user_id, return_to: request.return_to, claims })
}

/// Where the browser goes to end its session at the provider too (RP-initiated logout), when the
/// provider offers it; `after` must be registered with the provider as a post-logout URL.
pub async fn logout_url(sso: &Sso, provider: &SsoProvider, after: &str) -> Option<String> {
    let metadata = sso.metadata(provider, false).await.ok()?;
    let end = metadata.additional_metadata().end_session_endpoint.clone()?;
    let after = PostLogoutRedirectUrl::new(after.to_string()).ok()?;
    Some(
        openidconnect::LogoutRequest::from(end)
            .set_client_id(ClientId::new(provider.client_id.clone()))
            .set_post_logout_redirect_uri(after)
            .http_get_url()
            .to_string(),
    )
}

/// The service account a provider sign-in is for, and whether it was just linked.
pub struct Matched {
    pub user: users::User,
    pub linked: bool,
}

/// Finds (or links, or makes) the service account for `claims` from `provider`; every outcome is
/// audited under `request_id`. Linking is by `sub` once linked, else by email address. A provider
/// that decides roles (`role_map`) sets the account's roles to the ones it gives (refusing a
/// person it gives none of the service's).
pub async fn account(
    cx: &Context,
    provider: &SsoProvider,
    claims: &Claims,
    request_id: &str,
) -> Result<Matched, Refusal> {
    let mapped = mapped_roles(provider, claims);
    if mapped.as_ref().is_some_and(Vec::is_empty) {
        let known = sso::find_identity(&cx.db, &provider.id, &claims.subject).await.map_err(stored)?;
        audit_refusal(&cx.db, &provider.id, known.map(|k| k.user_id), &Refusal::NoRole, request_id)
            .await
            .map_err(stored)?;
        return Err(Refusal::NoRole);
    }
    let matched =
        find_or_link(cx, provider, claims, request_id, mapped.as_deref().unwrap_or_default()).await?;
    if let Some(roles) = mapped {
        apply_roles(cx, provider, &matched.user, &roles, request_id).await?;
    }
    Ok(matched)
}

/// The service's roles `provider` gives the person (its `role_map` over the values of its
/// `role_claim`, each role once, in the service's order); None when the provider does not decide
/// roles.
pub fn mapped_roles(provider: &SsoProvider, claims: &Claims) -> Option<Vec<crate::domain::role::Role>> {
    if !provider.maps_roles() {
        return None;
    }
    Some(
        crate::domain::role::Role::ALL
            .iter()
            .copied()
            .filter(|role| claims.groups.iter().any(|g| provider.role_map.get(g) == Some(role)))
            .collect(),
    )
}

/// Sets `user`'s roles to `roles` when they differ, audited as the provider's doing.
async fn apply_roles(
    cx: &Context,
    provider: &SsoProvider,
    user: &users::User,
    roles: &[crate::domain::role::Role],
    request_id: &str,
) -> Result<(), Refusal> {
    let mut before = users::roles(&cx.db, user.id).await.map_err(stored)?;
    before.sort_by_key(|r| r.as_str());
    let mut after = roles.to_vec();
    after.sort_by_key(|r| r.as_str());
    if before == after {
        return Ok(());
    }
    let areas = users::area_ids(&cx.db, user.id).await.map_err(stored)?;
    let txn = store::begin_write(&cx.db).await.map_err(stored)?;
    users::update_access(&txn, user.id, user.version, &after, &areas).await.map_err(stored)?;
    let code = |r: &crate::domain::role::Role| r.as_str().to_string();
    let details = format!(
        "from={};to={};by=provider:{}",
        crate::accounts::codes(&before, code),
        crate::accounts::codes(&after, code),
        provider.id
    );
    audit::append(
        &txn,
        &AuditEvent::new(Actor::System, AuditAction::UserRolesChanged, "user", user.id.to_string())
            .request(request_id)
            .details(details),
    )
    .await
    .map_err(stored)?;
    txn.commit().await.map_err(stored)
}

/// [`account`] without the roles: the linked account, or the one the email address names (then
/// linked), or one made for approval with `roles`.
async fn find_or_link(
    cx: &Context,
    provider: &SsoProvider,
    claims: &Claims,
    request_id: &str,
    roles: &[crate::domain::role::Role],
) -> Result<Matched, Refusal> {
    let refuse = |user: Option<i64>, why: Refusal| async move {
        audit_refusal(&cx.db, &provider.id, user, &why, request_id).await.map_err(stored)?;
        Err::<Matched, Refusal>(why)
    };
    if let Some(identity) = sso::find_identity(&cx.db, &provider.id, &claims.subject).await.map_err(stored)? {
        let user = users::find(&cx.db, identity.user_id).await.map_err(stored)?;
        return match user {
            Some(u) if !u.disabled => Ok(Matched { user: u, linked: false }),
            Some(u) => refuse(Some(u.id), Refusal::Disabled).await,
            None => refuse(None, Refusal::UnknownAccount).await,
        };
    }
    let Some(email) = claims.email.clone() else { return refuse(None, Refusal::NoEmail).await };
    if provider.require_verified_email && !claims.email_verified {
        return refuse(None, Refusal::UnverifiedEmail).await;
    }
    if !provider.serves(&email) {
        return refuse(None, Refusal::WrongDomain).await;
    }
    let existing = users::find_by_email(&cx.db, &email).await.map_err(stored)?;
    let Some(user) = existing else {
        if !provider.create_accounts {
            return refuse(None, Refusal::UnknownAccount).await;
        }
        return create_for_approval(cx, provider, claims, &email, roles, request_id).await;
    };
    if user.service_account {
        return refuse(Some(user.id), Refusal::UnknownAccount).await;
    }
    if user.disabled {
        return refuse(Some(user.id), Refusal::Disabled).await;
    }
    let identities = sso::identities_of(&cx.db, user.id).await.map_err(stored)?;
    if identities.iter().any(|i| i.provider == provider.id) {
        return refuse(Some(user.id), Refusal::LinkedElsewhere).await;
    }
    let txn = store::begin_write(&cx.db).await.map_err(stored)?;
    sso::link(&txn, user.id, &provider.id, &claims.subject, cx.clock.now()).await.map_err(stored)?;
    audit::append(
        &txn,
        &AuditEvent::new(Actor::User(user.id), AuditAction::SsoLinked, "user", user.id.to_string())
            .request(request_id)
            .details(format!("provider={}", provider.id)),
    )
    .await
    .map_err(stored)?;
    txn.commit().await.map_err(stored)?;
    Ok(Matched { user, linked: true })
}

/// Records a refused provider sign-in (`auth.login.failure`, with the provider and the reason's
/// code) against `user` when it is known.
pub async fn audit_refusal(
    db: &store::Db,
    provider: &str,
    user: Option<i64>,
    why: &Refusal,
    request_id: &str,
) -> Result<(), store::StoreError> {
    let object = user.map(|u| u.to_string()).unwrap_or_else(|| "unknown".into());
    let event = AuditEvent::new(Actor::Anonymous, AuditAction::LoginFailure, "user", object)
        .request(request_id)
        .details(format!("provider={provider} reason={}", why.code()));
    audit::append_now(db, &event).await.map(|_| ())
}

/// Just-in-time: a disabled account, linked to the provider account, with the roles the provider
/// gives (none unless it decides roles), for an admin to approve (enable, give areas and roles).
async fn create_for_approval(
    cx: &Context,
    provider: &SsoProvider,
    claims: &Claims,
    email: &str,
    roles: &[crate::domain::role::Role],
    request_id: &str,
) -> Result<Matched, Refusal> {
    let address = EmailAddress::parse(email).map_err(|_| Refusal::NoEmail)?;
    let name = claims.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| email.to_string());
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let txn = store::begin_write(&cx.db).await.map_err(stored)?;
    let user = users::create(
        &txn,
        &users::NewUser {
            email: address,
            name,
            password_hash: None,
            must_change_password: false,
            service_account: false,
            roles: roles.to_vec(),
            area_ids: Vec::new(),
        },
    )
    .await
    .map_err(stored)?;
    users::set_disabled(&txn, user.id, true).await.map_err(stored)?;
    sso::link(&txn, user.id, &provider.id, &claims.subject, cx.clock.now()).await.map_err(stored)?;
    audit::append(
        &txn,
        &AuditEvent::new(Actor::Anonymous, AuditAction::SsoAccountCreated, "user", user.id.to_string())
            .request(request_id)
            .details(format!("provider={} disabled=yes", provider.id)),
    )
    .await
    .map_err(stored)?;
    // The admins are told, so nobody waits on an approval nobody knows about.
    let admins = users::emails_with_role(&txn, crate::domain::role::Role::Admin).await.map_err(stored)?;
    if !admins.is_empty() {
        let email =
            crate::mail::render::account_awaiting_approval(&cx.config.public_url(), user.id, &provider.name)
                .map_err(stored)?;
        let recipients: Vec<crate::mail::Recipient> =
            admins.into_iter().map(crate::mail::Recipient::Staff).collect();
        let prepared = crate::mail::prepare_recipients(&cx.keys.keyring, &recipients).map_err(stored)?;
        crate::mail::enqueue(&txn, &email, None, prepared).await.map_err(stored)?;
    }
    txn.commit().await.map_err(stored)?;
    cx.mail_wakeup.notify_one();
    Err(Refusal::AwaitingApproval)
}

/// Records a sign-in through `provider` for `user` (the link's last sign-in, the account's, and
/// the audit event saying how).
pub async fn record_sign_in(
    cx: &Context,
    provider: &SsoProvider,
    user_id: i64,
    claims: &Claims,
    request_id: &str,
    action: AuditAction,
) -> Result<(), store::StoreError> {
    let now = cx.clock.now();
    let txn = store::begin_write(&cx.db).await?;
    if let Some(identity) = sso::find_identity(&txn, &provider.id, &claims.subject).await? {
        sso::signed_in(&txn, identity.id, now, claims.mfa).await?;
    }
    if action == AuditAction::LoginSuccess {
        users::record_success(&txn, user_id).await?;
    }
    let mut how = format!("provider={} mfa={}", provider.id, if claims.mfa { "yes" } else { "no" });
    if !claims.amr.is_empty() {
        how.push_str(&format!(" amr={}", claims.amr.join(",")));
    }
    if let Some(acr) = &claims.acr {
        how.push_str(&format!(" acr={acr}"));
    }
    audit::append(
        &txn,
        &AuditEvent::new(Actor::User(user_id), action, "user", user_id.to_string())
            .request(request_id)
            .details(how),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Unlinks `user_id`'s account at `provider` and ends their sessions (an admin's correction);
/// returns whether there was a link.
pub async fn unlink(
    db: &store::Db,
    acting: &crate::service::Acting<'_>,
    user_id: i64,
    provider: &str,
) -> crate::service::ServiceResult<bool> {
    let txn = store::begin_write(db).await?;
    if !sso::unlink(&txn, user_id, provider).await? {
        return Ok(false);
    }
    store::sessions::delete_for_user(&txn, user_id).await?;
    audit::append(
        &txn,
        &acting
            .event(AuditAction::SsoUnlinked, "user", user_id.to_string())
            .details(format!("provider={provider}")),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
