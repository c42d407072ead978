//! Part 4 of the benchmark: the review stage at `--cases` cases, after writing every seeded case's
//! review history as `cdop demo seed` does (requests and responses, meetings, pre-panel entries,
//! signed analyses, actions).
//!
//! - saving the Analysis Form page over HTTP as a coordinator (`POST /cases/{ref}/analysis`:
//!   validate, apply the modifiable rule, seal the narratives, store the coded rows, audit),
//!   against the sealed form-page save of part 3 (the same machinery for an agency form);
//! - building a case pack for a case with ten submitted forms whose narratives name the child,
//!   their family and address: redaction (open the identity and the ten responses, redact every
//!   narrative, seal and store them) and assembly (the coded summary, every form's coded answers,
//!   the confirmed narratives opened), against opening the same ten sealed responses alone.

use std::time::Instant;

use cdop::demo::{lifecycle, review as synthetic};
use cdop::domain::audit::Actor;
use cdop::domain::codes::{AgencyType, Source};
use cdop::domain::notification;
use cdop::domain::role::Role;
use cdop::forms::answers::{self, Answer};
use cdop::forms::definition::Kind;
use cdop::gathering::response::{self, Target};
use cdop::gathering::{self, Ask};
use cdop::service::Acting;
use cdop::store::{self, cases};
use cdop::web::AppState;
use sea_orm::ConnectionTrait;

use super::{summary, time_gets};

