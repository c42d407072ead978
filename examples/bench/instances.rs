//! Part 8 of the benchmark: throughput with two instances against one, with the same clients.
//!
//! Each instance is the real application (its own `Context`, pool, workers and server) on a Tokio
//! runtime of one worker thread, standing for one instance's share of a machine; both use the
//! benchmark's database and keys, as two `cdop serve` processes would. The same clients (one
//! signed-in session: sessions live in the database, so no stickiness) fetch random case-list
//! pages, first all from instance A, then split between A and B. The ratio of requests per second
//! is the scale-out; on a machine whose cores also run the database and the clients it is bounded
//! by those cores, so the benchmark prints the cores it had.

use std::time::Instant;

use cdop::config::LoadedConfig;
use rand::RngExt;

/// One instance on its own one-thread runtime; stopped when the sender is dropped.
struct Instance {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start(loaded: LoadedConfig) -> anyhow::Result<Instance> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<String, String>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e.to_string()));
                return;
            }
        };
        rt.block_on(async move {
            let prepared = cdop::app::prepare(&loaded).await;
            let context = match prepared {
                Ok(c) => c,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                Ok(l) => l,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let base = listener.local_addr().map(|a| format!("http://{a}")).unwrap_or_default();
            let _ = ready_tx.send(Ok(base));
            let _ = cdop::app::serve(context, listener, async move {
                let _ = stop_rx.await;
            })
            .await;
        });
    });
    let base = ready_rx.recv()?.map_err(|e| anyhow::anyhow!("instance: {e}"))?;
    Ok(Instance { base, stop: Some(stop_tx), thread: Some(thread) })
}

/// Waits (at most five minutes) until no email is waiting and the count of reminders sent has not
/// moved for five seconds.
async fn settle(loaded: &LoadedConfig) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(&loaded.config.database.url).await?;
    let started = Instant::now();
    let (mut last, mut since) = (-1i64, Instant::now());
    while started.elapsed() < std::time::Duration::from_secs(300) {
        let (waiting, _) = cdop::store::outbox::unsent_depth(&db).await?;
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM form_reminders",
            ))
            .await?;
        let points = row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0);
        if points != last {
            (last, since) = (points, Instant::now());
        }
        if waiting == 0 && since.elapsed() >= std::time::Duration::from_secs(5) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    println!("  (the new instances' first worker passes settled in {:.0}s)", started.elapsed().as_secs_f64());
    db.close().await?;
    Ok(())
}

/// Requests per second of `clients` concurrent clients, each fetching `each` random pages from
/// the instances in turn.
async fn throughput(
    client: &reqwest::Client,
    bases: &[String],
    pages: u64,
    clients: usize,
    each: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let base = bases[c % bases.len()].clone();
        let mut rng = cdop::demo::rng(Some(c as u64));
        tasks.push(tokio::spawn(async move {
            for _ in 0..each {
                let url = format!("{base}/cases?page={}", rng.random_range(1..=pages));
                let res = client.get(&url).send().await?;
                anyhow::ensure!(res.status() == 200, "{url}: {}", res.status());
                let _ = res.bytes().await?;
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((clients * each) as f64 / started.elapsed().as_secs_f64())
}

pub async fn run(
    loaded: &LoadedConfig,
    password: &str,
    total_cases: u64,
    requests: usize,
) -> anyhow::Result<()> {
    let fresh = || LoadedConfig::from_config(loaded.config.clone()).map_err(|e| anyhow::anyhow!("{e}"));
    let a = start(fresh()?)?;
    let b = start(fresh()?)?;
    // Each new instance's workers make a first pass at start (the reminders of every overdue
    // request, then their emails): measured once that catch-up is over.
    settle(loaded).await?;
    let (client, _) = super::sign_in(&a.base, "co@bench.example", password).await?;
    let pages = total_cases.div_ceil(50).max(1);
    let clients = 8;
    let each = (requests / clients).clamp(10, 100);
    let one = [a.base.clone()];
    let two = [a.base.clone(), b.base.clone()];
    let _ = throughput(&client, &two, pages, clients, 3).await?; // warm-up: both pools open
    let mut single = Vec::new();
    let mut double = Vec::new();
    for _ in 0..2 {
        single.push(throughput(&client, &one, pages, clients, each).await?);
        double.push(throughput(&client, &two, pages, clients, each).await?);
    }
    let single = single.iter().sum::<f64>() / single.len() as f64;
    let double = double.iter().sum::<f64>() / double.len() as f64;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "two instances against one ({clients} clients, case list pages, one runtime thread per instance, {cores} cores shared with the database and the clients):"
    );
    println!(
        "  one instance {single:.0} requests/s, two instances {double:.0} requests/s, ratio {:.2} (target ≥ 1.70)",
        double / single.max(0.001)
    );
    drop(b);
    drop(a);
    Ok(())
}
