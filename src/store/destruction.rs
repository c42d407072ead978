//! The destruction queue (entries grouped in batches, two-person approval) and the destruction of
//! one case's identifying data: every sealed record and narrative of the case is deleted or
//! emptied and its blind indexes cleared, in the caller's transaction; the coded record stays.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use super::retention::DESTROYED_KEY;
use super::{StoreError, StoreResult, bind_list, now};
use crate::domain::retention::EntryStatus;

use super::stmt;

/// An entry of the queue, with the names an admin page shows.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Entry {
    pub id: i64,
    pub case_id: i64,
    pub reference: String,
    pub area_id: i64,
    pub status: String,
    pub due_on: NaiveDate,
    pub policy_id: Option<i64>,
    pub policy_name: Option<String>,
    pub action: String,
    pub listed_at: DateTime<Utc>,
    pub batch_id: Option<i64>,
    pub batch_reason: Option<String>,
    pub queued_by: Option<i64>,
    pub queued_by_name: Option<String>,
    pub queued_at: Option<DateTime<Utc>>,
    pub approved_by: Option<i64>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approve_reason: Option<String>,
    pub closed_by_name: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub destroyed_at: Option<DateTime<Utc>>,
    pub classes: Option<String>,
    /// The policy's name and rule as they stood when the case was destroyed.
    pub policy_words: Option<String>,
    /// The certificate's number: 1, 2, 3… in the order cases were destroyed.
    pub certificate_no: Option<i64>,
}

impl Entry {
    pub fn status(&self) -> Option<EntryStatus> {
        EntryStatus::parse(&self.status)
    }

    /// The certificate number of a destroyed entry ("DC-000001" for the first case destroyed).
    pub fn certificate(&self) -> String {
        certificate_number(self.certificate_no.unwrap_or(self.id))
    }
}

pub fn certificate_number(number: i64) -> String {
    format!("DC-{number:06}")
}

const SELECT: &str = "SELECT e.id, e.case_id, c.reference, c.area_id, e.status, e.due_on, e.policy_id, \
     p.name AS policy_name, e.action, e.listed_at, e.batch_id, b.reason AS batch_reason, e.queued_by, \
     uq.name AS queued_by_name, e.queued_at, e.approved_by, ua.name AS approved_by_name, e.approved_at, \
     e.approve_reason, uc.name AS closed_by_name, e.closed_at, e.close_reason, e.destroyed_at, e.classes, \
     e.policy_words, e.certificate_no \
     FROM destruction_entries e JOIN cases c ON c.id = e.case_id \
     LEFT JOIN retention_policies p ON p.id = e.policy_id \
     LEFT JOIN destruction_batches b ON b.id = e.batch_id \
     LEFT JOIN users uq ON uq.id = e.queued_by \
     LEFT JOIN users ua ON ua.id = e.approved_by \
     LEFT JOIN users uc ON uc.id = e.closed_by";

/// Entries in one of `statuses`, oldest first (at most `limit`).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    statuses: &[EntryStatus],
    limit: u64,
) -> StoreResult<Vec<Entry>> {
    let mut values = Vec::new();
    let codes: Vec<&str> = statuses.iter().map(|s| s.code()).collect();
    let list = bind_list(&mut values, &codes);
    values.push((limit as i64).into());
    let order =
        if statuses.contains(&EntryStatus::Destroyed) { "e.destroyed_at DESC, e.id DESC" } else { "e.id" };
    let sql = format!("{SELECT} WHERE e.status IN ({list}) ORDER BY {order} LIMIT ${}", values.len());
    Ok(Entry::find_by_statement(stmt(conn, &sql, values)).all(conn).await?)
}

/// Entries by status, as (status code, count).
#[derive(Debug, Clone, Default)]
pub struct StatusCounts(pub Vec<(String, i64)>);

impl StatusCounts {
    pub fn get(&self, status: EntryStatus) -> i64 {
        self.0.iter().find(|(c, _)| c == status.code()).map(|(_, n)| *n).unwrap_or(0)
    }
}

