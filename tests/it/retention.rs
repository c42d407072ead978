//! Retention: a case falls due (clock controlled), the sweep lists it, one admin queues it, a
//! second approves, and it is destroyed: every sealed record of the case gone, its blind indexes
//! cleared, every other record still opening, and every annual report byte-identical. Legal holds
//! stop it at every step; a crash mid-batch leaves each case untouched or fully destroyed.

use std::time::Duration;

use cdop::domain::audit::Actor;
use cdop::domain::role::Role;
use cdop::reports::annual::{self, Params};
use cdop::reports::files::{Format, file};
use cdop::reports::table::Mode;
use chrono::{NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};

use crate::both_backends;
use crate::cases::{contains, raw_database_text};
use crate::common::process::run;
use crate::common::{Backend, TestApp, notification};

/// A narrative about the named child's family (sealed in several records of the case).
fn narrative(who: &str) -> String {
    format!("{who}'s mother said the smoke alarm had no battery")
}

async fn exec(app: &TestApp, sql: &str, values: Vec<Value>) {
    let db = &app.state.db;
    db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, values))
        .await
        .expect("sql runs");
}

async fn one_i64(app: &TestApp, sql: &str) -> i64 {
    app.sql_strings(&format!("SELECT CAST(({sql}) AS TEXT)")).await[0].parse().expect("a number")
}

async fn case_id(app: &TestApp, reference: &str) -> i64 {
    one_i64(app, &format!("SELECT id FROM cases WHERE reference = '{reference}'")).await
}

fn seal(app: &TestApp, text: &str) -> Vec<u8> {
    app.state.keys.keyring.seal(text.as_bytes()).expect("sealed")
}

/// Notifies a closed case (closed on `closed_on`); returns its reference.
pub(crate) async fn closed_case(
    app: &TestApp,
    token: &str,
    given: &str,
    family: &str,
    nhs: &str,
    closed_on: &str,
) -> String {
    let (status, body) =
        app.notify_api(token, &notification("Cumberland", given, family, nhs, "CA1 1AA")).await;
    assert_eq!(status, 201, "{body}");
    let reference = body["case_reference"].as_str().expect("reference").to_string();
    app.sql(&format!(
        "UPDATE cases SET status = 'closed', closed_on = '{closed_on}', retention_stale = TRUE WHERE reference = '{reference}'"
    ))
    .await;
    reference
}

