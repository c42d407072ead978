//! A real OpenID Connect provider for the single sign-on tests: `tests/oidc/provider.mjs`
//! (panva's certified `oidc-provider`, from npm), started on a free port, killed when dropped.
//! Its packages are installed from `tests/oidc/package-lock.json` the first time (`scripts/test`
//! does it up front). A missing Node.js fails the test loudly; it never skips.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

static INSTALL: Mutex<()> = Mutex::new(());

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Installs the provider's packages when they are missing (once per test process).
fn install() {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if dir().join("node_modules/oidc-provider/package.json").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir())
        .status()
        .unwrap_or_else(|e| {
            panic!("npm is needed to install the test OpenID provider (scripts/test installs it): {e}")
        });
    assert!(status.success(), "npm ci in tests/oidc failed");
}

/// A running test provider.
pub struct TestProvider {
    pub issuer: String,
    child: Child,
}

/// The client the service is registered as (the provider's default).
pub const CLIENT_ID: &str = "cdop";
pub const CLIENT_SECRET: &str = "cdop-test-secret";

impl TestProvider {
    /// A provider with the default client (`cdop`) and a second one (`other`), both allowed to
    /// redirect to any loopback port.
    pub fn start() -> TestProvider {
        let clients =
            serde_json::json!([client(CLIENT_ID, CLIENT_SECRET), client("other", "other-test-secret"),]);
        Self::start_with(&clients.to_string(), 0)
    }

    /// The same provider started again on its port (so the same issuer) with new signing keys,
    /// as a provider that rotated its keys.
    pub fn restarted(self) -> TestProvider {
        let port: u16 = self.issuer.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
        drop(self);
        let clients =
            serde_json::json!([client(CLIENT_ID, CLIENT_SECRET), client("other", "other-test-secret")]);
        Self::start_with(&clients.to_string(), port)
    }

    /// A provider with `clients` (JSON) on `port` (0: a free one).
    pub fn start_with(clients: &str, port: u16) -> TestProvider {
        install();
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .args(["--port", &port.to_string()])
            .current_dir(dir())
            .env("OIDC_CLIENTS", clients)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("Node.js is needed to run the test OpenID provider: {e}"));
        let Some((issuer, _)) = super::process::wait_for_line(&mut child, "issuer=", Duration::from_secs(30))
        else {
            panic!("the test OpenID provider did not start within 30 s");
        };
        TestProvider { issuer, child }
    }

    /// The service's `[[auth.sso]]` entry for this provider (`id` "test"), secret in a file.
    pub fn config(&self, dir: &std::path::Path) -> cdop::config::SsoProvider {
        let secret = dir.join("sso-secret.txt");
        std::fs::write(&secret, CLIENT_SECRET).expect("secret written");
        cdop::config::SsoProvider {
            id: "test".into(),
            name: "the test provider".into(),
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret_file: secret.display().to_string(),
            client_secret_env: String::new(),
            token_auth: cdop::config::TokenAuth::ClientSecretBasic,
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            email_domains: vec!["example.org".into()],
            email_claim: cdop::config::EmailClaim::Email,
            require_verified_email: true,
            mfa_amr: vec!["mfa".into()],
            mfa_acr: vec![],
            create_accounts: false,
            role_claim: String::new(),
            role_map: Default::default(),
            clock_skew_seconds: 60,
        }
    }
}

/// A confidential client that may redirect to any loopback port (RFC 8252 §7.3).
pub fn client(id: &str, secret: &str) -> serde_json::Value {
    serde_json::json!({
        "client_id": id,
        "client_secret": secret,
        "application_type": "native",
        "redirect_uris": ["http://127.0.0.1/login/sso/test/callback", "http://127.0.0.1/cb"],
        "post_logout_redirect_uris": ["http://127.0.0.1/login"],
    })
}