/// Counts by status.
pub async fn counts<C: ConnectionTrait>(conn: &C) -> StoreResult<StatusCounts> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT status, COUNT(*) AS n FROM destruction_entries GROUP BY status ORDER BY status",
            vec![],
        ))
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push((r.try_get("", "status")?, r.try_get("", "n")?));
    }
    Ok(StatusCounts(out))
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> StoreResult<Option<Entry>> {
    let sql = format!("{SELECT} WHERE e.id = $1");
    Ok(Entry::find_by_statement(stmt(conn, &sql, vec![id.into()])).one(conn).await?)
}

/// Every entry of one case, newest first (its retention history).
pub async fn for_case<C: ConnectionTrait>(conn: &C, case_id: i64) -> StoreResult<Vec<Entry>> {
    let sql = format!("{SELECT} WHERE e.case_id = $1 ORDER BY e.id DESC");
    Ok(Entry::find_by_statement(stmt(conn, &sql, vec![case_id.into()])).all(conn).await?)
}

/// A case that is due, not held and not yet in the queue.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Candidate {
    pub id: i64,
    pub reference: String,
    pub due_on: NaiveDate,
    pub policy_id: Option<i64>,
    pub action: String,
}

/// The next cases due by `today` (after case id `after`), not held, not already queued.
pub async fn candidates<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
    after: i64,
    limit: u64,
) -> StoreResult<Vec<Candidate>> {
    let sql = format!(
        "SELECT c.id, c.reference, c.retention_due_on AS due_on, c.retention_policy_id AS policy_id, \
         COALESCE(p.action, 'review') AS action FROM cases c \
         LEFT JOIN retention_policies p ON p.id = c.retention_policy_id \
         WHERE c.retention_due_on <= $1 AND c.id > $2 AND c.destroyed_at IS NULL AND c.retention_stale = $3 \
         AND NOT EXISTS (SELECT 1 FROM destruction_entries e WHERE e.open_case_id = c.id) \
         AND NOT {} ORDER BY c.id LIMIT $4",
        super::holds::HELD
    );
    Ok(Candidate::find_by_statement(stmt(
        conn,
        &sql,
        vec![today.into(), after.into(), false.into(), (limit as i64).into()],
    ))
    .all(conn)
    .await?)
}

/// Lists candidates in the queue as due; returns how many went in (a case already there by a
/// concurrent sweep is skipped).
pub async fn insert_due<C: ConnectionTrait>(conn: &C, rows: &[Candidate]) -> StoreResult<u64> {
    let mut inserted = 0;
    let t = now();
    for chunk in rows.chunks(200) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 8);
        let mut tuples = Vec::with_capacity(chunk.len());
        for c in chunk {
            let start = values.len();
            values.extend([
                c.id.into(),
                c.id.into(),
                EntryStatus::Due.code().into(),
                c.due_on.into(),
                c.policy_id.into(),
                c.action.clone().into(),
                t.into(),
                t.into(),
            ]);
            tuples.push(format!(
                "({})",
                (start + 1..=start + 8).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            ));
        }
        let sql = format!(
            "INSERT INTO destruction_entries (case_id, open_case_id, status, due_on, policy_id, action, listed_at, \
             updated_at) VALUES {} ON CONFLICT (open_case_id) DO NOTHING",
            tuples.join(", ")
        );
        inserted += conn.execute_raw(stmt(conn, &sql, values)).await?.rows_affected();
    }
    Ok(inserted)
}

