//! The performance benchmark (DESIGN.md §7), on SQLite or PostgreSQL, with ratios against a
//! baseline measured in the same run:
//!
//! 1. intake: `POST /api/v1/notifications` (validate, seal, blind-index, insert, audit, outbox in
//!    one transaction) against the same POST doing only the insert (no sealing, no audit, no
//!    outbox), one client at a time;
//! 2. the case list page (50 rows) at `--cases` stored, over HTTP against the real app: with
//!    identities opened (a coordinator) against the same pages without (a panel chair), plus the
//!    filtered list and the NHS-number search;
//! 3. information gathering at `--cases` cases and `--form-requests` requests: saving a page of a
//!    form over HTTP (open the sealed answers, apply the page, seal, store coded rows, audit)
//!    against the same save with no sealing and no audit (a baseline route), and the Outstanding
//!    information page;
//! 4. the review stage, after writing every case's review history as `cdop demo seed` does
//!    (`bench/review.rs`): the Analysis Form page save, and building a case pack for a case with
//!    ten submitted forms (redaction included);
//! 5. the annual report (`bench/reports.rs`): the page, internal and published, against the raw
//!    SQL aggregates of the same figures, and the PDF for publication;
//! 6. peak memory (VmHWM) of the process, including seeding and during the report part alone (the
//!    serving process under report traffic);
//! 7. retention (`bench/retention.rs`): due dates after a policy change, the sweep, queueing and
//!    approval, and destroying one case in ten, with the per-case cost (`--only retention` seeds
//!    the cases and runs this part alone);
//! 8. throughput with two instances against one with the same clients (`bench/instances.rs`).
//!
//! Run with:
//!
//! ```text
//! cargo run --release --example bench -- --backend sqlite --cases 100000
//! cargo run --release --example bench -- --backend postgres --cases 100000
//! ```
//!
//! To work on the report queries: `--only reports --dir /tmp/cdop-bench-reports` seeds the cases
//! and their review histories into a kept SQLite database and runs part 5; run it again with the
//! same `--dir` (after changing a query or an index: migrations run at start) to measure against
//! the same cases in a minute instead of seeding again.

#[path = "bench/instances.rs"]
mod instances;
#[path = "bench/reports.rs"]
mod reports;
#[path = "bench/retention.rs"]
mod retention;
#[path = "bench/review.rs"]
mod review;

use std::time::{Duration, Instant};

use cdop::config::{Config, LoadedConfig};
use cdop::domain::audit::Actor;
use cdop::domain::codes::{CaseStatus, Source};
use cdop::domain::notification;
use cdop::domain::role::Role;
use cdop::intake;
use cdop::store::{self, cases};
use cdop::web::AppState;
use clap::Parser;
use rand::RngExt;
use sea_orm::{ConnectionTrait, Database};

