//! Typed, validated configuration.
//!
//! Layers, later ones winning: the built-in defaults below ← `config/default.toml` (read from the
//! working directory when present) ← the file named by `--config PATH` or `CDOP_CONFIG` ←
//! environment variables `CDOP__SECTION__KEY`. Every value is checked at start-up; an invalid one
//! stops the process with a message that names the key, where the value came from and what is
//! expected. Secrets are never printed: [`Config::describe`] redacts them.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::domain::role::Role;

/// Environment variable naming an extra configuration file.
pub const CONFIG_FILE_ENV: &str = "CDOP_CONFIG";
/// The checked-in defaults, read from the working directory when present.
pub const DEFAULT_FILE: &str = "config/default.toml";
/// The shipped form definitions, relative to the working directory.
pub const DEFAULT_FORMS_DIR: &str = "config/forms";
pub const DEFAULT_THEMES_FILE: &str = "config/themes.toml";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub storage: StorageConfig,
    pub auth: AuthConfig,
    pub crypto: CryptoConfig,
    pub mail: MailConfig,
    pub notify: NotifyConfig,
    pub forms: FormsConfig,
    pub review: ReviewConfig,
    pub reports: ReportsConfig,
    pub exports: ExportsConfig,
    pub pages: PagesConfig,
    pub retention: RetentionConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// The URL users reach the service at, used in emailed links. Empty: `http://{bind}`.
    pub public_url: String,
    /// Mark cookies `Secure` with the `__Host-` prefix and send HSTS. Unset: on unless the
    /// service listens on a loopback address (the embedded default).
    pub secure_cookies: Option<bool>,
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    pub shutdown_grace_seconds: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` (created when missing) or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub url: String,
    /// Apply pending migrations when `cdop serve` starts.
    pub auto_migrate: bool,
    pub max_connections: u32,
    pub connect_timeout_seconds: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `cdop=debug,info`.
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Directory for the embedded database, generated keys and file-transport mail.
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Consecutive failed sign-ins before an account is locked.
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    /// Sign-in attempts allowed per client address per minute.
    pub login_rate_per_minute: u32,
    /// Roles that must use two-factor authentication.
    pub mfa_required_roles: Vec<Role>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CryptoConfig {
    /// The service's age identity (X25519). Empty: `{data_dir}/keys/identity.age.txt`, generated on
    /// first run (embedded default only; production must supply its own).
    pub identity_file: String,
    /// Offline recovery recipients (`age1…`); every record is also sealed to these.
    pub recovery_recipients: Vec<String>,
    /// 32-byte key for the blind index, hex. Empty: `{data_dir}/keys/index.key`, generated.
    pub index_key_file: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub transport: MailTransportKind,
    /// The From address of every email.
    pub from: String,
    /// Where the file transport writes `.eml` files. Empty: `{data_dir}/mail`.
    pub file_dir: String,
    pub smtp: SmtpConfig,
    /// Attempts before a message is marked failed and shown to admins.
    pub max_attempts: u32,
    /// First retry delay; each later one doubles.
    pub retry_base_seconds: u64,
    /// Bound on one whole send (connect, TLS, dialogue).
    pub send_timeout_seconds: u64,
    /// How often the sender looks for due messages when idle.
    pub poll_interval_ms: u64,
}

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: String,
    pub password: String,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &REDACTED)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Offer `/notify` to professionals without an account.
    pub public_enabled: bool,
    /// Public notifications accepted per client address per hour.
    pub public_rate_per_hour: u32,
    /// Also told of every new or accepted notification.
    pub extra_recipients: Vec<String>,
    /// How long a saved draft (sealed) is kept before it is deleted.
    pub draft_days: u32,
}

/// Information gathering: form definitions, due dates, links and reminders.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FormsConfig {
    /// The directory of form definitions (one TOML file per form version).
    pub dir: String,
    /// Days from a request to its default due date (editable per request).
    pub due_days: u32,
    /// Days after the due date that an emailed link keeps working.
    pub link_grace_days: u32,
    /// Reminders this many days before the due date (e.g. `[3]`).
    pub remind_before_days: Vec<u32>,
    /// A reminder on the due date.
    pub remind_on_due: bool,
    /// Once overdue, a reminder every this many days (0: none).
    pub remind_overdue_every_days: u32,
    /// After this many overdue reminders, the case's coordinators are told (0: never).
    pub escalate_after: u32,
    /// How often the reminder job looks for due reminders.
    pub reminder_interval_seconds: u64,
    /// Wrong or unknown form links accepted per client address per hour before refusing.
    pub link_attempts_per_hour: u32,
}

/// The review stage: case packs, action and learning-briefing reminders.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    /// Days after a meeting that its published case packs stay open to its attendees.
    pub pack_days_after_meeting: u32,
    /// Once an action is overdue, its owner is reminded every this many days (0: never).
    pub action_remind_overdue_every_days: u32,
    /// A learning briefing's recipients who have not acknowledged it are reminded every this
    /// many days after it was sent (0: never)…
    pub briefing_remind_every_days: u32,
    /// …at most this many times.
    pub briefing_reminders: u32,
    /// A learning briefing drawn from fewer reviews than this warns its author, who must confirm
    /// (recorded in the audit trail): a point from one or two deaths can point to a family.
    pub briefing_min_reviews: u32,
}

/// Reports: the small-number rule for published reports and the reliability rule for rates
/// (`shared/reference/reporting.md` §6).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// Published reports hide every count from `suppress_from` to `suppress_to` (0 stays shown)…
    pub suppress_from: u64,
    pub suppress_to: u64,
    /// …and further counts from which a hidden one could be worked out.
    pub secondary: bool,
    /// Published thematic and ad-hoc reports cover fixed, non-overlapping windows of years
    /// starting with this reporting year (2019 = 2019/20, NCMD's first year), then every
    /// `years` years of the theme.
    pub published_windows_from: i32,
    /// No rate is shown for fewer deaths than this (ONS: 3)…
    pub rate_min_events: u64,
    /// …and a rate on fewer deaths than this is flagged as unreliable (ONS: 20).
    pub rate_flag_below: u64,
    /// The predefined thematic reports (see `config/themes.toml`).
    pub themes_file: String,
}

impl ReportsConfig {
    pub fn rule(&self) -> crate::reports::disclosure::Rule {
        crate::reports::disclosure::Rule {
            suppress_from: self.suppress_from,
            suppress_to: self.suppress_to,
            secondary: self.secondary,
            checks: Default::default(),
            windows_from: self.published_windows_from,
        }
    }

    pub fn rate_rule(&self) -> crate::reports::rates::RateRule {
        crate::reports::rates::RateRule { min_events: self.rate_min_events, flag_below: self.rate_flag_below }
    }
}

/// Retention and information governance: the policy installed on first start, and how often the
/// retention worker and the access review run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// The policy created when the database has none (admins change it at Admin → Retention).
    pub default_name: String,
    /// `date_of_birth`, `date_of_death`, `review_completed` or `case_closed`.
    pub default_trigger: String,
    pub default_years: u32,
    pub default_months: u32,
    /// `destroy` (identifying data; the statistical record stays) or `review`.
    pub default_action: String,
    /// How often the retention worker wakes: computes due dates that changed, runs the day's
    /// sweep once (whichever instance claims it), carries out approved destructions.
    pub worker_interval_seconds: u64,
    /// Days between access reviews; admins are reminded when one is due.
    pub access_review_every_days: u32,
    /// An account not signed in for this many days is flagged on the access review.
    pub unused_account_days: u32,
}

/// Recipients of the statutory dataset export (`cdop export dataset`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ExportsConfig {
    pub recipients: Vec<ExportRecipient>,
}

/// One recipient: a name (`ncmd`) and the X25519 age public key a full export is written to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExportRecipient {
    pub name: String,
    pub recipient: String,
}

/// What the service pages linked from every page's footer say (help, privacy notice).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PagesConfig {
    /// Who to contact for help, per area (`/help`).
    pub contacts: Vec<ContactConfig>,
    /// The data controller(s) named in the privacy notice.
    pub controller: String,
    /// How to reach the data protection officer (privacy notice).
    pub dpo_contact: String,
    /// How long identifying data is kept, in words (privacy notice).
    pub retention: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContactConfig {
    /// The area's name, or "All areas".
    pub area: String,
    pub team: String,
    pub email: String,
    pub phone: String,
    pub hours: String,
}

const REDACTED: &str = "(redacted)";

impl Default for Config {
    fn default() -> Self {
        Config {
            server: ServerConfig {
                bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
                public_url: String::new(),
                secure_cookies: None,
                shutdown_grace_seconds: 30,
                max_body_bytes: 1_048_576,
            },
            database: DatabaseConfig {
                url: "sqlite://data/cdop.sqlite".into(),
                auto_migrate: true,
                max_connections: 10,
                connect_timeout_seconds: 5,
            },
            log: LogConfig { format: LogFormat::Text, level: "info".into() },
            storage: StorageConfig { data_dir: PathBuf::from("data") },
            auth: AuthConfig {
                lockout_threshold: 5,
                lockout_minutes: 15,
                session_idle_minutes: 30,
                session_absolute_hours: 12,
                login_rate_per_minute: 20,
                mfa_required_roles: vec![Role::Admin, Role::Coordinator, Role::DesignatedDoctor],
            },
            crypto: CryptoConfig {
                identity_file: String::new(),
                recovery_recipients: Vec::new(),
                index_key_file: String::new(),
            },
            mail: MailConfig {
                transport: MailTransportKind::File,
                from: "CDOP <cdop@localhost>".into(),
                file_dir: String::new(),
                smtp: SmtpConfig {
                    host: "localhost".into(),
                    port: 587,
                    tls: SmtpTls::Starttls,
                    username: String::new(),
                    password: String::new(),
                },
                max_attempts: 8,
                retry_base_seconds: 30,
                send_timeout_seconds: 30,
                poll_interval_ms: 2000,
            },
            notify: NotifyConfig {
                public_enabled: true,
                public_rate_per_hour: 10,
                extra_recipients: Vec::new(),
                draft_days: 7,
            },
            forms: FormsConfig {
                dir: DEFAULT_FORMS_DIR.into(),
                due_days: 28,
                link_grace_days: 90,
                remind_before_days: vec![3],
                remind_on_due: true,
                remind_overdue_every_days: 7,
                escalate_after: 2,
                reminder_interval_seconds: 300,
                link_attempts_per_hour: 30,
            },
            review: ReviewConfig {
                pack_days_after_meeting: 14,
                action_remind_overdue_every_days: 14,
                briefing_remind_every_days: 7,
                briefing_reminders: 2,
                briefing_min_reviews: 5,
            },
            reports: ReportsConfig {
                suppress_from: 1,
                suppress_to: 4,
                secondary: true,
                published_windows_from: 2019,
                rate_min_events: 3,
                rate_flag_below: 20,
                themes_file: DEFAULT_THEMES_FILE.into(),
            },
            exports: ExportsConfig { recipients: Vec::new() },
            retention: RetentionConfig {
                default_name: "Children's records: to the 26th birthday".into(),
                default_trigger: "date_of_birth".into(),
                default_years: 26,
                default_months: 0,
                default_action: "destroy".into(),
                worker_interval_seconds: 600,
                access_review_every_days: 90,
                unused_account_days: 90,
            },
            pages: PagesConfig {
                contacts: Vec::new(),
                controller: "the child death review partners for the panel's areas: each local authority and integrated care board".into(),
                dpo_contact: "the data protection officer of the local authority or integrated care board for your area".into(),
                retention: "Identifying details are kept for as long as the child death review partners' records retention policy allows; the anonymised statistical record is kept so that annual reports do not change.".into(),
            },
        }
    }
}

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
    figment: Figment,
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

    fn from_figment(figment: Figment) -> Result<LoadedConfig, ConfigError> {
        let config: Config = figment.extract().map_err(|e| figment_error(&figment, e))?;
        let loaded = LoadedConfig { config, figment };
        loaded.config.validate(&loaded)?;
        Ok(loaded)
    }

    fn validate(&self, loaded: &LoadedConfig) -> Result<(), ConfigError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(loaded.error(
                "database.url",
                redact_url(url),
                "a URL starting sqlite:// or postgres://",
            ));
        }
        if self.database.max_connections == 0 {
            return Err(loaded.error("database.max_connections", "0", "at least 1"));
        }
        if self.log.level.parse::<tracing_subscriber::EnvFilter>().is_err() {
            return Err(loaded.error(
                "log.level",
                &self.log.level,
                "a tracing filter such as `info` or `cdop=debug,info`",
            ));
        }
        let r = &self.retention;
        if crate::domain::retention::Trigger::parse(&r.default_trigger).is_none() {
            return Err(loaded.error(
                "retention.default_trigger",
                &r.default_trigger,
                "date_of_birth, date_of_death, review_completed or case_closed",
            ));
        }
        if crate::domain::retention::RetentionAction::parse(&r.default_action).is_none() {
            return Err(loaded.error("retention.default_action", &r.default_action, "destroy or review"));
        }
        if r.default_months > 11 || r.default_years > 150 || r.default_years * 12 + r.default_months == 0 {
            return Err(loaded.error(
                "retention.default_years",
                format!("{} years {} months", r.default_years, r.default_months),
                "a period of at least 1 month: years up to 150, months 0 to 11",
            ));
        }
        if r.worker_interval_seconds == 0 || r.access_review_every_days == 0 || r.unused_account_days == 0 {
            return Err(loaded.error(
                "retention",
                "0",
                "worker_interval_seconds, access_review_every_days and unused_account_days of at least 1",
            ));
        }
        let url = &self.server.public_url;
        if !url.is_empty() && !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(loaded.error(
                "server.public_url",
                &self.server.public_url,
                "an http:// or https:// URL",
            ));
        }
        for (key, value) in [
            ("auth.lockout_threshold", self.auth.lockout_threshold),
            ("auth.session_idle_minutes", self.auth.session_idle_minutes),
            ("auth.session_absolute_hours", self.auth.session_absolute_hours),
            ("auth.login_rate_per_minute", self.auth.login_rate_per_minute),
            ("mail.max_attempts", self.mail.max_attempts),
            ("forms.due_days", self.forms.due_days),
            ("forms.link_attempts_per_hour", self.forms.link_attempts_per_hour),
            ("review.pack_days_after_meeting", self.review.pack_days_after_meeting),
        ] {
            if value == 0 {
                return Err(loaded.error(key, "0", "a number of at least 1"));
            }
        }
        if self.reports.suppress_from == 0 {
            return Err(loaded.error(
                "reports.suppress_from",
                "0",
                "at least 1 (zero counts are always shown)",
            ));
        }
        if self.reports.suppress_to < self.reports.suppress_from {
            return Err(loaded.error(
                "reports.suppress_to",
                self.reports.suppress_to.to_string(),
                "at least reports.suppress_from",
            ));
        }
        for (i, r) in self.exports.recipients.iter().enumerate() {
            if r.name.is_empty() || !r.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(loaded.error(
                    &format!("exports.recipients[{i}].name"),
                    &r.name,
                    "a short name of letters, digits, - and _",
                ));
            }
            if r.recipient.trim().parse::<age::x25519::Recipient>().is_err() {
                return Err(loaded.error(
                    &format!("exports.recipients[{i}].recipient"),
                    &r.recipient,
                    "an X25519 age recipient starting age1",
                ));
            }
        }
        for (i, r) in self.crypto.recovery_recipients.iter().enumerate() {
            if r.trim().parse::<age::x25519::Recipient>().is_err() {
                return Err(loaded.error(
                    "crypto.recovery_recipients",
                    format!("item {} ({r})", i + 1),
                    "X25519 age recipients, each starting age1",
                ));
            }
        }
        if crate::domain::email::EmailAddress::parse_mailbox(&self.mail.from).is_none() {
            return Err(loaded.error(
                "mail.from",
                &self.mail.from,
                "an email address, optionally with a name: `CDOP <cdop@example.org>`",
            ));
        }
        for r in &self.notify.extra_recipients {
            if crate::domain::email::EmailAddress::parse(r).is_err() {
                return Err(loaded.error("notify.extra_recipients", r, "email addresses"));
            }
        }
        for (i, c) in self.pages.contacts.iter().enumerate() {
            if !c.email.is_empty() && crate::domain::email::EmailAddress::parse(&c.email).is_err() {
                return Err(loaded.error(
                    &format!("pages.contacts[{i}].email"),
                    &c.email,
                    "an email address",
                ));
            }
        }
        if self.mail.transport == MailTransportKind::Smtp && self.mail.smtp.host.trim().is_empty() {
            return Err(loaded.error("mail.smtp.host", "", "the SMTP server's host name"));
        }
        Ok(())
    }

    /// Cookies are `Secure` unless configured otherwise or listening on loopback only.
    pub fn secure_cookies(&self) -> bool {
        self.server.secure_cookies.unwrap_or(!self.server.bind.ip().is_loopback())
    }

    /// The base URL for links in emails, without a trailing slash.
    pub fn public_url(&self) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            self.server.public_url.trim_end_matches('/').to_string()
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database.url.starts_with("sqlite:")
    }

    /// Resolves a path option that defaults to a place under the data directory.
    pub fn data_path(&self, configured: &str, default_relative: &str) -> PathBuf {
        if configured.is_empty() {
            self.storage.data_dir.join(default_relative)
        } else {
            PathBuf::from(configured)
        }
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

#[cfg(test)]
mod tests {
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
        assert_eq!(
            redact_url("postgres://cdop:s3cret@db:5432/cdop"),
            "postgres://cdop:(redacted)@db:5432/cdop"
        );
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
}