/// Puts due entries forward for approval as one batch; returns (batch id, entries queued).
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    by: i64,
    reason: &str,
) -> StoreResult<(i64, u64)> {
    let t = now();
    let row = conn
        .query_one_raw(stmt(
            conn,
            "INSERT INTO destruction_batches (queued_by, queued_at, reason) VALUES ($1, $2, $3) RETURNING id",
            vec![by.into(), t.into(), reason.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let batch: i64 = row.try_get("", "id")?;
    let mut values: Vec<Value> = vec![
        EntryStatus::Queued.code().into(),
        batch.into(),
        by.into(),
        t.into(),
        EntryStatus::Due.code().into(),
    ];
    let list = bind_list(&mut values, ids);
    let sql = format!(
        "UPDATE destruction_entries SET status = $1, batch_id = $2, queued_by = $3, queued_at = $4, updated_at = $4, \
         version = version + 1 WHERE status = $5 AND id IN ({list})"
    );
    let n = conn.execute_raw(stmt(conn, &sql, values)).await?.rows_affected();
    Ok((batch, n))
}

/// Approves queued entries not queued by `by` (two people); returns how many.
pub async fn approve<C: ConnectionTrait>(conn: &C, ids: &[i64], by: i64, reason: &str) -> StoreResult<u64> {
    let mut values: Vec<Value> = vec![
        EntryStatus::Approved.code().into(),
        by.into(),
        now().into(),
        reason.into(),
        EntryStatus::Queued.code().into(),
    ];
    let list = bind_list(&mut values, ids);
    let sql = format!(
        "UPDATE destruction_entries SET status = $1, approved_by = $2, approved_at = $3, approve_reason = $4, \
         updated_at = $3, version = version + 1 WHERE status = $5 AND queued_by <> $2 AND id IN ({list})"
    );
    Ok(conn.execute_raw(stmt(conn, &sql, values)).await?.rows_affected())
}

/// Closes an open entry as excluded or withdrawn, with the reason; `false` when it was not open.
pub async fn close<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    status: EntryStatus,
    by: Option<i64>,
    reason: &str,
) -> StoreResult<bool> {
    let t = now();
    let values: Vec<Value> = vec![
        status.code().into(),
        by.into(),
        t.into(),
        reason.into(),
        id.into(),
        EntryStatus::Due.code().into(),
        EntryStatus::Queued.code().into(),
        EntryStatus::Approved.code().into(),
    ];
    let n = conn
        .execute_raw(stmt(
            conn,
            "UPDATE destruction_entries SET status = $1, open_case_id = NULL, closed_by = $2, closed_at = $3, \
             close_reason = $4, updated_at = $3, version = version + 1 WHERE id = $5 AND status IN ($6, $7, $8)",
            values,
        ))
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Withdraws every open entry whose case is now under a hold; returns the cases' references.
pub async fn withdraw_held<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<(i64, String)>> {
    let sql = format!(
        "SELECT e.id, c.reference FROM destruction_entries e JOIN cases c ON c.id = e.case_id \
         WHERE e.open_case_id IS NOT NULL AND {}",
        super::holds::HELD
    );
    let rows = conn.query_all_raw(stmt(conn, &sql, vec![])).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("", "id")?;
        if close(conn, id, EntryStatus::Withdrawn, None, "A legal hold was placed on the case").await? {
            out.push((id, r.try_get("", "reference")?));
        }
    }
    Ok(out)
}

/// Ids of approved entries waiting to be carried out, oldest first.
pub async fn approved_ids<C: ConnectionTrait>(conn: &C, limit: u64) -> StoreResult<Vec<i64>> {
    let rows = conn
        .query_all_raw(stmt(
            conn,
            "SELECT id FROM destruction_entries WHERE status = $1 ORDER BY id LIMIT $2",
            vec![EntryStatus::Approved.code().into(), (limit as i64).into()],
        ))
        .await?;
    rows.iter().map(|r| Ok(r.try_get::<i64>("", "id")?)).collect()
}

/// Serialises a destruction with hold placements: on PostgreSQL the guard row is locked for the
/// rest of the transaction (a hold placed meanwhile waits, or was committed first and is seen);
/// on SQLite the write transaction already excludes every other writer.
pub async fn lock_guard<C: ConnectionTrait>(conn: &C) -> StoreResult<()> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.query_one_raw(stmt(
            conn,
            "SELECT holds_placed FROM retention_guard WHERE id = 1 FOR UPDATE",
            vec![],
        ))
        .await?;
    }
    Ok(())
}

/// What was destroyed for one case: classes of data and how many records of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destroyed {
    /// The sealed identity (child, death, family, notifier, professionals) and its blind indexes.
    pub identity: u64,
    /// Earlier versions of the notification.
    pub versions: u64,
    /// Agency form requests: the professional asked, and their sealed answers and narratives.
    pub form_recipients: u64,
    pub form_answers: u64,
    /// The anonymised pack summary and the checked narratives.
    pub pack_summaries: u64,
    pub pack_narratives: u64,
    /// The analysis' sealed narratives (factor descriptions, learning, reasons), per revision.
    pub analysis_narratives: u64,
    /// The family contact log and the key worker.
    pub family_contacts: u64,
    pub key_workers: u64,
    /// Emails to people outside the service (a notifier's receipt, form links).
    pub emails: u64,
    /// Minutes of meetings whose every case has now been destroyed.
    pub meeting_minutes: u64,
    /// Minutes kept because the meeting also reviewed cases whose data is still held (they go
    /// with the last of them).
    #[serde(default)]
    pub meeting_minutes_kept: u64,
    /// Notifications of the same child merged into this case as duplicates, destroyed with it.
    #[serde(default)]
    pub merged_duplicates: u64,
}