async fn one(state: &AppState, sql: &str) -> anyhow::Result<String> {
    let row = state
        .db
        .query_one_raw(sea_orm::Statement::from_string(state.db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row for {sql}"))?;
    Ok(row.try_get_by_index::<String>(0)?)
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    state: &AppState,
    base_url: &str,
    coordinator: &reqwest::Client,
    csrf: &str,
    rng: &mut rand::rngs::StdRng,
    deaths: Vec<(String, chrono::NaiveDate)>,
    backend: &str,
    requests: usize,
) -> anyhow::Result<()> {
    // The review history of every seeded case.
    let started = Instant::now();
    let area = store::areas::list(&state.db).await?.into_iter().find(|a| a.name == "Bench");
    let area_id = area.map(|a| a.id).ok_or_else(|| anyhow::anyhow!("no Bench area"))?;
    let staff = lifecycle::staff(state, &[area_id]).await?;
    let cases_written = deaths.len();
    let counts = lifecycle::write_all(state, rng, staff, deaths, |done, _| {
        if done % 10_000 < lifecycle::BATCH {
            eprintln!(
                "  review history of {done} cases ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    })
    .await?;
    println!(
        "wrote the review history of {} cases in {:.1}s ({} requests, {} meetings, {} analyses signed off, {} actions)",
        cases_written,
        started.elapsed().as_secs_f64(),
        counts.requests,
        counts.meetings,
        counts.signed,
        counts.actions
    );
    if backend == "postgres" {
        for table in
            ["cases", "form_requests", "form_answers", "analyses", "analysis_answers", "agenda_items"]
        {
            state.db.execute_unprepared(&format!("VACUUM (ANALYZE) {table}")).await?;
        }
    }

    // The Analysis Form page save, on a case whose analysis is a draft.
    let reference = one(
        state,
        "SELECT c.reference FROM cases c JOIN analyses a ON a.case_id = c.id WHERE a.status = 'draft' ORDER BY c.id DESC LIMIT 1",
    )
    .await?;
    let case =
        cases::find_by_reference(&state.db, &reference).await?.ok_or_else(|| anyhow::anyhow!("no case"))?;
    let version = state
        .forms
        .current("analysis", chrono::Utc::now().date_naive())
        .ok_or_else(|| anyhow::anyhow!("no analysis form"))?;
    let facts = synthetic::CaseFacts {
        age_band: case.age_band.clone(),
        expected: case.expected,
        sudden: !case.expected,
        imd_decile: case.imd_decile,
        death: case.notified_at.date_naive(),
        notified: case.notified_at.date_naive(),
    };
    let page = coordinator.get(format!("{base_url}/cases/{reference}/analysis")).send().await?.text().await?;
    let first_lock: i64 = super::value_of(&page, "lock").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut times = Vec::new();
    let saves = requests.min(300);
    for (i, lock) in (0..saves + 20).zip(first_lock..) {
        // A different decision each time: factor rows, themes and narratives change size.
        let decision = synthetic::decision(rng, &facts);
        let mut fields = answers::to_raw(&version, &decision.answers);
        fields.push(("csrf_token".into(), csrf.to_string()));
        fields.push(("lock".into(), lock.to_string()));
        fields.push(("action".into(), "save".into()));
        let started = Instant::now();
        let res =
            coordinator.post(format!("{base_url}/cases/{reference}/analysis")).form(&fields).send().await?;
        anyhow::ensure!(res.status() == 303, "analysis save: {}", res.status());
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if i >= 20 {
            times.push(ms);
        }
    }
    let analysis = summary(times);
    let total = cases::count_all(&state.db).await?;
    println!("Analysis Form page save at {total} cases ({saves} saves), milliseconds p50 / p95 / p99:");
    println!(
        "  validate, seal, store coded rows, audit: {:.1} / {:.1} / {:.1}  (target p95 < 50)",
        analysis.0, analysis.1, analysis.2
    );

    pack(state, rng, area_id).await?;
    let urls: Vec<String> = (0..requests.min(100)).map(|_| format!("{base_url}/actions")).collect();
    let actions = summary(time_gets(coordinator, &urls).await?);
    println!(
        "Actions register (open and overdue across the area): {:.1} / {:.1} / {:.1}",
        actions.0, actions.1, actions.2
    );
    Ok(())
}

/// A case with ten agencies' submitted forms whose narratives name the child, family and address;
/// then pack building timed.
async fn pack(state: &AppState, rng: &mut rand::rngs::StdRng, area_id: i64) -> anyhow::Result<()> {
    let now = store::now();
    let input = cdop::demo::notification(rng, "Bench", now - chrono::TimeDelta::days(60), 1);
    let parsed = notification::parse(&input, now.date_naive()).map_err(|p| anyhow::anyhow!("{p:?}"))?;
    let death = parsed.identity.death.date_of_death;
    let ctx = cdop::intake::Origin {
        actor: Actor::Cli,
        source: Source::Demo,
        request_id: "bench-pack",
        area_scope: None,
        synthetic: true,
        notified_at: Some(now - chrono::TimeDelta::days(58)),
        submission: None,
    };
    let outcome = cdop::intake::notify(state, parsed, ctx).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let case = cases::find_by_reference(&state.db, &outcome.reference)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no case"))?;
    let me = store::users::find_by_email(&state.db, "co@bench.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let roles = [Role::Coordinator];
    let acting = Acting { actor: Actor::User(me.id), roles: &roles, request_id: "bench" };
    let asks: Vec<Ask> = (0..10)
        .map(|i| Ask {
            person: notification::Person {
                name: format!("Bench Professional {i}"),
                role: "Nurse".into(),
                organisation: format!("Bench Agency {i}"),
                email: format!("agency{i}@nhs.example"),
                phone: String::new(),
            },
            agency_type: AgencyType::Health,
            forms: vec!["reporting".into()],
        })
        .collect();
    let due = now.date_naive() + chrono::TimeDelta::days(28);
    let ids =
        gathering::request(state, &acting, &case, &asks, due).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Narratives as agencies write them: full of the child's and family's names and address.
    let naming = format!(
        "{given} {family} lived with their mother at {address}, {postcode}. The health visitor saw {given} at home \
         twice in the month before the death and spoke to the family about {given}'s sleep. ",
        given = input.given_names,
        family = input.family_name,
        address = input.address,
        postcode = input.postcode,
    );
    for id in &ids {
        let request =
            store::form_requests::find(&state.db, *id).await?.ok_or_else(|| anyhow::anyhow!("no request"))?;
        let version = cdop::responses::version_of(state, &request).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut a = cdop::demo::answers::form_answers(rng, &version, death);
        for item in version.items.iter().filter(|i| i.kind == Kind::Narrative) {
            if a.contains_key(&item.key) || item.required {
                a.insert(item.key.clone(), Answer::Text(naming.repeat(3)));
            }
        }
        let raw = answers::to_raw(&version, &a);
        let target =
            Target { acting: &acting, case: &case, request: &request, expected_version: request.version };
        response::submit_all(state, &target, version, &raw)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    let meeting_id = store::meetings::insert(
        &state.db,
        store::meetings::NewMeeting {
            kind: "panel".into(),
            starts_at: now + chrono::TimeDelta::days(14),
            duration_minutes: 120,
            location: cdop::domain::anonymity::Checked::service_text("Bench"),
            chair_id: me.id,
            uid: "bench-pack@cdop".into(),
            created_by: Some(me.id),
        },
        &[area_id],
        &[me.id],
    )
    .await?;
    let meeting =
        store::meetings::find(&state.db, meeting_id).await?.ok_or_else(|| anyhow::anyhow!("no meeting"))?;
    let narratives_sql = format!("DELETE FROM pack_narratives WHERE case_id = {}", case.id);
    let confirm_sql = format!("UPDATE pack_narratives SET status = 'confirmed' WHERE case_id = {}", case.id);
    let sealed: Vec<Vec<u8>> = store::form_requests::for_case(&state.db, case.id)
        .await?
        .into_iter()
        .filter_map(|r| r.answers_sealed)
        .collect();
    let (mut redaction, mut assembly, mut whole, mut opening) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut narratives = 0;
    let mut redactions = 0;
    for i in 0..120 {
        state.db.execute_unprepared(&narratives_sql).await?;
        let started = Instant::now();
        cdop::review::packs::prepare(state, &case).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let a = started.elapsed().as_secs_f64() * 1000.0;
        state.db.execute_unprepared(&confirm_sql).await?;
        let started = Instant::now();
        let pack =
            cdop::review::packs::build(state, &meeting, &case).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let b = started.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        for s in &sealed {
            std::hint::black_box(state.keys.keyring.open(s)?);
        }
        let c = started.elapsed().as_secs_f64() * 1000.0;
        narratives = pack.narratives.len();
        anyhow::ensure!(pack.forms.len() == 10, "the pack has {} forms", pack.forms.len());
        let text = serde_json::to_string(&pack.narratives)?;
        anyhow::ensure!(
            !text.contains(&input.address) && !text.contains(&input.postcode),
            "an identifier survived"
        );
        redactions = one(
            state,
            &format!("SELECT CAST(SUM(redactions) AS TEXT) FROM pack_narratives WHERE case_id = {}", case.id),
        )
        .await?
        .parse()
        .unwrap_or(0);
        if i >= 20 {
            redaction.push(a);
            assembly.push(b);
            whole.push(a + b);
            opening.push(c);
        }
    }
    let (redaction, assembly, whole, opening) =
        (summary(redaction), summary(assembly), summary(whole), summary(opening));
    println!(
        "case pack for a case with 10 submitted forms ({narratives} narratives, {redactions} identifiers redacted), milliseconds p50 / p95 / p99:"
    );
    println!(
        "  redact (open identity and responses, redact, seal, store): {:.1} / {:.1} / {:.1}",
        redaction.0, redaction.1, redaction.2
    );
    println!(
        "  assemble (coded summary, forms' coded answers, narratives opened): {:.1} / {:.1} / {:.1}",
        assembly.0, assembly.1, assembly.2
    );
    println!("  whole build: {:.1} / {:.1} / {:.1}", whole.0, whole.1, whole.2);
    println!(
        "  opening the 10 sealed responses alone (baseline): {:.1} / {:.1} / {:.1}; ratio of p95s {:.1}",
        opening.0,
        opening.1,
        opening.2,
        whole.1 / opening.1.max(0.001)
    );
    Ok(())
}
