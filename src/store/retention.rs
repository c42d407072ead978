//! Retention policies, each case's computed due date, and the daily sweep's run marker.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use super::{StoreError, StoreResult, bind_list, now};
use crate::domain::retention::{Policy, PolicyInput, RetentionAction, Trigger};

use super::stmt;

/// The marker of a record whose sealed data was destroyed (`sealed_key`): key rotation and
/// `cdop keys verify` pass over it, as there is nothing left to open.
pub const DESTROYED_KEY: &str = "destroyed";

/// A stored policy: the rule plus its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    pub policy: Policy,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct PolicyRow {
    id: i64,
    name: String,
    trigger_on: String,
    years: i32,
    months: i32,
    action: String,
    all_areas: bool,
    active: bool,
    version: i64,
    updated_at: DateTime<Utc>,
}

/// Every policy, active first, by name.
pub async fn policies<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<StoredPolicy>> {
    let rows = PolicyRow::find_by_statement(stmt(
        conn,
        "SELECT id, name, trigger_on, years, months, action, all_areas, active, version, updated_at \
         FROM retention_policies ORDER BY active DESC, name, id",
        vec![],
    ))
    .all(conn)
    .await?;
    let links = conn
        .query_all_raw(stmt(
            conn,
            "SELECT policy_id, area_id FROM retention_policy_areas ORDER BY area_id",
            vec![],
        ))
        .await?;
    let mut areas: Vec<(i64, i64)> = Vec::with_capacity(links.len());
    for r in &links {
        areas.push((r.try_get("", "policy_id")?, r.try_get("", "area_id")?));
    }
    rows.into_iter()
        .map(|r| {
            let trigger = Trigger::parse(&r.trigger_on)
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("policy {}: unknown trigger", r.id)))?;
            let action = RetentionAction::parse(&r.action)
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("policy {}: unknown action", r.id)))?;
            Ok(StoredPolicy {
                policy: Policy {
                    id: r.id,
                    name: r.name,
                    trigger,
                    years: r.years.max(0) as u32,
                    months: r.months.max(0) as u32,
                    action,
                    all_areas: r.all_areas,
                    areas: areas.iter().filter(|(p, _)| *p == r.id).map(|(_, a)| *a).collect(),
                    active: r.active,
                },
                version: r.version,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// The active rules, for computing due dates.
pub async fn active_rules<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Policy>> {
    Ok(policies(conn).await?.into_iter().map(|p| p.policy).filter(|p| p.active).collect())
}

pub async fn count_policies<C: ConnectionTrait>(conn: &C) -> StoreResult<i64> {
    super::count(conn, "SELECT COUNT(*) AS n FROM retention_policies", vec![]).await
}

async fn set_areas<C: ConnectionTrait>(conn: &C, id: i64, areas: &[i64]) -> StoreResult<()> {
    conn.execute_raw(stmt(conn, "DELETE FROM retention_policy_areas WHERE policy_id = $1", vec![id.into()]))
        .await?;
    for a in areas {
        conn.execute_raw(stmt(
            conn,
            "INSERT INTO retention_policy_areas (policy_id, area_id) VALUES ($1, $2)",
            vec![id.into(), (*a).into()],
        ))
        .await?;
    }
    Ok(())
}

/// A policy's own columns, in the order the statements below name them (`$1` to `$6`).
fn policy_values(p: &PolicyInput) -> Vec<sea_orm::Value> {
    vec![
        p.name.clone().into(),
        p.trigger.code().into(),
        (p.years as i32).into(),
        (p.months as i32).into(),
        p.action.code().into(),
        p.all_areas.into(),
    ]
}

/// Adds a policy (active) and marks every case for recomputation; returns its id.
pub async fn insert_policy<C: ConnectionTrait>(
    conn: &C,
    p: &PolicyInput,
    by: Option<i64>,
) -> StoreResult<i64> {
    let t = now();
    let row = conn
        .query_one_raw(stmt(
            conn,
            "INSERT INTO retention_policies (name, trigger_on, years, months, action, all_areas, active, created_by, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id",
            [policy_values(p), vec![true.into(), by.into(), t.into(), t.into()]].concat(),
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let id: i64 = row.try_get("", "id")?;
    set_areas(conn, id, &p.areas).await?;
    mark_all_stale(conn).await?;
    Ok(id)
}

/// Changes a policy if it is still at `expected_version`, and marks every case for
/// recomputation.
pub async fn update_policy<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: i64,
    p: &PolicyInput,
    active: bool,
) -> StoreResult<()> {
    let result = conn
        .execute_raw(stmt(
            conn,
            "UPDATE retention_policies SET name = $1, trigger_on = $2, years = $3, months = $4, action = $5, \
             all_areas = $6, active = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10",
            [policy_values(p), vec![active.into(), now().into(), id.into(), expected_version.into()]].concat(),
        ))
        .await?;
    if result.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "Someone else changed this policy while you were editing it. Check it and save again.".into(),
        ));
    }
    set_areas(conn, id, &p.areas).await?;
    mark_all_stale(conn).await
}

