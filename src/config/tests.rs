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