/// Gives a case one record of every sealed kind: a kept version, an agency form (recipient and
/// answers) with a checked pack narrative, a pack summary, an analysis narrative, a family contact,
/// a key worker, an email to a notifier, and minutes of a meeting it alone was on.
async fn seed_sealed_records(app: &TestApp, case: i64, reference: &str, chair: i64, who: &str) -> i64 {
    let story = narrative(who);
    let minutes = format!("Panel discussed {who} at length");
    let key = app.state.keys.keyring.key_id();
    let now = Utc::now();
    let area = one_i64(app, &format!("SELECT area_id FROM cases WHERE id = {case}")).await;
    exec(
        app,
        "INSERT INTO case_versions (case_id, version, kind, sealed, sealed_key, coded, fields, changed_by, changed_at) \
         VALUES ($1, 1, 'amendment', $2, $3, '{}', 'child.family_name', NULL, $4)",
        vec![case.into(), seal(app, &format!("{who}, formerly Smith")).into(), key.clone().into(), now.into()],
    )
    .await;
    exec(
        app,
        "INSERT INTO form_requests (case_id, area_id, form_code, form_version, agency, agency_type, recipient_sealed, \
         token_hash, token_expires_at, status, due_date, answers_sealed, sealed_key, created_at, updated_at) \
         VALUES ($1, $2, 'reporting', 'NCMD-2022-04', 'North Cumbria GP', 'health', $3, $4, $5, 'submitted', $6, $7, $8, $5, $5)",
        vec![
            case.into(),
            area.into(),
            seal(app, &format!("Dr {who}-Jones, GP")).into(),
            format!("{:064}", case).into(),
            now.into(),
            now.date_naive().into(),
            // The identifying answers as a response seals them.
            seal(app, &serde_json::json!({"bereavement_support_what": {"text": story}}).to_string()).into(),
            key.clone().into(),
        ],
    )
    .await;
    let request = one_i64(app, &format!("SELECT MAX(id) FROM form_requests WHERE case_id = {case}")).await;
    exec(
        app,
        "INSERT INTO pack_narratives (case_id, request_id, item_key, row_no, status, sealed, sealed_key, source_hash, \
         redactions, updated_at) VALUES ($1, $2, 'narrative', 0, 'confirmed', $3, $4, 'x', 1, $5)",
        vec![case.into(), request.into(), seal(app, &story).into(), key.clone().into(), now.into()],
    )
    .await;
    exec(
        app,
        "INSERT INTO case_packs (case_id, summary_sealed, sealed_key, updated_at) VALUES ($1, $2, $3, $4)",
        vec![case.into(), seal(app, "An infant who died at home").into(), key.clone().into(), now.into()],
    )
    .await;
    exec(
        app,
        "INSERT INTO analyses (case_id, revision, form_version, status, sealed, sealed_key, created_at, updated_at) \
         VALUES ($1, 1, 'DHSC-2018', 'draft', $2, $3, $4, $4)",
        vec![case.into(), seal(app, &story).into(), key.clone().into(), now.into()],
    )
    .await;
    exec(
        app,
        "INSERT INTO family_contacts (case_id, contact_on, kind, sealed, sealed_key, created_at) VALUES ($1, $2, 'phone', $3, $4, $5)",
        vec![case.into(), now.date_naive().into(), seal(app, &story).into(), key.clone().into(), now.into()],
    )
    .await;
    exec(
        app,
        "INSERT INTO key_workers (case_id, sealed, sealed_key, updated_at) VALUES ($1, $2, $3, $4)",
        vec![
            case.into(),
            seal(app, &format!("Key worker for the family of {who}")).into(),
            key.clone().into(),
            now.into(),
        ],
    )
    .await;
    exec(
        app,
        "INSERT INTO mail_outbox (template, case_reference, sealed_to, sealed_key, subject, body_text, body_html, status, \
         attempts, next_attempt_at, created_at) VALUES ('receipt', $1, $2, $3, 'Receipt', '', '', 'sent', 1, $4, $4)",
        vec![reference.into(), seal(app, &format!("{}@example.org", who.replace(' ', "."))).into(), key.clone().into(), now.into()],
    )
    .await;
    exec(
        app,
        "INSERT INTO meetings (kind, starts_at, duration_minutes, location, chair_id, status, minutes_sealed, sealed_key, \
         uid, created_at, updated_at) VALUES ('panel', $1, 60, 'Room 1', $2, 'held', $3, $4, $5, $1, $1)",
        vec![now.into(), chair.into(), seal(app, &minutes).into(), key.into(), format!("m-{case}").into()],
    )
    .await;
    let meeting = one_i64(app, "SELECT MAX(id) FROM meetings").await;
    exec(
        app,
        "INSERT INTO agenda_items (meeting_id, case_id, position, outcome, created_at, updated_at) VALUES ($1, $2, 1, 'reviewed', $3, $3)",
        vec![meeting.into(), case.into(), now.into()],
    )
    .await;
    meeting
}

/// Every sealed value in the database that opens with the service's keys, as text.
async fn every_opened_text(app: &TestApp) -> String {
    let columns = [
        ("cases", "sealed"),
        ("case_versions", "sealed"),
        ("form_requests", "recipient_sealed"),
        ("form_requests", "answers_sealed"),
        ("pack_narratives", "sealed"),
        ("case_packs", "summary_sealed"),
        ("analyses", "sealed"),
        ("family_contacts", "sealed"),
        ("key_workers", "sealed"),
        ("mail_outbox", "sealed_to"),
        ("meetings", "minutes_sealed"),
    ];
    let db = &app.state.db;
    let mut out = String::new();
    for (t, c) in columns {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT {c} AS s FROM {t} WHERE {c} IS NOT NULL"),
            ))
            .await
            .expect("sealed column");
        for r in rows {
            let blob: Vec<u8> = r.try_get("", "s").expect("blob");
            if let Ok(plain) = app.state.keys.keyring.open(&blob) {
                out.push_str(&String::from_utf8_lossy(&plain));
                out.push('\n');
            }
        }
    }
    out
}

/// Every annual report (years 2022–2027, internal and published) as its standalone HTML and its
/// JSON, all on the same day.
async fn every_report(app: &TestApp, area: i64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for year in 2022..=2027 {
        for mode in [
            Mode::Internal,
            Mode::Published(cdop::reports::disclosure::Rule::from(&app.state.config.reports)),
        ] {
            let params = Params {
                year: cdop::domain::dates::ReportingYear(year),
                areas: vec![(area, "Cumberland".into())],
                mode,
                rate_rule: cdop::reports::rates::RateRule::from(&app.state.config.reports),
                generated_on: NaiveDate::from_ymd_opt(2027, 2, 1).expect("date"),
            };
            let report = annual::run(&app.state.db, &app.state.forms, &params).await.expect("report");
            out.push(file(&report, Format::Html).expect("html"));
            out.push(cdop::web::api::reports::report_json(&report).to_string().into_bytes());
        }
    }
    out
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.sql_strings("SELECT action FROM audit_events ORDER BY seq").await
}

