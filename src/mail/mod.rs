//! Email: rendering (`render`), the transports (`transport`), and queuing into the outbox in the
//! caller's transaction. The sender itself is a background job (`jobs::outbox`).
//!
//! Emails never carry identifying data about a child or family: a case reference, the area and a
//! link only. Staff and team addresses are kept in clear (they are the users' own addresses);
//! anyone else's (a notifier's receipt) is sealed in the outbox like case data.

use sea_orm::ConnectionTrait;

use crate::crypto::envelope::Keyring;
use crate::store::StoreResult;
use crate::store::outbox::{self, NewMessage, NewRecipient};

pub mod render;
pub mod transport;

pub use render::RenderedEmail;

/// Who an email goes to. Staff and team mailboxes are stored in clear (they identify no child);
/// anyone else's address is sealed like case data.
#[derive(Debug, Clone)]
pub enum Recipient {
    Staff(String),
    External(String),
}

/// Recipients ready for the outbox, sealed where needed (call off the async threads).
pub struct PreparedRecipients(pub Vec<NewRecipient>);

/// Seals the external addresses (blocking work: call from `spawn_blocking`).
pub fn prepare_recipients(keyring: &Keyring, recipients: &[Recipient]) -> anyhow::Result<PreparedRecipients> {
    let key = keyring.key_id();
    let rows = recipients
        .iter()
        .map(|r| match r {
            Recipient::Staff(address) => Ok(NewRecipient {
                to_address: Some(address.clone()),
                sealed_to: None,
                sealed_key: String::new(),
            }),
            Recipient::External(address) => Ok(NewRecipient {
                to_address: None,
                sealed_to: Some(keyring.seal(address.as_bytes())?),
                sealed_key: key.clone(),
            }),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(PreparedRecipients(rows))
}

/// Whether any recipient needs sealing (so callers can skip the blocking pool when none does).
pub fn needs_sealing(recipients: &[Recipient]) -> bool {
    recipients.iter().any(|r| matches!(r, Recipient::External(_)))
}

/// Queues `email` for every prepared recipient using `conn` (the caller's transaction).
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    email: &RenderedEmail,
    case_reference: Option<&str>,
    recipients: PreparedRecipients,
) -> StoreResult<usize> {
    if recipients.0.is_empty() {
        return Ok(0);
    }
    outbox::enqueue(
        conn,
        NewMessage {
            template: email.template,
            case_reference,
            subject: &email.subject,
            body_text: &email.text,
            body_html: &email.html,
        },
        recipients.0,
    )
    .await
}
