//! The mail outbox: rows written in the same transaction as the change that causes them, sent by
//! the background sender. Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances
//! never claim the same message (SQLite serialises writers anyway); each claim carries its
//! sender's token, renewed just before each message is sent and checked when it is marked sent,
//! so a claim that expired during a slow batch is never sent twice.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::store::entities::mail_outbox;
use crate::store::{Db, StoreResult, begin_write, now};

pub use crate::store::entities::mail_outbox::Model as OutboxMessage;

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// One recipient's row: a staff address in clear, or a sealed address.
pub struct NewRecipient {
    pub to_address: Option<String>,
    pub sealed_to: Option<Vec<u8>>,
    pub sealed_key: String,
}

pub struct NewMessage<'a> {
    pub template: &'a str,
    pub case_reference: Option<&'a str>,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub calendar: Option<&'a str>,
}

/// Queues one message to each recipient, in one statement.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    m: NewMessage<'_>,
    recipients: Vec<NewRecipient>,
) -> StoreResult<usize> {
    let t = now();
    let n = recipients.len();
    let rows = recipients.into_iter().map(|r| mail_outbox::ActiveModel {
        template: Set(m.template.into()),
        case_reference: Set(m.case_reference.map(str::to_string)),
        to_address: Set(r.to_address),
        sealed_to: Set(r.sealed_to),
        sealed_key: Set(r.sealed_key),
        subject: Set(m.subject.into()),
        body_text: Set(m.body_text.into()),
        body_html: Set(m.body_html.into()),
        status: Set(PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(t),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(t),
        sent_at: Set(None),
        calendar: Set(m.calendar.map(str::to_string)),
        claim_token: Set(None),
        ..Default::default()
    });
    mail_outbox::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(n)
}

/// A batch of due messages claimed by one sender: `token` marks its claim, so the sender renews
/// and marks only the messages it still holds.
pub struct Claim {
    pub token: String,
    pub messages: Vec<OutboxMessage>,
}

/// Claims up to `limit` due messages for `hold` (a crashed sender's claims expire and are retried).
pub async fn claim_due(db: &Db, limit: u64, hold: TimeDelta) -> StoreResult<Claim> {
    let t = now();
    let token = uuid::Uuid::new_v4().simple().to_string();
    let txn = begin_write(db).await?;
    let due = mail_outbox::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(mail_outbox::Column::Status.eq(PENDING))
                        .add(mail_outbox::Column::NextAttemptAt.lte(t)),
                )
                .add(
                    Condition::all()
                        .add(mail_outbox::Column::Status.eq(SENDING))
                        .add(mail_outbox::Column::ClaimedUntil.lte(t)),
                ),
        )
        .order_by_asc(mail_outbox::Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if !due.is_empty() {
        mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::Status, SENDING.into())
            .col_expr(mail_outbox::Column::ClaimedUntil, Expr::value(Some(t + hold)))
            .col_expr(mail_outbox::Column::ClaimToken, Expr::value(Some(token.clone())))
            .filter(mail_outbox::Column::Id.is_in(due.iter().map(|m| m.id)))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Claim { token, messages: due })
}

/// Just before sending message `id`: extends this sender's claim on it to `hold` from now. False
/// when the claim is no longer this sender's (it expired and another sender took the message, or
/// the message was sent): the caller must not send it.
pub async fn renew(db: &Db, id: i64, token: &str, hold: TimeDelta) -> StoreResult<bool> {
    let result = mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::ClaimedUntil, Expr::value(Some(now() + hold)))
        .filter(mail_outbox::Column::Id.eq(id))
        .filter(mail_outbox::Column::Status.eq(SENDING))
        .filter(mail_outbox::Column::ClaimToken.eq(token))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks one message sent, the moment the relay accepted it.