/// Cases closed over a year ago become due (the policy counts a year from closure) and the sweep
/// lists them: `expect` entries, whose ids are returned.
pub(crate) async fn swept_after_closing(app: &TestApp, expect: usize) -> Vec<i64> {
    app.sql("UPDATE retention_policies SET trigger_on = 'case_closed', years = 1").await;
    app.sql("UPDATE cases SET retention_stale = TRUE").await;
    let r = cdop::retention::queue::sweep(&app.state, app.state.clock.today(), false).await.expect("sweep");
    assert_eq!(r.listed.len(), expect);
    app.sql_strings("SELECT CAST(id AS TEXT) FROM destruction_entries ORDER BY id")
        .await
        .iter()
        .map(|s| s.parse().expect("id"))
        .collect()
}

/// An admin acting through the services.
pub(crate) fn admin_acting(user: i64) -> cdop::service::Acting<'static> {
    cdop::service::Acting { actor: Actor::User(user), roles: &[Role::Admin], request_id: "t" }
}

fn cli_env(app: &TestApp) -> Vec<(&'static str, String)> {
    vec![
        ("CDOP__DATABASE__URL", app.db.url.clone()),
        ("CDOP__STORAGE__DATA_DIR", app.dir.join("data").display().to_string()),
    ]
}

pub(crate) fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    let env = cli_env(app);
    let envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(&app.dir, &envs, args)
}

async fn entry_of(app: &TestApp, case: i64) -> (i64, String) {
    let rows = app
        .sql_strings(&format!(
            "SELECT CAST(id AS TEXT) || ':' || status FROM destruction_entries WHERE case_id = {case} ORDER BY id DESC"
        ))
        .await;
    let first = rows.first().expect("an entry").clone();
    let (id, status) = first.split_once(':').expect("id:status");
    (id.parse().expect("id"), status.to_string())
}