/// Every case whose identifying data is still held needs its due date computed again.
pub async fn mark_all_stale<C: ConnectionTrait>(conn: &C) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn,
        "UPDATE cases SET retention_stale = $1 WHERE destroyed_at IS NULL AND retention_stale = $2",
        vec![true.into(), false.into()],
    ))
    .await?;
    Ok(())
}

/// A case whose due date needs computing.
#[derive(Debug, Clone, FromQueryResult)]
pub struct StaleCase {
    pub id: i64,
    pub area_id: i64,
    pub sealed: Vec<u8>,
    pub review_completed_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub retention_override_on: Option<NaiveDate>,
}

/// The next cases after case id `after` needing their due date computed, locked for this
/// transaction on PostgreSQL (a trigger changed meanwhile waits, and marks the case again after).
/// Walking by id keeps each batch from passing over the cases already done.
pub async fn stale_batch<C: ConnectionTrait>(
    conn: &C,
    after: i64,
    limit: u64,
) -> StoreResult<Vec<StaleCase>> {
    let lock =
        if conn.get_database_backend() == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT id, area_id, sealed, review_completed_on, closed_on, retention_override_on FROM cases \
         WHERE retention_stale = $1 AND destroyed_at IS NULL AND id > $2 ORDER BY id LIMIT $3{lock}"
    );
    let values = vec![true.into(), after.into(), (limit as i64).into()];
    Ok(StaleCase::find_by_statement(stmt(conn, &sql, values)).all(conn).await?)
}

/// Stores many computed due dates with one statement (and clears their stale marks).
pub async fn set_due_many<C: ConnectionTrait>(
    conn: &C,
    rows: &[(i64, Option<NaiveDate>, Option<i64>)],
) -> StoreResult<()> {
    let pg = conn.get_database_backend() == DbBackend::Postgres;
    for chunk in rows.chunks(1000) {
        let mut values: Vec<sea_orm::Value> = vec![false.into()];
        let mut tuples = Vec::with_capacity(chunk.len());
        for (id, due, policy) in chunk {
            values.extend([(*id).into(), (*due).into(), (*policy).into()]);
            let n = values.len();
            // PostgreSQL types a VALUES list from its rows: say what each column is.
            tuples.push(if pg {
                format!("(${}::bigint, ${}::date, ${}::bigint)", n - 2, n - 1, n)
            } else {
                format!("(${}, ${}, ${})", n - 2, n - 1, n)
            });
        }
        let sql = format!(
            "UPDATE cases SET retention_due_on = v.due, retention_policy_id = v.policy, retention_stale = $1 \
             FROM (SELECT column1 AS id, column2 AS due, column3 AS policy FROM (VALUES {}) AS t) AS v \
             WHERE cases.id = v.id",
            tuples.join(", ")
        );
        conn.execute_raw(stmt(conn, &sql, values)).await?;
    }
    Ok(())
}