#[derive(Parser)]
#[command(about = "cdop performance benchmark")]
struct Args {
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Cases stored before the list is measured.
    #[arg(long, default_value_t = 100_000)]
    cases: u64,
    /// Notifications timed for intake (each way).
    #[arg(long, default_value_t = 2_000)]
    intake: u64,
    /// List requests timed per variant.
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// Form requests stored before the Outstanding information page is measured.
    #[arg(long, default_value_t = 300_000)]
    form_requests: u64,
    #[arg(
        long,
        env = "CDOP_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
    /// Run one part alone after seeding: `retention`, or `reports` (the cases and their review
    /// histories, then the report part).
    #[arg(long)]
    only: Option<String>,
    /// Keep the database and keys in this directory (SQLite), and reuse what an earlier run with
    /// `--only reports` left there instead of seeding again: for trying a change to the report
    /// queries or indexes against the same 100,000 cases in minutes.
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn summary(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    (percentile(&ms, 0.5), percentile(&ms, 0.95), percentile(&ms, 0.99))
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn current_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The baseline endpoint: the same request, token check, JSON reading, validation and area
/// lookup as `POST /api/v1/notifications`, then only the insert — no sealing, no blind index, no
/// duplicate check, no audit, no outbox.
async fn baseline_handler(
    axum::extract::State(state): axum::extract::State<AppState>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let run = async {
        let value: serde_json::Value = serde_json::from_slice(&body)?;
        let (input, _) = cdop::web::api::cases::input_from_json(&value);
        let at = store::now();
        let parsed = notification::parse(&input, at.date_naive()).map_err(|p| anyhow::anyhow!("{p:?}"))?;
        let area = intake::resolve_area(&state, &parsed.area).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let plain = serde_json::to_vec(&parsed.identity)?;
        let txn = store::begin_write(&state.db).await?;
        let reference = cases::next_reference(&txn, chrono::Datelike::year(&at)).await?;
        cases::insert(
            &txn,
            cases::NewCase {
                reference: &reference,
                area_id: area.id,
                status: CaseStatus::Notified,
                source: Source::Api,
                sealed: plain,
                sealed_key: "plaintext".into(),
                nhs_index: parsed.nhs_number.as_ref().map(|n| n.digits().to_string()).unwrap_or_default(),
                death_index: parsed.identity.death.date_of_death.to_string(),
                coded: &parsed.coded,
                imd_decile: None,
                created_by: None,
                duplicate: None,
                synthetic: true,
                notified_at: at,
                gaps: cases::HistoryGaps::NONE,
            },
        )
        .await?;
        txn.commit().await?;
        Ok::<_, anyhow::Error>(reference.to_string())
    };
    match run.await {
        Ok(r) => (axum::http::StatusCode::CREATED, axum::Json(serde_json::json!({"case_reference": r})))
            .into_response(),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The baseline of a form save: the same request look-up, reading of the page, merging, pruning,
/// splitting and storing of coded rows and the identifying part as `POST …/form/{n}`, but the
/// identifying answers are kept as plain JSON (no opening, no sealing) and nothing is audited.
async fn baseline_form_save(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path((id, n)): axum::extract::Path<(i64, usize)>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use cdop::forms::answers;
    let run = async {
        let fields = cdop::web::form_body::FormData::parse(&body);
        let lock: i64 = fields.get("lock").parse()?;
        let r =
            store::form_requests::find(&state.db, id).await?.ok_or_else(|| anyhow::anyhow!("no request"))?;
        let version = state
            .forms
            .version(&r.form_code, &r.form_version)
            .ok_or_else(|| anyhow::anyhow!("no version"))?;
        let coded = store::form_requests::coded_answers(&state.db, r.id).await?;
        let identifying: answers::Answers = match &r.answers_sealed {
            Some(plain) => serde_json::from_slice(plain)?,
            None => Default::default(),
        };
        let loaded = cdop::responses::Loaded {
            answers: answers::join(&version, &coded, identifying),
            version: version.clone(),
        };
        let raw: answers::Raw =
            fields.0.into_iter().filter(|(k, _)| k != "csrf_token" && k != "lock" && k != "action").collect();
        let (merged, _) = cdop::gathering::response::apply_page(&loaded, n - 1, &raw);
        let (coded, identifying) = answers::split(&version, &merged);
        let txn = store::begin_write(&state.db).await?;
        store::form_requests::save_response(
            &txn,
            r.id,
            lock,
            store::form_requests::SavedResponse {
                coded: &coded,
                sealed: serde_json::to_vec(&identifying)?,
                sealed_key: "plaintext".into(),
                completeness: answers::completeness(&version, &merged),
                status: cdop::domain::codes::RequestStatus::InProgress,
                submitted: None,
                at: store::now(),
            },
        )
        .await?;
        txn.commit().await?;
        Ok::<_, anyhow::Error>(())
    };
    match run.await {
        Ok(()) => (axum::http::StatusCode::SEE_OTHER, [("location", "/")]).into_response(),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Stores `n` requests spread over the cases as a panel accumulates them over ten years (about
/// 30,000 a year: each death's agencies): requests older than four months were returned (92%) or
/// withdrawn; recent ones are a mix of returned, in progress and overdue. Written directly in
/// batches: the Outstanding page reads them, nothing opens them.
async fn seed_form_requests(state: &AppState, n: u64, rng: &mut rand::rngs::StdRng) -> anyhow::Result<()> {
    use cdop::store::entities::{case, form_request};
    use sea_orm::{ActiveValue::Set, EntityTrait, QuerySelect};
    let cases: Vec<(i64, i64)> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::AreaId)
        .into_tuple()
        .all(&state.db)
        .await?;
    anyhow::ensure!(!cases.is_empty(), "no cases to attach requests to");
    let agencies = [
        "Community Health Trust",
        "Riverside School",
        "Cumbria Police",
        "Children's Social Care",
        "North West Ambulance",
        "General Practice",
        "Acute Hospital Trust",
        "Mental Health Trust",
    ];
    let now = store::now();
    let today = now.date_naive();
    // One real sealed recipient shared by every request (an age record opens wherever it is
    // stored), so the reminder worker treats them as a service's own.
    let person = notification::Person {
        name: "Bench Person".into(),
        role: "Nurse".into(),
        organisation: "Community Health Trust".into(),
        email: "bench@nhs.example".into(),
        phone: String::new(),
    };
    let recipient = state.keys.keyring.seal(&serde_json::to_vec(&person)?)?;
    let mut done = 0;
    while done < n {
        let txn = store::begin_write(&state.db).await?;
        let batch: Vec<form_request::ActiveModel> = (done..(done + 500).min(n))
            .map(|i| {
                let (case_id, area_id) = cases[rng.random_range(0..cases.len())];
                let age = rng.random_range(1..3650i64);
                let created = now - chrono::TimeDelta::days(age);
                let due = created.date_naive() + chrono::TimeDelta::days(28);
                let roll = rng.random_range(0..100u32);
                let returned = |rng: &mut rand::rngs::StdRng| {
                    let days = rng.random_range(3..90i64);
                    (created + chrono::TimeDelta::days(days), days as i32)
                };
                let (status, submitted) = if age > 120 {
                    if roll < 92 { ("submitted", Some(returned(rng))) } else { ("withdrawn", None) }
                } else if roll < 40 && age > 3 {
                    ("submitted", Some(returned(rng)))
                } else if roll < 70 {
                    ("requested", None)
                } else {
                    ("in_progress", None)
                };
                let submitted = submitted.filter(|(at, _)| *at <= now);
                let status =
                    if status == "submitted" && submitted.is_none() { "in_progress" } else { status };
                form_request::ActiveModel {
                    case_id: Set(case_id),
                    area_id: Set(area_id),
                    form_code: Set("reporting".into()),
                    form_version: Set("NCMD-2022-04".into()),
                    agency: Set(agencies[(i as usize) % agencies.len()].into()),
                    agency_type: Set("health".into()),
                    recipient_sealed: Set(recipient.clone()),
                    token_hash: Set(format!("{i:064}")),
                    token_expires_at: Set(now),
                    status: Set(status.into()),
                    due_date: Set(due.max(today - chrono::TimeDelta::days(3650))),
                    reminders_sent: Set(0),
                    last_reminder_at: Set(None),
                    escalated: Set(false),
                    answers_sealed: Set(None),
                    sealed_key: Set("bench".into()),
                    answered: Set(0),
                    not_known: Set(0),
                    missing: Set(0),
                    withdraw_reason: Set(None),
                    requested_by: Set(None),
                    created_at: Set(created),
                    opened_at: Set(None),
                    submitted_at: Set(submitted.map(|s| s.0)),
                    return_days: Set(submitted.map(|s| s.1)),
                    submitted_by: Set(None),
                    updated_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                }
            })
            .collect();
        done += batch.len() as u64;
        form_request::Entity::insert_many(batch).exec_without_returning(&txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// Posts `n` notifications to `path` from `clients` concurrent clients; returns notifications per
/// second.
async fn post_notifications(
    base: &str,
    path: &str,
    token: &str,
    rng: &mut rand::rngs::StdRng,
    n: u64,
    clients: usize,
) -> anyhow::Result<f64> {
    let bodies: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let input = cdop::demo::notification(rng, "Bench", store::now(), i);
            notification_json(&input)
        })
        .collect();
    let per_client = bodies.len().div_ceil(clients.max(1));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in bodies.chunks(per_client.max(1)) {
        let chunk = chunk.to_vec();
        let url = format!("{base}{path}");
        let token = token.to_string();
        tasks.spawn(async move {
            let client = reqwest::Client::new();
            for body in &chunk {
                let res = client.post(&url).bearer_auth(&token).json(body).send().await?;
                anyhow::ensure!(
                    res.status() == 201,
                    "{url}: {} {}",
                    res.status(),
                    res.text().await.unwrap_or_default()
                );
            }
            Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// The API body for a generated notification.
fn notification_json(i: &notification::NotificationInput) -> serde_json::Value {
    let iso = |d: &notification::DateParts| format!("{:0>4}-{:0>2}-{:0>2}", d.year, d.month, d.day);
    let person = |p: &notification::PersonInput| serde_json::json!({"name": p.name, "role": p.role, "organisation": p.organisation, "email": p.email, "phone": p.phone});
    serde_json::json!({
        "area": i.area,
        "child": {
            "given_names": i.given_names, "family_name": i.family_name, "other_names": i.other_names,
            "date_of_birth": iso(&i.date_of_birth), "sex": i.sex, "nhs_number": i.nhs_number, "ethnicity": i.ethnicity,
            "address": i.address, "postcode": i.postcode, "gp_practice": i.gp_practice, "looked_after": i.looked_after
        },
        "death": {
            "date_of_death": iso(&i.date_of_death), "time_of_death": i.time_of_death, "place_category": i.place_category,
            "place_detail": i.place_detail, "expected": i.expected == "yes", "jar_criteria": i.jar_criteria,
            "stillbirth": i.stillbirth, "suspected_home_stillbirth": i.suspected_home_stillbirth,
            "coroner_informed": i.coroner_informed == "yes", "circumstances": i.circumstances
        },
        "notifier": person(&i.notifier),
        "professionals": i.professionals.iter().map(person).collect::<Vec<_>>()
    })
}

async fn seed(
    state: &AppState,
    rng: &mut rand::rngs::StdRng,
    n: u64,
    concurrency: usize,
) -> anyhow::Result<Vec<(String, chrono::NaiveDate)>> {
    let state = std::sync::Arc::new(state.clone());
    let mut deaths = Vec::with_capacity(n as usize);
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let now = store::now();
    let started = Instant::now();
    for i in 0..n {
        let at = now - chrono::TimeDelta::minutes(rng.random_range(0..(30 * 365 * 24 * 60)));
        let input = cdop::demo::notification(rng, "Bench", at, i);
        let parsed = notification::parse(&input, at.date_naive()).map_err(|p| anyhow::anyhow!("{p:?}"))?;
        let death = parsed.identity.death.date_of_death;
        let permit = sem.clone().acquire_owned().await?;
        let st = state.clone();
        tasks.spawn(async move {
            let _p = permit;
            let ctx = intake::Origin {
                actor: Actor::Cli,
                source: Source::Demo,
                request_id: "bench-seed",
                area_scope: None,
                synthetic: true,
                notified_at: Some(at),
                submission: None,
            };
            intake::notify(&st, parsed, ctx)
                .await
                .map(|o| (o.reference, death))
                .map_err(|e| anyhow::anyhow!("{e:?}"))
        });
        while let Some(done) = tasks.try_join_next() {
            deaths.push(done??);
        }
        if (i + 1) % 10_000 == 0 {
            eprintln!("  seeded {} ({:.0}/s)", i + 1, (i + 1) as f64 / started.elapsed().as_secs_f64());
        }
    }
    while let Some(done) = tasks.join_next().await {
        deaths.push(done??);
    }
    Ok(deaths)
}

/// Signs in over HTTP and returns a client holding the session, plus its CSRF token.
/// Audit appends are strictly serial per chain (the head row is locked from the sequence number
/// to the new hash). Times 2,000 single-event transactions with 1 and 4 concurrent writers
/// against the same transactions inserting one row into a scratch table (no chain), and prints
/// per-append cost and the ratio.
async fn audit_appends(state: &AppState, backend: &str) -> anyhow::Result<()> {
    use cdop::domain::audit::{AuditAction, AuditEvent};
    let db = state.db.clone();
    db.execute_unprepared("CREATE TABLE IF NOT EXISTS bench_scratch (id BIGINT, payload VARCHAR(200))")
        .await?;
    let n = 2_000usize;
    for writers in [1usize, 4] {
        let mut rates = [0.0f64; 2];
        for (slot, audited) in [(0usize, false), (1, true)] {
            let started = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for w in 0..writers {
                let db = db.clone();
                tasks.spawn(async move {
                    for i in 0..n / writers {
                        let txn = store::begin_write(&db).await?;
                        if audited {
                            let event = AuditEvent::new(
                                Actor::System,
                                AuditAction::CaseViewed,
                                "case",
                                format!("B{w}-{i}"),
                            );
                            store::audit::append(&txn, &event).await?;
                        } else {
                            let sql = format!(
                                "INSERT INTO bench_scratch (id, payload) VALUES ({i}, 'case B{w}-{i}')"
                            );
                            txn.execute_unprepared(&sql).await?;
                        }
                        txn.commit().await?;
                    }
                    Ok::<_, anyhow::Error>(())
                });
            }
            while let Some(done) = tasks.join_next().await {
                done??;
            }
            rates[slot] = n as f64 / started.elapsed().as_secs_f64();
        }
        println!(
            "audit append ({backend}, {writers} writer(s)): {:.0}/s ({:.2} ms each), plain insert {:.0}/s, ratio {:.2}",
            rates[1],
            1000.0 / rates[1],
            rates[0],
            rates[1] / rates[0]
        );
    }
    let report = store::audit::verify(&db).await?;
    anyhow::ensure!(
        report.broken.is_none(),
        "the audit chain broke under the benchmark: {:?}",
        report.broken
    );
    db.execute_unprepared("DROP TABLE bench_scratch").await?;
    Ok(())
}

async fn sign_in(base: &str, email: &str, password: &str) -> anyhow::Result<(reqwest::Client, String)> {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let page = client.get(format!("{base}/login")).send().await?.text().await?;
    let token = csrf(&page).ok_or_else(|| anyhow::anyhow!("no csrf on the sign-in page"))?;
    let res = client
        .post(format!("{base}/login"))
        .form(&[("csrf_token", token.as_str()), ("email", email), ("password", password)])
        .send()
        .await?;
    anyhow::ensure!(res.status() == 303, "sign-in failed: {}", res.status());
    let home = client.get(format!("{base}/")).send().await?.text().await?;
    let token = csrf(&home).ok_or_else(|| anyhow::anyhow!("no csrf after sign-in"))?;
    Ok((client, token))
}

/// The value of the hidden input `name` on a page.
fn value_of(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    Some(tag[v..].split('"').next()?.to_string())
}

fn csrf(html: &str) -> Option<String> {
    let key = "name=\"csrf_token\" value=\"";
    let at = html.find(key)? + key.len();
    html[at..].find('"').map(|end| html[at..at + end].to_string())
}

async fn time_gets(client: &reqwest::Client, urls: &[String]) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::with_capacity(urls.len());
    for url in urls {
        let started = Instant::now();
        let res = client.get(url).send().await?;
        anyhow::ensure!(res.status() == 200, "{url}: {}", res.status());
        let _ = res.bytes().await?;
        out.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let keep = args.dir.is_some();
    let dir = match &args.dir {
        Some(d) => {
            anyhow::ensure!(args.backend == "sqlite", "--dir keeps a SQLite database only");
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => tempfile_dir()?,
    };
    let mut pg_db = None;
    let url = match args.backend.as_str() {
        "sqlite" => format!("sqlite://{}/bench.sqlite", dir.display()),
        "postgres" => {
            let name = format!("cdop_bench_{}", std::process::id());
            let admin = Database::connect(&args.pg_url).await?;
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
            admin.close().await?;
            pg_db = Some(name.clone());
            let base =
                args.pg_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(args.pg_url.clone());
            format!("{base}/{name}")
        }
        other => anyhow::bail!("--backend must be sqlite or postgres, not {other}"),
    };
    let result = run(&args, &dir, &url).await;
    if let Some(name) = pg_db {
        let admin = Database::connect(&args.pg_url).await?;
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
    }
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Part 5 alone, against the running server at `base_url`: the cases and their review histories
/// are seeded (unless reused from `--dir`), then the report part runs.
async fn reports_alone(
    args: &Args,
    state: &AppState,
    base_url: &str,
    area_id: i64,
    password: &str,
    seed_first: bool,
) -> anyhow::Result<()> {
    let mut rng = cdop::demo::rng(Some(42));
    if seed_first {
        let concurrency = if args.backend == "postgres" { 8 } else { 2 };
        let started = Instant::now();
        let deaths = seed(state, &mut rng, args.cases, concurrency).await?;
        println!("seeded {} cases in {:.1}s", args.cases, started.elapsed().as_secs_f64());
        let started = Instant::now();
        let staff = cdop::demo::lifecycle::staff(state, &[area_id]).await?;
        let counts = cdop::demo::lifecycle::write_all(state, &mut rng, staff, deaths, |_, _| {}).await?;
        println!(
            "wrote the review histories in {:.1}s ({} analyses signed off)",
            started.elapsed().as_secs_f64(),
            counts.signed
        );
    }
    settle(state).await?;
    let (coordinator, _) = sign_in(base_url, "co@bench.example", password).await?;
    reports::run(state, base_url, &coordinator, args.requests).await
}

/// What a running service keeps after seeding a decade of cases in minutes: the planner's
/// statistics (housekeeping on SQLite, autovacuum on PostgreSQL) and, on SQLite, the write-ahead
/// log folded back into the database (housekeeping's checkpoint), with its size before and after.
async fn settle(state: &AppState) -> anyhow::Result<()> {
    let Some(path) = cdop::store::sqlite_path(&state.config.database.url) else {
        state.db.execute_unprepared("VACUUM (ANALYZE)").await?;
        return Ok(());
    };
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    let size = || std::fs::metadata(&wal).map(|m| m.len() / 1_048_576).unwrap_or(0);
    let (before, started) = (size(), Instant::now());
    cdop::store::optimize(&state.db).await;
    println!(
        "statistics and write-ahead log checkpoint in {:.1}s: the log {before} MB before, {} MB after",
        started.elapsed().as_secs_f64(),
        size()
    );
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("cdop-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn run(args: &Args, dir: &std::path::Path, url: &str) -> anyhow::Result<()> {
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".parse()?;
    config.database.url = url.to_string();
    config.database.max_connections = 10;
    config.storage.data_dir = dir.join("data");
    config.log.level = "warn".into();
    config.auth.mfa_required_roles = Vec::new();
    config.auth.login_rate_per_minute = 10_000;
    // The reminder worker's first pass runs at start, before seeding; the benchmark does not
    // measure reminding thousands of overdue requests.
    config.forms.reminder_interval_seconds = 24 * 3600;
    cdop::telemetry::init(&config.log);
    let loaded = LoadedConfig::from_config(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let state = AppState::new(cdop::app::prepare(&loaded).await.map_err(|e| anyhow::anyhow!("{e}"))?);
    let password = "bench-password-long-enough";
    let reused = store::areas::list(&state.db).await?.into_iter().find(|a| a.name == "Bench");
    anyhow::ensure!(
        reused.is_none() || args.only.as_deref() == Some("reports"),
        "--dir holds an earlier run: reuse it with --only reports"
    );
    let seeded = reused.is_some();
    let area = match reused {
        Some(area) => area,
        None => store::areas::create(&state.db, "Bench").await?,
    };
    let hash = cdop::crypto::password::hash(password.to_string()).await?;
    let users = if seeded {
        Vec::new()
    } else {
        vec![("co@bench.example", Role::Coordinator), ("chair@bench.example", Role::PanelChair)]
    };
    for (email, role) in users {
        store::users::create(
            &state.db,
            &store::users::NewUser {
                email: cdop::domain::email::EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?,
                name: email.into(),
                password_hash: Some(hash.clone()),
                must_change_password: false,
                service_account: false,
                roles: vec![role],
                area_ids: vec![area.id],
            },
        )
        .await?;
    }
    let mut rng = cdop::demo::rng(Some(42));
    println!(
        "cdop benchmark — backend {}, {} cases, release={}",
        args.backend,
        args.cases,
        !cfg!(debug_assertions)
    );

    // The real app, plus the baseline endpoint behind the same access guard.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let baseline_route = axum::routing::post(baseline_handler).layer(axum::middleware::from_fn_with_state(
        cdop::web::auth::Guarded {
            state: state.clone(),
            access: cdop::web::auth::Access::Action(cdop::domain::policy::Action::NotifyDeath),
            keep_on_expiry: None,
        },
        cdop::web::auth::guard,
    ));
    let form_baseline = axum::routing::post(baseline_form_save).layer(axum::middleware::from_fn_with_state(
        cdop::web::auth::Guarded {
            state: state.clone(),
            access: cdop::web::auth::Access::Action(cdop::domain::policy::Action::RequestInformation),
            keep_on_expiry: None,
        },
        cdop::web::auth::guard,
    ));
    let extra = axum::Router::new()
        .route("/api/v1/bench-baseline", baseline_route)
        .route("/bench/form/{id}/{n}", form_baseline);
    let router = cdop::web::router_with(state.clone(), extra);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cdop::app::serve_router(state.clone(), router, listener, async move {
        let _ = rx.await;
    }));
    if args.only.as_deref() == Some("retention") {
        let concurrency = if args.backend == "postgres" { 8 } else { 2 };
        let started = Instant::now();
        seed(&state, &mut rng, args.cases, concurrency).await?;
        println!(
            "seeded {} cases through the intake path in {:.1}s",
            args.cases,
            started.elapsed().as_secs_f64()
        );
        settle(&state).await?;
        retention::run(&state, area.id).await?;
        let _ = tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        return Ok(());
    } else if args.only.as_deref() == Some("reports") {
        let result = reports_alone(args, &state, &base_url, area.id, password, !seeded).await;
        let _ = tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        return result;
    } else if let Some(other) = &args.only {
        anyhow::bail!("--only {other}: the parts that run alone are `retention` and `reports`");
    }
    let co_id = store::users::find_by_email(&state.db, "co@bench.example").await?.map(|u| u.id).unwrap_or(0);
    let (token, _) = store::tokens::create(&state.db, co_id, "bench", co_id, None).await?;

    // 1. Intake over HTTP, interleaved to even out drift: baseline, full, baseline, full; with one
    //    client, then four.
    let half = (args.intake / 2).max(1);
    for clients in [1usize, 4] {
        let mut base = Vec::new();
        let mut full = Vec::new();
        for _ in 0..2 {
            base.push(
                post_notifications(&base_url, "/api/v1/bench-baseline", &token, &mut rng, half, clients)
                    .await?,
            );
            full.push(
                post_notifications(&base_url, "/api/v1/notifications", &token, &mut rng, half, clients)
                    .await?,
            );
        }
        let base_rate = base.iter().sum::<f64>() / base.len() as f64;
        let full_rate = full.iter().sum::<f64>() / full.len() as f64;
        println!(
            "intake (POST, {clients} client(s)): full path {full_rate:.0}/s, baseline insert {base_rate:.0}/s, ratio {:.2} (target ≥ 0.70)",
            full_rate / base_rate
        );
    }
    audit_appends(&state, &args.backend).await?;

    // Baseline rows are not real notifications: remove them before the list is measured.
    state.db.execute_unprepared("DELETE FROM cases WHERE sealed_key = 'plaintext'").await?;

    // 2. Seed through the intake path, then time the list over HTTP.
    let existing = cases::count_all(&state.db).await?;
    let to_seed = args.cases.saturating_sub(existing);
    let started = Instant::now();
    let concurrency = if args.backend == "postgres" { 8 } else { 2 };
    let deaths = seed(&state, &mut rng, to_seed, concurrency).await?;
    println!("seeded {to_seed} cases through the intake path in {:.1}s", started.elapsed().as_secs_f64());
    if args.backend == "postgres" {
        // What autovacuum does shortly after a bulk load: statistics and the visibility map.
        state.db.execute_unprepared("VACUUM (ANALYZE) cases").await?;
    }
    let rss_before_serve = current_rss_mb();
    let (coordinator, co_csrf) = sign_in(&base_url, "co@bench.example", password).await?;
    let (chair, _) = sign_in(&base_url, "chair@bench.example", password).await?;
    let total = cases::count_all(&state.db).await?;
    let pages = total.div_ceil(50).max(1);
    let urls: Vec<String> = (0..args.requests)
        .map(|_| format!("{base_url}/cases?page={}", rng.random_range(1..=pages)))
        .collect();
    let _ = time_gets(&coordinator, &urls[..urls.len().min(20)]).await?; // warm-up
    let first_pages: Vec<String> = (0..args.requests).map(|_| format!("{base_url}/cases")).collect();
    let first = summary(time_gets(&coordinator, &first_pages).await?);
    let with_ids = summary(time_gets(&coordinator, &urls).await?);
    let without_ids = summary(time_gets(&chair, &urls).await?);
    let filtered_urls: Vec<String> = (0..args.requests)
        .map(|_| {
            format!(
                "{base_url}/cases?age_band=0-27d&year={}&page={}",
                2026 - rng.random_range(0..5),
                rng.random_range(1..=5)
            )
        })
        .collect();
    let filtered = summary(time_gets(&coordinator, &filtered_urls).await?);
    let mut search_ms = Vec::new();
    for _ in 0..args.requests.min(200) {
        let nhs = cdop::demo::test_nhs_number(&mut rng);
        let started = Instant::now();
        let res = coordinator
            .post(format!("{base_url}/cases/search"))
            .form(&[("csrf_token", co_csrf.as_str()), ("nhs_number", nhs.as_str())])
            .send()
            .await?;
        // Post/redirect/get: the result is shown by the redirect.
        anyhow::ensure!(res.status() == 303, "search: {}", res.status());
        let to = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("/cases").to_string();
        let res = coordinator.get(format!("{base_url}{to}")).send().await?;
        anyhow::ensure!(res.status() == 200, "search result: {}", res.status());
        let _ = res.bytes().await?;
        search_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let search = summary(search_ms);
    println!("case list at {total} cases ({} requests each), milliseconds p50 / p95 / p99:", args.requests);
    println!(
        "  first page (the default view), identities opened: {:.1} / {:.1} / {:.1}  (target p95 < 25)",
        first.0, first.1, first.2
    );
    println!(
        "  random page of {pages}, identities opened (coordinator): {:.1} / {:.1} / {:.1}  (target p95 < 25)",
        with_ids.0, with_ids.1, with_ids.2
    );
    println!(
        "  random page, coded only (panel chair, baseline): {:.1} / {:.1} / {:.1}",
        without_ids.0, without_ids.1, without_ids.2
    );
    println!("  ratio of p95 with identities to baseline: {:.2}", with_ids.1 / without_ids.1.max(0.001));
    println!(
        "  filtered (age band + year), identities opened: {:.1} / {:.1} / {:.1}",
        filtered.0, filtered.1, filtered.2
    );
    println!("  NHS number search (POST): {:.1} / {:.1} / {:.1}", search.0, search.1, search.2);

    // 3. Information gathering: saving a form page, and the Outstanding information page.
    let started = Instant::now();
    seed_form_requests(&state, args.form_requests, &mut rng).await?;
    let overdue: u64 = {
        use cdop::store::entities::form_request;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        form_request::Entity::find()
            .filter(form_request::Column::Status.is_in(["requested", "in_progress"]))
            .filter(form_request::Column::DueDate.lt(chrono::Utc::now().date_naive()))
            .count(&state.db)
            .await?
    };
    println!(
        "stored {} form requests over ten years ({overdue} overdue now) in {:.1}s",
        args.form_requests,
        started.elapsed().as_secs_f64()
    );
    if args.backend == "postgres" {
        state.db.execute_unprepared("VACUUM (ANALYZE) form_requests").await?;
    }
    let case = cases::batch_after(&state.db, 0, 1).await?.pop().ok_or_else(|| anyhow::anyhow!("no case"))?;
    let me = store::users::find_by_email(&state.db, "co@bench.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let roles = [Role::Coordinator];
    let acting = cdop::service::Acting { actor: Actor::User(me.id), roles: &roles, request_id: "bench" };
    let ask = cdop::gathering::Ask {
        person: notification::Person {
            name: "Bench Person".into(),
            role: "Nurse".into(),
            organisation: "Community Health Trust".into(),
            email: "bench@nhs.example".into(),
            phone: String::new(),
        },
        agency_type: cdop::domain::codes::AgencyType::Health,
        forms: vec!["reporting".into()],
    };
    let due = chrono::Utc::now().date_naive() + chrono::TimeDelta::days(28);
    let real = cdop::gathering::request(&state, &acting, &case, std::slice::from_ref(&ask), due)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?[0];
    let plain = cdop::gathering::request(&state, &acting, &case, &[ask], due)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?[0];
    let narrative =
        "The health visitor saw the family at home twice in the month before the death. ".repeat(12);
    let fields = |lock: i64| {
        vec![
            ("csrf_token".to_string(), co_csrf.clone()),
            ("lock".to_string(), lock.to_string()),
            ("service_provision_what_known".to_string(), narrative.clone()),
            ("bereavement_support_offered".to_string(), "yes".to_string()),
            (
                "bereavement_support_what".to_string(),
                "Visits from the family liaison officer and a leaflet.".to_string(),
            ),
            ("action".to_string(), "continue".to_string()),
        ]
    };
    let (mut real_lock, mut plain_lock) = (1i64, 1i64);
    let (mut sealed_ms, mut plain_ms) = (Vec::new(), Vec::new());
    let saves = args.requests.min(300);
    for i in 0..saves + 20 {
        let started = Instant::now();
        let res = coordinator
            .post(format!("{base_url}/cases/{}/requests/{real}/form/7", case.reference))
            .form(&fields(real_lock))
            .send()
            .await?;
        anyhow::ensure!(res.status() == 303, "form save: {}", res.status());
        real_lock += 1;
        let a = started.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        let res = coordinator
            .post(format!("{base_url}/bench/form/{plain}/7"))
            .form(&fields(plain_lock))
            .send()
            .await?;
        anyhow::ensure!(res.status() == 303, "baseline save: {}", res.status());
        plain_lock += 1;
        let b = started.elapsed().as_secs_f64() * 1000.0;
        if i >= 20 {
            sealed_ms.push(a);
            plain_ms.push(b);
        }
    }
    let (sealed, plain) = (summary(sealed_ms), summary(plain_ms));
    println!("form page save at {total} cases ({saves} saves each), milliseconds p50 / p95 / p99:");
    println!(
        "  sealed answers (full path, audited): {:.1} / {:.1} / {:.1}  (target p95 < 50)",
        sealed.0, sealed.1, sealed.2
    );
    println!("  no sealing, no audit (baseline): {:.1} / {:.1} / {:.1}", plain.0, plain.1, plain.2);
    println!("  ratio of p95 sealed to baseline: {:.2}", sealed.1 / plain.1.max(0.001));
    let outstanding_urls: Vec<String> =
        (0..args.requests.min(200)).map(|_| format!("{base_url}/outstanding")).collect();
    let _ = time_gets(&coordinator, &outstanding_urls[..5]).await?;
    let outstanding = summary(time_gets(&coordinator, &outstanding_urls).await?);
    println!(
        "Outstanding information page at {total} cases and {} form requests: {:.1} / {:.1} / {:.1}  (target p95 < 100)",
        args.form_requests, outstanding.0, outstanding.1, outstanding.2
    );
    review::run(&state, &base_url, &coordinator, &co_csrf, &mut rng, deaths, &args.backend, args.requests)
        .await?;
    settle(&state).await?;
    let peak_with_seeding = peak_rss_mb();
    // Peak RSS from here on: the process's high-water mark is reset (Linux `clear_refs` 5), so
    // the report part is measured without the seeding before it.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    reports::run(&state, &base_url, &coordinator, args.requests).await?;
    println!(
        "memory: {:.0} MB RSS after seeding, {:.0} MB peak including seeding (VmHWM; target < 150)",
        rss_before_serve, peak_with_seeding
    );
    if reset {
        println!(
            "  peak during the annual report part (pages, raw SQL, PDF): {:.0} MB (target < 150)",
            peak_rss_mb()
        );
    }
    // 8. Two instances against one (before retention, which destroys cases).
    instances::run(&loaded, password, total, args.requests).await?;
    // 7. Retention, last: it destroys one case in ten.
    retention::run(&state, area.id).await?;
    let _ = tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    Ok(())
}