impl Destroyed {
    /// (class, count) in the order a certificate lists them.
    pub fn lines(&self) -> Vec<(&'static str, u64)> {
        vec![
            (
                "Identity record (child, death, family, notifier and professionals) and its search indexes",
                self.identity,
            ),
            ("Earlier versions of the notification", self.versions),
            ("Agency form requests: the professionals asked", self.form_recipients),
            ("Agency form answers and narratives", self.form_answers),
            ("Case pack summary", self.pack_summaries),
            ("Case pack narratives", self.pack_narratives),
            ("Analysis narratives (factor descriptions, learning, reasons)", self.analysis_narratives),
            ("Family contact log entries", self.family_contacts),
            ("Key worker details", self.key_workers),
            ("Emails to people outside the service", self.emails),
            ("Meeting minutes (meetings whose every case is now destroyed)", self.meeting_minutes),
            ("Duplicate notifications of the same child merged into this case", self.merged_duplicates),
        ]
    }

    /// Adds another case's counts (a merged duplicate destroyed with it).
    fn add(&mut self, o: &Destroyed) {
        self.identity += o.identity;
        self.versions += o.versions;
        self.form_recipients += o.form_recipients;
        self.form_answers += o.form_answers;
        self.pack_summaries += o.pack_summaries;
        self.pack_narratives += o.pack_narratives;
        self.analysis_narratives += o.analysis_narratives;
        self.family_contacts += o.family_contacts;
        self.key_workers += o.key_workers;
        self.emails += o.emails;
    }

    /// What was kept for now, with counts (shown on the certificate when not zero).
    pub fn kept(&self) -> Vec<(&'static str, u64)> {
        vec![(
            "Minutes of meetings that also reviewed other cases (destroyed with the last of them)",
            self.meeting_minutes_kept,
        )]
    }
}

/// Midnight (UTC) on the first day of `t`'s month.
fn month_of(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::{Datelike, TimeZone};
    Utc.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0).single().unwrap_or(t)
}

async fn exec<C: ConnectionTrait>(conn: &C, sql: &str, values: Vec<Value>) -> StoreResult<u64> {
    Ok(conn.execute_raw(stmt(conn, sql, values)).await?.rows_affected())
}

/// Destroys one case's identifying data (in the caller's transaction), with the notifications
/// merged into it as duplicates (the same child's identity), and closes its entry, keeping the
/// policy's wording as it stood (`policy_words`) for the certificate.
pub async fn destroy_case<C: ConnectionTrait>(
    conn: &C,
    entry_id: i64,
    case_id: i64,
    reference: &str,
    policy_words: Option<&str>,
    at: DateTime<Utc>,
) -> StoreResult<Destroyed> {
    let mut d = shred(conn, case_id, reference, at).await?;
    let merged = conn
        .query_all_raw(stmt(
            conn,
            "SELECT id, reference FROM cases WHERE duplicate_of = $1 AND status = 'merged' AND destroyed_at IS NULL",
            vec![case_id.into()],
        ))
        .await?;
    for r in &merged {
        let other = shred(conn, r.try_get("", "id")?, &r.try_get::<String>("", "reference")?, at).await?;
        d.add(&other);
        d.merged_duplicates += 1;
    }
    // Minutes cover every case of a meeting: they go with the last of its cases.
    d.meeting_minutes = exec(
        conn,
        "UPDATE meetings SET minutes_sealed = NULL WHERE minutes_sealed IS NOT NULL \
         AND id IN (SELECT meeting_id FROM agenda_items WHERE case_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM agenda_items ai JOIN cases c2 ON c2.id = ai.case_id \
                         WHERE ai.meeting_id = meetings.id AND c2.destroyed_at IS NULL)",
        vec![case_id.into()],
    )
    .await?;
    d.meeting_minutes_kept = super::count(
        conn,
        "SELECT COUNT(*) AS n FROM meetings WHERE minutes_sealed IS NOT NULL \
         AND id IN (SELECT meeting_id FROM agenda_items WHERE case_id = $1)",
        vec![case_id.into()],
    )
    .await?
    .max(0) as u64;
    let classes = serde_json::to_string(&d).map_err(anyhow::Error::from)?;
    exec(
        conn,
        "UPDATE destruction_entries SET status = $1, open_case_id = NULL, destroyed_at = $2, classes = $3, \
         policy_words = $4, updated_at = $2, version = version + 1, \
         certificate_no = (SELECT COALESCE(MAX(certificate_no), 0) + 1 FROM destruction_entries) WHERE id = $5",
        vec![
            EntryStatus::Destroyed.code().into(),
            at.into(),
            classes.into(),
            policy_words.map(str::to_string).into(),
            entry_id.into(),
        ],
    )
    .await?;
    Ok(d)
}