impl TestProvider {
    /// How the last token request sent the client's secret (`client_secret_basic` or `_post`).
    pub async fn last_token_auth(&self) -> String {
        reqwest::get(format!("{}/test/last-token-auth", self.issuer))
            .await
            .expect("asked")
            .text()
            .await
            .expect("answer")
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a person signs in at the test provider's page.
#[derive(Clone, Copy, Default)]
pub struct AtProvider<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub mfa: bool,
    pub acr: &'a str,
    pub unverified: bool,
    /// Comma-separated values of the `roles` claim (none when empty).
    pub roles: &'a str,
}

/// Follows redirects by hand from `url` (absolute), answering the provider's sign-in page as
/// `who`, until a redirect leaves the provider; returns that URL (the service's callback).
pub async fn sign_in_at_provider(
    client: &reqwest::Client,
    issuer: &str,
    url: &str,
    who: AtProvider<'_>,
) -> String {
    let mut next = url.to_string();
    for _ in 0..10 {
        if !next.starts_with(issuer) {
            return next;
        }
        let res = client.get(&next).send().await.expect("provider GET");
        if let Some(to) = res.headers().get("location").and_then(|v| v.to_str().ok()) {
            next = absolute(issuer, to);
            continue;
        }
        let body = res.text().await.expect("provider page");
        let action = body
            .split("action=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("the provider's sign-in page has a form: {body}"))
            .to_string();
        let mut form: Vec<(String, String)> = Vec::new();
        if body.contains("name=\"email\"") {
            form.extend(
                [("email", who.email), ("name", who.name), ("acr", who.acr), ("roles", who.roles)]
                    .map(|(k, v)| (k.into(), v.into())),
            );
            if who.mfa {
                form.push(("mfa".into(), "yes".into()));
            }
            if who.unverified {
                form.push(("unverified".into(), "yes".into()));
            }
        } else {
            // The provider's own self-submitting forms (ending one person's session there before
            // another signs in): sent as a browser running their script would.
            for input in body.split("<input type=\"hidden\" ").skip(1) {
                let attr = |name: &str| {
                    input
                        .split(&format!("{name}=\""))
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .map(str::to_string)
                };
                if let (Some(k), Some(v)) = (attr("name"), attr("value")) {
                    form.push((k, v));
                }
            }
        }
        let res = client.post(absolute(issuer, &action)).form(&form).send().await.expect("provider POST");
        match res.headers().get("location").and_then(|v| v.to_str().ok()) {
            Some(to) => next = absolute(issuer, to),
            None => {
                panic!("the provider did not accept the sign-in: {}", res.text().await.unwrap_or_default())
            }
        }
    }
    panic!("the provider did not send the browser back within 10 steps");
}

fn absolute(issuer: &str, to: &str) -> String {
    if to.starts_with('/') { format!("{issuer}{to}") } else { to.to_string() }
}

impl TestProvider {
    /// An ID token the provider issues to `client_id` for a sign-in by `who` with `nonce`, through
    /// the whole authorization code flow with PKCE (as a relying party other than the service).
    pub async fn id_token(&self, client_id: &str, secret: &str, nonce: &str, who: AtProvider<'_>) -> String {
        use sha2::Digest;
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let verifier = "a-pkce-verifier-long-enough-for-the-rfc-7636-minimum-of-43";
        let challenge = data_encoding::BASE64URL_NOPAD.encode(&sha2::Sha256::digest(verifier.as_bytes()));
        let redirect = "http://127.0.0.1/cb";
        let start = reqwest::Url::parse_with_params(
            &format!("{}/auth", self.issuer),
            &[
                ("client_id", client_id),
                ("response_type", "code"),
                ("scope", "openid email profile"),
                ("redirect_uri", redirect),
                ("state", "test-state"),
                ("nonce", nonce),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        )
        .expect("url");
        let back = sign_in_at_provider(&client, &self.issuer, start.as_str(), who).await;
        let code = reqwest::Url::parse(&back)
            .expect("callback url")
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("a code in {back}"));
        let answer: serde_json::Value = client
            .post(format!("{}/token", self.issuer))
            .basic_auth(client_id, Some(secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token response");
        answer["id_token"].as_str().unwrap_or_else(|| panic!("an ID token in {answer}")).to_string()
    }
}
