//! The configuration's tests: defaults, layers, provenance and every check.

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

use super::*;

fn load_from(toml: &str) -> Result<LoadedConfig, ConfigError> {
    Config::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)))
}

#[test]
fn checked_in_defaults_match_built_in_defaults() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml"))
        .expect("config/default.toml is part of the repository");
    let from_file: Config = Figment::from(Toml::string(&text)).extract().expect("default.toml parses");
    assert_eq!(from_file, Config::default());
}

#[test]
fn production_example_documents_every_key() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/production.example.toml");
    // No defaults underneath: every key must be present in the example itself.
    let config: Config = Figment::from(Toml::file_exact(path)).extract().expect("example parses");
    let loaded = LoadedConfig { config: config.clone(), figment: Figment::from(Toml::file_exact(path)) };
    config.validate(&loaded).expect("example validates");
}

#[test]
fn bad_bind_names_the_key() {
    let err = load_from("[server]\nbind = \"nonsense\"").err().expect("must fail");
    assert_eq!(err.key, "server.bind");
    assert!(err.expected.contains("socket address"), "{err}");
}

#[test]
fn unknown_keys_are_refused() {
    let err = load_from("[server]\nbnd = \"127.0.0.1:1\"").err().expect("must fail");
    assert_eq!(err.key, "server.bnd");
}

#[test]
fn database_url_scheme_is_checked() {
    let err = load_from("[database]\nurl = \"mysql://x\"").err().expect("must fail");
    assert_eq!(err.key, "database.url");
}

#[test]
fn redacts_database_passwords() {
    assert_eq!(redact_url("postgres://cdop:s3cret@db:5432/cdop"), "postgres://cdop:(redacted)@db:5432/cdop");
    assert_eq!(redact_url("sqlite://data/cdop.sqlite"), "sqlite://data/cdop.sqlite");
}

#[test]
fn secure_cookies_default_follows_bind() {
    let mut c = Config::default();
    assert!(!c.secure_cookies());
    c.server.bind = "0.0.0.0:8080".parse().expect("valid");
    assert!(c.secure_cookies());
    c.server.secure_cookies = Some(false);
    assert!(!c.secure_cookies());
}

#[test]
fn single_sign_on_providers_are_checked() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "s3cret\n").expect("secret");
    let entry = |extra: &str| {
        format!(
            "[[auth.sso]]\nid = \"entra\"\nname = \"your council account\"\n\
             issuer = \"https://login.microsoftonline.com/tenant/v2.0\"\nclient_id = \"abc\"\n\
             client_secret_file = \"{}\"\n{extra}",
            secret.display()
        )
    };
    let loaded = load_from(&entry("email_domains = [\"example.gov.uk\"]")).expect("a good entry loads");
    let p = &loaded.config.auth.sso[0];
    assert_eq!(p.client_secret().as_deref(), Ok("s3cret"), "read from the file, trimmed");
    assert_eq!(p.scopes, ["openid", "email", "profile"], "default scopes");
    assert!(p.require_verified_email && !p.create_accounts && p.mfa_amr == ["mfa"], "safe defaults");
    assert!(p.serves("Someone@Example.gov.uk") && !p.serves("someone@example.org"));

    for (toml, key, words) in [
        (entry("").replace("id = \"entra\"", "id = \"Entra ID\""), "auth.sso[0].id", "lower-case"),
        (entry("").replace("https://login", "http://login"), "auth.sso[0].issuer", "https://"),
        (
            entry("").replace(&secret.display().to_string(), "/nonexistent/secret"),
            "auth.sso[0].client_secret_file",
            "readable",
        ),
        (
            entry("client_secret_env = \"X\"")
                .replace(&format!("client_secret_file = \"{}\"", secret.display()), ""),
            "auth.sso[0].client_secret_file",
            "readable",
        ),
        (entry("email_domains = [\"@example.gov.uk\"]"), "auth.sso[0].email_domains", "domains"),
        (entry("clock_skew_seconds = 3600"), "auth.sso[0].clock_skew_seconds", "at most 300"),
        (format!("{}\n{}", entry(""), entry("")), "auth.sso[1].id", "no other provider"),
        (
            "[auth]\nreauthenticate_after_minutes = 0".to_string(),
            "auth.reauthenticate_after_minutes",
            "at least 1",
        ),
        (entry("role_claim = \"roles\""), "auth.sso[0].role_map", "set together"),
    ] {
        let err = load_from(&toml).err().unwrap_or_else(|| panic!("{key} must be refused"));
        assert_eq!(err.key, key, "{err}");
        assert!(err.expected.contains(words), "{key}: {err}");
    }
    let mapped = load_from(&entry("role_claim = \"roles\"\nrole_map = { \"CDOP.Chair\" = \"panel_chair\" }"))
        .expect("a role map");
    assert!(mapped.config.auth.sso[0].maps_roles());
    assert!(
        load_from(&entry("role_claim = \"roles\"\nrole_map = { \"x\" = \"emperor\" }")).is_err(),
        "roles are known"
    );
    let post = load_from(&entry("token_auth = \"client_secret_post\"")).expect("client_secret_post");
    assert_eq!(post.config.auth.sso[0].token_auth, TokenAuth::ClientSecretPost);
    let unknown =
        load_from(&entry("token_auth = \"private_key_jwt\"")).err().expect("an unknown method is refused");
    assert!(unknown.key.contains("token_auth"), "{unknown}");
    // Testing on one machine may use plain http to a local provider.
    let local = entry("").replace("https://login.microsoftonline.com/tenant/v2.0", "http://127.0.0.1:9400");
    assert!(load_from(&local).is_ok());
}

#[test]
fn a_list_entry_names_the_file_it_came_from() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("cdop.toml");
    std::fs::write(
        &file,
        "[[auth.sso]]\nid = \"entra\"\nname = \"x\"\nissuer = \"https://login.example\"\nclient_id = \"c\"\n\
         client_secret_file = \"/nonexistent/secret\"\n",
    )
    .expect("written");
    let err =
        Config::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(Toml::file(&file)))
            .err()
            .expect("the missing secret is refused");
    assert_eq!(err.key, "auth.sso[0].client_secret_file");
    assert_eq!(err.source_name, format!("file {}", file.display()), "{err}");
}
