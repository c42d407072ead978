//! Loading the configuration: the layers (built-in defaults ← `config/default.toml` ← the file
//! named by `--config`/`CDOP_CONFIG` ← `CDOP__SECTION__KEY` variables), where each value came from,
//! and errors that name the key, its source and what is expected.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use super::{CONFIG_FILE_ENV, Config, DEFAULT_FILE, REDACTED};

/// A configuration problem, phrased for the person starting the service.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key} = {value} (from {source_name}): {expected}")]
pub struct ConfigError {
    pub key: String,
    pub value: String,
    pub source_name: String,
    pub expected: String,
}

/// Where the configuration came from, kept so problems can name the source of a value.
pub struct LoadedConfig {
    pub config: Config,
    pub(super) figment: Figment,
}

impl LoadedConfig {
    /// Wraps a configuration built in code (tests, tools); every value counts as a built-in default.
    pub fn from_config(config: Config) -> Result<LoadedConfig, ConfigError> {
        Config::from_figment(Figment::from(Serialized::defaults(config)))
    }

    /// Names where `key` (dotted, e.g. `server.bind`) got its value.
    pub fn source_of(&self, key: &str) -> String {
        source_name(&self.figment, key)
    }

    /// A problem with a value that parsed but cannot be used (e.g. an unreachable database).
    pub fn error(&self, key: &str, value: impl Into<String>, expected: impl Into<String>) -> ConfigError {
        ConfigError {
            key: key.into(),
            value: value.into(),
            source_name: self.source_of(key),
            expected: expected.into(),
        }
    }

    /// The effective configuration as TOML, secrets redacted, each value annotated with its source.
    pub fn describe(&self) -> String {
        let value = serde_json::to_value(&self.config).unwrap_or(serde_json::Value::Null);
        let mut out = String::new();
        if let serde_json::Value::Object(sections) = value {
            for (section, body) in sections {
                out.push_str(&format!("[{section}]\n"));
                describe_table(&mut out, self, &section, &body);
                out.push('\n');
            }
        }
        out
    }
}

fn describe_table(out: &mut String, loaded: &LoadedConfig, prefix: &str, body: &serde_json::Value) {
    let serde_json::Value::Object(fields) = body else { return };
    let mut nested = Vec::new();
    for (name, value) in fields {
        let key = format!("{prefix}.{name}");
        if value.is_object() {
            nested.push((key, value));
            continue;
        }
        let shown = match (key.as_str(), value) {
            (_, serde_json::Value::Null) => "# (unset)".to_string(),
            ("database.url", serde_json::Value::String(url)) => toml_string(&redact_url(url)),
            ("mail.smtp.password", serde_json::Value::String(p)) if !p.is_empty() => toml_string(REDACTED),
            (_, serde_json::Value::String(s)) => toml_string(s),
            (_, other) => other.to_string(),
        };
        out.push_str(&format!("{name} = {shown}  # {}\n", loaded.source_of(&key)));
    }
    for (key, value) in nested {
        out.push_str(&format!("[{key}]\n"));
        describe_table(out, loaded, &key, value);
    }
}

fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Replaces the password in a database URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:{REDACTED}@{host}"),
        None => url.to_string(),
    }
}

fn source_name(figment: &Figment, key: &str) -> String {
    // An entry of a list (`auth.sso[0].issuer`, `exports.recipients[1].name`) came from where the
    // list did.
    let key = key.split('[').next().unwrap_or(key);
    match figment.find_metadata(key) {
        Some(meta) => {
            if meta.name.contains("environment") {
                let var = format!("CDOP__{}", key.replace('.', "__").to_uppercase());
                return format!("environment variable {var}");
            }
            match &meta.source {
                Some(figment::Source::File(path)) => format!("file {}", path.display()),
                Some(figment::Source::Code(_)) => "built-in default".to_string(),
                _ => meta.name.to_string(),
            }
        }
        None => "built-in default".to_string(),
    }
}

impl Config {
    /// Loads every layer. `explicit_file` is `--config PATH`; `CDOP_CONFIG` is used otherwise.
    pub fn load(explicit_file: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
        let env_file = std::env::var_os(CONFIG_FILE_ENV).map(PathBuf::from);
        let file = explicit_file.map(Path::to_path_buf).or(env_file);
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if Path::new(DEFAULT_FILE).is_file() {
            figment = figment.merge(Toml::file_exact(DEFAULT_FILE));
        }
        if let Some(file) = &file {
            if !file.is_file() {
                return Err(ConfigError {
                    key: "--config".into(),
                    value: file.display().to_string(),
                    source_name: if explicit_file.is_some() {
                        "the command line".into()
                    } else {
                        format!("environment variable {CONFIG_FILE_ENV}")
                    },
                    expected: "a readable TOML file".into(),
                });
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed("CDOP__").split("__"));
        Self::from_figment(figment)
    }

    pub(super) fn from_figment(figment: Figment) -> Result<LoadedConfig, ConfigError> {
        let config: Config = figment.extract().map_err(|e| figment_error(&figment, e))?;
        let loaded = LoadedConfig { config, figment };
        loaded.config.validate(&loaded)?;
        Ok(loaded)
    }
}

/// Turns figment's error into one that names the key, its source, and what was expected.
fn figment_error(figment: &Figment, error: figment::Error) -> ConfigError {
    let key = error.path.iter().filter(|p| p.as_str() != "default").cloned().collect::<Vec<_>>().join(".");
    let (value, expected) = match &error.kind {
        figment::error::Kind::InvalidType(actual, expected) => (actual.to_string(), expected.clone()),
        figment::error::Kind::InvalidValue(actual, expected) => (actual.to_string(), expected.clone()),
        figment::error::Kind::UnknownField(field, expected) => {
            let key = if key.ends_with(field.as_str()) { key.clone() } else { format!("{key}.{field}") };
            return ConfigError {
                source_name: source_name(figment, &key),
                key: key.trim_start_matches('.').to_string(),
                value: "(unknown key)".into(),
                expected: format!("one of: {}", expected.join(", ")),
            };
        }
        figment::error::Kind::UnknownVariant(actual, expected) => {
            (actual.clone(), format!("one of: {}", expected.join(", ")))
        }
        figment::error::Kind::Message(message) => ("(see message)".into(), message.clone()),
        other => ("(invalid)".into(), other.to_string()),
    };
    let expected = describe_expected(&key, &expected);
    // Show what was actually given, where figment can tell.
    let value = match figment.find_value(&key) {
        Ok(figment::value::Value::String(_, s)) => s,
        Ok(other) => serde_json::to_string(&other).unwrap_or(value),
        Err(_) => value,
    };
    let value = if key == "database.url" {
        redact_url(&value)
    } else if key.ends_with("password") {
        REDACTED.into()
    } else {
        value
    };
    ConfigError { source_name: source_name(figment, &key), key, value, expected }
}

/// Friendlier wording for the common cases.
fn describe_expected(key: &str, serde_expected: &str) -> String {
    if key.ends_with(".bind") {
        "a socket address such as 127.0.0.1:8080".into()
    } else {
        serde_expected.to_string()
    }
}
