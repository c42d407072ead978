//! `cdop demo seed --cases N [--years Y]`: synthetic notifications through the intake path, then
//! their review history (requests, meetings, analyses signed off, actions).

use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta};
use clap::Subcommand;
use rand::RngExt;

use crate::app;
use crate::cli::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::demo::lifecycle;
use crate::domain::audit::Actor;
use crate::domain::codes::Source;
use crate::domain::notification;
use crate::intake::{self, IntakeError};
use crate::store::{self, areas};

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Create synthetic cases (clearly marked synthetic) through the normal intake path.
    Seed {
        #[arg(long)]
        cases: u64,
        /// Spread notifications over this many past years.
        #[arg(long, default_value_t = 3)]
        years: u32,
        /// Only this area (default: every active area).
        #[arg(long)]
        area: Option<String>,
        /// Make the data reproducible.
        #[arg(long)]
        seed: Option<u64>,
        /// Notifications recorded at once (useful on PostgreSQL).
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Stop at notification: no requests, meetings, analyses or actions.
        #[arg(long)]
        notifications_only: bool,
    },
}

pub async fn run(loaded: LoadedConfig, command: DemoCommand) -> CliResult {
    let DemoCommand::Seed { cases, years, area, seed, concurrency, notifications_only } = command;
    let state = app::prepare(&loaded).await?;
    // Seeding a new installation creates its admin account, as a first `serve` would.
    if let Some(admin) = crate::accounts::areas::bootstrap(&state.db, None).await? {
        super::print_first_admin(&admin);
    }
    let all = areas::list(&state.db).await.map_err(anyhow::Error::from)?;
    let names: Vec<String> = match &area {
        Some(a) => vec![
            all.iter()
                .find(|x| x.name.eq_ignore_ascii_case(a))
                .map(|x| x.name.clone())
                .ok_or_else(|| CliError::Failed(anyhow::anyhow!("no area named `{a}`")))?,
        ],
        None => all.iter().filter(|a| a.active).map(|a| a.name.clone()).collect(),
    };
    let mut rng = crate::demo::rng(seed);
    let now = store::now();
    let span_days = i64::from(years.max(1)) * 365;
    // Oldest first, so references and dates rise together.
    let mut offsets: Vec<i64> = (0..cases).map(|_| rng.random_range(0..span_days * 24 * 60)).collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    let started = std::time::Instant::now();
    let state = Arc::new(state);
    let mut deaths: Vec<(String, NaiveDate)> = Vec::with_capacity(cases as usize);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (n, minutes) in offsets.into_iter().enumerate() {
        let at = now - TimeDelta::minutes(minutes);
        let area_name = &names[n % names.len()];
        let input = crate::demo::notification(&mut rng, area_name, at, n as u64 + 1);
        let parsed = notification::parse(&input, at.date_naive())
            .map_err(|p| CliError::Failed(anyhow::anyhow!("generated an invalid notification: {p:?}")))?;
        let death = parsed.identity.death.date_of_death;
        let permit = semaphore.clone().acquire_owned().await.map_err(anyhow::Error::from)?;
        let state = state.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let ctx = intake::Origin {
                actor: Actor::Cli,
                source: Source::Demo,
                request_id: "demo-seed",
                area_scope: None,
                synthetic: true,
                notified_at: Some(at),
                submission: None,
            };
            intake::notify(&state, parsed, ctx).await.map(|o| (o.reference, death))
        });
        while let Some(done) = tasks.try_join_next() {
            deaths.push(check(done)?);
        }
        if (n + 1) % 1000 == 0 {
            eprint!(
                "\r  {} of {cases} cases ({:.0}/s)",
                n + 1,
                (n + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    while let Some(done) = tasks.join_next().await {
        deaths.push(check(done)?);
    }
    eprintln!();
    println!(
        "Created {cases} synthetic case(s) over {years} year(s) in {:.1}s. They are marked synthetic and describe no real child.",
        started.elapsed().as_secs_f64()
    );
    if notifications_only {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let area_ids: Vec<i64> = all.iter().filter(|a| names.contains(&a.name)).map(|a| a.id).collect();
    let staff = lifecycle::staff(&state, &area_ids).await?;
    let counts = lifecycle::write_all(&state, &mut rng, staff, deaths, |done, total| {
        if done % 1000 < lifecycle::BATCH || done == total {
            eprint!(
                "\r  review history: {done} of {total} cases ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    })
    .await?;
    eprintln!();
    println!(
        "Wrote their review history in {:.1}s: {} agency requests, {} meetings, {} analyses signed off, {} actions. The synthetic staff (chair@synthetic.example.org and others) have no password.",
        started.elapsed().as_secs_f64(),
        counts.requests,
        counts.meetings,
        counts.signed,
        counts.actions
    );
    Ok(())
}

type Done = Result<Result<(String, NaiveDate), IntakeError>, tokio::task::JoinError>;

fn check(done: Done) -> Result<(String, NaiveDate), CliError> {
    match done {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(IntakeError::Invalid(p))) => {
            Err(CliError::Failed(anyhow::anyhow!("invalid synthetic notification: {p:?}")))
        }
        Ok(Err(IntakeError::Other(e))) => Err(CliError::Failed(e)),
        Err(e) => Err(CliError::Failed(e.into())),
    }
}