/// Sets (or clears) the date an approver chose for a case, and marks it for recomputation.
pub async fn set_override<C: ConnectionTrait>(conn: &C, id: i64, on: Option<NaiveDate>) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn,
        "UPDATE cases SET retention_override_on = $1, retention_stale = $2 WHERE id = $3",
        vec![on.into(), true.into(), id.into()],
    ))
    .await?;
    Ok(())
}

pub async fn count_stale<C: ConnectionTrait>(conn: &C) -> StoreResult<i64> {
    super::count(
        conn,
        "SELECT COUNT(*) AS n FROM cases WHERE retention_stale = $1 AND destroyed_at IS NULL",
        vec![true.into()],
    )
    .await
}

/// Claims today's sweep: `true` for the one instance whose row went in.
pub async fn claim_run<C: ConnectionTrait>(conn: &C, on: NaiveDate) -> StoreResult<bool> {
    let result = conn
        .execute_raw(stmt(
            conn,
            "INSERT INTO retention_runs (run_on, started_at, listed) VALUES ($1, $2, 0) ON CONFLICT (run_on) DO NOTHING",
            vec![on.into(), now().into()],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Gives a claimed day back when its sweep failed, so the next pass tries again.
pub async fn unclaim_run<C: ConnectionTrait>(conn: &C, on: NaiveDate) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn,
        "DELETE FROM retention_runs WHERE run_on = $1 AND finished_at IS NULL",
        vec![on.into()],
    ))
    .await?;
    Ok(())
}

pub async fn finish_run<C: ConnectionTrait>(conn: &C, on: NaiveDate, listed: u64) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn,
        "UPDATE retention_runs SET finished_at = $1, listed = $2 WHERE run_on = $3",
        vec![now().into(), (listed as i32).into(), on.into()],
    ))
    .await?;
    Ok(())
}

/// The last sweep that finished: (day, cases listed).
pub async fn last_run<C: ConnectionTrait>(conn: &C) -> StoreResult<Option<(NaiveDate, i32)>> {
    let row = conn
        .query_one_raw(stmt(
            conn,
            "SELECT run_on, listed FROM retention_runs WHERE finished_at IS NOT NULL ORDER BY run_on DESC LIMIT 1",
            vec![],
        ))
        .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("", "run_on")?, r.try_get("", "listed")?)),
        None => None,
    })
}

/// Counts of cases by where they stand: (due date known, waiting for a trigger, due by `today`).
pub async fn due_counts<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> StoreResult<(i64, i64, i64)> {
    let row = conn
        .query_one_raw(stmt(
            conn,
            "SELECT SUM(CASE WHEN retention_due_on IS NOT NULL THEN 1 ELSE 0 END) AS known, \
             SUM(CASE WHEN retention_due_on IS NULL THEN 1 ELSE 0 END) AS waiting, \
             SUM(CASE WHEN retention_due_on <= $1 THEN 1 ELSE 0 END) AS due \
             FROM cases WHERE destroyed_at IS NULL",
            vec![today.into()],
        ))
        .await?;
    let Some(r) = row else { return Ok((0, 0, 0)) };
    let get = |c: &str| -> StoreResult<i64> { Ok(r.try_get::<Option<i64>>("", c)?.unwrap_or(0)) };
    Ok((get("known")?, get("waiting")?, get("due")?))
}

/// Whether every area named exists (checking a policy form's choices).
pub async fn areas_exist<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> StoreResult<bool> {
    if ids.is_empty() {
        return Ok(true);
    }
    let mut values = Vec::new();
    let list = bind_list(&mut values, ids);
    Ok(super::count(conn, &format!("SELECT COUNT(*) AS n FROM areas WHERE id IN ({list})"), values).await?
        == ids.len() as i64)
}
