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

/// A message whose body must not rest in clear (it carries a form link's token): the address and
/// the body are sealed together in the recipient's sealed field, and the outbox row's clear body
/// says only that it is sealed. Rotation and `keys verify` treat the sealed field as before.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SealedMail {
    pub to: String,
    pub text: String,
    pub html: String,
}

/// What the outbox keeps in clear for a message with a sealed body.
pub const SEALED_BODY: &str = "(The body of this message is sealed: it holds a single-use form link.)";

/// Seals `email`'s body with each address (external addresses only); returns the email to queue
/// (body replaced by a placeholder) and its recipients.
pub fn prepare_private(
    keyring: &Keyring,
    email: &RenderedEmail,
    addresses: &[String],
) -> anyhow::Result<(RenderedEmail, PreparedRecipients)> {
    let key = keyring.key_id();
    let rows = addresses
        .iter()
        .map(|to| {
            let plain = serde_json::to_vec(&SealedMail {
                to: to.clone(),
                text: email.text.clone(),
                html: email.html.clone(),
            })?;
            Ok(NewRecipient {
                to_address: None,
                sealed_to: Some(keyring.seal(&plain)?),
                sealed_key: key.clone(),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let queued =
        RenderedEmail { text: SEALED_BODY.into(), html: format!("<p>{SEALED_BODY}</p>"), ..email.clone() };
    Ok((queued, PreparedRecipients(rows)))
}

/// An opened sealed recipient: a bare address, or an address with its sealed body.
pub fn opened_recipient(plain: &[u8]) -> Option<(String, Option<(String, String)>)> {
    if plain.first() == Some(&b'{') {
        let m: SealedMail = serde_json::from_slice(plain).ok()?;
        return Some((m.to, Some((m.text, m.html))));
    }
    String::from_utf8(plain.to_vec()).ok().map(|a| (a, None))
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
            calendar: email.calendar.as_deref(),
        },
        recipients.0,
    )
    .await
}