/// Every sealed record and narrative of one case, deleted or emptied; its blind indexes cleared.
async fn shred<C: ConnectionTrait>(
    conn: &C,
    case_id: i64,
    reference: &str,
    at: DateTime<Utc>,
) -> StoreResult<Destroyed> {
    let id = || -> Value { case_id.into() };
    let empty: Vec<u8> = Vec::new();
    let notified: DateTime<Utc> = conn
        .query_one_raw(stmt(conn, "SELECT notified_at FROM cases WHERE id = $1", vec![id()]))
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get("", "notified_at")?;
    // A request still open is withdrawn and its link ends: no reminder, no reply.
    exec(
        conn,
        "UPDATE form_requests SET status = 'withdrawn', withdraw_reason = 'retention', token_expires_at = $1 \
         WHERE case_id = $2 AND status IN ('requested', 'in_progress')",
        vec![at.into(), id()],
    )
    .await?;
    Ok(Destroyed {
        versions: exec(conn, "DELETE FROM case_versions WHERE case_id = $1", vec![id()]).await?,
        form_answers: exec(
            conn,
            "UPDATE form_requests SET answers_sealed = NULL WHERE case_id = $1 AND answers_sealed IS NOT NULL",
            vec![id()],
        )
        .await?,
        form_recipients: exec(
            conn,
            "UPDATE form_requests SET recipient_sealed = $1, sealed_key = $2 WHERE case_id = $3",
            vec![empty.clone().into(), DESTROYED_KEY.into(), id()],
        )
        .await?,
        pack_narratives: exec(conn, "DELETE FROM pack_narratives WHERE case_id = $1", vec![id()]).await?,
        pack_summaries: exec(conn, "DELETE FROM case_packs WHERE case_id = $1", vec![id()]).await?,
        analysis_narratives: exec(
            conn,
            "UPDATE analyses SET sealed = NULL WHERE case_id = $1 AND sealed IS NOT NULL",
            vec![id()],
        )
        .await?,
        family_contacts: exec(conn, "DELETE FROM family_contacts WHERE case_id = $1", vec![id()]).await?,
        key_workers: exec(conn, "DELETE FROM key_workers WHERE case_id = $1", vec![id()]).await?,
        emails: exec(
            conn,
            "DELETE FROM mail_outbox WHERE case_reference = $1 AND sealed_to IS NOT NULL",
            vec![reference.into()],
        )
        .await?,
        // With the exact notification time, the days from death to notification and the age in
        // days, the date of birth could be worked out again: the notification time is kept to its
        // month (reports count by the stored reporting year) and the age in days is removed (-1;
        // the age band stays).
        identity: exec(
            conn,
            "UPDATE cases SET sealed = $1, sealed_key = $2, nhs_index = '', death_index = NULL, destroyed_at = $3, \
             retention_stale = $4, age_at_death_days = -1, notified_at = $5 WHERE id = $6 AND destroyed_at IS NULL",
            vec![empty.into(), DESTROYED_KEY.into(), at.into(), false.into(), month_of(notified).into(), id()],
        )
        .await?,
        ..Destroyed::default()
    })
}

/// Cases due by `today` that a standing hold keeps.
pub async fn held_due<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> StoreResult<i64> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM cases c WHERE c.retention_due_on <= $1 AND c.destroyed_at IS NULL AND {}",
        super::holds::HELD
    );
    super::count(conn, &sql, vec![today.into()]).await
}
