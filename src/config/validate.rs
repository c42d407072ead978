//! The checks every configuration value passes at start-up, each failure naming the key, where
//! its value came from and what is expected.

use super::{Config, ConfigError, LoadedConfig, MailTransportKind, redact_url};

impl Config {
    pub(super) fn validate(&self, loaded: &LoadedConfig) -> Result<(), ConfigError> {
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
        let srv = &self.server;
        if srv.header_timeout_seconds == 0 || srv.request_timeout_seconds == 0 {
            return Err(loaded.error(
                "server",
                "0",
                "header_timeout_seconds and request_timeout_seconds of at least 1",
            ));
        }
        if let Some(bad) = srv.trusted_proxies.iter().find(|p| crate::net::IpRange::parse(p).is_none()) {
            return Err(loaded.error(
                "server.trusted_proxies",
                bad,
                "addresses or CIDR ranges such as 10.0.0.0/8 or 192.0.2.7",
            ));
        }
        if !srv.metrics_bind.is_empty() && srv.metrics_bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(loaded.error(
                "server.metrics_bind",
                &srv.metrics_bind,
                "an address and port such as 127.0.0.1:9464, or empty for no metrics endpoint",
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
            ("auth.reauthenticate_after_minutes", self.auth.reauthenticate_after_minutes),
            ("mail.max_attempts", self.mail.max_attempts),
            ("mail.max_per_case_per_day", self.mail.max_per_case_per_day),
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
        if self.reports.percent_decimals > 1 {
            return Err(loaded.error(
                "reports.percent_decimals",
                self.reports.percent_decimals.to_string(),
                "0 (whole numbers) or 1 (one decimal place)",
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
        super::sso::validate(&self.auth.sso, loaded)
    }
}
