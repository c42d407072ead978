//! Typed, validated configuration.
//!
//! Layers, later ones winning: the built-in defaults below ← `config/default.toml` (read from the
//! working directory when present) ← the file named by `--config PATH` or `CDOP_CONFIG` ←
//! environment variables `CDOP__SECTION__KEY`. Every value is checked at start-up; an invalid one
//! stops the process with a message that names the key, where the value came from and what is
//! expected. Secrets are never printed: [`LoadedConfig::describe`] redacts them.
//!
//! Here: the types, one per section, with their built-in defaults. `load`: the layers, where each
//! value came from (provenance) and figment's errors in words. `validate`: the checks every value
//! passes before the service starts.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::domain::retention::{RetentionAction, Trigger};
use crate::domain::role::Role;

mod load;
mod sso;
mod validate;

pub use load::{ConfigError, LoadedConfig, redact_url};
pub use sso::{EmailClaim, SsoProvider, TokenAuth};

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
    /// Time a client has to send a request's headers: from the connection opening, or from the
    /// previous response on a kept-alive connection (so it is also the idle timeout). A
    /// connection that has not sent a whole request head by then is closed.
    pub header_timeout_seconds: u64,
    /// Time one request may take, reading its body included; then `408 Request Timeout`.
    pub request_timeout_seconds: u64,
    /// Proxies and load balancers in front of the service (addresses or CIDR ranges such as
    /// `10.0.0.0/8`). A request from one of them is counted against the client address it names
    /// in `X-Forwarded-For` (the rightmost one not itself a trusted proxy). Empty: the connecting
    /// address is the client.
    pub trusted_proxies: Vec<String>,
    /// Address for the Prometheus `/metrics` endpoint, apart from the service's own port (e.g.
    /// `127.0.0.1:9464`). Empty: no metrics endpoint.
    pub metrics_bind: String,
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
    /// A single sign-on session older than this signs in again with its provider before revealing
    /// identities or signing off an analysis.
    pub reauthenticate_after_minutes: u32,
    /// OpenID Connect providers staff may sign in through (`[[auth.sso]]`); local accounts stay.
    pub sso: Vec<SsoProvider>,
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
    /// Most emails staff actions may queue about one case in 24 hours (information requests):
    /// every email about the case counts; beyond it the action is refused, saying so.
    pub max_per_case_per_day: u32,
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
    /// Percentages in reports: 1 (one decimal place, as NCMD publishes) or 0 (whole numbers).
    pub percent_decimals: u8,
    /// The predefined thematic reports (see `config/themes.toml`).
    pub themes_file: String,
}

/// Retention and information governance: the policy installed on first start, and how often the
/// retention worker and the access review run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// The policy created when the database has none (admins change it at Admin → Retention).
    pub default_name: String,
    /// `date_of_birth`, `date_of_death`, `review_completed` or `case_closed`.
    pub default_trigger: Trigger,
    pub default_years: u32,
    pub default_months: u32,
    /// `destroy` (identifying data; the statistical record stays) or `review`.
    pub default_action: RetentionAction,
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
                header_timeout_seconds: 10,
                request_timeout_seconds: 120,
                trusted_proxies: Vec::new(),
                metrics_bind: String::new(),
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
                // Every role that signs in (Cyber Essentials v3.3 expects MFA enforced for all users).
                mfa_required_roles: Role::ALL.to_vec(),
                reauthenticate_after_minutes: 15,
                sso: Vec::new(),
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
                max_per_case_per_day: 200,
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
                percent_decimals: 1,
                themes_file: DEFAULT_THEMES_FILE.into(),
            },
            exports: ExportsConfig { recipients: Vec::new() },
            retention: RetentionConfig {
                default_name: "Children's records: to the 26th birthday".into(),
                default_trigger: Trigger::DateOfBirth,
                default_years: 26,
                default_months: 0,
                default_action: RetentionAction::Destroy,
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

impl Config {
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

#[cfg(test)]
mod tests;
