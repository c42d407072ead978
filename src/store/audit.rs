//! The append-only, hash-chained audit trail.
//!
//! `audit_head` holds the sequence number of the newest event and the hash of the one before it.
//! Appending updates the head first (one `UPDATE … RETURNING`), which serialises appenders on both
//! databases and yields the previous hash, then inserts the event whose hash covers its fields and
//! that previous hash. Append inside the transaction of the
//! change being audited, so the change and its event commit together or not at all.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use sha2::{Digest, Sha256};

use crate::domain::audit::AuditEvent;
use crate::store::entities::audit_event::{self, Entity as AuditEvents};
use crate::store::{Db, StoreError, StoreResult, begin_write, now};

/// The hash of the event before the first one.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Appends `event` using `conn`, which should be the transaction of the audited change.
pub async fn append<C: ConnectionTrait>(conn: &C, event: &AuditEvent) -> StoreResult<i64> {
    let backend = conn.get_database_backend();
    let head = conn
        .query_one_raw(Statement::from_string(
            backend,
            // One statement locks the head, takes the next number and moves the head's hash to the
            // newest event's (SET expressions see the old row), which is this event's previous hash.
            "UPDATE audit_head SET seq = seq + 1, \
             hash = COALESCE((SELECT e.hash FROM audit_events e WHERE e.seq = audit_head.seq), hash) \
             WHERE id = 1 RETURNING seq, hash",
        ))
        .await?
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("audit_head row is missing")))?;
    let seq: i64 = head.try_get("", "seq")?;
    let prev_hash: String = head.try_get("", "hash")?;
    let model = audit_event::Model {
        seq,
        occurred_at: now(),
        actor_user_id: event.actor.user_id(),
        actor: event.actor.to_string(),
        action: event.action.as_str().to_string(),
        object_type: event.object_type.to_string(),
        object_ref: truncate(&event.object_ref, 64),
        area_id: event.area_id,
        request_id: truncate(&event.request_id, 64),
        details: truncate(&event.details, 500),
        prev_hash: prev_hash.clone(),
        hash: String::new(),
    };
    let hash = event_hash(&model);
    let active = audit_event::ActiveModel::from(audit_event::Model { hash, ..model });
    AuditEvents::insert(active).exec_without_returning(conn).await?;
    Ok(seq)
}

/// Appends in a transaction of its own (for events with no other change, e.g. a failed sign-in).
pub async fn append_now(db: &Db, event: &AuditEvent) -> StoreResult<i64> {
    let txn = begin_write(db).await?;
    let seq = append(&txn, event).await?;
    txn.commit().await?;
    Ok(seq)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// SHA-256 over every field of the event (unambiguously delimited) and the previous hash.
pub fn event_hash(e: &audit_event::Model) -> String {
    let mut h = Sha256::new();
    let fields: [String; 11] = [
        e.seq.to_string(),
        timestamp(&e.occurred_at),
        e.actor_user_id.map(|v| v.to_string()).unwrap_or_default(),
        e.actor.clone(),
        e.action.clone(),
        e.object_type.clone(),
        e.object_ref.clone(),
        e.area_id.map(|v| v.to_string()).unwrap_or_default(),
        e.request_id.clone(),
        e.details.clone(),
        e.prev_hash.clone(),
    ];
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    data_encoding::HEXLOWER.encode(&h.finalize())
}

/// What `cdop audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub checked: u64,
    pub broken: Option<BrokenLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain in order and reports the first event that does not verify.
pub async fn verify(db: &Db) -> StoreResult<VerifyReport> {
    let mut expected_prev = GENESIS.to_string();
    // The head keeps the newest event's previous hash.
    let mut last_prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    loop {
        let batch = AuditEvents::find()
            .filter(audit_event::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            let broken =
                |reason: String| VerifyReport { checked, broken: Some(BrokenLink { seq: e.seq, reason }) };
            if e.seq != expected_seq {
                return Ok(VerifyReport {
                    checked,
                    broken: Some(BrokenLink {
                        seq: expected_seq,
                        reason: format!("event {expected_seq} is missing (next present is {})", e.seq),
                    }),
                });
            }
            if e.prev_hash != expected_prev {
                return Ok(broken(format!(
                    "event {} ({}) does not link to event {}: its previous-hash field was changed, or an event before it was replaced",
                    e.seq,
                    e.action,
                    e.seq - 1
                )));
            }
            if event_hash(&e) != e.hash {
                return Ok(broken(format!(
                    "event {} ({} at {}) was altered: its contents no longer match its hash",
                    e.seq,
                    e.action,
                    timestamp(&e.occurred_at)
                )));
            }
            last_prev = e.prev_hash.clone();
            expected_prev = e.hash.clone();
            expected_seq += 1;
            checked += 1;
        }
    }
    let head = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT seq, hash FROM audit_head WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("audit_head row is missing")))?;
    let head_seq: i64 = head.try_get("", "seq")?;
    let head_hash: String = head.try_get("", "hash")?;
    if head_seq != expected_seq - 1 || head_hash != last_prev {
        return Ok(VerifyReport {
            checked,
            broken: Some(BrokenLink {
                seq: expected_seq,
                reason: format!(
                    "the chain ends at event {} but the head records event {head_seq}: events were removed from the end",
                    expected_seq - 1
                ),
            }),
        });
    }
    Ok(VerifyReport { checked, broken: None })
}

/// Filters for the audit pages and the CSV export.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user_id: Option<i64>,
    pub action: Option<String>,
    pub object_ref: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn condition(f: &AuditFilter) -> Condition {
    let mut c = Condition::all();
    if let Some(id) = f.actor_user_id {
        c = c.add(audit_event::Column::ActorUserId.eq(id));
    }
    if let Some(action) = &f.action {
        // A prefix such as `auth.` selects a family of actions.
        if action.ends_with('.') {
            c = c.add(audit_event::Column::Action.starts_with(action.as_str()));
        } else {
            c = c.add(audit_event::Column::Action.eq(action.as_str()));
        }
    }
    if let Some(object) = &f.object_ref {
        c = c.add(audit_event::Column::ObjectRef.eq(object.as_str()));
    }
    if let Some(from) = f.from {
        c = c.add(audit_event::Column::OccurredAt.gte(from));
    }
    if let Some(to) = f.to {
        c = c.add(audit_event::Column::OccurredAt.lt(to));
    }
    c
}

/// One page of events, newest first, and the number matching.
pub async fn search(
    db: &Db,
    f: &AuditFilter,
    page: u64,
    per_page: u64,
) -> StoreResult<(Vec<audit_event::Model>, u64)> {
    let query = AuditEvents::find().filter(condition(f));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(audit_event::Column::Seq)
        .offset(page.saturating_mul(per_page))
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Every matching event, oldest first, in batches (for the CSV export).
pub async fn for_each_matching(
    db: &Db,
    f: &AuditFilter,
    mut each: impl FnMut(&audit_event::Model) -> anyhow::Result<()>,
) -> StoreResult<u64> {
    let mut after = 0i64;
    let mut n = 0u64;
    loop {
        let batch = AuditEvents::find()
            .filter(condition(f))
            .filter(audit_event::Column::Seq.gt(after))
            .order_by_asc(audit_event::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            each(e)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Events about one object, oldest first (a case's timeline).
pub async fn for_object(
    db: &Db,
    object_type: &str,
    object_ref: &str,
) -> StoreResult<Vec<audit_event::Model>> {
    Ok(AuditEvents::find()
        .filter(audit_event::Column::ObjectType.eq(object_type))
        .filter(audit_event::Column::ObjectRef.eq(object_ref))
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await?)
}
