//! Sending one message: SMTP (none / STARTTLS / implicit TLS, optional credentials) or `.eml`
//! files (the embedded default). The whole send is bounded by `mail.send_timeout_seconds`
//! (lettre's own timeout covers connecting only).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailTransportKind, SmtpTls};

pub enum Transport {
    /// `.eml` files in this directory, each written whole under a temporary name and then
    /// renamed, so that whatever picks them up never reads half a message.
    File(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Why a send failed, in words safe to store and show (no addresses, no server text).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("timed out after {0}s")]
    Timeout(u64),
    #[error("{0}")]
    Failed(String),
}

/// One message's content: subject, plain and HTML bodies, and an optional `.ics` attachment.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub calendar: Option<&'a str>,
}

impl Transport {
    pub fn from_config(mail: &MailConfig, file_dir: PathBuf) -> anyhow::Result<Transport> {
        Ok(match mail.transport {
            MailTransportKind::File => {
                std::fs::create_dir_all(&file_dir)?;
                Transport::File(file_dir)
            }
            MailTransportKind::Smtp => {
                let s = &mail.smtp;
                let builder = match s.tls {
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
                    SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?,
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
                };
                let mut builder =
                    builder.port(s.port).timeout(Some(Duration::from_secs(mail.send_timeout_seconds)));
                if !s.username.is_empty() {
                    builder = builder.credentials(Credentials::new(s.username.clone(), s.password.clone()));
                }
                Transport::Smtp(builder.build())
            }
        })
    }

    /// Sends one message (the whole exchange bounded by `timeout`).
    pub async fn send(
        &self,
        from: &str,
        to: &str,
        message: &Outgoing<'_>,
        timeout: Duration,
    ) -> Result<(), SendError> {
        let from: Mailbox = from.parse().map_err(|_| SendError::Failed("invalid From address".into()))?;
        let to: Mailbox = to.parse().map_err(|_| SendError::Failed("invalid recipient address".into()))?;
        let Outgoing { subject, text, html, calendar } = *message;
        let body = MultiPart::alternative_plain_html(text.to_string(), html.to_string());
        let body = match calendar {
            None => body,
            Some(ics) => {
                let kind = ContentType::parse("text/calendar; method=REQUEST; charset=UTF-8")
                    .map_err(|_| SendError::Failed("the calendar type could not be built".into()))?;
                MultiPart::mixed()
                    .multipart(body)
                    .singlepart(Attachment::new("invitation.ics".into()).body(ics.to_string(), kind))
            }
        };
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .message_id(None)
            .multipart(body)
            .map_err(|_| SendError::Failed("the message could not be built".into()))?;
        let sent = tokio::time::timeout(timeout, async {
            match self {
                Transport::File(dir) => write_eml(dir, &message.formatted()).await,
                Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| describe_smtp_error(&e)),
            }
        })
        .await;
        match sent {
            Ok(result) => result.map_err(SendError::Failed),
            Err(_) => Err(SendError::Timeout(timeout.as_secs())),
        }
    }
}

/// Writes one message as `{uuid}.eml`: whole under a temporary name, then renamed (a rename
/// within a directory is atomic), so a reader never sees a file being written.
async fn write_eml(dir: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    let id = uuid::Uuid::new_v4();
    let (partial, whole) = (dir.join(format!(".{id}.eml.part")), dir.join(format!("{id}.eml")));
    let failed = |e: std::io::Error| format!("could not write the message file ({})", e.kind());
    tokio::fs::write(&partial, bytes).await.map_err(failed)?;
    tokio::fs::rename(&partial, &whole).await.map_err(failed)
}

/// A category and status code only: server replies can quote addresses.
fn describe_smtp_error(e: &lettre::transport::smtp::Error) -> String {
    let code = e.status().map(|c| format!(" (SMTP {c})")).unwrap_or_default();
    let kind = if e.is_transient() {
        "the mail server refused for now"
    } else if e.is_permanent() {
        "the mail server refused the message"
    } else if e.is_timeout() {
        "the mail server did not answer in time"
    } else if e.is_tls() {
        "TLS with the mail server failed"
    } else if e.is_response() {
        "the mail server sent an unexpected reply"
    } else {
        "could not reach the mail server"
    };
    format!("{kind}{code}")
}
