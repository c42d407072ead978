//! Email: rendering (`render`), the transports (`transport`), and queuing into the outbox in the
//! caller's transaction. The sender itself is a background job (`jobs::outbox`).
//!
//! Emails never carry identifying data about a child or family: a case reference, the area and a
//! link only. Recipient addresses are sealed in the outbox like case data.

use sea_orm::ConnectionTrait;

use crate::crypto::envelope::Keyring;
use crate::store::StoreResult;
use crate::store::outbox::{self, NewMessage};

pub mod render;
pub mod transport;

pub use render::RenderedEmail;

/// An email to queue for one or more recipients; each recipient gets an outbox row of their own.
pub struct Outgoing<'a> {
    pub email: &'a RenderedEmail,
    pub recipients: &'a [String],
    pub case_reference: Option<&'a str>,
}

/// Sealed recipient addresses, computed off the async threads before the transaction.
pub struct SealedRecipients(pub Vec<Vec<u8>>, pub String);

/// Seals each address (blocking work: call from `spawn_blocking`).
pub fn seal_recipients(keyring: &Keyring, recipients: &[String]) -> anyhow::Result<SealedRecipients> {
    let sealed = recipients.iter().map(|r| keyring.seal(r.as_bytes())).collect::<Result<Vec<_>, _>>()?;
    Ok(SealedRecipients(sealed, keyring.key_id()))
}

/// Queues `out` using `conn` (the caller's transaction).
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    out: &Outgoing<'_>,
    sealed: SealedRecipients,
) -> StoreResult<usize> {
    let SealedRecipients(addresses, key) = sealed;
    let n = addresses.len();
    for sealed_to in addresses {
        outbox::enqueue(
            conn,
            NewMessage {
                template: out.email.template,
                case_reference: out.case_reference,
                sealed_to,
                sealed_key: key.clone(),
                subject: &out.email.subject,
                body_text: &out.email.text,
                body_html: &out.email.html,
            },
        )
        .await?;
    }
    debug_assert_eq!(n, out.recipients.len());
    Ok(n)
}