both_backends!(
    a_due_case_is_destroyed_by_two_admins_and_every_report_stays_the_same,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
        crate::reports::construct(&app, &token, "Cumberland", &crate::reports::dataset(), 0).await;
        let target = closed_case(&app, &token, "Zebedee", "Quartermaine", "943 476 5919", "2024-01-15").await;
        let held = closed_case(&app, &token, "Hattie", "Heldaway", "401 023 2137", "2024-01-15").await;
        let late = closed_case(&app, &token, "Lorcan", "Latehold", "999 000 0018", "2024-01-15").await;
        let chair = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
        let target_id = case_id(&app, &target).await;
        let held_id = case_id(&app, &held).await;
        let late_id = case_id(&app, &late).await;
        let lone_meeting = seed_sealed_records(&app, target_id, &target, chair, "Zebedee Quartermaine").await;
        // A second notification of the same child, merged into the target: destroyed with it.
        let (status, body) = app
            .notify_api(&token, &notification("Cumberland", "Zeb", "Quartermaine", "943 476 5919", "CA1 1AA"))
            .await;
        assert_eq!(status, 201, "{body}");
        let merged = body["case_reference"].as_str().expect("reference").to_string();
        app.sql(&format!(
            "UPDATE cases SET status = 'merged', duplicate_of = {target_id} WHERE reference = '{merged}'"
        ))
        .await;
        // A second meeting with the target and another case: its minutes stay.
        let shared_meeting = seed_sealed_records(&app, held_id, &held, chair, "Hattie Heldaway").await;
        exec(
        &app,
        "INSERT INTO agenda_items (meeting_id, case_id, position, outcome, created_at, updated_at) VALUES ($1, $2, 2, 'reviewed', $3, $3)",
        vec![shared_meeting.into(), target_id.into(), Utc::now().into()],
    )
    .await;
        assert!(
            every_opened_text(&app).await.contains(&narrative("Zebedee Quartermaine")),
            "the narratives open before destruction"
        );

        let a = app.signed_in("a@example.org", &[Role::Admin], &[area]).await;
        let b = app.signed_in("b@example.org", &[Role::Admin], &[area]).await;

        // The configured default (date of birth + 26 years) was installed at start. Stop using it,
        // and add "case closure + 3 years, destroy" through the page; a bad period is refused first.
        let default_id = one_i64(&app, "SELECT MIN(id) FROM retention_policies").await;
        let (status, body, _) = a
            .post_page(
                "/admin/retention/policies",
                &[
                    ("name", "Closure plus"),
                    ("trigger", "case_closed"),
                    ("years", "three"),
                    ("months", "12"),
                    ("action", "destroy"),
                    ("all_areas", "true"),
                ],
            )
            .await;
        assert_eq!(status, 422);
        assert!(
            body.contains("Years must be a whole number, like 6")
                && body.contains("Months must be 11 or fewer")
        );
        assert!(body.contains("value=\"Closure plus\""), "what was typed is kept");
        let (status, body, _) = a
            .post_page(
                &format!("/admin/retention/policies/{default_id}"),
                &[
                    ("name", "Children's records: to the 26th birthday"),
                    ("trigger", "date_of_birth"),
                    ("years", "26"),
                    ("months", "0"),
                    ("action", "destroy"),
                    ("all_areas", "true"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{body}");
        let (status, body, _) = a
            .post_page(
                "/admin/retention/policies",
                &[
                    ("name", "Closure plus three years"),
                    ("trigger", "case_closed"),
                    ("years", "3"),
                    ("months", ""),
                    ("action", "destroy"),
                    ("all_areas", "true"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{body}");
        cdop::retention::refresh_due(&app.state, 500).await.expect("due dates");
        let due = app
            .sql_strings(&format!("SELECT CAST(retention_due_on AS TEXT) FROM cases WHERE id = {target_id}"))
            .await;
        assert_eq!(due, ["2027-01-15"], "closure + 3 years");
        let undated = one_i64(&app, "SELECT COUNT(*) FROM cases WHERE retention_due_on IS NULL").await;
        assert_eq!(
            undated,
            crate::reports::dataset().len() as i64 + 1,
            "open cases (and the merged duplicate) wait for closure"
        );

        // A hold on one case before it falls due.
        let (status, body, to) = a
            .post_page(
                "/admin/retention/holds",
                &[
                    ("scope", "case"),
                    ("case_reference", &held.to_lowercase()),
                    ("reason", "Civil claim pending"),
                    ("external_ref", "Claim QB-2026-001"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{body}");
        let held_hold: i64 = to.expect("to").rsplit('/').next().expect("id").parse().expect("hold id");
        let (status, body, _) = a
            .post_page("/admin/retention/holds", &[("scope", "case"), ("case_reference", "CDOP-1999-0001")])
            .await;
        assert_eq!(status, 422);
        assert!(
            body.contains("There is no case CDOP-1999-0001")
                && body.contains("Enter the reason for the hold")
        );

        // Time passes: the cases fall due on 15 January 2027.
        app.state.clock.set(Utc.with_ymd_and_hms(2027, 2, 1, 10, 0, 0).single().expect("time"));
        let before = every_report(&app, area).await;
        let (status, _, to) = a.post_page("/admin/retention/sweep", &[]).await;
        assert_eq!((status.as_u16(), to.as_deref()), (303, Some("/admin/retention/queue")));
        assert_eq!(entry_of(&app, target_id).await.1, "due");
        assert_eq!(entry_of(&app, late_id).await.1, "due");
        assert_eq!(
            one_i64(&app, &format!("SELECT COUNT(*) FROM destruction_entries WHERE case_id = {held_id}"))
                .await,
            0,
            "a held case is never listed"
        );
        let (_, queue_page) = a.page("/admin/retention/queue").await;
        assert!(queue_page.contains(&target) && queue_page.contains(&late) && !queue_page.contains(&held));

        // Admin A queues both; A cannot approve what A queued.
        let (t_entry, l_entry) =
            (entry_of(&app, target_id).await.0.to_string(), entry_of(&app, late_id).await.0.to_string());
        let (status, body, _) =
            a.post_page("/admin/retention/queue", &[("entries", &t_entry), ("entries", &l_entry)]).await;
        assert_eq!(status, 422, "a reason is required");
        assert!(body.contains("Enter the reason for destroying"));
        let (status, _, _) = a
            .post_page(
                "/admin/retention/queue",
                &[("entries", &t_entry), ("entries", &l_entry), ("reason", "Due under the closure policy")],
            )
            .await;
        assert_eq!(status, 303);
        let (status, body, _) = a
            .post_page("/admin/retention/approve", &[("entries", &t_entry), ("approve_reason", "Checked")])
            .await;
        assert_eq!(status, 409);
        assert!(body.contains("another admin must approve it"), "{body}");
        assert_eq!(entry_of(&app, target_id).await.1, "queued");

        // A hold placed between queueing and approval withdraws the case.
        let (status, body, _) = b
            .post_page(
                "/admin/retention/holds",
                &[
                    ("scope", "case"),
                    ("case_reference", &late),
                    ("reason", "Inquest opened"),
                    ("external_ref", "Inquest 2027/4"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{body}");
        assert_eq!(entry_of(&app, late_id).await.1, "withdrawn");

        // Admin B approves (the withdrawn one is not approved).
        let (status, _, to) = b
            .post_page(
                "/admin/retention/approve",
                &[
                    ("entries", &t_entry),
                    ("entries", &l_entry),
                    ("approve_reason", "Checked: no hold or open inquiry"),
                ],
            )
            .await;
        assert_eq!((status.as_u16(), to.as_deref()), (303, Some("/admin/retention/certificates")));
        cdop::retention::destroy::destroy_approved(&app.state, Actor::System, None, Duration::ZERO)
            .await
            .expect("destroyed");
        assert_eq!(entry_of(&app, target_id).await.1, "destroyed");
        assert_eq!(entry_of(&app, late_id).await.1, "withdrawn");
        assert_eq!(
            one_i64(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM cases WHERE reference = '{merged}' AND destroyed_at IS NOT NULL"
                )
            )
            .await,
            1,
            "the merged duplicate went with it"
        );

        // Nothing of the target is left: no plaintext, and nothing sealed that still opens.
        let opened = every_opened_text(&app).await;
        for needle in ["Zebedee", "Quartermaine", "9434765919", "943 476 5919", "Dr Zebedee"] {
            assert!(!opened.contains(needle), "{needle} still opens after destruction");
        }
        assert!(
            opened.contains(&narrative("Hattie Heldaway")) && opened.contains("Latehold"),
            "the held cases are untouched"
        );
        assert!(opened.contains("Panel discussed Hattie Heldaway"), "shared minutes stay");
        let raw = raw_database_text(&app).await;
        for needle in ["Zebedee", "Quartermaine", "9434765919"] {
            assert!(!contains(&raw, needle), "{needle} in the raw database");
        }
        for (table, n) in [
            ("case_versions", 0),
            ("pack_narratives", 0),
            ("case_packs", 0),
            ("family_contacts", 0),
            ("key_workers", 0),
        ] {
            assert_eq!(
                one_i64(&app, &format!("SELECT COUNT(*) FROM {table} WHERE case_id = {target_id}")).await,
                n,
                "{table}"
            );
        }
        assert_eq!(one_i64(&app, &format!("SELECT COUNT(*) FROM mail_outbox WHERE case_reference = '{target}' AND sealed_to IS NOT NULL")).await, 0, "emails to people outside go; staff emails carry only the reference");
        assert_eq!(
            one_i64(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM meetings WHERE id = {lone_meeting} AND minutes_sealed IS NULL"
                )
            )
            .await,
            1,
            "minutes of its own meeting go"
        );
        assert_eq!(
            one_i64(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM meetings WHERE id = {shared_meeting} AND minutes_sealed IS NOT NULL"
                )
            )
            .await,
            1,
            "shared minutes stay"
        );
        // The coded record stays (the form request's agency and dates, the analysis row).
        assert_eq!(
            one_i64(&app, &format!("SELECT COUNT(*) FROM form_requests WHERE case_id = {target_id}")).await,
            1
        );
        assert_eq!(
            one_i64(&app, &format!("SELECT COUNT(*) FROM analyses WHERE case_id = {target_id}")).await,
            1
        );
        // Its blind indexes no longer match its NHS number.
        let index = app.state.keys.index.nhs_number("9434765919");
        assert_eq!(
            cdop::store::cases::first_with_nhs_index(&app.state.db, &index).await.expect("lookup"),
            None
        );
        let deaths = app
            .sql_strings(&format!("SELECT COALESCE(death_index, 'none') FROM cases WHERE id = {target_id}"))
            .await;
        assert_eq!(deaths, ["none"]);

        // Every annual report, internal and published, is byte-identical.
        let after = every_report(&app, area).await;
        assert_eq!(before.len(), after.len());
        for (i, (x, y)) in before.iter().zip(&after).enumerate() {
            assert!(x == y, "report {i} changed after destruction");
        }

        // The other records still open; the audit chain holds; the trail records every step.
        let out = cli(&app, &["keys", "verify"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let out = cli(&app, &["audit", "verify"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let actions = audit_actions(&app).await;
        for a in [
            "retention.policy.saved",
            "retention.hold.placed",
            "retention.swept",
            "retention.queued",
            "retention.withdrawn",
            "retention.approved",
            "retention.destroyed",
            "retention.certificate.issued",
        ] {
            assert!(actions.iter().any(|x| x == a), "audit has {a}");
        }

        // The case page says so plainly; nothing can be revealed.
        let doctor = app.signed_in("dd@example.org", &[Role::DesignatedDoctor], &[area]).await;
        let (_, page) = doctor.page(&format!("/cases/{target}")).await;
        assert!(
            page.contains("Identifying data destroyed")
                && page.contains("1 February 2027")
                && page.contains("Closure plus three years"),
            "{page}"
        );
        assert!(!page.contains("id=\"reveal\""));
        let (status, _, _) = doctor.post_page(&format!("/cases/{target}/reveal"), &[]).await;
        assert_eq!(status, 409, "nothing to reveal, and nothing may be added");
        let (_, list) = doctor.page("/cases").await;
        assert!(
            !list.contains("Quartermaine")
                && list.contains("Identifying data destroyed")
                && list.contains("Heldaway")
        );

        // The certificate: listed, as a page, and as a PDF naming no one.
        let (_, certs) = b.page("/admin/retention/certificates").await;
        // The first case destroyed is certificate 1, whatever its place in the queue.
        let number = "DC-000001";
        assert!(certs.contains(number) && certs.contains(&target), "{certs}");
        let (status, cert) = b.page(&format!("/admin/retention/certificates/{t_entry}")).await;
        assert_eq!(status, 200);
        assert!(
            cert.contains("Test a") && cert.contains("Test b") && cert.contains("Family contact log entries"),
            "queued by A, approved by B"
        );
        assert!(
            cert.contains("Kept for now: Minutes of meetings that also reviewed other cases"),
            "the shared minutes are named"
        );
        let (status, kind, pdf) = b.download(&format!("/admin/retention/certificates/{t_entry}/pdf")).await;
        assert_eq!((status.as_u16(), kind.as_str()), (200, "application/pdf"));
        let (text, _) = crate::common::pdf_text(&pdf);
        assert!(text.contains(number) && text.contains(&target) && !text.contains("Quartermaine"), "{text}");
        assert!(audit_actions(&app).await.iter().any(|x| x == "retention.certificate.downloaded"));

        // Releasing the hold makes the late case eligible again at the next sweep.
        let (status, body, _) = b
            .post_page(&format!("/admin/retention/holds/{held_hold}/release"), &[("release_reason", "")])
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("Enter the reason for releasing the hold"));
        let late_hold = one_i64(&app, "SELECT MAX(id) FROM legal_holds").await;
        // Admins never see identities: a reason naming the child the hold covers is refused.
        let (status, body, _) = b
            .post_page(
                &format!("/admin/retention/holds/{late_hold}/release"),
                &[("release_reason", "Lorcan Latehold's inquest concluded")],
            )
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("‘Lorcan Latehold’ (known for a case)"), "{body}");
        let (status, _, _) = b
            .post_page(
                &format!("/admin/retention/holds/{late_hold}/release"),
                &[("release_reason", "Inquest concluded")],
            )
            .await;
        assert_eq!(status, 303);
        let r =
            cdop::retention::queue::sweep(&app.state, app.state.clock.today(), false).await.expect("sweep");
        assert_eq!(
            r.listed,
            std::slice::from_ref(&late),
            "released: listed again; the other hold still stands"
        );
        assert_eq!(r.held, 1);
        assert!(audit_actions(&app).await.iter().any(|x| x == "retention.hold.released"));

        // An approver can exclude a case with a reason and a date to look again.
        let (l_entry, _) = entry_of(&app, late_id).await;
        let (status, body, _) = b
            .post_page(
                &format!("/admin/retention/entries/{l_entry}/exclude"),
                &[("exclude_reason", "Family asked for the record to be kept")],
            )
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("Enter the date to look at the case again"));
        let (status, body, _) = b
            .post_page(
                &format!("/admin/retention/entries/{l_entry}/exclude"),
                &[
                    ("exclude_reason", "Lorcan's family asked for the record to be kept"),
                    ("review_on.day", "1"),
                    ("review_on.month", "2"),
                    ("review_on.year", "2030"),
                ],
            )
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("‘Lorcan’ (known for a case)"), "{body}");
        let (status, _, _) = b
            .post_page(
                &format!("/admin/retention/entries/{l_entry}/exclude"),
                &[
                    ("exclude_reason", "Family asked for the record to be kept"),
                    ("review_on.day", "1"),
                    ("review_on.month", "2"),
                    ("review_on.year", "2030"),
                ],
            )
            .await;
        assert_eq!(status, 303);
        cdop::retention::refresh_due(&app.state, 500).await.expect("due dates");
        let due = app
            .sql_strings(&format!("SELECT CAST(retention_due_on AS TEXT) FROM cases WHERE id = {late_id}"))
            .await;
        assert_eq!(due, ["2030-02-01"], "the approver's date replaces the policy's");
        let r =
            cdop::retention::queue::sweep(&app.state, app.state.clock.today(), false).await.expect("sweep");
        assert!(r.listed.is_empty());
    }
);

both_backends!(
    a_crash_mid_batch_leaves_each_case_whole_or_destroyed_and_a_rerun_finishes,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
        let chair = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
        let a = app.user("a@example.org", &[Role::Admin], &[area]).await;
        let b = app.user("b@example.org", &[Role::Admin], &[area]).await;
        let numbers =
            ["943 476 5919", "401 023 2137", "999 000 0018", "999 000 0026", "999 000 0034", "999 000 0042"];
        let mut ids = Vec::new();
        for (i, nhs) in numbers.iter().enumerate() {
            let reference =
                closed_case(&app, &token, &format!("Crash{i}"), "Batchley", nhs, "2020-03-01").await;
            let id = case_id(&app, &reference).await;
            seed_sealed_records(&app, id, &reference, chair, &format!("Crash{i} Batchley")).await;
            ids.push(id);
        }
        let entries = swept_after_closing(&app, 6).await;
        let acting = admin_acting;
        cdop::retention::queue::queue(&app.state, &acting(a), a, &entries, "Due", &[]).await.expect("queued");
        let refused = cdop::retention::queue::approve(&app.state, &acting(a), a, &entries, "Mine", &[]).await;
        assert!(matches!(refused, Err(cdop::service::ServiceError::Refused(_))), "two people");
        cdop::retention::queue::approve(&app.state, &acting(b), b, &entries, "Checked", &[])
            .await
            .expect("approved");

        // Destroy in a separate process, killed after the first cases are done.
        let env = cli_env(&app);
        let mut cmd = crate::common::process::command(
            &app.dir,
            &env.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        );
        let mut child =
            cmd.args(["retention", "destroy", "--pause-ms", "700"]).spawn().expect("destroy starts");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let done =
                one_i64(&app, "SELECT COUNT(*) FROM destruction_entries WHERE status = 'destroyed'").await;
            if done >= 2 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the destroy run made no progress");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill().expect("killed");
        let _ = child.wait();
        let done = one_i64(&app, "SELECT COUNT(*) FROM destruction_entries WHERE status = 'destroyed'").await;
        assert!((2..6).contains(&done), "stopped part-way: {done} destroyed");
        for id in &ids {
            let destroyed = one_i64(
                &app,
                &format!("SELECT COUNT(*) FROM cases WHERE id = {id} AND destroyed_at IS NOT NULL"),
            )
            .await
                == 1;
            let leftovers = one_i64(&app, &format!("SELECT COUNT(*) FROM family_contacts WHERE case_id = {id}")).await
            + one_i64(&app, &format!("SELECT COUNT(*) FROM pack_narratives WHERE case_id = {id}")).await
            + one_i64(&app, &format!("SELECT COUNT(*) FROM form_requests WHERE case_id = {id} AND answers_sealed IS NOT NULL")).await;
            let (_, status) = entry_of(&app, *id).await;
            if destroyed {
                assert_eq!((leftovers, status.as_str()), (0, "destroyed"), "case {id} fully destroyed");
            } else {
                assert_eq!((leftovers, status.as_str()), (3, "approved"), "case {id} untouched");
            }
        }
        // A rerun finishes the batch.
        let out = cli(&app, &["retention", "destroy"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            one_i64(&app, "SELECT COUNT(*) FROM destruction_entries WHERE status = 'destroyed'").await,
            6
        );
        assert_eq!(one_i64(&app, "SELECT COUNT(*) FROM cases WHERE destroyed_at IS NOT NULL").await, 6);
        assert!(
            !every_opened_text(&app).await.contains("smoke alarm"),
            "every narrative of the batch is gone"
        );
        let out = cli(&app, &["audit", "verify"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let out = cli(&app, &["keys", "verify"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let destroyed_events =
            audit_actions(&app).await.iter().filter(|a| *a == "retention.destroyed").count();
        assert_eq!(destroyed_events, 6, "one event per case, none twice");
        let out = cli(&app, &["retention", "status"]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("queue entries destroyed: 6"));
    }
);

both_backends!(
    set_holds_cover_an_area_s_dates_and_a_theme_and_the_dry_run_changes_nothing,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let area = app.area("Cumberland").await;
        let other = app.area("Westmorland").await;
        let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
        let first = closed_case(&app, &token, "Ava", "Early", "943 476 5919", "2020-01-10").await;
        let themed = closed_case(&app, &token, "Theo", "Themed", "401 023 2137", "2020-01-10").await;
        let plain = closed_case(&app, &token, "Perry", "Plain", "999 000 0018", "2020-01-10").await;
        let themed_id = case_id(&app, &themed).await;
        exec(&app, "INSERT INTO analyses (case_id, revision, form_version, status, sealed_key, created_at, updated_at) VALUES ($1, 1, 'DHSC-2018', 'signed', '', $2, $2)", vec![themed_id.into(), Utc::now().into()]).await;
        exec(&app, "INSERT INTO analysis_answers (analysis_id, item_key, row_no, value) SELECT MAX(id), 'themes', 0, 'safe_sleep' FROM analyses", vec![]).await;
        app.sql(&format!(
            "UPDATE cases SET notified_at = {} WHERE reference = '{first}'",
            app.sql_time(Utc.with_ymd_and_hms(2019, 6, 1, 12, 0, 0).single().expect("t"))
        ))
        .await;
        app.sql("UPDATE retention_policies SET trigger_on = 'case_closed', years = 1").await;
        app.sql("UPDATE cases SET retention_stale = TRUE").await;
        let admin = app.signed_in("a@example.org", &[Role::Admin], &[area]).await;
        let (status, body, _) = admin
            .post_page(
                "/admin/retention/holds",
                &[
                    ("scope", "area_dates"),
                    ("area", &area.to_string()),
                    ("from_on.day", "1"),
                    ("from_on.month", "6"),
                    ("from_on.year", "2019"),
                    ("to_on.day", "1"),
                    ("to_on.month", "6"),
                    ("to_on.year", "2019"),
                    ("reason", "Review of 2019 deaths"),
                    ("external_ref", "Inquiry 19"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{body}");
        let (status, body, _) = admin
            .post_page(
                "/admin/retention/holds",
                &[
                    ("scope", "theme"),
                    ("theme", "safe_sleep"),
                    ("reason", "Thematic review"),
                    ("external_ref", "Safe sleep review"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{body}");
        // Another area's dates, and reversed dates, are refused or cover nothing.
        let (status, body, _) = admin
            .post_page(
                "/admin/retention/holds",
                &[
                    ("scope", "area_dates"),
                    ("area", &other.to_string()),
                    ("from_on.day", "2"),
                    ("from_on.month", "6"),
                    ("from_on.year", "2019"),
                    ("to_on.day", "1"),
                    ("to_on.month", "6"),
                    ("to_on.year", "2019"),
                    ("reason", "x"),
                    ("external_ref", "y"),
                ],
            )
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("The last date must be the same as or after the first"));
        let (_, holds) = admin.page("/admin/retention/holds").await;
        assert!(
            holds.contains("Cumberland cases notified 1 June 2019 to 1 June 2019")
                && holds.contains("Cases with the theme")
        );

        // The dry run lists what would be due and writes nothing.
        let out = cli(&app, &["retention", "sweep", "--dry-run"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("still to compute"), "{text}");
        assert_eq!(one_i64(&app, "SELECT COUNT(*) FROM destruction_entries").await, 0);
        let out = cli(&app, &["retention", "sweep"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            text.contains("1 case(s) due by")
                && text.contains(&plain)
                && text.contains("2 due but under a legal hold"),
            "{text}"
        );
        let out = cli(&app, &["retention", "sweep", "--dry-run", "--as-of", "31/12/2030"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("write the date as YYYY-MM-DD"));
        let listed: Vec<String> = app
            .sql_strings("SELECT c.reference FROM destruction_entries e JOIN cases c ON c.id = e.case_id")
            .await;
        assert_eq!(listed, std::slice::from_ref(&plain));

        // Approved, then the policy is lengthened: at destruction the case is no longer due, and
        // is withdrawn instead of destroyed early.
        let a = app.user_id("a@example.org").await;
        let b = app.user("b@example.org", &[Role::Admin], &[area]).await;
        let entries: Vec<i64> = app
            .sql_strings("SELECT CAST(id AS TEXT) FROM destruction_entries")
            .await
            .iter()
            .map(|s| s.parse().expect("id"))
            .collect();
        let acting = |user: i64| cdop::service::Acting {
            actor: Actor::User(user),
            roles: &[Role::Admin],
            request_id: "t",
        };
        cdop::retention::queue::queue(&app.state, &acting(a), a, &entries, "Due", &[]).await.expect("queued");
        cdop::retention::queue::approve(&app.state, &acting(b), b, &entries, "Checked", &[])
            .await
            .expect("approved");
        let policy = cdop::store::retention::policies(&app.state.db).await.expect("policies").remove(0);
        let longer = cdop::domain::retention::PolicyInput {
            name: policy.policy.name.clone(),
            trigger: policy.policy.trigger,
            years: 50,
            months: 0,
            action: policy.policy.action,
            all_areas: true,
            areas: Vec::new(),
        };
        cdop::store::retention::update_policy(&app.state.db, policy.policy.id, policy.version, &longer, true)
            .await
            .expect("lengthened");
        let done =
            cdop::retention::destroy::destroy_approved(&app.state, Actor::System, None, Duration::ZERO)
                .await
                .expect("run");
        assert_eq!(done.destroyed.len(), 0);
        assert_eq!(done.withdrawn, vec![plain.clone()]);
        assert_eq!(one_i64(&app, "SELECT COUNT(*) FROM cases WHERE destroyed_at IS NOT NULL").await, 0);
    }
);