pub async fn mark_sent(db: &Db, id: i64, token: &str) -> StoreResult<()> {
    mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::Status, SENT.into())
        .col_expr(mail_outbox::Column::Attempts, Expr::col(mail_outbox::Column::Attempts).add(1))
        .col_expr(mail_outbox::Column::SentAt, Expr::value(Some(now())))
        .col_expr(mail_outbox::Column::ClaimedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(mail_outbox::Column::ClaimToken, Expr::value(None::<String>))
        .col_expr(mail_outbox::Column::LastError, Expr::value(None::<String>))
        .filter(mail_outbox::Column::Id.eq(id))
        .filter(mail_outbox::Column::ClaimToken.eq(token))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: back to pending until `next`, or failed for good when `next` is None.
pub async fn mark_attempt_failed<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    attempts: i32,
    next: Option<DateTime<Utc>>,
    error: &str,
) -> StoreResult<()> {
    let (status, next_at) = match next {
        Some(t) => (PENDING, t),
        None => (FAILED, now()),
    };
    mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::Status, status.into())
        .col_expr(mail_outbox::Column::Attempts, attempts.into())
        .col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(next_at))
        .col_expr(mail_outbox::Column::ClaimedUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(mail_outbox::Column::ClaimToken, Expr::value(None::<String>))
        .col_expr(
            mail_outbox::Column::LastError,
            Expr::value(Some(error.chars().take(500).collect::<String>())),
        )
        .filter(mail_outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Messages that could not be sent, newest first.
pub async fn failed(db: &Db) -> StoreResult<Vec<OutboxMessage>> {
    Ok(mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Status.eq(FAILED))
        .order_by_desc(mail_outbox::Column::Id)
        .limit(500)
        .all(db)
        .await?)
}

/// Emails about case `reference` queued since `since` (every kind).
pub async fn count_for_case_since<C: ConnectionTrait>(
    conn: &C,
    reference: &str,
    since: DateTime<Utc>,
) -> StoreResult<u64> {
    Ok(mail_outbox::Entity::find()
        .filter(mail_outbox::Column::CaseReference.eq(reference))
        .filter(mail_outbox::Column::CreatedAt.gte(since))
        .count(conn)
        .await?)
}

/// Messages not yet sent (pending or being sent) and when the oldest was queued (for `/metrics`).
pub async fn unsent_depth<C: ConnectionTrait>(conn: &C) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
    crate::store::queue_depth(conn, "mail_outbox", &[PENDING, SENDING]).await
}

pub async fn count_with_status(db: &Db, status: &str) -> StoreResult<u64> {
    Ok(mail_outbox::Entity::find().filter(mail_outbox::Column::Status.eq(status)).count(db).await?)
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> StoreResult<Option<OutboxMessage>> {
    Ok(mail_outbox::Entity::find_by_id(id).one(db).await?)
}

/// Puts a failed message back in the queue with a fresh set of attempts.
pub async fn requeue<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<bool> {
    let result = mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::Status, PENDING.into())
        .col_expr(mail_outbox::Column::Attempts, 0.into())
        .col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(now()))
        .filter(mail_outbox::Column::Id.eq(id))
        .filter(mail_outbox::Column::Status.eq(FAILED))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Unsent messages not sealed to `key` (for rotation).
pub async fn unsent_not_sealed_to(
    db: &impl ConnectionTrait,
    key: &str,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<OutboxMessage>> {
    Ok(unsent_batch(
        mail_outbox::Entity::find().filter(mail_outbox::Column::SealedKey.ne(key)),
        after_id,
        limit,
    )
    .all(db)
    .await?)
}

/// Unsent messages of `q` after `after_id`, in id order, `limit` of them.
fn unsent_batch(
    q: sea_orm::Select<mail_outbox::Entity>,
    after_id: i64,
    limit: u64,
) -> sea_orm::Select<mail_outbox::Entity> {
    q.filter(mail_outbox::Column::Status.ne(SENT))
        .filter(mail_outbox::Column::Id.gt(after_id))
        .order_by_asc(mail_outbox::Column::Id)
        .limit(limit)
}

pub async fn count_unsent_not_sealed_to(db: &impl ConnectionTrait, key: &str) -> StoreResult<u64> {
    Ok(mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SealedTo.is_not_null())
        .filter(mail_outbox::Column::SealedKey.ne(key))
        .filter(mail_outbox::Column::Status.ne(SENT))
        .count(db)
        .await?)
}

/// Unsent messages in id order, in batches (for `cdop keys verify`).
pub async fn unsent_after(
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> StoreResult<Vec<OutboxMessage>> {
    Ok(unsent_batch(mail_outbox::Entity::find(), after_id, limit).all(db).await?)
}

pub async fn replace_sealed_to<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    sealed: Vec<u8>,
    key: &str,
) -> StoreResult<()> {
    mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::SealedTo, Expr::value(Some(sealed)))
        .col_expr(mail_outbox::Column::SealedKey, key.into())
        .filter(mail_outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
