//! Part 7: retention at the stored case count. One case in ten is closed long enough ago to fall
//! due under "case closure + 5 years"; the rest were closed last year.
//!
//! - computing every case's due date after a policy change: from coded triggers (no record
//!   opened), and with a date-of-birth policy too (every sealed record opened once);
//! - the sweep over every case (the due ones listed in the destruction queue), against the raw
//!   SQL that finds the same cases with no hold or queue check;
//! - queueing and approving them as one batch each;
//! - destroying them, one transaction per case (hold check, every sealed table, the certificate's
//!   classes, two audit events), against a baseline of one transaction per case that only empties
//!   the case's sealed column.

use std::time::{Duration, Instant};

use cdop::domain::audit::Actor;
use cdop::domain::retention::{PolicyInput, RetentionAction, Trigger};
use cdop::domain::role::Role;
use cdop::store::{self, retention as stored};
use cdop::web::AppState;
use sea_orm::{ConnectionTrait, Statement};

async fn count(state: &AppState, sql: &str, values: Vec<sea_orm::Value>) -> anyhow::Result<i64> {
    let db = &state.db;
    let row = db
        .query_one_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, values))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

async fn admin(state: &AppState, email: &str, area: i64) -> anyhow::Result<i64> {
    let user = store::users::create(
        &state.db,
        &store::users::NewUser {
            email: cdop::domain::email::EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?,
            name: email.into(),
            password_hash: None,
            must_change_password: false,
            service_account: false,
            roles: vec![Role::Admin],
            area_ids: vec![area],
        },
    )
    .await?;
    Ok(user.id)
}

fn policy(name: &str, trigger: Trigger, years: u32) -> PolicyInput {
    PolicyInput {
        name: name.into(),
        trigger,
        years,
        months: 0,
        action: RetentionAction::Destroy,
        all_areas: true,
        areas: Vec::new(),
    }
}

pub async fn run(state: &AppState, area: i64) -> anyhow::Result<()> {
    let db = &state.db;
    let total = store::cases::count_all(db).await?;
    let today = state.clock.today();
    let long_ago = today - chrono::TimeDelta::days(10 * 365);
    let last_year = today - chrono::TimeDelta::days(365);
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE cases SET status = 'closed', closed_on = CASE WHEN id % 10 = 0 THEN $1 ELSE $2 END",
        vec![long_ago.into(), last_year.into()],
    ))
    .await?;
    db.execute_unprepared("UPDATE retention_policies SET active = FALSE").await?;
    let closure =
        stored::insert_policy(db, &policy("Closure + 5 years", Trigger::CaseClosed, 5), None).await?;

    let started = Instant::now();
    let n = cdop::retention::refresh_due(state, 500).await?;
    let coded = started.elapsed();
    let with_dob =
        stored::insert_policy(db, &policy("Birth + 1 year", Trigger::DateOfBirth, 1), None).await?;
    let started = Instant::now();
    let m = cdop::retention::refresh_due(state, 500).await?;
    let sealed = started.elapsed();
    let version =
        stored::policies(db).await?.iter().find(|p| p.policy.id == with_dob).map(|p| p.version).unwrap_or(1);
    stored::update_policy(db, with_dob, version, &policy("Birth + 1 year", Trigger::DateOfBirth, 1), false)
        .await?;
    cdop::retention::refresh_due(state, 500).await?;
    let _ = closure;
    let per = |d: Duration, n: u64| d.as_secs_f64() * 1e6 / n.max(1) as f64;
    println!("retention at {total} cases, one in ten due:");
    println!(
        "  due dates after a policy change: {n} cases in {:.1}s ({:.0} µs per case) from coded triggers; {m} in {:.1}s ({:.0} µs per case) with a date-of-birth policy (every record opened)",
        coded.as_secs_f64(),
        per(coded, n),
        sealed.as_secs_f64(),
        per(sealed, m)
    );

    // The raw SQL finding the same cases, then the sweep.
    let started = Instant::now();
    let raw = count(
        state,
        // The sweep's own predicate: the service's retention worker runs beside the benchmark
        // and may have listed some already, or marked some for recomputing.
        "SELECT COUNT(*) FROM cases c WHERE c.retention_due_on <= $1 AND c.destroyed_at IS NULL \
         AND c.retention_stale = FALSE \
         AND NOT EXISTS (SELECT 1 FROM destruction_entries e WHERE e.open_case_id = c.id)",
        vec![today.into()],
    )
    .await?;
    let raw_time = started.elapsed();
    let started = Instant::now();
    let swept = cdop::retention::queue::sweep(state, today, false).await?;
    let sweep_time = started.elapsed();
    anyhow::ensure!(swept.listed.len() as i64 == raw, "the sweep listed {} of {raw}", swept.listed.len());
    println!(
        "  sweep: {} listed of {total} in {:.2}s ({:.1} µs per case stored, {:.0} µs per case listed); raw SQL count {:.3}s",
        swept.listed.len(),
        sweep_time.as_secs_f64(),
        per(sweep_time, total),
        per(sweep_time, swept.listed.len() as u64),
        raw_time.as_secs_f64()
    );

    // Queue and approve as one batch each (two different admins).
    let (a, b) = (admin(state, "a@bench.example", area).await?, admin(state, "b@bench.example", area).await?);
    let ids: Vec<i64> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM destruction_entries WHERE status = 'due' ORDER BY id",
        ))
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0))
        .collect::<Result<_, _>>()?;
    let acting = |user: i64| cdop::service::Acting {
        actor: Actor::User(user),
        roles: &[Role::Admin],
        request_id: "bench",
    };
    let started = Instant::now();
    cdop::retention::queue::queue(state, &acting(a), a, &ids, "Due under the closure policy", &[])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let queue_time = started.elapsed();
    let started = Instant::now();
    let approved = cdop::retention::queue::approve(state, &acting(b), b, &ids, "Checked", &[])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let approve_time = started.elapsed();
    println!(
        "  queue {} in {:.2}s, approve {approved} in {:.2}s (one batch each, audited per case)",
        ids.len(),
        queue_time.as_secs_f64(),
        approve_time.as_secs_f64()
    );

    // Destroy them; then the baseline on as many other cases.
    let started = Instant::now();
    let done = cdop::retention::destroy::destroy_approved(state, Actor::Cli, None, Duration::ZERO).await?;
    let destroy_time = started.elapsed();
    let others: Vec<i64> = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM cases WHERE destroyed_at IS NULL ORDER BY id LIMIT $1",
            vec![(done.destroyed.len() as i64).into()],
        ))
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0))
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    for id in &others {
        let txn = store::begin_write(db).await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE cases SET sealed = $1 WHERE id = $2",
            vec![Vec::<u8>::new().into(), (*id).into()],
        ))
        .await?;
        txn.commit().await?;
    }
    let baseline = started.elapsed();
    let k = done.destroyed.len() as u64;
    println!(
        "  destroy {k} approved cases: {:.1}s, {:.2} ms per case (baseline: one transaction emptying the sealed column, {:.2} ms per case; ratio {:.1})",
        destroy_time.as_secs_f64(),
        destroy_time.as_secs_f64() * 1000.0 / k.max(1) as f64,
        baseline.as_secs_f64() * 1000.0 / others.len().max(1) as f64,
        destroy_time.as_secs_f64() / baseline.as_secs_f64().max(1e-9) * others.len() as f64 / k.max(1) as f64
    );
    Ok(())
}
